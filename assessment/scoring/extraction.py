"""What an answer extractor returns: the answer, the rule that found it, or why there is none."""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Rule(StrEnum):
    """How an answer was read, in the order the extractors try them."""

    EXPLICIT = "explicit statement"  # "Answer: B", "the answer is 42", "the correct option is C"
    BOXED = "boxed answer"
    BOLD = "bold answer"
    LONE_LINE = "answer on a line of its own"
    LEADING = "leading token of the first line"
    CONCLUSION = "conclusion of the first sentence"  # "..., so 72 bits", "which rounds to 42"
    EQUATION = "result of the equation in the first sentence"
    UNIT = "number attached to the asked quantity in the first sentence"
    FIRST_SENTENCE = "the only candidate in the first sentence"
    ONLY_CANDIDATE = "the only candidate in the answer"


class Outcome(StrEnum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"  # several different candidates and no explicit statement: unscored
    NONE = "none"  # nothing that reads as an answer: scored 0


class Extraction(BaseModel, Generic[T]):
    outcome: Outcome
    value: T | None = None
    rule: Rule | None = None
    candidates: list[T] = []

    @classmethod
    def found(cls, value: T, rule: Rule) -> Extraction[T]:
        return cls(outcome=Outcome.FOUND, value=value, rule=rule)

    @classmethod
    def ambiguous(cls, candidates: list[T]) -> Extraction[T]:
        return cls(outcome=Outcome.AMBIGUOUS, candidates=candidates)

    @classmethod
    def none(cls) -> Extraction[T]:
        return cls(outcome=Outcome.NONE)


def distinct(values: list[T]) -> list[T]:
    out: list[T] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out
