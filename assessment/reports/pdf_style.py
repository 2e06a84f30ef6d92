"""Shared look of the PDF: fonts, escaping of untrusted text, number formatting, colours, paragraph styles.

Every piece of untrusted text (model output, prompts, names, pack text, user input) goes through
``markup()`` before it reaches a ``Paragraph``: control characters are replaced, long text is cut,
``<`` and ``&`` are escaped, and CJK runs the main font lacks are set in a CJK font. Numbers print
``None`` as "n/a", never as 0.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from assessment.analysis import catalogue
from assessment.analysis.decision_summary import inconclusive_flag_ids
from assessment.analysis.stats import MIN_N_TO_DECIDE, Interval, Rate

TRUNCATED = " …[truncated]"
TOO_FEW_NOTE = f"* n < {MIN_N_TO_DECIDE}: too few to decide"
# severity hues and flag words from the metric catalogue (the same as the Excel export and the wizard)
SEVERITY_COLOURS = {word: colors.HexColor(hue) for word, hue in catalogue.severity_colours().items()}
UNSUPPORTED_COLOUR = colors.HexColor(catalogue.UNSUPPORTED_BACKGROUND)  # a severity the evidence does not support
FLAG_WORDS = {e.id: e.label for e in catalogue.of_kind(catalogue.Kind.FLAG)}
INCONCLUSIVE_WORD = catalogue.label("inconclusive")


def severity_legend() -> list[tuple[str, str]]:
    """(severity, rule) from the catalogue, worst first: ("critical", "> 20"), …, ("minimal", "≤ 5")."""
    rules = [(e.id, f"> {e.thresholds[0].value:g}") for e in catalogue.of_kind(catalogue.Kind.SEVERITY) if e.thresholds]
    floor = min(float(r[2:]) for _, r in rules)
    return rules + [(e.id, f"≤ {floor:g}") for e in catalogue.of_kind(catalogue.Kind.SEVERITY) if not e.thresholds]


def severity_look(severity: str | None, supported: bool | None) -> tuple[str, colors.Color | None]:
    """The word and fill of a tax's severity: its colour only when the evidence supports it; otherwise
    "inconclusive" on grey — never a severity colour."""
    if severity is None:
        return "", None
    if supported is False:
        return INCONCLUSIVE_WORD, UNSUPPORTED_COLOUR
    return severity, SEVERITY_COLOURS.get(severity)
FLAG_ORDER = ["tax_without_benefit", "high_tax", "over_aligned", "under_aligned"]
# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = [colors.HexColor(c) for c in ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                                         "#000000", "#999999")]
INK = colors.HexColor("#222222")
GRID = colors.HexColor("#DDDDDD")
HEADER_BG = colors.HexColor("#DDEBF7")
WARN_RED = colors.HexColor("#C00000")  # warnings the reader must not miss
WARN_BG = colors.HexColor("#FDE9E7")
MARGIN = 15 * mm
FRAME_W = A4[0] - 2 * MARGIN

_DEJAVU_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
                "/usr/share/fonts/truetype", "/usr/local/share/fonts", "/Library/Fonts",
                os.path.expanduser("~/Library/Fonts"), os.path.expanduser("~/.fonts")]
_CJK_RANGES = [(0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
               (0x20000, 0x2FA1F)]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    source: str  # which file (or built-in font) was used, for the record
    coverage: frozenset[int] | None = field(default=None, repr=False)  # code points the TTF has; None: Latin-1
    cjk: str | None = None  # font used for CJK runs the main font lacks

    def covers(self, ch: str) -> bool:
        return ord(ch) < 256 if self.coverage is None else ord(ch) in self.coverage


def _font_dirs() -> list[Path]:
    dirs = [Path(d) for d in _DEJAVU_DIRS]
    spec = importlib.util.find_spec("matplotlib")  # matplotlib ships DejaVu; found without importing it
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    dirs.append(Path(reportlab.__file__).parent / "fonts")
    return dirs


def _find_pair(regular: str, bold: str) -> tuple[Path, Path] | None:
    for d in _font_dirs():
        if (d / regular).is_file() and (d / bold).is_file():
            return d / regular, d / bold
    return None


@functools.lru_cache(maxsize=1)
def fonts() -> Fonts:
    """DejaVu Sans when the system (or matplotlib) has it, else reportlab's bundled Vera, else Helvetica."""
    for family, regular, bold in (("ATA-DejaVuSans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
                                  ("ATA-Vera", "Vera.ttf", "VeraBd.ttf")):
        pair = _find_pair(regular, bold)
        if pair is None:
            continue
        try:
            pdfmetrics.registerFont(TTFont(family, str(pair[0])))
            pdfmetrics.registerFont(TTFont(family + "-Bold", str(pair[1])))
        except Exception:  # a damaged or unreadable font file: try the next one
            continue
        for b, i, name in ((0, 0, family), (1, 0, family + "-Bold"), (0, 1, family), (1, 1, family + "-Bold")):
            addMapping(family, b, i, name)
        coverage = frozenset(pdfmetrics.getFont(family).face.charToGlyph)
        return Fonts(family, family + "-Bold", str(pair[0]), coverage, _cjk_font())
    return Fonts("Helvetica", "Helvetica-Bold", "built-in Helvetica (Latin-1 only)", None, _cjk_font())


_CJK_FILES = ["/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
              "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"]


def _cjk_font() -> str | None:
    """A font for Chinese/Japanese/Korean runs the main font lacks: a system TrueType font when there is
    one (embedded), else reportlab's STSong-Light CID font (not embedded: the viewer supplies the glyphs)."""
    for path in _CJK_FILES:
        if os.path.isfile(path):
            try:
                pdfmetrics.registerFont(TTFont("ATA-CJK", path, subfontIndex=0))
                return "ATA-CJK"
            except Exception:
                continue
    try:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        return "STSong-Light"
    except Exception:
        return None


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def clean(value: object, limit: int = 1500, max_lines: int = 40) -> str:
    """Plain, printable text: cut to ``limit`` characters and ``max_lines`` lines, controls replaced."""
    text = "" if value is None else str(value)
    cut = len(text) > limit
    text = text[:limit]
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be written
    text = _CONTROL.sub("\ufffd" if fonts().covers("\ufffd") else "?", text.replace("\r\n", "\n"))
    lines = text.split("\n")
    if len(lines) > max_lines:
        text, cut = "\n".join(lines[:max_lines]), True
    return text.replace("\t", "    ") + (TRUNCATED if cut else "")


def markup(value: object, limit: int = 1500, max_lines: int = 40) -> str:
    """Untrusted text as safe Paragraph markup (escaped, newlines kept, CJK runs in a CJK font)."""
    text = escape(clean(value, limit, max_lines))
    f = fonts()
    if f.cjk is not None and any(not f.covers(c) for c in text):
        out, run = [], []
        for ch in text:
            if _is_cjk(ch) and not f.covers(ch):
                run.append(ch)
                continue
            if run:
                out.append(f'<font name="{f.cjk}">{"".join(run)}</font>')
                run = []
            out.append(ch)
        if run:
            out.append(f'<font name="{f.cjk}">{"".join(run)}</font>')
        text = "".join(out)
    return text.replace("\n", "<br/>")


_BREAK_AFTER = re.compile(r"(?<=[-_/.,;:)])(?=.)")  # where a long name may wrap without breaking a word


def word_pieces(word: str) -> list[str]:
    """A long token split after hyphens, underscores, slashes, dots and punctuation, the only places it may wrap:
    "Contoso-Strict-Mode" gives "Contoso-", "Strict-", "Mode"."""
    return [p for p in _BREAK_AFTER.split(word) if p]


def wrap_pieces(word: str, width: float, font: str, size: float) -> list[str]:
    """A token too wide for ``width`` as lines that each end at a permitted break (greedy)."""
    lines: list[str] = []
    for piece in word_pieces(word):
        if lines and pdfmetrics.stringWidth(lines[-1] + piece, font, size) <= width:
            lines[-1] += piece
        else:
            lines.append(piece)
    return lines


def label(value: object, limit: int = 120) -> str:
    """A short single-line name for charts and page footers (plain text, not markup)."""
    return " ".join(clean(value, limit, 1).split()) or "?"


# --- numbers -----------------------------------------------------------------------------------

def pct(p: float | None) -> str:
    """A proportion as a percentage; one decimal only where rounding would falsely show 0% or 100%."""
    if p is None:
        return "n/a"
    x = 0.0 if abs(p) < 1e-12 else p * 100  # an interval end of 1e-17 is 0
    if 0 < x < 0.05:
        return "<0.1%"
    if 99.95 <= x < 100:
        return ">99.9%"
    text = f"{x:.0f}"
    if 0 < abs(x) < 1 or (text in ("0", "100") and x not in (0.0, 100.0)):
        text = f"{x:.1f}"
    return text + "%"


def pct_range(ci: Interval | None) -> str:
    return "" if ci is None else f"{pct(ci.low)[:-1]}–{pct(ci.high)}"


def rate_value(r: Rate) -> str:
    """The value alone with the too-few marker: "34%" or "40%*"."""
    if r.value is None:
        return "n/a"
    return pct(r.value) + ("*" if r.too_few else "")


def rate_full(r: Rate) -> str:
    """ "34% (22–48%), n=35" — the value, its 95% interval and n."""
    if r.value is None:
        return f"n/a (n={r.n})"
    ci = f" ({pct_range(r.ci)})" if r.ci is not None else ""
    return f"{rate_value(r)}{ci}, n={r.n}"


def rate_sentence(r: Rate) -> str:
    """ "34% (95% CI 22–48%, n=35)" for prose."""
    if r.value is None:
        return "n/a"
    ci = f"95% CI {pct_range(r.ci)}, " if r.ci is not None else ""
    return f"{pct(r.value)} ({ci}n={r.n}{', too few to decide' if r.too_few else ''})"


def signed(x: float | None, unit: str, digits: int = 1) -> str:
    if x is None:
        return "n/a"
    text = f"{x:+.{digits}f}"
    if text in (f"+{0:.{digits}f}", f"-{0:.{digits}f}"):
        text = f"{0:.{digits}f}"
    return f"{text}{unit}"


def score(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def p_value(p: float | None) -> str:
    if p is None:
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def flag_words(flags: list[str]) -> str:
    return ", ".join(FLAG_WORDS.get(f, f) for f in flags) or "none"


def flags_text(result: object) -> str:
    """Asserted flags, then the inconclusive ones marked as such: "high tax; inconclusive: over-aligned"."""
    unsure = inconclusive_flag_ids(result)
    text = flag_words(list(getattr(result, "flags", [])))
    if unsure:
        text = ("" if text == "none" else text + "; ") + f"{INCONCLUSIVE_WORD}: " + flag_words(unsure)
    return text


# --- paragraph styles --------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    f = fonts()
    base = ParagraphStyle("body", fontName=f.regular, fontSize=9.5, leading=12.5, textColor=INK, spaceAfter=4)
    s = {"body": base}
    s["title"] = ParagraphStyle("title", base, fontName=f.bold, fontSize=22, leading=27, spaceAfter=8)
    s["title_page1"] = ParagraphStyle("title_page1", base, fontName=f.bold, fontSize=17, leading=21, spaceAfter=2)
    s["title_small"] = ParagraphStyle("title_small", base, fontName=f.bold, fontSize=13, leading=16, spaceAfter=0)
    s["subtitle"] = ParagraphStyle("subtitle", base, fontSize=12, leading=15, textColor=colors.HexColor("#555555"),
                                   spaceAfter=18)
    s["h1"] = ParagraphStyle("h1", base, fontName=f.bold, fontSize=15, leading=19, spaceBefore=4, spaceAfter=8,
                             keepWithNext=1)
    s["h2"] = ParagraphStyle("h2", base, fontName=f.bold, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=5,
                             keepWithNext=1)
    s["bullet"] = ParagraphStyle("bullet", base, leftIndent=12, bulletIndent=2)
    s["small"] = ParagraphStyle("small", base, fontSize=7.5, leading=9.5, spaceAfter=0)
    s["small_bold"] = ParagraphStyle("small_bold", s["small"], fontName=f.bold)
    s["cell"] = ParagraphStyle("cell", base, fontSize=8, leading=10, spaceAfter=0)
    s["cell_bold"] = ParagraphStyle("cell_bold", s["cell"], fontName=f.bold)
    s["note"] = ParagraphStyle("note", base, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#555555"))
    s["example"] = ParagraphStyle("example", base, fontSize=8, leading=10.5, backColor=colors.HexColor("#F4F4F4"),
                                  borderPadding=4, leftIndent=4, rightIndent=4, spaceBefore=2, spaceAfter=8)
    s["warn"] = ParagraphStyle("warn", base, fontName=f.bold, textColor=WARN_RED)
    s["cell_warn"] = ParagraphStyle("cell_warn", s["cell"], fontName=f.bold, textColor=WARN_RED)
    return s


def meta_text(value: str) -> str:
    """Text for the PDF's metadata (title, author): one line, no control characters."""
    text = (value or "")[:200].encode("utf-8", "replace").decode("utf-8")
    return " ".join(_CONTROL.sub(" ", text).splitlines()) or "unknown"
