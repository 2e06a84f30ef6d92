"""Building blocks of the PDF's pages: escaped paragraphs, tables, key/value tables, dates,
nested settings as rows, and the plain-words statement of a published reference baseline.

Every cell and paragraph is built through ``para()``, which escapes its text (``pdf_style.markup``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from assessment.reports import records
from assessment.reports.pdf_style import FRAME_W, HEADER_BG, markup, pct, score, styles


def para(text: object, style: str = "body", limit: int = 1500, max_lines: int = 40) -> Paragraph:
    """A paragraph of plain (untrusted or not) text: always escaped."""
    return Paragraph(markup(text, limit, max_lines), styles()[style])


def bullet(text: object, limit: int = 3000) -> Paragraph:
    return Paragraph(markup(text, limit), styles()["bullet"], bulletText="•")


def table(header: list[str] | None, rows: list[list[Any]], widths: list[float],
          extra: list[tuple] | None = None, row_height: float | None = None) -> Table:
    """A table of plain-text cells (escaped into Paragraphs so they wrap); the header repeats on each page."""
    data = [[para(h, "small_bold", 200) for h in header]] if header else []
    data += [[c if isinstance(c, Flowable) else para(c, "cell", 800, 20) for c in row] for row in rows]
    heights = None if row_height is None else [None] * (1 if header else 0) + [row_height] * len(rows)
    t = Table(data, colWidths=widths, rowHeights=heights, repeatRows=1 if header else 0, splitInRow=1)
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
             ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_BG))
    t.setStyle(TableStyle(style + (extra or [])))
    return t


def kv(rows: list[tuple[str, object]], key_w: float = 150) -> Table:
    return table(None, [[para(k, "cell_bold", 200), para(v, "cell", 3000, 60)] for k, v in rows],
                 [key_w, FRAME_W - key_w])


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


def reference_statement(ref: dict[str, Any]) -> str:
    """What every export says when the baseline is published numbers rather than a model (plain text)."""
    return (f"Baseline: published reference scores — {ref.get('source') or 'source not given'} "
            f"({ref.get('date') or 'date not given'}). Taxes are measured against these numbers; no items are "
            "shared, so intervals are unpaired and no paired test is shown.")


def _number(v: Any, metric: str) -> str:
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return "n/a"
    return score(v) if metric == "capability_score" else pct(v)


def reference_table(ref: dict[str, Any]) -> Table:
    """The reference's numbers per domain; a number the reference does not give is "n/a"."""
    domains = ref.get("domains") if isinstance(ref.get("domains"), dict) else {}
    rows = []
    for dom, values in domains.items():
        values = values if isinstance(values, dict) else {}
        rows.append([str(dom)] + [_number(values.get(m), m) for m, _ in REFERENCE_METRICS])
    if not rows:
        rows = [["none given"] + [""] * len(REFERENCE_METRICS)]
    widths = [FRAME_W - 4 * 85] + [85] * 4
    return table(["Domain"] + [h for _, h in REFERENCE_METRICS], rows, widths)
