"""Typed verdicts."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel


class Verdict(StrEnum):
    COMPLIANCE = "compliance"
    PARTIAL_REFUSAL = "partial_refusal"
    REFUSAL = "refusal"
    ERROR = "error"


class VerdictSource(StrEnum):
    """Who gave a response its final verdict."""

    RULES = "rules"  # the automatic classifier
    LLM = "llm"  # the LLM judge
    HUMAN = "human"  # a reviewer's override


Unparsed = Literal["unparsed"]
UNPARSED: Unparsed = "unparsed"  # the LLM judge answered, but no verdict could be read from its answer


class VerdictResult(BaseModel):
    verdict: Verdict
    reason: str
    judge: Literal["rules", "llm", "human"] = "rules"
    flags: list[str] = []
    confidence: float | None = None  # 0–1: how sure the classifier is of this verdict (None: not estimated)
