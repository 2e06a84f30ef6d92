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
from assessment.run.workers import shard
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


def test_shards_keep_candidates_whole_or_split_their_concurrency():
    a, b = (CandidateConfig(name=n, model=f"openai/{n}", api_base="http://127.0.0.1:9/v1", concurrency=8) for n in "ab")
    calls = calls_for([a, b], ["x", "y", "z"])
    whole = shard(calls, {"a": a, "b": b}, 2)
    assert sorted(tuple(s.candidates) for s in whole) == [("a",), ("b",)]
    assert all(s.candidates[n].concurrency == 8 and {c.candidate for c in s.calls} == {n}
               for s in whole for n in s.candidates)
    repeated = calls_for([a], ["x", "y", "z", "x", "y"])  # identical requests share a cache key
    split = shard(repeated, {"a": a}, 2)
    assert len(split) == 2 and sum(len(s.calls) for s in split) == 5
    assert all(s.candidates["a"].concurrency == 4 for s in split)  # the candidate's bound holds over both
    for s in split:
        keys = {c.cache_key for c in s.calls}
        assert all(c.cache_key not in keys for other in split if other is not s for c in other.calls)


def test_worker_messages_survive_pickling_with_their_kind():
    counts = {"a": CandidateProgress(total=3, done=2, cached=1, errors=0, retries=4)}
    messages = [ProgressReport(0, counts, 1.0, 2.0), WorkerFinished(1, counts, 1.0, 2.5, cancelled=True),
                WorkerFailed(2, FailureCause.STORAGE, "store x: cannot write (disk full)")]
    again = [pickle.loads(pickle.dumps(m)) for m in messages]
    assert again == messages
    assert [m.kind for m in again] == [MessageKind.PROGRESS, MessageKind.FINISHED, MessageKind.FAILED]
    assert again[2].describe() == "storage: store x: cannot write (disk full)"


def test_a_cancelled_worker_run_stops_and_its_resume_sends_each_call_once(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_WORKERS", "2")
    server.latency = 0.1
    server.script("always failing", Reply(status=500))
    cands = [CandidateConfig(name=n, model=f"openai/{n}", api_base=server.base_url, concurrency=1, max_attempts=2)
             for n in ("a", "b")]
    calls = calls_for(cands, [f"question {i}" for i in range(20)] + ["always failing"])
    by_name = {c.name: c for c in cands}
    store = Store(tmp_path / "s.sqlite")
    aid = store.create_assessment("t", "{}", "h", [])
    store.save_plan(aid, calls)
    cancel = threading.Event()

    def cancel_early(p: Progress) -> None:
        if p.done >= 2:
            cancel.set()

    stopped = run_calls(store, aid, calls, by_name, retry=FAST, cancel=cancel, on_update=cancel_early)
    assert stopped.cancelled and not stopped.finished and stopped.done < stopped.total == 42
    answered = {n: sum(1 for r in store.call_rows(aid) if r.candidate == n and r.status == "ok") for n in by_name}
    assert sum(answered.values()) == server.count("question", "ok") == stopped.done - stopped.errors

    updates: list[int] = []
    resumed = run_calls(store, aid, calls, by_name, retry=FAST, on_update=lambda p: updates.append(p.done))
    assert resumed.finished and not resumed.cancelled and resumed.storage_error is None
    for name in by_name:
        p = resumed.per_candidate[name]
        assert (p.total, p.done, p.cached, p.errors, p.retries) == (21, 21, answered[name], 1, 1)
    sent = Counter((r.model, r.prompt) for r in server.records if r.outcome == "ok")
    assert len(sent) == 40 and set(sent.values()) == {1}  # each candidate's 20 questions, each sent once
    assert updates and updates == sorted(updates) and updates[-1] == 42
    assert resumed.first_sent_at is not None and resumed.last_answer_at is not None
    rows = {(r.candidate, r.item_id): r for r in store.call_rows(aid)}
    assert rows[("a", "i20")].status == "error" and "HTTP 500" in rows[("a", "i20")].error
