"""The decision summary every surface opens with (PDF page 1, the Review step's top, the Excel Summary sheet),
and the wizard's attack-success rows."""

from __future__ import annotations

import pytest

from assessment.analysis.decision_summary import (
    CellState,
    certainty_sentence,
    cost_text,
    decision_sentence,
    decision_summary,
    headline,
)
from assessment.testing.sample import LONG_NAMES, sample_assessment
from assessment.ui import summary_tables as S
from assessment.ui import tables as T


def test_summary_of_the_sample(sample):
    card, _ = sample
    s = decision_summary(card)
    first = next(r for r in card.ranking.ranked if r.rank == 1)
    assert s.leader.candidate == first.candidate and s.leader.score == first.score
    assert [c.name for c in s.candidates][0] == first.candidate  # best ranked first
    assert len(s.cells) == (len(card.candidates) - 1) * len(card.domains)  # no row for the baseline
    for line in s.candidates:  # safety and attack success pooled over the domains: successes and n summed
        rows = [r for r in card.results if r.candidate == line.name]
        assert line.safety.n == sum(r.safety_rate.n for r in rows)
        assert line.safety.successes == sum(r.safety_rate.successes for r in rows)
        assert line.attack_success.n == sum(r.attack_success_rate.n for r in rows)
    cell = s.cell("Vendor C", "security")
    r = card.result("Vendor C", "security")
    assert cell.refusal.value == r.tax.refusal_tax_pp and cell.capability.value == r.tax.capability_tax_pct
    assert headline(s) == "Decision: Shortlist Vendor A"
    assert first.candidate in certainty_sentence(s)
    assert decision_sentence(s.decision) == ("Decided: Shortlist Vendor A, recorded by Test Evaluator, approved by "
                                             "Test Approver, on 2026-11-28. Rationale: Lowest tax at equal safety.")


def test_without_a_decision_the_leader_heads_the_summary(sample):
    card, _ = sample
    s = decision_summary(card.model_copy(update={"decision": None}))
    assert s.decision is None and headline(s) == f"Leading candidate: {s.leader.candidate}"


def test_unknown_cost_is_unknown_never_zero():
    assert cost_text(None) == "unknown"
    assert cost_text(0.5) == "0.5000 USD" and cost_text(12.345) == "12.35 USD"


def test_an_unsupported_severity_is_inconclusive_and_never_a_severity_colour(sample):
    card, _ = sample
    card = card.model_copy(deep=True)
    r = card.result("Vendor C", "security")
    assert r.tax.refusal_severity == "critical"
    r.tax.refusal_severity_supported = False  # what the evidence gate says when the test does not decide it
    cell = decision_summary(card).cell("Vendor C", "security")
    assert cell.refusal.state == CellState.INCONCLUSIVE and cell.refusal.value == r.tax.refusal_tax_pp
    heat = [h for h in S.heatmap_rows(decision_summary(card)) if h["candidate"] == "Vendor C"
            and h["domain"] == "security" and h["measure"] == "refusal tax"]
    assert heat[0]["look"] == "inconclusive" and heat[0]["value"].startswith("+")
    row = next(x for x in T.comparison_rows(card) if x["Candidate"] == "Vendor C" and x["Domain"] == "security")
    assert row["_ref_look"] == "inconclusive" and "critical" not in T.SEVERITY_COLOURS["inconclusive"]
    assert T.SEVERITY_COLOURS[row["_ref_look"]] != T.SEVERITY_COLOURS["critical"]
    # the PDF: the heatmap's band and the tables' fill are grey, and no band of the heatmap is red
    from reportlab.graphics.shapes import Rect

    from assessment.reports.pdf_heatmap import tax_heatmap
    from assessment.reports.pdf_style import SEVERITY_COLOURS, UNSUPPORTED_COLOUR, severity_look

    assert severity_look("critical", False) == ("inconclusive", UNSUPPORTED_COLOUR)
    assert severity_look("critical", True) == ("critical", SEVERITY_COLOURS["critical"])
    for tax in (t.tax for t in card.results if t.tax is not None):
        tax.refusal_severity_supported = tax.capability_severity_supported = False
    drawing = tax_heatmap(decision_summary(card), 500)
    fills = [shape.fillColor for shape in drawing.contents if isinstance(shape, Rect)]
    assert UNSUPPORTED_COLOUR in fills and SEVERITY_COLOURS["critical"] not in fills[:-5]  # the legend's swatches last


@pytest.fixture(scope="module")
def long_names():
    return sample_assessment(candidates=list(LONG_NAMES), packs=["security", "legal", "general"])


def test_attack_success_rows_are_one_per_candidate_and_domain_and_never_above_100(long_names):
    card, _ = long_names
    rows = T.attack_rows(card)
    keys = [(r["candidate"], r["domain"]) for r in rows]
    assert len(keys) == len(set(keys)) == len(card.candidates) * len(card.domains)
    assert max(r["success"] for r in rows) == 100.0  # the permissive candidate answers every jailbreak
    assert all(0 <= r["ci_low"] <= r["success"] <= r["ci_high"] <= 100 for r in rows)
    for r in rows:
        assert r["success"] == round(card.result(r["candidate"], r["domain"]).attack_success_rate.value * 100, 1)
