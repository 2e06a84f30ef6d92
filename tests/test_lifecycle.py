"""Process lifecycle and storage faults, against the real CLI and the scripted server.

Kills leave no process sending requests; one run per config at a time; a dead run shows as
interrupted; a full disk stops the run, keeps every paid answer and resume recovers them;
an answer that UTF-8 cannot hold is stored escaped, never dropped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT
from test_reliability import write_pack

from assessment.testing.server import ScriptedServer

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _config(tmp_path: Path, server: ScriptedServer, pack: Path, store: Path, concurrency: int = 4) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"name: life\npacks: [{pack}]\nattacks: none\nstore: {store}\n"
                    f"candidates:\n  - name: a\n    model: openai/a\n    api_base: {server.base_url}\n"
                    f"    concurrency: {concurrency}\n    timeout_s: 5\n"
                    f"  - name: b\n    model: openai/b\n    api_base: {server.base_url}\n"
                    f"    concurrency: {concurrency}\n    timeout_s: 5\n")
    return path


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assessment", *args], cwd=ROOT, env=kw.pop("env", ENV),
                          capture_output=True, text=True, timeout=kw.pop("timeout", 120), **kw)


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = {int(x) for x in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(predicate, limit_s: float = 30.0) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_the_cli_leaves_no_process_sending(server, tmp_path, sig):
    server.latency = 0.05
    store = tmp_path / "s.sqlite"
    config = _config(tmp_path, server, write_pack(tmp_path / "p.yaml", 300), store)
    proc = subprocess.Popen([sys.executable, "-m", "assessment", "run", str(config), "--out", str(tmp_path / "out"),
                             "--format", "json", "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**ENV, "ASSESSMENT_WORKERS": "2"})
    try:
        assert _wait_for(lambda: len(server.records) >= 40, 90), "the run never got going"
    finally:
        if len(server.records) < 40:
            proc.kill()
            print(proc.communicate()[1])
    workers = _descendants(proc.pid)
    assert len(workers) >= 2  # the run really used worker processes
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    assert _wait_for(lambda: not any(_alive(p) for p in workers)), "a worker outlived the CLI"
    assert _wait_for(lambda: server.in_flight == 0)
    settled = len(server.records)
    time.sleep(1.0)  # anything still alive and sending would show up here
    assert len(server.records) == settled
    assert settled < 600  # the run did stop early
    listed = _cli("list", "--store", str(store))
    assert "interrupted" in listed.stdout or "cancelled" in listed.stdout, listed.stdout
    assert "running" not in listed.stdout


def test_one_run_per_config_at_a_time_and_a_dead_run_shows_as_interrupted(server, tmp_path):
    server.latency = 0.5  # the first run must still be going after three more CLI calls, even on a busy machine
    store = tmp_path / "s.sqlite"
    config = _config(tmp_path, server, write_pack(tmp_path / "p.yaml", 60), store, concurrency=1)
    args = ["run", str(config), "--out", str(tmp_path / "out"), "--format", "json", "--quiet"]
    first = subprocess.Popen([sys.executable, "-m", "assessment", *args], cwd=ROOT, env=ENV,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert _wait_for(lambda: len(server.records) >= 4)
    for extra in ([], ["--resume"]):
        second = _cli(*args, *extra)
        assert second.returncode == 2, second.stderr
        assert second.stderr.strip().splitlines() == [second.stderr.strip()]  # one line
        assert "another run of this assessment is in progress" in second.stderr
    assert "running" in _cli("list", "--store", str(store)).stdout
    first.kill()
    first.wait()
    server.latency = 0.02
    assert "interrupted" in _cli("list", "--store", str(store)).stdout  # stale `running` detected
    conn = sqlite3.connect(store)
    stored = {(m.split("/", 1)[1], json.loads(msgs)[-1]["content"])
              for m, msgs in conn.execute("SELECT model, messages_json FROM responses")}
    conn.close()
    mark = len(server.records)
    resumed = _cli(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    resent = {(r.model, r.prompt) for r in server.records[mark:]}
    assert stored and not (stored & resent)  # nothing stored was paid again
    assert len(stored | resent) == 120


def test_opening_a_new_store_from_many_processes_at_once(tmp_path):
    program = "import sys; from assessment.run.store import Store; Store(sys.argv[1]).list_assessments()"
    for trial in range(3):
        path = tmp_path / f"new-{trial}.sqlite"
        procs = [subprocess.Popen([sys.executable, "-c", program, str(path)], cwd=ROOT, env=ENV,
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
        for p in procs:
            _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err


def test_an_answer_utf8_cannot_hold_is_stored_escaped(server, tmp_path):
    server.script("number 1", "broken \ud800 surrogate")
    store = tmp_path / "s.sqlite"
    config = _config(tmp_path, server, write_pack(tmp_path / "p.yaml", 6), store)
    args = ["run", str(config), "--out", str(tmp_path / "out"), "--format", "json"]
    first = _cli(*args)
    assert first.returncode == 0, first.stderr
    assert "Finished 12 of 12 calls" in first.stdout and "0 errors" in first.stdout
    conn = sqlite3.connect(store)
    rows = conn.execute("SELECT content, notes FROM responses WHERE content LIKE 'broken%'").fetchall()
    assert rows and all(c == "broken \\ud800 surrogate" and "surrogate" in n for c, n in rows)
    mark = len(server.records)
    again = _cli(*args, "--resume")
    assert again.returncode == 0 and len(server.records) == mark  # nothing paid again


def _mount_namespace_available() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "--mount", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _mount_namespace_available(), reason="needs root and unshare to mount a tiny filesystem")
def test_a_full_disk_stops_the_run_keeps_every_answer_and_resume_recovers(tmp_path):
    """The store lives on a 320 KiB tmpfs in a private mount namespace; it fills during the run."""
    with ScriptedServer(responder=lambda prompt: "A long answer. " * 300 + prompt).start() as server:
        disk = tmp_path / "disk"
        disk.mkdir()
        store = disk / "s.sqlite"
        config = _config(tmp_path, server, write_pack(tmp_path / "p.yaml", 60), store, concurrency=2)
        run = f"{sys.executable} -m assessment run {config} --out {tmp_path / 'out'} --format json --quiet"
        script = (f"set -u\nmount -t tmpfs -o size=320k tmpfs {disk}\n"
                  f"{run} 2> {tmp_path / 'err1'}; echo $? > {tmp_path / 'rc1'}\n"
                  f"cp {store} {tmp_path / 'after-fault.sqlite'} 2>/dev/null\n"
                  f"ls {disk} > {tmp_path / 'listing'}\n"
                  f"mount -o remount,size=64m {disk}\n"
                  f"{sys.executable} -m assessment list --store {store} > {tmp_path / 'list'} 2>&1\n"
                  f"{run} --resume 2> {tmp_path / 'err2'}; echo $? > {tmp_path / 'rc2'}\n"
                  f"cp {store} {tmp_path / 'final.sqlite'}\n")
        marks: list[int] = []
        proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], cwd=ROOT, env=ENV)
        assert _wait_for(lambda: (tmp_path / "rc1").exists(), 120)
        marks.append(len(server.records))
        proc.wait(timeout=120)
        first = [r for r in server.records[:marks[0]] if r.outcome == "ok"]
        resent = {(r.model, r.prompt) for r in server.records[marks[0]:]}
    assert (tmp_path / "rc1").read_text().strip() == "2"
    err = (tmp_path / "err1").read_text().strip()
    assert len(err.splitlines()) == 1 and str(store) in err and "full" in err, err
    assert len(first) < 120  # it stopped sending instead of running through
    assert "interrupted" in (tmp_path / "list").read_text()
    assert (tmp_path / "rc2").read_text().strip() == "0", (tmp_path / "err2").read_text()
    assert not ({(r.model, r.prompt) for r in first} & resent)  # every paid answer was kept: none sent again
    conn = sqlite3.connect(tmp_path / "final.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 120
    card = json.loads((tmp_path / "out" / "scorecard.json").read_text())
    assert card["assessment_id"]
