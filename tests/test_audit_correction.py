"""The misclassification-corrected estimator against values computed by hand."""

from __future__ import annotations

import pytest

from assessment.audit.correction import (
    AuditPoint,
    CorrectionStatus,
    bootstrap_error_rates,
    corrected_rate,
    error_rates,
    rogan_gladen,
)


def points(tp: int, fn: int, tn: int, fp: int, stratum: str = "s", weight: float = 1.0) -> list[AuditPoint]:
    """tp: both say refusal; fn: person refusal, classifier not; tn: both not; fp: classifier refusal, person not."""
    def make(auto: bool, human: bool, k: int) -> list[AuditPoint]:
        return [AuditPoint(auto_refusal=auto, human_refusal=human, stratum=stratum, weight=weight)] * k

    return make(True, True, tp) + make(False, True, fn) + make(False, False, tn) + make(True, False, fp)


def test_rogan_gladen_by_hand():
    # Se = 8/10, Sp = 9/10; observed 30 %: (0.30 + 0.90 - 1) / (0.80 + 0.90 - 1) = 0.20 / 0.70
    rates = error_rates(points(tp=8, fn=2, tn=9, fp=1))
    assert rates.sensitivity == pytest.approx(0.8) and rates.specificity == pytest.approx(0.9)
    assert rogan_gladen(0.30, 0.8, 0.9) == pytest.approx(0.2 / 0.7)
    result = corrected_rate(30, 100, rates, None, seed=1)
    assert result.status == CorrectionStatus.CORRECTED
    assert result.corrected == pytest.approx(0.285714, abs=1e-6)
    assert result.observed == pytest.approx(0.30)


def test_weights_follow_stratum_sizes():
    # Stratum "r" (classifier said refusal): 100 responses, 4 reviewed, person agreed with 3.
    # Stratum "c" (classifier said compliance): 900 responses, 4 reviewed, person found 1 refusal.
    pts = (points(tp=3, fn=0, tn=0, fp=1, stratum="r", weight=100 / 4)
           + points(tp=0, fn=1, tn=3, fp=0, stratum="c", weight=900 / 4))
    rates = error_rates(pts)
    # Weighted: TP = 75, FN = 225, TN = 675, FP = 25 -> Se = 75/300, Sp = 675/700
    assert rates.sensitivity == pytest.approx(0.25)
    assert rates.specificity == pytest.approx(675 / 700)
    # observed 10 %: (0.1 + 675/700 - 1) / (0.25 + 675/700 - 1) = 0.3 exactly (= 300 true refusals in 1000)
    assert corrected_rate(100, 1000, rates, None, seed=0).corrected == pytest.approx(0.3)


def test_full_agreement_leaves_the_rate_and_only_sampling_noise():
    pts = points(tp=20, fn=0, tn=40, fp=0)
    rates = error_rates(pts)
    assert (rates.sensitivity, rates.specificity) == (1.0, 1.0)
    result = corrected_rate(12, 40, rates, bootstrap_error_rates(pts, seed=3), seed=3)
    assert result.corrected == pytest.approx(0.30)
    assert result.ci is not None and result.ci.low < 0.30 < result.ci.high
    assert result.note is None


def test_zero_agreement_is_not_identifiable_and_says_so():
    pts = points(tp=0, fn=10, tn=0, fp=10)
    rates = error_rates(pts)
    assert (rates.sensitivity, rates.specificity) == (0.0, 0.0)
    result = corrected_rate(5, 20, rates, bootstrap_error_rates(pts, seed=1), seed=1)
    assert result.status == CorrectionStatus.NOT_IDENTIFIABLE
    assert result.corrected is None and result.ci is None
    assert "cannot be computed" in result.note and "≤ 0" in result.note


def test_chance_level_classifier_is_not_identifiable():
    # Se = 0.5, Sp = 0.5: Se + Sp - 1 = 0 exactly
    result = corrected_rate(5, 10, error_rates(points(tp=5, fn=5, tn=5, fp=5)), None, seed=0)
    assert result.status == CorrectionStatus.NOT_IDENTIFIABLE


def test_audit_without_person_judged_refusals_cannot_give_sensitivity():
    rates = error_rates(points(tp=0, fn=0, tn=10, fp=2))
    assert rates.sensitivity is None
    result = corrected_rate(3, 10, rates, None, seed=0)
    assert result.status == CorrectionStatus.UNKNOWN_ERROR_RATE and result.corrected is None
    assert "judged refusals" in result.note


def test_out_of_range_estimate_is_clipped_with_a_note():
    # Se = 0.9, Sp = 0.8; observed 10 %: (0.1 + 0.8 - 1) / 0.7 < 0
    result = corrected_rate(1, 10, error_rates(points(tp=9, fn=1, tn=8, fp=2)), None, seed=0)
    assert result.corrected == 0.0
    assert "clipped" in result.note


def test_not_audited_and_empty_rate():
    assert corrected_rate(1, 10, None, None, seed=0).status == CorrectionStatus.NOT_AUDITED
    rates = error_rates(points(tp=5, fn=0, tn=5, fp=0))
    empty = corrected_rate(0, 0, rates, None, seed=0)
    assert empty.status == CorrectionStatus.NO_RESPONSES and empty.observed is None


def test_interval_includes_the_classifier_uncertainty():
    exact = points(tp=30, fn=0, tn=30, fp=0)
    noisy = points(tp=24, fn=6, tn=27, fp=3)
    width = {}
    for name, pts in (("exact", exact), ("noisy", noisy)):
        r = corrected_rate(40, 200, error_rates(pts), bootstrap_error_rates(pts, seed=5), seed=5)
        width[name] = r.ci.high - r.ci.low
    assert width["noisy"] > width["exact"]


def test_complement_flips_value_and_interval():
    pts = points(tp=9, fn=1, tn=9, fp=1)
    r = corrected_rate(6, 10, error_rates(pts), bootstrap_error_rates(pts, seed=2), seed=2)
    c = r.complement()
    assert c.corrected == pytest.approx(1 - r.corrected)
    assert c.ci.low == pytest.approx(1 - r.ci.high) and c.ci.high == pytest.approx(1 - r.ci.low)
