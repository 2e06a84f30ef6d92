"""Intervals and tests against textbook or hand-computed values."""

from __future__ import annotations

import pytest

from assessment.analysis.stats import (
    bootstrap_mean_ci,
    cohens_kappa,
    mcnemar_exact,
    paired_bootstrap,
    rate,
    severity,
    wilson_interval,
)


@pytest.mark.parametrize("k, n, low, high", [
    (0, 10, 0.0, 0.2775),      # Wilson 95% for 0/10
    (5, 10, 0.2366, 0.7634),   # 5/10
    (10, 10, 0.7225, 1.0),     # 10/10
    (1, 20, 0.0089, 0.2361),
])
def test_wilson_textbook_values(k, n, low, high):
    ci = wilson_interval(k, n)
    assert ci.low == pytest.approx(low, abs=5e-4) and ci.high == pytest.approx(high, abs=5e-4)


def test_empty_rate_is_undefined():
    r = rate(0, 0)
    assert r.value is None and r.ci is None and r.too_few


def test_too_few_marker():
    assert rate(3, 9).too_few and not rate(3, 10).too_few


def test_mcnemar_exact():
    # 1 discordant pair one way, 6 the other: two-sided exact binomial p = 2 * P(X <= 1 | n=7, p=.5) = 0.125
    base = [True] * 1 + [False] * 6 + [True] * 5 + [False] * 8
    cand = [False] * 1 + [True] * 6 + [True] * 5 + [False] * 8
    m = mcnemar_exact(base, cand)
    assert (m.only_baseline, m.only_candidate, m.both, m.neither) == (1, 6, 5, 8)
    assert m.p_value == pytest.approx(0.125)
    assert mcnemar_exact([True, False], [True, False]).p_value == 1.0
    assert mcnemar_exact([], []).p_value is None


def test_bootstrap_is_seeded_and_brackets_the_mean():
    values = [1, 0, 1, 1, 0, 1, 0, 1, 1, 1]
    a, b = bootstrap_mean_ci(values, seed=3), bootstrap_mean_ci(values, seed=3)
    assert a == b and a.low < 0.7 < a.high
    assert bootstrap_mean_ci([], seed=1) is None
    assert bootstrap_mean_ci([0.5, 0.5], seed=1).low == 0.5


def test_paired_bootstrap():
    base = [1.0] * 10
    cand = [1.0] * 5 + [0.0] * 5
    abs_ci, pct_ci, p = paired_bootstrap(base, cand, seed=1)
    assert abs_ci.low <= 0.5 <= abs_ci.high and pct_ci.low <= 50 <= pct_ci.high
    assert p < 0.05
    _, _, same = paired_bootstrap(base, base, seed=1)
    assert same == 1.0
    zero_abs, zero_pct, _ = paired_bootstrap([0.0] * 5, [0.0, 1.0, 0.0, 1.0, 0.0], seed=1)
    assert zero_pct is None and zero_abs is not None  # relative tax undefined against a zero baseline


def test_cohens_kappa():
    # classic 2x2 example: po = 0.7, pe = 0.5 → kappa 0.4
    a = ["y"] * 20 + ["y"] * 5 + ["n"] * 10 + ["n"] * 15
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert cohens_kappa(a, b) == pytest.approx(0.4)
    assert cohens_kappa(["a"], ["a"]) == 1.0
    assert cohens_kappa([], []) is None


@pytest.mark.parametrize("tax, level", [(25, "critical"), (20.0, "significant"), (10.5, "significant"),
                                        (10, "moderate"), (5.01, "moderate"), (5, "minimal"), (-3, "minimal"),
                                        (None, None)])
def test_severity_thresholds(tax, level):
    assert severity(tax) == level


def test_detectable_difference_matches_a_hand_computed_value():
    from assessment.analysis.power import detectable_difference, items_needed

    # By hand (Fleiss): p1 = 0.10, p2 = 0.25, p̄ = 0.175, z = 1.959964 and 0.841621:
    # [1.959964·√(2·0.175·0.825) + 0.841621·√(0.09 + 0.1875)]² / 0.15² = 2.23967 / 0.0225 = 99.54 -> 100 items.
    assert items_needed(0.10, 0.25) == 100
    # ... and for a 14.9-point rise, 100.67 -> 101 items: so 100 items detect a rise between 14.9 and 15 points.
    assert items_needed(0.10, 0.249) == 101
    assert 0.149 < detectable_difference(100) < 0.150
    # More items detect smaller differences; too few items detect nothing.
    assert detectable_difference(400) < detectable_difference(100) < detectable_difference(25)
    assert detectable_difference(2) is None and detectable_difference(0) is None
