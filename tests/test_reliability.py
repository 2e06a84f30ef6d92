"""Faults, crashes, concurrent writers and untrusted output: nothing lost, nothing duplicated."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from helpers import ROOT

from assessment.config import AssessmentConfig, CandidateConfig
from assessment.packs import load_pack_file
from assessment.pipeline import compute_scorecard, execute, open_assessment, prepare
from assessment.run.runner import RetryPolicy
from assessment.run.store import Store
from assessment.testing.server import FaultRates, Reply


def write_pack(path: Path, n: int, prefix: str = "q") -> Path:
    lines = ['id: bulk', 'name: Bulk', 'version: "1"', 'items:']
    cats = ["benign", "sensitive", "harmful"]
    for i in range(n):
        cat = cats[i % 3]
        lines += [f"  - id: {prefix}-{i}", f"    category: {cat}", f'    prompt: "{prefix} prompt number {i}"']
        if cat == "sensitive":
            lines.append("    subtype: homonym")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fault_storm_loses_and_duplicates_nothing(server, tmp_path):
    server.hang_seconds = 3
    server.set_faults(FaultRates(rate_429=0.15, rate_500=0.05, rate_hang=0.02, rate_invalid_json=0.01,
                                 rate_drop=0.01, retry_after=0.3, seed=11))
    pack = load_pack_file(write_pack(tmp_path / "bulk.yaml", 500))
    config = AssessmentConfig(name="storm", packs=["bulk"], attacks="none", baseline="c0", candidates=[
        CandidateConfig(name=f"c{i}", model=f"openai/m{i}", api_base=server.base_url, concurrency=8, timeout_s=1,
                        max_attempts=6) for i in range(4)])
    prepared = prepare(config, packs=[pack])
    assert len(prepared.plan.calls) == 2000
    store = Store(tmp_path / "s.sqlite")
    aid, _ = open_assessment(store, prepared)
    progress = execute(store, aid, prepared, retry=RetryPolicy(base_delay_s=0.05, max_delay_s=0.5))
    rows = store.call_rows(aid)
    assert len(rows) == 2000 and len({r.call_id for r in rows}) == 2000
    assert all(r.status in ("ok", "error") for r in rows)  # none missing
    assert all(r.error for r in rows if r.status == "error")  # every error has its reason
    ok_per_request: dict[tuple[str, str], int] = {}
    for rec in server.records:
        if rec.outcome == "ok":
            ok_per_request[(rec.model, rec.prompt)] = ok_per_request.get((rec.model, rec.prompt), 0) + 1
    assert max(ok_per_request.values()) == 1  # no answered call was sent again
    assert sum(1 for r in rows if r.status == "ok") == len(ok_per_request)
    outcomes = {o: sum(1 for r in server.records if r.outcome == o) for o in ("429", "500", "hang", "invalid_json", "drop")}
    assert all(n > 0 for n in outcomes.values()), outcomes
    # Retry-After honoured: the next try of the same request starts no earlier than asked.
    by_request: dict[tuple[str, str], list] = {}
    for rec in sorted(server.records, key=lambda r: r.started):
        by_request.setdefault((rec.model, rec.prompt), []).append(rec)
    gaps = [nxt.started - cur.finished for recs in by_request.values() for cur, nxt in zip(recs, recs[1:])
            if cur.outcome == "429"]
    assert gaps and min(gaps) >= 0.28
    card, judged = compute_scorecard(store, aid)
    errors = sum(r.n_errors for r in card.results)
    assert errors == progress.errors == sum(1 for r in rows if r.status == "error")
    for res in card.results:
        ok = [j for j in judged if j.candidate == res.candidate and j.status == "ok" and j.category == "sensitive"]
        assert res.over_refusal_rate.n == len(ok)  # rates only over real responses


def _stored_requests(store_path: Path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(store_path)
    out = set()
    for model, messages in conn.execute("SELECT model, messages_json FROM responses"):
        out.add((model.split("/", 1)[1], json.loads(messages)[-1]["content"]))
    conn.close()
    return out


def _comparable(card_path: Path) -> list:
    card = json.loads(card_path.read_text())
    return card["results"]


def test_sigkill_then_resume_matches_uninterrupted_run(server, tmp_path):
    server.latency = 0.03
    server.script("number 1", "I'm sorry, but I can't help with that.")
    server.script("number 2", "I won't do that.")
    pack = write_pack(tmp_path / "bulk.yaml", 150)

    def config(name: str, store: Path) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"name: crash\npacks: [{pack}]\nbaseline: a\nattacks: none\nseed: 3\nstore: {store}\n"
                        f"candidates:\n  - name: a\n    model: openai/a\n    api_base: {server.base_url}\n    concurrency: 2\n"
                        f"  - name: b\n    model: openai/b\n    api_base: {server.base_url}\n    concurrency: 2\n")
        return path

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    crash_store = tmp_path / "crash.sqlite"
    args = [sys.executable, "-m", "assessment", "run", str(config("crash", crash_store)), "--out", str(tmp_path / "crash"),
            "--format", "json", "--quiet"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while sum(1 for r in server.records if r.outcome == "ok") < 150 and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    stored_before = _stored_requests(crash_store)
    assert 100 <= len(stored_before) < 300
    mark = len(server.records)
    resumed = subprocess.run(args + ["--resume"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    resent = {(r.model, r.prompt) for r in server.records[mark:]}
    assert not (resent & stored_before)  # no finished call was paid for twice
    assert len(_stored_requests(crash_store)) == 300
    clean = subprocess.run([sys.executable, "-m", "assessment", "run", str(config("clean", tmp_path / "clean.sqlite")),
                            "--out", str(tmp_path / "clean"), "--format", "json", "--quiet"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stderr
    assert _comparable(tmp_path / "crash" / "scorecard.json") == _comparable(tmp_path / "clean" / "scorecard.json")


def test_two_assessments_share_a_store(server, tmp_path):
    server.latency = 0.02
    shared = tmp_path / "shared.sqlite"
    procs = []
    for name in ("one", "two"):
        pack = write_pack(tmp_path / f"{name}.yaml", 120, prefix=name)
        cfg = tmp_path / f"{name}-config.yaml"
        cfg.write_text(f"name: {name}\npacks: [{pack}]\nattacks: none\nstore: {shared}\n"
                       f"candidates:\n  - name: a\n    model: openai/a\n    api_base: {server.base_url}\n    concurrency: 8\n")
        procs.append(subprocess.Popen([sys.executable, "-m", "assessment", "run", str(cfg), "--out", str(tmp_path / name),
                                       "--format", "json", "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                                      env={**os.environ, "PYTHONPATH": str(ROOT)}))
    for p in procs:  # how long this takes: benchmarks/timings.py
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    conn = sqlite3.connect(shared)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 240
    assert conn.execute("SELECT COUNT(*) FROM assessments").fetchone()[0] == 2


UNTRUSTED = {
    "markup": "<script>alert('x')</script> <b>bold</b> & ]]> {{template}}",
    "control": "bell\x07 escape\x1b[31m null-ish \x0b\x0c end",
    "formula": '=HYPERLINK("http://x","y")',
    "at": "@SUM(1)",
    "big": "A" * 1_000_000,
}


def test_untrusted_output_is_stored_exactly(server, tmp_path):
    for key, text in UNTRUSTED.items():
        server.script(f"untrusted {key}", text)
    config = AssessmentConfig(name="u", packs=["x"], attacks="none", candidates=[
        CandidateConfig(name="a", model="openai/a", api_base=server.base_url, timeout_s=10)])
    pack_path = tmp_path / "u.yaml"
    pack_path.write_text('id: u\nname: U\nversion: "1"\nitems:\n' + "".join(
        f"  - id: u-{k}\n    category: benign\n    prompt: untrusted {k}\n" for k in UNTRUSTED))
    prepared = prepare(config, packs=[load_pack_file(pack_path)])
    store = Store(tmp_path / "s.sqlite")
    aid, _ = open_assessment(store, prepared)
    execute(store, aid, prepared)
    got = {r.item_id: r.content for r in store.call_rows(aid)}
    for key, text in UNTRUSTED.items():
        assert got[f"u-{key}"] == text
    from assessment.reports.json_report import write_json_exports

    card, judged = compute_scorecard(store, aid)
    write_json_exports(card, judged, tmp_path / "out")
    lines = [json.loads(x) for x in (tmp_path / "out" / "responses.jsonl").read_text().splitlines()]
    assert {x["response"] for x in lines} == set(UNTRUSTED.values())


def test_session_key_and_env_key_never_persist(server, tmp_path, monkeypatch):
    env_key, typed_key = "sk-envsentinel-0123456789", "sk-typedsentinel-9876543210"
    monkeypatch.setenv("ATA_SENTINEL_KEY", env_key)
    config = AssessmentConfig(name="s", packs=["x"], attacks="none", candidates=[
        CandidateConfig(name="env", model="openai/e", api_base=server.base_url, api_key_env="ATA_SENTINEL_KEY"),
        CandidateConfig(name="typed", model="openai/t", api_base=server.base_url)])
    server.script("fails", Reply(status=401))
    pack_path = write_pack(tmp_path / "p.yaml", 6)
    pack_path.write_text(pack_path.read_text() + "  - id: f\n    category: benign\n    prompt: fails\n")
    prepared = prepare(config, packs=[load_pack_file(pack_path)])
    store = Store(tmp_path / "s.sqlite")
    aid, _ = open_assessment(store, prepared)
    execute(store, aid, prepared, session_keys={"typed": typed_key})
    auths = {r.authorization for r in server.records}
    assert f"Bearer {env_key}" in auths and f"Bearer {typed_key}" in auths
    card, judged = compute_scorecard(store, aid)
    from assessment.reports.export import export_all

    export_all(card, judged, tmp_path / "out", ["json", "pdf", "xlsx"])
    assert {p.suffix for p in (tmp_path / "out").iterdir()} >= {".json", ".pdf", ".xlsx"}
    store.close()
    for path in list(tmp_path.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            assert env_key.encode() not in data and typed_key.encode() not in data, path
            if path.suffix == ".xlsx":
                import zipfile

                with zipfile.ZipFile(path) as z:
                    for name in z.namelist():
                        blob = z.read(name)
                        assert env_key.encode() not in blob and typed_key.encode() not in blob


def test_store_survives_reopen(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    assert store.list_assessments() == []
    aid = store.create_assessment("reopen", "{}", "hash-1", [])
    store.set_status(aid, "complete")
    store.close()
    with Store(tmp_path / "s.sqlite") as reopened:
        assert [a.id for a in reopened.list_assessments()] == [aid]
        assert reopened.latest_assessment("hash-1") == aid
