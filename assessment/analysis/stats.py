"""Intervals and tests. Every function guards the empty case instead of dividing by zero."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from statistics import NormalDist

import numpy as np
from pydantic import BaseModel

from assessment.analysis.catalogue import MIN_N_TO_DECIDE, SEVERITY_THRESHOLDS  # noqa: F401  (re-exported)

BOOTSTRAP_RESAMPLES = 2000


class Interval(BaseModel):
    low: float
    high: float


class Rate(BaseModel):
    """A proportion with its n and 95% Wilson interval; ``value`` is None when n = 0."""

    value: float | None
    successes: int
    n: int
    ci: Interval | None
    too_few: bool

    @property
    def defined(self) -> bool:
        return self.value is not None


def mean_of_defined(values: Sequence[float | None]) -> float | None:
    """Mean of the values that are defined; None when none is."""
    defined = [v for v in values if v is not None]
    return statistics.fmean(defined) if defined else None


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval | None:
    if n <= 0:
        return None
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(low=max(0.0, centre - half), high=min(1.0, centre + half))


def rate(successes: int, n: int) -> Rate:
    return Rate(value=successes / n if n else None, successes=successes, n=n, ci=wilson_interval(successes, n),
                too_few=n < MIN_N_TO_DECIDE)


def pooled_rate(rates: Iterable[Rate]) -> Rate:
    """Several rates as one: successes and n summed (e.g. a candidate over its domains)."""
    rates = list(rates)
    return rate(sum(r.successes for r in rates), sum(r.n for r in rates))


def bootstrap_mean_ci(values: Sequence[float], seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES) -> Interval | None:
    """Percentile bootstrap interval of a mean over items (seeded, reproducible)."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return None
    if arr.size == 1 or np.all(arr == arr[0]):
        return Interval(low=float(arr.mean()), high=float(arr.mean()))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, arr.size, size=(resamples, arr.size))
    means = arr[idx].mean(axis=1)
    return Interval(low=float(np.percentile(means, 2.5)), high=float(np.percentile(means, 97.5)))


def paired_bootstrap(baseline: Sequence[float], candidate: Sequence[float], seed: int = 0,
                     resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[Interval | None, Interval | None, float | None]:
    """Intervals for the absolute tax (mean baseline − mean candidate) and the relative tax in %,
    resampling items jointly, and a two-sided p-value for "no difference"."""
    b = np.asarray(baseline, dtype=float)
    c = np.asarray(candidate, dtype=float)
    if b.size == 0 or b.size != c.size:
        return None, None, None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, b.size, size=(resamples, b.size))
    mb, mc = b[idx].mean(axis=1), c[idx].mean(axis=1)
    diff = mb - mc
    abs_ci = Interval(low=float(np.percentile(diff, 2.5)), high=float(np.percentile(diff, 97.5)))
    valid = mb > 0
    pct_ci = None
    if valid.mean() >= 0.95:  # relative tax is undefined where the resampled baseline is 0
        pct = diff[valid] / mb[valid] * 100
        pct_ci = Interval(low=float(np.percentile(pct, 2.5)), high=float(np.percentile(pct, 97.5)))
    observed = b.mean() - c.mean()
    if np.all(b == c):
        p_value = 1.0
    else:
        centred = diff - diff.mean()
        p_value = float(min(1.0, (np.sum(np.abs(centred) >= abs(observed)) + 1) / (resamples + 1)))
    return abs_ci, pct_ci, p_value


def one_sample_bootstrap_p(values: Sequence[float], mu: float, seed: int = 0,
                           resamples: int = BOOTSTRAP_RESAMPLES) -> float | None:
    """Two-sided bootstrap p-value for "the mean of these item scores equals mu" (a published score)."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        return None
    observed = arr.mean() - mu
    if np.all(arr == arr[0]):
        return 1.0 if observed == 0 else float(1 / (resamples + 1)) if arr.size > 1 else 1.0
    rng = np.random.default_rng(seed)
    means = arr[rng.integers(0, arr.size, size=(resamples, arr.size))].mean(axis=1)
    centred = means - arr.mean()
    return float(min(1.0, (np.sum(np.abs(centred) >= abs(observed)) + 1) / (resamples + 1)))


def binomial_p(successes: int, n: int, p0: float, alternative: str = "two-sided") -> float | None:
    """Exact binomial test of successes / n against a fixed rate p0 ("two-sided", "less", "greater")."""
    if n <= 0:
        return None
    from scipy.stats import binomtest  # heavy: scipy.stats adds ~0.5 s at import (~2 s on busy cores)

    return float(binomtest(successes, n, p0, alternative=alternative).pvalue)


def fisher_p(k1: int, n1: int, k2: int, n2: int, alternative: str = "two-sided") -> float | None:
    """Fisher's exact test of k1/n1 against k2/n2 ("greater": the first rate is higher)."""
    if n1 <= 0 or n2 <= 0:
        return None
    from scipy.stats import fisher_exact  # heavy: scipy.stats adds ~0.5 s at import (~2 s on busy cores)

    return float(fisher_exact([[k1, n1 - k1], [k2, n2 - k2]], alternative=alternative)[1])


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values: compare each with alpha to keep the family-wise error
    rate at alpha under any dependence between the tests."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


class McNemar(BaseModel):
    both: int
    only_baseline: int
    only_candidate: int
    neither: int
    p_value: float | None


def mcnemar_exact(baseline_flags: Sequence[bool], candidate_flags: Sequence[bool]) -> McNemar:
    """Exact McNemar test on paired binary outcomes (e.g. refused or not, item by item)."""
    from scipy.stats import binomtest  # heavy: scipy.stats adds ~0.5 s at import (~2 s on busy cores)

    pairs = list(zip(baseline_flags, candidate_flags))
    both = sum(1 for b, c in pairs if b and c)
    only_b = sum(1 for b, c in pairs if b and not c)
    only_c = sum(1 for b, c in pairs if c and not b)
    neither = sum(1 for b, c in pairs if not b and not c)
    discordant = only_b + only_c
    p = None if not pairs else (1.0 if discordant == 0 else float(binomtest(only_c, discordant, 0.5).pvalue))
    return McNemar(both=both, only_baseline=only_b, only_candidate=only_c, neither=neither, p_value=p)


def cohens_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Agreement beyond chance between two labelings of the same items; None if undefined."""
    if not a or len(a) != len(b):
        return None
    count_a, count_b = Counter(a), Counter(b)
    n = len(a)
    observed = sum(1 for x, y in zip(a, b) if x == y) / n
    expected = sum((count_a[lab] / n) * (count_b[lab] / n) for lab in sorted(count_a.keys() | count_b.keys()))
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else None
    return (observed - expected) / (1 - expected)


def severity(tax: float | None) -> str | None:
    """DESIGN.md: critical > 20, significant > 10, moderate > 5, else minimal (None when undefined)."""
    if tax is None:
        return None
    for word, threshold in sorted(SEVERITY_THRESHOLDS.items(), key=lambda kv: -kv[1]):
        if tax > threshold:
            return word
    return "minimal"

