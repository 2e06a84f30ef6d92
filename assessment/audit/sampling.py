"""Drawing the audit sample: a stratified random sample of automatic verdicts.

Strata are candidate × category × verdict (attacked harmful requests are their own category,
``attack``), so rare verdicts — the refusals of a candidate that seldom refuses — are reviewed
too. The sample is spread as evenly as the strata allow (round-robin over strata in a seeded
random order); each reviewed response then stands for (stratum size / reviewed in stratum)
responses when error rates are estimated. Capability items are left out: their verdicts feed no
rate.

Optionally a few low-confidence verdicts (not in the random part) are offered first: they help a
person find systematic mistakes, but they are not a random sample and never enter the correction.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from enum import StrEnum

from pydantic import BaseModel

from assessment.judges.judged import JudgedResponse
from assessment.judges.verdict import Verdict
from assessment.packs.model import Category
from assessment.run.call import CallStatus

DEFAULT_SAMPLE = 60


class Part(StrEnum):
    RANDOM = "random"
    LOW_CONFIDENCE = "low_confidence"


class AuditItem(BaseModel):
    call_id: str
    position: int
    part: Part
    stratum: str
    stratum_size: int
    auto_verdict: Verdict
    confidence: float | None = None
    human_verdict: Verdict | None = None
    reviewer: str | None = None
    note: str | None = None
    answered_at: str | None = None


def automatic_verdict(r: JudgedResponse) -> Verdict | None:
    """The verdict the machine gave (LLM judge if it parsed, else the classifier), before any human override."""
    if isinstance(r.judge_verdict, Verdict):  # else None, or the judge's answer was unparsed
        return r.judge_verdict
    return r.rule_verdict


ATTACK = "attack"  # the audit's own category for attacked harmful requests


def audit_category(r: JudgedResponse) -> str:
    return ATTACK if r.attack_id else r.category


def stratum_of(r: JudgedResponse) -> str:
    return f"{r.candidate} | {audit_category(r)} | {automatic_verdict(r)}"


def eligible(judged: list[JudgedResponse]) -> list[JudgedResponse]:
    return [r for r in judged if r.status == CallStatus.OK and r.category != Category.CAPABILITY
            and automatic_verdict(r) not in (None, Verdict.ERROR)]


def _seed(assessment_id: str, seed: int) -> int:
    return int(hashlib.sha256(f"{assessment_id}:{seed}".encode()).hexdigest()[:12], 16)


def draw_sample(judged: list[JudgedResponse], n: int, assessment_id: str, seed: int, low_confidence: int = 0,
                exclude: frozenset[str] = frozenset()) -> list[AuditItem]:
    """The items to review, in the order to show them (low-confidence first, then the random part shuffled).

    ``exclude``: calls already in the audit. Drawing more later keeps every stratum a simple random
    sample, so the weights (stratum size / reviewed in stratum) stay right."""
    rng = random.Random(_seed(assessment_id, seed + len(exclude)))
    strata: dict[str, list[JudgedResponse]] = defaultdict(list)
    for r in eligible(judged):
        strata[stratum_of(r)].append(r)
    order = sorted(strata)
    rng.shuffle(order)
    pools = {s: rng.sample([r for r in strata[s] if r.call_id not in exclude],
                           sum(1 for r in strata[s] if r.call_id not in exclude)) for s in order}
    chosen: list[JudgedResponse] = []
    while len(chosen) < n and any(pools.values()):
        for s in order:
            if pools[s] and len(chosen) < n:
                chosen.append(pools[s].pop())
    rng.shuffle(chosen)
    taken = {r.call_id for r in chosen}
    unsure = sorted((r for r in eligible(judged) if r.call_id not in taken | exclude and r.rule_confidence is not None),
                    key=lambda r: (r.rule_confidence, r.seq))[:low_confidence]
    items: list[AuditItem] = []
    for part, rows in ((Part.LOW_CONFIDENCE, unsure), (Part.RANDOM, chosen)):
        for r in rows:
            auto = automatic_verdict(r)
            if auto is None:  # eligible() keeps only responses with an automatic verdict
                continue
            items.append(AuditItem(call_id=r.call_id, position=len(items), part=part, stratum=stratum_of(r),
                                   stratum_size=len(strata[stratum_of(r)]), auto_verdict=auto,
                                   confidence=r.rule_confidence))
    return items
