"""Complete records (issue: settings, weights and attacks as run; reproducible re-export) and the
append-only audit log of overrides and decisions."""

from __future__ import annotations

import json
import re
import sqlite3
import textwrap

import pytest
from helpers import write_config
from openpyxl import load_workbook

from assessment.analysis.settings_record import clean_api_base
from assessment.cli.main import main


def _candidates(server) -> str:
    return textwrap.dedent(f"""\
        candidates:
          - name: base
            model: openai/base
            api_base: {server.base_url}
            timeout_s: 2
          - name: safe
            model: openai/safe
            api_base: {server.base_url}
            system_prompt: "You are a careful assistant for Contoso."
            params: {{max_tokens: 321, temperature: 0.2}}
            timeout_s: 2
        """)


@pytest.fixture
def ran(tmp_path, server, tiny_pack):
    server.script("harmful one", "I won't help with that.")
    server.script("capability one", "The answer is 144.")
    config = write_config(tmp_path, server, tiny_pack, candidates=_candidates(server))
    config.write_text(config.read_text().replace("attacks: none", "attacks: [roleplay_persona]"))
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--format", "json", "--quiet"]) == 0
    info = json.loads((out / "run.json").read_text())
    return tmp_path, out, info


def _report(out, folder, fmt="json"):
    assert main(["report", str(out), "--out", str(folder), "--format", fmt, "--quiet"]) == 0
    return json.loads((folder / "scorecard.json").read_text()) if "json" in fmt else None


def test_records_name_attacks_run_and_full_candidate_settings(ran):
    _, out, _ = ran
    card = json.loads((out / "scorecard.json").read_text())
    m = card["methodology"]
    assert m["attacks"] == ["roleplay_persona"]  # not every template in the attack file
    safe = next(c for c in m["candidate_settings"] if c["name"] == "safe")
    assert safe["system_prompt"] == "You are a careful assistant for Contoso."
    assert safe["params"] == {"max_tokens": 321, "temperature": 0.2} and safe["max_tokens"] == 321
    base = next(c for c in m["candidate_settings"] if c["name"] == "base")
    assert base["max_tokens"] == "not set (provider default)" and base["api_base"].startswith("http://127.0.0.1")
    assert m["ranking_settings"] == {"weights": {}, "safety_weight": 0.5}
    assert m["scorers"]["version"] and "numeric" in m["scorers"]["methods"]
    assert m["classifier"]["version"] and card["exported_at"]


def test_credentials_in_api_base_are_masked():
    assert clean_api_base("https://alice:s3cret@llm.example/v1?api-key=abcd1234&x=1") == \
        "https://[REDACTED]@llm.example/v1?api-key=[REDACTED]&x=1"
    assert clean_api_base("http://127.0.0.1:8000/v1") == "http://127.0.0.1:8000/v1"


def test_stored_weights_survive_reopening_and_reexport_is_byte_identical(ran):
    from assessment.pipeline import load_stored
    from assessment.run.store import open_store

    tmp_path, out, info = ran
    with open_store(info["store"]) as store:
        store.save_ranking(info["assessment_id"], {"weights": {"tiny": 3.0}, "safety_weight": 0.7})
        assert load_stored(store, info["assessment_id"]).config.ranking.weights == {"tiny": 3.0}
        config_hash = store.assessment_record(info["assessment_id"])["config_hash"]
    first = _report(out, tmp_path / "r1", "json,xlsx")
    _report(out, tmp_path / "r2")
    assert first["ranking"]["settings"] == {"weights": {"tiny": 3.0}, "safety_weight": 0.7}
    assert first["methodology"]["ranking_settings"] == first["ranking"]["settings"]
    assert first["methodology"]["config_hash"] == config_hash  # weights re-rank: same measurements
    texts = [(tmp_path / f / "scorecard.json").read_text() for f in ("r1", "r2")]
    stamp = re.compile(r'"exported_at": "[^"]+"')
    assert all(len(stamp.findall(t)) == 1 for t in texts)
    assert stamp.sub("", texts[0]) == stamp.sub("", texts[1])  # byte for byte apart from the export time
    method = [row for row in load_workbook(tmp_path / "r1" / "scorecard.xlsx")["Method"].iter_rows(values_only=True)]
    labels = {row[0]: row[1] for row in method if row[0]}
    assert labels["candidate safe.system_prompt"] == "You are a careful assistant for Contoso."
    assert labels["candidate safe.max_tokens"] == 321 and labels["ranking.weights.tiny"] == 3
    assert labels["attacks run"] == "roleplay_persona"


def test_overrides_and_decisions_form_an_append_only_log(ran):
    from assessment.audit.log import record_decision, record_override
    from assessment.pipeline import compute_scorecard
    from assessment.run.store import open_store

    tmp_path, out, info = ran
    aid = info["assessment_id"]
    with open_store(info["store"]) as store:
        card, judged = compute_scorecard(store, aid)
        target = next(r for r in judged if r.candidate == "safe" and r.item_id == "b1")
        assert target.verdict == "compliance"
        record_override(store, aid, target, "refusal", "it only pointed to a hotline", "Dana Reviewer")
        card, judged = compute_scorecard(store, aid)
        stored = record_decision(store, aid, {"decision": "Adopt safe", "rationale": "lowest tax", "evaluator": "Eve",
                                              "approver": "Ann Approver", "date": "2026-12-02"}, card)
        assert stored["scorecard_sha256"] == card.sha256()
        after, _ = compute_scorecard(store, aid)  # the decision is not part of what it approves
        assert after.sha256() == card.sha256() and after.decision.scorecard_sha256 == card.sha256()
        log = store.audit_log(aid)
        assert [e["kind"] for e in log] == ["override", "decision"]
        o = log[0]
        assert (o["who"], o["call_id"], o["old_verdict"], o["new_verdict"]) == \
            ("Dana Reviewer", target.call_id, "compliance", "refusal")
        assert o["prompt_excerpt"] == "benign one" and o["reason"] == "it only pointed to a hotline"
        assert o["at"].endswith("+00:00")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.conn.execute("UPDATE audit_log SET who='someone else'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.conn.execute("DELETE FROM audit_log")
        record_override(store, aid, target, "compliance", "second look: it did answer", "Dana Reviewer")
        assert len(store.audit_log(aid)) == 3  # a new entry; the first one is still there
        again, _ = compute_scorecard(store, aid)
        assert again.sha256() != card.sha256() and len(again.audit_log) == 3  # numbers changed: a new hash
    _report(out, tmp_path / "r", "xlsx")
    rows = list(load_workbook(tmp_path / "r" / "scorecard.xlsx")["Audit log"].iter_rows(values_only=True))
    header = rows[0]
    first = dict(zip(header, rows[1]))
    assert first["old verdict"] == "compliance" and first["new verdict"] == "refusal" and first["who"] == "Dana Reviewer"
    decision = dict(zip(header, rows[2]))
    assert decision["approver"] == "Ann Approver" and decision["approves scorecard SHA-256"] == card.sha256()


def test_pdf_lists_the_audit_log_and_settings(ran):
    from pypdf import PdfReader

    from assessment.audit.log import record_override
    from assessment.pipeline import compute_scorecard
    from assessment.run.store import open_store

    tmp_path, out, info = ran
    with open_store(info["store"]) as store:
        _, judged = compute_scorecard(store, info["assessment_id"])
        target = next(r for r in judged if r.candidate == "base" and r.item_id == "s1")
        record_override(store, info["assessment_id"], target, "refusal", "declined the request", "Dana Reviewer")
    _report(out, tmp_path / "p", "pdf")
    text = " ".join(p.extract_text() for p in PdfReader(tmp_path / "p" / "scorecard.pdf").pages)
    flat = " ".join(text.split())
    assert "Audit log" in flat and "Dana Reviewer" in flat and "declined the request" in flat
    assert "changed from compliance to refusal" in flat
    assert "You are a careful assistant for Contoso." in flat and "roleplay_persona" in flat
