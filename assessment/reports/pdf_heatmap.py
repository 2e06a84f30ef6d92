"""The first page's heatmap: alignment tax of every candidate in every domain.

One row per candidate other than the baseline, split in two bands: refusal tax (points) above, capability
tax (% of the baseline's score) below. A severity the evidence supports is filled with its colour; one it
does not support is grey and hatched, with its point estimate and "inconclusive" — so an unsupported
severity is never shown in red. Labels are real strings (searchable, extractable) and are fitted to their
box, never drawn over each other.
"""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from assessment.analysis import catalogue
from assessment.analysis.decision_summary import CellState, DecisionSummary, TaxMeasure
from assessment.reports.pdf_style import (
    INCONCLUSIVE_WORD,
    INK,
    SEVERITY_COLOURS,
    UNSUPPORTED_COLOUR,
    fonts,
    label,
    severity_legend,
    signed,
    word_pieces,
)

HATCH = colors.HexColor(catalogue.UNSUPPORTED_COLOUR)
MUTED = colors.HexColor(catalogue.UNSUPPORTED_TEXT)
BORDER = colors.white
NAME_W, KIND_W, HEAD_H, BAND_H, LEGEND_H = 112.0, 50.0, 26.0, 21.0, 40.0


def _font(bold: bool = False) -> str:
    f = fonts()
    return f.bold if bold else f.regular


def _width(text: str, size: float, bold: bool = False) -> float:
    return stringWidth(text, _font(bold), size)


def _string(x: float, y: float, text: str, size: float, anchor: str = "start", bold: bool = False,
            colour: colors.Color = INK) -> String:
    return String(x, y, text, fontName=_font(bold), fontSize=size, textAnchor=anchor, fillColor=colour)


def wrap_words(text: str, width: float, size: float, max_lines: int, bold: bool = False) -> tuple[list[str], float]:
    """Lines that fit ``width``, wrapped between words or after a hyphen or underscore (never inside a word),
    shrinking the font (down to 5 pt) to stay within ``max_lines``; a name too long even then ends in "…"."""
    pieces = [(piece, i == 0) for word in text.split() for i, piece in enumerate(word_pieces(word))]
    while True:
        lines: list[str] = []
        for piece, starts_word in pieces:
            joined = (lines[-1] + (" " if starts_word else "") + piece) if lines else piece
            if lines and _width(joined, size, bold) <= width:
                lines[-1] = joined
            else:
                lines.append(piece)
        fits = all(_width(line, size, bold) <= width for line in lines) and len(lines) <= max_lines
        if fits or size <= 5:
            break
        size -= 0.5
    if len(lines) > max_lines or any(_width(line, size, bold) > width for line in lines):
        lines = lines[:max_lines]
        last = lines[-1]
        while last and _width(last + "…", size, bold) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines, size


def _hatch(d: Drawing, x: float, y: float, w: float, h: float, step: float = 5.0) -> None:
    """Diagonal lines (slope 1) inside the rectangle."""
    c = -h
    while c < w:
        t0, t1 = max(0.0, -c), min(h, w - c)
        if t1 > t0:
            d.add(Line(x + c + t0, y + t0, x + c + t1, y + t1, strokeColor=HATCH, strokeWidth=0.5))
        c += step


def _band(d: Drawing, x: float, y: float, w: float, m: TaxMeasure) -> None:
    """One measure of one cell: fill, value, and the severity word (or "inconclusive")."""
    state = m.state
    if state == CellState.ASSERTED:
        d.add(Rect(x, y, w, BAND_H, fillColor=SEVERITY_COLOURS.get(m.severity or "", colors.white),
                   strokeColor=BORDER, strokeWidth=1))
    elif state == CellState.INCONCLUSIVE:
        d.add(Rect(x, y, w, BAND_H, fillColor=UNSUPPORTED_COLOUR, strokeColor=BORDER, strokeWidth=1))
        _hatch(d, x + 0.5, y + 0.5, w - 1, BAND_H - 1)
    else:
        d.add(Rect(x, y, w, BAND_H, fillColor=colors.white, strokeColor=colors.HexColor("#DDDDDD"), strokeWidth=0.5))
    value = "n/a" if m.value is None else signed(m.value, m.unit)
    word = {CellState.ASSERTED: m.severity or "", CellState.INCONCLUSIVE: INCONCLUSIVE_WORD,
            CellState.NOT_MEASURED: ""}[state]
    colour = MUTED if state != CellState.ASSERTED else INK
    cx = x + w / 2
    for text, size, dy, bold in ((value, 7.5, 11, state == CellState.ASSERTED), (word, 6, 3.5, False)):
        if not text:
            continue
        while size > 4.5 and _width(text, size, bold) > w - 4:
            size -= 0.5
        d.add(_string(cx, y + dy, text, size, "middle", bold, colour))


def _legend(d: Drawing) -> None:
    """Two rows under the heading: the severity colours, then what grey and hatched means."""
    size = 6.5
    d.add(_string(0, 26, "Severity of a tax (% or pp), coloured only when the evidence supports it:", size,
                  colour=MUTED))
    x = 0.0
    for name, rule in severity_legend():
        text = f"{name} {rule}"
        d.add(Rect(x, 14, 9, 8, fillColor=SEVERITY_COLOURS[name], strokeColor=colors.HexColor("#BBBBBB"),
                   strokeWidth=0.4))
        d.add(_string(x + 12, 15, text, size))
        x += 12 + _width(text, size) + 10
    d.add(Rect(0, 1, 9, 8, fillColor=UNSUPPORTED_COLOUR, strokeColor=colors.HexColor("#BBBBBB"), strokeWidth=0.4))
    _hatch(d, 0, 1, 9, 8, 3)
    d.add(_string(12, 2, f"{INCONCLUSIVE_WORD}: the evidence does not support a severity yet (grey, with the "
                         "point estimate)", size))


def tax_heatmap(s: DecisionSummary, width: float) -> Drawing:
    """Candidates (rows, two bands each) × domains (columns); see the module docstring."""
    cands = s.taxed_candidates
    domains = list(dict.fromkeys(c.domain for c in s.cells))
    if not cands or not domains:
        d = Drawing(width, 24)
        d.add(_string(0, 8, "No tax could be computed: the assessment has no baseline or no other candidate.", 8))
        return d
    row_h = 2 * BAND_H
    height = HEAD_H + row_h * len(cands) + LEGEND_H
    d = Drawing(width, height)
    col_w = (width - NAME_W - KIND_W) / len(domains)
    top = height - HEAD_H
    for j, dom in enumerate(domains):
        lines, size = wrap_words(label(dom, 40), col_w - 4, 7, 2, bold=True)
        for k, line in enumerate(lines):
            d.add(_string(NAME_W + KIND_W + (j + 0.5) * col_w, top + 4 + (len(lines) - 1 - k) * (size + 1.5), line,
                          size, "middle", bold=True))
    for i, cand in enumerate(cands):
        y0 = top - (i + 1) * row_h
        lines, size = wrap_words(label(cand, 80), NAME_W - 6, 7.5, 4, bold=True)
        block = len(lines) * (size + 1.5)
        for k, line in enumerate(lines):
            d.add(_string(0, y0 + row_h / 2 + block / 2 - (k + 1) * (size + 1.5) + 2, line, size, bold=True))
        d.add(_string(NAME_W, y0 + BAND_H + 7, "refusal", 6.5, colour=MUTED))
        d.add(_string(NAME_W, y0 + 7, "capability", 6.5, colour=MUTED))
        for j, dom in enumerate(domains):
            cell = s.cell(cand, dom)
            if cell is None:
                continue
            x = NAME_W + KIND_W + j * col_w
            _band(d, x, y0 + BAND_H, col_w, cell.refusal)
            _band(d, x, y0, col_w, cell.capability)
        d.add(Line(0, y0, width, y0, strokeColor=colors.HexColor("#BBBBBB"), strokeWidth=0.5))
    _legend(d)
    return d
