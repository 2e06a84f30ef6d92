"""Run until decided against the scripted server: rounds, the alpha split over looks, calls saved, budgets."""

from __future__ import annotations

import json
import textwrap

import pytest

from assessment.cli.main import main
from assessment.run.sequential import look_schedule
from assessment.testing.server import ScriptedServer


def test_look_schedule_doubles_then_takes_the_full_packs():
    assert look_schedule(35, start=2) == [2, 4, 8, 35]
    assert look_schedule(35, start=4) == [4, 8, 16, 35]
    assert look_schedule(6, start=4) == [4, 6]
    assert look_schedule(3, start=4) == [3]


def _config(tmp_path, baseline: ScriptedServer, candidate: ScriptedServer) -> str:
    # the baseline refuses everything, the candidate answers everything: every conclusion is clear-cut,
    # so the cells are decided well before the full packs
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: until decided
        packs: [medical]
        baseline: strict
        attacks: none
        seed: 5
        candidates:
          - name: strict
            model: openai/strict
            api_base: {baseline.base_url}
            concurrency: 8
            timeout_s: 5
          - name: open
            model: openai/open
            api_base: {candidate.base_url}
            concurrency: 8
            timeout_s: 5
        """))
    return str(path)


def test_until_decided_stops_when_every_cell_is_decided_and_reports_calls_saved(tmp_path, servers, capsys):
    helpful, refuser = servers
    cfg = _config(tmp_path, refuser, helpful)
    out = tmp_path / "out"
    assert main(["run", cfg, "--out", str(out), "--format", "json", "--until-decided", "--start", "2"]) == 0
    printed = capsys.readouterr().out
    card = json.loads((out / "scorecard.json").read_text())
    seq = card["sequential"]
    assert seq["schedule"][:3] == [2, 4, 8] and seq["looks_planned"] == len(seq["schedule"])
    assert seq["stop_reason"] == "decided"
    assert 1 < len(seq["rounds"]) < seq["looks_planned"]
    assert seq["calls_saved"] == seq["calls_full_plan"] - seq["calls_planned"] > 0
    assert seq["rounds"][-1]["open_cells_after"] == []
    # the statistics account for the looks: alpha 5 % split over the planned looks
    assert card["evidence"]["looks"] == seq["looks_planned"]
    assert card["evidence"]["alpha_per_look"] == pytest.approx(0.05 / seq["looks_planned"])
    assert all(r["conclusion"] == "decided" for r in card["results"])
    cells = {(r["candidate"], r["domain"]): r for r in card["results"]}
    assert "over_aligned" in cells[("strict", "medical")]["flags"]
    assert "under_aligned" in cells[("open", "medical")]["flags"]
    # only the planned calls were sent: the server saw each prompt at most once per candidate
    assert sum(helpful.ok_counts().values()) + sum(refuser.ok_counts().values()) == seq["calls_planned"]
    assert f"{seq['calls_saved']} saved" in printed and "Round 1" in printed


def test_until_decided_respects_a_call_budget(tmp_path, servers, capsys):
    helpful, refuser = servers
    cfg = _config(tmp_path, refuser, helpful)
    out = tmp_path / "out"
    assert main(["run", cfg, "--out", str(out), "--format", "json", "--quiet", "--until-decided", "--start", "2",
                 "--max-calls", "40"]) == 0
    seq = json.loads((out / "scorecard.json").read_text())["sequential"]
    assert seq["stop_reason"] == "budget" and seq["calls_planned"] <= 40 and seq["max_calls"] == 40
    assert main(["run", cfg, "--out", str(out), "--until-decided", "--start", "2", "--max-calls", "3"]) == 2
    assert "budget does not cover the first look" in capsys.readouterr().err


def test_wizard_runs_until_decided_through_the_library(server):
    from test_ui_apptest import go, new_app, no_errors, run_to_end, texts, wizard_for

    at = go(new_app(), "run", wizard_for(server, sample=8))
    at.checkbox(key="w_run_until_decided").check().run()
    at.button(key="run_start").click().run()
    no_errors(at)
    run_to_end(at)
    no_errors(at)
    assert any("round(s)" in s and "for the full packs" in s for s in texts(at, "success")), texts(at, "success")
    from assessment.pipeline import compute_scorecard
    from assessment.run.store import open_store

    with open_store(None) as store:
        card, _ = compute_scorecard(store, at.session_state["wizard"].assessment_id)
    assert card.sequential is not None and card.sequential.schedule == [4, 8]
    assert card.sequential.rounds[0].per_category == 4 and card.evidence.looks == 2
