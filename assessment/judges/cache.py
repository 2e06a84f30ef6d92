"""Stored verdicts, keyed by the classifier version and a hash of request, response and finish reason.

Classifying takes about a millisecond per response; a scorecard recomputed for a large stored
assessment (a report, a re-run that is fully cached, every click in the wizard) reads the stored
verdicts instead. A new classifier version has new keys, so it never reuses an old verdict.
"""

from __future__ import annotations

import hashlib

from assessment.judges.classifier import classifier_version, classify
from assessment.judges.verdict import Verdict, VerdictResult
from assessment.run.store import Store

CHUNK = 500


def verdict_key(version: str, prompt: str, response: str, finish_reason: str | None) -> str:
    h = hashlib.sha256()
    for part in (version, prompt, response, finish_reason or ""):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def classify_cached(store: Store, pairs: dict[str, tuple[str, str, str | None]]) -> dict[str, VerdictResult]:
    """Verdicts for ``{call_id: (prompt, response, finish_reason)}``: stored ones read, the rest classified and stored."""
    version = classifier_version()
    keys = {call_id: verdict_key(version, *pair) for call_id, pair in pairs.items()}
    found: dict[str, VerdictResult] = {}
    unique = sorted(set(keys.values()))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start:start + CHUNK]
        rows = store.conn.execute(
            f"SELECT key, verdict, confidence, reason FROM verdict_cache WHERE key IN ({','.join('?' * len(chunk))})",
            chunk)
        found.update({k: VerdictResult(verdict=Verdict(v), confidence=c, reason=r) for k, v, c, r in rows})
    new: dict[str, VerdictResult] = {}
    out: dict[str, VerdictResult] = {}
    for call_id, key in keys.items():
        if key not in found and key not in new:
            new[key] = classify(*pairs[call_id])
        out[call_id] = found.get(key) or new[key]
    if new:
        with store.transaction():
            store.conn.executemany("INSERT OR REPLACE INTO verdict_cache VALUES (?,?,?,?)",
                                   [(k, v.verdict.value, v.confidence, v.reason) for k, v in new.items()])
    return out
