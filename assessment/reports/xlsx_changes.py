"""The workbook's "Changes" sheet, written only when the scorecard carries a comparison with an earlier
assessment (``scorecard.diff``): the summary sentences, then every compared metric (numbers as numbers,
significant as yes/no), then the flags that appeared or were resolved.

The diff is a plain dict (it may come back from JSON), so every field is read defensively.
"""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from assessment.analysis.scorecard import Scorecard
from assessment.reports.excel_safe import write_cell
from assessment.reports.xlsx_sheets import INT, P_VALUE, PCT, SCORE, Col, Lines, set_widths, write_table, yes_no

SIGNED_PCT = "+0.0%;-0.0%;0.0%"
SIGNED_SCORE = "+0.000;-0.000;0.000"


def _number(v: Any) -> float | None:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _is_score(c: dict[str, Any]) -> bool:
    return c.get("metric") == "capability_score"


CHANGE_COLS = [
    Col("candidate", lambda c: c.get("candidate"), width=18),
    Col("domain", lambda c: c.get("domain"), width=14),
    Col("metric", lambda c: c.get("metric"), width=20),
    Col("old", lambda c: _number(c.get("old")), lambda c: SCORE if _is_score(c) else PCT),
    Col("new", lambda c: _number(c.get("new")), lambda c: SCORE if _is_score(c) else PCT),
    Col("change (new − old)", lambda c: _number(c.get("change")),
        lambda c: SIGNED_SCORE if _is_score(c) else SIGNED_PCT, width=18),
    Col("p-value", lambda c: _number(c.get("p_value")), P_VALUE),
    Col("test", lambda c: c.get("test"), width=26),
    Col("paired items", lambda c: _number(c.get("paired_n")), INT, width=12),
    Col("significant", lambda c: yes_no(c.get("significant") is True), width=12),
]
FLAG_COLS = [Col("candidate", lambda f: f[0].get("candidate")), Col("domain", lambda f: f[0].get("domain")),
             Col("flag", lambda f: f[0].get("flag")), Col("change", lambda f: f[1])]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def write_changes(ws: Worksheet, card: Scorecard) -> None:
    diff = card.diff if isinstance(card.diff, dict) else {}
    changes = _dicts(diff.get("changes"))
    out = Lines(ws)
    out.section("Changes since the previous assessment")
    out.line("previous assessment", diff.get("old_assessment"))
    out.line("this assessment", diff.get("new_assessment") or card.assessment_id)
    out.line("metrics compared", len(changes))
    out.line("metrics tested", sum(1 for c in changes if _number(c.get("p_value")) is not None))
    out.line("significant changes (p < 0.05)", sum(1 for c in changes if c.get("significant") is True))
    out.section("Summary")
    for sentence in diff.get("summary") or ["No summary was recorded."]:
        write_cell(ws, out.row, 1, str(sentence))
        out.row += 1
    flags = [(f, "appeared") for f in _dicts(diff.get("new_flags"))]
    flags += [(f, "resolved") for f in _dicts(diff.get("resolved_flags"))]
    if flags:
        out.section("Flags that appeared or were resolved")
        out.row = write_table(ws, FLAG_COLS, flags, freeze=False, autofilter=False, start_row=out.row,
                              widths=False) + 1
    out.section("Every compared metric (rates as %, capability as a score from 0 to 1)")
    write_table(ws, CHANGE_COLS, changes, freeze=False, autofilter=bool(changes), start_row=out.row, widths=False)
    set_widths(ws, [c.width or 12 for c in CHANGE_COLS])
    ws.column_dimensions["A"].width = 30
