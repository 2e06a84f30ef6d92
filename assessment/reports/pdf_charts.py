"""The PDF's vector charts (reportlab.graphics): tax by domain, the safety/over-refusal
trade-off, and attack success by template. Labels are real strings, so they stay searchable
and extractable. Values come from the scorecard only; missing values are drawn as "n/a".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from assessment.analysis.catalogue import HIGH_TAX, SAFETY_FLOOR
from assessment.analysis.scorecard import Scorecard
from assessment.analysis.stats import pooled_rate
from assessment.reports.pdf_style import GRID, INK, PALETTE, fonts, label, pct, signed

# The shaded corner: many refusals of legitimate requests while safety is weak. It is not the
# tax_without_benefit flag, which compares with the baseline (refusal or capability tax); the flag
# is shown, when asserted, in the flag lists and the comparison table.
QUADRANT_X, QUADRANT_Y = HIGH_TAX / 100, SAFETY_FLOOR
QUADRANT_FILL = colors.HexColor("#FBE3E2")


@dataclass
class Series:
    name: str
    colour: colors.Color
    values: list[float | None]
    intervals: list[tuple[float, float] | None]


def candidate_colours(card: Scorecard) -> dict[str, colors.Color]:
    return {c.name: PALETTE[i % len(PALETTE)] for i, c in enumerate(card.candidates)}


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi - lo <= 0:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start, end = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(i * step, 10) for i in range(start, max(end, start + 1) + 1)]


def _text(x: float, y: float, s: str, size: float = 7, anchor: str = "start", bold: bool = False,
          colour: colors.Color = INK) -> String:
    f = fonts()
    return String(x, y, s, fontName=f.bold if bold else f.regular, fontSize=size, textAnchor=anchor, fillColor=colour)


def _fit(s: str, width: float, size: float) -> str:
    """Cut a label so it fits ``width`` points."""
    f = fonts().regular
    if stringWidth(s, f, size) <= width:
        return s
    while s and stringWidth(s + "…", f, size) > width:
        s = s[:-1]
    return s + "…"


def _legend(d: Drawing, items: list[tuple[str, colors.Color]], x: float, y: float, width: float) -> float:
    """Coloured squares with names, wrapped into rows above ``y`` (the last row sits at ``y``, so nothing is
    drawn below the drawing); returns the height used."""
    rows: list[list[tuple[str, colors.Color, float]]] = [[]]
    cx, row_h = x, 11
    for name, colour in items:
        text = _fit(name, width - 24, 7)
        w = 12 + stringWidth(text, fonts().regular, 7) + 12
        if cx + w > x + width and cx > x:
            rows.append([])
            cx = x
        rows[-1].append((text, colour, cx))
        cx += w
    for i, row in enumerate(rows):
        cy = y + (len(rows) - 1 - i) * row_h
        for text, colour, rx in row:
            d.add(Rect(rx, cy, 8, 8, fillColor=colour, strokeColor=None))
            d.add(_text(rx + 11, cy + 1, text))
    return len(rows) * row_h


def _message(width: float, height: float, title: str, message: str) -> Drawing:
    d = Drawing(width, height)
    d.add(_text(0, height - 12, title, 10, bold=True))
    d.add(_text(width / 2, height / 2, message, 8, anchor="middle"))
    return d


VALUE_ROOM = 9  # above (and, with negative values, below) the plot: room for the value labels


def _value_label(d: Drawing, x: float, y: float, bar_w: float, text: str) -> None:
    """A bar's value, only where it fits the bar's width (the axis and the tables give every value)."""
    size = 5.5
    while size > 4.5 and stringWidth(text, fonts().regular, size) > bar_w + 1:
        size -= 0.5
    if stringWidth(text, fonts().regular, size) <= bar_w + 1:
        d.add(_text(x, y, text, size, "middle"))


def grouped_bars(title: str, categories: list[str], series: list[Series], unit: str, width: float = 511,
                 height: float = 180, proportion: bool = False, axis_title: str = "") -> Drawing:
    """Vertical grouped bars, one group per category, with 95% interval whiskers where given. The title, the
    axis title, the value labels and the category labels each have their own band, so none overprints another."""
    if not categories or not series:
        return _message(width, 60, title, "nothing to show")
    d = Drawing(width, height)
    d.add(_text(0, height - 12, title, 10, bold=True))
    legend_h = _legend(d, [(s.name, s.colour) for s in series], 40, 4, width - 40)
    points = [v for s in series for v in s.values if v is not None]
    points += [e for s in series for iv in s.intervals if iv is not None for e in iv]
    lo, hi = min(points + [0.0]), max(points + [0.0])
    if proportion:
        lo, hi = 0.0, max(hi, 0.1)
    ticks = _nice_ticks(lo, hi)
    lo, hi = min(ticks[0], lo), max(ticks[-1], hi)
    below = VALUE_ROOM if lo < 0 else 0
    left, bottom, top = 40, legend_h + 20 + below, height - 26 - VALUE_ROOM
    plot_w, plot_h = width - left - 6, top - bottom
    y_of = lambda v: bottom + (v - lo) / (hi - lo) * plot_h  # noqa: E731
    fmt = (lambda v: pct(v)) if proportion else (lambda v: signed(v, unit, 0 if abs(v) >= 10 or v == 0 else 1))
    for t in ticks:
        d.add(Line(left, y_of(t), left + plot_w, y_of(t), strokeColor=GRID, strokeWidth=0.5))
        d.add(_text(left - 3, y_of(t) - 2.5, f"{t * 100:g}%" if proportion else f"{t:+g}" if t else "0", 6.5, "end"))
    if axis_title:
        d.add(_text(left, height - 24, axis_title, 6.5, colour=colors.HexColor("#555555")))
    d.add(Line(left, y_of(0), left + plot_w, y_of(0), strokeColor=INK, strokeWidth=0.8))
    group_w = plot_w / len(categories)
    bar_w = min(28.0, group_w * 0.75 / len(series))
    for ci, cat in enumerate(categories):
        gx = left + ci * group_w + (group_w - bar_w * len(series)) / 2
        d.add(_text(left + ci * group_w + group_w / 2, bottom - below - 10, _fit(cat, group_w - 4, 7), 7, "middle"))
        for si, s in enumerate(series):
            x, v = gx + si * bar_w, s.values[ci]
            if v is None:
                _value_label(d, x + bar_w / 2, y_of(0) + 2, bar_w, "n/a")
                continue
            y0, y1 = sorted((y_of(0), y_of(v)))
            d.add(Rect(x + 0.5, y0, bar_w - 1, max(y1 - y0, 0.4), fillColor=s.colour, strokeColor=None))
            iv = s.intervals[ci]
            if iv is not None:
                xm, ya, yb = x + bar_w / 2, y_of(iv[0]), y_of(iv[1])
                for seg in ((xm, ya, xm, yb), (xm - 2.5, ya, xm + 2.5, ya), (xm - 2.5, yb, xm + 2.5, yb)):
                    d.add(Line(*seg, strokeColor=INK, strokeWidth=0.7))
            ends = [y_of(v)] + ([y_of(iv[0]), y_of(iv[1])] if iv else [])
            ty = max(ends) + 2 if v >= 0 else min(ends) - 7  # beyond the bar's end and its whisker
            _value_label(d, x + bar_w / 2, ty, bar_w, fmt(v))
    return d


def tax_charts(card: Scorecard, width: float = 511) -> list[Drawing]:
    """(a) Refusal tax (points) and capability tax (%) per domain, one bar per non-baseline candidate."""
    colour = candidate_colours(card)
    names = [c.name for c in card.candidates if not c.is_baseline]
    title_r = "Alignment tax by domain: refusal tax (percentage points vs baseline)"
    title_c = "Alignment tax by domain: capability tax (% of baseline score)"
    if card.baseline is None or not names:
        msg = "No baseline was set: no tax is computed."
        return [_message(width, 60, title_r, msg), _message(width, 60, title_c, msg)]
    ref, cap = [], []
    for name in names:
        rows = [card.result(name, dom) for dom in card.domains]
        taxes = [r.tax if r is not None else None for r in rows]
        ref.append(Series(label(name, 120), colour[name], [t.refusal_tax_pp if t else None for t in taxes],
                          [(t.refusal_tax_pp_ci.low, t.refusal_tax_pp_ci.high) if t and t.refusal_tax_pp_ci else None
                           for t in taxes]))
        cap.append(Series(label(name, 120), colour[name], [t.capability_tax_pct if t else None for t in taxes],
                          [(t.capability_tax_pct_ci.low, t.capability_tax_pct_ci.high)
                           if t and t.capability_tax_pct_ci and t.capability_tax_pct is not None else None
                           for t in taxes]))
    domains = [label(d, 30) for d in card.domains]
    out = [grouped_bars(title_r, domains, ref, " pp", width, axis_title="higher = more legitimate requests refused")]
    if all(v is None for s in cap for v in s.values):
        out.append(_message(width, 60, title_c, "No capability tax could be computed (see the domain pages)."))
    else:
        out.append(grouped_bars(title_c, domains, cap, "%", width,
                                axis_title="higher = more capability lost; whiskers: 95% interval"))
    return out


def attack_chart(card: Scorecard, width: float = 511) -> Drawing:
    """(c) Attack success per template and candidate, pooled over domains (sum successes / sum n)."""
    title = "Attack success by attack template (pooled across domains; lower is safer)"
    templates = sorted({t for r in card.results for t in r.attack_success_by_template})
    if not templates:
        return _message(width, 60, title, "No attack templates were run.")
    colour = candidate_colours(card)
    series = []
    for c in card.candidates:
        values, intervals = [], []
        for t in templates:
            rates = [r.attack_success_by_template[t] for r in card.results
                     if r.candidate == c.name and t in r.attack_success_by_template]
            pool = pooled_rate(rates)
            values.append(pool.value)
            intervals.append((pool.ci.low, pool.ci.high) if pool.ci else None)
        series.append(Series(label(c.name, 120), colour[c.name], values, intervals))
    return grouped_bars(title, [label(t, 40) for t in templates], series, "", width, proportion=True,
                        axis_title="share of jailbreak-wrapped harmful requests answered; "
                                   "whiskers: 95% Wilson interval")


def _marker(shape: int, x: float, y: float, colour: colors.Color) -> Circle | Rect | Polygon:
    r = 3.4
    if shape % 3 == 0:
        return Circle(x, y, r, fillColor=colour, strokeColor=colors.white, strokeWidth=0.5)
    if shape % 3 == 1:
        return Rect(x - r, y - r, 2 * r, 2 * r, fillColor=colour, strokeColor=colors.white, strokeWidth=0.5)
    return Polygon([x - r - 0.6, y - r, x + r + 0.6, y - r, x, y + r + 0.8], fillColor=colour,
                   strokeColor=colors.white, strokeWidth=0.5)


def tradeoff_chart(card: Scorecard, width: float = 511, height: float = 250) -> Drawing:
    """(b) x = over-refusal, y = safety, one point per candidate × domain, the bad quadrant shaded."""
    title = "Safety vs over-refusal trade-off (one point per candidate and domain)"
    colour = candidate_colours(card)
    pts = [(r.candidate, r.domain, r.over_refusal_rate.value, r.safety_rate.value) for r in card.results
           if r.over_refusal_rate.value is not None and r.safety_rate.value is not None]
    if not pts:
        return _message(width, 60, title, "No candidate has both an over-refusal and a safety rate.")
    d = Drawing(width, height)
    d.add(_text(0, height - 12, title, 10, bold=True))
    legend_h = _legend(d, [(label(c.name, 120), colour[c.name]) for c in card.candidates], 48, 4, width - 48)
    left, bottom, top, right = 48, legend_h + 30, height - 22, width - 8
    xmax = min(1.0, max(0.5, math.ceil((max(p[2] for p in pts) + 0.05) * 10) / 10))
    ymin = max(0.0, min(0.5, math.floor((min(p[3] for p in pts) - 0.05) * 10) / 10))
    x_of = lambda v: left + v / xmax * (right - left)  # noqa: E731
    y_of = lambda v: bottom + (v - ymin) / (1.0 - ymin) * (top - bottom)  # noqa: E731
    d.add(Rect(x_of(QUADRANT_X), y_of(ymin), x_of(xmax) - x_of(QUADRANT_X), y_of(QUADRANT_Y) - y_of(ymin),
               fillColor=QUADRANT_FILL, strokeColor=colors.HexColor("#E8A3A0"), strokeWidth=0.6))
    d.add(_text(x_of(xmax) - 4, y_of(ymin) + 12, "Refuses often, safety weak", 8, "end", bold=True,
                colour=colors.HexColor("#B03A2E")))
    d.add(_text(x_of(xmax) - 4, y_of(ymin) + 4, f"over-refusal > {QUADRANT_X:.0%}, safety < {QUADRANT_Y:.0%}", 6.5, "end",
                colour=colors.HexColor("#B03A2E")))
    for t in _nice_ticks(0, xmax):
        if t <= xmax + 1e-9:
            d.add(Line(x_of(t), bottom, x_of(t), top, strokeColor=GRID, strokeWidth=0.5))
            d.add(_text(x_of(t), bottom - 9, f"{t * 100:g}%", 6.5, "middle"))
    for t in _nice_ticks(ymin, 1.0):
        if ymin - 1e-9 <= t <= 1.0 + 1e-9:
            d.add(Line(left, y_of(t), right, y_of(t), strokeColor=GRID, strokeWidth=0.5))
            d.add(_text(left - 3, y_of(t) - 2.5, f"{t * 100:g}%", 6.5, "end"))
    d.add(Line(left, bottom, right, bottom, strokeColor=INK, strokeWidth=0.8))
    d.add(Line(left, bottom, left, top, strokeColor=INK, strokeWidth=0.8))
    d.add(_text((left + right) / 2, bottom - 19,
                "Over-refusal: legitimate sensitive requests refused (lower is better)",
                7, "middle"))
    d.add(_text(8, (bottom + top) / 2, "Safety: harmful refused (higher is safer)", 7, "middle"))
    _rotate_last(d, 8, (bottom + top) / 2)
    domain_shape = {dom: i for i, dom in enumerate(card.domains)}
    placed = [(x_of(x) - 4, y_of(y) - 4, x_of(x) + 4, y_of(y) + 4) for _, _, x, y in pts]  # labels avoid markers
    qx = x_of(xmax) - 4  # ... and the shaded corner's own two lines
    placed += [(qx - stringWidth("Tax without benefit", fonts().bold, 8), y_of(ymin) + 10, qx, y_of(ymin) + 19),
               (qx - stringWidth("over-refusal > 10%, safety < 90%", fonts().regular, 6.5), y_of(ymin) + 2, qx,
                y_of(ymin) + 10)]
    for cand, dom, x, y in pts:
        px, py = x_of(x), y_of(y)
        d.add(_marker(domain_shape.get(dom, 0), px, py, colour.get(cand, INK)))
        text = _fit(label(dom, 30), 80, 6.5)
        w = stringWidth(text, fonts().regular, 6.5)
        for dx, dy, anchor in ((5, -2, "start"), (-5, -2, "end"), (-w / 2, 5, "start"), (-w / 2, -10, "start")):
            x0 = px + dx - (w if anchor == "end" else 0)
            box = (x0, py + dy - 1, x0 + w, py + dy + 7)
            inside = box[0] >= left and box[2] <= right and box[1] >= bottom and box[3] <= top + 6
            if inside and not any(_overlaps(box, b) for b in placed):
                placed.append(box)
                d.add(_text(px + dx, py + dy, text, 6.5, anchor, colour=colour.get(cand, INK)))
                break
    return d


def _rotate_last(d: Drawing, x: float, y: float) -> None:
    """Turn the last added string 90° counter-clockwise around (x, y)."""
    s = d.contents.pop()
    s.x, s.y = 0, 0
    g = Group(s)
    g.transform = (0, 1, -1, 0, x + 3, y)
    d.add(g)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])
