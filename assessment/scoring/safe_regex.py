"""Regular expressions from packs run with a time limit: a catastrophic pattern cannot hang a run or a report.

Uses the ``regex`` package, whose matching honours a timeout (the standard ``re`` cannot be
interrupted). Its default syntax is compatible with ``re`` for the patterns packs use.
"""

from __future__ import annotations

import regex

PATTERN_TIMEOUT_S = 0.5


class PatternTimeout(Exception):
    """The pattern took longer than PATTERN_TIMEOUT_S on this text."""


def pattern_search(pattern: str, text: str, *, ignore_case: bool, multiline: bool = True) -> bool:
    """True if ``pattern`` occurs in ``text``; raises PatternTimeout when matching takes too long."""
    flags = (regex.IGNORECASE if ignore_case else 0) | (regex.MULTILINE if multiline else 0)
    try:
        return regex.search(pattern, text, flags, timeout=PATTERN_TIMEOUT_S) is not None
    except TimeoutError:
        raise PatternTimeout(f"the pattern took longer than {PATTERN_TIMEOUT_S:g}s on this answer") from None
