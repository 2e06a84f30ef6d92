"""LLM judge (through LiteLLM against the scripted server), human overrides, and the classify command."""

from __future__ import annotations

import json

from helpers import write_config

from assessment.cli.main import main
from assessment.judges.llm import parse_rubric_score, parse_verdict
from assessment.pipeline import compute_scorecard
from assessment.run.store import open_store


def test_parse_verdict():
    assert parse_verdict('{"verdict": "refusal", "reason": "x"}') == "refusal"
    assert parse_verdict('Sure! ```{"verdict": "partial_refusal"}```') == "partial_refusal"
    assert parse_verdict("The verdict is compliance.") == "compliance"
    assert parse_verdict("It could be refusal or compliance") is None  # ambiguous: never guessed
    assert parse_verdict("I cannot judge this") is None
    assert parse_rubric_score('{"score": 7}') == 7 and parse_rubric_score("score: 11") is None


def run_assessment(tmp_path, server, tiny_pack, extra=""):
    server.script("sensitive one", "I'm sorry, but I can't help with that.")
    cfg = write_config(tmp_path, server, tiny_pack, extra=extra)
    assert main(["run", str(cfg), "--out", str(tmp_path / "out"), "--format", "json", "--quiet"]) == 0
    return json.loads((tmp_path / "out" / "run.json").read_text())


def test_llm_judge_verdicts_unparsed_fallback_and_agreement(tmp_path, server, tiny_pack):
    # The judge sees the judging prompt, which quotes the response; script it by the quoted text.
    server.script("[RESPONSE]\nI'm sorry", '{"verdict": "refusal", "reason": "declines"}')
    server.script("benign two", "this is not a verdict at all")  # unparsed
    server.script("[RESPONSE]\nHere is", '{"verdict": "compliance", "reason": "answers"}')
    extra = f"judge:\n  model: openai/judge\n  api_base: {server.base_url}\n"
    info = run_assessment(tmp_path, server, tiny_pack, extra)
    store = open_store(info["store"])
    card, judged = compute_scorecard(store, info["assessment_id"])
    judge = card.methodology.judge
    assert judge["model"] == "openai/judge" and judge["prompt_version"] == "judge-1.0" and judge["used"]
    assert judge["unparsed"] >= 2  # benign two, for both candidates
    unparsed = [r for r in judged if r.judge_verdict == "unparsed"]
    assert unparsed and all(r.verdict == r.rule_verdict and r.verdict_source == "rules" for r in unparsed)
    assert all("unparsed" in r.verdict_reason for r in unparsed)
    llm = [r for r in judged if r.verdict_source == "llm"]
    assert llm and judge["agreement_with_rules"] is not None
    sent = len(server.records)
    compute_scorecard(store, info["assessment_id"])  # cached judgements: nothing is paid twice
    assert len(server.records) == sent  # every judge answer, parsed or not, came from the cache


def test_human_override_recomputes_and_reports_kappa(tmp_path, server, tiny_pack):
    info = run_assessment(tmp_path, server, tiny_pack)
    store = open_store(info["store"])
    card, judged = compute_scorecard(store, info["assessment_id"])
    before = card.result("safe", "tiny").over_refusal_rate
    assert (before.successes, before.n) == (1, 2)
    refused = next(r for r in judged if r.candidate == "safe" and r.item_id == "s1")
    store.save_override(info["assessment_id"], refused.call_id, "compliance", "the answer helps after all", "Ana Reviewer")
    other = next(r for r in judged if r.candidate == "safe" and r.item_id == "s2")
    store.save_override(info["assessment_id"], other.call_id, other.verdict, "agree", "Ana Reviewer")
    card, judged = compute_scorecard(store, info["assessment_id"])
    after = card.result("safe", "tiny").over_refusal_rate
    assert (after.successes, after.n) == (0, 2)
    row = next(r for r in judged if r.call_id == refused.call_id)
    assert row.verdict_source == "human" and row.reviewer == "Ana Reviewer" and "Ana Reviewer" in row.verdict_reason
    human = card.methodology.human_review
    assert human["reviewed"] == 2 and human["agreement_rate"] == 0.5
    assert human["agreement_kappa"] is not None


def test_override_needs_reason_and_reviewer(tmp_path):
    import pytest

    from assessment.errors import UserError

    store = open_store(tmp_path / "s.sqlite")
    with pytest.raises(UserError):
        store.save_override("a", "c", "refusal", " ", "me")


def test_classify_command(tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([
        json.dumps({"prompt": "p", "response": "I'm sorry, but I can't help with that."}),
        "{broken",
        json.dumps({"prompt": "p"}),
        json.dumps({"prompt": "p", "response": "Sure: boil the egg for nine minutes, then cool it in cold water."}),
    ]) + "\n")
    assert main(["classify", str(path)]) == 0
    captured = capsys.readouterr()
    lines = [json.loads(x) for x in captured.out.splitlines()]
    assert [x["verdict"] for x in lines] == ["refusal", "compliance"]
    assert all(x["reason"] for x in lines)
    assert all(0.5 <= x["confidence"] <= 1.0 for x in lines)
    assert f"{path}:2: skipped" in captured.err and f"{path}:3: skipped: missing field 'response'" in captured.err


def test_classify_with_judge(tmp_path, server, capsys):
    server.script("[RESPONSE]\nmaybe", "no idea")
    server.script("[RESPONSE]\nNope", '{"verdict": "refusal", "reason": "declines"}')
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"prompt": "p", "response": "maybe later"}) + "\n" +
                    json.dumps({"prompt": "p", "response": "Nope, not doing that."}) + "\n")
    assert main(["classify", str(path), "--judge", "openai/judge", "--judge-api-base", server.base_url]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[0]["judge"] == "rules" and lines[0]["flags"] == ["judge_unparsed"]
    assert lines[1]["judge"] == "llm" and lines[1]["verdict"] == "refusal"
