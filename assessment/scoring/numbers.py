"""Numbers in running text (separators, currency, ordinals, number words) and the quantity a question asks for."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel

_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                     "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
               "hundred": 100, "thousand": 1000})
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<sign>[-−](?=\d))?(?P<cur>[$£€¥]\s?)?"
    r"(?P<num>\d{1,3}(?:(?:,|\u202f|\u00a0| )\d{3})+(?:\.\d+)?(?!\d|,\d)|\d+(?:\.\d+)?)"
    r"(?P<ord>st|nd|rd|th)?(?![\w])"
    r"|(?<![\w-])(?P<word>" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE)
MONTHS = {m: i for i, m in enumerate("january february march april may june july august september october november "
                                     "december".split(), 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})


class Num(BaseModel):
    start: int
    end: int
    value: float
    raw: str
    currency: str | None = None
    ordinal: bool = False
    word: bool = False

    @property
    def is_year(self) -> bool:
        return not self.word and self.value.is_integer() and 1000 <= self.value <= 2999 and "," not in self.raw


def find_numbers(text: str) -> list[Num]:
    out = []
    for m in _NUMBER.finditer(text):
        if m.group("word"):
            out.append(Num(start=m.start(), end=m.end(), value=float(_WORDS[m.group("word").lower()]),
                           raw=m.group(0), word=True))
            continue
        digits = re.sub(r"[,\u202f\u00a0 ]", "", m.group("num"))
        value = float(digits) * (-1 if m.group("sign") else 1)
        out.append(Num(start=m.start(), end=m.end(), value=value, raw=m.group(0),
                       currency=(m.group("cur") or "").strip() or None, ordinal=bool(m.group("ord"))))
    return out


# --- units ---------------------------------------------------------------------------------------

_ALIASES = {
    "£": "gbp", "pound": "gbp", "gbp": "gbp", "$": "usd", "usd": "usd", "dollar": "usd", "€": "eur", "eur": "eur",
    "euro": "eur", "minute": "min", "min": "min", "mins": "min", "hour": "h", "hr": "h", "hrs": "h", "h": "h",
    "second": "s", "sec": "s", "secs": "s", "s": "s", "kilometre": "km", "kilometer": "km", "km": "km",
    "ounce": "oz", "oz": "oz", "litre": "l", "liter": "l", "l": "l", "metre": "m", "meter": "m", "m": "m",
    "gram": "g", "g": "g", "milligram": "mg", "mg": "mg", "millilitre": "ml", "milliliter": "ml", "ml": "ml",
    "celsius": "c", "°c": "c", "c": "c", "fahrenheit": "f", "°f": "f", "f": "f", "hexadecimal": "hex", "hex": "hex",
    "yr": "year", "year": "year", "day": "day", "percent": "%", "per cent": "%", "%": "%", "kcal": "kcal",
    "calorie": "kcal", "bit": "bit", "character": "character", "char": "character", "kg": "kg", "kilogram": "kg",
    "mile": "mile", "mi": "mile",
}
_FILLER = {"degree", "degrees", "of", "the", "a", "an", "more", "in", "each", "per", "total", "about"}
_UNIT_TOKEN = re.compile(r"\s*(%|°\s?[CF]\b|[A-Za-zµ°][A-Za-z²³°]*)")


def _canon(token: str) -> str:
    t = token.lower().replace(" ", "").rstrip(".")
    if t in _ALIASES:
        return _ALIASES[t]
    if t.endswith("s") and t[:-1] in _ALIASES:
        return _ALIASES[t[:-1]]
    if t.endswith("s") and len(t) > 3:
        return t[:-1]
    return t


def unit_after(text: str, num: Num, limit: int = 2) -> list[str]:
    """Canonical unit words right after a number ("mL/hour" -> ml, h), fillers skipped; a currency sign counts."""
    out = [_ALIASES[num.currency]] if num.currency in _ALIASES else []
    rest = text[num.end:]
    words = 0
    while words < limit + 1:
        m = _UNIT_TOKEN.match(rest)
        if not m:
            if rest[:1] == "/" or rest.startswith(" per "):
                rest = rest[1:] if rest[:1] == "/" else rest[5:]
                continue
            break
        token = m.group(1)
        rest = rest[m.end():]
        if rest[:1] == "/":
            rest = rest[1:]
        if token.lower() in _FILLER:
            words += 1
            continue
        out.append(_canon(token))
        words += 1
        if len(out) >= limit:
            break
    return out


# --- the asked quantity --------------------------------------------------------------------------

class AskedKind(StrEnum):
    YEAR = "year"
    UNIT = "unit"
    VARIABLE = "variable"
    NONE = "none"


class Asked(BaseModel):
    kind: AskedKind = AskedKind.NONE
    units: list[str] = []  # canonical words that name the asked quantity
    variable: str | None = None
    percent: bool = False


_STOP = r"(?:are|is|does|do|did|will|would|can|could|must|should|has|have|were|was|in|of|per|to|for|does|it|does)"


def asked_quantity(prompt: str) -> Asked:
    """What the question asks for: a year, a quantity in some unit, or the value of a variable."""
    questions = [q for q in re.split(r"(?<=[?])\s+", prompt) if "?" in q] or [prompt]
    q = questions[-1]
    asked = Asked(percent=bool(re.search(r"\b(?:what|which)\s+(?:percent|percentage)|\bas\s+a\s+percent|\bin\s+(?:%|percent)",
                                         q, re.IGNORECASE)))
    if re.search(r"\b(?:what|which)\s+year\b", q, re.IGNORECASE):
        return asked.model_copy(update={"kind": AskedKind.YEAR})
    var = re.search(r"\bvalue\s+of\s+([a-z])\b", q)
    if var:
        return asked.model_copy(update={"kind": AskedKind.VARIABLE, "variable": var.group(1)})
    units: list[str] = []
    for m in re.finditer(r"\bhow\s+(?:many|much)\s+(.+?)(?=\s+" + _STOP + r"\b|[?,.]|$)", q, re.IGNORECASE):
        units += [_canon(w) for w in re.split(r"[\s/]+", m.group(1)) if w and w.lower() not in _FILLER]
    for m in re.finditer(r"\b(?:in|to)\s+((?:degrees\s+)?[A-Za-z°µ][\w°²³]*)(?:/[\w²³]+)?", q):
        word = m.group(1).split()[-1]
        if _canon(word) in _ALIASES.values() or "/" in m.group(0):
            units.append(_canon(word))
    for m in re.finditer(r"\bwhat\s+day\s+of\s+(\w+)|\bwhich\s+numbered\s+(\w+)|\bwhat\s+(?:is\s+the\s+)?(\w+)\s+"
                         r"(?:rate|number)\b", q, re.IGNORECASE):
        units += [_canon(w) for w in m.groups() if w]
    for m in re.finditer(r"\bwhat\s+(?:\w+\s+)?(rate|number|amount|sum|award)\b", q, re.IGNORECASE):
        units.append(_canon(m.group(1)))
    units = [u for i, u in enumerate(units) if u and u not in units[:i]]
    return asked.model_copy(update={"kind": AskedKind.UNIT if units else AskedKind.NONE, "units": units})
