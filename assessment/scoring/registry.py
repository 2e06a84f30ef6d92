"""The scorer registry. A scorer never invents a number: what it cannot score is ``unscored``."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, model_validator


class ScoreStatus(StrEnum):
    SCORED = "scored"
    UNSCORED = "unscored"  # no score: several different answers, no judge, code execution off, ...


class Score(BaseModel):
    """A capability score: a value in [0, 1] when scored, None when unscored, with the reason."""

    value: float | None  # in [0, 1]; None when unscored
    status: ScoreStatus = ScoreStatus.SCORED
    explanation: str

    @model_validator(mode="after")
    def _value_matches_status(self) -> Score:
        if (self.value is None) != (self.status == ScoreStatus.UNSCORED):
            raise ValueError("a scored result needs a value and an unscored one must not have one")
        return self

    @classmethod
    def unscored(cls, why: str) -> Score:
        return cls(value=None, status=ScoreStatus.UNSCORED, explanation=why)

    @classmethod
    def of(cls, ok: bool, explanation: str) -> Score:
        return cls(value=1.0 if ok else 0.0, explanation=explanation)


class ScoringContext(BaseModel):
    """Settings a scorer may need beyond the item: the question asked, code execution and the rubric judge."""

    allow_code_execution: bool = False
    rubric_judge: Any = None  # callable(prompt, rubric, response) -> Score, or None
    prompt: str = ""  # the item's question (choice options and the asked unit are read from it)


AMBIGUOUS = "several different answers and none stated as final"
DETAIL = " — "  # an unscored explanation is "<reason> — <details>"; reports group by the reason


def unscored_reason(explanation: str | None) -> str:
    """The part of an unscored explanation that is the same for every answer unscored for that reason."""
    return (explanation or "no reason recorded").split(DETAIL)[0]


SCORER_VERSION = "scorers-1.0"  # raise when any scorer changes how it scores

ScorerFn = Callable[[Any, str, ScoringContext], Score]
SCORERS: dict[str, ScorerFn] = {}


def scorer(method: str) -> Callable[[ScorerFn], ScorerFn]:
    def register(fn: ScorerFn) -> ScorerFn:
        SCORERS[method] = fn
        return fn

    return register


def score_response(scoring: Any, response: str, context: ScoringContext | None = None, prompt: str = "") -> Score:
    fn = SCORERS.get(scoring.method)
    if fn is None:
        return Score.unscored(f"no scorer registered for method {scoring.method!r}")
    ctx = context or ScoringContext()
    if prompt and prompt != ctx.prompt:
        ctx = ctx.model_copy(update={"prompt": prompt})
    return fn(scoring, response, ctx)


@scorer("rubric")
def score_rubric(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    if ctx.rubric_judge is None:
        return Score.unscored("rubric item: no LLM judge configured")
    return ctx.rubric_judge(ctx.prompt, scoring.rubric, response)
