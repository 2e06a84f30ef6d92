"""Background work for the wizard: a run of an assessment, and starting the local model.

No streamlit here. A page starts a job, keeps it in a registry dict (the page keeps that dict
in ``st.cache_resource``) and polls it; the worker thread only updates the job object. Each
worker opens its OWN store (one SQLite connection per thread).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assessment.config import check_keys_present
from assessment.errors import UserError
from assessment.local.model import start_server
from assessment.pipeline import execute, open_assessment
from assessment.run.runner import Progress
from assessment.run.sequential import open_first_look, run_until_decided
from assessment.run.store import open_store


def _describe(exc: BaseException) -> str:
    if isinstance(exc, UserError):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc}"


@dataclass
class RunJob:
    id: str
    assessment_id: str
    resumed: bool
    store_path: str
    total_calls: int
    progress: Progress = field(default_factory=Progress)
    cancel: threading.Event = field(default_factory=threading.Event)
    error: str | None = None
    ended: bool = False
    thread: threading.Thread | None = None
    started: float = field(default_factory=time.time)
    ended_at: float | None = None
    until_decided: bool = False
    rounds: list[Any] = field(default_factory=list)  # assessment.analysis.evidence_model.Round, as each round ends
    stop_reason: str | None = None
    calls_saved: int | None = None

    @property
    def status(self) -> str:
        """running | finished | cancelled | failed"""
        if self.error is not None:
            return "failed"
        if not self.ended:
            return "cancelling" if self.cancel.is_set() else "running"
        return "cancelled" if self.progress.cancelled else "finished"

    @property
    def running(self) -> bool:
        return not self.ended

    def request_cancel(self) -> None:
        self.cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        if self.thread is not None:
            self.thread.join(timeout)
        return self.ended


def start_run(registry: dict[str, Any], store_path: str | Path, prepared, session_keys: dict[str, str] | None,
              resume: bool = False, until_decided: bool = False) -> RunJob:
    """Open (or with ``resume`` continue) the assessment, then run it in a daemon thread.

    Opening happens here, so a bad store or key is reported at once; the calls run in the
    worker with its own store connection. ``until_decided`` runs in rounds that add items only
    where a conclusion is still open (assessment.run.sequential)."""
    keys = dict(session_keys or {})  # the worker gets a copy, never the session object
    check_keys_present(prepared.config, keys)
    with open_store(store_path) as store:
        if until_decided:
            assessment_id, resumed = open_first_look(store, prepared, resume=resume)
        else:
            assessment_id, resumed = open_assessment(store, prepared, resume=resume)
    already = running_job_for(registry, assessment_id)
    if already is not None:  # e.g. resumed from a second browser tab: never run one assessment twice at once
        return already
    job = RunJob(id=uuid.uuid4().hex[:12], assessment_id=assessment_id, resumed=resumed, store_path=str(store_path),
                 total_calls=len(prepared.plan.calls), until_decided=until_decided)
    registry[job.id] = job

    def work() -> None:
        try:
            with open_store(job.store_path) as own:
                if job.until_decided:
                    done = run_until_decided(own, job.assessment_id, prepared, session_keys=keys, progress=job.progress,
                                             cancel=job.cancel, on_round=job.rounds.append)
                    job.stop_reason, job.calls_saved = done.record.stop_reason, done.record.calls_saved
                else:
                    execute(own, job.assessment_id, prepared, session_keys=keys, progress=job.progress,
                            cancel=job.cancel)
        except BaseException as exc:  # noqa: BLE001 - the page shows it; the thread must not die silently
            job.error = _describe(exc)
            try:
                with open_store(job.store_path) as own:
                    own.set_status(job.assessment_id, "interrupted")
            except Exception:
                pass
        finally:
            job.ended_at = time.time()
            job.ended = True

    job.thread = threading.Thread(target=work, name=f"assessment-run-{job.id}", daemon=True)
    job.thread.start()
    return job


def running_job_for(registry: dict[str, Any], assessment_id: str | None) -> RunJob | None:
    """The run of this assessment that is still going (started by any session of this process)."""
    for job in list(registry.values()):
        if isinstance(job, RunJob) and job.assessment_id == assessment_id and job.running:
            return job
    return None


@dataclass
class LocalModelJob:
    """Starting the embedded llama-server (can take ~10 s, more on a first start)."""

    api_base: str | None = None
    error: str | None = None
    ended: bool = False
    server: Any = None
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return not self.ended


LOCAL_KEY = "local-model"


def start_local_model(registry: dict[str, Any]) -> LocalModelJob:
    """Start (or reuse) the local model server in the background; one per process."""
    existing = registry.get(LOCAL_KEY)
    if isinstance(existing, LocalModelJob) and (existing.running or existing.api_base):
        return existing
    job = LocalModelJob()
    registry[LOCAL_KEY] = job

    def work() -> None:
        try:
            job.server = start_server()
            job.api_base = job.server.api_base
        except BaseException as exc:  # noqa: BLE001
            job.error = _describe(exc)
        finally:
            job.ended = True

    job.thread = threading.Thread(target=work, name="local-model-start", daemon=True)
    job.thread.start()
    return job


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
