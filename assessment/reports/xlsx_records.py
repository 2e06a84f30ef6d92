"""The Excel Audit log sheet: overrides and decisions, oldest first."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from assessment.analysis.scorecard import Scorecard
from assessment.audit.log import AuditEntry, EntryKind
from assessment.reports.xlsx_sheets import Col, set_widths, write_table


def _decision(e: AuditEntry, key: str) -> str | None:
    return e.decision.field(key) if e.kind is EntryKind.DECISION and e.decision is not None else None


AUDIT_COLS = [
    Col("seq", lambda e: e.seq, width=6),
    Col("when (UTC)", lambda e: e.at, width=22),
    Col("kind", lambda e: e.kind.value, width=10),
    Col("who", lambda e: e.who, width=18),
    Col("response id", lambda e: e.call_id, width=16),
    Col("candidate", lambda e: e.candidate, width=18),
    Col("item", lambda e: e.item, width=18),
    Col("prompt excerpt", lambda e: e.prompt_excerpt, width=40),
    Col("old verdict", lambda e: e.old_verdict, width=14),
    Col("new verdict", lambda e: e.new_verdict, width=14),
    Col("reason / rationale", lambda e: e.reason if e.kind is EntryKind.OVERRIDE else _decision(e, "rationale"),
        width=40),
    Col("decision", lambda e: _decision(e, "decision"), width=24),
    Col("evaluator", lambda e: _decision(e, "evaluator"), width=16),
    Col("approver", lambda e: _decision(e, "approver"), width=16),
    Col("decision date", lambda e: _decision(e, "date"), width=14),
    Col("approves scorecard SHA-256", lambda e: _decision(e, "scorecard_sha256"), width=66),
]


def write_audit_log(ws: Worksheet, card: Scorecard) -> None:
    entries = [AuditEntry.model_validate(e) for e in card.audit_log]
    write_table(ws, AUDIT_COLS, entries, widths=False)
    set_widths(ws, [c.width or 12 for c in AUDIT_COLS])
