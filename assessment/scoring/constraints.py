"""Verifiable-instruction scoring (counts, required words, format), strict: every check must hold."""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from assessment.scoring.registry import Score, ScoringContext, scorer


def _words(text: str) -> list[str]:
    return text.split()


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])[\"'”’)\]]*\s+", text.strip())
    return [p for p in parts if re.search(r"\w", p)]


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _whole_word_count(text: str, word: str) -> int:
    return len(re.findall(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text, flags=re.IGNORECASE))


def _in_bounds(n: int, check: Any) -> bool:
    return (check.min is None or n >= check.min) and (check.max is None or n <= check.max)


def _bounds(check: Any) -> str:
    if check.min is not None and check.max is not None:
        return f"{check.min}" if check.min == check.max else f"{check.min}-{check.max}"
    return f">= {check.min}" if check.min is not None else f"<= {check.max}"


def _count_check(counter: Callable[[str], list[str]], noun: str):
    def check(c: Any, text: str) -> tuple[bool, str]:
        n = len(counter(text))
        return _in_bounds(n, c), f"{n} {noun} (want {_bounds(c)})"

    return check


def _keyword_frequency(c: Any, text: str) -> tuple[bool, str]:
    n = _whole_word_count(text, c.word)
    return _in_bounds(n, c), f"'{c.word}' {n} times (want {_bounds(c)})"


def _include(c: Any, text: str) -> tuple[bool, str]:
    missing = [w for w in c.words if _whole_word_count(text, w) == 0]
    return not missing, ("missing " + ", ".join(missing)) if missing else "required words present"


def _exclude(c: Any, text: str) -> tuple[bool, str]:
    found = [w for w in c.words if _whole_word_count(text, w) > 0]
    return not found, ("contains " + ", ".join(found)) if found else "forbidden words absent"


def _starts_with(c: Any, text: str) -> tuple[bool, str]:
    ok = text.strip().lower().startswith(c.text.strip().lower())
    return ok, f"starts with {c.text!r}" if ok else f"does not start with {c.text!r}"


def _ends_with(c: Any, text: str) -> tuple[bool, str]:
    ok = text.strip().lower().endswith(c.text.strip().lower())
    return ok, f"ends with {c.text!r}" if ok else f"does not end with {c.text!r}"


def _is_json(text: str) -> bool:
    body = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", body, flags=re.DOTALL)
    try:
        json.loads(fenced.group(1) if fenced else body)
        return True
    except ValueError:
        return False


_FORMATS: dict[str, Callable[[str], bool]] = {
    "bullet_list": lambda t: bool(_lines(t)) and all(re.match(r"\s*[-*•]\s+\S", ln) for ln in _lines(t)),
    "numbered_list": lambda t: bool(_lines(t)) and all(re.match(r"\s*\d+[.)]\s+\S", ln) for ln in _lines(t)),
    "lowercase": lambda t: bool(t.strip()) and t == t.lower(),
    "uppercase": lambda t: bool(t.strip()) and t == t.upper(),
    "no_commas": lambda t: bool(t.strip()) and "," not in t,
    "json": _is_json,
}


def _format(c: Any, text: str) -> tuple[bool, str]:
    ok = _FORMATS[c.format](text)
    return ok, f"format {c.format} " + ("met" if ok else "not met")


CHECKS: dict[str, Callable[[Any, str], tuple[bool, str]]] = {
    "word_count": _count_check(_words, "words"),
    "sentence_count": _count_check(_sentences, "sentences"),
    "line_count": _count_check(_lines, "lines"),
    "paragraph_count": _count_check(_paragraphs, "paragraphs"),
    "keyword_frequency": _keyword_frequency,
    "include": _include,
    "exclude": _exclude,
    "starts_with": _starts_with,
    "ends_with": _ends_with,
    "format": _format,
}


@scorer("constraints")
def score_constraints(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    results = [CHECKS[c.type](c, response) for c in scoring.checks]
    failed = [why for ok, why in results if not ok]
    met = len(results) - len(failed)
    explanation = f"{met}/{len(results)} checks met" + (": " + "; ".join(failed) if failed else "")
    return Score(value=1.0 if not failed else 0.0, explanation=explanation)
