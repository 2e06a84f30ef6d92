"""The top of the Excel Summary sheet: the overall verdict, the leading candidate and how sure we are, the
ranking with its 95 % interval (numbers stay numbers), and the decision record — the same decision summary
as the PDF's first page and the Review step (``assessment.analysis.decision_summary``)."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from assessment.analysis.decision_summary import (
    certainty_sentence,
    decision_sentence,
    decision_summary,
    headline,
    verdict_sentence,
)
from assessment.analysis.scorecard import Scorecard
from assessment.reports.excel_safe import write_cell
from assessment.reports.xlsx_sheets import HEADER_FILL, HEADER_FONT, SCORE

TITLE_FONT = Font(bold=True, size=13)
WRAP = Alignment(wrap_text=False, vertical="top")


def write_decision_block(ws: Worksheet, card: Scorecard) -> int:
    """Writes rows 1.. and returns the first free row (one blank row is left below the block)."""
    s = decision_summary(card)
    write_cell(ws, 1, 1, headline(s)).font = TITLE_FONT
    lines = [("overall verdict", verdict_sentence(s)), ("how sure", certainty_sentence(s)),
             ("decision record", decision_sentence(s.decision) if s.decision else "not recorded yet")]
    row = 2
    for key, text in lines:
        write_cell(ws, row, 1, key).font = HEADER_FONT
        write_cell(ws, row, 2, text).alignment = WRAP
        row += 1
    row += 1
    heads = ["rank", "candidate", "ranking score", "score 95% low", "score 95% high"]
    for c, h in enumerate(heads, start=1):
        cell = write_cell(ws, row, c, h)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for line in s.candidates:
        row += 1
        values = [line.rank, line.name, line.score, line.score_ci.low if line.score_ci else None,
                  line.score_ci.high if line.score_ci else None]
        for c, v in enumerate(values, start=1):
            if v is not None:
                cell = write_cell(ws, row, c, v)
                if c >= 3:
                    cell.number_format = SCORE
    return row + 2
