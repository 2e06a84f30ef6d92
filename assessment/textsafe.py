"""Untrusted text made safe to store and to show: lone surrogates, control characters, rich markup."""

from __future__ import annotations

import re

from rich.markup import escape

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_surrogates(text: str) -> tuple[str, str | None]:
    """Text UTF-8 can hold: each lone surrogate becomes the 6 characters ``\\udXXX``; the note says so."""
    found = _SURROGATE.findall(text)
    if not found:
        return text, None
    fixed = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return fixed, f"{len(found)} lone surrogate(s) in the answer stored escaped as \\uXXXX"


def printable(text: object, limit: int | None = None) -> str:
    """For terminals: control and bidi characters shown as escapes (no ESC, BEL or cursor moves reach it)."""
    s = escape_surrogates(str(text))[0]
    s = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), s)
    return s if limit is None or len(s) <= limit else s[:limit] + "…"


def plain_markup(text: object, limit: int | None = None) -> str:
    """For rich output: printable, and square brackets escaped so user text is never read as markup."""
    return escape(printable(text, limit))


CLASSIFY_PREFIX_CHARS = 20_000  # a refusal or an answer shows itself early; a 10 MB answer is not read whole


def bounded_prefix(text: str | None, limit: int = CLASSIFY_PREFIX_CHARS) -> str | None:
    """The first ``limit`` characters of an untrusted answer, for work whose cost grows with its length."""
    return text if text is None or len(text) <= limit else text[:limit]
