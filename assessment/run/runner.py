"""Run planned calls through LiteLLM: async, bounded per candidate, retried, cached, resumable.

Every finished call is written to the store the moment it finishes, so a crash or Ctrl-C
loses nothing, and a call whose response is stored is never sent again. Errors are recorded
with their reason after a bounded number of attempts and never counted as a verdict.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from types import ModuleType
from typing import Any

from assessment.config import CandidateConfig, resolve_api_key
from assessment.redaction import redact, remember_secret, url_secrets
from assessment.run.plan import PlannedCall
from assessment.run.retry import RetryPolicy, with_retries
from assessment.run.spill import spill_answer
from assessment.run.stopping import TwoStageStop, signals_request
from assessment.run.store import Store
from assessment.textsafe import escape_surrogates

PLACEHOLDER_KEY = "no-key"  # self-hosted OpenAI-compatible servers still expect some key


@dataclass
class CandidateProgress:
    total: int = 0
    done: int = 0
    cached: int = 0
    errors: int = 0
    retries: int = 0


ETA_SMOOTHING = 0.2  # share of a new reading taken into the shown time left


@dataclass
class Progress:
    """Counts the runner updates and the CLI/UI read (a plain object, safe to poll from a thread)."""

    per_candidate: dict[str, CandidateProgress] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    finished: bool = False
    cancelled: bool = False
    first_sent_at: float | None = None  # time.monotonic() of the first request and the last answer,
    last_answer_at: float | None = None  # system-wide on Linux, so worker processes can report them
    storage_error: str | None = None  # the store stopped taking writes: the run stopped, answers spilled
    _eta: float | None = field(default=None, repr=False)  # the last smoothed time left, and when it was read
    _eta_at: float = field(default=0.0, repr=False)

    def call_phase_seconds(self) -> float | None:
        if self.first_sent_at is None or self.last_answer_at is None:
            return None
        return self.last_answer_at - self.first_sent_at

    @property
    def total(self) -> int:
        return sum(p.total for p in self.per_candidate.values())

    @property
    def done(self) -> int:
        return sum(p.done for p in self.per_candidate.values())

    @property
    def errors(self) -> int:
        return sum(p.errors for p in self.per_candidate.values())

    @property
    def cached(self) -> int:
        return sum(p.cached for p in self.per_candidate.values())

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def raw_eta_seconds(self) -> float | None:
        """Time left at the average pace so far (None until a call has been answered)."""
        sent = self.done - self.cached
        remaining = self.total - self.done
        if remaining == 0:
            return 0.0
        if sent <= 0:
            return None
        return self.elapsed() / sent * remaining

    def eta_seconds(self) -> float | None:
        """Time left, smoothed: each reading moves the previous estimate (counted down by the time since)
        only part of the way, so one slow or fast burst of answers does not make the ETA jump."""
        raw = self.raw_eta_seconds()
        now = time.monotonic()
        if raw is None or raw == 0.0 or self._eta is None:
            self._eta, self._eta_at = raw, now
            return raw
        carried = max(0.0, self._eta - (now - self._eta_at))
        self._eta, self._eta_at = carried + ETA_SMOOTHING * (raw - carried), now
        return self._eta


def load_litellm() -> ModuleType:
    """Import litellm on first use (3-4 s), quietly: no banners, no network."""
    import litellm  # heavy: litellm adds ~2.3 s at import (~9 s on busy cores)

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


def _reported_tokens(response: Any) -> tuple[int | None, int | None]:
    """Token counts from the provider's usage report; (None, None) when there was none.

    LiteLLM fills a missing report with zeros, and a real request always has prompt tokens, so an
    all-zero report means "not reported": unknown, never 0."""
    usage = getattr(response, "usage", None)
    tokens_in, tokens_out = getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)
    if not tokens_in and not tokens_out:
        return None, None
    return tokens_in, tokens_out


@dataclass(frozen=True)
class Answer:
    """A model's answer to one call, as received."""

    content: str
    finish_reason: str | None
    input_tokens: int | None
    output_tokens: int | None
    latency_s: float


@dataclass(frozen=True)
class CallResult:
    """One call after its retries: the answer, or the reason it ended in an error."""

    answer: Answer | None
    error: str | None
    attempts: int
    latency_s: float


@dataclass(frozen=True)
class StoredAnswer:
    """The row an answer becomes in the store (or in the side file when the store fails)."""

    cache_key: str
    model: str
    messages: list[dict]
    content: str
    finish_reason: str | None
    input_tokens: int | None
    output_tokens: int | None
    latency_s: float
    attempts: int
    notes: str | None


def count_cached(progress: Progress, candidates: Iterable[str], calls: list[PlannedCall],
                 cached: set[str]) -> list[PlannedCall]:
    """Count the calls whose answer is already stored as done; the calls still to send."""
    for name in candidates:
        progress.per_candidate.setdefault(name, CandidateProgress())
    pending = []
    for c in calls:
        if c.cache_key in cached:
            p = progress.per_candidate.setdefault(c.candidate, CandidateProgress())
            p.total += 1
            p.done += 1
            p.cached += 1
        else:
            pending.append(c)
    return pending


class Runner:
    def __init__(self, store: Store, assessment_id: str, candidates: dict[str, CandidateConfig], *,
                 session_keys: dict[str, str] | None = None, retry: RetryPolicy | None = None,
                 progress: Progress | None = None, cancel: threading.Event | None = None,
                 on_update: Callable[[Progress], None] | None = None):
        self.store = store
        self.assessment_id = assessment_id
        self.candidates = candidates
        self.session_keys = session_keys or {}
        self.retry = retry or RetryPolicy()
        self.progress = progress or Progress()
        self.cancel = cancel
        self.on_update = on_update
        self._keys: dict[str, str | None] = {}
        self._secrets: list[str] = []
        self._stop = TwoStageStop(self._stop_gracefully, self._hard_cancel)
        self._earlier_errors: set[str] = set()
        self._tasks: list[asyncio.Future] = []
        self.grace_s = 10.0  # after a stop request, in-flight calls get this long to finish and be saved

    def _api_key(self, candidate: CandidateConfig) -> str | None:
        if candidate.name not in self._keys:
            key = resolve_api_key(candidate, self.session_keys)
            if key is None and candidate.api_base:
                key = PLACEHOLDER_KEY
            self._keys[candidate.name] = key
            if key and key != PLACEHOLDER_KEY:
                self._secrets.append(key)
                remember_secret(key)
            self._secrets += url_secrets(candidate.api_base)
        return self._keys[candidate.name]

    def _notify(self) -> None:
        if self.on_update is not None:
            self.on_update(self.progress)

    async def run(self, calls: list[PlannedCall]) -> Progress:
        cached = self.store.cached_keys(c.cache_key for c in calls)
        self._earlier_errors = self.store.error_call_ids(self.assessment_id)
        pending: dict[str, list[PlannedCall]] = {}
        for c in count_cached(self.progress, self.candidates, calls, cached):
            self.progress.per_candidate[c.candidate].total += 1
            pending.setdefault(c.cache_key, []).append(c)  # identical requests are sent once
        self._notify()
        if pending:
            await self._run_pending(list(pending.values()))
        self.progress.finished = not self.progress.cancelled
        self._notify()
        return self.progress

    async def _run_pending(self, groups: list[list[PlannedCall]]) -> None:
        for c in {group[0].candidate for group in groups}:
            self._api_key(self.candidates[c])  # fail before any call if a key is missing
        load_litellm()
        semaphores = {name: asyncio.Semaphore(cfg.concurrency) for name, cfg in self.candidates.items()}
        self._tasks = [asyncio.ensure_future(self._run_group(group, semaphores[group[0].candidate]))
                       for group in groups]
        watcher = asyncio.ensure_future(self._watch_cancel()) if self.cancel else None
        try:
            with signals_request(self._stop, asyncio.get_running_loop()):
                await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            if watcher is not None:
                watcher.cancel()

    def request_stop(self) -> None:
        """Start no new call; let the ones in flight finish and be saved, then cancel what is left.

        Asked twice (or while already stopping), it cancels at once."""
        self._stop.request()

    def _stop_gracefully(self) -> None:
        self.progress.cancelled = True
        asyncio.get_running_loop().call_later(self.grace_s, self._hard_cancel)

    def _hard_cancel(self) -> None:
        for t in self._tasks:
            t.cancel()

    async def _watch_cancel(self) -> None:
        assert self.cancel is not None
        while not self.cancel.is_set():
            await asyncio.sleep(0.1)
        self.request_stop()

    async def _run_group(self, group: list[PlannedCall], semaphore: asyncio.Semaphore) -> None:
        try:
            await self._run_group_inner(group, semaphore)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug or a store fault must not make a call vanish
            if self.progress.storage_error is None:
                self._record_errors(group, f"internal error: {type(exc).__name__}", 1, 0.0)

    async def _run_group_inner(self, group: list[PlannedCall], semaphore: asyncio.Semaphore) -> None:
        first = group[0]
        candidate = self.candidates[first.candidate]
        async with semaphore:
            if self._stop.stopping:
                return
            outcome = await self._call(first, candidate)
        if outcome.answer is not None and not self._save(self._stored(first, candidate, outcome.answer, outcome)):
            return
        for c in group:
            p = self.progress.per_candidate[c.candidate]
            p.done += 1
            p.retries += outcome.attempts - 1
            if outcome.answer is not None:
                if c.call_id in self._earlier_errors:  # a retried call that failed in an earlier run
                    self._write(self.store.clear_error, self.assessment_id, c.call_id)
            else:
                p.errors += 1
                self._write(self.store.save_error, self.assessment_id, c.call_id, outcome.error or "unknown error",
                            outcome.attempts, outcome.latency_s)
        self._notify()

    def _stored(self, call: PlannedCall, candidate: CandidateConfig, answer: Answer, outcome: CallResult
                ) -> StoredAnswer:
        content, notes = escape_surrogates(redact(answer.content, self._secrets))  # e.g. an echoed header
        return StoredAnswer(cache_key=call.cache_key, model=candidate.model, messages=call.messages, content=content,
                            finish_reason=answer.finish_reason, input_tokens=answer.input_tokens,
                            output_tokens=answer.output_tokens, latency_s=answer.latency_s,
                            attempts=outcome.attempts, notes=notes)

    def _record_errors(self, group: list[PlannedCall], reason: str, attempts: int, latency: float) -> None:
        for c in group:
            p = self.progress.per_candidate[c.candidate]
            p.done += 1
            p.errors += 1
            self._write(self.store.save_error, self.assessment_id, c.call_id, reason, attempts, latency)
        self._notify()

    def _save(self, answer: StoredAnswer) -> bool:
        """Store a paid answer; if the store fails, keep it in the side file and stop the run."""
        record = asdict(answer)
        if self.progress.storage_error is None and self._write(self.store.save_response, **record):
            return True
        spill_answer(self.store.path, record)
        return False

    def _write(self, fn: Callable[..., None], *args: Any, **kwargs: Any) -> bool:
        if self.progress.storage_error is not None:
            return False
        try:
            fn(*args, **kwargs)
            return True
        except sqlite3.Error as exc:
            self.progress.storage_error = f"store {self.store.path}: cannot write ({exc})"
            self._stop.mark_stopping()  # no new call starts; the ones in flight finish into the side file
            self.progress.cancelled = True
            return False

    async def _call(self, call: PlannedCall, candidate: CandidateConfig) -> CallResult:
        litellm = load_litellm()

        async def send() -> Answer:
            t0 = time.monotonic()
            if self.progress.first_sent_at is None:
                self.progress.first_sent_at = t0
            response = await asyncio.wait_for(
                litellm.acompletion(
                    model=candidate.model, messages=call.messages, api_base=candidate.api_base,
                    api_key=self._api_key(candidate), timeout=candidate.timeout_s, max_retries=0,
                    num_retries=0, **candidate.params),
                timeout=candidate.timeout_s + 5)
            self.progress.last_answer_at = time.monotonic()
            choice = response.choices[0]
            tokens_in, tokens_out = _reported_tokens(response)
            return Answer(choice.message.content or "", choice.finish_reason, tokens_in, tokens_out,
                          self.progress.last_answer_at - t0)

        result = await with_retries(send, replace(self.retry, max_attempts=candidate.max_attempts), self._secrets)
        if result.value is not None:
            return CallResult(result.value, None, result.attempts, result.value.latency_s)
        failure = result.failure
        assert failure is not None
        if failure.blocked:  # a provider safety block is the model refusing: an answer, not an error
            latency = time.monotonic() - result.last_started
            return CallResult(Answer("", "content_filter", None, None, latency), None, result.attempts, latency)
        return CallResult(None, failure.reason, result.attempts, time.monotonic() - result.started)


__all__ = ["Answer", "CallResult", "CandidateProgress", "Progress", "RetryPolicy", "Runner", "StoredAnswer",
           "count_cached", "load_litellm"]
