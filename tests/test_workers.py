"""Calls spread over worker processes (spawned, as in a real run) against the scripted server."""

from __future__ import annotations

import pickle
import threading
from collections import Counter

from assessment.config import CandidateConfig
from assessment.run.dispatch import run_calls
from assessment.run.plan import PlannedCall, build_messages, cache_key
from assessment.run.retry import RetryPolicy
from assessment.run.runner import CandidateProgress, Progress
from assessment.run.store import Store
from assessment.run.worker_messages import (
    FailureCause,
    MessageKind,
    ProgressReport,
    WorkerFailed,
    WorkerFinished,
)
from assessment.testing.server import Reply

FAST = RetryPolicy(base_delay_s=0.02, max_delay_s=0.1)


def calls_for(cands: list[CandidateConfig], prompts: list[str]) -> list[PlannedCall]:
    out = []
    for cand in cands:
        for i, p in enumerate(prompts):
            m = build_messages(cand, p)
            out.append(PlannedCall(candidate=cand.name, pack_id="p", item_id=f"i{i}", category="benign", messages=m,
                                   cache_key=cache_key(cand, m)))
    return out


def test_worker_messages_survive_pickling_with_their_kind():
    counts = {"a": CandidateProgress(total=3, done=2, cached=1, errors=0, retries=4)}
    messages = [ProgressReport(0, counts, 1.0, 2.0), WorkerFinished(1, counts, 1.0, 2.5, cancelled=True),
                WorkerFailed(2, FailureCause.STORAGE, "store x: cannot write (disk full)")]
    again = [pickle.loads(pickle.dumps(m)) for m in messages]
    assert again == messages
    assert [m.kind for m in again] == [MessageKind.PROGRESS, MessageKind.FINISHED, MessageKind.FAILED]
    assert again[2].describe() == "storage: store x: cannot write (disk full)"


def test_workers_send_each_call_once_and_add_up_the_counts(server, tmp_path, monkeypatch):
    server.script("always failing", Reply(status=500))
    cands = [CandidateConfig(name=n, model=f"openai/{n}", api_base=server.base_url, max_attempts=2) for n in ("a", "b")]
    prompts = [f"question {i}" for i in range(8)] + ["always failing"]
    calls = calls_for(cands, prompts)
    store = Store(tmp_path / "s.sqlite")
    aid = store.create_assessment("t", "{}", "h", [])
    store.save_plan(aid, calls)
    first = [c for c in calls if c.item_id in ("i0", "i1")]  # answered before: counted as cached, never resent
    run_calls(store, aid, first, {c.name: c for c in cands}, retry=FAST)
    monkeypatch.setenv("ASSESSMENT_WORKERS", "2")
    updates: list[int] = []
    progress = run_calls(store, aid, calls, {c.name: c for c in cands}, retry=FAST, progress=Progress(),
                         on_update=lambda p: updates.append(p.done))
    assert progress.finished and not progress.cancelled and progress.storage_error is None
    for name in ("a", "b"):
        p = progress.per_candidate[name]
        assert (p.total, p.done, p.cached, p.errors, p.retries) == (9, 9, 2, 1, 1)
    sent = Counter((r.model, r.prompt) for r in server.records if r.outcome == "ok")
    assert len(sent) == 16 and set(sent.values()) == {1}  # each candidate's 8 questions, each sent once
    assert server.count("always failing") == 4  # two candidates, two attempts each
    assert updates and updates[-1] == 18 and updates == sorted(updates)
    assert progress.first_sent_at is not None and progress.last_answer_at is not None
    rows = {(r.candidate, r.item_id): r for r in store.call_rows(aid)}
    assert rows[("a", "i8")].status == "error" and "HTTP 500" in rows[("a", "i8")].error


def test_a_cancelled_worker_run_stops_sending_and_says_so(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_WORKERS", "2")
    server.latency = 0.2
    cands = [CandidateConfig(name=n, model=f"openai/{n}", api_base=server.base_url, concurrency=1) for n in ("a", "b")]
    calls = calls_for(cands, [f"question {i}" for i in range(20)])
    store = Store(tmp_path / "s.sqlite")
    aid = store.create_assessment("t", "{}", "h", [])
    store.save_plan(aid, calls)
    cancel = threading.Event()

    def on_update(p: Progress) -> None:
        if p.done - p.cached >= 2:
            cancel.set()

    progress = run_calls(store, aid, calls, {c.name: c for c in cands}, retry=FAST, cancel=cancel,
                         on_update=on_update)
    assert progress.cancelled and not progress.finished
    assert progress.done < progress.total == 40
    answered = sum(1 for r in store.call_rows(aid) if r.status == "ok")
    assert answered == len(server.records) == progress.done  # every call sent was saved and counted
