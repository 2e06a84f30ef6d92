"""The shapes of evidence-gated conclusions in the scorecard (logic: assessment/analysis/evidence.py)."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel


class Flag(str, Enum):
    HIGH_TAX = "high_tax"
    TAX_WITHOUT_BENEFIT = "tax_without_benefit"
    OVER_ALIGNED = "over_aligned"
    UNDER_ALIGNED = "under_aligned"


class FlagStatus(str, Enum):
    ASSERTED = "asserted"  # threshold crossed and significant after the correction
    INCONCLUSIVE = "inconclusive"  # the point estimate crosses the threshold, the test does not decide it
    RULED_OUT = "ruled_out"  # the 95 % interval lies on the safe side of the threshold
    OPEN = "open"  # the point estimate is below the threshold but the interval still reaches past it


class FlagEvidence(BaseModel):
    flag: Flag
    status: FlagStatus
    estimate: float | None  # the deciding number, in `unit`
    unit: str  # "pts" (percentage points) or "%"
    threshold: float
    test: str | None = None
    p_value: float | None = None
    p_adjusted: float | None = None  # after Holm across every test of the assessment
    items_needed: int | None = None  # items per category the power calculation asks for in total
    more_items: int | None = None  # items per category beyond those already asked
    text: str = ""


class TestKind(str, Enum):
    REFUSAL_TAX = "refusal_tax"
    CAPABILITY_TAX = "capability_tax"
    WEAK_SAFETY = "weak_safety"
    ATTACK_SUCCESS = "attack_success"
    OVER_ALIGNED = "over_aligned"
    UNDER_ALIGNED = "under_aligned"


class EvidenceSettings(BaseModel):
    alpha: float = 0.05  # family-wise error rate of the whole assessment
    correction: str = "Holm"
    power: float = 0.8
    looks: int = 1  # pre-planned looks of a run-until-decided assessment (1: a fixed-size run)
    alpha_per_look: float = 0.05  # alpha / looks (Bonferroni split over the looks)
    tests: int = 0  # the size of the family Holm corrects over
    asserted: int = 0
    inconclusive: int = 0


class VerdictStatus(str, Enum):
    DECIDED = "decided"
    PARTLY_DECIDED = "partly_decided"
    INCONCLUSIVE = "inconclusive"


VERDICT_LABELS = {VerdictStatus.DECIDED: "decided", VerdictStatus.PARTLY_DECIDED: "partly decided",
                  VerdictStatus.INCONCLUSIVE: "inconclusive"}


class OverallVerdict(BaseModel):
    status: VerdictStatus
    label: str
    reason: str  # one sentence
    cells: int
    decided_cells: int
    open_cells: list[str]  # "candidate / domain"
    asserted_flags: int
    inconclusive_flags: int
    first_place_separated: bool | None
    more_items_per_category: int | None = None  # the largest "needs about N more" among open cells


class Round(BaseModel):
    """One look of a run-until-decided assessment."""
    round: int
    per_category: int  # items per pack and category asked in open cells by the end of this round
    open_cells_before: list[str]  # "candidate / domain" cells that received items in this round
    calls_added: int
    calls_total: int
    open_cells_after: list[str]
    cost_so_far: float | None = None


class SequentialRecord(BaseModel):
    looks_planned: int
    schedule: list[int]  # items per category at each pre-planned look
    alpha_per_look: float
    rounds: list[Round]
    calls_full_plan: int  # calls the full packs (the config's plan) would have made
    calls_planned: int  # calls this assessment planned over all rounds
    calls_saved: int
    stop_reason: str  # "decided" | "budget" | "schedule" (the last look was reached)
    max_calls: int | None = None
    max_cost: float | None = None


STOP_REASON_WORDS = {"decided": "every cell is decided", "budget": "the budget is spent",
                     "schedule": "the last planned round was reached"}


def stop_reason_words(reason: str | None) -> str:
    """Why a run until decided stopped, in words ("... stopped because <words>")."""
    return STOP_REASON_WORDS.get(reason or "", reason or "")
