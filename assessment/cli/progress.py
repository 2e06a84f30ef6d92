"""A run on the terminal: the progress bar around ``pipeline.execute`` and the lines before and after."""

from __future__ import annotations

import time
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as Bar

from assessment.pipeline import Prepared, execute
from assessment.run.runner import Progress
from assessment.run.store import Store
from assessment.service.runs import ExecuteFn, OpenedRun, RunHooks
from assessment.textsafe import plain_markup as _plain
from assessment.textsafe import printable


def progress_execute(quiet: bool) -> ExecuteFn:
    """``pipeline.execute`` with a rich progress display (done/total, errors, elapsed, ETA per candidate)."""

    def run(store: Store, assessment_id: str, prepared: Prepared, **_: Any) -> Progress:
        progress = Progress()
        if quiet:
            return execute(store, assessment_id, prepared, progress=progress)
        bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("errors {task.fields[errors]}"), TextColumn("cached {task.fields[cached]}"),
                  TimeElapsedColumn(), TimeRemainingColumn(), transient=False)
        tasks: dict[str, Any] = {}
        last = [0.0]

        def on_update(p: Progress, force: bool = False) -> None:
            now = time.monotonic()
            if not force and now - last[0] < 0.1 and p.done < p.total:
                return
            last[0] = now
            for name, cp in p.per_candidate.items():
                if name not in tasks:
                    tasks[name] = bar.add_task(_plain(name), total=cp.total, errors=0, cached=0)
                bar.update(tasks[name], completed=cp.done, total=cp.total, errors=cp.errors, cached=cp.cached)

        with bar:
            try:
                return execute(store, assessment_id, prepared, progress=progress, on_update=on_update)
            finally:
                on_update(progress, force=True)

    return run


def terminal_hooks(quiet: bool) -> RunHooks:
    """What a run says on the terminal: the opening line, the progress bar, the closing count."""

    def opened(run: OpenedRun) -> None:
        if not quiet:
            verb = "Resuming" if run.resumed else "Starting"
            print(f"{verb} assessment {run.assessment_id}: {run.planned_calls} planned calls, "
                  f"store {printable(run.store_path)}")

    def finished(result: Progress) -> None:
        if not quiet:
            print(f"Finished {result.done} of {result.total} calls ({result.cached} from the store, "
                  f"{result.errors} errors) in {result.elapsed():.1f}s")

    return RunHooks(execute=progress_execute(quiet), on_opened=opened, on_finished=finished)
