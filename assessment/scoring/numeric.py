"""Numeric answers: read the number a grader would read.

Order: an explicit statement ("Answer: 42", "the answer is 42", a boxed or bold number), then the
leading number of the first line (unless it starts a calculation), then what the first sentence
concludes ("..., so 72 bits", "which rounds to 42") or the result of its equation, then the first
number attached to the asked unit or quantity in the first sentence, then the only number that is
not already in the question. Never the last number of an explanation: working in parentheses is set
aside. A range or several different candidates with no explicit statement leave the answer unscored.
"""

from __future__ import annotations

import math
import re
from typing import Any

from assessment.scoring.extraction import Extraction, Outcome, Rule, distinct
from assessment.scoring.numbers import MONTHS, Asked, AskedKind, Num, asked_quantity, find_numbers, unit_after
from assessment.scoring.registry import AMBIGUOUS, DETAIL, Score, ScoringContext, scorer
from assessment.scoring.text import first_sentence, split_sentences, strip_markup

_OPERATOR_AFTER = re.compile(r"^\s*(?:(?!(?:and|or|to)\b)[A-Za-z/°%²³]{1,8}\s*){0,2}(?:[×x*/÷+^=]|[-−–]\s*\d|:\d)")
_ALTERNATIVE_AFTER = re.compile(r"^\s*(?:[A-Za-z%°]+\s+)?(?:or|to|and|[-–—])\s*[$£€]?\d")
_ALTERNATIVE_BEFORE = re.compile(r"\d\s*(?:[A-Za-z%°]+\s+)?(?:or|to|and|[-–—])\s*[$£€]?$")
_LEAD_IN = re.compile(r"^\s*(?:[-*>]\s*)?(?:(?:about|approximately|approx\.|roughly|around|~|≈|answer\s*[:=]?|"
                      r"total\s*:|it\s+is|it's|that's|that\s+is)\s*)?(?:[A-Za-zφ]\w{0,3}\s*(?:\([a-z]\))?\s*=\s*)?",
                      re.IGNORECASE)
_EXPLICIT_LINE = re.compile(r"(?im)^\s*(?:final\s+)?answer\s*(?:[:=\-–—]|is)\s*(?:approximately\s+|about\s+|≈\s*)?(.*)$")
_EXPLICIT = re.compile(r"(?i)\b(?:(?:final|correct)\s+answer|the\s+answer|the\s+result)\s+(?:is|would\s+be|=|:)\s*"
                       r"(?:approximately\s+|about\s+|≈\s*)?(.*)")
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_BOLD = re.compile(r"\*\*([^*\n]{1,40})\*\*")
_CONCLUSION = re.compile(r"(?i)\b(?:so|therefore|thus|hence|which\s+rounds\s+to|rounds\s+to|rounded(?:\s+to)?|"
                         r"i\.e\.|which\s+gives|giving|that\s+is|making)\b[:,]?")


def _without_parentheses(text: str) -> str:
    """Working in parentheses or brackets blanked out (kept the same length, so spans still line up)."""
    prev = None
    while prev != text:
        prev = text
        text = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", lambda m: " " * len(m.group(0)), text)
    return text


def _first_number(text: str) -> Num | None:
    nums = find_numbers(text)
    return nums[0] if nums else None


def _is_calculation(text: str, num: Num) -> bool:
    return bool(_OPERATOR_AFTER.match(text[num.end:]))


def _explicit(text: str) -> Extraction[float]:
    plain = strip_markup(text)
    lines = [n for m in _EXPLICIT_LINE.finditer(plain) if (n := _first_number(m.group(1))) is not None]
    if lines:
        return Extraction.found(lines[-1].value, Rule.EXPLICIT)
    said = [n.value for m in _EXPLICIT.finditer(plain) if (n := _first_number(m.group(1))) is not None]
    boxed = [n.value for m in _BOXED.finditer(text) if (n := _first_number(m.group(1))) is not None]
    found = [(v, Rule.EXPLICIT) for v in said] + [(v, Rule.BOXED) for v in boxed]
    bold = [m.group(1) for m in _BOLD.finditer(text)]
    bold_numbers = [n.value for b in bold if ":" not in b and re.match(r"\s*[~≈$£€]?\s*[-−]?\d", b)
                    and (n := _first_number(b)) is not None and not _is_calculation(b, n)]
    if len(distinct(bold_numbers)) == 1:  # several bold numbers are emphasis in working, not an answer
        found.append((bold_numbers[0], Rule.BOLD))
    values = distinct([v for v, _ in found])
    if len(values) == 1:
        return Extraction.found(values[0], found[0][1])
    if len(values) > 1:
        return Extraction.ambiguous(values)
    return Extraction.none()


def _leading(line: str, asked: Asked) -> Extraction[float]:
    lead = _LEAD_IN.match(line)
    rest = line[lead.end():] if lead else line
    nums = find_numbers(rest)
    if not nums or rest[:nums[0].start].strip():
        return Extraction.none()
    num = nums[0]
    after = rest[num.end:]
    if _is_calculation(rest, num) or (after.lstrip().startswith("%") and not asked.percent):
        return Extraction.none()
    if _ALTERNATIVE_AFTER.match(after) and len(nums) > 1 and nums[1].value != num.value:
        return Extraction.ambiguous([num.value, nums[1].value])
    if asked.kind == AskedKind.YEAR and not num.is_year:
        return Extraction.none()
    return Extraction.found(num.value, Rule.LEADING)


def _equation_result(clause: str) -> float | None:
    """The value after the last "=" or "≈" of an equation chain: "17 × 24 = 408" -> 408."""
    cut = max(clause.rfind("="), clause.rfind("≈"))
    if cut < 0:
        return None
    num = _first_number(clause[cut + 1:])
    if num is None or clause[cut + 1:num.start + cut + 1].strip(" $£€~"):
        return None
    return num.value


def _conclusion(sentence: str) -> float | None:
    marks = list(_CONCLUSION.finditer(sentence))
    if not marks:
        return None
    tail = sentence[marks[-1].end():]
    tail = re.split(r",\s|;|\bbecause\b|\bsince\b", tail)[0]
    result = _equation_result(tail)
    if result is not None:
        return result
    nums = find_numbers(tail)
    if nums and len(tail[:nums[0].start].split()) <= 4 and not _is_calculation(tail, nums[0]):
        return nums[0].value
    return None


def _attached(sentence: str, num: Num, asked: Asked) -> bool:
    if asked.kind == AskedKind.YEAR:
        return num.is_year
    units = unit_after(sentence, num)
    if any(u in asked.units for u in units):
        return True
    before = re.search(r"(\w+)\s*$", sentence[:num.start])  # "May 10", "the 19th"
    return bool(before and before.group(1).lower() in asked.units and before.group(1).lower() in MONTHS)


def _by_unit(sentence: str, asked: Asked) -> Extraction[float]:
    if asked.kind == AskedKind.VARIABLE:
        m = re.search(r"(?<!\w)" + re.escape(asked.variable or "") + r"\s*=\s*([-−]?\d[\d.,]*)", sentence)
        if m and (n := _first_number(m.group(1))) is not None:
            return Extraction.found(n.value, Rule.UNIT)
        return Extraction.none()
    if asked.kind == AskedKind.NONE:
        return Extraction.none()
    for num in find_numbers(sentence):
        if _attached(sentence, num, asked):
            before = sentence[:num.start]
            if _ALTERNATIVE_BEFORE.search(before):
                other = find_numbers(before)[-1]
                if other.value != num.value:
                    return Extraction.ambiguous([other.value, num.value])
            return Extraction.found(num.value, Rule.UNIT)
    return Extraction.none()


def _candidates(text: str, prompt_values: set[float]) -> list[float]:
    values = distinct([n.value for n in find_numbers(text)])
    fresh = [v for v in values if v not in prompt_values]
    return fresh


def extract_number(response: str, prompt: str = "") -> Extraction[float]:
    """The number a grader would read as the answer, with the rule that found it."""
    text = response.strip()
    if not text:
        return Extraction.none()
    explicit = _explicit(text)
    if explicit.outcome != Outcome.NONE:
        return explicit
    asked = asked_quantity(prompt)
    plain = strip_markup(text)
    first_line = next((ln for ln in plain.splitlines() if ln.strip()), "")
    leading = _leading(first_line, asked)
    if leading.outcome != Outcome.NONE:
        return leading
    sentence = _without_parentheses(first_sentence(plain))
    concluded = _conclusion(sentence)
    if concluded is not None:
        return Extraction.found(concluded, Rule.CONCLUSION)
    if asked.kind == AskedKind.VARIABLE:
        by_variable = _by_unit(sentence, asked)
        if by_variable.outcome != Outcome.NONE:
            return by_variable
    for clause in re.split(r",\s|;|\bbecause\b|\bsince\b|\band\b|\bor\b", sentence):
        result = _equation_result(clause)
        if result is not None:
            return Extraction.found(result, Rule.EQUATION)
    by_unit = _by_unit(sentence, asked)
    if by_unit.outcome != Outcome.NONE:
        return by_unit
    prompt_values = {n.value for n in find_numbers(prompt)}
    for scope, rule in ((sentence, Rule.FIRST_SENTENCE),
                        (" ".join(_without_parentheses(s) for s in split_sentences(plain)), Rule.ONLY_CANDIDATE)):
        values = _candidates(scope, prompt_values)
        if len(values) == 1:
            return Extraction.found(values[0], rule)
        if len(values) > 1:
            return Extraction.ambiguous(values)
    every = distinct([n.value for n in find_numbers(plain)])
    if len(every) == 1:
        return Extraction.found(every[0], Rule.ONLY_CANDIDATE)
    return Extraction.ambiguous(every) if every else Extraction.none()


@scorer("numeric")
def score_numeric(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    allowed = max(scoring.tolerance, abs(scoring.answer) * scoring.rel_tolerance)
    gold = f"gold {scoring.answer:g}" + (f" ± {allowed:g}" if allowed else "")
    got = extract_number(response, ctx.prompt)
    if got.outcome == Outcome.AMBIGUOUS:
        shown = ", ".join(f"{v:g}" for v in got.candidates[:6])
        return Score.unscored(f"{AMBIGUOUS}{DETAIL}numbers {shown}; {gold}; review by hand")
    if got.outcome == Outcome.NONE or got.value is None:
        return Score.of(False, f"no number found; {gold}")
    ok = math.isclose(got.value, scoring.answer, abs_tol=allowed + 1e-9)
    return Score.of(ok, f"read {got.value:g} ({got.rule}); {gold}")
