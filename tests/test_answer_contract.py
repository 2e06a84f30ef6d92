"""The answer contract: appended by the plan to choice and numeric items only, versioned, recorded in
the methodology of every export; unscored answers are counted per candidate and domain."""

from __future__ import annotations

import json
import textwrap

from helpers import write_config

from assessment.cli.main import main
from assessment.packs import builtin_pack_dir, validate_paths
from assessment.packs.model import Category
from assessment.scoring.contract import ANSWER_FORMAT_VERSION, INSTRUCTIONS

PACK = textwrap.dedent("""\
    id: contract
    name: Contract
    version: "1.0.0"
    items:
      - id: b1
        category: benign
        prompt: "benign one"
      - id: n1
        category: capability
        prompt: "numeric one: what is 12 squared?"
        scoring: {method: numeric, answer: 144}
      - id: n2
        category: capability
        prompt: "numeric two: what is 6 times 7?"
        scoring: {method: numeric, answer: 42}
      - id: c1
        category: capability
        prompt: "choice one: which is even?\\nA) 3\\nB) 4\\nC) 5"
        scoring: {method: choice, answer: B}
      - id: m1
        category: capability
        prompt: "match one: name the capital of France."
        scoring: {method: match, any: [Paris], reference: Paris}
    """)


def test_builtin_choice_and_numeric_items_hold_only_the_question():
    loaded, _ = validate_paths([builtin_pack_dir()])
    for lp in loaded:
        for item in lp.pack.items:
            if item.category == Category.CAPABILITY and item.scoring.method in ("choice", "numeric"):
                assert "answer with" not in item.prompt.lower(), item.id
                assert "number only" not in item.prompt.lower(), item.id


def test_contract_is_sent_scored_and_recorded(tmp_path, server):
    pack = tmp_path / "contract.yaml"
    pack.write_text(PACK)
    server.script("numeric one", "144 (12 × 12; not 24, which is 12 × 2)")
    server.script("numeric two", "Either 42 or 48, I am not sure.")
    server.script("choice one", "B\n\nExplanation: option A (3) and option C (5) are odd.")
    server.script("match one", "Paris.")
    out = tmp_path / "out"
    assert main(["run", str(write_config(tmp_path, server, pack)), "--out", str(out), "--format", "json",
                 "--quiet"]) == 0
    sent = {r.prompt.split(":")[0]: r.prompt for r in server.records}
    assert sent["numeric one"].endswith(INSTRUCTIONS["numeric"])
    assert sent["choice one"].endswith(INSTRUCTIONS["choice"])
    assert INSTRUCTIONS["numeric"] not in sent["match one"] and INSTRUCTIONS["choice"] not in sent["benign one"]
    card = json.loads((out / "scorecard.json").read_text())
    assert card["methodology"]["answer_format"]["version"] == ANSWER_FORMAT_VERSION
    assert card["methodology"]["answer_format"]["numeric items"] == INSTRUCTIONS["numeric"]
    for res in card["results"]:
        cap = res["capability_score"]
        assert (cap["value"], cap["n"], cap["n_unscored"]) == (1.0, 3, 1)
    assert any("unscored" in note and "several different answers" in note for note in card["methodology"]["not_scored"])
    lines = [json.loads(x) for x in (out / "responses.jsonl").read_text().splitlines()]
    two = [x for x in lines if x["item_id"] == "n2"]
    assert two and all(x["score"] is None and x["score_status"] == "unscored" for x in two)
    # Shown per candidate × domain in the wizard's table and the PDF's capability cells; the PDF and
    # Excel methodology are checked on the shared sample (test_pdf_report, test_xlsx_report).
    from assessment.analysis.scorecard import Scorecard
    from assessment.reports.pdf_domains import _cap_cell
    from assessment.ui.tables import comparison_rows

    scorecard = Scorecard.model_validate(card)
    assert all(row["Capability"].endswith(", 1 unscored") for row in comparison_rows(scorecard))
    assert all(_cap_cell(r).endswith("; 1 not scored") for r in scorecard.results)
