"""Keyword and pattern answers ("match" items), read after normalising case, hyphens, spacing,
plurals, accents and markup, with per-item synonyms and acronyms of multi-word keywords. A keyword
mentioned only to reject it ("spear phishing, not whaling") does not count."""

from __future__ import annotations

import re
from typing import Any

from assessment.scoring.registry import Score, ScoringContext, scorer
from assessment.scoring.safe_regex import PatternTimeout, pattern_search
from assessment.scoring.text import contains_phrase, mentioned_only_to_reject, norm_tokens, strip_markup


def acronym(phrase: str) -> str | None:
    """"National People's Congress" -> "npc"; only for three or more words (shorter ones collide)."""
    words = [w for w in re.split(r"[\s\-]+", phrase) if w and w.lower() not in {"of", "the", "and", "for", "in"}]
    return "".join(w[0].lower() for w in words) if len(words) >= 3 else None


def variants(keyword: str, synonyms: dict[str, list[str]] | None = None) -> list[str]:
    out = [keyword, *((synonyms or {}).get(keyword, []))]
    acr = acronym(keyword)
    if acr:
        out.append(acr)
    return out


def has_keyword(text: str, keyword: str, synonyms: dict[str, list[str]] | None = None,
                case_sensitive: bool = False) -> bool:
    """Is ``keyword`` (or one of its variants) in ``text``, and not only as something rejected?"""
    for variant in variants(keyword, synonyms):
        if case_sensitive:
            if re.search(r"(?<!\w)" + re.escape(variant) + r"(?!\w)", strip_markup(text)):
                return True
            continue
        if contains_phrase(text, variant) and not mentioned_only_to_reject(text, variant):
            return True
    return False


@scorer("match")
def score_match(scoring: Any, response: str, ctx: ScoringContext) -> Score:
    reasons = []
    found = []
    synonyms = getattr(scoring, "synonyms", None) or {}
    if scoring.pattern:
        ignore_case = not scoring.case_sensitive
        try:  # a pack pattern with catastrophic backtracking: no score, never a hang
            if pattern_search(scoring.pattern, response, ignore_case=ignore_case) or \
                    pattern_search(scoring.pattern, strip_markup(response), ignore_case=ignore_case):
                found.append("pattern")
            else:
                reasons.append("pattern not found")
        except PatternTimeout as exc:
            return Score.unscored(f"match item not scored: {exc}")
    missing = [k for k in scoring.all if not has_keyword(response, k, synonyms, scoring.case_sensitive)]
    if missing:
        reasons.append("missing " + ", ".join(missing))
    hits = [k for k in scoring.any if has_keyword(response, k, synonyms, scoring.case_sensitive)]
    if scoring.any and not hits:
        reasons.append("none of " + ", ".join(scoring.any))
    found += hits[:1] + [k for k in scoring.all if k not in missing]
    if reasons:
        return Score.of(False, "; ".join(reasons))
    return Score.of(True, "found " + ", ".join(found) if found else "all match rules met")


__all__ = ["acronym", "has_keyword", "norm_tokens", "score_match", "variants"]
