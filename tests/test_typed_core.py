"""The typed core: enums in judged responses, and the scorecard's comparison, decision and reference as models
that load the shapes stored before they were typed and write the same JSON."""

from __future__ import annotations

import json

import pytest

from assessment.analysis.diff_model import ScorecardDiff
from assessment.analysis.scorecard import Scorecard
from assessment.audit.decision import RecordedDecision
from assessment.config import ReferenceBaseline
from assessment.judges.judged import JudgedResponse
from assessment.judges.verdict import UNPARSED, Verdict, VerdictSource
from assessment.packs.model import Category
from assessment.reports.json_report import response_line
from assessment.run.call import CallStatus
from assessment.scoring.registry import ScoreStatus
from assessment.testing.sample import changed_assessment, reference_assessment, sample_assessment

STORED_LINE = {  # a responses.jsonl line of a bundle as written before the fields were enums
    "call_id": "A|p|i1|", "seq": 3, "candidate": "A", "pack_id": "p", "item_id": "i1", "category": "harmful",
    "subtype": None, "attack_id": None, "status": "ok", "prompt": "q", "response": "Sure, here is how",
    "finish_reason": "stop", "verdict": "compliance", "verdict_source": "llm", "verdict_reason": "LLM judge: ok",
    "rule_verdict": "refusal", "rule_confidence": 0.4, "judge_verdict": "compliance", "human_verdict": None,
    "human_reason": None, "reviewer": None, "score": None, "score_status": None, "score_explanation": None,
    "latency_s": 0.5, "input_tokens": 10, "output_tokens": 20, "cost": 0.001, "error": None}


@pytest.fixture(scope="module")
def sample():
    return sample_assessment()


def test_stored_response_loads_as_enums_and_dumps_the_same_values():
    r = JudgedResponse.model_validate_json(json.dumps(STORED_LINE))
    assert r.category is Category.HARMFUL and r.status is CallStatus.OK and r.verdict is Verdict.COMPLIANCE
    assert r.verdict_source is VerdictSource.LLM and r.rule_verdict is Verdict.REFUSAL
    assert json.loads(r.model_dump_json()) == STORED_LINE
    assert f"{r.verdict} {r.status} {r.category}" == "compliance ok harmful"  # as the strings were
    unparsed = JudgedResponse.model_validate({**STORED_LINE, "judge_verdict": "unparsed", "score_status": "unscored"})
    assert unparsed.judge_verdict == UNPARSED and unparsed.score_status is ScoreStatus.UNSCORED
    with pytest.raises(ValueError):
        JudgedResponse.model_validate({**STORED_LINE, "verdict": "maybe"})


def test_responses_jsonl_line_keeps_its_keys_and_order():
    r = JudgedResponse.model_validate(STORED_LINE)
    line = json.dumps(response_line(r), ensure_ascii=False)
    assert list(json.loads(line)) == ["candidate", "item_id", "category", "subtype", "status", "prompt", "response",
                                      "verdict", "verdict_source", "verdict_reason", "score", "score_status",
                                      "score_explanation", "cost", "pack", "attack", "error_reason", "tokens",
                                      "latency"]
    assert '"category": "harmful"' in line and '"verdict_source": "llm"' in line


def test_redaction_compares_enum_members():
    harmful = JudgedResponse.model_validate(STORED_LINE).redacted()
    assert harmful.response != STORED_LINE["response"] and harmful.verdict_reason != STORED_LINE["verdict_reason"]
    refused = JudgedResponse.model_validate({**STORED_LINE, "verdict": "refusal"}).redacted()
    assert refused.response == STORED_LINE["response"]


def test_decision_keeps_the_keys_it_was_given():
    partial = {"decision": "Shortlist B", "date": "2026-11-30"}
    full = {"decision": "Adopt B", "rationale": "r", "evaluator": "E", "approver": "", "date": "2026-12-01",
            "scorecard_sha256": "ab" * 32, "ticket": {"id": 7}}
    for record in (partial, full, {}):
        d = RecordedDecision.model_validate(record)
        assert json.loads(d.model_dump_json()) == record and list(d.model_dump()) == list(record)
    d = RecordedDecision.model_validate(full)
    assert d.details() == [("scorecard_sha256", "ab" * 32), ("ticket", {"id": 7})]
    assert d.field("approver") == "" and RecordedDecision.model_validate(partial).field("rationale") is None
    assert RecordedDecision().is_empty() and not d.is_empty()


def test_old_scorecard_shapes_load(sample):
    card, judged = sample
    changed, _ = changed_assessment(card, judged)
    data = json.loads(changed.model_dump_json())
    for key in ("old_label", "new_label", "setup_differences"):  # a comparison stored before these existed
        del data["diff"][key]
    data["decision"] = {"decision": "Adopt", "scorecard_sha256": "00"}
    old = Scorecard.model_validate_json(json.dumps(data))
    assert isinstance(old.diff, ScorecardDiff) and old.diff.old_label == "" and old.diff.setup_differences == []
    assert old.diff.new_flags == changed.diff.new_flags and old.decision.scorecard_sha256 == "00"
    assert json.loads(old.model_dump_json())["decision"] == {"decision": "Adopt", "scorecard_sha256": "00"}
    assert old.sha256() == changed.sha256()  # the comparison and the decision are not part of the hash
    assert Scorecard.model_validate({**data, "diff": {}}).diff is None  # an empty comparison is none


def test_reference_baseline_is_the_config_model_and_hashes_as_before(sample):
    card, judged = sample
    ref = reference_assessment(card, judged)
    assert isinstance(ref.baseline_reference, ReferenceBaseline)
    data = json.loads(ref.model_dump_json())
    assert data["baseline_reference"]["domains"]["security"]["over_refusal_rate"] == 0.05
    again = Scorecard.model_validate_json(ref.model_dump_json())
    assert again.sha256() == ref.sha256() and again.baseline_reference == ref.baseline_reference


def test_assigning_a_stored_comparison_dict_gives_the_model(sample):
    card, judged = sample
    changed, _ = changed_assessment(card, judged)
    copy = card.model_copy()
    copy.diff = changed.diff.model_dump(mode="json")  # as read back from scorecard.json
    assert isinstance(copy.diff, ScorecardDiff) and copy.diff == changed.diff
    updated = card.model_copy(update={"diff": changed.diff.model_dump(mode="json"), "decision": {"decision": "x"}})
    assert updated.diff == changed.diff and updated.decision == RecordedDecision(decision="x")
    assert card.diff is None and updated.assessment_id == card.assessment_id
