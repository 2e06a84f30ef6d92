"""Run an assessment's calls in this process, or in worker processes when there are many.

The one place that chooses between the two; both count the already answered calls the same
way (``count_cached``), so the progress display reads the same either way.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from assessment.config import CandidateConfig
from assessment.run.plan import PlannedCall
from assessment.run.retry import RetryPolicy
from assessment.run.runner import Progress, Runner, count_cached
from assessment.run.store import Store
from assessment.run.workers import run_in_workers, worker_count


def run_calls(store: Store, assessment_id: str, calls: list[PlannedCall], candidates: dict[str, CandidateConfig], *,
              session_keys: dict[str, str] | None = None, retry: RetryPolicy | None = None,
              progress: Progress | None = None, cancel: threading.Event | None = None,
              on_update: Callable[[Progress], None] | None = None) -> Progress:
    """Send every call that has no stored answer yet (blocking) and return the counts."""
    progress = progress or Progress()
    cached = store.cached_keys(c.cache_key for c in calls)
    pending = [c for c in calls if c.cache_key not in cached]
    workers = worker_count(len(pending))
    if workers > 1:
        count_cached(progress, candidates, calls, cached)
        return run_in_workers(store, assessment_id, pending, candidates, workers, session_keys=session_keys,
                              retry=retry, progress=progress, cancel=cancel, on_update=on_update)
    runner = Runner(store, assessment_id, candidates, session_keys=session_keys, retry=retry,
                    progress=progress, cancel=cancel, on_update=on_update)
    return asyncio.run(runner.run(calls))
