"""`python -m assessment score`: the contract, bad lines, and agreement with hand grading on the stress set."""

from __future__ import annotations

import json
from pathlib import Path

from assessment.cli.main import main
from assessment.scoring.score_file import BadLine, ScoredLine, score_lines

STRESS = Path(__file__).parent / "fixtures" / "scoring_stress.jsonl"
TARGET = 0.97


def test_score_command_contract(tmp_path, capsys, tiny_pack):
    lines = [{"pack": "general", "item_id": "gen-c-012", "response": "x = 9, because 3 × 9 − 7 = 20"},
             {"pack": "medical", "item_id": "med-c-002", "response": "I'd go with C (acetylcysteine)."},
             {"pack": "general", "item_id": "gen-c-010", "response": "It's either 408 or 418."},
             {"pack": str(tiny_pack), "item_id": "c1", "response": "144"}]
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    assert main(["score", str(path)]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["item_id"] for o in out] == ["gen-c-012", "med-c-002", "gen-c-010", "c1"]
    assert {"pack", "item_id", "score", "status", "explanation"} <= set(out[0])
    assert [o["score"] for o in out] == [1.0, 1.0, None, 1.0]
    assert [o["status"] for o in out] == ["scored", "scored", "unscored", "scored"]
    assert "read 9" in out[0]["explanation"] and "explicit statement" in out[1]["explanation"]


def test_bad_lines_are_named_the_rest_is_scored_and_exit_is_2(tmp_path, capsys):
    from assessment.packs import resolve_pack

    benign = next(i.id for i in resolve_pack("general").pack.items if i.category.value == "benign")
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join([
        json.dumps({"pack": "general", "item_id": "gen-c-010", "response": "408"}),
        "{not json",
        json.dumps({"pack": "nosuchpack", "item_id": "x", "response": "1"}),
        json.dumps({"pack": "general", "item_id": "gen-c-999", "response": "1"}),
        json.dumps({"pack": "general", "item_id": benign, "response": "1"}),
        json.dumps({"pack": "general", "item_id": "gen-c-010"}),
        json.dumps({"pack": "general", "item_id": "gen-c-010", "response": "409"}),
    ]) + "\n")
    assert main(["score", str(path)]) == 2
    captured = capsys.readouterr()
    out = [json.loads(x) for x in captured.out.splitlines()]
    assert [(o["line"], o["score"]) for o in out] == [(1, 1.0), (7, 0.0)]
    err = captured.err.splitlines()
    assert f"{path}:2: not valid JSON" in err[0]
    assert f"{path}:3: unknown pack 'nosuchpack'" in err[1]
    assert f"{path}:4: pack 'general' has no item 'gen-c-999'" in err[2]
    assert f"{path}:5: item {benign!r} is a benign item" in err[3]
    assert f"{path}:6: missing field 'response'" in err[4]
    assert "Traceback" not in captured.err


def _agreement(split: str) -> tuple[int, int, list[str]]:
    rows = [json.loads(x) for x in STRESS.read_text().splitlines() if x.strip()]
    rows = [r for r in rows if r["split"] == split]
    text = "\n".join(json.dumps({k: r[k] for k in ("pack", "item_id", "response")}) for r in rows)
    results = list(score_lines(text))
    misses = []
    for row, res in zip(rows, results):
        assert isinstance(res, ScoredLine), res
        if res.score != row["grade"]:
            misses.append(f"{row['item_id']}: graded {row['grade']}, scored {res.score} ({res.explanation})")
    return len(rows) - len(misses), len(rows), misses


def test_stress_set_agrees_with_hand_grading():
    rows = [json.loads(x) for x in STRESS.read_text().splitlines() if x.strip()]
    assert len(rows) >= 60 and len({r["pack"] for r in rows}) == 6
    assert any(r["grade"] is None for r in rows) and any(r["grade"] == 0 for r in rows)
    for split in ("dev", "test"):
        agree, n, misses = _agreement(split)
        print(f"stress set {split}: {agree}/{n} = {agree / n:.1%} agreement with hand grading")
        assert agree / n >= TARGET, "\n".join(misses)


def test_bad_line_type():
    (result,) = list(score_lines('["a list"]'))
    assert isinstance(result, BadLine) and result.line == 1 and "JSON object" in result.message
