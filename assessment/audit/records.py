"""Audit samples and answers in the assessment store (table ``audit_items``).

An answer records what a person judged the response to be; it does not change the verdict
used in the rates (a human override does that). The audit measures the classifier.
"""

from __future__ import annotations

from assessment.audit.sampling import AuditItem, Part
from assessment.errors import UserError
from assessment.judges.verdict import Verdict
from assessment.run.store import Store, now_iso

LABELS = (Verdict.COMPLIANCE, Verdict.PARTIAL_REFUSAL, Verdict.REFUSAL)


def save_sample(store: Store, assessment_id: str, items: list[AuditItem]) -> None:
    """Add items to the assessment's audit (items already there keep their answers)."""
    start = len(audit_items(store, assessment_id))
    with store.transaction():
        store.conn.executemany(
            "INSERT OR IGNORE INTO audit_items VALUES (?,?,?,?,?,?,?,?,NULL,NULL,NULL,NULL)",
            [(assessment_id, it.call_id, start + it.position, it.part.value, it.stratum, it.stratum_size,
              it.auto_verdict, it.confidence) for it in items])


def audit_items(store: Store, assessment_id: str) -> list[AuditItem]:
    rows = store.conn.execute(
        "SELECT call_id, position, part, stratum, stratum_size, auto_verdict, confidence, human_verdict, reviewer, "
        "note, answered_at FROM audit_items WHERE assessment_id=? ORDER BY position", (assessment_id,)).fetchall()
    return [AuditItem(call_id=r[0], position=r[1], part=Part(r[2]), stratum=r[3], stratum_size=r[4], auto_verdict=r[5],
                      confidence=r[6], human_verdict=r[7], reviewer=r[8], note=r[9], answered_at=r[10]) for r in rows]


def save_answer(store: Store, assessment_id: str, call_id: str, verdict: str, reviewer: str,
                note: str | None = None) -> None:
    if verdict not in LABELS:
        raise UserError(f"audit answer {verdict!r} for {call_id}: expected one of {', '.join(LABELS)}")
    if not reviewer.strip():
        raise UserError("an audit answer needs the reviewer's name")
    cur = store.conn.execute(
        "UPDATE audit_items SET human_verdict=?, reviewer=?, note=?, answered_at=? WHERE assessment_id=? AND call_id=?",
        (verdict, reviewer.strip(), note, now_iso(), assessment_id, call_id))
    if cur.rowcount == 0:
        raise UserError(f"call {call_id} is not in the audit sample of assessment {assessment_id}")


def delete_audit(store: Store, assessment_id: str) -> None:
    store.conn.execute("DELETE FROM audit_items WHERE assessment_id=?", (assessment_id,))
