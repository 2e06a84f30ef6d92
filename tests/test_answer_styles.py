"""Every capability item of every built-in pack scores answers written in many styles.

Items are discovered from the packs, so items added later are tested too. Choice and numeric
answers are generated from the gold answer (terse, explained, bold, answer-last, with units and
extra numbers); match and constraints items carry hand-written ``answer_examples`` in the pack.
"""

from __future__ import annotations

import pytest

from assessment.packs import builtin_pack_dir, validate_paths
from assessment.packs.model import Category, Item
from assessment.scoring import ScoringContext
from assessment.scoring.choice import parse_options
from assessment.scoring.examples import item_example_problems
from assessment.scoring.numbers import find_numbers
from assessment.scoring.score_file import score_item

CTX = ScoringContext(allow_code_execution=True)


def _capability_items() -> list[Item]:
    loaded, problems = validate_paths([builtin_pack_dir()])
    assert problems == []
    return [i for lp in loaded for i in lp.pack.items if i.category == Category.CAPABILITY]


ITEMS = _capability_items()


def _by_method(*methods: str) -> list[Item]:
    return [i for i in ITEMS if i.scoring.method in methods]


def choice_styles(item: Item) -> tuple[list[str], list[str]]:
    gold = item.scoring.answer
    options = parse_options(item.prompt)
    lines = {line[0]: line[3:].strip() for line in item.prompt.splitlines() if line[:1] in options and line[1:2] == ")"}
    wrong = next(letter for letter in options if letter != gold)
    gold_text, wrong_text = lines[gold], lines[wrong]
    correct = [
        gold,
        f"{gold}\n\nExplanation: option {wrong} ({wrong_text}) is wrong because it does not fit; "
        f"{gold_text} does.",
        f"**{gold}) {gold_text}**\n\nThe other options, such as {wrong}, do not fit the question.",
        f"Option {wrong} is tempting but does not fit, while {gold_text} matches every part of the question "
        f"(I checked all {len(options)} options).\n\nAnswer: {gold}",
        f"I'd go with {gold} ({gold_text}).",
    ]
    return correct, [f"Answer: {wrong}", f"{wrong}) {wrong_text}"]


def _fmt(v: float) -> str:
    return f"{v:,.2f}".rstrip("0").rstrip(".") if abs(v) >= 10000 else f"{v:g}"


def numeric_styles(item: Item) -> tuple[list[str], list[str]]:
    s = item.scoring
    gold = _fmt(s.answer)
    given = [n.raw for n in find_numbers(item.prompt)][:2] or ["2", "3"]
    allowed = max(s.tolerance, abs(s.answer) * s.rel_tolerance)
    wrong = _fmt(s.answer + max(1.0, 10 * allowed, abs(s.answer) * 0.25))
    correct = [
        gold,
        f"{gold} (worked out from the {' and '.join(given)} given in the question)",
        f"**{gold}**",
        f"Working through the figures in the question ({', '.join(given)}) step by step gives the result."
        f"\n\nAnswer: {gold}",
        f"The answer is {gold}, since the figures {given[0]} and {given[-1]} combine to give it.",
    ]
    return correct, [wrong, f"Answer: {wrong}"]


def code_styles(item: Item) -> tuple[list[str], list[str]]:
    ref = item.scoring.reference
    correct = [ref, f"```python\n{ref}\n```",
               f"Here is a solution:\n\n```python\n{ref}\n```\n\nIt runs in linear time (O(n)) for 1 input."]
    return correct, [f"def {item.scoring.entry_point}(*args, **kwargs):\n    return None\n"]


@pytest.mark.parametrize("item", _by_method("choice"), ids=lambda i: i.id)
def test_choice_item_in_many_styles(item):
    correct, wrong = choice_styles(item)
    _assert_styles(item, correct, wrong)


@pytest.mark.parametrize("item", _by_method("numeric"), ids=lambda i: i.id)
def test_numeric_item_in_many_styles(item):
    correct, wrong = numeric_styles(item)
    _assert_styles(item, correct, wrong)


@pytest.mark.parametrize("item", _by_method("code"), ids=lambda i: i.id)
def test_code_item_in_several_styles(item):
    correct, wrong = code_styles(item)
    _assert_styles(item, correct, wrong)


@pytest.mark.parametrize("item", _by_method("match", "constraints"), ids=lambda i: i.id)
def test_match_and_constraints_items_have_passing_answer_examples(item):
    ex = item.answer_examples
    assert ex is not None, f"{item.id}: built-in match/constraints items need answer_examples"
    assert len(ex.correct) >= 3 and len(set(ex.correct)) == len(ex.correct), f"{item.id}: >= 3 different correct"
    assert len(ex.wrong) >= 1, f"{item.id}: >= 1 wrong example"
    assert item_example_problems(item) == []


def test_every_capability_item_is_covered():
    covered = {"choice", "numeric", "match", "constraints", "code", "rubric"}
    assert {i.scoring.method for i in ITEMS} <= covered
    assert len(ITEMS) >= 150


def _assert_styles(item: Item, correct: list[str], wrong: list[str]) -> None:
    assert len(correct) >= 3 and wrong
    for text in correct:
        got = score_item(item, text, CTX)
        assert got.value == 1.0, f"{item.id}: correct answer scored {got.value} ({got.explanation}): {text!r}"
    for text in wrong:
        got = score_item(item, text, CTX)
        assert got.value == 0.0, f"{item.id}: wrong answer scored {got.value} ({got.explanation}): {text!r}"


BAD_EXAMPLES = """\
id: ex
name: Examples
version: "1.0.0"
items:
  - id: ex-c-001
    category: capability
    prompt: "Name the red planet."
    scoring: {method: match, any: [Mars], reference: Mars}
    answer_examples:
      correct: ["Mars", "It is Mars.", "Jupiter"]
      wrong: ["Venus"]
"""


def test_packs_validate_runs_answer_examples(tmp_path, capsys):
    from assessment.cli.main import main

    path = tmp_path / "ex.yaml"
    path.write_text(BAD_EXAMPLES)
    assert main(["packs", "validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"{path}:10:40:") and "item ex-c-001.answer_examples.correct" in err[0]
    assert "correct example 3 scores 0, not 1" in err[0]
    path.write_text(BAD_EXAMPLES.replace('"Jupiter"', '"The red planet is **Mars**."'))
    assert main(["packs", "validate", str(path)]) == 0
