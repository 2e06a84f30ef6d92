"""scorecard.json (the scorecard's own versioned schema) and responses.jsonl (one line per planned call)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assessment.analysis.scorecard import Scorecard
from assessment.judges.judged import JudgedResponse


def response_line(r: JudgedResponse) -> dict[str, Any]:
    """One line of responses.jsonl. The key order is part of the file's format: keep it."""
    return {"candidate": r.candidate, "item_id": r.item_id, "category": r.category, "subtype": r.subtype,
            "status": r.status, "prompt": r.prompt, "response": r.response, "verdict": r.verdict,
            "verdict_source": r.verdict_source, "verdict_reason": r.verdict_reason, "score": r.score,
            "score_status": r.score_status, "score_explanation": r.score_explanation, "cost": r.cost,
            "pack": r.pack_id, "attack": r.attack_id, "error_reason": r.error,
            "tokens": {"input": r.input_tokens, "output": r.output_tokens}, "latency": r.latency_s}


def write_json_exports(scorecard: Scorecard, judged: list[JudgedResponse], out_dir: str | Path,
                       include_harmful: bool = False) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    card_path = out / "scorecard.json"
    card_path.write_text(scorecard.model_dump_json(indent=2), encoding="utf-8")
    lines_path = out / "responses.jsonl"
    with lines_path.open("w", encoding="utf-8") as fh:
        for r in judged:
            shown = r if include_harmful else r.redacted()
            fh.write(json.dumps(response_line(shown), ensure_ascii=False) + "\n")
    return [card_path, lines_path]
