"""scorecard.json (the scorecard's own versioned schema) and responses.jsonl (one line per planned call)."""

from __future__ import annotations

import json
from pathlib import Path

from assessment.analysis.scorecard import Scorecard
from assessment.judges.judged import JudgedResponse

RESPONSE_FIELDS = ["candidate", "pack_id", "item_id", "category", "subtype", "attack_id", "status", "verdict",
                   "verdict_source", "verdict_reason", "error", "latency_s", "input_tokens", "output_tokens", "cost",
                   "score", "score_status", "score_explanation", "prompt", "response"]


def response_line(r: JudgedResponse) -> dict:
    data = r.model_dump(include=set(RESPONSE_FIELDS))
    data["pack"] = data.pop("pack_id")
    data["attack"] = data.pop("attack_id")
    data["error_reason"] = data.pop("error")
    data["tokens"] = {"input": data.pop("input_tokens"), "output": data.pop("output_tokens")}
    data["latency"] = data.pop("latency_s")
    return data


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
