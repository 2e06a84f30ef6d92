"""What a pack holds, in numbers: counts per category and subtype, the v2 labels, and its annotation.

The CLI (`packs stats`) and the wizard render these; nothing here prints."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel

from assessment.packs.model import Annotation, Category, Pack


class PackSummary(BaseModel):
    pack_id: str
    version: str
    items: int
    per_category: dict[str, int]
    per_subtype: dict[tuple[str, str], int]
    severity: dict[str, int]           # harmful items per severity ("unlabelled" when missing)
    intent_free: int                   # harmful items with stated_intent false
    stated_intent: int                 # harmful items with stated_intent true
    intent_unlabelled: int
    sensitive_ground: int              # capability items on sensitive ground
    multi_turn: int
    annotation: Annotation | None


def summarise(pack: Pack) -> PackSummary:
    harmful = [i for i in pack.items if i.category == Category.HARMFUL]
    return PackSummary(
        pack_id=pack.id, version=pack.version, items=len(pack.items),
        per_category={c.value: sum(1 for i in pack.items if i.category == c) for c in Category},
        per_subtype=dict(sorted(Counter((i.category.value, i.subtype or "—") for i in pack.items).items())),
        severity=dict(Counter(i.severity.value if i.severity else "unlabelled" for i in harmful)),
        intent_free=sum(1 for i in harmful if i.stated_intent is False),
        stated_intent=sum(1 for i in harmful if i.stated_intent is True),
        intent_unlabelled=sum(1 for i in harmful if i.stated_intent is None),
        sensitive_ground=sum(1 for i in pack.items if i.sensitive_ground),
        multi_turn=sum(1 for i in pack.items if i.is_multi_turn),
        annotation=pack.annotation,
    )


def _kappa(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.2f}"


def annotation_line(annotation: Annotation | None) -> str:
    """One sentence on how the labels were checked, or that they were not."""
    if annotation is None:
        return "no annotation record (labels not independently checked)"
    a = annotation
    return (f"{a.annotators} annotators, {a.items_annotated} items; Cohen's kappa: category {_kappa(a.kappa_category)}, "
            f"subtype {_kappa(a.kappa_subtype)}, severity {_kappa(a.kappa_severity)}; "
            f"{a.disagreements_resolved} disagreements resolved, {a.items_removed} items removed; "
            f"guideline: {a.guideline}")


def labels_line(summary: PackSummary) -> str:
    """Harmful items by severity and intent, capability items on sensitive ground, conversations."""
    sev = ", ".join(f"{summary.severity.get(k, 0)} {k}" for k in ("low", "medium", "high", "unlabelled")
                    if summary.severity.get(k, 0))
    parts = [f"harmful: {sev or 'none'}; {summary.intent_free} intent-free, {summary.stated_intent} with stated intent"
             + (f", {summary.intent_unlabelled} unlabelled" if summary.intent_unlabelled else ""),
             f"capability on sensitive ground: {summary.sensitive_ground}",
             f"multi-turn items: {summary.multi_turn}"]
    return "; ".join(parts)
