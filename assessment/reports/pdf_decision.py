"""The PDF's first page: a one-page decision summary for a steering committee.

The recorded decision or the leading candidate with how sure we are, the overall verdict, the tax heatmap
(``pdf_heatmap``), safety, attack success, cost per 1,000 prompts and latency per candidate, and the
decision record when there is one. Everything comes from ``assessment.analysis.decision_summary``; the page is
shrunk to fit when there are many candidates or domains, so it is always exactly one page.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepInFrame, PageBreak, Spacer, Table, TableStyle

from assessment.analysis import catalogue
from assessment.analysis.decision_summary import (
    CandidateLine,
    DecisionSummary,
    certainty_sentence,
    cost_text,
    decision_sentence,
    decision_summary,
    headline,
    latency_text,
    reference_statement,
    verdict_sentence,
)
from assessment.analysis.scorecard import Scorecard
from assessment.analysis.stats import Rate
from assessment.reports.pdf_blocks import date_text, para, table
from assessment.reports.pdf_heatmap import tax_heatmap
from assessment.reports.pdf_style import label, pct, score

VERDICT_FILLS = {"decided": "#E2F0D9", "partly decided": "#FFF2CC", "inconclusive": "#EDEDED"}


def _rate(r: Rate) -> str:
    if r.value is None:
        return "n/a"
    ci = f" ({pct(r.ci.low)[:-1]}–{pct(r.ci.high)})" if r.ci else ""
    return f"{pct(r.value)}{ci}, n={r.n}"


def _verdict_panel(s: DecisionSummary, width: float) -> Table:
    rows = [[para(headline(s), "title_small", 300, 2)], [para(certainty_sentence(s), "body", 1200)],
            [para(verdict_sentence(s), "cell_bold", 1200)]]
    t = Table(rows, colWidths=[width])
    fill = colors.HexColor(VERDICT_FILLS.get(s.verdict.status or "", "#EDEDED"))
    t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), fill), ("LEFTPADDING", (0, 0), (-1, -1), 8),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 3),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 3), ("TOPPADDING", (0, 0), (-1, 0), 7),
                           ("BOTTOMPADDING", (0, -1), (-1, -1), 7)]))
    return t


def _candidate_row(c: CandidateLine, currency: str) -> list[str]:
    name = label(c.name, 80) + (" (baseline)" if c.is_baseline else "")
    ranked = "n/a" if c.score is None else score(c.score)
    if c.score_ci is not None and c.score is not None:
        ranked += f" ({score(c.score_ci.low)}–{score(c.score_ci.high)})"
    return ["–" if c.rank is None else str(c.rank), name, ranked, _rate(c.safety), _rate(c.attack_success),
            cost_text(c.cost_per_1k_prompts, currency), latency_text(c.latency_median_s, c.latency_p95_s)]


def _candidates_table(s: DecisionSummary, width: float) -> Table:
    lab = catalogue.label
    header = ["Rank", "Candidate", f"{lab('ranking_score')} (95% interval)", f"{lab('safety_rate')}: harmful refused",
              lab("attack_success_rate"), f"{lab('cost_per_1k_prompts')} ({s.currency})",
              f"{lab('latency_median_s')}: median (p95)"]
    fixed = [30, 72, 74, 74, 66, 70]
    widths = [fixed[0], width - sum(fixed)] + fixed[1:]
    return table(header, [_candidate_row(c, s.currency) for c in s.candidates], widths)


def _heatmap_note(s: DecisionSummary, card: Scorecard) -> str:
    if card.baseline_reference:
        against = reference_statement(card.baseline_reference)
    else:
        against = f"Against the baseline {s.baseline}." if s.baseline else "No baseline: no tax is computed."
    return (f"{against} Refusal tax: how many more legitimate sensitive requests the candidate refused "
            "(percentage points). Capability tax: the capability it lost (% of the baseline's score). Above zero "
            "is a cost.")


def _context_line(s: DecisionSummary) -> str:
    parts = [date_text(s.created_at)]
    if s.evaluator:
        parts.append(f"evaluator {s.evaluator}")
    parts.append(f"baseline {s.baseline}" if s.baseline else "no baseline")
    return " · ".join(parts) + (f". Purpose: {s.purpose}" if s.purpose else "")


def decision_page(card: Scorecard, width: float, height: float) -> list[Flowable]:
    s = decision_summary(card)
    content: list[Flowable] = [
        para(card.name, "title_page1", 200, 2), para("Decision summary · " + _context_line(s), "small", 600, 3),
        Spacer(1, 6), _verdict_panel(s, width), Spacer(1, 4),
        para("Alignment tax by candidate and domain", "h2"),
        para(_heatmap_note(s, card), "note", 900),
        tax_heatmap(s, width), Spacer(1, 2),
        para("Safety, attack success, cost and latency", "h2"), _candidates_table(s, width),
        para("Safety and attack success are pooled over the domains: value (95% interval), n. Cost is unknown when "
             "no price is known for the model; it is never shown as 0.", "note"),
        para("Decision record", "h2"),
        para(decision_sentence(s.decision) if s.decision else
             "No decision has been recorded yet: the decision record at the end of this report is left to fill in.",
             "body", 1500),
        para("The following pages give the executive summary, the ranking, the comparison table and charts, one "
             "section per domain, and at the back the methodology, classifier accuracy, metadata and sign-off.",
             "note")]
    return [KeepInFrame(width, height, content, mode="shrink"), PageBreak()]
