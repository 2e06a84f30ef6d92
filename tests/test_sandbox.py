"""The code sandbox, checked for real: each isolation claim is tried by code running inside it.

Pattern: the answer attempts an escape and records what happened; the tests (run after it, in the
sandbox) assert the escape failed. A pass therefore proves the attempt was blocked, and the host
side checks its own evidence (files, listener, process table) as well.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, write_config

from assessment.packs.model import CodeScoring
from assessment.scoring.registry import ScoringContext, score_response
from assessment.scoring.sandbox import run_in_sandbox, sandbox_unavailable_reason

pytestmark = pytest.mark.skipif(sandbox_unavailable_reason() is not None,
                                reason=f"code sandbox unavailable here: {sandbox_unavailable_reason()}")

ADD = CodeScoring(method="code", entry_point="add", tests="assert add(2, 3) == 5", reference="def add(a, b):\n    return a + b\n",
                  timeout_s=5)
ON = ScoringContext(allow_code_execution=True)


def test_harness_decides_pass_and_fail():
    assert score_response(ADD, ADD.reference, ON).value == 1.0
    assert score_response(ADD, "def add(a, b):\n    return a * b\n", ON).value == 0.0
    wrong_then_exit = "import os\ndef add(a, b):\n    return 0\nos._exit(0)\n"
    assert score_response(ADD, wrong_then_exit, ON).value == 0.0
    assert score_response(ADD, "import sys\ndef add(a, b):\n    return 0\nsys.exit(0)\n", ON).value == 0.0
    forge = ("import os, json\ndef add(a, b):\n    return 0\n"
             "for fd in range(3, 64):\n    try:\n        os.write(fd, b'\\n' + json.dumps({'nonce': 'x', 'passed': True}).encode() + b'\\n')\n"
             "    except OSError:\n        pass\nos._exit(0)\n")
    assert score_response(ADD, forge, ON).value == 0.0


@pytest.mark.parametrize("guard", [True, False], ids=["all-layers", "os-layers-only"])
def test_home_files_and_outside_writes_are_out_of_reach(tmp_path, isolated_home, guard):
    secret = isolated_home / "notes.txt"
    secret.write_text("home secret")
    outside = tmp_path / "written-from-sandbox.txt"
    code = f"""
import os
results = {{}}
for label, path in (("home", {str(secret)!r}), ("root-home", "/root/.bashrc")):
    try:
        results[label] = open(path).read()
    except OSError:
        results[label] = None
writes = {{}}
for path in ({str(outside)!r}, "/escape.txt", "/usr/escape.txt", "/tmp/escape.txt"):
    try:
        with open(path, "w") as f:
            f.write("x")
        writes[path] = True
    except OSError:
        writes[path] = False
with open("own.txt", "w") as f:
    f.write("fine")
"""
    tests = "assert results == {'home': None, 'root-home': None}, results\nassert not any(writes.values()), writes\n" \
            "assert open('own.txt').read() == 'fine' and os.environ.get('HOME') == os.getcwd()"
    result = run_in_sandbox(code, tests, 5, audit_hook=guard)
    assert result.passed, result.explanation
    assert not outside.exists() and not Path("/escape.txt").exists()


@pytest.mark.parametrize("guard", [True, False], ids=["all-layers", "os-layers-only"])
def test_no_connection_reaches_a_local_listener(guard):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    code = f"""
import _socket
try:
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(("127.0.0.1", {port}))
    connected = True
except Exception as exc:
    connected = False
"""
    result = run_in_sandbox(code, "assert not connected", 5, audit_hook=guard)
    listener.settimeout(0)
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()
    assert result.passed, result.explanation


def _processes_with(marker: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                found.append(int(pid))
        except OSError:
            pass
    return found


def test_a_grandchild_in_its_own_session_does_not_outlive_the_run():
    marker = "1234.5678"
    code = f"import os\nstarted = os.system('setsid sleep {marker} > /dev/null 2>&1 &') == 0\n"
    result = run_in_sandbox(code, "assert started", 5, audit_hook=False)  # the OS layers alone
    assert result.passed, result.explanation  # it did start inside...
    assert _processes_with(marker) == []  # ...and the kernel killed it with the sandbox
    blocked = run_in_sandbox(code, "assert started", 5)  # with every layer, it cannot even start
    assert not blocked.passed and "os.system is not allowed" in blocked.explanation


def test_parent_environment_is_unreachable(monkeypatch):
    monkeypatch.setenv("ATA_SANDBOX_SENTINEL", "sk-sandboxsentinel-123456")
    code = """
import os
seen = dict(os.environ)
try:
    parent = open("/proc/%d/environ" % os.getppid(), "rb").read()
except OSError:
    parent = b""
"""
    tests = "assert set(seen) <= {'HOME', 'LC_CTYPE'}, seen\nassert b'sandboxsentinel' not in parent"
    result = run_in_sandbox(code, tests, 5, audit_hook=False)
    assert result.passed, result.explanation


def test_timeouts_and_limits_end_in_a_zero_score():
    sleeper = run_in_sandbox("import time\ntime.sleep(60)", "", 1)
    assert not sleeper.passed and sleeper.timed_out
    spinner = run_in_sandbox("while True:\n    pass", "", 1)
    assert not spinner.passed
    hog = run_in_sandbox("x = bytearray(2 * 1024 ** 3)", "", 5)
    assert not hog.passed and "MemoryError" in hog.explanation


def test_refuses_to_run_code_without_isolation(tmp_path):
    """Without the unshare command the scorer refuses and says why; it never runs the code weakly."""
    marker = tmp_path / "ran.txt"
    answer = f"open({str(marker)!r}, 'w').write('x')\ndef add(a, b):\n    return a + b\n"
    program = (
        "from assessment.scoring.registry import ScoringContext, score_response\n"
        "from assessment.packs.model import CodeScoring\n"
        "s = CodeScoring(method='code', entry_point='add', tests='assert add(1, 1) == 2', reference='x')\n"
        f"r = score_response(s, {answer!r}, ScoringContext(allow_code_execution=True))\n"
        "print(r.status, '|', r.explanation)\n")
    out = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={"PATH": str(tmp_path), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("unscored |") and "unshare" in out.stdout
    assert not marker.exists()


def test_key_never_reaches_exports_through_code_scores(server, tmp_path, tiny_pack, monkeypatch):
    """A hostile answer dumps what it can see into its exception; the key is nowhere to be found."""
    key = "sk-codeleak-0123456789abcdef"
    monkeypatch.setenv("ATA_CODE_KEY", key)
    pack = tmp_path / "code.yaml"
    pack.write_text('id: code\nname: Code\nversion: "1"\nitems:\n  - id: c1\n    category: capability\n'
                    '    prompt: "write add"\n    scoring:\n      method: code\n      entry_point: add\n'
                    '      tests: "assert add(1, 2) == 3"\n      reference: "def add(a, b): return a + b"\n')
    server.script("write add", "import os\ndef add(a, b):\n    return 0\n"
                               "raise ValueError(repr(dict(os.environ)) + repr([open(p).read() for p in ['/proc/1/environ'] "
                               "if os.path.exists(p)]))\n")
    cands = (f"candidates:\n  - name: a\n    model: openai/a\n    api_base: {server.base_url}\n"
             f"    api_key_env: ATA_CODE_KEY\n    timeout_s: 5\n")
    config = write_config(tmp_path, server, pack, extra="allow_code_execution: true", candidates=cands)
    config.write_text(config.read_text().replace("baseline: base\n", ""))
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "assessment", "run", str(config), "--out", str(out), "--format", "json,xlsx",
                          "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    lines = (out / "responses.jsonl").read_text()
    assert "ValueError" in lines and "HOME" in lines  # the explanation is there, with what the code saw
    for path in out.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
