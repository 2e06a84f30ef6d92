"""Spread the calls of a run over worker processes when there are spare cores.

LiteLLM spends a few milliseconds of CPU per call; with fast endpoints one interpreter is the
bottleneck. Each worker runs the ordinary async Runner on its share of the calls with its own
store connection (SQLite in WAL mode takes several writers), and reports its counts to the
parent, which adds them up for the progress display. Concurrency bounds hold: a candidate's
calls go to one worker, or, when a candidate is split, its concurrency is split too.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_mod
import signal
import threading
import time
from collections.abc import Callable

from assessment.config import CandidateConfig
from assessment.run.plan import PlannedCall
from assessment.run.runner import CandidateProgress, Progress, RetryPolicy, Runner
from assessment.run.store import Store

MIN_CALLS_FOR_WORKERS = 400


def worker_count(pending: int) -> int:
    env = os.environ.get("ASSESSMENT_WORKERS")
    if env:
        return max(1, int(env))
    cores = os.cpu_count() or 1
    return min(cores, 4) if pending >= MIN_CALLS_FOR_WORKERS and cores >= 2 else 1


def shard(calls: list[PlannedCall], candidates: dict[str, CandidateConfig], workers: int
          ) -> list[tuple[list[PlannedCall], dict[str, CandidateConfig]]]:
    """Split calls into per-worker shards, keeping identical requests together."""
    names = sorted({c.candidate for c in calls})
    shards: list[tuple[list[PlannedCall], dict[str, CandidateConfig]]] = [([], {}) for _ in range(workers)]
    if len(names) >= workers:
        for i, name in enumerate(names):
            calls_i, cands_i = shards[i % workers]
            cands_i[name] = candidates[name]
            calls_i.extend(c for c in calls if c.candidate == name)
    else:
        groups: dict[str, list[PlannedCall]] = {}
        for c in calls:
            groups.setdefault(c.cache_key, []).append(c)
        for i, group in enumerate(groups.values()):
            shards[i % workers][0].extend(group)
        for calls_i, cands_i in shards:
            for name in {c.candidate for c in calls_i}:
                cfg = candidates[name]
                cands_i[name] = cfg.model_copy(update={"concurrency": max(1, cfg.concurrency // workers)})
    return [s for s in shards if s[0]]


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux), then check it is still there.

    A worker must never outlive the run that started it: an orphan keeps sending (and paying for)
    calls that a resume started meanwhile would send again."""
    try:
        import ctypes

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


def _worker(index: int, parent_pid: int, store_path: str, assessment_id: str, candidates: dict, calls: list,
            session_keys: dict, retry: RetryPolicy, updates: mp.Queue, stop: mp.Event, ready: mp.Barrier) -> None:
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from assessment.run.runner import load_litellm

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
    last = [0.0]

    def report(p: Progress, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - last[0] < 0.1:
            return
        last[0] = now
        updates.put((index, {n: (c.total, c.done, c.cached, c.errors, c.retries) for n, c in p.per_candidate.items()},
                     final, p.cancelled, (p.first_sent_at, p.last_answer_at)))

    store = Store(store_path)
    try:
        runner = Runner(store, assessment_id, candidates, session_keys=session_keys, retry=retry, cancel=cancel,
                        on_update=report)
        import asyncio

        progress = asyncio.run(runner.run(calls))
        if progress.storage_error:
            updates.put((index, {}, True, f"storage: {progress.storage_error}", (None, None)))
        else:
            report(progress, final=True)
    except BaseException as exc:  # surface the reason to the parent, never a silent death
        updates.put((index, {}, True, f"error: {type(exc).__name__}: {exc}", (None, None)))
    finally:
        store.close()


def run_in_workers(store: Store, assessment_id: str, calls: list[PlannedCall], candidates: dict[str, CandidateConfig],
                   workers: int, *, session_keys: dict[str, str] | None, retry: RetryPolicy | None,
                   progress: Progress, cancel: threading.Event | None,
                   on_update: Callable[[Progress], None] | None) -> Progress:
    ctx = mp.get_context("spawn")  # safe next to threads (the UI) and nothing inherited by accident
    updates: mp.Queue = ctx.Queue()
    stop = ctx.Event()
    shards = shard(calls, candidates, workers)
    ready = ctx.Barrier(len(shards))
    procs = [ctx.Process(target=_worker, daemon=True,
                         args=(i, os.getpid(), str(store.path), assessment_id, cands, part, session_keys or {}, retry or RetryPolicy(),
                               updates, stop, ready)) for i, (part, cands) in enumerate(shards)]
    for name in candidates:
        progress.per_candidate.setdefault(name, CandidateProgress())
    base = {n: CandidateProgress(**vars(p)) for n, p in progress.per_candidate.items()}
    latest: dict[int, dict] = {}
    finished: set[int] = set()
    failure: str | None = None
    for p in procs:
        p.start()
    previous_handler = previous_term = None
    if threading.current_thread() is threading.main_thread():
        def on_sigint(*_):
            if stop.is_set():
                for p in procs:
                    p.terminate()
            stop.set()
            progress.cancelled = True

        previous_handler = signal.signal(signal.SIGINT, on_sigint)
        previous_term = signal.signal(signal.SIGTERM, on_sigint)
    try:
        while len(finished) < len(procs):
            if cancel is not None and cancel.is_set() and not stop.is_set():
                stop.set()
                progress.cancelled = True
            try:
                index, counts, final, status, (sent, answered) = updates.get(timeout=0.2)
            except queue_mod.Empty:
                dead = [i for i, p in enumerate(procs) if not p.is_alive() and i not in finished]
                for i in dead:
                    if procs[i].exitcode not in (0, None):
                        finished.add(i)
                        failure = failure or f"worker {i} exited with code {procs[i].exitcode}"
                continue
            if counts:
                latest[index] = counts
            if sent is not None:
                progress.first_sent_at = sent if progress.first_sent_at is None else min(progress.first_sent_at, sent)
            if answered is not None:
                progress.last_answer_at = max(progress.last_answer_at or answered, answered)
            if final:
                finished.add(index)
                if isinstance(status, str):
                    failure = failure or status
                    stop.set()  # one worker failing (a full store) stops the others sending
                elif status:
                    progress.cancelled = True
            for name, b in base.items():
                agg = CandidateProgress(**vars(b))
                for counts_i in latest.values():
                    if name in counts_i:
                        t, d, ca, e, r = counts_i[name]
                        agg.total, agg.done, agg.cached, agg.errors, agg.retries = (
                            agg.total + t, agg.done + d, agg.cached + ca, agg.errors + e, agg.retries + r)
                progress.per_candidate[name] = agg
            if on_update is not None:
                on_update(progress)
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGINT, previous_handler)
            signal.signal(signal.SIGTERM, previous_term)
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
    if failure and failure.startswith("storage: "):
        progress.storage_error = failure[len("storage: "):]
        progress.cancelled = True
        return progress
    if failure:
        from assessment.errors import UserError

        raise UserError(f"a worker process failed ({failure}); finished calls are saved: resume to continue")
    progress.finished = not progress.cancelled
    return progress
