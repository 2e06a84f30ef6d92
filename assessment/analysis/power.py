"""Power and sample size: how many items a difference needs before a test can decide it, and
the smallest difference a given sample detects, in numbers and in plain words.

Normal-approximation formulas (no continuity correction), each with a floor from the exact
test the scorecard really uses, because the normal formula is optimistic for rates near 0 or 1:

- two independent rates p1, p2, n items each (Fleiss):
  n = [z(1−α/2)·√(2·p̄·q̄) + z(power)·√(p1·q1 + p2·q2)]² / (p1 − p2)², p̄ = (p1 + p2)/2;
- one rate p1 against a fixed threshold p0 (one-sided):
  n = [z(1−α)·√(p0·q0) + z(power)·√(p1·q1)]² / (p1 − p0)²;
- paired rates (McNemar; Connor 1987), ψ = share of discordant pairs, δ = difference:
  n = [z(1−α/2)·√ψ + z(power)·√(ψ − δ²)]² / δ².

α here is the level a single test must reach, i.e. after the multiple-comparison correction.

The sample-size sentences (``packs stats``, the wizard's Estimate step) use the two-rates formula
at 80 % power, two-sided 5 % level and a baseline over-refusal of about 10 %, treating the two
candidates' answers as independent: conservative, since the scorecard's paired test on shared
items usually does a little better.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from pydantic import BaseModel

_Z = NormalDist()

POWER = 0.8
ALPHA = 0.05
DEFAULT_BASELINE_OVER_REFUSAL = 0.10  # a typical over-refusal rate of a commercial model on sensitive items


def _z(q: float) -> float:
    return _Z.inv_cdf(q)


def _check(power: float, alpha: float) -> None:
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError("alpha and power must lie strictly between 0 and 1")


def _exact_floor(alpha: float, discordant_share: float = 1.0) -> int:
    """Fewest items with which an exact test (sign test / McNemar) could reach alpha at all:
    even when every item points the same way, 2·0.5^k must be ≤ alpha."""
    k = math.ceil(math.log2(2 / alpha))
    return math.ceil(k / max(discordant_share, 1e-9))


def _fisher_floor(alpha: float) -> int:
    """Fewest items per group with which Fisher's exact test could reach alpha: even with complete
    separation (all of one group, none of the other) the two-sided p-value is 2 / C(2n, n)."""
    n = 1
    while 2 / math.comb(2 * n, n) > alpha and n < 10_000:
        n += 1
    return n


def items_needed(p1: float, p2: float, power: float = POWER, alpha: float = ALPHA) -> int | None:
    """Items per group to tell two independent rates apart (two-sided); None when p1 == p2."""
    _check(power, alpha)
    return _two_rates(p1, p2, abs(p1 - p2), power, alpha)


def _two_rates(p1: float, p2: float, delta: float, power: float, alpha: float) -> int | None:
    """``items_needed`` with the difference given (a rise above a baseline is used as it is, unrounded)."""
    if delta == 0:
        return None
    pbar = (p1 + p2) / 2
    n = (_z(1 - alpha / 2) * math.sqrt(2 * pbar * (1 - pbar))
         + _z(power) * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / delta ** 2
    return max(math.ceil(n), _fisher_floor(alpha))


def items_needed_vs_threshold(p1: float, p0: float, power: float = POWER, alpha: float = ALPHA) -> int | None:
    """Items to show one rate p1 lies beyond a fixed threshold p0 (one-sided); None when p1 == p0."""
    _check(power, alpha)
    delta = abs(p1 - p0)
    if delta == 0:
        return None
    n = (_z(1 - alpha) * math.sqrt(p0 * (1 - p0)) + _z(power) * math.sqrt(p1 * (1 - p1))) ** 2 / delta ** 2
    # exact floor: even if every item falls on one side, the binomial tail must reach alpha
    far = 1 - p0 if p1 < p0 else p0  # P(all items on the far side) = far^n
    floor = math.ceil(math.log(alpha) / math.log(far)) if 0 < far < 1 else 1
    return max(math.ceil(n), floor)


def items_needed_paired(discordant_share: float, difference: float, power: float = POWER,
                        alpha: float = ALPHA) -> int | None:
    """Paired items for McNemar's test (Connor 1987) given the share of pairs that disagree and
    the difference between the two rates; None when the difference is 0 or no pair disagrees."""
    _check(power, alpha)
    psi, delta = discordant_share, abs(difference)
    if delta == 0 or psi <= 0:
        return None
    psi = max(psi, delta)
    n = (_z(1 - alpha / 2) * math.sqrt(psi) + _z(power) * math.sqrt(max(psi - delta ** 2, 0.0))) ** 2 / delta ** 2
    return max(math.ceil(n), _exact_floor(alpha, psi))


def detectable_difference(n: int, power: float = POWER, alpha: float = ALPHA,
                          baseline_rate: float = DEFAULT_BASELINE_OVER_REFUSAL) -> float | None:
    """Smallest rise above ``baseline_rate`` (a proportion) that n items per candidate detect with
    this power at two-sided level alpha (the inverse of ``items_needed``); None when even a rise
    to 100 % is not detectable."""
    if not 0 <= baseline_rate < 1:
        raise ValueError("baseline_rate lies in [0, 1)")
    _check(power, alpha)

    def too_few(difference: float) -> bool:
        need = _two_rates(baseline_rate, baseline_rate + difference, difference, power, alpha)
        return need is None or need > n

    top = 1.0 - baseline_rate
    if n < 1 or too_few(top):
        return None
    low, high = 0.0, top  # items needed falls as the difference grows: bisect on it
    for _ in range(60):
        mid = (low + high) / 2
        if too_few(mid):
            low = mid
        else:
            high = mid
    return high


# --- in plain words ---------------------------------------------------------------------------

# The wizard's default sample per pack and category: enough sensitive items to detect a 20-point
# difference in over-refusal (the scorecard's "critical" threshold) between two candidates.
DEFAULT_DETECTABLE_POINTS = 20
DEFAULT_SAMPLE_PER_CATEGORY: int = items_needed(
    DEFAULT_BASELINE_OVER_REFUSAL, DEFAULT_BASELINE_OVER_REFUSAL + DEFAULT_DETECTABLE_POINTS / 100) or 0


class DomainPower(BaseModel):
    pack_id: str
    sensitive_items: int
    detectable_points: float | None   # None: no difference is reliably detectable with so few items
    sentence: str


def detectable_points(n: int) -> float | None:
    d = detectable_difference(n)
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
