"""One retry policy for every model call (candidates and the LLM judge).

A failure is classified first (retry it, give up, or a provider safety block); a retryable one
waits either what the server asked for (Retry-After, up to a cap) or an exponential backoff with
jitter, so many callers that failed together do not all come back at the same moment. The reason
of the last failure is kept (redacted) so the caller can record why a call ended in an error.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from assessment.redaction import redact

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4  # a candidate's own max_attempts setting replaces this for its calls
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    max_retry_after_s: float = 120.0  # a Retry-After longer than this ends the call as an error
    jitter: float = 0.5  # the backoff is scaled by a random factor in [1 - jitter, 1 + jitter]

    def backoff_s(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1-based) when the server named no time."""
        delay = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return delay * (1 - self.jitter + random.random() * self.jitter * 2)


@dataclass
class Failure:
    """What went wrong with one attempt, and what to do about it."""

    reason: str
    retryable: bool
    retry_after: float | None = None
    blocked: bool = False  # a provider safety block: a refusal, not an error


def _header(exc: BaseException, name: str) -> str | None:
    """A response header of a failed call, from wherever LiteLLM or httpx put the headers."""
    response = getattr(exc, "response", None)
    for headers in (getattr(exc, "litellm_response_headers", None), getattr(exc, "headers", None),
                    getattr(response, "headers", None)):
        try:
            value = headers.get(name) if headers else None
        except Exception:  # a response object without readable headers
            continue
        if value:
            return str(value)
    return None


def _retry_after(exc: BaseException) -> float | None:
    raw = _header(exc, "retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None  # an HTTP date or garbage: fall back to the backoff


def classify_failure(exc: BaseException, secrets: list[str] | None = None) -> Failure:
    """Map a LiteLLM/transport exception to what the caller should do with it.

    The message is redacted over its whole length first, and only then cut to 300 characters."""
    import litellm  # heavy: litellm adds ~2.3 s at import (~9 s on busy cores); already loaded by whoever made the call that failed

    text = " ".join(redact(str(exc), secrets or []).split())[:300]
    if isinstance(exc, (asyncio.TimeoutError, litellm.Timeout)):
        return Failure("timeout: no answer within the time limit", True)
    if isinstance(exc, litellm.ContentPolicyViolationError):
        return Failure(f"provider content filter: {text}", False, blocked=True)
    status = getattr(exc, "status_code", None)
    if isinstance(exc, litellm.RateLimitError) or status == 429:
        return Failure(f"rate limited (HTTP 429): {text}", True, _retry_after(exc))
    if isinstance(exc, litellm.AuthenticationError) or status in (401, 403):
        return Failure(f"authentication failed (HTTP {status or 401}): check the API key", False)
    if isinstance(exc, litellm.NotFoundError) or status == 404:
        return Failure(f"model or endpoint not found (HTTP 404): {text}", False)
    if isinstance(exc, litellm.BadRequestError) or status in (400, 422):
        return Failure(f"request rejected (HTTP {status or 400}): {text}", False)
    if isinstance(exc, litellm.APIConnectionError):
        return Failure(f"connection failed: {text}", True)
    if status is not None and (status >= 500 or status in (408, 409)):
        return Failure(f"server error (HTTP {status}): {text}", True)
    # Invalid JSON bodies, dropped connections and other transport faults are transient.
    return Failure(f"{type(exc).__name__}: {text}", True)


def next_delay(policy: RetryPolicy, failure: Failure, attempt: int) -> float | None:
    """Seconds to wait before the next attempt, or None to give up (the reason then says why)."""
    if not failure.retryable or attempt >= policy.max_attempts:
        return None
    if failure.retry_after is None:
        return policy.backoff_s(attempt)
    if failure.retry_after > policy.max_retry_after_s:
        failure.reason += f" (Retry-After {failure.retry_after:.0f}s is longer than allowed)"
        return None
    return failure.retry_after


@dataclass
class Attempts(Generic[T]):
    """The result of a call with retries: its value, or the last failure (with its reason)."""

    value: T | None
    failure: Failure | None
    attempts: int
    started: float  # time.monotonic() of the first attempt, and of the last one
    last_started: float

    @property
    def ok(self) -> bool:
        return self.failure is None


async def with_retries(send: Callable[[], Awaitable[T]], policy: RetryPolicy,
                       secrets: list[str] | None = None) -> Attempts[T]:
    """Call ``send`` until it returns, a failure is final, or ``policy.max_attempts`` are used.

    A provider safety block ends at once (the caller decides whether it counts as an answer).
    Cancellation passes through; every other exception is classified, none escapes."""
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        last_started = time.monotonic()
        try:
            value = await send()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failure = classify_failure(exc, secrets)
            delay = None if failure.blocked else next_delay(policy, failure, attempt)
            if delay is None:
                failure.reason = redact(failure.reason, secrets or [])
                return Attempts(None, failure, attempt, started, last_started)
            await asyncio.sleep(delay)
            continue
        return Attempts(value, None, attempt, started, last_started)


__all__ = ["Attempts", "Failure", "RetryPolicy", "classify_failure", "next_delay", "with_retries"]
