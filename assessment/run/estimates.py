"""How long a run will take, from measured latency rather than a guess.

The time per call comes from past runs of the same model and address in the store (the median
of their measured latency), else from the candidate's connection test (a 5-token answer, so a
lower bound), else it is unknown. The run time is calls ÷ planned parallel calls × time per call.
"""

from __future__ import annotations

import statistics
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from assessment.run.store import Store

MIN_PAST_CALLS = 3
RECENT_CALLS = 200


class LatencySource(StrEnum):
    PAST_RUNS = "past runs"
    PROBE = "connection test"
    UNKNOWN = "unknown"


class LatencyBasis(BaseModel):
    seconds: float | None
    source: LatencySource
    calls: int = 0  # how many measured calls the number rests on

    def words(self) -> str:
        if self.source is LatencySource.PAST_RUNS:
            return f"median of {self.calls} earlier calls to this model: {self.seconds:.1f} s a call"
        if self.source is LatencySource.PROBE:
            return (f"a short test call took {self.seconds:.1f} s; full answers take longer, so this is a lower "
                    "bound")
        return "unknown: press “Measure response time” (one short call per candidate) or run once"


def past_latency(store: Store, model: str, api_base: str | None) -> LatencyBasis:
    """The median latency of the most recent stored answers from this model at this address."""
    values = store.recent_latencies(model, RECENT_CALLS)
    if len(values) < MIN_PAST_CALLS:
        return LatencyBasis(seconds=None, source=LatencySource.UNKNOWN)
    return LatencyBasis(seconds=statistics.median(values), source=LatencySource.PAST_RUNS, calls=len(values))


def latency_basis(store: Store, candidate: Any, probe_seconds: float | None) -> LatencyBasis:
    past = past_latency(store, candidate.model, candidate.api_base)
    if past.seconds is not None:
        return past
    if probe_seconds is not None:
        return LatencyBasis(seconds=probe_seconds, source=LatencySource.PROBE, calls=1)
    return past


def run_seconds(calls: int, concurrency: int, basis: LatencyBasis) -> float | None:
    """Wall time of ``calls`` with ``concurrency`` parallel calls at the measured time per call."""
    if basis.seconds is None:
        return None
    return calls / max(1, concurrency) * basis.seconds


def cost_words(cost: float | None, currency: str = "USD") -> str:
    if cost is None:
        return "unknown"
    if cost == 0:
        return f"0 {currency} (price set to 0)"
    return f"{cost:.4f} {currency}"
