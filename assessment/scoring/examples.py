"""Self-tests of capability items: each item's ``answer_examples`` run through its own scorer.

A correct example must score 1 and a wrong one 0; anything else is a problem in the item (its
scoring is too strict or too lenient), reported as ``FILE:LINE:COL: item <id>.answer_examples...``.
Code items are not run here (code execution is off), rubric items need a judge: both are skipped.
"""

from __future__ import annotations

from pydantic import BaseModel

from assessment.packs.model import Item, LoadedPack
from assessment.scoring.registry import ScoringContext, score_response
from assessment.yamlfile import read_yaml_file

SKIPPED_METHODS = {"code", "rubric"}


class ExampleProblem(BaseModel):
    item_id: str
    index: int  # position of the item in the pack
    field: str  # "correct" or "wrong"
    position: int  # which example
    message: str


def item_example_problems(item: Item, index: int = 0) -> list[ExampleProblem]:
    if item.scoring is None or item.answer_examples is None or item.scoring.method in SKIPPED_METHODS:
        return []
    ctx = ScoringContext(prompt=item.request)
    out = []
    for field, want in (("correct", 1.0), ("wrong", 0.0)):
        for pos, text in enumerate(getattr(item.answer_examples, field)):
            got = score_response(item.scoring, text, ctx)
            if got.value != want:
                shown = "unscored" if got.value is None else f"{got.value:g}"
                out.append(ExampleProblem(item_id=item.id, index=index, field=field, position=pos,
                                          message=f"{field} example {pos + 1} scores {shown}, not {want:g} "
                                                  f"({got.explanation})"))
    return out


def pack_example_problems(loaded: LoadedPack) -> list[str]:
    """Every failing example of a pack as a located problem line."""
    problems = [p for i, item in enumerate(loaded.pack.items) for p in item_example_problems(item, i)]
    if not problems:
        return []
    try:
        doc = read_yaml_file(loaded.source)
        where = lambda p: doc.where(("items", p.index, "answer_examples", p.field, p.position))  # noqa: E731
    except Exception:  # the source is not a readable YAML file (an import, an upload): no line numbers
        where = lambda p: f"{loaded.source}:0:0"  # noqa: E731
    return [f"{where(p)}: item {p.item_id}.answer_examples.{p.field}: {p.message}" for p in problems]
