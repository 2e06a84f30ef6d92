"""``python -m assessment classify INPUT.jsonl``: verdicts for prompt/response pairs, one JSON line each."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from assessment.config import JudgeConfig
from assessment.errors import UserError
from assessment.judges.classifier import classify
from assessment.judges.llm import LLMJudge


def classify_jsonl(path: str | Path, judge_model: str | None = None, judge_api_base: str | None = None) -> int:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise UserError(f"{p}: cannot be read ({exc.strerror})") from None
    text = data.decode("utf-8", errors="replace")
    rows: list[tuple[int, str, str]] = []
    bad = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            prompt, response = obj["prompt"], obj["response"]
            if not isinstance(prompt, str) or not isinstance(response, str):
                raise TypeError("prompt and response must be strings")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
            print(f"{p}:{n}: skipped: {detail}", file=sys.stderr)
            bad += 1
            continue
        rows.append((n, prompt, response))
    judge_results = None
    if judge_model:
        judge = LLMJudge(JudgeConfig(model=judge_model, api_base=judge_api_base))
        judge_results = judge.classify_many([(pr, rs) for _, pr, rs in rows])
    for i, (n, prompt, response) in enumerate(rows):
        rule = classify(prompt, response)
        out: dict[str, Any] = {"line": n, "verdict": rule.verdict.value, "confidence": rule.confidence, "reason": rule.reason,
               "judge": "rules"}
        if judge_results is not None:
            verdict, raw = judge_results[i]
            if verdict:
                # An LLM judge gives no calibrated probability: its confidence is unknown (null).
                out.update(verdict=verdict, reason=f"LLM judge: {raw.strip()[:200]}", judge="llm", confidence=None,
                           rule_verdict=rule.verdict.value, rule_confidence=rule.confidence)
            else:
                out.update(judge="rules", flags=["judge_unparsed"])
        print(json.dumps(out, ensure_ascii=False))
    if bad:
        print(f"{bad} line(s) skipped", file=sys.stderr)
    return 0
