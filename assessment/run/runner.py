"""Run planned calls through LiteLLM: async, bounded per candidate, retried, cached, resumable.

Every finished call is written to the store the moment it finishes, so a crash or Ctrl-C
loses nothing, and a call whose response is stored is never sent again. Errors are recorded
with their reason after a bounded number of attempts and never counted as a verdict.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from assessment.config import CandidateConfig, resolve_api_key
from assessment.redaction import redact, remember_secret, url_secrets
from assessment.run.plan import PlannedCall
from assessment.run.spill import spill_answer
from assessment.run.store import Store
from assessment.textsafe import escape_surrogates

PLACEHOLDER_KEY = "no-key"  # self-hosted OpenAI-compatible servers still expect some key


@dataclass(frozen=True)
class RetryPolicy:
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    max_retry_after_s: float = 120.0  # a Retry-After longer than this ends the call as an error
    jitter: float = 0.5


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


@dataclass
class _Failure:
    reason: str
    retryable: bool
    retry_after: float | None = None
    blocked: bool = False  # a provider safety block: a refusal, not an error


def _header(exc: Exception, name: str) -> str | None:
    for attr in ("litellm_response_headers", "headers"):
        headers = getattr(exc, attr, None)
        if headers:
            try:
                value = headers.get(name)
            except AttributeError:
                value = None
            if value:
                return value
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        try:
            return headers.get(name)
        except Exception:
            return None
    return None


def load_litellm():
    """Import litellm on first use (3-4 s), quietly: no banners, no network."""
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


def _classify(exc: BaseException, secrets: list[str] | None = None) -> _Failure:
    """Map a LiteLLM/transport exception to what the runner should do with it.

    The message is redacted over its whole length first, and only then cut to 300 characters."""
    import litellm

    from assessment.redaction import redact

    text = " ".join(redact(str(exc), secrets or []).split())[:300]
    if isinstance(exc, asyncio.TimeoutError) or isinstance(exc, litellm.Timeout):
        return _Failure("timeout: no answer within the time limit", True)
    if isinstance(exc, litellm.ContentPolicyViolationError):
        return _Failure(f"provider content filter: {text}", False, blocked=True)
    status = getattr(exc, "status_code", None)
    if isinstance(exc, litellm.RateLimitError) or status == 429:
        retry_after = None
        raw = _header(exc, "retry-after")
        if raw:
            try:
                retry_after = max(0.0, float(raw))
            except ValueError:
                retry_after = None
        return _Failure(f"rate limited (HTTP 429): {text}", True, retry_after)
    if isinstance(exc, litellm.AuthenticationError) or status in (401, 403):
        return _Failure(f"authentication failed (HTTP {status or 401}): check the API key", False)
    if isinstance(exc, litellm.NotFoundError) or status == 404:
        return _Failure(f"model or endpoint not found (HTTP 404): {text}", False)
    if isinstance(exc, litellm.BadRequestError) or status in (400, 422):
        return _Failure(f"request rejected (HTTP {status or 400}): {text}", False)
    if isinstance(exc, litellm.APIConnectionError):
        return _Failure(f"connection failed: {text}", True)
    if status is not None and (status >= 500 or status in (408, 409)):
        return _Failure(f"server error (HTTP {status}): {text}", True)
    # Invalid JSON bodies, dropped connections and other transport faults are transient.
    return _Failure(f"{type(exc).__name__}: {text}", True)


def _reported_tokens(response) -> tuple[int | None, int | None]:
    """Token counts from the provider's usage report; (None, None) when there was none.

    LiteLLM fills a missing report with zeros, and a real request always has prompt tokens, so an
    all-zero report means "not reported": unknown, never 0."""
    usage = getattr(response, "usage", None)
    tokens_in, tokens_out = getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)
    if not tokens_in and not tokens_out:
        return None, None
    return tokens_in, tokens_out


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
        self._stopping = False
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
        for name in self.candidates:
            self.progress.per_candidate.setdefault(name, CandidateProgress())
        for c in calls:
            self.progress.per_candidate[c.candidate].total += 1
        cached = self.store.cached_keys(c.cache_key for c in calls)
        self._earlier_errors = self.store.error_call_ids(self.assessment_id)
        pending: dict[str, list[PlannedCall]] = {}
        for c in calls:
            if c.cache_key in cached:
                p = self.progress.per_candidate[c.candidate]
                p.done += 1
                p.cached += 1
            else:
                pending.setdefault(c.cache_key, []).append(c)  # identical requests are sent once
        self._notify()
        if pending:
            for c in {group[0].candidate for group in pending.values()}:
                self._api_key(self.candidates[c])  # fail before any call if a key is missing
            load_litellm()
            semaphores = {name: asyncio.Semaphore(cfg.concurrency) for name, cfg in self.candidates.items()}
            self._tasks = [asyncio.ensure_future(self._run_group(group, semaphores[group[0].candidate]))
                           for group in pending.values()]
            watcher = asyncio.ensure_future(self._watch_cancel()) if self.cancel else None
            restore = self._install_sigint()
            try:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            finally:
                restore()
                if watcher is not None:
                    watcher.cancel()
        self.progress.finished = not self.progress.cancelled
        self._notify()
        return self.progress

    def request_stop(self) -> None:
        """Start no new call; let the ones in flight finish and be saved, then cancel what is left."""
        if self._stopping:
            self._hard_cancel()  # asked twice: stop now
            return
        self._stopping = True
        self.progress.cancelled = True
        asyncio.get_running_loop().call_later(self.grace_s, self._hard_cancel)

    def _hard_cancel(self) -> None:
        for t in self._tasks:
            t.cancel()

    def _install_sigint(self) -> Callable[[], None]:
        """Ctrl-C stops gracefully (in-flight calls are kept); a second Ctrl-C stops at once."""
        import signal

        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, self.request_stop)
            loop.add_signal_handler(signal.SIGTERM, self.request_stop)  # the same graceful stop as Ctrl-C
        except (RuntimeError, ValueError, NotImplementedError):  # not the main thread
            return lambda: None

        def restore() -> None:
            loop.remove_signal_handler(signal.SIGINT)
            loop.remove_signal_handler(signal.SIGTERM)

        return restore

    async def _watch_cancel(self) -> None:
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
            if self._stopping:
                return
            outcome = await self._call_with_retries(first, candidate)
        ok, content, finish, tokens_in, tokens_out, latency, attempts, reason = outcome
        if ok:
            content, notes = escape_surrogates(redact(content, self._secrets))  # e.g. an echoed header
            record = {"cache_key": first.cache_key, "model": candidate.model, "messages": first.messages,
                      "content": content, "finish_reason": finish, "input_tokens": tokens_in,
                      "output_tokens": tokens_out, "latency_s": latency, "attempts": attempts, "notes": notes}
            if not self._save(record):
                return
        for c in group:
            p = self.progress.per_candidate[c.candidate]
            p.done += 1
            p.retries += attempts - 1
            if ok and c.call_id in self._earlier_errors:  # a retried call that failed in an earlier run
                self._write(self.store.clear_error, self.assessment_id, c.call_id)
            if not ok:
                p.errors += 1
                self._write(self.store.save_error, self.assessment_id, c.call_id, reason, attempts, latency)
        self._notify()

    def _record_errors(self, group: list[PlannedCall], reason: str, attempts: int, latency: float) -> None:
        for c in group:
            p = self.progress.per_candidate[c.candidate]
            p.done += 1
            p.errors += 1
            self._write(self.store.save_error, self.assessment_id, c.call_id, reason, attempts, latency)
        self._notify()

    def _save(self, record: dict) -> bool:
        """Store a paid answer; if the store fails, keep it in the side file and stop the run."""
        if self.progress.storage_error is None and self._write(self.store.save_response, **record):
            return True
        spill_answer(self.store.path, record)
        return False

    def _write(self, fn: Callable, *args, **kwargs) -> bool:
        if self.progress.storage_error is not None:
            return False
        try:
            fn(*args, **kwargs)
            return True
        except sqlite3.Error as exc:
            self.progress.storage_error = f"store {self.store.path}: cannot write ({exc})"
            self._stopping = True  # no new call starts; the ones in flight finish into the side file
            self.progress.cancelled = True
            return False

    async def _call_with_retries(self, call: PlannedCall, candidate: CandidateConfig):
        litellm = load_litellm()

        started = time.monotonic()
        failure: _Failure | None = None
        for attempt in range(1, candidate.max_attempts + 1):
            t0 = time.monotonic()
            if self.progress.first_sent_at is None:
                self.progress.first_sent_at = t0
            try:
                response = await asyncio.wait_for(
                    litellm.acompletion(
                        model=candidate.model, messages=call.messages, api_base=candidate.api_base,
                        api_key=self._api_key(candidate), timeout=candidate.timeout_s, max_retries=0,
                        num_retries=0, **candidate.params),
                    timeout=candidate.timeout_s + 5)
                self.progress.last_answer_at = time.monotonic()
                latency = self.progress.last_answer_at - t0
                choice = response.choices[0]
                content = choice.message.content or ""
                tokens_in, tokens_out = _reported_tokens(response)
                return (True, content, choice.finish_reason, tokens_in, tokens_out, latency, attempt, None)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every provider failure is classified, none escapes
                failure = _classify(exc, self._secrets)
                if failure.blocked:
                    return (True, "", "content_filter", None, None, time.monotonic() - t0, attempt, None)
                if not failure.retryable or attempt == candidate.max_attempts:
                    break
                if failure.retry_after is not None:
                    if failure.retry_after > self.retry.max_retry_after_s:
                        failure.reason += f" (Retry-After {failure.retry_after:.0f}s is longer than allowed)"
                        break
                    delay = failure.retry_after
                else:
                    delay = min(self.retry.max_delay_s, self.retry.base_delay_s * 2 ** (attempt - 1))
                    delay *= 1 - self.retry.jitter + random.random() * self.retry.jitter * 2
                await asyncio.sleep(delay)
        reason = redact(failure.reason if failure else "unknown error", self._secrets)
        return (False, None, None, None, None, time.monotonic() - started, attempt, reason)


__all__ = ["Progress", "CandidateProgress", "RetryPolicy", "Runner"]
