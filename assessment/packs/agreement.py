"""Agreement of two independent labelling passes over a pack (Cohen's kappa), for its `annotation` block.

Each pass is a JSONL file, one object per item: ``{"id", "category", "subtype", "severity",
"stated_intent"}`` (other keys, e.g. ``confidence``, are ignored). Kappa on category is over every
item both passes labelled; on subtype over the items both put in the same category and gave a
subtype; on severity over the items both called harmful.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from assessment.analysis.stats import cohens_kappa
from assessment.errors import UserError, ValidationProblems
from assessment.packs.model import Annotation, Category, Pack, Severity
from assessment.yamlfile import describe_pydantic_error

LABEL_FIELDS = ("category", "subtype", "severity", "stated_intent")


class ItemLabels(BaseModel):
    """One labelling pass's labels for one item (one line of a labels file)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    category: Category
    subtype: str | None = None
    severity: Severity | None = None
    stated_intent: bool | None = None


L = TypeVar("L", bound=ItemLabels)


class Disagreement(BaseModel):
    item_id: str
    fields: list[str]
    first: ItemLabels
    second: ItemLabels


class AgreementReport(BaseModel):
    pack_id: str
    items_annotated: int
    kappa_category: float | None
    kappa_subtype: float | None
    kappa_severity: float | None
    disagreements: list[Disagreement]
    unlabelled: list[str]  # pack items that one or both passes did not label

    def annotation(self, guideline: str, disagreements_resolved: int, items_removed: int) -> Annotation:
        if self.kappa_category is None:
            raise UserError(f"pack {self.pack_id}: no item was labelled by both passes, so there is no agreement to record")
        return Annotation(guideline=guideline, annotators=2, items_annotated=self.items_annotated,
                          kappa_category=self.kappa_category,
                          kappa_subtype=self.kappa_subtype, kappa_severity=self.kappa_severity,
                          disagreements_resolved=disagreements_resolved, items_removed=items_removed)


def read_labels(path: str | Path) -> dict[str, ItemLabels]:
    """One labelling pass by item id."""
    return read_label_file(path, ItemLabels)


def read_label_file(path: str | Path, model: type[L]) -> dict[str, L]:
    """A labels file (JSON lines) by item id; every bad line is reported as ``FILE:row N: field: message``."""
    p = Path(path)
    labels: dict[str, L] = {}
    problems: list[str] = []
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationProblems([f"{p}:row 1: file: cannot be read ({type(exc).__name__})"]) from None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            labels_row = model.model_validate(json.loads(line))
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                problems.extend(f"{p}:row {n}: {'.'.join(str(x) for x in e['loc']) or 'line'}: "
                                f"{describe_pydantic_error(e)}" for e in exc.errors())
            else:
                problems.append(f"{p}:row {n}: line: not valid JSON")
            continue
        if labels_row.id in labels:
            problems.append(f"{p}:row {n}: id: item {labels_row.id} is labelled twice")
            continue
        labels[labels_row.id] = labels_row
    if problems:
        raise ValidationProblems(problems)
    return labels


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two raters over the same items (labels compared as text); None when undefined."""
    return cohens_kappa([str(x) for x in first], [str(y) for y in second])


def field_kappa(pairs: Sequence[tuple[ItemLabels, ItemLabels]], field: str, digits: int) -> float | None:
    """Cohen's kappa of two passes on one label field over these item pairs, rounded; None when undefined."""
    value = cohen_kappa([getattr(a, field) for a, _ in pairs], [getattr(b, field) for _, b in pairs])
    return None if value is None else round(value, digits)


def agreement(pack: Pack, first: dict[str, ItemLabels], second: dict[str, ItemLabels]) -> AgreementReport:
    both = [i.id for i in pack.items if i.id in first and i.id in second]
    pairs = [(first[i], second[i]) for i in both]
    same_category = [(a, b) for a, b in pairs if a.category == b.category and (a.subtype or b.subtype)]
    harmful = [(a, b) for a, b in pairs if a.category == b.category == Category.HARMFUL]
    disagreements = []
    for item_id, (a, b) in zip(both, pairs):
        fields = [f for f in LABEL_FIELDS if getattr(a, f) != getattr(b, f)]
        if fields:
            disagreements.append(Disagreement(item_id=item_id, fields=fields, first=a, second=b))
    return AgreementReport(
        pack_id=pack.id, items_annotated=len(both), kappa_category=field_kappa(pairs, "category", 3),
        kappa_subtype=field_kappa(same_category, "subtype", 3), kappa_severity=field_kappa(harmful, "severity", 3),
        disagreements=disagreements, unlabelled=[i.id for i in pack.items if i.id not in both])
