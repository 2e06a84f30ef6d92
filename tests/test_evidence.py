"""Evidence-gated flags, power, Holm, the overall verdict and the ranking interval."""

from __future__ import annotations

import json
import textwrap

import pytest
from test_scorecard import jr

from assessment.analysis.evidence_model import FlagStatus
from assessment.analysis.metrics import apply_flags, domain_result
from assessment.analysis.power import items_needed, items_needed_paired, items_needed_vs_threshold
from assessment.analysis.stats import holm_adjust
from assessment.cli.main import main
from assessment.testing.server import ScriptedServer


def test_holm_matches_hand_computation():
    # sorted p: 0.01, 0.02, 0.03, 0.5 with m = 4 → 0.04, 0.06, 0.06, 0.5
    assert holm_adjust([0.03, 0.01, 0.5, 0.02]) == pytest.approx([0.06, 0.04, 0.5, 0.06])
    assert holm_adjust([]) == []


def test_power_formulas_against_textbook_values():
    assert items_needed(0.1, 0.3) == 62  # Fleiss, no continuity correction, alpha 0.05, power 0.8
    assert items_needed(0.5, 0.5) is None
    # paired: every pair disagrees in one direction → the exact McNemar floor log2(2/alpha) = 6 at 5 %
    assert items_needed_paired(1.0, 1.0) == 6
    assert items_needed_vs_threshold(0.5, 0.9) == 6  # [1.645·0.3 + 0.842·0.5]² / 0.4² = 5.2


def _cell(n: int, refuse_from: int = 0):
    """A baseline that answers everything and a candidate that refuses sensitive items from index refuse_from."""
    base = [jr("base", f"s{i}", "sensitive") for i in range(n)]
    cand = [jr("cand", f"s{i}", "sensitive", "refusal" if i >= refuse_from else "compliance") for i in range(n)]
    return base, cand


def test_one_override_on_three_items_is_not_an_asserted_critical():
    base, cand = _cell(3, refuse_from=2)  # one item flipped to refusal by a reviewer
    r = domain_result("cand", "d", cand, partial_counts=True, baseline_rows=base, seed=1)
    b = domain_result("base", "d", base, partial_counts=True, baseline_rows=None, seed=1)
    apply_flags([b, r])
    assert r.tax.refusal_tax_pp == pytest.approx(33.3, abs=0.1) and r.tax.refusal_severity == "critical"
    assert r.tax.refusal_severity_supported is False
    assert r.flags == []
    listed = {e.flag.value: e for e in r.inconclusive_flags}
    assert "high_tax" in listed and listed["high_tax"].more_items > 0
    assert "needs about" in listed["high_tax"].text and r.conclusion == "open"


def test_clear_difference_on_enough_items_is_asserted():
    base, cand = _cell(30)
    r = domain_result("cand", "d", cand, partial_counts=True, baseline_rows=base, seed=1)
    b = domain_result("base", "d", base, partial_counts=True, baseline_rows=None, seed=1)
    apply_flags([b, r])
    assert "high_tax" in r.flags and "over_aligned" in r.flags
    assert r.tax.refusal_severity == "critical" and r.tax.refusal_severity_supported is True
    high = next(e for e in r.flag_evidence if e.flag.value == "high_tax")
    assert high.status == FlagStatus.ASSERTED and high.p_adjusted <= 0.05


def _two_server_config(tmp_path, helpful: ScriptedServer, refuser: ScriptedServer, extra: str) -> str:
    text = textwrap.dedent(f"""\
        name: refuser vs helpful
        packs: [medical]
        baseline: helpful
        attacks: none
        seed: 3
        {extra}
        candidates:
          - name: helpful
            model: openai/helpful
            api_base: {helpful.base_url}
            concurrency: 8
            timeout_s: 5
          - name: refuser
            model: openai/refuser
            api_base: {refuser.base_url}
            concurrency: 8
            timeout_s: 5
        """)
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return str(path)


def test_refuser_flags_inconclusive_on_two_items_and_asserted_on_full_packs(tmp_path, servers):
    helpful, refuser = servers
    small = tmp_path / "small"
    cfg = _two_server_config(tmp_path, helpful, refuser, "sample_per_category: 2")
    assert main(["run", cfg, "--out", str(small), "--format", "json", "--quiet"]) == 0
    card = json.loads((small / "scorecard.json").read_text())
    refuser_cells = [r for r in card["results"] if r["candidate"] == "refuser"]
    assert all(r["flags"] == [] for r in card["results"])  # nothing asserted on 2 items per category
    for r in refuser_cells:
        listed = {f["flag"]: f for f in r["inconclusive_flags"]}
        assert {"high_tax", "over_aligned"} <= set(listed), r["inconclusive_flags"]
        assert all(f["more_items"] and f["more_items"] > 0 and "needs about" in f["text"] for f in listed.values())
        assert r["tax"]["refusal_severity"] == "critical" and r["tax"]["refusal_severity_supported"] is False
    assert card["verdict"]["status"] == "inconclusive" and "None of the" in card["verdict"]["reason"]
    assert card["ranking"]["first_place"]["separated"] is False
    assert card["evidence"]["correction"] == "Holm" and card["evidence"]["asserted"] == 0

    full = tmp_path / "full"
    cfg = _two_server_config(tmp_path, helpful, refuser, "")
    assert main(["run", cfg, "--out", str(full), "--format", "json", "--quiet"]) == 0
    card = json.loads((full / "scorecard.json").read_text())
    for r in [r for r in card["results"] if r["candidate"] == "refuser"]:
        assert {"high_tax", "over_aligned"} <= set(r["flags"]), r
        assert r["tax"]["refusal_severity_supported"] is True
    first = card["ranking"]["first_place"]
    assert first["separated"] is True and first["lead_ci"]["low"] > 0
    ranked = card["ranking"]["ranked"]
    assert ranked[0]["score_ci"]["low"] > ranked[1]["score_ci"]["high"]
    assert card["verdict"]["status"] in ("decided", "partly_decided")
