"""The scorer registry. A scorer never invents a number: what it cannot score is ``unscored``."""

from __future__ import annotations

from typing import Any, Callable, Literal

from pydantic import BaseModel


class Score(BaseModel):
    value: float | None  # in [0, 1]; None when unscored
    status: Literal["scored", "unscored"] = "scored"
    explanation: str

    @classmethod
    def unscored(cls, why: str) -> "Score":
        return cls(value=None, status="unscored", explanation=why)


class ScoringContext(BaseModel):
    """Settings a scorer may need beyond the item: code execution and the rubric judge."""

    allow_code_execution: bool = False
    rubric_judge: Any = None  # callable(prompt, rubric, response) -> Score, or None


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
    if scoring.method == "rubric":
        return fn(scoring, response, ctx, prompt)  # type: ignore[call-arg]
    return fn(scoring, response, ctx)


@scorer("rubric")
def score_rubric(scoring: Any, response: str, ctx: ScoringContext, prompt: str = "") -> Score:
    if ctx.rubric_judge is None:
        return Score.unscored("rubric item: no LLM judge configured")
    return ctx.rubric_judge(prompt, scoring.rubric, response)
