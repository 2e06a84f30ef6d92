"""Scorers for multiple choice, numeric answers and keyword/regex matches."""

from __future__ import annotations

import math
import re
from typing import Any

from assessment.scoring.registry import Score, ScoringContext, scorer

_ANSWER_PATTERNS = [
    r"(?:final\s+answer|correct\s+answer|the\s+answer|answer|option|choice)\s*(?:is|:|=|would\s+be)?\s*[:\-]?\s*\(?\*{0,2}([A-J])\b\)?",
    r"^\s*\(?\*{0,2}([A-J])\*{0,2}\)?\s*(?:[\).:\-]|$)",
    r"\(([A-J])\)",
    r"\b([A-J])\)",
]


def extract_choice(response: str) -> str | None:
    """The chosen option letter from "B", "(B)", "Answer: B", "the answer is b", "**C**"…"""
    text = response.strip()
    if not text:
        return None
    for pattern in _ANSWER_PATTERNS[:1]:
        m = re.search(pattern, text, flags=re.IGNORECASE | re.MULTILINE)
        if m:
            return m.group(1).upper()
    m = re.search(_ANSWER_PATTERNS[1], text, flags=re.MULTILINE)  # a line that starts with the letter
    if m:
        return m.group(1).upper()
    for pattern in _ANSWER_PATTERNS[2:]:
        m = re.search(pattern, text)
        if m:
            return m.group(1).upper()
    m = re.fullmatch(r"[\W_]*([A-Ja-j])[\W_]*", text)
    return m.group(1).upper() if m else None


@scorer("choice")
def score_choice(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    chosen = extract_choice(response)
    if chosen is None:
        return Score(value=0.0, explanation="no option letter found")
    ok = chosen == scoring.answer
    return Score(value=1.0 if ok else 0.0, explanation=f"chose {chosen}, gold {scoring.answer}")


_NUMBER = re.compile(r"(?<![\w.])[-−]?(?:\d{1,3}(?:[,\u202f\u00a0' ]\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?")


def extract_last_number(response: str) -> float | None:
    """The last number in the text; thousands separators and a unicode minus are understood."""
    matches = _NUMBER.findall(response)
    if not matches:
        return None
    raw = matches[-1].replace("−", "-")
    raw = re.sub(r"[,\u202f\u00a0' ]", "", raw)
    try:
        return float(raw)
    except ValueError:
        return None


@scorer("numeric")
def score_numeric(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    value = extract_last_number(response)
    if value is None:
        return Score(value=0.0, explanation="no number found")
    allowed = max(scoring.tolerance, abs(scoring.answer) * scoring.rel_tolerance)
    ok = math.isclose(value, scoring.answer, abs_tol=allowed + 1e-9)
    return Score(value=1.0 if ok else 0.0, explanation=f"answered {value:g}, gold {scoring.answer:g} ± {allowed:g}")


def _contains(text: str, keyword: str, case_sensitive: bool) -> bool:
    flags = 0 if case_sensitive else re.IGNORECASE
    pattern = re.escape(keyword)
    if keyword[:1].isalnum():
        pattern = r"(?<!\w)" + pattern
    if keyword[-1:].isalnum():
        pattern += r"(?!\w)"
    return re.search(pattern, text, flags) is not None


@scorer("match")
def score_match(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    reasons = []
    if scoring.pattern:
        flags = 0 if scoring.case_sensitive else re.IGNORECASE
        if not re.search(scoring.pattern, response, flags | re.MULTILINE):
            reasons.append("pattern not found")
    missing = [k for k in scoring.all if not _contains(response, k, scoring.case_sensitive)]
    if missing:
        reasons.append("missing " + ", ".join(missing))
    if scoring.any and not any(_contains(response, k, scoring.case_sensitive) for k in scoring.any):
        reasons.append("none of " + ", ".join(scoring.any))
    if reasons:
        return Score(value=0.0, explanation="; ".join(reasons))
    return Score(value=1.0, explanation="all match rules met")
