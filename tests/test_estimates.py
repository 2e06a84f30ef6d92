"""Honest estimates: time from measured latency (past runs of the same model, else the connection
test), cost with a currency or "unknown", and a smoothed time left during a run."""

from __future__ import annotations

import time

from assessment.config import CandidateConfig
from assessment.run.estimates import LatencySource, cost_words, latency_basis, run_seconds
from assessment.run.runner import CandidateProgress, Progress
from assessment.run.store import Store


def _store_with_answers(tmp_path, model: str, latencies: list[float]) -> Store:
    store = Store(tmp_path / "s.sqlite")
    for i, latency in enumerate(latencies):
        store.save_response(f"k{model}{i}", model, [{"role": "user", "content": str(i)}], "ok", "stop", 5, 5,
                            latency, 1)
    return store


def test_time_per_call_comes_from_past_runs_then_the_connection_test_else_unknown(tmp_path):
    store = _store_with_answers(tmp_path, "openai/measured", [1.0, 3.0, 2.0, 40.0])
    measured = CandidateConfig(name="m", model="openai/measured", concurrency=4)
    basis = latency_basis(store, measured, probe_seconds=0.2)
    assert (basis.source, basis.seconds, basis.calls) == (LatencySource.PAST_RUNS, 2.5, 4)  # the median, not 0.2
    assert run_seconds(100, measured.concurrency, basis) == 62.5
    fresh = CandidateConfig(name="f", model="openai/never-run", concurrency=2)
    probe = latency_basis(store, fresh, probe_seconds=0.8)
    assert probe.source is LatencySource.PROBE and "lower bound" in probe.words()
    unknown = latency_basis(store, fresh, probe_seconds=None)
    assert unknown.source is LatencySource.UNKNOWN and run_seconds(10, 2, unknown) is None


def test_cost_has_a_currency_or_is_unknown():
    assert cost_words(None) == "unknown"
    assert cost_words(0.01234) == "0.0123 USD"
    assert cost_words(0.0) == "0 USD (price set to 0)"


def test_time_left_is_smoothed_not_jumping_with_each_burst():
    p = Progress()
    cp = p.per_candidate.setdefault("a", CandidateProgress())
    cp.total, cp.done = 100, 10
    p.started = time.monotonic() - 10  # 10 answers in 10 s: 90 s left at that pace
    first = p.eta_seconds()
    cp.done = 50  # a fast burst: the raw pace now says 10 s left
    raw, shown = p.raw_eta_seconds(), p.eta_seconds()
    assert raw < 11 and first > 89
    assert raw < shown < first  # moves toward the new reading, not all the way
    cp.done = 100
    assert p.eta_seconds() == 0.0
