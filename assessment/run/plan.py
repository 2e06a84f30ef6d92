"""The plan: every call an assessment will make (items × candidates × attacks), seeded."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from pydantic import BaseModel, ConfigDict

from assessment.config import AssessmentConfig, CandidateConfig
from assessment.errors import UserError
from assessment.packs.attacks import LoadedAttacks
from assessment.packs.model import Category, Item, LoadedPack
from assessment.run.pricing import price_calls
from assessment.scoring.contract import turns_with_answer_contract

# A rough size of an answer, for estimates before anything has run.
ESTIMATED_OUTPUT_TOKENS = 200


class PlannedCall(BaseModel):
    model_config = ConfigDict(frozen=True)
    candidate: str
    pack_id: str
    item_id: str
    category: Category
    subtype: str | None = None
    attack_id: str | None = None
    messages: list[dict[str, str]]
    cache_key: str

    @property
    def call_id(self) -> str:
        """Unique within an assessment: one candidate, one item, one attack (or none)."""
        return f"{self.candidate}|{self.pack_id}|{self.item_id}|{self.attack_id or ''}"


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True)
    calls: list[PlannedCall]
    items_per_pack: dict[str, dict[str, int]]
    attack_ids: list[str]

    def for_candidate(self, name: str) -> list[PlannedCall]:
        return [c for c in self.calls if c.candidate == name]


def request_params(candidate: CandidateConfig) -> dict[str, Any]:
    """What, besides the messages, decides a model's answer (keys and routing excluded)."""
    return {"model": candidate.model, "api_base": candidate.api_base or "", "params": candidate.params}


def cache_key(candidate: CandidateConfig, messages: list[dict[str, str]]) -> str:
    payload = {**request_params(candidate), "messages": messages}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def build_messages(candidate: CandidateConfig, turns: str | list[dict[str, str]]) -> list[dict[str, str]]:
    """The candidate's system prompt (if any) followed by the item's turns (or one user text)."""
    messages = []
    if candidate.system_prompt:
        messages.append({"role": "system", "content": candidate.system_prompt})
    if isinstance(turns, str):
        turns = [{"role": "user", "content": turns}]
    messages.extend(dict(t) for t in turns)
    return messages


def attack_targets(items: list[Item], which: str) -> list[Item]:
    """The harmful items attacks may wrap. By default only those that state no harmful intent:
    wrapping "...so I can hurt her" in a fiction frame is incoherent. Unlabelled items
    (``stated_intent`` unset, e.g. a custom v1 pack) are kept."""
    harmful = [i for i in items if i.category == Category.HARMFUL]
    if which == "all":
        return harmful
    return [i for i in harmful if i.stated_intent is not True]


def select_attack_items(pack: LoadedPack, sampled: list[Item], config: AssessmentConfig) -> list[Item]:
    """The harmful items each attack wraps, seeded: eligible items of the sample first (so a plain and
    an attacked answer to the same request can be compared), topped up from the rest of the pack when
    the sample holds fewer than ``attack_items_per_pack`` eligible items (a small sample often has no
    intent-free harmful item at all)."""
    in_sample = attack_targets(sampled, config.attack_targets)
    wanted = config.attack_items_per_pack
    if wanted is None:
        return in_sample
    rng = random.Random(f"{config.seed}:{pack.pack.id}:attacks")
    chosen = rng.sample(in_sample, min(wanted, len(in_sample)))
    if len(chosen) < wanted:
        sampled_ids = {i.id for i in sampled}
        rest = [i for i in attack_targets(pack.pack.items, config.attack_targets) if i.id not in sampled_ids]
        chosen += rng.sample(rest, min(wanted - len(chosen), len(rest)))
    keep = {i.id for i in chosen}
    return [i for i in pack.pack.items if i.id in keep]


def sample_items(pack: LoadedPack, per_category: int | None, seed: int) -> list[Item]:
    """A seeded sample of up to ``per_category`` items of each category, in pack order."""
    if per_category is None:
        return list(pack.pack.items)
    chosen: set[str] = set()
    for category in Category:
        ids = [i.id for i in pack.pack.items if i.category == category]
        rng = random.Random(f"{seed}:{pack.pack.id}:{category.value}")
        chosen.update(rng.sample(ids, min(per_category, len(ids))))
    return [i for i in pack.pack.items if i.id in chosen]


def build_plan(config: AssessmentConfig, packs: list[LoadedPack], attacks: LoadedAttacks | None) -> Plan:
    templates = []
    if attacks is not None and config.attacks != "none":
        by_id = attacks.by_id()
        wanted = list(by_id) if config.attacks == "all" else config.attacks
        unknown = [a for a in wanted if a not in by_id]
        if unknown:
            raise UserError(f"unknown attack template(s): {', '.join(unknown)} (known: {', '.join(by_id)})")
        templates = [by_id[a] for a in wanted]
    calls: list[PlannedCall] = []
    counts: dict[str, dict[str, int]] = {}
    for lp in packs:
        items = sample_items(lp, config.sample_per_category, config.seed)
        counts[lp.pack.id] = {c.value: sum(1 for i in items if i.category == c) for c in Category}
        harmful = select_attack_items(lp, items, config) if templates else []
        for candidate in config.candidates:
            for item in items:
                # Choice and numeric items get the versioned answer-format instruction on the last user
                # turn: a changed instruction changes the messages, hence the cache key: a new call.
                messages = build_messages(candidate, turns_with_answer_contract(item.scoring, item.turns()))
                calls.append(PlannedCall(
                    candidate=candidate.name, pack_id=lp.pack.id, item_id=item.id, category=item.category,
                    subtype=item.subtype, messages=messages, cache_key=cache_key(candidate, messages)))
            for template in templates:
                for item in harmful:
                    messages = build_messages(candidate, template.apply(item.turns()))
                    calls.append(PlannedCall(
                        candidate=candidate.name, pack_id=lp.pack.id, item_id=item.id, category=item.category,
                        subtype=item.subtype, attack_id=template.id, messages=messages,
                        cache_key=cache_key(candidate, messages)))
    return Plan(calls=calls, items_per_pack=counts, attack_ids=[t.id for t in templates])


class CandidateEstimate(BaseModel):
    candidate: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost: float | None
    wall_seconds: float | None


def estimate(plan: Plan, config: AssessmentConfig, seconds_per_call: float | None = 2.0) -> list[CandidateEstimate]:
    """Calls, tokens (≈ 4 characters a token) and cost per candidate, before anything runs."""
    out = []
    for candidate in config.candidates:
        calls = plan.for_candidate(candidate.name)
        tokens_in = sum(sum(len(m["content"]) for m in c.messages) // 4 + 8 for c in calls)
        max_tokens = candidate.params.get("max_tokens")
        tokens_out = len(calls) * int(max_tokens if isinstance(max_tokens, int) else ESTIMATED_OUTPUT_TOKENS)
        cost = price_calls(candidate, tokens_in, tokens_out)
        wall = None if seconds_per_call is None else len(calls) / candidate.concurrency * seconds_per_call
        out.append(CandidateEstimate(candidate=candidate.name, calls=len(calls), input_tokens=tokens_in,
                                     output_tokens=tokens_out, cost=cost, wall_seconds=wall))
    return out
