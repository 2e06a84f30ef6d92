"""Run until decided: rounds that add items only where a conclusion is still open.

The sample sizes are fixed before anything runs (a small number of pre-planned looks:
start, 2 × start, 4 × start, …, then the full packs; at most LOOKS). At each look the
scorecard is computed with alpha split evenly over the planned looks (Bonferroni: 5 % / K,
then Holm across the tests within the look), so stopping as soon as the evidence suffices
does not raise the chance of a false flag above 5 %. A round adds the next look's items for
every candidate × domain cell that is still open, and for the baseline in the same domain
(taxes are paired). It stops when every cell is decided, the last look is reached, or the
next round would exceed the budget (calls or cost).

The CLI (`run --until-decided`) and the wizard both call ``run_until_decided``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from assessment.analysis.evidence_model import Round, SequentialRecord
from assessment.analysis.scorecard import Scorecard
from assessment.errors import UserError
from assessment.packs.model import Category
from assessment.pipeline import compute_scorecard, open_assessment
from assessment.pipeline import execute as default_execute
from assessment.run.plan import Plan, PlannedCall, estimate, sample_items
from assessment.run.runner import Progress
from assessment.run.store import Store

if TYPE_CHECKING:  # the pipeline runs these rounds and imports this module
    from assessment.pipeline import Prepared

LOOKS = 4
DEFAULT_START = 4


class Budget(BaseModel):
    max_calls: int | None = None
    max_cost: float | None = None


class SequentialOutcome(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    assessment_id: str
    record: SequentialRecord
    scorecard: Scorecard | None
    cancelled: bool = False


def look_schedule(full: int, start: int = DEFAULT_START, looks: int = LOOKS) -> list[int]:
    """Items per category at each pre-planned look: start, doubling, then the full size."""
    if start < 1:
        raise UserError("--start must be at least 1 item per category")
    sizes: list[int] = []
    n = start
    while n < full and len(sizes) < looks - 1:
        sizes.append(n)
        n *= 2
    return sizes + [full]


def item_order(prepared: Prepared) -> dict[tuple[str, str], list[str]]:
    """(pack, category) → the full plan's items in a seeded order; a look of size k takes the first k."""
    seed = prepared.config.seed
    out: dict[tuple[str, str], list[str]] = {}
    for lp in prepared.packs:
        items = sample_items(lp, prepared.config.sample_per_category, seed)
        for cat in Category:
            ids = [i.id for i in items if i.category == cat]
            out[(lp.pack.id, cat.value)] = sorted(
                ids, key=lambda i: hashlib.sha256(f"{seed}:{lp.pack.id}:{cat.value}:{i}".encode()).hexdigest())
    return out


def full_size(order: dict[tuple[str, str], list[str]]) -> int:
    return max((len(v) for v in order.values()), default=0)


def calls_for(prepared: Prepared, order: dict[tuple[str, str], list[str]], sizes: dict[tuple[str, str], int]) -> list[PlannedCall]:
    """The full plan's calls whose item is within the first ``sizes[(candidate, pack)]`` of its category."""
    rank = {(p, i): n for (p, _), ids in order.items() for n, i in enumerate(ids)}
    return [c for c in prepared.plan.calls
            if rank.get((c.pack_id, c.item_id), 10 ** 9) < sizes.get((c.candidate, c.pack_id), 0)]


def sub_prepared(prepared: Prepared, calls: list[PlannedCall]) -> Prepared:
    plan = Plan(calls=calls, items_per_pack=prepared.plan.items_per_pack, attack_ids=prepared.plan.attack_ids)
    return prepared.model_copy(update={"plan": plan})


def _cost_of(prepared: Prepared, calls: list[PlannedCall]) -> float | None:
    sub = Plan(calls=calls, items_per_pack={}, attack_ids=[])
    costs = [e.cost for e in estimate(sub, prepared.config, seconds_per_call=None) if e.calls]
    return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)


def _spent(card: Scorecard | None) -> float | None:
    if card is None:
        return 0.0
    costs = [c.cost for c in card.candidates]
    return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)


def _open_cells(card: Scorecard, baseline: str | None) -> set[tuple[str, str]]:
    cells = {(r.candidate, r.domain) for r in card.results if r.conclusion == "open"}
    if baseline:  # taxes are paired: the baseline answers the same new items
        cells |= {(baseline, domain) for _, domain in cells}
    return cells


def open_first_look(store: Store, prepared: Prepared, start: int = DEFAULT_START,
                    resume: bool = False) -> tuple[str, bool]:
    """Create (or resume) the assessment with the first look's calls. Returns (assessment_id, resumed)."""
    order = item_order(prepared)
    first = look_schedule(full_size(order), start)[0]
    sizes = {(c.name, lp.pack.id): first for c in prepared.config.candidates for lp in prepared.packs}
    return open_assessment(store, sub_prepared(prepared, calls_for(prepared, order, sizes)), resume=resume)


def run_until_decided(store: Store, assessment_id: str, prepared: Prepared, *, start: int = DEFAULT_START, budget: Budget | None = None,
                      session_keys: dict[str, str] | None = None, progress: Progress | None = None,
                      cancel: threading.Event | None = None, execute: Callable | None = None,
                      on_round: Callable[[Round], None] | None = None) -> SequentialOutcome:
    """Run the rounds (blocking); the scorecard of the last look is stored with the rounds."""
    run = execute or default_execute
    budget = budget or Budget()
    order = item_order(prepared)
    schedule = look_schedule(full_size(order), start)
    config = prepared.config
    record = SequentialRecord(looks_planned=len(schedule), schedule=schedule, alpha_per_look=0.05 / len(schedule),
                              rounds=[], calls_full_plan=len(prepared.plan.calls), calls_planned=0, calls_saved=0,
                              stop_reason="schedule", max_calls=budget.max_calls, max_cost=budget.max_cost)
    sizes: dict[tuple[str, str], int] = {}
    cells = {(c.name, lp.pack.id) for c in config.candidates for lp in prepared.packs}
    to_grow = set(cells)
    card: Scorecard | None = None
    planned: list[PlannedCall] = []
    for look, k in enumerate(schedule, start=1):
        new_sizes = {**sizes, **{cell: k for cell in to_grow}}
        calls = calls_for(prepared, order, new_sizes)
        before = {p.call_id for p in planned}
        added = [c for c in calls if c.call_id not in before]
        if look > 1 and not added:
            break
        if not _within_budget(prepared, budget, len(calls), card, added, look):
            record.stop_reason = "budget"
            break
        sizes, planned = new_sizes, calls
        store.save_plan(assessment_id, planned)
        if progress is not None:  # each round counts its own calls (those already answered as cached)
            progress.per_candidate.clear()
            progress.finished = False
        result = run(store, assessment_id, sub_prepared(prepared, planned), session_keys=session_keys,
                     progress=progress, cancel=cancel)
        record.calls_planned = len(planned)
        record.calls_saved = record.calls_full_plan - len(planned)
        store.save_sequential(assessment_id, record.model_dump_json())
        card, _ = compute_scorecard(store, assessment_id, session_keys=session_keys)
        to_grow = _open_cells(card, config.baseline)
        rnd = Round(round=look, per_category=k, open_cells_before=sorted(f"{c} / {d}" for c, d in _grown(new_sizes, k)),
                    calls_added=len(added), calls_total=len(planned),
                    open_cells_after=sorted(f"{r.candidate} / {r.domain}" for r in card.results if r.conclusion == "open"),
                    cost_so_far=_spent(card))
        record.rounds.append(rnd)
        store.save_sequential(assessment_id, record.model_dump_json())
        if on_round is not None:
            on_round(rnd)
        if getattr(result, "cancelled", False):
            return SequentialOutcome(assessment_id=assessment_id, record=record, scorecard=card, cancelled=True)
        if not rnd.open_cells_after:
            record.stop_reason = "decided"
            break
    store.save_sequential(assessment_id, record.model_dump_json())
    card, _ = compute_scorecard(store, assessment_id, session_keys=session_keys)
    return SequentialOutcome(assessment_id=assessment_id, record=record, scorecard=card)


def _grown(sizes: dict[tuple[str, str], int], k: int) -> list[tuple[str, str]]:
    return [cell for cell, size in sizes.items() if size == k]


def _within_budget(prepared: Prepared, budget: Budget, total_calls: int, card: Scorecard | None, added: list[PlannedCall],
                   look: int) -> bool:
    """Whether the next round fits the budget; the first look must fit, or nothing can be decided."""
    fits = True
    if budget.max_calls is not None and total_calls > budget.max_calls:
        fits = False
    if budget.max_cost is not None:
        spent, more = _spent(card), _cost_of(prepared, added)
        if spent is None or more is None:
            raise UserError("--max-cost needs a price for every candidate (price_per_1k_input and "
                            "price_per_1k_output, or a model LiteLLM knows); use --max-calls instead")
        fits = fits and spent + more <= budget.max_cost
    if not fits and look == 1:
        raise UserError(f"the budget does not cover the first look ({total_calls} calls"
                        + (f", about {_cost_of(prepared, added):.4f} estimated" if budget.max_cost is not None else "")
                        + "); raise --max-calls / --max-cost or lower --start")
    return fits
