"""scorecard.xlsx: the scorecard for analysts, written with openpyxl (numbers stay numbers).

Sheets: Summary (the decision summary on top: overall verdict, leading candidate and how sure, ranking with its
95 % interval, decision record; then one row per candidate × domain), Ranking (``xlsx_ranking``), Changes (``xlsx_changes``; only when the scorecard
was compared with an earlier assessment), Candidates, Over-refusal, Tax by domain, Attacks,
Subtypes, Responses, Method (with the reference baseline, when the baseline is published
scores), Decision. Untrusted text goes through ``excel_safe.write_cell``; ``None`` stays an
empty cell (never 0); harmful-item completions are redacted unless ``include_harmful``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule, FormulaRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from assessment.analysis.catalogue import UNSUPPORTED_BACKGROUND, severity_colours
from assessment.analysis.decision_summary import reference_statement
from assessment.analysis.metrics import DomainResult
from assessment.analysis.scorecard import CandidateSummary, Scorecard
from assessment.analysis.stats import MIN_N_TO_DECIDE
from assessment.judges.judged import JudgedResponse
from assessment.packs.model import Category
from assessment.reports.excel_safe import clean_text, write_cell
from assessment.reports.xlsx_audit import write_audit
from assessment.reports.xlsx_changes import write_changes
from assessment.reports.xlsx_decision import write_decision_block
from assessment.reports.xlsx_ranking import write_ranking
from assessment.reports.xlsx_records import write_audit_log
from assessment.reports.xlsx_sheets import (
    INT,
    MONEY,
    P_VALUE,
    PCT,
    POINTS,
    SCORE,
    SECONDS,
    Col,
    column_of,
    set_widths,
    write_decision,
    write_header,
    write_method,
    write_responses,
    write_table,
    yes_no,
)

RATES = ["false_refusal_rate", "over_refusal_rate", "safety_rate", "attack_success_rate"]
PARTIAL_CATEGORIES = list(Category)  # benign, sensitive, harmful, capability
# severity hues from the metric catalogue; a severity the evidence does not support is grey, never red
SEVERITY_FILLS = {word: hue.lstrip("#") for word, hue in severity_colours().items()}
UNSUPPORTED_FILL = UNSUPPORTED_BACKGROUND.lstrip("#")
TOO_FEW = f"too few (n<{MIN_N_TO_DECIDE})"


def write_xlsx(scorecard: Scorecard, judged: list[JudgedResponse], path: str | Path,
               include_harmful: bool = False) -> Path:
    out = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    write_summary(ws, scorecard)
    write_ranking(wb.create_sheet("Ranking"), scorecard)
    if scorecard.diff:
        write_changes(wb.create_sheet("Changes"), scorecard)
    write_candidates(wb.create_sheet("Candidates"), scorecard.candidates)
    write_over_refusal(wb.create_sheet("Over-refusal"), scorecard)
    write_tax(wb.create_sheet("Tax by domain"), scorecard)
    write_attacks(wb.create_sheet("Attacks"), scorecard)
    write_subtypes(wb.create_sheet("Subtypes"), scorecard)
    write_responses(wb.create_sheet("Responses"), judged, include_harmful)
    write_audit(wb.create_sheet("Audit"), scorecard)
    write_method(wb.create_sheet("Method"), scorecard)
    write_audit_log(wb.create_sheet("Audit log"), scorecard)
    write_decision(wb.create_sheet("Decision"), scorecard)
    wb.properties.title = clean_text(scorecard.name)[:200]
    wb.properties.creator = "Alignment Tax Assessment"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


# --- Summary -------------------------------------------------------------------------------

def _rate_cols(name: str) -> list[Col]:
    def ci(r: DomainResult, end: str) -> float | None:
        interval = getattr(r, name).ci
        return None if interval is None else getattr(interval, end)

    return [Col(name, lambda r: getattr(r, name).value, PCT),
            Col(f"{name} n", lambda r: getattr(r, name).n, INT, width=10),
            Col(f"{name} ci low", lambda r: ci(r, "low"), PCT, width=12),
            Col(f"{name} ci high", lambda r: ci(r, "high"), PCT, width=12)]


def _partial_refusals(category: str) -> Callable[[DomainResult], int | None]:
    return lambda r: r.partial_refusals.get(category)


def _tax(attr: str, end: str | None = None) -> Any:
    """Getter for a TaxResult field (or one end of an interval field); None for the baseline."""
    def get(r: DomainResult) -> Any:
        value = getattr(r.tax, attr) if r.tax is not None else None
        if end is not None and value is not None:
            value = getattr(value, end)
        return value
    return get


def _supported(r: DomainResult, attr: str) -> str | None:
    value = getattr(r.tax, attr) if r.tax is not None else None
    return None if value is None else yes_no(value)


def _cap_ci(r: DomainResult, end: str) -> float | None:
    ci = r.capability_score.ci
    return None if ci is None else getattr(ci, end)


def _mcnemar_p(r: DomainResult) -> float | None:
    return r.tax.refusal_mcnemar.p_value if r.tax is not None and r.tax.refusal_mcnemar is not None else None


def too_few(r: DomainResult) -> str | None:
    """The metrics of this row measured on fewer than MIN_N_TO_DECIDE items (shown, but not decisive)."""
    names = [name for name in RATES if getattr(r, name).too_few]
    if r.capability_score.too_few:
        names.append("capability_score")
    return ", ".join(names) or None


def summary_cols(baselines: set[str]) -> list[Col]:
    cols = [Col("candidate", lambda r: r.candidate, width=18), Col("domain", lambda r: r.domain, width=14),
            Col("baseline", lambda r: yes_no(r.candidate in baselines), width=9),
            Col("n_calls", lambda r: r.n_calls, INT)]
    for name in RATES:
        cols += _rate_cols(name)
    cols += [
        Col("capability_score", lambda r: r.capability_score.value, SCORE),
        Col("capability_score n", lambda r: r.capability_score.n, INT),
        Col("capability_score ci low", lambda r: _cap_ci(r, "low"), SCORE),
        Col("capability_score ci high", lambda r: _cap_ci(r, "high"), SCORE),
        Col("capability n_unscored", lambda r: r.capability_score.n_unscored, INT),
        Col("tax baseline kind", _tax("baseline_kind"), width=12),
        Col("capability_tax_abs", _tax("capability_tax_abs"), SCORE),
        Col("capability_tax_abs ci low", _tax("capability_tax_abs_ci", "low"), SCORE),
        Col("capability_tax_abs ci high", _tax("capability_tax_abs_ci", "high"), SCORE),
        Col("capability_tax_pct", _tax("capability_tax_pct"), POINTS),
        Col("capability_tax_pct ci low", _tax("capability_tax_pct_ci", "low"), POINTS),
        Col("capability_tax_pct ci high", _tax("capability_tax_pct_ci", "high"), POINTS),
        Col("capability_severity", _tax("capability_severity"), width=13),
        Col("capability_severity supported", lambda r: _supported(r, "capability_severity_supported"), width=11),
        Col("capability_tax_note", _tax("capability_tax_note"), width=40),
        Col("capability p-value", _tax("capability_p_value"), P_VALUE),
        Col("capability n paired", _tax("capability_n_paired"), INT),
        Col("refusal_tax_pp", _tax("refusal_tax_pp"), POINTS),
        Col("refusal_tax_pp ci low", _tax("refusal_tax_pp_ci", "low"), POINTS),
        Col("refusal_tax_pp ci high", _tax("refusal_tax_pp_ci", "high"), POINTS),
        Col("refusal_severity", _tax("refusal_severity"), width=13),
        Col("refusal_severity supported", lambda r: _supported(r, "refusal_severity_supported"), width=11),
        Col("McNemar p-value", _mcnemar_p, P_VALUE),
        Col("refusal n paired", _tax("refusal_n_paired"), INT),
    ]
    cols += [Col(f"partial refusals {cat}", _partial_refusals(cat), INT) for cat in PARTIAL_CATEGORIES]
    cols += [Col("n_errors", lambda r: r.n_errors, INT), Col("n_pending", lambda r: r.n_pending, INT),
             Col("flags", lambda r: ", ".join(r.flags) or None, width=30),
             Col("inconclusive flags", lambda r: "; ".join(e.text for e in r.inconclusive_flags) or None, width=60),
             Col("conclusion", lambda r: r.conclusion, width=11), Col(TOO_FEW, too_few, width=40)]
    return cols


def write_summary(ws: Worksheet, card: Scorecard) -> None:
    """The decision summary on top (overall verdict, how sure, ranking with its interval, decision record), then
    one row per candidate × domain."""
    baselines = {c.name for c in card.candidates if c.is_baseline}
    order = {c.name: i for i, c in enumerate(card.candidates)}
    domain_order = {d: i for i, d in enumerate(card.domains)}
    rows = sorted(card.results, key=lambda r: (order.get(r.candidate, len(order)),
                                               domain_order.get(r.domain, len(domain_order)), r.domain))
    cols = summary_cols(baselines)
    head = write_decision_block(ws, card)
    first = head + 1  # the first row of numbers
    last = write_table(ws, cols, rows, start_row=head)
    ws.freeze_panes = f"C{first}"  # keep the header and candidate/domain in view
    if last < first:
        return
    for header in ("capability_severity", "refusal_severity"):
        col, ok = column_of(cols, header), column_of(cols, f"{header} supported")
        for level, color in SEVERITY_FILLS.items():
            ws.conditional_formatting.add(f"{col}{first}:{col}{last}", FormulaRule(
                formula=[f'AND(${col}{first}="{level}",${ok}{first}="yes")'],
                fill=PatternFill(fill_type="solid", start_color=color, end_color=color)))
        ws.conditional_formatting.add(f"{col}{first}:{col}{last}", FormulaRule(
            formula=[f'AND(${col}{first}<>"",${ok}{first}="no")'],
            fill=PatternFill(fill_type="solid", start_color=UNSUPPORTED_FILL, end_color=UNSUPPORTED_FILL)))
    col = column_of(cols, "over_refusal_rate")
    ws.conditional_formatting.add(f"{col}{first}:{col}{last}", ColorScaleRule(
        start_type="num", start_value=0, start_color="63BE7B",
        mid_type="num", mid_value=0.25, mid_color="FFEB84",
        end_type="num", end_value=1, end_color="F8696B"))


# --- Candidates ----------------------------------------------------------------------------

CANDIDATE_COLS = [
    Col("candidate", lambda c: c.name, width=18),
    Col("model", lambda c: c.model, width=28),
    Col("api_base", lambda c: c.api_base, width=28),
    Col("baseline", lambda c: yes_no(c.is_baseline), width=9),
    Col("calls", lambda c: c.calls, INT),
    Col("responses", lambda c: c.responses, INT, width=11),
    Col("errors", lambda c: c.errors, INT),
    Col("pending", lambda c: c.pending, INT),
    Col("input tokens", lambda c: c.input_tokens, INT, width=13),
    Col("output tokens", lambda c: c.output_tokens, INT, width=13),
    Col("cost", lambda c: c.cost, MONEY, width=12),
    Col("cost per 1,000 prompts", lambda c: c.cost_per_1k_prompts, MONEY, width=14),
    Col("cost note", lambda c: None if c.cost is not None else "unknown: no price known for this model", width=38),
    Col("latency median (s)", lambda c: c.latency_median_s, SECONDS, width=12),
    Col("latency p95 (s)", lambda c: c.latency_p95_s, SECONDS, width=12),
]


def write_candidates(ws: Worksheet, candidates: Sequence[CandidateSummary]) -> None:
    write_table(ws, CANDIDATE_COLS, candidates)


# --- Per-metric sheets ---------------------------------------------------------------------

def _matrix(ws: Worksheet, corner: str, row_labels: Sequence[str], headers: Sequence[str],
            values: Sequence[Sequence[Any]], fmt: str, start_col: int = 1) -> None:
    """A labelled grid: headers in row 1 from start_col, one row per label; None stays empty."""
    write_header(ws, [corner, *headers], start_col=start_col)
    for r, (label, row) in enumerate(zip(row_labels, values), start=2):
        write_cell(ws, r, start_col, label)
        for c, value in enumerate(row, start=start_col + 1):
            if value is not None:
                write_cell(ws, r, c, value).number_format = fmt


def _bar_chart(ws: Worksheet, title: str, y_title: str, n_rows: int, n_series: int, y_fmt: str,
               anchor: str) -> None:
    chart = BarChart()
    chart.type, chart.grouping = "col", "clustered"
    chart.title = title
    chart.y_axis.title = y_title
    chart.x_axis.title = "domain"
    chart.y_axis.numFmt = y_fmt
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides axes otherwise
    chart.add_data(Reference(ws, min_col=2, max_col=1 + n_series, min_row=1, max_row=1 + n_rows),
                   titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + n_rows))
    chart.width, chart.height = max(16, 3 * n_rows + 6), 9
    ws.add_chart(chart, anchor)


def write_over_refusal(ws: Worksheet, card: Scorecard) -> None:
    names = [c.name for c in card.candidates]
    values, ns = [], []
    for domain in card.domains:
        results = [card.result(name, domain) for name in names]
        values.append([r.over_refusal_rate.value if r else None for r in results])
        ns.append([r.over_refusal_rate.n if r else None for r in results])
    _matrix(ws, "domain", card.domains, names, values, PCT)
    n_start = len(names) + 3
    _matrix(ws, "n (sensitive items)", card.domains, [f"{name} n" for name in names], ns, INT, start_col=n_start)
    ws.freeze_panes = "B2"
    set_widths(ws, [16] + [14] * len(names) + [3, 20] + [14] * len(names))
    if card.domains and names:
        _bar_chart(ws, "Over-refusal by domain", "over-refusal rate", len(card.domains), len(names), "0%",
                   f"A{len(card.domains) + 4}")


def write_tax(ws: Worksheet, card: Scorecard) -> None:
    others = [c.name for c in card.candidates if not c.is_baseline]
    headers, values = [], []
    for name in others:
        headers += [f"{name}: refusal_tax_pp", f"{name}: capability_tax_pct"]
    for domain in card.domains:
        row: list[Any] = []
        for name in others:
            r = card.result(name, domain)
            tax = r.tax if r else None
            row += [tax.refusal_tax_pp if tax else None, tax.capability_tax_pct if tax else None]
        values.append(row)
    _matrix(ws, "domain", card.domains, headers, values, POINTS)
    ws.freeze_panes = "B2"
    set_widths(ws, [16] + [22] * len(headers))
    note_row = len(card.domains) + 3
    if not others or card.baseline is None:
        write_cell(ws, note_row, 1, "No tax: the assessment has no baseline or no candidate besides it.")
        return
    if card.baseline_reference:
        write_cell(ws, note_row, 1, reference_statement(card.baseline_reference) + " Refusal tax in percentage "
                   "points, capability tax in % of the reference score (positive = worse than the reference); "
                   "empty: the reference gives no number for that domain.")
    else:
        write_cell(ws, note_row, 1, f"Tax against the baseline {card.baseline}: refusal tax in percentage points, "
                                    "capability tax in % of the baseline score (positive = worse than the baseline).")
    if card.domains:
        _bar_chart(ws, "Alignment tax by domain", "tax (points / %)", len(card.domains), len(headers), "0",
                   f"A{note_row + 2}")


def write_attacks(ws: Worksheet, card: Scorecard) -> None:
    """Attack success per template, pooled over domains: sum of successes / sum of n."""
    names = [c.name for c in card.candidates]
    templates = sorted({t for r in card.results for t in r.attack_success_by_template})
    pooled: dict[tuple[str, str], list[int]] = {}
    for r in card.results:
        for t, rate in r.attack_success_by_template.items():
            acc = pooled.setdefault((t, r.candidate), [0, 0])
            acc[0] += rate.successes
            acc[1] += rate.n
    values, ns = [], []
    for t in templates:
        row, nrow = [], []
        for name in names:
            s, n = pooled.get((t, name), [0, 0])
            row.append(s / n if n else None)
            nrow.append(n if n else None)
        values.append(row)
        ns.append(nrow)
    _matrix(ws, "attack template", templates, names, values, PCT)
    _matrix(ws, "n (attacked items)", templates, [f"{name} n" for name in names], ns, INT,
            start_col=len(names) + 3)
    ws.freeze_panes = "B2"
    set_widths(ws, [22] + [14] * len(names) + [3, 20] + [14] * len(names))
    if not templates:
        write_cell(ws, 3, 1, "No attack templates were run in this assessment.")


SUBTYPE_COLS = [
    Col("candidate", lambda t: t[0], width=18),
    Col("domain", lambda t: t[1], width=14),
    Col("subtype", lambda t: t[2], width=18),
    Col("over_refusal_rate", lambda t: t[3].value, PCT),
    Col("n", lambda t: t[3].n, INT, width=8),
    Col("ci low", lambda t: t[3].ci.low if t[3].ci else None, PCT),
    Col("ci high", lambda t: t[3].ci.high if t[3].ci else None, PCT),
    Col(TOO_FEW, lambda t: yes_no(t[3].too_few), width=14),
]


def write_subtypes(ws: Worksheet, card: Scorecard) -> None:
    rows = [(r.candidate, r.domain, subtype, rate) for r in card.results
            for subtype, rate in r.over_refusal_by_subtype.items()]
    write_table(ws, SUBTYPE_COLS, rows)

