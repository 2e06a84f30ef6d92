"""Verifiable-instruction scoring (counts, required words, format), strict: every check must hold.

Counts and word checks read the text as a person would: markdown emphasis is ignored, sentences are
split with abbreviations ("e.g.", "v.", "Dr.", "U.S.") in mind, and words are compared after
normalising case, hyphens, spacing and plurals. JSON checks look at values, not only at keys.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from assessment.scoring.match import has_keyword
from assessment.scoring.registry import Score, ScoringContext, scorer
from assessment.scoring.text import norm_tokens, split_sentences, strip_markup


def _words(text: str) -> list[str]:
    return [w for w in strip_markup(text).split() if re.search(r"\w", w)]


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _sentences(text: str) -> list[str]:
    return split_sentences(strip_markup(text))


def _in_bounds(n: int, check: Any) -> bool:
    return (check.min is None or n >= check.min) and (check.max is None or n <= check.max)


def _bounds(check: Any) -> str:
    if check.min is not None and check.max is not None:
        return f"{check.min}" if check.min == check.max else f"{check.min}-{check.max}"
    return f">= {check.min}" if check.min is not None else f"<= {check.max}"


def _count_check(counter: Callable[[str], list[str]], noun: str) -> Callable[[Any, str], tuple[bool, str]]:
    def check(c: Any, text: str) -> tuple[bool, str]:
        n = len(counter(text))
        return _in_bounds(n, c), f"{n} {noun} (want {_bounds(c)})"

    return check


def _keyword_frequency(c: Any, text: str) -> tuple[bool, str]:
    target = norm_tokens(c.word)
    words = norm_tokens(text)
    n = sum(1 for i in range(len(words) - len(target) + 1) if words[i:i + len(target)] == target) if target else 0
    return _in_bounds(n, c), f"'{c.word}' {n} times (want {_bounds(c)})"


def _include(c: Any, text: str) -> tuple[bool, str]:
    missing = [w for w in c.words if not has_keyword(text, w, c.synonyms)]
    return not missing, ("missing " + ", ".join(missing)) if missing else "required words present"


def _exclude(c: Any, text: str) -> tuple[bool, str]:
    words = norm_tokens(text)
    found = [w for w in c.words if any(words[i:i + len(t)] == t for t in [norm_tokens(w)]
                                       for i in range(len(words) - len(t) + 1))]
    return not found, ("contains " + ", ".join(found)) if found else "forbidden words absent"


def _edge_text(text: str) -> str:
    """Text with markup, surrounding quotes and runs of whitespace evened out, for starts/ends checks."""
    plain = " ".join(strip_markup(text).split())
    return plain.strip("\"'“”‘’ ").lower()


def _starts_with(c: Any, text: str) -> tuple[bool, str]:
    ok = _edge_text(text).startswith(" ".join(c.text.split()).lower())
    return ok, f"starts with {c.text!r}" if ok else f"does not start with {c.text!r}"


def _ends_with(c: Any, text: str) -> tuple[bool, str]:
    ok = _edge_text(text).endswith(" ".join(c.text.split()).lower())
    return ok, f"ends with {c.text!r}" if ok else f"does not end with {c.text!r}"


def _json_body(text: str, fences_allowed: bool = True) -> Any:
    """The parsed JSON document, or raise ValueError."""
    body = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", body, flags=re.DOTALL)
    if fenced:
        if not fences_allowed:
            raise ValueError("inside a code fence")
        body = fenced.group(1)
    return json.loads(body)


def _is_json(text: str) -> bool:
    try:
        _json_body(text)
        return True
    except ValueError:
        return False


def _json_fields(c: Any, text: str) -> tuple[bool, str]:
    try:
        obj = _json_body(text, c.fences_allowed)
    except ValueError as exc:
        return False, f"not a JSON object ({str(exc).splitlines()[0][:60]})"
    if not isinstance(obj, dict):
        return False, "JSON is not an object"
    missing = [k for k in c.keys if k not in obj]
    extra = [k for k in obj if k not in c.keys] if c.exact else []
    problems = (["missing keys " + ", ".join(missing)] if missing else []) + \
               (["unexpected keys " + ", ".join(map(str, extra))] if extra else [])
    return not problems, "; ".join(problems) or "JSON keys as asked"


def _json_number(c: Any, text: str) -> tuple[bool, str]:
    try:
        obj = _json_body(text)
    except ValueError:
        return False, f"no JSON object to read {c.key!r} from"
    value = obj.get(c.key) if isinstance(obj, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False, f"{c.key!r} is not a number ({value!r})"
    ok = math.isclose(float(value), c.value, abs_tol=c.tolerance + 1e-9)
    return ok, f"{c.key} = {value:g} (want {c.value:g}" + (f" ± {c.tolerance:g})" if c.tolerance else ")")


def _line_starts(c: Any, text: str) -> tuple[bool, str]:
    lines = [strip_markup(line).strip().lower() for line in _lines(text)]
    if not c.cycle and len(lines) != len(c.prefixes):
        return False, f"{len(lines)} lines for {len(c.prefixes)} required starts"
    for i, line in enumerate(lines):
        want = c.prefixes[i % len(c.prefixes)]
        if not line.startswith(want.lower()):
            return False, f"line {i + 1} does not start with {want!r}"
    return True, "every line starts as required"


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
    "json_fields": _json_fields,
    "json_number": _json_number,
    "line_starts": _line_starts,
}


@scorer("constraints")
def score_constraints(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    results = [CHECKS[c.type](c, response) for c in scoring.checks]
    failed = [why for ok, why in results if not ok]
    met = len(results) - len(failed)
    explanation = f"{met}/{len(results)} checks met" + (": " + "; ".join(failed) if failed else "")
    return Score.of(not failed, explanation)
