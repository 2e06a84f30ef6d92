"""Every candidate's answer to one prompt next to each other: the items of an assessment grouped by
(pack, item, attack), with filters by domain, category, verdict, disagreement and text search."""

from __future__ import annotations

from collections import OrderedDict

from pydantic import BaseModel

from assessment.judges.judged import JudgedResponse
from assessment.judges.verdict import Verdict
from assessment.packs.model import Category
from assessment.run.call import CallStatus

ALL = "All"


class ItemAnswers(BaseModel):
    key: str  # pack / item (+ attack)
    pack_id: str
    item_id: str
    attack_id: str | None
    category: Category
    prompt: str
    answers: list[JudgedResponse]  # one per candidate, in the candidates' order

    @property
    def verdicts(self) -> set[Verdict]:
        return {r.verdict for r in self.answers if r.status == CallStatus.OK and r.verdict}

    @property
    def disagree(self) -> bool:
        """Candidates that answered gave different verdicts (the interesting rows for a buyer)."""
        return len(self.verdicts) > 1

    def label(self) -> str:
        attack = f" · attack {self.attack_id}" if self.attack_id else ""
        flag = " · candidates disagree" if self.disagree else ""
        text = " ".join(self.prompt.split())
        return f"{self.pack_id}/{self.item_id}{attack} · {self.category}{flag} — {text[:70]}"


def group_items(judged: list[JudgedResponse], candidates: list[str]) -> list[ItemAnswers]:
    order = {name: i for i, name in enumerate(candidates)}
    groups: OrderedDict[tuple, list[JudgedResponse]] = OrderedDict()
    for r in judged:
        groups.setdefault((r.pack_id, r.item_id, r.attack_id), []).append(r)
    out = []
    for (pack_id, item_id, attack_id), rows in groups.items():
        rows = sorted(rows, key=lambda r: order.get(r.candidate, len(order)))
        key = f"{pack_id}/{item_id}" + (f"/{attack_id}" if attack_id else "")
        out.append(ItemAnswers(key=key, pack_id=pack_id, item_id=item_id, attack_id=attack_id,
                               category=rows[0].category, prompt=rows[0].prompt, answers=rows))
    return out


def filter_items(items: list[ItemAnswers], domain: str = ALL, category: str = ALL, verdict: str = ALL,
                 disagreement_only: bool = False, search: str = "") -> list[ItemAnswers]:
    """``verdict`` keeps items where any candidate got it; ``search`` looks in the prompt and every answer."""
    needle = search.strip().lower()

    def keep(item: ItemAnswers) -> bool:
        if domain != ALL and item.pack_id != domain:
            return False
        if category != ALL and item.category != category:
            return False
        if verdict != ALL and not any((r.verdict or r.status) == verdict for r in item.answers):
            return False
        if disagreement_only and not item.disagree:
            return False
        if needle and needle not in item.prompt.lower() and not any(needle in (r.response or "").lower()
                                                                    for r in item.answers):
            return False
        return True

    return [i for i in items if keep(i)]
