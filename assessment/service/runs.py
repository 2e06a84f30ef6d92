"""Run a prepared assessment end to end: open it (or resume it), send the calls, write the exports.

A front end passes ``RunHooks``: how to execute (the CLI wraps ``pipeline.execute`` in its progress
bar) and what to say when the assessment is opened and when the calls have finished.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from assessment.errors import UserError
from assessment.pipeline import Prepared, execute, open_assessment
from assessment.run.call import CallStatus
from assessment.run.runlock import busy_message, run_in_progress
from assessment.run.runner import Progress
from assessment.run.store import Store
from assessment.service.outputs import Outputs, write_outputs

# ``pipeline.execute`` or a wrapper of it (e.g. one that draws a progress bar): (store, assessment id, prepared,
# **options) -> Progress
ExecuteFn = Callable[..., Progress]


@dataclass(frozen=True)
class OpenedRun:
    assessment_id: str
    resumed: bool
    planned_calls: int
    store_path: Path


@dataclass
class RunHooks:
    execute: ExecuteFn = execute
    on_opened: Callable[[OpenedRun], None] | None = None
    on_finished: Callable[[Progress], None] | None = None  # every call answered, before the exports


class RunOutcome(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    assessment_id: str
    resumed: bool
    planned_calls: int
    finished_calls: int  # calls with an answer in the store
    sent_calls: int = 0  # calls sent to a model in this run (the rest were answered from the store)
    outputs: Outputs | None = None  # None when the run was interrupted

    @property
    def interrupted(self) -> bool:
        return self.outputs is None


def run_timings(result: Progress) -> dict[str, Any]:
    """What run.json records about the speed of the run."""
    phase = result.call_phase_seconds()
    return {"calls_sent": result.done - result.cached, "run_seconds": round(result.elapsed(), 3),
            "call_phase_seconds": None if phase is None else round(phase, 3)}


def run_prepared(prepared: Prepared, store: Store, out_dir: Path, formats: list[str], *, resume: bool,
                 hooks: RunHooks | None = None) -> RunOutcome:
    """Open (or resume) the assessment, run its calls, then write every export.

    Ctrl-C or a cancelled run ends with an outcome whose ``interrupted`` is true; what finished is saved."""
    hooks = hooks or RunHooks()
    if run_in_progress(store.path, prepared.config.config_hash()):  # before a new assessment is even recorded
        raise UserError(busy_message())
    assessment_id, resumed = open_assessment(store, prepared, resume=resume)
    total = len(prepared.plan.calls)
    if hooks.on_opened is not None:
        hooks.on_opened(OpenedRun(assessment_id, resumed, total, Path(store.path)))
    try:
        result: Progress | None = hooks.execute(store, assessment_id, prepared)
    except KeyboardInterrupt:
        result = None
    if result is None or result.cancelled:
        done = sum(1 for r in store.call_rows(assessment_id) if r.status == CallStatus.OK)
        return RunOutcome(assessment_id=assessment_id, resumed=resumed, planned_calls=total, finished_calls=done)
    if hooks.on_finished is not None:
        hooks.on_finished(result)
    outputs = write_outputs(store, assessment_id, out_dir, formats, timings=run_timings(result))
    return RunOutcome(assessment_id=assessment_id, resumed=resumed, planned_calls=total, finished_calls=result.done,
                      sent_calls=result.done - result.cached, outputs=outputs)
