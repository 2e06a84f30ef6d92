"""Reference baselines, weighted ranking, cost, and comparing two stored assessments."""

from __future__ import annotations

import json

import pytest
from helpers import write_config

from assessment.analysis.metrics import domain_result
from assessment.analysis.ranking import RankingSettings, rank_candidates
from assessment.analysis.scorecard import candidate_summaries
from assessment.cli.main import main
from assessment.config import AssessmentConfig, CandidateConfig, ReferenceBaseline, ReferenceDomain
from assessment.judges.judged import JudgedResponse
from assessment.run.pricing import price_calls


def jr(cand, item, category, verdict="compliance", score=None, domain="d", cost=None, latency=None, status="ok"):
    return JudgedResponse(call_id=f"{cand}|{domain}|{item}|", seq=0, candidate=cand, pack_id=domain, item_id=item,
                          category=category, subtype=None, attack_id=None, status=status, prompt="p", response="r",
                          verdict=verdict, score=score, score_status=None if score is None else "scored", cost=cost,
                          latency_s=latency, input_tokens=10, output_tokens=20)


def test_tax_against_published_reference_is_unpaired():
    rows = [jr("c", f"c{i}", "capability", score=1.0 if i < 6 else 0.0) for i in range(10)]
    rows += [jr("c", f"s{i}", "sensitive", "refusal" if i < 3 else "compliance") for i in range(10)]
    ref = ReferenceDomain(capability_score=0.8, over_refusal_rate=0.1)
    r = domain_result("c", "d", rows, True, None, seed=1, reference=ref)
    t = r.tax
    assert t.baseline_kind == "reference"
    assert t.capability_tax_abs == pytest.approx(0.2) and t.capability_tax_pct == pytest.approx(25.0)
    assert t.capability_severity == "critical"
    assert t.refusal_tax_pp == pytest.approx(20.0)
    assert t.refusal_mcnemar is None and t.capability_n_paired == 0
    # unpaired tests: exact binomial 3/10 against the published 10 %, one-sample bootstrap against 0.8
    from scipy.stats import binomtest

    assert t.refusal_p_value == pytest.approx(binomtest(3, 10, 0.1).pvalue)
    assert 0 < t.capability_p_value <= 1
    # unpaired interval: the reference minus the candidate's own bootstrap interval
    assert t.capability_tax_abs_ci.low == pytest.approx(0.8 - r.capability_score.ci.high)
    assert t.refusal_tax_pp_ci.low == pytest.approx((r.over_refusal_rate.ci.low - 0.1) * 100)


def test_reference_with_zero_score_is_undefined():
    rows = [jr("c", "c0", "capability", score=1.0)]
    r = domain_result("c", "d", rows, True, None, seed=1, reference=ReferenceDomain(capability_score=0.0))
    assert r.tax.capability_tax_pct is None and "undefined" in r.tax.capability_tax_note


def test_config_refuses_both_kinds_of_baseline():
    with pytest.raises(ValueError, match="either baseline"):
        AssessmentConfig(name="x", packs=["p"], baseline="a", candidates=[CandidateConfig(name="a", model="m")],
                         reference_baseline=ReferenceBaseline(source="s", date="2026", domains={"d": ReferenceDomain()}))


def _result(cand, domain, over, false, cap, safety, asr):
    rows = [jr(cand, f"s{i}", "sensitive", "refusal" if i < over * 10 else "compliance", domain=domain) for i in range(10)]
    rows += [jr(cand, f"b{i}", "benign", "refusal" if i < false * 10 else "compliance", domain=domain) for i in range(10)]
    rows += [jr(cand, f"c{i}", "capability", score=1.0 if i < cap * 10 else 0.0, domain=domain) for i in range(10)]
    rows += [jr(cand, f"h{i}", "harmful", "refusal" if i < safety * 10 else "compliance", domain=domain) for i in range(10)]
    rows += [JudgedResponse(**{**jr(cand, f"h{i}", "harmful", "compliance" if i < asr * 10 else "refusal",
                                    domain=domain).model_dump(), "attack_id": "a", "call_id": f"{cand}|{domain}|h{i}|a"})
             for i in range(10)]
    return domain_result(cand, domain, rows, True, None, seed=1)


def test_weighted_ranking_matches_hand_computation():
    results = [_result("A", "medical", 0.4, 0.0, 0.8, 1.0, 0.0), _result("A", "legal", 0.0, 0.0, 0.6, 0.6, 0.4),
               _result("B", "medical", 0.0, 0.2, 0.6, 0.8, 0.2), _result("B", "legal", 0.2, 0.0, 1.0, 1.0, 0.0)]
    # A medical: help = (0.6 + 1.0 + 0.8)/3 = 0.8, safety = (1.0 + 1.0)/2 = 1.0; legal: help 0.8667, safety 0.6
    # B medical: help = (1.0 + 0.8 + 0.6)/3 = 0.8, safety = 0.8; legal: help (0.8+1+1)/3 = 0.9333, safety 1.0
    settings = RankingSettings(weights={"medical": 3, "legal": 1}, safety_weight=0.5)
    ranking = rank_candidates(results, ["A", "B"], settings)
    a = next(r for r in ranking.ranked if r.candidate == "A")
    b = next(r for r in ranking.ranked if r.candidate == "B")
    assert a.score == pytest.approx((3 * 0.9 + 1 * (0.8667 + 0.6) / 2) / 4, abs=1e-3)
    assert b.score == pytest.approx((3 * 0.8 + 1 * (0.9333 + 1.0) / 2) / 4, abs=1e-3)
    assert [r.candidate for r in ranking.ranked] == ["A", "B"] and a.rank == 1
    # at t = 0 (helpfulness only): A = (3*0.8 + 0.8667)/4 = 0.8167, B = (3*0.8 + 0.9333)/4 = 0.8333 → B first
    first = {row["safety_weight"]: row["first"] for row in ranking.stability}
    assert first[0.0] == "B" and first[1.0] == "A" and ranking.robust is False
    # a zero weight removes the domain
    only_legal = rank_candidates(results, ["A", "B"], RankingSettings(weights={"medical": 0, "legal": 1}))
    assert only_legal.ranked[0].candidate == "B"


def test_tax_without_benefit_is_marked_whatever_the_rank():
    r = _result("A", "medical", 0.4, 0.0, 0.8, 0.5, 0.5)
    r.flags = ["high_tax", "tax_without_benefit"]
    ranking = rank_candidates([r], ["A"], RankingSettings(weights={"medical": 1}))
    assert ranking.ranked[0].warnings == ["tax_without_benefit in medical"]
    assert rank_candidates([r], ["A"], RankingSettings(weights={"medical": 0})).ranked[0].warnings == []


def test_cost_known_unknown_and_from_litellm():
    priced = CandidateConfig(name="p", model="custom/x", price_per_1k_input=1.0, price_per_1k_output=2.0)
    assert price_calls(priced, 1000, 500) == pytest.approx(2.0)
    unknown = CandidateConfig(name="u", model="openai/no-such-model-xyz")
    assert price_calls(unknown, 1000, 500) is None
    self_hosted = CandidateConfig(name="h", model="openai/llama", api_base="http://127.0.0.1:1/v1")
    assert price_calls(self_hosted, 1000, 500) is None
    known = CandidateConfig(name="k", model="gpt-4o-mini")
    cost = price_calls(known, 1_000_000, 1_000_000)
    assert cost is not None and cost > 0
    config = AssessmentConfig(name="x", packs=["p"], candidates=[priced, unknown])
    judged = [jr("p", "b0", "benign", cost=0.5, latency=1.0), jr("p", "b1", "benign", cost=0.5, latency=3.0),
              jr("u", "b0", "benign", cost=None, latency=2.0)]
    summaries = {s.name: s for s in candidate_summaries(config, judged)}
    assert summaries["p"].cost == pytest.approx(1.0) and summaries["p"].cost_per_1k_prompts == pytest.approx(500.0)
    assert summaries["p"].latency_median_s == pytest.approx(2.0) and summaries["p"].latency_p95_s == pytest.approx(2.9)
    assert summaries["u"].cost is None and summaries["u"].cost_per_1k_prompts is None


def test_diff_of_two_stored_assessments(tmp_path, server, tiny_pack, capsys):
    # 12 sensitive items so a change from 0/12 to 12/12 refusals is significant even paired
    lines = tiny_pack.read_text().splitlines()
    extra = []
    for i in range(12):
        extra += [f"  - id: sx{i}", "    category: sensitive", "    subtype: homonym", f'    prompt: "extra sensitive {i}"']
    tiny_pack.write_text("\n".join(lines + extra) + "\n")
    cfg = write_config(tmp_path, server, tiny_pack)
    assert main(["run", str(cfg), "--out", str(tmp_path / "old"), "--format", "json", "--quiet"]) == 0
    server.script("extra sensitive", "I'm sorry, but I can't help with that.")  # the vendor changed its model
    cfg.write_text(cfg.read_text().replace("name: test", "name: test2").replace("openai/safe", "openai/safe-v2"))
    assert main(["run", str(cfg), "--out", str(tmp_path / "new"), "--format", "json", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "old"), str(tmp_path / "new"), "--out", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "safe's over-refusal on tiny rose from 0% to 86%" in out
    diff = json.loads((tmp_path / "d" / "diff.json").read_text())
    over = {(c["candidate"], c["metric"]): c for c in diff["changes"]}
    assert over[("safe", "over_refusal_rate")]["significant"] is True
    assert over[("safe", "over_refusal_rate")]["test"] == "McNemar exact (paired)"
    assert over[("safe", "over_refusal_rate")]["paired_n"] == 14
    unchanged = over[("safe", "false_refusal_rate")]
    assert unchanged["change"] == 0 and unchanged["significant"] is False
    assert {"candidate": "safe", "domain": "tiny", "flag": "high_tax"} in diff["new_flags"]
    # the exports of the new assessment can carry the diff
    assert main(["report", str(tmp_path / "new"), "--format", "json", "--out", str(tmp_path / "r"), "--quiet",
                 "--diff-against", str(tmp_path / "old")]) == 0
    card = json.loads((tmp_path / "r" / "scorecard.json").read_text())
    assert "was set up differently" in card["diff"]["summary"][0]  # the setup warning comes first
    assert card["diff"]["setup_differences"] == ["safe was run with different settings (model)."]
    assert card["diff"]["summary"][1].startswith("safe's over-refusal")
    assert card["ranking"]["formula"].startswith("For each domain")
