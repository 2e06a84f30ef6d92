"""A sandbox for model-written code: Linux namespaces, an unprivileged user, limits, a result it cannot forge.

Layers, outermost first (what each needs from the OS is in the README's Guarantees section):

* ``unshare`` (util-linux) puts the code in new mount, network, PID, IPC and UTS namespaces. The
  network namespace has no device but a down loopback: no connection reaches the host, not even
  127.0.0.1. The mount namespace shows a read-only root holding only the system libraries and the
  Python runtime, plus ``/sandbox`` (the run's own temp dir, cwd and HOME); no /proc, no home,
  no /tmp, no project files. See ``sandbox_launcher.py``.
* The code runs as uid/gid 65534 without capabilities (``no_new_privs``), with an EMPTY
  environment (only HOME=/sandbox), and with CPU, memory, process, open-file and file-size limits.
* When the run ends or times out, the whole process group is killed and, because the sandbox's
  PID 1 exits, the kernel kills every process left in its PID namespace.
* In the process, the answer and then the tests run in an isolated sub-interpreter with an audit
  hook that refuses sockets, ctypes and process creation (defence in depth).
* The harness, not the exit status, decides: the runner writes a JSON line carrying a random
  nonce to a pipe after the tests finished in the sub-interpreter. The nonce lives only in the
  runner's main interpreter, which the answer's sub-interpreter cannot see; ``os._exit(0)`` or a
  forged line scores 0.

Where this cannot be set up (not root, no ``unshare``, a kernel without namespaces) nothing runs:
``sandbox_unavailable_reason()`` says why and the code scorer reports the item as unscored.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534
MEMORY_LIMIT_BYTES = 512 * 1024 * 1024
MAX_PROCESSES = 64
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_OPEN_FILES = 64
STARTUP_ALLOWANCE_S = 2.0  # namespaces and two interpreter starts, on a busy machine
_MAX_RESULT_BYTES = 64 * 1024
_LAUNCHER = Path(__file__).with_name("sandbox_launcher.py")

# Runs in the sandbox as ``python -I -S -c RUNNER JOB_FD RESULT_FD``; standard library only.
RUNNER = r'''
import json, os, sys
def main():
    job_fd, result_fd = int(sys.argv[1]), int(sys.argv[2])
    chunks = []
    while True:
        chunk = os.read(job_fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(job_fd)
    job = json.loads(b"".join(chunks))
    nonce = job["nonce"]
    import _xxsubinterpreters as subinterpreters
    interp = subinterpreters.create()
    passed, why = False, "all tests passed"
    try:
        if job["guard"]:
            subinterpreters.run_string(interp, GUARD)
        stage = "the answer"
        subinterpreters.run_string(interp, job["code"])
        stage = "the tests"
        subinterpreters.run_string(interp, job["tests"])
        passed = True
    except subinterpreters.RunFailedError as exc:
        text = str(exc)
        if text.startswith("<class '"):
            name, _, message = text[8:].partition("'>")
            text = name.rsplit(".", 1)[-1] + message
        why = (stage + ": " + text)[:300]
    except BaseException as exc:
        why = "harness: " + type(exc).__name__
    os.write(result_fd, b"\n" + json.dumps({"nonce": nonce, "passed": passed, "why": why}).encode() + b"\n")
    os._exit(0)
GUARD = """
import sys
def _guard(event, args, _blocked=("socket.", "ctypes.", "os.system", "os.exec", "os.posix_spawn", "os.fork",
                                  "os.forkpty", "subprocess.", "os.kill", "os.killpg", "pty.", "sys.addaudithook",
                                  "_posixsubprocess")):
    if event.startswith(_blocked):
        raise PermissionError(event + " is not allowed in the code sandbox")
sys.addaudithook(_guard)
del _guard
"""
main()
'''


@dataclass(frozen=True)
class SandboxResult:
    passed: bool
    explanation: str
    timed_out: bool = False


class SandboxUnavailable(RuntimeError):
    """Strong isolation cannot be set up here; the message says why."""


def _python() -> str:
    base = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(base)


def _readonly_paths(python: str) -> list[str]:
    paths = ["/usr", "/etc/ld.so.cache"]
    prefix = os.path.realpath(sys.base_prefix)
    if not prefix.startswith("/usr/"):
        paths.append(prefix)
    if not python.startswith(("/usr/", prefix + "/")):
        paths.append(os.path.dirname(python))
    return paths


def _preconditions() -> str | None:
    if not sys.platform.startswith("linux"):
        return "the code sandbox needs Linux namespaces; this system is " + sys.platform
    if os.geteuid() != 0:
        return "the code sandbox needs root (CAP_SYS_ADMIN) to create mount, network and PID namespaces"
    if shutil.which("unshare") is None:
        return "the code sandbox needs the unshare command (util-linux)"
    return None


def run_in_sandbox(code: str, tests: str, timeout_s: float, *, audit_hook: bool = True) -> SandboxResult:
    """Run ``code`` then ``tests`` in the sandbox; passed only if the harness says the tests finished.

    Raises SandboxUnavailable when the sandbox cannot be set up (never runs the code weakly)."""
    problem = _preconditions()
    if problem:
        raise SandboxUnavailable(problem)
    base = Path(tempfile.mkdtemp(prefix="ata-sandbox-"))
    try:
        return _run(base, code, tests, timeout_s, audit_hook)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run(base: Path, code: str, tests: str, timeout_s: float, audit_hook: bool) -> SandboxResult:
    os.chmod(base, 0o700)
    (base / "root").mkdir()
    work = base / "work"
    work.mkdir(mode=0o700)
    os.chown(work, NOBODY, NOBODY)
    nonce = secrets.token_hex(16)
    job_r, job_w = os.pipe()
    res_r, res_w = os.pipe()
    python = _python()
    spec = {"root": str(base / "root"), "work": str(work), "ro_paths": _readonly_paths(python), "python": python,
            "runner": RUNNER, "fds": [job_r, res_w],
            "limits": {"RLIMIT_CPU": max(1, int(timeout_s) + 1), "RLIMIT_AS": MEMORY_LIMIT_BYTES,
                       "RLIMIT_NPROC": MAX_PROCESSES, "RLIMIT_FSIZE": MAX_FILE_BYTES,
                       "RLIMIT_NOFILE": MAX_OPEN_FILES, "RLIMIT_CORE": 0}}
    cmd = ["unshare", "--mount", "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child",
           python, "-I", "-S", str(_LAUNCHER), json.dumps(spec)]
    with open(base / "stderr", "w+b") as err:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err,
                                    pass_fds=(job_r, res_w), start_new_session=True, env={})
        finally:
            os.close(job_r)
            os.close(res_w)
        job = json.dumps({"nonce": nonce, "code": code, "tests": tests, "guard": audit_hook}).encode()
        writer = threading.Thread(target=_write_all, args=(job_w, job), daemon=True)
        result: list[bytes] = []
        reader = threading.Thread(target=_read_capped, args=(res_r, result), daemon=True)
        writer.start()
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout_s + STARTUP_ALLOWANCE_S)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_group(proc)
            reader.join(timeout=5)
        err.seek(0)
        setup_error = err.read(2000).decode("utf-8", "replace")
    if timed_out:
        return SandboxResult(False, f"timed out after {timeout_s:g}s", timed_out=True)
    verdict = _parse(b"".join(result), nonce)
    if verdict is not None:
        return verdict
    if "sandbox setup failed" in setup_error or "unshare:" in setup_error:
        raise SandboxUnavailable(setup_error.strip().splitlines()[-1][:300])
    killed_by = {128 + signal.SIGXCPU: "it exceeded the CPU time limit", 128 + signal.SIGKILL: "it was killed",
                 128 + signal.SIGXFSZ: "it exceeded the file size limit", 128 + signal.SIGSEGV: "it crashed"}
    cause = killed_by.get(proc.returncode, "the code ended the process")
    return SandboxResult(False, f"no result: {cause} before the tests finished")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # unshare and the sandbox's PID 1: the kernel kills the rest
    except ProcessLookupError:
        pass
    if proc.stdin is not None:
        proc.stdin.close()
    proc.wait()


def _write_all(fd: int, data: bytes) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_capped(fd: int, out: list[bytes]) -> None:
    size = 0
    try:
        while chunk := os.read(fd, 65536):
            if size < _MAX_RESULT_BYTES:
                out.append(chunk[:_MAX_RESULT_BYTES - size])
            size += len(chunk)
    finally:
        os.close(fd)


def _parse(raw: bytes, nonce: str) -> SandboxResult | None:
    """The harness's line: the only one carrying the nonce. Anything else the code wrote is ignored."""
    for line in raw.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg, dict) and msg.get("nonce") == nonce:
            passed = msg.get("passed") is True
            return SandboxResult(passed, str(msg.get("why", ""))[:300])
    return None


_probe_lock = threading.Lock()
_probe_result: list[str | None] = []


def sandbox_unavailable_reason() -> str | None:
    """None when the sandbox works here (checked once per process by running a trivial program)."""
    with _probe_lock:
        if not _probe_result:
            try:
                ok = run_in_sandbox("x = 6 * 7", "assert x == 42", 10.0)
                _probe_result.append(None if ok.passed else f"the code sandbox failed its self-test ({ok.explanation})")
            except SandboxUnavailable as exc:
                _probe_result.append(str(exc))
            except OSError as exc:
                _probe_result.append(f"the code sandbox cannot start ({exc.strerror or exc})")
        return _probe_result[0]
