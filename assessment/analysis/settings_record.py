"""What every candidate was run with, as recorded in the scorecard: the full settings minus secrets.

A config never holds a key (only the name of an environment variable), but an api_base may carry
credentials in its user part or query string; those are masked before anything is recorded.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from assessment.config import AssessmentConfig, CandidateConfig

MASK = "[REDACTED]"
_SECRET_QUERY = re.compile(r"^(api[-_]?key|key|token|access[-_]?token|secret|password|passwd|pwd|sig|signature|auth)$",
                           re.IGNORECASE)


def clean_api_base(url: str | None) -> str | None:
    """The address with any user:password part and secret-looking query values masked."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = [(k, MASK if _SECRET_QUERY.match(k) else v) for k, v in parse_qsl(query, keep_blank_values=True)]
        query = urlencode(pairs, safe="[]")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def candidate_settings(candidate: CandidateConfig) -> dict[str, Any]:
    """Everything about a candidate that shapes its answers or its cost (no key, no credentials)."""
    return {
        "name": candidate.name,
        "model": candidate.model,
        "api_base": clean_api_base(candidate.api_base),
        "api_key_from": f"environment variable {candidate.api_key_env}" if candidate.api_key_env else "none or typed in",
        "system_prompt": candidate.system_prompt,
        "params": dict(candidate.params),
        "max_tokens": candidate.params.get("max_tokens", candidate.params.get("max_completion_tokens",
                                                                             "not set (provider default)")),
        "concurrency": candidate.concurrency,
        "timeout_s": candidate.timeout_s,
        "max_attempts": candidate.max_attempts,
        "price_per_1k_input": candidate.price_per_1k_input,
        "price_per_1k_output": candidate.price_per_1k_output,
    }


def all_candidate_settings(config: AssessmentConfig) -> list[dict[str, Any]]:
    return [candidate_settings(c) for c in config.candidates]


def judge_settings(config: AssessmentConfig) -> dict[str, Any] | None:
    if config.judge is None:
        return None
    j = config.judge
    return {"model": j.model, "api_base": clean_api_base(j.api_base), "concurrency": j.concurrency,
            "timeout_s": j.timeout_s}
