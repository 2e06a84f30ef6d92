"""`run --until-decided` on the terminal: parse nothing, decide nothing — drive
assessment.run.sequential.run_until_decided and print the rounds and the calls saved."""

from __future__ import annotations

import sys
from pathlib import Path

from assessment.analysis.evidence_model import Round
from assessment.cli import EXIT_INTERRUPTED
from assessment.cli.console import print_outputs
from assessment.cli.progress import progress_execute
from assessment.errors import UserError
from assessment.pipeline import Prepared
from assessment.run.sequential import Budget, open_first_look, run_until_decided
from assessment.run.store import Store
from assessment.service.outputs import write_outputs


def run_until_decided_cli(prepared: Prepared, store: Store, out_dir: Path, *, resume: bool, formats: list[str],
                          resume_hint: str, quiet: bool, start: int, max_calls: int | None,
                          max_cost: float | None) -> int:
    if max_calls is not None and max_calls < 1 or max_cost is not None and max_cost <= 0:
        raise UserError("--max-calls and --max-cost must be positive")
    assessment_id, resumed = open_first_look(store, prepared, start=start, resume=resume)
    if not quiet:
        print(f"{'Resuming' if resumed else 'Starting'} assessment {assessment_id} until decided: up to "
              f"{len(prepared.plan.calls)} calls for the full packs, store {store.path}")

    def on_round(rnd: Round) -> None:
        if not quiet:
            print(f"Round {rnd.round}: {rnd.per_category} items per category in {len(rnd.open_cells_before)} "
                  f"candidate × domain cell(s), {rnd.calls_added} calls added ({rnd.calls_total} so far); "
                  f"{len(rnd.open_cells_after)} cell(s) still open")

    try:
        outcome = run_until_decided(store, assessment_id, prepared, start=start, execute=progress_execute(quiet),
                                    on_round=on_round, budget=Budget(max_calls=max_calls, max_cost=max_cost))
    except KeyboardInterrupt:
        outcome = None
    if outcome is None or outcome.cancelled:
        print(f"\nInterrupted: finished calls are saved.\nResume with: {resume_hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    seq = outcome.record
    if not quiet:
        share = seq.calls_saved / seq.calls_full_plan if seq.calls_full_plan else 0.0
        print(f"Stopped after {len(seq.rounds)} round(s) ({seq.stop_reason}): {seq.calls_planned} calls instead of "
              f"{seq.calls_full_plan} for the full packs, {seq.calls_saved} saved ({share:.0%}).")
    outputs = write_outputs(store, assessment_id, out_dir, formats)
    if not quiet:
        print_outputs(outputs)
    return 0
