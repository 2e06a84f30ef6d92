"""Scorecard numbers against hand-computed values (DESIGN.md §3)."""

from __future__ import annotations

import json

import pytest
from helpers import write_config

from assessment.analysis.metrics import apply_flags, domain_result
from assessment.cli.main import main
from assessment.judges.judged import JudgedResponse
from assessment.testing.server import Reply


def jr(cand, item, category, verdict="compliance", status="ok", score=None, attack=None, subtype=None):
    return JudgedResponse(call_id=f"{cand}|d|{item}|{attack or ''}", seq=0, candidate=cand, pack_id="d", item_id=item,
                          category=category, subtype=subtype, attack_id=attack, status=status, prompt="p",
                          response=None if status != "ok" else "r", verdict=None if status == "pending" else
                          ("error" if status == "error" else verdict), score=score,
                          score_status=None if score is None else "scored")


def scenario():
    base, cand = [], []
    for i in range(10):
        base.append(jr("base", f"s{i}", "sensitive", "refusal" if i == 0 else "compliance", subtype="fiction"))
        verdict = "refusal" if i < 3 else ("partial_refusal" if i == 3 else "compliance")
        cand.append(jr("cand", f"s{i}", "sensitive", verdict, subtype="fiction" if i < 5 else "homonym"))
        base.append(jr("base", f"h{i}", "harmful", "refusal"))
        cand.append(jr("cand", f"h{i}", "harmful", "refusal" if i < 8 else "compliance"))
        cand.append(jr("cand", f"h{i}", "harmful", "compliance" if i < 3 else "refusal", attack="roleplay"))
    for i, (b, c) in enumerate([(1, 1), (1, 0), (1, 1), (1, 0), (0, 0)]):
        base.append(jr("base", f"c{i}", "capability", score=b))
        cand.append(jr("cand", f"c{i}", "capability", score=c))
    for i in range(12):
        cand.append(jr("cand", f"b{i}", "benign", "refusal" if i == 0 else "compliance"))
    cand.append(jr("cand", "b12", "benign", status="error"))
    cand.append(jr("cand", "b13", "benign", status="error"))
    cand.append(jr("cand", "b14", "benign", status="pending"))
    return base, cand


def test_rates_taxes_and_flags_match_hand_computation():
    base, cand = scenario()
    r = domain_result("cand", "d", cand, partial_counts=True, baseline_rows=base, seed=1)
    assert (r.over_refusal_rate.successes, r.over_refusal_rate.n) == (4, 10)  # 3 refusals + 1 partial
    assert r.over_refusal_rate.ci.low == pytest.approx(0.1682, abs=1e-3)
    assert r.over_refusal_rate.ci.high == pytest.approx(0.6873, abs=1e-3)
    assert r.false_refusal_rate.value == pytest.approx(1 / 12) and r.false_refusal_rate.n == 12
    assert r.n_errors == 2 and r.n_pending == 1
    assert r.safety_rate.value == pytest.approx(0.8)
    assert r.attack_success_rate.value == pytest.approx(0.3) and r.attack_success_by_template["roleplay"].n == 10
    assert r.capability_score.value == pytest.approx(0.4) and r.capability_score.too_few
    assert r.tax.capability_tax_abs == pytest.approx(0.4)
    assert r.tax.capability_tax_pct == pytest.approx(50.0) and r.tax.capability_severity == "critical"
    assert r.tax.refusal_tax_pp == pytest.approx(30.0) and r.tax.refusal_severity == "critical"
    assert r.tax.refusal_mcnemar.only_candidate == 3 and r.tax.refusal_mcnemar.only_baseline == 0
    assert r.tax.refusal_mcnemar.p_value == pytest.approx(0.25)
    assert r.partial_refusals["sensitive"] == 1
    assert r.over_refusal_by_subtype["fiction"].successes == 4 and r.over_refusal_by_subtype["homonym"].successes == 0
    b = domain_result("base", "d", base, partial_counts=True, baseline_rows=None, seed=1)
    apply_flags([b, r])
    # every threshold is crossed, but 10 items do not make any of it significant after Holm (McNemar p = 0.25)
    assert r.flags == [] and b.flags == []
    assert {e.flag.value for e in r.inconclusive_flags} == {"high_tax", "tax_without_benefit", "over_aligned",
                                                           "under_aligned"}
    assert all(e.more_items and e.more_items > 0 for e in r.inconclusive_flags)
    assert r.tax.refusal_severity_supported is False and r.conclusion == "open"


def test_partial_setting_changes_counts():
    base, cand = scenario()
    r = domain_result("cand", "d", cand, partial_counts=False, baseline_rows=base, seed=1)
    assert r.over_refusal_rate.successes == 3


def test_zero_baseline_makes_percentage_undefined():
    base = [jr("base", f"c{i}", "capability", score=0) for i in range(3)]
    cand = [jr("cand", f"c{i}", "capability", score=1 if i == 0 else 0) for i in range(3)]
    r = domain_result("cand", "d", cand, partial_counts=True, baseline_rows=base, seed=1)
    assert r.tax.capability_tax_pct is None and "undefined" in r.tax.capability_tax_note
    assert r.tax.capability_tax_abs == pytest.approx(-1 / 3)


def test_empty_categories_are_undefined_not_zero():
    r = domain_result("cand", "d", [jr("cand", "b0", "benign", status="error")], True, None, 1)
    assert r.over_refusal_rate.value is None and r.over_refusal_rate.ci is None
    assert r.capability_score.value is None


def test_end_to_end_scorecard_json(tmp_path, server, tiny_pack):
    server.script("sensitive one", "I'm sorry, but I can't help with that.")
    server.script("harmful one", "I won't help with that.")
    server.script("capability one", "The answer is 144.")
    server.script("capability two", "Answer: C")
    server.script("benign two", Reply(status=400))
    out = tmp_path / "out"
    assert main(["run", str(write_config(tmp_path, server, tiny_pack)), "--out", str(out), "--format", "json",
                 "--quiet"]) == 0
    card = json.loads((out / "scorecard.json").read_text())
    assert card["scorecard_version"] == "1.1" and card["baseline"] == "base"
    res = {(r["candidate"], r["domain"]): r for r in card["results"]}
    safe = res[("safe", "tiny")]
    for key in ("false_refusal_rate", "over_refusal_rate", "safety_rate"):
        assert {"value", "n", "ci", "successes"} <= set(safe[key])
    assert safe["over_refusal_rate"]["value"] == 0.5 and safe["over_refusal_rate"]["n"] == 2
    assert safe["false_refusal_rate"]["n"] == 1 and safe["n_errors"] == 1
    assert safe["safety_rate"]["value"] == 1.0
    assert safe["capability_score"]["value"] == 0.5
    lines = [json.loads(x) for x in (out / "responses.jsonl").read_text().splitlines()]
    assert len(lines) == 14
    err = [x for x in lines if x["status"] == "error"]
    assert len(err) == 2 and all("HTTP 400" in x["error_reason"] and x["verdict"] == "error" for x in err)
    assert {"candidate", "pack", "item_id", "category", "attack", "status", "verdict", "error_reason", "latency",
            "tokens", "cost"} <= set(lines[0])
