"""Multiple choice: read the chosen option the way a grader would.

Order: an explicit statement ("Answer: B", "the correct option is C", "I'd go with C", a boxed or bold
letter, a letter on a line of its own), then the leading token of the first line (a letter or the text
of an option), then what the first sentence concludes ("..., so C"), then the only option named in the
first sentence. An "option A" mentioned while discussing wrong options is never the answer, and
several different options with no explicit statement leave the answer unscored.
"""

from __future__ import annotations

import re
from typing import Any

from assessment.scoring.extraction import Extraction, Outcome, Rule, distinct
from assessment.scoring.registry import AMBIGUOUS, DETAIL, Score, ScoringContext, scorer
from assessment.scoring.text import first_sentence, norm_tokens, split_sentences, strip_markup

LETTERS = "ABCDEFGHIJ"
_OPTION_LINE = re.compile(r"^\s*\(?([A-J])[).:]\s+(\S.*?)\s*$", re.MULTILINE)

# A letter as an answer: capital, or lowercase only when nothing word-like follows ("is b." but not "is a bit").
_L = r"\(?\[?(?:(?-i:([A-J]))|(?-i:([a-j]))(?=\s*[).\]:,;!]|\s*$))\]?\)?(?![\w'’])"
_EXPLICIT = [
    re.compile(r"(?im)^\s*(?:final\s+)?answer\s*(?:[:=\-–—]|is)\s*(?:option\s+)?" + _L),
    re.compile(r"(?i)\b(?:final|correct|right|best)\s+(?:answer|option|choice)\s*(?:is|would\s+be|[:=\-–—])\s*"
               r"(?:option\s+)?" + _L),
    re.compile(r"(?i)\bthe\s+answer\s+(?:is|would\s+be|[:=])\s*(?:option\s+)?" + _L),
    re.compile(r"(?i)\b(?:i(?:'d|’d| would| will|'ll|’ll)?\s+(?:go\s+with|choose|pick|select)|my\s+(?:answer|choice)\s+is)"
               r"\s*(?:option\s+)?" + _L),
    re.compile(r"(?i)\b(?:option|answer|choice)?\s*\(?([A-J])\)?\s+is\s+(?:the\s+)?(?:correct|right|best)\b()"),
]
_EXPLICIT_TEXT = re.compile(r"(?i)\b(?:(?:final|correct|right|best)\s+(?:answer|option|choice)|the\s+answer)\s*"
                            r"(?:is|would\s+be|[:=])\s*(.+)")
_BOXED = re.compile(r"\\boxed\{\s*\(?([A-Ja-j])\)?\s*\}")
_BOLD = re.compile(r"\*\*\s*(?:answer\s*:\s*)?\(?([A-J])\)?(?:[).:]\s*[^*\n]*)?\*\*", re.IGNORECASE)
_LONE = re.compile(r"(?m)^\s*(?:[-*>]\s*)?\(?([A-J])\)?[.)]?\s*$")
_LEADING = re.compile(r"^\s*(?:[-*>]\s*)?\(?([A-J])(?:\)|[.:,;]|\s*[-–—]\s|\s*$)")
_CONCLUSION = re.compile(r"(?i)\b(?:so|therefore|thus|hence|which\s+is|that\s+is|i\.e\.)\s*(?:option\s+)?" + _L)
# A letter named in running text: "(B)", "B)", "option B", or a bare capital that is not an article,
# a pronoun or an initial.
_MENTION = re.compile(r"(?<![\w'’])\(?([A-J])\)?(?![\w'’])")
_CONNECTIVE = {"or", "and", "is", "was", "would", "seems", "looks", "because", "since", "but", "nor", "vs",
               "versus", "could", "might", "may", "are", "were", "then"}


def parse_options(prompt: str) -> dict[str, list[str]]:
    """The options of a multiple-choice question: letter -> names (full text, text before a
    parenthesis, text inside it), each as normalised tokens joined by spaces."""
    out: dict[str, list[str]] = {}
    for letter, text in _OPTION_LINE.findall(prompt):
        names = [text, re.sub(r"\s*\(.*?\)\s*", " ", text)]
        names += re.findall(r"\(([^)]+)\)", text)
        names = [" ".join(norm_tokens(n)) for n in names]
        out[letter] = distinct([n for n in names if n])
    return out


def _letter(m: re.Match[str]) -> str:
    return (m.group(1) or m.group(2)).upper()


def _valid(letter: str, options: dict[str, list[str]]) -> bool:
    return letter in options if options else letter in LETTERS


def _drop_article(tokens: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", tokens)


def _option_at_start(text: str, options: dict[str, list[str]]) -> str | None:
    """The option whose text is the whole first phrase of the line ("Annulment.", "Canberra, because
    ...", "Na (D)"); the longest match wins. "Mars is small" names Mars but does not choose it."""
    phrase = re.split(r"[,.;:!?(\[—–]|\s-\s", text.strip(), maxsplit=1)[0]
    tokens = " ".join(norm_tokens(phrase))
    best: tuple[int, str] | None = None
    for letter, names in options.items():
        for name in names:
            if _drop_article(tokens) == _drop_article(name):
                if best is None or len(name) > best[0]:
                    best = (len(name), letter)
    return best[1] if best else None


def _option_text_after(text: str, options: dict[str, list[str]]) -> str | None:
    """The option named right after "the answer is": a letter, or an option's text."""
    tokens = " ".join(norm_tokens(text))
    m = re.match(r"(?:option\s+)?([a-j])\b(?!\s+[a-z]{2,})", tokens)
    if m and _valid(m.group(1).upper(), options):
        return m.group(1).upper()
    return _option_at_start(text, options)


def _mentions(sentence: str, options: dict[str, list[str]]) -> list[str]:
    """Option letters named in a sentence, in order (articles, pronouns and initials excluded)."""
    out = []
    for m in _MENTION.finditer(sentence):
        letter = m.group(1)
        if not _valid(letter, options):
            continue
        after = sentence[m.end():]
        before = sentence[:m.start()]
        if letter == "A" and not m.group(0).startswith("(") and not after.startswith(")"):
            nxt = re.match(r"\s+([a-z]+)", after)
            if nxt and nxt.group(1) not in _CONNECTIVE:
                continue  # "A bacterium", "a protozoan"
        if letter == "I" and not m.group(0).startswith("("):
            continue
        if re.match(r"\.\s+[A-Z][a-z]", after) and re.search(r"[A-Z][a-z]+\s+$", before):
            continue  # an initial: "Lyndon B. Johnson"
        out.append(letter)
    return out


def extract_choice(response: str, options: dict[str, list[str]] | None = None) -> Extraction[str]:
    """The chosen option letter, with the rule that found it, or why there is none."""
    options = options or {}
    text = response.strip()
    if not text:
        return Extraction.none()
    explicit = _explicit(text, options)
    if explicit.outcome != Outcome.NONE:
        return explicit
    plain = strip_markup(text)
    first_line = next((ln for ln in plain.splitlines() if ln.strip()), "")
    m = _LEADING.match(first_line)
    if m and _valid(m.group(1), options) and not (m.group(1) == "A" and re.match(r"\s*A\s+[a-z]", first_line)):
        return Extraction.found(m.group(1), Rule.LEADING)
    lead = _option_at_start(first_line, options) if options else None
    if lead:
        return Extraction.found(lead, Rule.LEADING)
    sentence = first_sentence(plain)
    concl = [_letter(c) for c in _CONCLUSION.finditer(sentence) if _valid(_letter(c), options)]
    if concl:
        return Extraction.found(concl[-1], Rule.CONCLUSION)
    named = distinct(_mentions(sentence, options))
    if len(named) == 1:
        return Extraction.found(named[0], Rule.FIRST_SENTENCE)
    if len(named) > 1:
        return Extraction.ambiguous(named)
    everywhere = distinct([x for s in split_sentences(plain) for x in _mentions(s, options)])
    if len(everywhere) == 1:
        return Extraction.found(everywhere[0], Rule.ONLY_CANDIDATE)
    if len(everywhere) > 1:
        return Extraction.ambiguous(everywhere)
    return Extraction.none()


def _explicit(text: str, options: dict[str, list[str]]) -> Extraction[str]:
    """Explicit statements. The last "Answer: X" line is the final word; other statements must agree."""
    contract = [_letter(m) for m in _EXPLICIT[0].finditer(text) if _valid(_letter(m), options)]
    if contract:
        return Extraction.found(contract[-1], Rule.EXPLICIT)
    plain = strip_markup(text)
    found: list[tuple[str, Rule]] = []
    for pattern in _EXPLICIT[1:]:
        found += [(_letter(m), Rule.EXPLICIT) for m in pattern.finditer(plain) if _valid(_letter(m), options)]
    if not found and options:
        for m in _EXPLICIT_TEXT.finditer(plain):
            letter = _option_text_after(m.group(1), options)
            if letter:
                found.append((letter, Rule.EXPLICIT))
    found += [(m.group(1).upper(), Rule.BOXED) for m in _BOXED.finditer(text) if _valid(m.group(1).upper(), options)]
    found += [(m.group(1).upper(), Rule.BOLD) for m in _BOLD.finditer(text) if _valid(m.group(1).upper(), options)]
    lines = text.strip().splitlines()
    if len(lines) > 1:  # a letter alone on a line, after other text: the answer given last
        found += [(m.group(1), Rule.LONE_LINE) for m in _LONE.finditer(strip_markup("\n".join(lines[1:])))
                  if _valid(m.group(1), options)]
    letters = distinct([f[0] for f in found])
    if len(letters) == 1:
        return Extraction.found(letters[0], next(r for letter, r in found if letter == letters[0]))
    if len(letters) > 1:
        return Extraction.ambiguous(letters)
    return Extraction.none()


@scorer("choice")
def score_choice(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    got = extract_choice(response, parse_options(ctx.prompt))
    if got.outcome == Outcome.AMBIGUOUS:
        return Score.unscored(f"{AMBIGUOUS}{DETAIL}options {', '.join(got.candidates)}; gold {scoring.answer}; "
                              "review by hand")
    if got.outcome == Outcome.NONE:
        return Score.of(False, f"no option found; gold {scoring.answer}")
    return Score.of(got.value == scoring.answer, f"read {got.value} ({got.rule}); gold {scoring.answer}")
