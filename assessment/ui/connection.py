""""Test connection": one cheap call (max_tokens=5) to a candidate, with failures in plain words."""

from __future__ import annotations

import time

from assessment.config import CandidateConfig, redact_secrets, resolve_api_key, scrub_keylike
from assessment.errors import UserError
from assessment.redaction import redact, url_secrets
from assessment.run.runner import PLACEHOLDER_KEY, load_litellm
from assessment.ui.state import ConnectionResult

PROBE = [{"role": "user", "content": "Reply with the word OK."}]
_CONNECT_HINTS = ("connection error", "connection refused", "connecterror", "failed to establish",
                  "name or service not known", "nodename nor servname", "temporary failure in name resolution", "cannot connect", "connection reset",
                  "remote end closed", "all connection attempts failed")


def _where(candidate: CandidateConfig) -> str:
    return candidate.api_base or f"the {candidate.model.split('/', 1)[0]} API"


def _chain(exc: BaseException | None) -> list[BaseException]:
    out: list[BaseException] = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        out.append(exc)
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return out


def explain_failure(exc: BaseException, candidate: CandidateConfig, timeout_s: float,
                    secrets: list[str] | None = None) -> str:
    """A LiteLLM/transport exception as a sentence a non-technical evaluator can act on.

    The provider's text is redacted over its whole length before it is cut to 200 characters."""
    import litellm  # heavy: litellm adds ~2.3 s at import (~9 s on busy cores)

    text = " ".join(redact(str(exc), (secrets or []) + url_secrets(candidate.api_base)).split())
    lowered = " ".join(str(e) + " " + type(e).__name__ for e in _chain(exc)).lower()
    status = getattr(exc, "status_code", None)
    where = _where(candidate)
    if isinstance(exc, (litellm.Timeout, TimeoutError)) or "timed out" in lowered or "timeout" in type(exc).__name__.lower():
        return f"No answer from {where} within {timeout_s:.0f} s — the server may be overloaded or unreachable."
    if isinstance(exc, litellm.AuthenticationError) or status in (401, 403):
        return (f"{where} refused the API key — check the key typed for this candidate, or the value of its "
                "environment variable.")
    if isinstance(exc, litellm.APIConnectionError) or any(h in lowered for h in _CONNECT_HINTS):
        if candidate.api_base:
            return (f"Could not reach {where} — check the API base URL field of this candidate (address and port), "
                    "and that the model server there is started.")
        return (f"Could not reach {where} — this computer may have no internet access, or a firewall or proxy "
                "blocks it. If the model runs on your own server, fill in the API base URL field.")
    if isinstance(exc, litellm.NotFoundError) or status == 404:
        return (f"Model {candidate.model} was not found at {where} — check the Model field of this candidate "
                "(and the API base URL field, if it has one).")
    if isinstance(exc, litellm.RateLimitError) or status == 429:
        return f"{where} answered but is rate limiting us (HTTP 429) — the connection works; try again later."
    if "llm provider not provided" in lowered or "provider not provided" in lowered:
        return (f"{candidate.model!r} is not a model string LiteLLM knows — write provider/model, "
                "e.g. openai/gpt-4o-mini or anthropic/claude-3-5-haiku-latest.")
    if isinstance(exc, litellm.BadRequestError) or status in (400, 422):
        return f"{where} rejected the request (HTTP {status or 400}): {text[:200]}"
    if status is not None and status >= 500:
        return f"{where} had a server error (HTTP {status}): {text[:200]}"
    return f"The call failed ({type(exc).__name__}): {text[:200]}"


def check_connection(candidate: CandidateConfig, session_keys: dict[str, str] | None = None,
                     timeout_s: float = 20.0) -> ConnectionResult:
    """One call with max_tokens=5 through LiteLLM; never raises."""
    try:
        key = resolve_api_key(candidate, session_keys)
    except UserError as exc:
        return ConnectionResult(ok=False, message=str(exc))
    if key is None and candidate.api_base:
        key = PLACEHOLDER_KEY
    secrets = [key] if key and key != PLACEHOLDER_KEY else []
    params = {k: v for k, v in candidate.params.items() if k not in ("max_tokens", "max_completion_tokens", "stream")}
    messages = ([{"role": "system", "content": candidate.system_prompt}] if candidate.system_prompt else []) + PROBE
    started = time.monotonic()
    try:
        litellm = load_litellm()
        response = litellm.completion(model=candidate.model, messages=messages, api_base=candidate.api_base,
                                      api_key=key, max_tokens=5, timeout=min(timeout_s, candidate.timeout_s),
                                      num_retries=0, max_retries=0, **params)
        answer = (response.choices[0].message.content or "").strip()
    except Exception as exc:  # every failure becomes a sentence
        message = explain_failure(exc, candidate, min(timeout_s, candidate.timeout_s), secrets)
        return ConnectionResult(ok=False, message=scrub_keylike(redact_secrets(message, secrets)))
    elapsed = time.monotonic() - started
    shown = answer[:40] + ("…" if len(answer) > 40 else "")
    return ConnectionResult(ok=True, latency_s=elapsed,
                            message=f"Connected to {_where(candidate)} in {elapsed:.1f} s; the model answered {shown!r}.")
