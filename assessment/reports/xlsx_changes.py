"""The workbook's "Changes" sheet, written only when the scorecard carries a comparison with an earlier
assessment (``scorecard.diff``): the summary sentences, then every compared metric (numbers as numbers,
significant as yes/no), then the flags that appeared or were resolved.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from assessment.analysis.diff_model import MetricChange
from assessment.analysis.scorecard import Scorecard
from assessment.reports.excel_safe import write_cell
from assessment.reports.xlsx_sheets import INT, P_VALUE, PCT, SCORE, Col, Lines, set_widths, write_table, yes_no

SIGNED_PCT = "+0.0%;-0.0%;0.0%"
SIGNED_SCORE = "+0.000;-0.000;0.000"


def _is_score(c: MetricChange) -> bool:
    return c.metric == "capability_score"


CHANGE_COLS = [
    Col("candidate", lambda c: c.candidate, width=18),
    Col("domain", lambda c: c.domain, width=14),
    Col("metric", lambda c: c.metric, width=20),
    Col("old", lambda c: c.old, lambda c: SCORE if _is_score(c) else PCT),
    Col("new", lambda c: c.new, lambda c: SCORE if _is_score(c) else PCT),
    Col("change (new − old)", lambda c: c.change, lambda c: SIGNED_SCORE if _is_score(c) else SIGNED_PCT, width=18),
    Col("p-value", lambda c: c.p_value, P_VALUE),
    Col("test", lambda c: c.test, width=26),
    Col("paired items", lambda c: c.paired_n, INT, width=12),
    Col("significant", lambda c: yes_no(c.significant), width=12),
]
FLAG_COLS = [Col("candidate", lambda f: f[0].candidate), Col("domain", lambda f: f[0].domain),
             Col("flag", lambda f: f[0].flag), Col("change", lambda f: f[1])]


def write_changes(ws: Worksheet, card: Scorecard) -> None:
    diff = card.diff
    if diff is None:
        return
    out = Lines(ws)
    out.section("Changes since the previous assessment")
    out.line("previous assessment", diff.old_assessment)
    out.line("this assessment", diff.new_assessment or card.assessment_id)
    out.line("metrics compared", len(diff.changes))
    out.line("metrics tested", len(diff.tested()))
    out.line("significant changes (p < 0.05)", len(diff.significant()))
    out.section("Summary")
    for sentence in diff.summary or ["No summary was recorded."]:
        write_cell(ws, out.row, 1, sentence)
        out.row += 1
    flags = diff.flag_changes()
    if flags:
        out.section("Flags that appeared or were resolved")
        out.row = write_table(ws, FLAG_COLS, flags, freeze=False, autofilter=False, start_row=out.row,
                              widths=False) + 1
    out.section("Every compared metric (rates as %, capability as a score from 0 to 1)")
    write_table(ws, CHANGE_COLS, diff.changes, freeze=False, autofilter=bool(diff.changes), start_row=out.row,
                widths=False)
    set_widths(ws, [c.width or 12 for c in CHANGE_COLS])
    ws.column_dimensions["A"].width = 30
