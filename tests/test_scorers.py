"""Each capability scorer on positive and negative cases."""

from __future__ import annotations

import pytest

from assessment.packs.model import (
    ChoiceScoring,
    CodeScoring,
    ConstraintsScoring,
    MatchScoring,
    NumericScoring,
    RubricScoring,
)
from assessment.scoring import score_response
from assessment.scoring.choice import extract_choice, parse_options
from assessment.scoring.extraction import Outcome, Rule
from assessment.scoring.numeric import extract_number
from assessment.scoring.registry import Score, ScoreStatus, ScoringContext

QUESTION = "Which planet is largest?\nA) Mars\nB) Jupiter\nC) Venus\nD) Earth"


@pytest.mark.parametrize("text, letter", [("B", "B"), ("(B)", "B"), ("Answer: B", "B"), ("the answer is b", "B"),
                                          ("**C**", "C"), ("I think the correct answer is (D) because", "D"),
                                          ("B) Mars", "B"), ("Final answer: a.", "A"), ("", None),
                                          ("No idea.", None), ("The answer is a bit unclear.", None)])
def test_choice_extraction(text, letter):
    assert extract_choice(text).value == letter


@pytest.mark.parametrize("text, letter, rule", [
    ("B\n\nExplanation: option A is wrong because Mars is small.", "B", Rule.LEADING),
    ("I'd go with B (Jupiter).", "B", Rule.EXPLICIT),
    ("Jupiter, by far. Mars (A) is smaller than Earth (D).", "B", Rule.LEADING),
    ("Mars is small and Venus is smaller than Earth, so B.", "B", Rule.CONCLUSION),
    ("$\\boxed{B}$", "B", Rule.BOXED),
    ("Mars and Venus are rocky.\n\nAnswer: B", "B", Rule.EXPLICIT),
])
def test_choice_reads_like_a_grader(text, letter, rule):
    got = extract_choice(text, parse_options(QUESTION))
    assert (got.value, got.rule) == (letter, rule)


def test_choice_with_two_candidates_is_unscored_not_zero():
    s = ChoiceScoring(method="choice", answer="B")
    result = score_response(s, "It is either A or B.", prompt=QUESTION)
    assert result.value is None and result.status == ScoreStatus.UNSCORED and "A, B" in result.explanation
    with pytest.raises(ValueError):
        Score(value=None, status=ScoreStatus.SCORED, explanation="a scored result without a value")


def test_choice_scores():
    s = ChoiceScoring(method="choice", answer="B")
    assert score_response(s, "The answer is B.").value == 1.0
    assert score_response(s, "Answer: C").value == 0.0
    assert score_response(s, "I can't help with that.").value == 0.0


@pytest.mark.parametrize("text, number", [("It is 1,234.5 kg", 1234.5), ("−3 degrees", -3.0), ("1 000 000", 1000000.0),
                                          ("no number", None), ("Twelve.", 12.0), ("Answer: 7", 7.0),
                                          ("225 mg (18 kg × 25 mg/kg/day = 450 mg/day, divided by 2)", 225.0),
                                          ("17 × 24 = 408", 408.0), ("x = 9, because 3 × 9 − 7 = 20", 9.0),
                                          ("The 13th Amendment (ratified 1865)", 13.0)])
def test_number_extraction(text, number):
    assert extract_number(text, "How many?").value == number


def test_number_attached_to_the_asked_unit():
    prompt = "A drug has a half-life of 6 hours and 100 mg/L now. What will it be in mg/L after 18 hours?"
    got = extract_number("After 18 hours (three half-lives) it is 12.5 mg/L.", prompt)
    assert (got.value, got.rule) == (12.5, Rule.UNIT)
    year = extract_number("It was adopted on 10 December 1948 in Paris.", "In what year was it adopted?")
    assert year.value == 1948


def test_a_range_or_two_numbers_is_unscored():
    assert extract_number("Somewhere between 40 and 45 drops per minute.", "What is the rate in drops per minute?"
                          ).outcome == Outcome.AMBIGUOUS
    s = NumericScoring(method="numeric", answer=408)
    result = score_response(s, "It's either 408 or 418, I'm not sure.", prompt="What is 17 multiplied by 24?")
    assert result.status == ScoreStatus.UNSCORED and result.value is None


def test_numeric_tolerances():
    s = NumericScoring(method="numeric", answer=100, tolerance=0.5)
    assert score_response(s, "100.4").value == 1.0 and score_response(s, "100.6").value == 0.0
    r = NumericScoring(method="numeric", answer=200, rel_tolerance=0.01)
    assert score_response(r, "about 201.9 mg").value == 1.0 and score_response(r, "203").value == 0.0


def test_match():
    s = MatchScoring(method="match", all=["habeas", "corpus"], reference="habeas corpus")
    assert score_response(s, "It is Habeas Corpus.").value == 1.0
    assert score_response(s, "corpus only").value == 0.0
    a = MatchScoring(method="match", any=["SQL injection", "SQLi"], reference="SQLi")
    assert score_response(a, "classic sqli").value == 1.0 and score_response(a, "XSS").value == 0.0


@pytest.mark.parametrize("keyword, text, ok", [
    ("teabag", "Put a tea bag in the mug", True), ("tailgating", "Tail-gating.", True),
    ("least privilege", "least privileges", True), ("National People's Congress", "The NPC.", True),
    ("attacker", "attackers probe it", True), ("whaling", "Spear phishing, not whaling.", False),
    ("whaling", "whale", False),
])
def test_keyword_normalisation(keyword, text, ok):
    s = MatchScoring(method="match", any=[keyword], reference=keyword)
    assert score_response(s, text).value == (1.0 if ok else 0.0)


def test_keyword_synonyms_per_item():
    s = MatchScoring(method="match", all=["whaling"], synonyms={"whaling": ["whale phishing"]}, reference="whaling")
    assert score_response(s, "Whale-phishing").value == 1.0


def test_sentences_know_abbreviations():
    s = ConstraintsScoring(method="constraints", reference="x", checks=[{"type": "sentence_count", "min": 2, "max": 2}])
    text = "Courts look at substance, e.g. in Street v. Mountford, as Dr. Smith in the U.S. notes. That is all."
    assert score_response(s, text).value == 1.0


def test_json_value_and_exact_key_checks():
    s = ConstraintsScoring(method="constraints", reference="x", checks=[
        {"type": "json_fields", "keys": ["km", "miles"], "exact": True},
        {"type": "json_number", "key": "miles", "value": 6.21, "tolerance": 0.005}])
    assert score_response(s, '```json\n{"km": 10, "miles": 6.21}\n```').value == 1.0
    assert score_response(s, '{"km": 10, "miles": 5}').value == 0.0
    assert score_response(s, '{"km": 10, "miles": 6.21, "m": 1}').value == 0.0
    nofence = ConstraintsScoring(method="constraints", reference="x", checks=[
        {"type": "json_fields", "keys": ["a"], "fences_allowed": False}])
    assert score_response(nofence, '```json\n{"a": 1}\n```').value == 0.0


def test_line_starts_alternating_and_markup():
    s = ConstraintsScoring(method="constraints", reference="x", checks=[
        {"type": "line_starts", "prefixes": ["Ana:", "Ben:"], "cycle": True}])
    assert score_response(s, "**Ana:** hi\n**Ben:** hello\nAna: bye").value == 1.0
    assert score_response(s, "Ana: hi\nAna: hello").value == 0.0
    p = MatchScoring(method="match", pattern=r"^\d{3}-\d{4}$", reference="555-1234")
    assert score_response(p, "555-1234").value == 1.0 and score_response(p, "5551234").value == 0.0


def test_constraints_all_checks():
    s = ConstraintsScoring(method="constraints", reference="x", checks=[
        {"type": "word_count", "min": 5, "max": 12}, {"type": "sentence_count", "min": 2, "max": 2},
        {"type": "include", "words": ["storm"]}, {"type": "exclude", "words": ["very"]},
        {"type": "starts_with", "text": "The"}, {"type": "ends_with", "text": "sea."},
        {"type": "keyword_frequency", "word": "storm", "min": 2}])
    good = "The storm came. A storm swallowed the sea."
    assert score_response(s, good).value == 1.0
    bad = score_response(s, "The very storm came and swallowed the sea.")
    assert bad.value == 0.0 and "checks met" in bad.explanation


@pytest.mark.parametrize("fmt, good, bad", [
    ("bullet_list", "- a\n- b", "a\n- b"), ("numbered_list", "1. a\n2. b", "1. a\nb"), ("lowercase", "all low", "Not"),
    ("uppercase", "ALL UP", "Not"), ("no_commas", "a b c", "a, b"), ("json", '{"a": 1}', "{a: 1}"),
])
def test_constraint_formats(fmt, good, bad):
    s = ConstraintsScoring(method="constraints", reference=good, checks=[{"type": "format", "format": fmt}])
    assert score_response(s, good).value == 1.0 and score_response(s, bad).value == 0.0


def test_line_and_paragraph_counts():
    s = ConstraintsScoring(method="constraints", reference="x", checks=[
        {"type": "line_count", "min": 3, "max": 3}, {"type": "paragraph_count", "min": 2, "max": 2}])
    assert score_response(s, "one\ntwo\n\nthree").value == 1.0
    assert score_response(s, "one\ntwo\nthree").value == 0.0


def test_rubric_without_judge_is_unscored_never_invented():
    s = RubricScoring(method="rubric", rubric="Explains X")
    result = score_response(s, "anything")
    assert result.value is None and result.status == "unscored" and "no LLM judge" in result.explanation
    judged = score_response(s, "anything", ScoringContext(rubric_judge=lambda p, r, a: Score(value=0.7, explanation="j")))
    assert judged.value == 0.7


CODE = CodeScoring(method="code", entry_point="add", tests="assert add(2, 3) == 5\nassert add(-1, 1) == 0",
                   reference="def add(a, b):\n    return a + b\n", timeout_s=5)


def test_code_is_off_unless_enabled():
    result = score_response(CODE, CODE.reference)
    assert result.value is None and "off" in result.explanation


def test_code_runs_isolated_with_limits():
    ctx = ScoringContext(allow_code_execution=True)
    assert score_response(CODE, "```python\n" + CODE.reference + "```", ctx).value == 1.0
    assert score_response(CODE, "def add(a, b):\n    return a - b\n", ctx).value == 0.0
    loop = score_response(CODE.model_copy(update={"timeout_s": 1}), "def add(a, b):\n    while True: pass\n", ctx)
    assert loop.value == 0.0
    net = score_response(CODE, "import socket\nsocket.create_connection(('127.0.0.1', 9))\ndef add(a, b):\n    return a + b\n", ctx)
    assert net.value == 0.0 and "is not allowed in the code sandbox" in net.explanation
    cwd = score_response(CODE, "import os\nassert os.listdir('.') == []\ndef add(a, b):\n    return a + b\n", ctx)
    assert cwd.value == 1.0
