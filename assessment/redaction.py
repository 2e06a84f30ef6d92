"""The one redaction function: API keys and credentials out of every text the tool stores or shows.

``redact(text, secrets)`` replaces, across the whole text (always before any truncation):
each secret's exact value, its URL-encoded forms, its base64 forms (standard and URL-safe, at
any alignment, as inside an HTTP Basic header), anything shaped like a provider key or a
bearer token, and credentials inside URLs (``user:password@`` and key-like query parameters).
``secrets_of_candidates`` collects the secrets of a run: resolved keys and credentials found
in ``api_base``.
"""

from __future__ import annotations

import base64
import logging
import re
import traceback
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

MASK = "[REDACTED]"
MIN_SECRET_LEN = 4
_KEYLIKE = re.compile(r"(sk-[A-Za-z0-9_\-]{8,}|(?i:bearer)\s{1,8}[A-Za-z0-9_\-\.=+/]{8,}|(?i:basic)\s{1,8}[A-Za-z0-9+/=]{8,})")
# Bounded repeats only: these run over untrusted answers of any length, so no pattern may backtrack
# quadratically (an unbounded scheme took minutes on a 1 MB answer of one letter).
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]{0,30}://)(?P<userinfo>[^/@\s?#]{1,512})@")
_SECRET_PARAM = re.compile(
    r"(?P<name>[?&;](?:api[-_]?key|key|token|access[-_]?token|secret|password|passwd|pwd|sig|signature|auth)=)"
    r"(?P<value>[^&#\s\"']{1,2048})", re.IGNORECASE)


def _base64_cores(secret: bytes) -> set[str]:
    """Substrings present in any base64 text that encodes ``secret`` at any byte alignment."""
    cores: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret).decode()
        start = (shift * 4 + 2) // 3
        end = len(encoded) - 4  # the last group may mix in the next byte or padding
        core = encoded[start:end]
        if len(core) >= 6:
            cores.update({core, core.replace("+", "-").replace("/", "_")})
    return cores


def variants(secret: str) -> set[str]:
    """Every form of a secret to look for."""
    if not secret or len(secret) < MIN_SECRET_LEN:
        return set()
    forms = {secret, quote(secret, safe=""), quote_plus(secret), quote(secret)}
    forms |= _base64_cores(secret.encode())
    return {f for f in forms if len(f) >= MIN_SECRET_LEN}


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret form, key-like token and URL credential masked."""
    if not text:
        return text
    secrets = [s for s in secrets if s and len(s) >= MIN_SECRET_LEN]
    for form in sorted({v for s in secrets for v in variants(s)}, key=len, reverse=True):
        text = text.replace(form, MASK)
    for secret in secrets:
        text = _mask_fragments(text, secret)
    text = _URL_USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", text)
    text = _SECRET_PARAM.sub(lambda m: m.group("name") + MASK, text)
    return _KEYLIKE.sub(MASK, text)


FRAGMENT = 12  # a run of this many characters of a long secret is masked, wherever it was cut


def _mask_fragments(text: str, secret: str) -> str:
    """Mask cut-off pieces of a long secret: its start or end running for at least FRAGMENT characters."""
    if len(secret) < FRAGMENT + 4:
        return text
    head, tail = secret[:FRAGMENT], secret[-FRAGMENT:]
    i = text.find(head)
    while i != -1:
        n = FRAGMENT
        while n < len(secret) and i + n < len(text) and text[i + n] == secret[n]:
            n += 1
        text = text[:i] + MASK + text[i + n:]
        i = text.find(head, i + len(MASK))
    j = text.find(tail)
    while j != -1:
        n = FRAGMENT
        while n < len(secret) and j - (n - FRAGMENT) - 1 >= 0 and text[j - (n - FRAGMENT) - 1] == secret[-n - 1]:
            n += 1
        start = j - (n - FRAGMENT)
        text = text[:start] + MASK + text[j + FRAGMENT:]
        j = text.find(tail, start + len(MASK))
    return text


_KNOWN: set[str] = set()  # keys this process has used, so log records can be redacted for them too


def remember_secret(value: str | None) -> None:
    if value and len(value) >= MIN_SECRET_LEN:
        _KNOWN.add(value)


class RedactingLogFilter(logging.Filter):
    """Log records, tracebacks included, pass through ``redact`` before any handler writes them."""

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = sorted(_KNOWN)
        record.msg, record.args = redact(record.getMessage(), secrets), ()
        if record.exc_info:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip(), secrets)
            record.exc_info = None
        return True


def install_log_redaction(*names: str) -> None:
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingLogFilter) for f in logger.filters):
            logger.addFilter(RedactingLogFilter())


def url_secrets(url: str | None) -> list[str]:
    """Credentials carried by a URL: the user-info part and its password, and key-like query values."""
    if not url:
        return []
    found: list[str] = []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at and userinfo:
        found.append(userinfo)
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if _SECRET_PARAM.match(f"?{name}={value}"):
            found.append(value)
    return [f for f in found if len(f) >= MIN_SECRET_LEN]


def clean_url(url: str | None) -> str | None:
    """A URL safe to store and show: credentials masked."""
    return None if url is None else redact(url, url_secrets(url))


def secrets_of_candidates(candidates: Iterable[object], keys: Iterable[str | None] = ()) -> list[str]:
    out = [k for k in keys if k]
    for c in candidates:
        out += url_secrets(getattr(c, "api_base", None))
    return out
