"""The audit log: every human change of a verdict and every decision, appended and never changed.

An override entry says who changed which response (id and a prompt excerpt) from which verdict to
which, when (UTC) and why. A decision entry holds the decision, rationale, evaluator, approver and
date, and names the scorecard it approves by the SHA-256 of its canonical JSON.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from assessment.audit.decision import DECISION_FIELDS, RecordedDecision
from assessment.errors import UserError
from assessment.judges.verdict import Verdict

EXCERPT_CHARS = 160


class EntryKind(StrEnum):
    OVERRIDE = "override"
    DECISION = "decision"


class AuditEntry(BaseModel):
    seq: int
    kind: EntryKind
    at: str  # ISO 8601, UTC
    who: str
    call_id: str | None = None
    candidate: str | None = None
    item: str | None = None  # pack / item id
    prompt_excerpt: str | None = None
    old_verdict: str | None = None
    new_verdict: str | None = None
    reason: str | None = None
    decision: RecordedDecision | None = None


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def record_override(store: Any, assessment_id: str, response: Any, verdict: str | None, reason: str,
                    reviewer: str) -> None:
    """Change the verdict of one judged response (``results.JudgedResponse``) and log the change.

    ``verdict`` is the reviewer's choice as given (None when nothing was chosen); it is checked here."""
    allowed = {v.value for v in Verdict if v is not Verdict.ERROR}
    if verdict is None or verdict not in allowed:
        raise UserError(f"verdict {verdict!r}: use one of {', '.join(sorted(allowed))}")
    entry = {"call_id": response.call_id, "candidate": response.candidate,
             "item": f"{response.pack_id} / {response.item_id}", "prompt_excerpt": excerpt(response.prompt),
             "old_verdict": response.verdict, "new_verdict": verdict, "reason": reason.strip()}
    store.save_override(assessment_id, response.call_id, verdict, reason.strip(), reviewer.strip(), log_entry=entry)




def record_decision(store: Any, assessment_id: str, record: dict[str, Any], scorecard: Any) -> dict[str, Any]:
    """Store the decision with the hash of the scorecard it approves, and log it; returns the stored record."""
    missing = [k for k in ("decision", "rationale", "evaluator") if not str(record.get(k) or "").strip()]
    if missing:
        raise UserError(f"the decision needs {', '.join(missing)}")
    full = {k: str(record.get(k) or "").strip() for k in DECISION_FIELDS}
    full["scorecard_sha256"] = scorecard.sha256()
    store.save_decision(assessment_id, full, who=full["approver"] or full["evaluator"])
    return full


def entries(store: Any, assessment_id: str) -> list[AuditEntry]:
    return [AuditEntry.model_validate(e) for e in store.audit_log(assessment_id)]


def describe_entry(entry: dict[str, Any]) -> list[str]:
    """[when, who, what, why] in words, for the PDF and Excel."""
    e = AuditEntry.model_validate(entry)
    when = e.at.replace("T", " ").replace("+00:00", "")
    if e.kind is EntryKind.OVERRIDE:
        what = (f"Verdict of response {e.call_id} ({e.candidate}, {e.item}) changed from {e.old_verdict or 'none'} "
                f"to {e.new_verdict}. Prompt: “{e.prompt_excerpt or ''}”")
        return [when, e.who, what, e.reason or ""]
    d = e.decision or RecordedDecision()
    what = (f"Decision: {_given(d.decision, '')} (dated {_given(d.date, '')}; evaluator {d.evaluator or 'n/a'}, "
            f"approver {d.approver or 'none'}). Approves scorecard SHA-256 {_given(d.scorecard_sha256, 'n/a')}")
    return [when, e.who, what, _given(d.rationale, "")]


def _given(value: str | None, missing: str) -> str:
    """A field of a logged decision; ``missing`` when the record does not have it."""
    return missing if value is None else value
