"""The decision recorded for an assessment (``Scorecard.decision``), as a typed record."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

DECISION_FIELDS = ("decision", "rationale", "evaluator", "approver", "date")  # what a person fills in


class RecordedDecision(BaseModel):
    """What was decided and why, by whom and when, and the SHA-256 of the scorecard it approves.

    A record serialises to the keys it was given, no more, so a stored record keeps its shape in
    scorecard.json; keys this model does not know are kept too and shown as further details.
    """

    model_config = ConfigDict(extra="allow")

    decision: str | None = None
    rationale: str | None = None
    evaluator: str | None = None
    approver: str | None = None
    date: str | None = None
    scorecard_sha256: str | None = None  # the scorecard this decision approves (set when it is recorded)

    @model_serializer(mode="wrap")
    def _as_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        given = self.model_fields_set | set(self.model_extra or {})
        return {k: v for k, v in data.items() if k in given}

    def is_empty(self) -> bool:
        """Nothing was recorded (the record has no keys at all)."""
        return not self.model_fields_set and not self.model_extra

    def field(self, name: str) -> str | None:
        """One of ``DECISION_FIELDS``; None when it was not given."""
        value: str | None = getattr(self, name)
        return value

    def details(self) -> list[tuple[str, Any]]:
        """What the record holds beyond ``DECISION_FIELDS`` (the approved scorecard's hash, anything else), in order."""
        return [(k, v) for k, v in self.model_dump().items() if k not in DECISION_FIELDS]
