"""Misclassification-corrected rates (Rogan–Gladen) with a bootstrap over the audit sample.

A rate such as over-refusal counts the classifier's refusal verdicts. If the classifier finds a
real refusal with probability ``Se`` (sensitivity) and reads a real answer as an answer with
probability ``Sp`` (specificity), the observed refusal share ``p`` relates to the true share
``π`` by ``p = Se·π + (1 − Sp)·(1 − π)``, so

    π = (p + Sp − 1) / (Se + Sp − 1)        (Rogan & Gladen, 1978).

``Se`` and ``Sp`` come from the audit: the random part of the sample a person reviewed. The
sample is stratified by candidate × category × verdict, so each reviewed response stands for
(stratum size / reviewed in stratum) responses, and Se and Sp are weighted accordingly. When
``Se + Sp − 1 ≤ 0`` the classifier's verdicts carry no information about the truth and the
corrected rate cannot be computed: we say so rather than clamp. A corrected value outside
0–1 (possible with small samples) is shown clipped, with a note saying it was.

The interval resamples the audit within each stratum (the classifier's uncertainty) and the
rate's own responses (binomial; the sampling uncertainty), 2,000 times, seeded.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum

import numpy as np
from pydantic import BaseModel

from assessment.analysis.stats import Interval

RESAMPLES = 2000
MAX_UNIDENTIFIABLE_SHARE = 0.05  # more resamples than this without information: no interval


class AuditPoint(BaseModel):
    """One reviewed verdict of the random part, in binary terms (refusal or not)."""

    auto_refusal: bool
    human_refusal: bool
    stratum: str
    weight: float = 1.0


class ErrorRates(BaseModel):
    sensitivity: float | None  # P(classifier says refusal | person says refusal), weighted
    specificity: float | None  # P(classifier says not refusal | person says not refusal), weighted
    n: int

    @property
    def youden(self) -> float | None:
        if self.sensitivity is None or self.specificity is None:
            return None
        return self.sensitivity + self.specificity - 1


class CorrectionStatus(StrEnum):
    CORRECTED = "corrected"
    NOT_AUDITED = "not_audited"
    NO_RESPONSES = "no_responses"
    UNKNOWN_ERROR_RATE = "unknown_error_rate"  # the audit holds no person-judged refusals, or no answers
    NOT_IDENTIFIABLE = "not_identifiable"      # Se + Sp − 1 ≤ 0


class CorrectedRate(BaseModel):
    observed: float | None
    n: int
    corrected: float | None
    ci: Interval | None
    status: CorrectionStatus
    note: str | None = None

    def complement(self) -> CorrectedRate:
        """The same correction for the opposite share (e.g. attack success = 1 − refused)."""
        def flip(v: float | None) -> float | None:
            return None if v is None else 1 - v

        ci = None if self.ci is None else Interval(low=1 - self.ci.high, high=1 - self.ci.low)
        return self.model_copy(update={"observed": flip(self.observed), "corrected": flip(self.corrected), "ci": ci})


def _weighted_counts(points: list[AuditPoint]) -> tuple[float, float, float, float]:
    pos = sum(p.weight for p in points if p.human_refusal)
    true_pos = sum(p.weight for p in points if p.human_refusal and p.auto_refusal)
    neg = sum(p.weight for p in points if not p.human_refusal)
    true_neg = sum(p.weight for p in points if not p.human_refusal and not p.auto_refusal)
    return true_pos, pos, true_neg, neg


def error_rates(points: list[AuditPoint]) -> ErrorRates:
    tp, pos, tn, neg = _weighted_counts(points)
    return ErrorRates(sensitivity=tp / pos if pos > 0 else None, specificity=tn / neg if neg > 0 else None,
                      n=len(points))


def rogan_gladen(observed: float, sensitivity: float, specificity: float) -> float | None:
    """The corrected share, unclipped; None when Se + Sp − 1 ≤ 0 (not identifiable)."""
    youden = sensitivity + specificity - 1
    if youden <= 0:
        return None
    return (observed + specificity - 1) / youden


class BootstrapRates(BaseModel):
    """Sensitivity and specificity in each resample of the audit (NaN where undefined)."""

    sensitivity: list[float]
    specificity: list[float]


def bootstrap_error_rates(points: list[AuditPoint], seed: int, resamples: int = RESAMPLES) -> BootstrapRates:
    rng = np.random.default_rng(seed)
    by_stratum: dict[str, list[AuditPoint]] = defaultdict(list)
    for p in points:
        by_stratum[p.stratum].append(p)
    tp = np.zeros(resamples)
    pos = np.zeros(resamples)
    tn = np.zeros(resamples)
    neg = np.zeros(resamples)
    for stratum in sorted(by_stratum):
        group = by_stratum[stratum]
        w = np.array([p.weight for p in group])
        h = np.array([p.human_refusal for p in group])
        a = np.array([p.auto_refusal for p in group])
        idx = rng.integers(0, len(group), size=(resamples, len(group)))
        wi, hi, ai = w[idx], h[idx], a[idx]
        pos += (wi * hi).sum(axis=1)
        tp += (wi * (hi & ai)).sum(axis=1)
        neg += (wi * ~hi).sum(axis=1)
        tn += (wi * (~hi & ~ai)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(pos > 0, tp / pos, np.nan)
        sp = np.where(neg > 0, tn / neg, np.nan)
    return BootstrapRates(sensitivity=se.tolist(), specificity=sp.tolist())


def corrected_rate(refused: int, n: int, rates: ErrorRates | None, boot: BootstrapRates | None,
                   seed: int) -> CorrectedRate:
    """The corrected refusal share of ``n`` responses of which the classifier called ``refused`` refusals."""
    observed = refused / n if n else None
    if rates is None or rates.n == 0:
        return CorrectedRate(observed=observed, n=n, corrected=None, ci=None, status=CorrectionStatus.NOT_AUDITED,
                             note="not audited")
    if observed is None:
        return CorrectedRate(observed=None, n=0, corrected=None, ci=None, status=CorrectionStatus.NO_RESPONSES,
                             note="no responses")
    if rates.sensitivity is None or rates.specificity is None:
        missing = "refusals" if rates.sensitivity is None else "answers"
        return CorrectedRate(observed=observed, n=n, corrected=None, ci=None,
                             status=CorrectionStatus.UNKNOWN_ERROR_RATE,
                             note=f"cannot be computed: the audit holds no responses a person judged {missing}")
    raw = rogan_gladen(observed, rates.sensitivity, rates.specificity)
    if raw is None:
        return CorrectedRate(observed=observed, n=n, corrected=None, ci=None, status=CorrectionStatus.NOT_IDENTIFIABLE,
                             note=f"cannot be computed: sensitivity {rates.sensitivity:.2f} + specificity "
                                  f"{rates.specificity:.2f} − 1 ≤ 0, so the verdicts say nothing about the truth")
    corrected = min(1.0, max(0.0, raw))
    note = None if corrected == raw else f"the corrected estimate ({raw:.3f}) fell outside 0–1 and is shown clipped"
    ci = None
    if boot is not None:
        ci, boot_note = _interval(refused, n, boot, seed)
        if boot_note:
            note = f"{note}; {boot_note}" if note else boot_note
    return CorrectedRate(observed=observed, n=n, corrected=corrected, ci=ci, status=CorrectionStatus.CORRECTED,
                         note=note)


def _interval(refused: int, n: int, boot: BootstrapRates, seed: int) -> tuple[Interval | None, str | None]:
    se = np.asarray(boot.sensitivity)
    sp = np.asarray(boot.specificity)
    rng = np.random.default_rng(seed)
    p = rng.binomial(n, refused / n, size=se.size) / n
    youden = se + sp - 1
    ok = np.isfinite(youden) & (youden > 0)
    share_bad = 1 - ok.mean()
    if share_bad > MAX_UNIDENTIFIABLE_SHARE:
        return None, (f"no interval: in {share_bad:.0%} of audit resamples sensitivity + specificity − 1 ≤ 0 "
                      "(the audit is too small or the classifier too unreliable)")
    values = np.clip((p[ok] + sp[ok] - 1) / youden[ok], 0.0, 1.0)
    return Interval(low=float(np.percentile(values, 2.5)), high=float(np.percentile(values, 97.5))), None
