"""Two blind annotation passes over the built-in packs: kappa per pack over every item annotated, and the
rule that turns the two passes and the writer's labels into a pack's labels.

Each annotator labels every item blind (category; subtype for sensitive items; severity and
stated_intent for harmful items) against docs/pack-guideline.md. This module computes Cohen's kappa
per pack over every item the annotators saw, removed ones included (``packs agreement`` measures
a pack file's current items), and applies the resolution rule of the guideline's section 7 to one
item:

- A and B agree: that is the label. If it differs from the writer's, the item takes it, unless the
  item would no longer fit the pack (sensitive <-> harmful means ambiguous; a benign or harmful item
  cannot become capability without a scoring block, nor the other way round): then it is removed.
- A and B disagree: the writer's label stands if it matches one of them (a resolved disagreement),
  otherwise the item is removed. Severity is the exception: with no match the higher one is taken.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assessment.packs.agreement import ItemLabels, field_kappa, read_label_file
from assessment.packs.model import Category, Item, Severity

KAPPA_DIGITS = 2  # as recorded in the built-in packs' annotation blocks
_SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2}


class Label(ItemLabels):
    """One annotator's labels for one item of a built-in pack (one line of an annotation file)."""

    pack: str
    confidence: str | None = None


def read_labels(path: Path) -> dict[str, Label]:
    """An annotation file by item id (bad lines reported as by ``packs agreement``)."""
    return read_label_file(path, Label)


class Agreement(BaseModel):
    """Cohen's kappa of annotators A and B on one pack's items."""

    pack_id: str
    items: int
    kappa_category: float | None
    subtype_items: int                # items both labelled sensitive
    kappa_subtype: float | None
    harmful_items: int                # items both labelled harmful
    kappa_severity: float | None
    kappa_stated_intent: float | None


def pack_agreement(pack_id: str, a: dict[str, Label], b: dict[str, Label]) -> Agreement:
    """Kappa on category (all items of the pack both annotated), subtype and severity / stated intent."""
    ids = sorted(i for i, label in a.items() if label.pack == pack_id and i in b)
    pairs = [(a[i], b[i]) for i in ids]
    sens = [(x, y) for x, y in pairs if x.category == y.category == Category.SENSITIVE]
    harm = [(x, y) for x, y in pairs if x.category == y.category == Category.HARMFUL]
    return Agreement(
        pack_id=pack_id, items=len(pairs),
        kappa_category=field_kappa(pairs, "category", KAPPA_DIGITS), subtype_items=len(sens),
        kappa_subtype=field_kappa(sens, "subtype", KAPPA_DIGITS), harmful_items=len(harm),
        kappa_severity=field_kappa(harm, "severity", KAPPA_DIGITS),
        kappa_stated_intent=field_kappa(harm, "stated_intent", KAPPA_DIGITS),
    )


# --- resolution ---------------------------------------------------------------------------------

class Action(StrEnum):
    KEEP = "keep"          # the writer's labels stand (possibly after a resolved disagreement)
    RELABEL = "relabel"    # both annotators agreed on a different label; the item takes it
    REMOVE = "remove"


class Resolution(BaseModel):
    item_id: str
    action: Action
    changes: dict[str, Any] = {}      # field -> new value (None removes the field)
    resolved: list[str] = []          # fields where A and B disagreed and the rule settled it
    reason: str = ""


_NO_CROSSING = {frozenset({Category.SENSITIVE, Category.HARMFUL}), frozenset({Category.BENIGN, Category.HARMFUL})}


def _category_change(writer: Category, target: Category, a: Label, b: Label) -> tuple[dict[str, Any] | None, str]:
    """The field changes that move an item to the annotators' category, or None if it must go."""
    if Category.CAPABILITY in (writer, target):
        return None, f"both annotators call the {writer.value} item {target.value}: it no longer fits as either"
    if frozenset({writer, target}) in _NO_CROSSING:
        return None, f"both annotators call the {writer.value} item {target.value}: ambiguous"
    if target == Category.SENSITIVE:
        if a.subtype != b.subtype or not a.subtype:
            return None, "both annotators call the benign item sensitive but give different subtypes"
        return {"category": target.value, "subtype": a.subtype}, f"both annotators: sensitive ({a.subtype})"
    return {"category": target.value, "subtype": None}, f"both annotators: {target.value}"


def resolve(item: Item, a: Label, b: Label) -> Resolution:
    """Apply the resolution rule (module docstring) to one item and its two labels."""
    writer = item.category
    if a.category != b.category:
        if writer not in (a.category, b.category):
            return Resolution(item_id=item.id, action=Action.REMOVE,
                              reason=f"category: writer {writer.value}, A {a.category.value}, B {b.category.value}")
        # Only one annotator used the writer's category; a field needs both to overturn the writer.
        return Resolution(item_id=item.id, action=Action.KEEP, resolved=["category"])
    if a.category != writer:
        relabel, reason = _category_change(writer, a.category, a, b)
        if relabel is None:
            return Resolution(item_id=item.id, action=Action.REMOVE, reason=reason)
        return Resolution(item_id=item.id, action=Action.RELABEL, changes=relabel, reason=reason)

    changes: dict[str, Any] = {}
    resolved: list[str] = []
    if writer == Category.SENSITIVE:
        if a.subtype == b.subtype:
            if a.subtype and a.subtype != item.subtype:
                changes["subtype"] = a.subtype
        elif item.subtype in (a.subtype, b.subtype):
            resolved.append("subtype")
        else:
            return Resolution(item_id=item.id, action=Action.REMOVE,
                              reason=f"subtype: writer {item.subtype}, A {a.subtype}, B {b.subtype}")
    if writer == Category.HARMFUL:
        if a.severity == b.severity:
            if a.severity and a.severity != item.severity:
                changes["severity"] = a.severity.value
        elif item.severity in (a.severity, b.severity):
            resolved.append("severity")
        else:
            higher = max((s for s in (a.severity, b.severity) if s), key=_SEVERITY_RANK.__getitem__)
            changes["severity"] = higher.value
            resolved.append("severity")
        if a.stated_intent == b.stated_intent:
            if a.stated_intent is not None and a.stated_intent != item.stated_intent:
                changes["stated_intent"] = a.stated_intent
        elif item.stated_intent in (a.stated_intent, b.stated_intent):
            resolved.append("stated_intent")
        else:
            changes["stated_intent"] = True if True in (a.stated_intent, b.stated_intent) else item.stated_intent
            resolved.append("stated_intent")
    action = Action.RELABEL if changes else Action.KEEP
    reason = "; ".join(f"both annotators: {k} {v}" for k, v in changes.items() if k not in resolved)
    return Resolution(item_id=item.id, action=action, changes=changes, resolved=resolved, reason=reason)
