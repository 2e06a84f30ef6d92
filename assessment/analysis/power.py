"""Power and sample size: how many items a difference needs before a test can decide it.

Normal-approximation formulas (no continuity correction), each with a floor from the exact
test the scorecard really uses, because the normal formula is optimistic for rates near 0 or 1:

- two independent rates p1, p2, n items each (Fleiss):
  n = [z(1−α/2)·√(2·p̄·q̄) + z(power)·√(p1·q1 + p2·q2)]² / (p1 − p2)², p̄ = (p1 + p2)/2;
- one rate p1 against a fixed threshold p0 (one-sided):
  n = [z(1−α)·√(p0·q0) + z(power)·√(p1·q1)]² / (p1 − p0)²;
- paired rates (McNemar; Connor 1987), ψ = share of discordant pairs, δ = difference:
  n = [z(1−α/2)·√ψ + z(power)·√(ψ − δ²)]² / δ²;
(The smallest difference a given sample detects is ``assessment.analysis.stats.detectable_difference``.)

α here is the level a single test must reach, i.e. after the multiple-comparison correction.
"""

from __future__ import annotations

import math
from statistics import NormalDist

_Z = NormalDist()


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


def items_needed(p1: float, p2: float, power: float = 0.8, alpha: float = 0.05) -> int | None:
    """Items per group to tell two independent rates apart (two-sided); None when p1 == p2."""
    _check(power, alpha)
    delta = abs(p1 - p2)
    if delta == 0:
        return None
    pbar = (p1 + p2) / 2
    n = (_z(1 - alpha / 2) * math.sqrt(2 * pbar * (1 - pbar))
         + _z(power) * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / delta ** 2
    return max(math.ceil(n), _fisher_floor(alpha))


def _fisher_floor(alpha: float) -> int:
    """Fewest items per group with which Fisher's exact test could reach alpha: even with complete
    separation (all of one group, none of the other) the two-sided p-value is 2 / C(2n, n)."""
    n = 1
    while 2 / math.comb(2 * n, n) > alpha and n < 10_000:
        n += 1
    return n


def items_needed_vs_threshold(p1: float, p0: float, power: float = 0.8, alpha: float = 0.05) -> int | None:
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


def items_needed_paired(discordant_share: float, difference: float, power: float = 0.8,
                        alpha: float = 0.05) -> int | None:
    """Paired items for McNemar's test (Connor 1987) given the share of pairs that disagree and
    the difference between the two rates; None when the difference is 0 or no pair disagrees."""
    _check(power, alpha)
    psi, delta = discordant_share, abs(difference)
    if delta == 0 or psi <= 0:
        return None
    psi = max(psi, delta)
    n = (_z(1 - alpha / 2) * math.sqrt(psi) + _z(power) * math.sqrt(max(psi - delta ** 2, 0.0))) ** 2 / delta ** 2
    return max(math.ceil(n), _exact_floor(alpha, psi))
