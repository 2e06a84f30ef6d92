"""Power in plain words: what difference in over-refusal a sample of items can detect.

Used by `packs stats` and the wizard's Estimate step. The numbers come from
``assessment.analysis.stats.detectable_difference`` (80 % power, two-sided 5 % level, a baseline
over-refusal of about 10 %, the two candidates' answers treated as independent — conservative,
since the scorecard's paired test on shared items usually does a little better).
"""

from __future__ import annotations

from pydantic import BaseModel

from assessment.analysis.stats import DEFAULT_BASELINE_OVER_REFUSAL, detectable_difference, sample_for_difference

POWER = 0.8
ALPHA = 0.05
# The wizard's default sample per pack and category: enough sensitive items to detect a 20-point
# difference in over-refusal (the scorecard's "critical" threshold) between two candidates.
DEFAULT_DETECTABLE_POINTS = 20
DEFAULT_SAMPLE_PER_CATEGORY = sample_for_difference(DEFAULT_DETECTABLE_POINTS / 100, POWER, ALPHA)


class DomainPower(BaseModel):
    pack_id: str
    sensitive_items: int
    detectable_points: float | None   # None: no difference is reliably detectable with so few items
    sentence: str


def detectable_points(n: int) -> float | None:
    d = detectable_difference(n, POWER, ALPHA, DEFAULT_BASELINE_OVER_REFUSAL)
    return None if d is None else round(d * 100, 1)


def power_sentence(n: int, what: str = "sensitive items") -> str:
    """E.g. "With 100 sensitive items per candidate you can detect a 15-point difference in over-refusal"."""
    points = detectable_points(n)
    item_word = what if n != 1 else what.rstrip("s")
    if points is None:
        return (f"With {n} {item_word} per candidate no difference in over-refusal can be detected reliably "
                f"(80 % power at the 5 % level): use more items.")
    return (f"With {n} {item_word} per candidate you can detect a {points:.0f}-point difference in over-refusal "
            f"(80 % power, 5 % level, baseline over-refusal about {DEFAULT_BASELINE_OVER_REFUSAL * 100:.0f} %).")


def domain_power(pack_id: str, sensitive_items: int) -> DomainPower:
    return DomainPower(pack_id=pack_id, sensitive_items=sensitive_items,
                       detectable_points=detectable_points(sensitive_items),
                       sentence=power_sentence(sensitive_items, "sensitive items"))


def plan_power(items_per_pack: dict[str, dict[str, int]]) -> list[DomainPower]:
    """One line per domain of a plan (``Plan.items_per_pack``), then all domains pooled."""
    rows = [domain_power(pack, counts.get("sensitive", 0)) for pack, counts in items_per_pack.items()]
    if len(rows) > 1:
        total = sum(r.sensitive_items for r in rows)
        pooled = domain_power("all domains", total)
        rows.append(pooled.model_copy(update={"sentence": pooled.sentence.replace(
            "per candidate", "per candidate across all domains")}))
    return rows
