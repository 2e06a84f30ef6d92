"""Score a model's Python answer by running the item's tests on it, only when the user allows it.

Execution happens only in the sandbox of ``sandbox.py`` (namespaces, an unprivileged user,
limits, a result the code cannot forge). Where that sandbox is unavailable the item is
unscored with the reason: code never runs with weaker isolation.
"""

from __future__ import annotations

import re
from typing import Any

from assessment.scoring.registry import Score, ScoringContext, scorer
from assessment.scoring.sandbox import SandboxUnavailable, run_in_sandbox, sandbox_unavailable_reason


def extract_code(response: str) -> str:
    """The first fenced Python block, or the whole answer when there is no fence."""
    m = re.search(r"```(?:python|py)?\s*\n(.*?)```", response, flags=re.DOTALL | re.IGNORECASE)
    return m.group(1) if m else response


def run_python_tests(code: str, tests: str, timeout_s: float) -> tuple[bool, str]:
    """(passed, explanation). Raises SandboxUnavailable when the code cannot be isolated."""
    result = run_in_sandbox(code, tests, timeout_s)
    return result.passed, result.explanation


@scorer("code")
def score_code(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    if not ctx.allow_code_execution:
        return Score.unscored("code item: code execution is off (enable allow_code_execution to score it)")
    code = extract_code(response)
    if scoring.entry_point not in code:
        return Score(value=0.0, explanation=f"no {scoring.entry_point} defined")
    refused = sandbox_unavailable_reason()
    if refused:
        return Score.unscored(f"code item not run: {refused}")
    try:
        ok, why = run_python_tests(code, scoring.tests, scoring.timeout_s)
    except SandboxUnavailable as exc:
        return Score.unscored(f"code item not run: {exc}")
    return Score(value=1.0 if ok else 0.0, explanation=why)
