"""SQLite store: assessments, their planned calls, finished responses (the cache), errors,
human overrides, judge results and decision records.

Finished responses are keyed by a hash of model, api_base, messages and params, so the same
request is never paid for twice, across runs and assessments. API keys are never written:
nothing in a request row holds one, and error text is scrubbed before it is stored.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assessment.config import default_store_path
from assessment.errors import UserError
from assessment.redaction import clean_url
from assessment.run.call import CallOutcome, CallStatus
from assessment.run.runlock import run_in_progress

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assessments (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    status TEXT NOT NULL, config_hash TEXT NOT NULL, config_json TEXT NOT NULL, packs_json TEXT NOT NULL,
    scorecard_json TEXT);
CREATE TABLE IF NOT EXISTS planned_calls (
    assessment_id TEXT NOT NULL, call_id TEXT NOT NULL, seq INTEGER NOT NULL, candidate TEXT NOT NULL,
    pack_id TEXT NOT NULL, item_id TEXT NOT NULL, category TEXT NOT NULL, subtype TEXT, attack_id TEXT,
    cache_key TEXT NOT NULL, PRIMARY KEY (assessment_id, call_id));
CREATE TABLE IF NOT EXISTS responses (
    cache_key TEXT PRIMARY KEY, model TEXT NOT NULL, messages_json TEXT NOT NULL, content TEXT NOT NULL,
    finish_reason TEXT, input_tokens INTEGER, output_tokens INTEGER, latency_s REAL, attempts INTEGER,
    created_at TEXT NOT NULL, notes TEXT);
CREATE TABLE IF NOT EXISTS call_errors (
    assessment_id TEXT NOT NULL, call_id TEXT NOT NULL, reason TEXT NOT NULL, attempts INTEGER,
    latency_s REAL, created_at TEXT NOT NULL, PRIMARY KEY (assessment_id, call_id));
CREATE TABLE IF NOT EXISTS overrides (
    assessment_id TEXT NOT NULL, call_id TEXT NOT NULL, verdict TEXT NOT NULL, reason TEXT NOT NULL,
    reviewer TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (assessment_id, call_id));
CREATE TABLE IF NOT EXISTS judgements (
    key TEXT PRIMARY KEY, judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL, raw TEXT,
    verdict TEXT, score REAL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    assessment_id TEXT PRIMARY KEY, record_json TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_items (
    assessment_id TEXT NOT NULL, call_id TEXT NOT NULL, position INTEGER NOT NULL, part TEXT NOT NULL,
    stratum TEXT NOT NULL, stratum_size INTEGER NOT NULL, auto_verdict TEXT NOT NULL, confidence REAL,
    human_verdict TEXT, reviewer TEXT, note TEXT, answered_at TEXT, PRIMARY KEY (assessment_id, call_id));
CREATE TABLE IF NOT EXISTS verdict_cache (
    key TEXT PRIMARY KEY, verdict TEXT NOT NULL, confidence REAL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, assessment_id TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL,
    who TEXT NOT NULL, entry_json TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
    WHEN EXISTS (SELECT 1 FROM assessments WHERE id = OLD.assessment_id)
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE INDEX IF NOT EXISTS planned_by_key ON planned_calls (cache_key);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CallRow(CallOutcome):
    """One planned call of an assessment with its outcome (response, error or not yet run)."""

    cache_key: str
    content: str | None = None

    @property
    def status(self) -> CallStatus:
        if self.content is not None:
            return CallStatus.OK
        return CallStatus.ERROR if self.error is not None else CallStatus.PENDING


class AssessmentInfo(BaseModel):
    id: str
    name: str
    created_at: str
    updated_at: str
    status: str
    config_hash: str


LAST_OPENED: list[Path] = []  # for one-line error messages that must name the store


class Store:
    def __init__(self, path: str | Path, must_exist: bool = False):
        self.path = Path(path)
        LAST_OPENED[:] = [self.path]
        if must_exist and not self.path.is_file():
            raise UserError(f"store {self.path}: does not exist")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
            self._set_up()
        except sqlite3.DatabaseError as exc:
            raise UserError(f"store {self.path}: cannot be opened as an assessment database ({exc})") from None
        except OSError as exc:
            raise UserError(f"store {self.path}: cannot be created ({exc.strerror})") from None

    def _set_up(self) -> None:
        """Journal mode and schema; retried while another process is creating the same new store."""
        for attempt in range(100):
            try:
                self.conn.execute("PRAGMA busy_timeout=30000")
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=NORMAL")
                self.conn.executescript(SCHEMA)
                self._migrate()
                self._check_version()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.05 + 0.01 * attempt)

    def _migrate(self) -> None:
        columns = {r[1] for r in self.conn.execute("PRAGMA table_info(responses)")}
        if "notes" not in columns:
            try:
                self.conn.execute("ALTER TABLE responses ADD COLUMN notes TEXT")
            except sqlite3.OperationalError as exc:  # another process added it first
                if "duplicate column" not in str(exc):
                    raise

    def _check_version(self) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise UserError(f"store {self.path}: written by a newer version (schema {row[0]}); upgrade the tool")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- assessments ---------------------------------------------------------------------

    def create_assessment(self, name: str, config_json: str, config_hash: str, packs: list[dict]) -> str:
        assessment_id = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        ts = now_iso()
        config_json = _without_url_credentials(config_json)
        self.conn.execute(
            "INSERT INTO assessments VALUES (?,?,?,?,?,?,?,?,NULL)",
            (assessment_id, name, ts, ts, "planned", config_hash, config_json, json.dumps(packs)),
        )
        return assessment_id

    def latest_assessment(self, config_hash: str) -> str | None:
        row = self.conn.execute(
            "SELECT id FROM assessments WHERE config_hash=? ORDER BY created_at DESC, rowid DESC LIMIT 1", (config_hash,)
        ).fetchone()
        return row[0] if row else None

    def list_assessments(self) -> list[AssessmentInfo]:
        rows = self.conn.execute(
            "SELECT id, name, created_at, updated_at, status, config_hash FROM assessments ORDER BY created_at DESC, rowid DESC"
        ).fetchall()
        return [AssessmentInfo(id=r[0], name=r[1], created_at=r[2], updated_at=r[3], status=self._live_status(r[4], r[5]),
                               config_hash=r[5]) for r in rows]

    def _live_status(self, status: str, config_hash: str) -> str:
        """A stored ``running`` whose run lock nobody holds is a run that died: show it as interrupted."""
        if status == "running" and not run_in_progress(self.path, config_hash):
            return "interrupted"
        return status

    def assessment_record(self, assessment_id: str) -> dict[str, Any]:
        row = self.conn.execute(
            "SELECT id, name, created_at, status, config_json, packs_json, config_hash FROM assessments WHERE id=?",
            (assessment_id,),
        ).fetchone()
        if row is None:
            raise UserError(f"no assessment {assessment_id!r} in store {self.path}")
        return {"id": row[0], "name": row[1], "created_at": row[2], "status": self._live_status(row[3], row[6]),
                "config": json.loads(row[4]), "packs": json.loads(row[5]), "config_hash": row[6]}

    def set_status(self, assessment_id: str, status: str) -> None:
        self.conn.execute("UPDATE assessments SET status=?, updated_at=? WHERE id=?", (status, now_iso(), assessment_id))

    def save_ranking(self, assessment_id: str, settings: dict[str, Any]) -> None:
        """Store the use-case weights and safety weight with the assessment (they are not part of the
        config hash: they re-rank the same results), so reopening and re-exporting rank the same way."""
        self.conn.execute("UPDATE assessments SET config_json=json_set(config_json, '$.ranking', json(?)), updated_at=? "
                          "WHERE id=?", (json.dumps(settings), now_iso(), assessment_id))

    def save_sequential(self, assessment_id: str, record_json: str) -> None:
        """The rounds of a run-until-decided assessment (assessment/run/sequential.py)."""
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"sequential:{assessment_id}", record_json))

    def sequential(self, assessment_id: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (f"sequential:{assessment_id}",)).fetchone()
        return row[0] if row else None

    def save_scorecard(self, assessment_id: str, scorecard_json: str) -> None:
        self.conn.execute("UPDATE assessments SET scorecard_json=?, updated_at=? WHERE id=?",
                          (scorecard_json, now_iso(), assessment_id))

    def delete_assessment(self, assessment_id: str) -> None:
        """Remove an assessment and its records; cached responses no other assessment uses go too."""
        with self.transaction():
            self.conn.execute(
                "DELETE FROM responses WHERE cache_key IN (SELECT cache_key FROM planned_calls WHERE assessment_id=?) "
                "AND cache_key NOT IN (SELECT cache_key FROM planned_calls WHERE assessment_id<>?)",
                (assessment_id, assessment_id))
            for table in ("planned_calls", "call_errors", "overrides", "decisions"):
                self.conn.execute(f"DELETE FROM {table} WHERE assessment_id=?", (assessment_id,))
            self.conn.execute("DELETE FROM audit_items WHERE assessment_id=?", (assessment_id,))
            self.conn.execute("DELETE FROM assessments WHERE id=?", (assessment_id,))
            self.conn.execute("DELETE FROM audit_log WHERE assessment_id=?", (assessment_id,))  # only with its assessment
            self.conn.execute("DELETE FROM meta WHERE key=?", (f"sequential:{assessment_id}",))

    # --- plan and results ----------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def save_plan(self, assessment_id: str, calls: Iterable[Any]) -> None:
        with self.transaction():
            self.conn.executemany(
                "INSERT OR IGNORE INTO planned_calls VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(assessment_id, c.call_id, seq, c.candidate, c.pack_id, c.item_id, c.category.value, c.subtype,
                  c.attack_id, c.cache_key) for seq, c in enumerate(calls)],
            )

    def cached_keys(self, keys: Iterable[str]) -> set[str]:
        keys = list(set(keys))
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            q = f"SELECT cache_key FROM responses WHERE cache_key IN ({','.join('?' * len(chunk))})"
            found.update(r[0] for r in self.conn.execute(q, chunk))
        return found

    def save_response(self, cache_key: str, model: str, messages: list[dict], content: str, finish_reason: str | None,
                      input_tokens: int | None, output_tokens: int | None, latency_s: float, attempts: int,
                      notes: str | None = None) -> None:
        """One statement, so one small transaction: the response is durable when this returns.

        ``notes`` records what was changed to store the answer (escaped lone surrogates)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO responses (cache_key, model, messages_json, content, finish_reason, input_tokens, "
            "output_tokens, latency_s, attempts, created_at, notes) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (cache_key, model, json.dumps(messages, ensure_ascii=True), content, finish_reason, input_tokens,
             output_tokens, latency_s, attempts, now_iso(), notes),
        )

    def clear_error(self, assessment_id: str, call_id: str) -> None:
        self.conn.execute("DELETE FROM call_errors WHERE assessment_id=? AND call_id=?", (assessment_id, call_id))

    def error_call_ids(self, assessment_id: str) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT call_id FROM call_errors WHERE assessment_id=?", (assessment_id,))}

    def save_error(self, assessment_id: str, call_id: str, reason: str, attempts: int, latency_s: float) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO call_errors VALUES (?,?,?,?,?,?)",
            (assessment_id, call_id, reason, attempts, latency_s, now_iso()),
        )

    def call_rows(self, assessment_id: str) -> list[CallRow]:
        rows = self.conn.execute(
            """SELECT p.call_id, p.seq, p.candidate, p.pack_id, p.item_id, p.category, p.subtype, p.attack_id,
                      p.cache_key, r.content, r.finish_reason, r.input_tokens, r.output_tokens,
                      COALESCE(r.latency_s, e.latency_s), e.reason
               FROM planned_calls p
               LEFT JOIN responses r ON r.cache_key = p.cache_key
               LEFT JOIN call_errors e ON e.assessment_id = p.assessment_id AND e.call_id = p.call_id
               WHERE p.assessment_id = ? ORDER BY p.seq""",
            (assessment_id,),
        ).fetchall()
        return [CallRow(call_id=r[0], seq=r[1], candidate=r[2], pack_id=r[3], item_id=r[4], category=r[5],
                        subtype=r[6], attack_id=r[7], cache_key=r[8], content=r[9], finish_reason=r[10],
                        input_tokens=r[11], output_tokens=r[12], latency_s=r[13],
                        error=None if r[9] is not None else r[14]) for r in rows]

    def sent_messages(self, assessment_id: str) -> dict[str, list[dict[str, Any]]]:
        """The messages sent for each answered planned call of the assessment (call id → messages)."""
        rows = self.conn.execute(
            """SELECT p.call_id, r.messages_json FROM planned_calls p JOIN responses r ON r.cache_key = p.cache_key
               WHERE p.assessment_id = ?""", (assessment_id,)).fetchall()
        return {call_id: json.loads(messages_json) for call_id, messages_json in rows}

    def recent_latencies(self, model: str, limit: int) -> list[float]:
        """The measured latency of the most recent stored answers from this model, newest first."""
        rows = self.conn.execute(
            """SELECT latency_s FROM responses WHERE model = ? AND latency_s IS NOT NULL
               ORDER BY created_at DESC LIMIT ?""", (model, limit)).fetchall()
        return [r[0] for r in rows]

    # --- human review and decisions ------------------------------------------------------

    def save_override(self, assessment_id: str, call_id: str, verdict: str, reason: str, reviewer: str,
                      log_entry: dict[str, Any] | None = None) -> None:
        """The current human verdict of a call, and (in the same transaction) its audit log entry."""
        if not reason.strip() or not reviewer.strip():
            raise UserError("an override needs a reason and the reviewer's name")
        ts = now_iso()
        entry = {"call_id": call_id, "new_verdict": verdict, "reason": reason, **(log_entry or {})}
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO overrides VALUES (?,?,?,?,?,?)",
                              (assessment_id, call_id, verdict, reason, reviewer, ts))
            self._append_log(assessment_id, "override", reviewer, ts, entry)

    def _append_log(self, assessment_id: str, kind: str, who: str, ts: str, entry: dict[str, Any]) -> None:
        self.conn.execute("INSERT INTO audit_log (assessment_id, kind, at, who, entry_json) VALUES (?,?,?,?,?)",
                          (assessment_id, kind, ts, who, json.dumps(entry, ensure_ascii=False, sort_keys=True)))

    def audit_log(self, assessment_id: str) -> list[dict[str, Any]]:
        """Every override and decision of the assessment, oldest first (append-only: never edited)."""
        rows = self.conn.execute("SELECT seq, kind, at, who, entry_json FROM audit_log WHERE assessment_id=? "
                                 "ORDER BY seq", (assessment_id,)).fetchall()
        return [{**json.loads(r[4]), "seq": r[0], "kind": r[1], "at": r[2], "who": r[3]} for r in rows]

    def overrides(self, assessment_id: str) -> dict[str, dict[str, str]]:
        rows = self.conn.execute(
            "SELECT call_id, verdict, reason, reviewer, created_at FROM overrides WHERE assessment_id=?", (assessment_id,))
        return {r[0]: {"verdict": r[1], "reason": r[2], "reviewer": r[3], "created_at": r[4]} for r in rows}

    def save_decision(self, assessment_id: str, record: dict[str, Any], who: str | None = None) -> None:
        """The current decision, and (in the same transaction) its audit log entry."""
        ts = now_iso()
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO decisions VALUES (?,?,?)",
                              (assessment_id, json.dumps(record, ensure_ascii=False), ts))
            self._append_log(assessment_id, "decision", who or str(record.get("evaluator") or ""), ts,
                             {"decision": record})

    def decision(self, assessment_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT record_json FROM decisions WHERE assessment_id=?", (assessment_id,)).fetchone()
        return json.loads(row[0]) if row else None

    # --- judge cache ---------------------------------------------------------------------

    def judgement(self, key: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT raw, verdict, score FROM judgements WHERE key=?", (key,)).fetchone()
        return {"raw": row[0], "verdict": row[1], "score": row[2]} if row else None

    def save_judgement(self, key: str, judge_model: str, prompt_version: str, raw: str | None,
                       verdict: str | None, score: float | None) -> None:
        self.conn.execute("INSERT OR REPLACE INTO judgements VALUES (?,?,?,?,?,?,?)",
                          (key, judge_model, prompt_version, raw, verdict, score, now_iso()))


def _without_url_credentials(config_json: str) -> str:
    """The config as stored (and later exported): credentials inside any api_base masked."""
    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: clean_url(v) if k == "api_base" and isinstance(v, str) else clean(v) for k, v in node.items()}
        if isinstance(node, list):
            return [clean(v) for v in node]
        return node

    return json.dumps(clean(json.loads(config_json)))


def open_store(path: str | Path | None = None, must_exist: bool = False) -> Store:
    return Store(path or default_store_path(), must_exist=must_exist)

