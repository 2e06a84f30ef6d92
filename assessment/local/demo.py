"""The offline demo: the three local candidates over the built-in packs, every export written."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from assessment.config import AssessmentConfig
from assessment.local.model import start_server
from assessment.local.presets import local_candidates
from assessment.packs.loader import builtin_pack_ids
from assessment.pipeline import prepare
from assessment.run.store import open_store
from assessment.service.runs import RunHooks, RunOutcome, run_prepared

QUICK_ATTACKS = ["roleplay_persona", "fiction_framing", "past_tense", "escalation_multi_turn"]


def demo_config(api_base: str, quick: bool) -> AssessmentConfig:
    return AssessmentConfig(
        name="Offline demo: base vs broad vs targeted in-context safety" + (" (quick)" if quick else ""),
        purpose="Reproduce the alignment-tax experiment on a local base model with three safety preambles",
        evaluator="demo", packs=builtin_pack_ids(), candidates=local_candidates(api_base),
        baseline="local-base", seed=2026, sample_per_category=2 if quick else 8,
        # Quick: four attack families, one of them a conversation; full: every template on one item per
        # pack, which keeps the full demo near its v1 size although there are now 20 templates.
        attacks=QUICK_ATTACKS if quick else "all",
        attack_items_per_pack=1)


class DemoOutcome(BaseModel):
    run: RunOutcome
    wall_seconds: float  # including the server start

    def throughput(self) -> str | None:
        """Responses per minute and generated tokens per second over the whole demo (None if interrupted).

        Only a demo whose every response was generated in this run is a speed measurement: answers taken
        from the store (an earlier demo) cost no time, so they are counted apart and no rate is claimed."""
        if self.run.outputs is None:
            return None
        candidates = self.run.outputs.scorecard.candidates
        calls = sum(c.responses for c in candidates)
        wall = self.wall_seconds
        head = f"Demo wall time {wall:.0f}s including server start"
        finished, sent = self.run.finished_calls, self.run.sent_calls
        if sent < finished:
            return (f"{head}: {finished - sent} of {finished} calls were answered from the store (an earlier demo "
                    "run), so no speed is measured; use a new store (ASSESSMENT_STORE) to time it")
        counted = [c.output_tokens for c in candidates]
        tokens = "unknown" if any(t is None for t in counted) else f"{sum(t or 0 for t in counted) / wall:.1f}"
        return f"{head}: {calls} responses, {calls / wall * 60:.0f} calls/min, {tokens} generated tokens/s overall"


def run_demo(out: Path, *, quick: bool, formats: list[str], hooks: RunHooks | None = None,
             on_server_ready: Callable[[str, float], None] | None = None) -> DemoOutcome:
    """Start (or reuse) the local model, then run the demo assessment; it always resumes a previous demo."""
    started = time.monotonic()
    server = start_server()
    if on_server_ready is not None:
        on_server_ready(server.api_base, time.monotonic() - started)
    prepared = prepare(demo_config(server.api_base, quick))
    outcome = run_prepared(prepared, open_store(), out, formats, resume=True, hooks=hooks)
    return DemoOutcome(run=outcome, wall_seconds=time.monotonic() - started)
