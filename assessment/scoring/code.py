"""Run a model's Python answer against an item's tests, isolated, only when the user allows it.

The code runs in a separate interpreter in isolated mode (-I), in an empty temporary folder,
with a wall-clock timeout, CPU and memory limits, and sockets disabled. This is a guard
against accidents, not a security sandbox against a determined attacker, which is why it is
off by default and the report says when it was on.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from typing import Any

from assessment.scoring.registry import Score, ScoringContext, scorer

MEMORY_LIMIT_BYTES = 512 * 1024 * 1024

_PRELUDE = """
import resource, socket, sys
resource.setrlimit(resource.RLIMIT_AS, ({mem}, {mem}))
resource.setrlimit(resource.RLIMIT_CPU, ({cpu}, {cpu}))
def _no_network(*a, **k):
    raise OSError("network disabled")
socket.socket = _no_network
socket.create_connection = _no_network
"""


def extract_code(response: str) -> str:
    """The first fenced Python block, or the whole answer when there is no fence."""
    m = re.search(r"```(?:python|py)?\s*\n(.*?)```", response, flags=re.DOTALL | re.IGNORECASE)
    return m.group(1) if m else response


def run_python_tests(code: str, tests: str, timeout_s: float) -> tuple[bool, str]:
    program = _PRELUDE.format(mem=MEMORY_LIMIT_BYTES, cpu=max(1, int(timeout_s) + 1)) + "\n" + code + "\n\n" + tests + "\n"
    with tempfile.TemporaryDirectory(prefix="ata-code-") as workdir:
        try:
            proc = subprocess.run([sys.executable, "-I", "-c", program], cwd=workdir, capture_output=True,
                                  text=True, timeout=timeout_s, env={"PATH": "/usr/bin:/bin"})
        except subprocess.TimeoutExpired:
            return False, f"timed out after {timeout_s:g}s"
    if proc.returncode == 0:
        return True, "all tests passed"
    last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
    return False, last[:200]


@scorer("code")
def score_code(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    if not ctx.allow_code_execution:
        return Score.unscored("code item: code execution is off (enable allow_code_execution to score it)")
    code = extract_code(response)
    if scoring.entry_point not in code:
        return Score(value=0.0, explanation=f"no {scoring.entry_point} defined")
    ok, why = run_python_tests(code, scoring.tests, scoring.timeout_s)
    return Score(value=1.0 if ok else 0.0, explanation=why)
