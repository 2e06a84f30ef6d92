"""Where every piece of text sits on a PDF page, read back with pypdf, for layout tests.

pypdf's text visitor gives each shown string with the text and transformation matrices; its width is measured
with reportlab's metrics for the same font (the exports embed DejaVu Sans or Vera, regular or bold), so each
string gets a box: left, bottom (descender), right, top (ascender). Rotated strings are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from assessment.reports.pdf_style import fonts


@dataclass(frozen=True)
class Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float

    def overlap(self, other: Box) -> float:
        """The smaller side of the intersection, in points (0 when apart)."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(0.0, min(w, h))


def _mul(a: list[float], b: list[float]) -> list[float]:
    """PDF matrix product a × b of [a b c d e f] matrices."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def page_boxes(page) -> list[Box]:
    f = fonts()
    boxes: list[Box] = []

    def visit(text, cm, tm, font_dict, font_size):
        shown = text.replace("\n", "")
        if not shown.strip() or font_dict is None:
            return
        m = _mul([float(v) for v in tm], [float(v) for v in cm])
        if abs(m[1]) > 1e-6 or abs(m[2]) > 1e-6:  # rotated (an axis title)
            return
        base = str(font_dict.get("/BaseFont", ""))
        font = f.bold if "Bold" in base else f.regular
        size = float(font_size) * m[3]
        x, y = m[4], m[5]
        # leading and trailing spaces take room but cannot overprint anything
        lead = len(shown) - len(shown.lstrip())
        x += stringWidth(shown[:lead], font, font_size) * m[0]
        body = shown.strip()
        width = stringWidth(body, font, font_size) * m[0]
        boxes.append(Box(body, x, y - 0.2 * size, x + width, y + 0.72 * size, size))

    page.extract_text(visitor_text=visit)
    return boxes


def pdf_boxes(path: str | Path) -> list[list[Box]]:
    return [page_boxes(p) for p in PdfReader(path).pages]


def overlapping(boxes: list[Box], tolerance: float = 0.8) -> list[tuple[Box, Box]]:
    """Pairs of text boxes that overlap by more than ``tolerance`` points in both directions."""
    out = []
    ordered = sorted(boxes, key=lambda b: b.y0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.y0 >= a.y1:
                break
            if a.overlap(b) > tolerance:
                out.append((a, b))
    return out
