"""Stored verdicts: a recomputed scorecard reads them; a new classifier version would not."""

from __future__ import annotations

import json

from helpers import write_config

from assessment.cli.main import main
from assessment.judges.cache import classify_cached, verdict_key
from assessment.judges.classifier import classifier_version
from assessment.pipeline import compute_scorecard
from assessment.run.store import Store, open_store


def test_scorecard_reads_stored_verdicts(tmp_path, server, tiny_pack):
    cfg = write_config(tmp_path, server, tiny_pack)
    assert main(["run", str(cfg), "--out", str(tmp_path / "out"), "--format", "json", "--quiet"]) == 0
    info = json.loads((tmp_path / "out" / "run.json").read_text())
    store = open_store(info["store"])
    stored = store.conn.execute("SELECT COUNT(*) FROM verdict_cache").fetchone()[0]
    assert stored >= 1
    # Mark every stored verdict: the next scorecard must show the mark, so it read them rather than reclassifying.
    store.conn.execute("UPDATE verdict_cache SET reason = 'from the store'")
    _, judged = compute_scorecard(store, info["assessment_id"])
    assert all(r.verdict_reason == "from the store" for r in judged if r.status == "ok" and r.category != "capability")


def test_keys_depend_on_version_and_text(tmp_path):
    assert verdict_key("v1", "p", "r", None) != verdict_key("v2", "p", "r", None)
    assert verdict_key("v1", "p", "r", None) != verdict_key("v1", "p", "r", "content_filter")
    store = Store(tmp_path / "s.sqlite")
    first = classify_cached(store, {"a": ("q", "I won't help with that.", None), "b": ("q", "I won't help with that.", None)})
    assert first["a"] == first["b"] and first["a"].confidence is not None
    key = verdict_key(classifier_version(), "q", "I won't help with that.", None)
    assert store.conn.execute("SELECT verdict FROM verdict_cache WHERE key=?", (key,)).fetchone()[0] == "refusal"
