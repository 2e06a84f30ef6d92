"""The Excel "Audit" sheet: agreement with the reviewers and the error-corrected rates."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from assessment.analysis.scorecard import Scorecard
from assessment.audit.summary import METRIC_LABELS, AuditedRate, corrected_text, error_rates_text
from assessment.reports.xlsx_sheets import INT, PCT, Col, Lines, set_widths, write_table

AUDIT_COLS = [
    Col("candidate", lambda r: r.candidate, width=18),
    Col("domain", lambda r: r.domain, width=14),
    Col("rate", lambda r: METRIC_LABELS.get(r.metric, r.metric), width=16),
    Col("n", lambda r: r.rate.n, INT),
    Col("observed (automatic verdicts)", lambda r: r.rate.observed, PCT, width=14),
    Col("corrected", lambda r: r.rate.corrected, PCT, width=12),
    Col("corrected CI low", lambda r: r.rate.ci.low if r.rate.ci else None, PCT, width=12),
    Col("corrected CI high", lambda r: r.rate.ci.high if r.rate.ci else None, PCT, width=12),
    Col("corrected (text)", lambda r: corrected_text(r.rate), width=22),
    Col("note", lambda r: r.rate.note, width=60),
]


def write_audit(ws: Worksheet, card: Scorecard) -> None:
    a = card.audit
    out = Lines(ws)
    out.section("Audit of the verdicts")
    out.line("audit", a.sentence())
    out.line("verdicts audited (random sample)", a.audited)
    out.line("verdicts drawn", a.drawn)
    out.line("agreement (3-way)", a.agreement)
    out.line("agreement 95% CI", None if a.agreement_ci is None else
             f"{a.agreement_ci.low * 100:.1f}–{a.agreement_ci.high * 100:.1f} %")
    out.line("agreement (refusal vs not)", a.agreement_binary)
    out.line("sensitivity", a.sensitivity)
    out.line("specificity", a.specificity)
    out.line("low-confidence verdicts reviewed (not in the correction)", a.low_confidence_reviewed)
    out.line("reviewers", ", ".join(a.reviewers) or None)
    if a.audited:
        out.line("error rates", error_rates_text(a), wrap=True)
    out.line("method", a.method, wrap=True)
    for cell_row in range(1, out.row):
        cell = ws.cell(cell_row, 2)
        if isinstance(cell.value, float):
            cell.number_format = PCT
    rows: list[AuditedRate] = a.corrected_rates
    if rows:
        write_table(ws, AUDIT_COLS, rows, freeze=False, autofilter=False, start_row=out.row + 1, widths=False)
    set_widths(ws, [40, 90, 16, 8, 14, 12, 12, 12, 22, 60])
