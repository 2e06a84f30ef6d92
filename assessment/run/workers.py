"""Spread the calls of a run over worker processes when there are spare cores.

LiteLLM spends a few milliseconds of CPU per call; with fast endpoints one interpreter is the
bottleneck. Each worker runs the ordinary async Runner on its share of the calls with its own
store connection (SQLite in WAL mode takes several writers), and reports its counts to the
parent, which adds them up for the progress display. Concurrency bounds hold: a candidate's
calls go to one worker, or, when a candidate is split, its concurrency is split too.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing as mp
import os
import queue as queue_mod
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier as BarrierType
from multiprocessing.synchronize import Event as EventType

from assessment.config import CandidateConfig
from assessment.errors import UserError
from assessment.run.plan import PlannedCall
from assessment.run.retry import RetryPolicy
from assessment.run.runner import CandidateProgress, Progress, Runner, load_litellm
from assessment.run.stopping import TwoStageStop, signals_request
from assessment.run.store import Store
from assessment.run.worker_messages import (
    FailureCause,
    ProgressReport,
    WorkerFailed,
    WorkerFinished,
    WorkerJob,
    WorkerMessage,
)

MIN_CALLS_FOR_WORKERS = 400


def worker_count(pending: int) -> int:
    env = os.environ.get("ASSESSMENT_WORKERS")
    if env:
        return max(1, int(env))
    cores = os.cpu_count() or 1
    return min(cores, 4) if pending >= MIN_CALLS_FOR_WORKERS and cores >= 2 else 1


@dataclass
class Shard:
    """One worker's share: its calls and the candidates they are for (with their concurrency share)."""

    calls: list[PlannedCall] = field(default_factory=list)
    candidates: dict[str, CandidateConfig] = field(default_factory=dict)


def shard(calls: list[PlannedCall], candidates: dict[str, CandidateConfig], workers: int) -> list[Shard]:
    """Split calls into per-worker shards, keeping identical requests together."""
    names = sorted({c.candidate for c in calls})
    shards = [Shard() for _ in range(workers)]
    if len(names) >= workers:
        for i, name in enumerate(names):
            part = shards[i % workers]
            part.candidates[name] = candidates[name]
            part.calls.extend(c for c in calls if c.candidate == name)
    else:
        groups: dict[str, list[PlannedCall]] = {}
        for c in calls:
            groups.setdefault(c.cache_key, []).append(c)
        for i, group in enumerate(groups.values()):
            shards[i % workers].calls.extend(group)
        for part in shards:
            for name in {c.candidate for c in part.calls}:
                cfg = candidates[name]
                part.candidates[name] = cfg.model_copy(update={"concurrency": max(1, cfg.concurrency // workers)})
    return [s for s in shards if s.calls]


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux), then check it is still there.

    A worker must never outlive the run that started it: an orphan keeps sending (and paying for)
    calls that a resume started meanwhile would send again."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(0.2)
    os._exit(1)


REPORT_EVERY_S = 0.1  # a worker sends its counts at most this often (and once more at the end)


class _Reporter:
    def __init__(self, index: int, updates: Queue):
        self.index = index
        self.updates = updates
        self.last = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if now - self.last < REPORT_EVERY_S:
            return
        self.last = now
        self.updates.put(ProgressReport(self.index, _snapshot(p), p.first_sent_at, p.last_answer_at))

    def finished(self, p: Progress) -> None:
        self.updates.put(WorkerFinished(self.index, _snapshot(p), p.first_sent_at, p.last_answer_at, p.cancelled))

    def failed(self, cause: FailureCause, reason: str) -> None:
        self.updates.put(WorkerFailed(self.index, cause, reason))


def _snapshot(p: Progress) -> dict[str, CandidateProgress]:
    # copies: the queue pickles the message later, in its own thread, while the runner goes on counting
    return {name: replace(c) for name, c in p.per_candidate.items()}


def _worker(job: WorkerJob, updates: Queue, stop: EventType, ready: BarrierType) -> None:
    die_with_parent(job.parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    load_litellm()  # the slow import first, then start together so no worker trails the others
    try:
        ready.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass
    cancel = threading.Event()

    def watch_stop() -> None:
        stop.wait()
        cancel.set()

    threading.Thread(target=watch_stop, daemon=True).start()
    reporter = _Reporter(job.index, updates)
    store = Store(job.store_path)
    try:
        runner = Runner(store, job.assessment_id, job.candidates, session_keys=job.session_keys, retry=job.retry,
                        cancel=cancel, on_update=reporter)
        progress = asyncio.run(runner.run(job.calls))
        if progress.storage_error:
            reporter.failed(FailureCause.STORAGE, progress.storage_error)
        else:
            reporter.finished(progress)
    except BaseException as exc:  # surface the reason to the parent, never a silent death
        reporter.failed(FailureCause.ERROR, f"{type(exc).__name__}: {exc}")
    finally:
        store.close()


# --- the parent side ------------------------------------------------------------------------

@dataclass
class _Pool:
    procs: list[BaseProcess]
    updates: Queue
    stop: EventType
    ready: BarrierType  # held here: a started process drops its arguments, and the children still need it
    base: dict[str, CandidateProgress]  # the counts before the workers started (cached calls)
    latest: dict[int, dict[str, CandidateProgress]] = field(default_factory=dict)
    finished: set[int] = field(default_factory=set)
    failure: WorkerFailed | None = None

    def terminate(self) -> None:
        for p in self.procs:
            p.terminate()

    def join(self) -> None:
        for p in self.procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()


def _start(store: Store, assessment_id: str, calls: list[PlannedCall], candidates: dict[str, CandidateConfig],
           workers: int, session_keys: dict[str, str] | None, retry: RetryPolicy | None, progress: Progress) -> _Pool:
    ctx = mp.get_context("spawn")  # safe next to threads (the UI) and nothing inherited by accident
    updates: Queue = ctx.Queue()
    stop = ctx.Event()
    shards = shard(calls, candidates, workers)
    ready = ctx.Barrier(len(shards))
    jobs = [WorkerJob(i, os.getpid(), str(store.path), assessment_id, part.candidates, part.calls, session_keys or {},
                      retry or RetryPolicy()) for i, part in enumerate(shards)]
    procs: list[BaseProcess] = [ctx.Process(target=_worker, daemon=True, args=(job, updates, stop, ready)) for job in jobs]
    for name in candidates:
        progress.per_candidate.setdefault(name, CandidateProgress())
    pool = _Pool(procs, updates, stop, ready, base={n: replace(p) for n, p in progress.per_candidate.items()})
    for p in procs:
        p.start()
    return pool


def _pump(pool: _Pool, progress: Progress, stopper: TwoStageStop, cancel: threading.Event | None,
          on_update: Callable[[Progress], None] | None) -> None:
    """Read the workers' messages into ``progress`` until every worker has finished or failed."""
    while len(pool.finished) < len(pool.procs):
        if cancel is not None and cancel.is_set() and not stopper.stopping:
            stopper.request()
        try:
            message: WorkerMessage = pool.updates.get(timeout=0.2)
        except queue_mod.Empty:
            _reap_dead(pool)
            continue
        _apply(pool, message, progress, stopper)
        _add_up(pool, progress)
        if on_update is not None:
            on_update(progress)


def _apply(pool: _Pool, message: WorkerMessage, progress: Progress, stopper: TwoStageStop) -> None:
    if isinstance(message, WorkerFailed):
        pool.finished.add(message.worker)
        pool.failure = pool.failure or message
        stopper.mark_stopping()
        pool.stop.set()  # one worker failing (a full store) stops the others sending
        return
    pool.latest[message.worker] = message.counts
    sent, answered = message.first_sent_at, message.last_answer_at
    if sent is not None:
        progress.first_sent_at = sent if progress.first_sent_at is None else min(progress.first_sent_at, sent)
    if answered is not None:
        progress.last_answer_at = answered if progress.last_answer_at is None else max(progress.last_answer_at, answered)
    if isinstance(message, WorkerFinished):
        pool.finished.add(message.worker)
        if message.cancelled:
            progress.cancelled = True


def _add_up(pool: _Pool, progress: Progress) -> None:
    """Each candidate's counts: those from before the workers plus every worker's latest report."""
    for name, before in pool.base.items():
        total = replace(before)
        for counts in pool.latest.values():
            c = counts.get(name)
            if c is not None:
                total.total += c.total
                total.done += c.done
                total.cached += c.cached
                total.errors += c.errors
                total.retries += c.retries
        progress.per_candidate[name] = total


def _reap_dead(pool: _Pool) -> None:
    """A worker that died without reporting (killed, out of memory) counts as failed."""
    for i, p in enumerate(pool.procs):
        if i not in pool.finished and not p.is_alive() and p.exitcode not in (0, None):
            pool.finished.add(i)
            pool.failure = pool.failure or WorkerFailed(i, FailureCause.EXITED,
                                                        f"worker {i} exited with code {p.exitcode}")


def _result(pool: _Pool, progress: Progress) -> Progress:
    failure = pool.failure
    if failure is not None and failure.cause is FailureCause.STORAGE:
        progress.storage_error = failure.reason
        progress.cancelled = True
        return progress
    if failure is not None:
        raise UserError(f"a worker process failed ({failure.describe()}); finished calls are saved: resume to continue")
    progress.finished = not progress.cancelled
    return progress


def run_in_workers(store: Store, assessment_id: str, calls: list[PlannedCall], candidates: dict[str, CandidateConfig],
                   workers: int, *, session_keys: dict[str, str] | None, retry: RetryPolicy | None,
                   progress: Progress, cancel: threading.Event | None,
                   on_update: Callable[[Progress], None] | None) -> Progress:
    """Run ``calls`` (none of them answered yet) in ``workers`` processes, adding their counts to ``progress``.

    Ctrl-C, SIGTERM or ``cancel`` stop gracefully (workers finish and save what is in flight);
    a second Ctrl-C ends the workers at once."""
    pool = _start(store, assessment_id, calls, candidates, workers, session_keys, retry, progress)

    def stop_gracefully() -> None:
        pool.stop.set()
        progress.cancelled = True

    def stop_now() -> None:
        pool.terminate()
        progress.cancelled = True

    stopper = TwoStageStop(stop_gracefully, stop_now)
    try:
        with signals_request(stopper):
            _pump(pool, progress, stopper, cancel, on_update)
    finally:
        pool.join()
    return _result(pool, progress)
