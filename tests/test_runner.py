"""The runner against a real HTTP server through LiteLLM's real code path (no patching)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from helpers import ROOT, write_config

from assessment.config import CandidateConfig
from assessment.run.plan import PlannedCall, build_messages, cache_key
from assessment.run.runner import RetryPolicy, Runner
from assessment.run.store import Store
from assessment.testing.server import Reply

FAST = RetryPolicy(base_delay_s=0.02, max_delay_s=0.1)


def make_calls(cand: CandidateConfig, prompts: list[str]) -> list[PlannedCall]:
    calls = []
    for i, p in enumerate(prompts):
        m = build_messages(cand, p)
        calls.append(PlannedCall(candidate=cand.name, pack_id="p", item_id=f"i{i}", category="benign", messages=m,
                                 cache_key=cache_key(cand, m)))
    return calls


def run(store: Store, cand: CandidateConfig, prompts: list[str], retry=FAST):
    calls = make_calls(cand, prompts)
    aid = store.create_assessment("t", "{}", "h", [])
    store.save_plan(aid, calls)
    progress = asyncio.run(Runner(store, aid, {cand.name: cand}, retry=retry).run(calls))
    return aid, progress, {r.item_id: r for r in store.call_rows(aid)}


def test_retry_after_is_honoured(server, tmp_path):
    server.script("limited", Reply(status=429, retry_after=0.6), "finally")
    cand = CandidateConfig(name="c", model="openai/m", api_base=server.base_url, timeout_s=3)
    _, progress, rows = run(Store(tmp_path / "s.sqlite"), cand, ["limited"])
    assert rows["i0"].content == "finally" and progress.errors == 0
    first, second = [r for r in server.records if r.prompt == "limited"]
    assert first.outcome == "429" and second.outcome == "ok"
    assert second.started - first.finished >= 0.55  # waited as the server asked, not the short backoff


def test_transient_faults_are_retried(server, tmp_path):
    server.script("five", Reply(status=500), "ok after 500")
    server.script("json", Reply(invalid_json=True), "ok after bad json")
    server.script("drop", Reply(drop=True), "ok after drop")
    server.script("hang", Reply(hang=True), "ok after hang")
    cand = CandidateConfig(name="c", model="openai/m", api_base=server.base_url, timeout_s=1)
    _, progress, rows = run(Store(tmp_path / "s.sqlite"), cand, ["five", "json", "drop", "hang"])
    assert [rows[f"i{i}"].content for i in range(4)] == ["ok after 500", "ok after bad json", "ok after drop", "ok after hang"]
    assert progress.errors == 0 and progress.per_candidate["c"].retries == 4


def test_errors_are_recorded_not_lost(server, tmp_path):
    server.script("always", Reply(status=500))
    server.script("denied", Reply(status=401))
    cand = CandidateConfig(name="c", model="openai/m", api_base=server.base_url, max_attempts=3, timeout_s=2)
    _, progress, rows = run(Store(tmp_path / "s.sqlite"), cand, ["always", "denied", "fine"])
    assert rows["i0"].status == "error" and "HTTP 500" in rows["i0"].error
    assert rows["i1"].status == "error" and "authentication failed" in rows["i1"].error
    assert rows["i2"].status == "ok"
    assert server.count("always") == 3 and server.count("denied") == 1  # 401 is not retried
    assert progress.errors == 2 and progress.done == 3


def test_concurrency_is_bounded(server, tmp_path):
    server.latency = 0.15
    cand = CandidateConfig(name="c", model="openai/m", api_base=server.base_url, concurrency=3)
    run(Store(tmp_path / "s.sqlite"), cand, [f"q{i}" for i in range(15)])
    assert server.peak_in_flight == 3


def test_finished_calls_are_never_sent_twice(server, tmp_path):
    store = Store(tmp_path / "s.sqlite")
    cand = CandidateConfig(name="c", model="openai/m", api_base=server.base_url)
    run(store, cand, ["one", "two"])
    _, progress, rows = run(store, cand, ["one", "two", "three"])
    assert progress.cached == 2 and server.count("one") == 1 and server.count("three") == 1
    assert rows["i2"].status == "ok"


def test_api_key_is_sent_but_never_stored(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ATA_TEST_KEY", "sk-sentinel-abcdef123456")
    store = Store(tmp_path / "s.sqlite")
    cand = CandidateConfig(name="c", model="openai/m", api_base=server.base_url, api_key_env="ATA_TEST_KEY")
    run(store, cand, ["hello"])
    assert server.records[0].authorization == "Bearer sk-sentinel-abcdef123456"
    store.close()
    for path in tmp_path.glob("s.sqlite*"):
        assert b"sk-sentinel-abcdef123456" not in path.read_bytes()


def test_interrupt_then_resume_sends_nothing_twice(server, tmp_path, tiny_pack):
    server.latency = 0.4
    cfg = write_config(tmp_path, server, tiny_pack).read_text().replace("concurrency: 4", "concurrency: 1")
    (tmp_path / "config.yaml").write_text(cfg)
    args = [sys.executable, "-m", "assessment", "run", str(tmp_path / "config.yaml"), "--out", str(tmp_path / "out"),
            "--format", "json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while sum(1 for r in server.records if r.outcome == "ok") < 4 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Resume with: python -m assessment run" in err and "--resume" in err and "Traceback" not in err
    sent_before = len(server.records)
    assert sent_before < 14
    proc2 = subprocess.run(args + ["--resume"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc2.returncode == 0, proc2.stderr
    assert "Resuming assessment" in proc2.stdout
    ok = server.ok_counts()
    assert sum(ok.values()) == 14  # 7 items × 2 candidates, once each (same prompts differ by model)
    by_model: dict[tuple[str, str], int] = {}
    for r in server.records:
        if r.outcome == "ok":
            by_model[(r.model, r.prompt)] = by_model.get((r.model, r.prompt), 0) + 1
    assert set(by_model.values()) == {1}
    assert (tmp_path / "out" / "scorecard.json").exists()
