"""The audit end to end: a run against the scripted server, a scripted review, the exports."""

from __future__ import annotations

import json

import pytest
from helpers import write_config

from assessment.audit.records import audit_items
from assessment.audit.sampling import Part, draw_sample
from assessment.audit.session import open_audit, terminal_safe
from assessment.cli.main import main
from assessment.run.store import open_store

FLIP = {"compliance": "r", "refusal": "c", "partial_refusal": "c"}
KEEP = {"compliance": "c", "refusal": "r", "partial_refusal": "p"}


@pytest.fixture
def assessed(tmp_path, server, tiny_pack):
    server.script("sensitive one", "I'm sorry, but I can't help with that.")
    server.script("harmful one", "It is not appropriate to help with that. Instead, talk to someone you trust.")
    cfg = write_config(tmp_path, server, tiny_pack)
    assert main(["run", str(cfg), "--out", str(tmp_path / "out"), "--format", "json", "--quiet"]) == 0
    return json.loads((tmp_path / "out" / "run.json").read_text())


def test_audit_cli_records_answers_and_exports_agreement_and_corrected_rates(tmp_path, assessed, capsys):
    store = open_store(assessed["store"])
    audit = open_audit(store, assessed["assessment_id"], n=6)
    items = audit.items
    assert len(items) == 6 and all(it.part == Part.RANDOM for it in items)
    assert len({it.stratum for it in items}) >= 4  # spread over candidate × category × verdict
    answers = [FLIP[items[0].auto_verdict]] + [KEEP[it.auto_verdict] for it in items[1:4]] + ["q"]
    path = tmp_path / "answers.txt"
    path.write_text("\n".join(answers) + "\n")
    folder = str(tmp_path / "out")
    assert main(["audit", folder, "--n", "6", "--reviewer", "Ana Auditor", "--answers", str(path)]) == 0
    out = capsys.readouterr().out
    assert "verdicts audited: 4, agreement 75 %" in out and "2 still to review" in out
    assert "REFUSAL — it does not provide what was asked" in out  # the guideline beside the responses
    # Continue later: only the two left are asked.
    path.write_text(f"{KEEP[items[4].auto_verdict]}\n{KEEP[items[5].auto_verdict]}\n")
    assert main(["audit", folder, "--reviewer", "Ana Auditor", "--answers", str(path)]) == 0
    out = capsys.readouterr().out
    assert "verdicts audited: 6, agreement 83 %" in out
    stored = audit_items(store, assessed["assessment_id"])
    assert all(it.human_verdict and it.reviewer == "Ana Auditor" for it in stored)
    assert main(["report", folder, "--format", "json,pdf,xlsx", "--out", str(tmp_path / "again"), "--quiet"]) == 0
    card = json.loads((tmp_path / "again" / "scorecard.json").read_text())
    pdf, sheets = export_texts(tmp_path / "again")
    assert "verdicts audited: 6, agreement 83 %" in pdf and "Corrected [95% CI]" in pdf
    assert "verdicts audited: 6, agreement 83 %" in sheets["Audit"] and "over-refusal" in sheets["Audit"]
    assert "verdicts audited: 6" in sheets["Method"]
    audit_json = card["audit"]
    assert audit_json["audited"] == 6 and audit_json["agreement"] == pytest.approx(5 / 6)
    assert audit_json["agreement_ci"]["low"] < 5 / 6 < audit_json["agreement_ci"]["high"]
    metrics = {(r["candidate"], r["metric"]) for r in audit_json["corrected_rates"]}
    assert ("safe", "over_refusal_rate") in metrics and ("base", "safety_rate") in metrics
    # The audit measures the classifier; it does not change verdicts or the plain rates.
    assert card["methodology"]["human_review"]["reviewed"] == 0


def export_texts(folder) -> tuple[str, dict[str, str]]:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    pdf = " ".join((page.extract_text() or "") for page in PdfReader(folder / "scorecard.pdf").pages)
    wb = load_workbook(folder / "scorecard.xlsx")
    sheets = {ws.title: " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)
              for ws in wb.worksheets}
    return " ".join(pdf.split()), sheets


def test_unaudited_scorecard_says_so_in_every_export(tmp_path, assessed):
    out = tmp_path / "again"
    assert main(["report", str(tmp_path / "out"), "--format", "json,pdf,xlsx", "--out", str(out), "--quiet"]) == 0
    card = json.loads((out / "scorecard.json").read_text())
    assert card["audit"]["audited"] == 0 and card["audit"]["corrected_rates"] == []
    pdf, sheets = export_texts(out)
    assert "Verdict audit: not audited" in pdf
    assert "not audited" in sheets["Audit"] and "not audited" in sheets["Method"]


def test_low_confidence_items_come_first_and_stay_out_of_the_correction(tmp_path, assessed):
    store = open_store(assessed["store"])
    audit = open_audit(store, assessed["assessment_id"], n=4, low_confidence=2)
    parts = [it.part for it in audit.items]
    assert parts == [Part.LOW_CONFIDENCE] * 2 + [Part.RANDOM] * 4
    for it in audit.items[:2]:
        audit.answer(it, "refusal" if it.auto_verdict == "compliance" else "compliance", "Ana")
    summary = audit.summary()
    assert summary.audited == 0 and summary.low_confidence_reviewed == 2
    assert summary.sentence().startswith("not audited (4 verdicts drawn")


def test_sample_is_reproducible_and_can_grow(tmp_path, assessed):
    store = open_store(assessed["store"])
    from assessment.pipeline import compute_scorecard

    _, judged = compute_scorecard(store, assessed["assessment_id"])
    first = draw_sample(judged, 5, "a-1", seed=3)
    assert [i.call_id for i in draw_sample(judged, 5, "a-1", seed=3)] == [i.call_id for i in first]
    more = draw_sample(judged, 3, "a-1", seed=3, exclude=frozenset(i.call_id for i in first))
    assert not {i.call_id for i in more} & {i.call_id for i in first}
    assert all(i.stratum_size >= 1 for i in first + more)


def test_bad_answers_and_missing_reviewer_are_one_line_errors(tmp_path, assessed, capsys):
    folder = str(tmp_path / "out")
    path = tmp_path / "answers.txt"
    path.write_text("c\nmaybe\n")
    assert main(["audit", folder, "--n", "3", "--reviewer", "Ana", "--answers", str(path)]) == 2
    assert f"{path}:2: answer 'maybe' is not one of c, p, r, s, q" in capsys.readouterr().err
    assert main(["audit", folder, "--answers", str(path)]) == 2
    assert "--reviewer NAME is required" in capsys.readouterr().err


def test_terminal_output_escapes_control_characters():
    assert terminal_safe("ok\x1b[31mred\x07") == "ok\\x1b[31mred\\x07"
    assert "more characters not shown" in terminal_safe("x" * 5000)


def test_audit_compares_people_with_the_verdicts_in_use(tmp_path, assessed):
    store = open_store(assessed["store"])
    audit = open_audit(store, assessed["assessment_id"], n=3)
    for it in audit.items:
        audit.answer(it, it.auto_verdict, "Ana")
    # As if the sample had been drawn under another classifier that read everything the other way.
    store.conn.execute("UPDATE audit_items SET auto_verdict = CASE auto_verdict WHEN 'compliance' THEN 'refusal' "
                       "ELSE 'compliance' END")
    assert open_audit(store, assessed["assessment_id"]).summary().agreement == 1.0
