"""What every planned call has: its identity, its outcome status and the measured outcome fields.

The stored row (``CallRow``) and the judged response (``JudgedResponse``) both describe one planned
call, so they share these fields instead of declaring them twice.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from assessment.packs.model import Category


class CallStatus(StrEnum):
    """Where a planned call stands. StrEnum: members are their value in str(), f-strings and JSON."""

    OK = "ok"  # a response was received
    ERROR = "error"  # the call failed for good (the reason is stored)
    PENDING = "pending"  # not run yet


class PlannedCall(BaseModel):
    """The identity of one planned call: who was asked which item of which pack, with which attack."""

    call_id: str
    seq: int
    candidate: str
    pack_id: str
    item_id: str
    category: Category
    subtype: str | None
    attack_id: str | None


class CallOutcome(PlannedCall):
    """A planned call with what was measured when it ran (all None while it has not run)."""

    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_s: float | None = None
    error: str | None = None  # why the call failed, scrubbed of secrets
