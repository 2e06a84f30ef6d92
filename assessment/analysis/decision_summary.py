"""What a steering committee needs first, read from the scorecard: the leading candidate and how sure we are,
the overall verdict, the tax of every candidate in every domain (asserted or inconclusive), safety and attack
success, cost and latency per candidate, and the decision record.

No metric is computed here that the scorecard does not already hold, except pooling a candidate's rates over
its domains (successes and n summed, with a Wilson interval). The PDF's first page, the Review step's top
and the Excel Summary sheet all render this one object.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel

from assessment.analysis import catalogue
from assessment.analysis.scorecard import CandidateSummary, Scorecard
from assessment.analysis.stats import Interval, Rate, pooled_rate
from assessment.audit.decision import DECISION_FIELDS, RecordedDecision
from assessment.config import ReferenceBaseline

CURRENCY = "USD"  # LiteLLM's price map is in US dollars; price_per_1k_* settings are read in the same unit
SEVERITY_ORDER = [e.id for e in reversed(catalogue.of_kind(catalogue.Kind.SEVERITY))]  # mildest first


class CellState(str, Enum):
    """How one tax measure of one candidate in one domain is shown."""

    ASSERTED = "asserted"  # a severity the evidence supports: coloured
    INCONCLUSIVE = "inconclusive"  # a point estimate the evidence does not support: greyed
    NOT_MEASURED = "not measured"


class TaxMeasure(BaseModel):
    value: float | None  # refusal tax in points, or capability tax in % of the baseline
    unit: str  # " pp" or "%"
    severity: str | None
    supported: bool | None  # None: the scorecard does not say (older scorecards): shown as asserted

    @property
    def state(self) -> CellState:
        if self.value is None or self.severity is None:
            return CellState.NOT_MEASURED
        return CellState.INCONCLUSIVE if self.supported is False else CellState.ASSERTED


class TaxCell(BaseModel):
    candidate: str
    domain: str
    refusal: TaxMeasure
    capability: TaxMeasure
    flags: list[str]  # asserted flags
    inconclusive_flags: list[str]


class CandidateLine(BaseModel):
    name: str
    model: str
    is_baseline: bool
    rank: int | None
    score: float | None
    score_ci: Interval | None
    safety: Rate  # harmful requests refused, pooled over the domains
    attack_success: Rate  # jailbreak-wrapped harmful requests answered, pooled over the domains
    cost_per_1k_prompts: float | None  # None: unknown (never 0)
    latency_median_s: float | None
    latency_p95_s: float | None


class Leader(BaseModel):
    candidate: str
    score: float | None
    score_ci: Interval | None
    runner_up: str | None
    runner_up_score: float | None
    runner_up_ci: Interval | None
    separated: bool | None  # first place statistically separated from second; None: not tested
    robust: bool | None  # first at every weight on safety


class OverallVerdict(BaseModel):
    status: str | None  # "decided", "partly decided", "inconclusive"; None: not in this scorecard
    reason: str


class DecisionRecord(BaseModel):
    decision: str | None
    rationale: str | None
    evaluator: str | None
    approver: str | None
    date: str | None


class DecisionSummary(BaseModel):
    name: str
    purpose: str
    evaluator: str
    created_at: str
    baseline: str | None
    verdict: OverallVerdict
    leader: Leader | None
    candidates: list[CandidateLine]
    cells: list[TaxCell]  # non-baseline candidates × domains, in the scorecard's order
    decision: DecisionRecord | None
    currency: str = CURRENCY

    def cell(self, candidate: str, domain: str) -> TaxCell | None:
        return next((c for c in self.cells if c.candidate == candidate and c.domain == domain), None)

    @property
    def taxed_candidates(self) -> list[str]:
        return list(dict.fromkeys(c.candidate for c in self.cells))


def _field(obj: Any, name: str, default: Any = None) -> Any:
    """A field of a pydantic model or of a dict (the scorecard may have come back from JSON)."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _interval(value: Any) -> Interval | None:
    low, high = _field(value, "low"), _field(value, "high")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)):
        return Interval(low=float(low), high=float(high))
    return None


def _supported(tax: Any, kind: str) -> bool | None:
    value = _field(tax, f"{kind}_severity_supported")
    return value if isinstance(value, bool) else None


def tax_measures(tax: Any) -> tuple[TaxMeasure, TaxMeasure]:
    """(refusal tax, capability tax) of one result's ``tax``, each with its severity and whether it is supported."""
    return _measure(tax, "refusal"), _measure(tax, "capability")


def _measure(tax: Any, kind: str) -> TaxMeasure:
    if kind == "refusal":
        return TaxMeasure(value=_field(tax, "refusal_tax_pp"), unit=" pp", severity=_field(tax, "refusal_severity"),
                          supported=_supported(tax, "refusal"))
    return TaxMeasure(value=_field(tax, "capability_tax_pct"), unit="%", severity=_field(tax, "capability_severity"),
                      supported=_supported(tax, "capability"))


def inconclusive_flag_ids(result: Any) -> list[str]:
    """The ids of a result's inconclusive flags (entries may be flag evidence records or plain ids)."""
    out = []
    for f in _field(result, "inconclusive_flags") or []:
        flag = f if isinstance(f, str) else _field(f, "flag")
        out.append(str(getattr(flag, "value", flag)))
    return out


def _pooled(results: list[Any], attr: str) -> Rate:
    return pooled_rate(getattr(r, attr) for r in results)


def _candidate_line(card: Scorecard, c: CandidateSummary) -> CandidateLine:
    results = [r for r in card.results if r.candidate == c.name]
    ranked = next((r for r in (card.ranking.ranked if card.ranking else []) if r.candidate == c.name), None)
    return CandidateLine(
        name=c.name, model=c.model, is_baseline=c.is_baseline, rank=_field(ranked, "rank"),
        score=_field(ranked, "score"), score_ci=_interval(_field(ranked, "score_ci")),
        safety=_pooled(results, "safety_rate"), attack_success=_pooled(results, "attack_success_rate"),
        cost_per_1k_prompts=c.cost_per_1k_prompts, latency_median_s=c.latency_median_s,
        latency_p95_s=c.latency_p95_s)


def _leader(card: Scorecard) -> Leader | None:
    rk = card.ranking
    ranked = [r for r in (rk.ranked if rk else []) if r.rank is not None]
    if not ranked:
        return None
    first, second = ranked[0], (ranked[1] if len(ranked) > 1 else None)
    separated = _field(_field(rk, "first_place"), "separated")
    return Leader(candidate=first.candidate, score=first.score, score_ci=_interval(_field(first, "score_ci")),
                  runner_up=_field(second, "candidate"), runner_up_score=_field(second, "score"),
                  runner_up_ci=_interval(_field(second, "score_ci")),
                  separated=separated if isinstance(separated, bool) else None, robust=rk.robust if rk else None)


def _verdict(card: Scorecard) -> OverallVerdict:
    v = getattr(card, "verdict", None)
    status, reason = _field(v, "status"), _field(v, "reason")
    if status is None:
        return OverallVerdict(status=None, reason="This scorecard does not state an overall verdict.")
    return OverallVerdict(status=str(getattr(status, "value", status)).replace("_", " "), reason=str(reason or ""))


def _decision(card: Scorecard) -> DecisionRecord | None:
    d = card.decision or RecordedDecision()
    text = {k: (value.strip() if (value := d.field(k)) not in (None, "") else None) for k in DECISION_FIELDS}
    return DecisionRecord(**text) if any(text.values()) else None


def decision_summary(card: Scorecard) -> DecisionSummary:
    baseline = {c.name for c in card.candidates if c.is_baseline}
    cells = []
    for c in card.candidates:
        if c.name in baseline:
            continue
        for dom in card.domains:
            r = card.result(c.name, dom)
            if r is None or r.tax is None:
                continue
            cells.append(TaxCell(candidate=c.name, domain=dom, refusal=_measure(r.tax, "refusal"),
                                 capability=_measure(r.tax, "capability"), flags=list(r.flags),
                                 inconclusive_flags=inconclusive_flag_ids(r)))
    lines = [_candidate_line(card, c) for c in card.candidates]
    lines.sort(key=lambda x: (x.rank is None, x.rank or 0))
    return DecisionSummary(name=card.name, purpose=card.purpose, evaluator=card.evaluator, created_at=card.created_at,
                           baseline=card.baseline, verdict=_verdict(card), leader=_leader(card), candidates=lines,
                           cells=cells, decision=_decision(card))


# --- words shared by every surface ----------------------------------------------------------

def _score(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def score_with_interval(score: float | None, ci: Interval | None) -> str:
    """ "0.78 (95% interval 0.74–0.81)", or the score alone when no interval was computed."""
    if score is None:
        return "n/a"
    return _score(score) + (f" (95% interval {_score(ci.low)}–{_score(ci.high)})" if ci else "")


def headline(s: DecisionSummary) -> str:
    """The first line: the recorded decision, else the leading candidate."""
    if s.decision and s.decision.decision:
        return f"Decision: {s.decision.decision}"
    if s.leader is None:
        return "No candidate could be ranked."
    return f"Leading candidate: {s.leader.candidate}"


def certainty_sentence(s: DecisionSummary) -> str:
    """How sure we are about the first place, in words."""
    lead = s.leader
    if lead is None:
        return "No ranking could be computed, so no candidate leads."
    text = f"{lead.candidate} ranks first with a score of {score_with_interval(lead.score, lead.score_ci)}"
    if lead.runner_up is None:
        text += "; it is the only ranked candidate."
    else:
        second = f"{lead.runner_up} ({score_with_interval(lead.runner_up_score, lead.runner_up_ci)})"
        if lead.separated is True:
            text += f", statistically separated from second-placed {second}."
        elif lead.separated is False:
            text += (f", but it is not statistically separated from second-placed {second}: the order of the two "
                     "may be chance.")
        else:
            text += f"; second is {second}; whether the gap is more than chance was not tested."
    if lead.robust is False:
        text += " The first place changes with the weight given to safety."
    elif lead.robust:
        text += " It stays first at every weight given to safety."
    return text


def verdict_sentence(s: DecisionSummary) -> str:
    return _verdict_words(s.verdict)


def _verdict_words(v: OverallVerdict) -> str:
    if v.status is None:
        return f"Overall verdict: not stated. {v.reason}"
    return f"Overall verdict: {v.status}. {v.reason}".strip()


class Conclusions(BaseModel):
    """The overall verdict and whether first place is separated, one sentence each; None where the
    scorecard does not hold it. The console and the PDF's executive summary show these words."""

    verdict: str | None
    first_place: str | None


def conclusions(card: Scorecard) -> Conclusions:
    v = _verdict(card)
    first = card.ranking.first_place if card.ranking is not None else None
    return Conclusions(verdict=None if v.status is None else _verdict_words(v),
                       first_place=None if first is None else first.sentence)


def reference_statement(ref: ReferenceBaseline) -> str:
    """What every export says when the baseline is published numbers rather than a model (plain text)."""
    return (f"Baseline: published reference scores — {ref.source or 'source not given'} "
            f"({ref.date or 'date not given'}). Taxes are measured against these numbers; no items are "
            "shared, so intervals are unpaired and no paired test is shown.")


def decision_sentence(d: DecisionRecord) -> str:
    """Who decided what, who approved it, and when."""
    parts = [f"Decided: {d.decision or 'not stated'}"]
    if d.evaluator:
        parts.append(f"recorded by {d.evaluator}")
    parts.append(f"approved by {d.approver}" if d.approver else "not yet approved")
    if d.date:
        parts.append(f"on {d.date}")
    return ", ".join(parts) + "." + (f" Rationale: {d.rationale}" if d.rationale else "")


def cost_text(x: float | None, currency: str = CURRENCY) -> str:
    """Cost per 1,000 prompts with its currency; "unknown" when no price is known (never 0)."""
    if x is None:
        return "unknown"
    return f"{x:,.2f} {currency}" if x >= 1 else f"{x:.4f} {currency}"


def latency_text(median: float | None, p95: float | None) -> str:
    if median is None:
        return "n/a"
    return f"{median:.2f} s" + (f" (p95 {p95:.2f} s)" if p95 is not None else "")


def worst_state(cell: TaxCell) -> tuple[CellState, str | None]:
    """The cell's overall look: the worst asserted severity, else inconclusive, else not measured."""
    asserted = [m.severity for m in (cell.refusal, cell.capability)
                if m.state == CellState.ASSERTED and m.severity is not None and m.severity in SEVERITY_ORDER]
    if asserted:
        return CellState.ASSERTED, max(asserted, key=SEVERITY_ORDER.index)
    if any(m.state == CellState.INCONCLUSIVE for m in (cell.refusal, cell.capability)):
        return CellState.INCONCLUSIVE, None
    return CellState.NOT_MEASURED, None
