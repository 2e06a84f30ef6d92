"""The decision summary at the top of the Review step as plain rows (no streamlit, no metric logic): the
candidates with score, safety, attack success, cost and latency, and the tax heatmap's cells."""

from __future__ import annotations

from typing import Any

from assessment.analysis import catalogue
from assessment.analysis.decision_summary import (
    CellState,
    DecisionSummary,
    TaxMeasure,
    cost_text,
    latency_text,
    score_with_interval,
)
from assessment.analysis.formatting import fmt_rate

HEATMAP_STATES = [e.id for e in catalogue.of_kind(catalogue.Kind.SEVERITY)] + ["inconclusive", "n/a"]
SCORE, SAFETY, ATTACK, LATENCY = (catalogue.label(i) for i in ("ranking_score", "safety_rate", "attack_success_rate",
                                                              "latency_median_s"))


def cost_column(s: DecisionSummary) -> str:
    return f"{catalogue.label('cost_per_1k_prompts')} ({s.currency})"


def candidate_rows(s: DecisionSummary) -> list[dict[str, Any]]:
    """One row per candidate, best ranked first."""
    return [{"Rank": "–" if c.rank is None else str(c.rank),
             "Candidate": c.name + (" (baseline)" if c.is_baseline else ""),
             SCORE: score_with_interval(c.score, c.score_ci).replace("95% interval ", ""),
             SAFETY: fmt_rate(c.safety), ATTACK: fmt_rate(c.attack_success),
             cost_column(s): cost_text(c.cost_per_1k_prompts, s.currency),
             LATENCY: latency_text(c.latency_median_s, c.latency_p95_s)} for c in s.candidates]


def _look(m: TaxMeasure) -> str:
    if m.state == CellState.ASSERTED:
        return m.severity or "n/a"
    return "inconclusive" if m.state == CellState.INCONCLUSIVE else "n/a"


def _value(m: TaxMeasure) -> str:
    return "n/a" if m.value is None else f"{m.value:+.1f}{m.unit}"


def heatmap_rows(s: DecisionSummary) -> list[dict[str, Any]]:
    """Two rows per candidate and domain (refusal tax, capability tax): the colour key (a severity the evidence
    supports, or "inconclusive", or "n/a") and the text shown in the cell."""
    rows = []
    for cell in s.cells:
        for measure, m in (("refusal tax", cell.refusal), ("capability tax", cell.capability)):
            look = _look(m)
            rows.append({"candidate": cell.candidate, "domain": cell.domain, "measure": measure, "look": look,
                         "value": _value(m), "word": "" if look == "n/a" else look,
                         "line": f"{cell.candidate} · {measure}"})
    return rows
