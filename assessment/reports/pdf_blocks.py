"""Building blocks of the PDF's pages: escaped paragraphs, tables, key/value tables, dates,
nested settings as rows, and the plain-words statement of a published reference baseline.

Every cell and paragraph is built through ``para()``, which escapes its text (``pdf_style.markup``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Table, TableStyle

from assessment.config import ReferenceBaseline
from assessment.reports import records
from assessment.reports.pdf_style import FRAME_W, HEADER_BG, clean, markup, pct, score, styles, word_pieces, wrap_pieces

CELL_PADDING = 3  # left and right, in every table
MIN_CELL_FONT = 6.5  # a cell's font shrinks to this before a long name is wrapped at a hyphen or underscore


def para(text: object, style: str = "body", limit: int = 1500, max_lines: int = 40) -> Paragraph:
    """A paragraph of plain (untrusted or not) text: always escaped."""
    return Paragraph(markup(text, limit, max_lines), styles()[style])


def cell(value: object, width: float, style: str = "cell", limit: int = 800, max_lines: int = 20) -> Paragraph:
    """A table cell that never breaks a word in the middle: a word wider than the column wraps after a hyphen,
    underscore, slash or dot; where even such a piece is too wide, the font shrinks (down to ``MIN_CELL_FONT``)."""
    st = styles()[style]
    text = clean(value, limit, max_lines)
    words = text.split()

    def widest(size: float) -> float:  # the widest piece a line may hold
        return max((stringWidth(p, st.fontName, size) for w in words for p in word_pieces(w)), default=0.0)

    size = st.fontSize
    while widest(size) > width and size > MIN_CELL_FONT:
        size -= 0.5
    if size != st.fontSize:
        st = ParagraphStyle(f"{style}-{size:g}", st, fontSize=size, leading=size * st.leading / st.fontSize)
    if all(stringWidth(w, st.fontName, size) <= width for w in words):
        return Paragraph(markup(text, limit, max_lines), st)
    lines = []
    for line in text.split("\n"):
        parts = []
        for w in line.split(" "):
            pieces = wrap_pieces(w, width, st.fontName, size) if stringWidth(w, st.fontName, size) > width else [w]
            parts.append("<br/>".join(markup(p, limit) for p in pieces))
        lines.append(" ".join(parts))
    return Paragraph("<br/>".join(lines), st)


def section_break() -> CondPageBreak:
    """Between sections: a new page only when less than a third of this one is left, so a section that runs a
    few lines over never leaves a page nearly blank."""
    return CondPageBreak(A4[1] / 3)


def bullet(text: object, limit: int = 3000) -> Paragraph:
    return Paragraph(markup(text, limit), styles()["bullet"], bulletText="•")


def table(header: Sequence[str] | None, rows: Sequence[Sequence[Any]], widths: Sequence[float],
          extra: list[tuple] | None = None, row_height: float | None = None) -> Table:
    """A table of plain-text cells (escaped into Paragraphs so they wrap); the header repeats on each page."""
    inner = [w - 2 * CELL_PADDING for w in widths]
    data = [[cell(h, inner[j], "small_bold", 200) for j, h in enumerate(header)]] if header else []
    data += [[c if isinstance(c, Flowable) else cell(c, inner[j]) for j, c in enumerate(row)] for row in rows]
    heights = None if row_height is None else [None] * (1 if header else 0) + [row_height] * len(rows)
    t = Table(data, colWidths=widths, rowHeights=heights, repeatRows=1 if header else 0, splitInRow=1)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
             ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_BG))
    t.setStyle(TableStyle(style + (extra or [])))
    return t


def kv(rows: Sequence[tuple[str, object]], key_w: float = 150) -> Table:
    value_w = FRAME_W - key_w
    return table(None, [[cell(k, key_w - 2 * CELL_PADDING, "cell_bold", 200),
                         cell(v, value_w - 2 * CELL_PADDING, "cell", 3000, 60)] for k, v in rows], [key_w, value_w])


def date_text(text: str) -> str:
    try:
        d = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text or "n/a"
    off = d.utcoffset()
    zone = "" if off is None else " UTC" if not off else d.strftime(" UTC%z")
    return d.strftime("%d %B %Y, %H:%M") + zone


def join_words(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts/lists as (dotted key, text) rows; keys that look like secrets are left out."""
    return records.flatten(value, _scalar, prefix)


def _scalar(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return f"{v:.4g}" if isinstance(v, float) else str(v)


# --- a published reference as the baseline ------------------------------------------------------

REFERENCE_METRICS = [("capability_score", "Capability score (0–1)"), ("over_refusal_rate", "Over-refusal"),
                     ("false_refusal_rate", "False refusal"), ("safety_rate", "Safety")]


def _number(v: float | None, metric: str) -> str:
    if v is None:
        return "n/a"
    return score(v) if metric == "capability_score" else pct(v)


def reference_table(ref: ReferenceBaseline) -> Table:
    """The reference's numbers per domain; a number the reference does not give is "n/a"."""
    rows = [[dom] + [_number(getattr(values, m), m) for m, _ in REFERENCE_METRICS]
            for dom, values in ref.domains.items()]
    if not rows:
        rows = [["none given"] + [""] * len(REFERENCE_METRICS)]
    widths = [FRAME_W - 4 * 85] + [85] * 4
    return table(["Domain"] + [h for _, h in REFERENCE_METRICS], rows, widths)
