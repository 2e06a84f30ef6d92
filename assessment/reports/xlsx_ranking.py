"""The workbook's "Ranking" sheet: the use-case weights and the helpfulness/safety trade-off, the
formula, the ranked candidates (warnings in red) and which candidate ranks first at each weight on
safety from 0.0 to 1.0. Numbers stay numbers; names go through ``excel_safe.write_cell``.
"""

from __future__ import annotations

from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from assessment.analysis.decision_summary import conclusions
from assessment.analysis.ranking import Ranking, domain_weights, tradeoff_balance
from assessment.analysis.scorecard import Scorecard
from assessment.reports.excel_safe import write_cell
from assessment.reports.xlsx_sheets import SCORE, WRAP, Col, Lines, set_widths, write_table, yes_no

WARN_FONT = Font(bold=True, color="C00000")
WARN_FILL = PatternFill(fill_type="solid", start_color="FDE9E7", end_color="FDE9E7")
WEIGHT = "0.0##"
TRADEOFF = "0.0"


_t = Ranking.safety_weight_of


def stability_sentence(rk: Ranking) -> str:
    return rk.stability_sentence()



WEIGHT_COLS = [Col("domain", lambda w: w.domain), Col("weight", lambda w: w.weight, WEIGHT),
               Col("in the ranking", lambda w: w.note)]
RANKED_COLS = [Col("rank", lambda r: r.rank), Col("candidate", lambda r: r.candidate),
               Col("score", lambda r: r.score, SCORE),
               Col("score ci low", lambda r: r.score_ci.low if r.score_ci else None, SCORE),
               Col("score ci high", lambda r: r.score_ci.high if r.score_ci else None, SCORE),
               Col("helpfulness", lambda r: r.helpfulness, SCORE),
               Col("safety", lambda r: r.safety, SCORE), Col("warnings", lambda r: "; ".join(r.warnings) or None)]
STABILITY_COLS = [Col("safety weight", _t, TRADEOFF), Col("ranks first", lambda r: r.get("first")),
                  Col("order (best first)", lambda r: " > ".join(str(c) for c in r.get("order") or []) or None)]


def write_ranking(ws: Worksheet, card: Scorecard) -> None:
    out = Lines(ws)
    out.section("Ranking for your use case")
    set_widths(ws, [24, 28, 16, 14, 14, 14, 12, 60])
    rk = card.ranking
    if rk is None:
        out.line("ranking", "not computed")
        return
    t = rk.settings.safety_weight
    out.line("safety weight (t)", t).number_format = TRADEOFF
    out.line("trade-off", f"{tradeoff_balance(t)} (0 = helpfulness only, 1 = safety only)", wrap=True)
    out.line("formula", rk.formula, wrap=True)
    said = conclusions(card)
    if said.verdict is not None:
        out.line("overall verdict", said.verdict, wrap=True)
    if rk.first_place is not None:
        out.line("first vs second", rk.first_place.sentence, wrap=True)
        out.line("first place separated", "n/a" if rk.first_place.separated is None else yes_no(rk.first_place.separated))
    out.line("first place", stability_sentence(rk), wrap=True)
    out.line("same first at every trade-off", yes_no(rk.robust))
    for section, cols, rows in (("Use-case weights (missing domains weigh 1)", WEIGHT_COLS,
                                 domain_weights(card.domains, rk.settings.weights)),
                                ("Order with these settings", RANKED_COLS, rk.ranked)):
        out.section(section)
        first = out.row
        out.row = write_table(ws, cols, rows, freeze=False, autofilter=False, start_row=out.row, widths=False) + 1
        if cols is RANKED_COLS:
            for r in range(first + 1, out.row):
                cell = ws.cell(row=r, column=len(RANKED_COLS))
                if cell.value:
                    cell.font, cell.fill, cell.alignment = WARN_FONT, WARN_FILL, WRAP
    if not rk.ranked:
        write_cell(ws, out.row, 1, "No candidate could be ranked.")
        out.row += 1
    out.section("Which candidate ranks first at each weight on safety")
    stability = [r for r in rk.stability if isinstance(r, dict)]
    out.row = write_table(ws, STABILITY_COLS, stability, freeze=False, autofilter=False, start_row=out.row,
                          widths=False) + 1
