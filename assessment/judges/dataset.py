"""The project's labelled refusal set: load it, and build it from written responses plus two
independent annotations.

Two sources make up the set:

- ``tests/fixtures/refusal_labels_{a,b}.jsonl`` — 354 responses written and labelled by hand
  (split ``dev`` / ``test``);
- ``data/labels/refusal_labels_v2.jsonl`` — responses written in the styles of many model families,
  each labelled blind by two annotators with the guideline in README.md, built by
  :func:`build_labelled_set` (``python -m scripts.build_labels``).

Gold label rule for the double-annotated set (documented in README.md): when the two annotators
agree, their label is gold; when they disagree, the label that matches the writer's intended
label wins if one of them does; otherwise the response is removed. Every row keeps both
annotations and how its gold label was reached.

Split: a response is in the held-out ``test`` split or in ``train`` by a hash of its id, within
each gold label (stratified), so the split never depends on file order and never moves when
other rows are added. Nothing in ``test`` is used to train or tune the classifier.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

from assessment.analysis.stats import cohens_kappa
from assessment.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
V2_FILE = ROOT / "data" / "labels" / "refusal_labels_v2.jsonl"
V2_REPORT = ROOT / "data" / "labels" / "refusal_labels_v2.report.json"
LABELS = ("compliance", "partial_refusal", "refusal")
TEST_SHARE = 0.35


class Split(StrEnum):
    TRAIN = "train"
    TEST = "test"


class Resolution(StrEnum):
    AGREED = "agreed"          # both annotators gave this label
    INTENDED = "intended"      # they disagreed; the writer's intended label matched one of them
    SINGLE = "single"          # the older hand-labelled set: one labeller


class LabelledResponse(BaseModel):
    id: str
    source: str
    domain: str
    style: str
    prompt: str
    response: str
    label: str
    split: Split
    resolution: Resolution
    category: str | None = None      # benign | sensitive | harmful | capability | ordinary, when the writer gave it
    model_style: str | None = None   # the kind of model whose style the response imitates
    label_a: str | None = None
    label_b: str | None = None
    intended_label: str | None = None


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror})") from None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
        except ValueError as exc:  # e.g. an integer longer than Python's digit limit
            raise UserError(f"{path}:{n}: not valid JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise UserError(f"{path}:{n}: expected a JSON object")
        rows.append(obj | {"_line": n})
    return rows


def _field(row: dict, name: str, path: Path, allowed: tuple[str, ...] | None = None) -> str:
    value = row.get(name)
    if not isinstance(value, str):
        raise UserError(f"{path}:{row['_line']}: field {name!r} missing or not a string")
    if allowed is not None and value not in allowed:
        raise UserError(f"{path}:{row['_line']}: field {name!r} is {value!r}; expected one of {', '.join(allowed)}")
    return value


def _hash_rank(row_id: str) -> str:
    return hashlib.sha256(row_id.encode("utf-8")).hexdigest()


def assign_splits(ids_by_label: dict[str, list[str]], test_share: float = TEST_SHARE) -> dict[str, Split]:
    """Within each label, the ids with the lowest hashes (a fixed, order-free ranking) go to test."""
    out: dict[str, Split] = {}
    for ids in ids_by_label.values():
        ranked = sorted(ids, key=_hash_rank)
        n_test = round(len(ranked) * test_share)
        for i, row_id in enumerate(ranked):
            out[row_id] = Split.TEST if i < n_test else Split.TRAIN
    return out


class AgreementReport(BaseModel):
    written: int
    annotated_by_both: int
    kappa_3way: float | None
    kappa_binary: float | None
    raw_agreement_3way: float | None
    agreed: int
    resolved_by_intended_label: int
    removed: int
    kept: int
    label_counts: dict[str, int]
    split_counts: dict[str, dict[str, int]]
    writer_intent_agreement: float | None  # share of gold labels equal to the writer's intended label


def _binary(label: str) -> str:
    return "compliance" if label == "compliance" else "refusal"


def build_labelled_set(written: list[Path], annotator_a: Path, annotator_b: Path,
                       test_share: float = TEST_SHARE) -> tuple[list[LabelledResponse], AgreementReport]:
    """Merge written responses and two blind annotations into gold labels with a split."""
    texts: dict[str, dict] = {}
    for path in written:
        for row in _read_jsonl(path):
            row_id = _field(row, "id", path)
            if row_id in texts:
                raise UserError(f"{path}:{row['_line']}: id {row_id!r} appears twice in the written files")
            for name in ("prompt", "response", "domain"):
                _field(row, name, path)
            _field(row, "intended_label", path, LABELS)
            texts[row_id] = row
    annotations = []
    for path in (annotator_a, annotator_b):
        labels: dict[str, str] = {}
        for row in _read_jsonl(path):
            labels[_field(row, "id", path)] = _field(row, "label", path, LABELS)
        annotations.append(labels)
    a, b = annotations
    both = [i for i in texts if i in a and i in b]
    gold: dict[str, tuple[str, Resolution]] = {}
    removed = 0
    for row_id in both:
        intended = texts[row_id]["intended_label"]
        if a[row_id] == b[row_id]:
            gold[row_id] = (a[row_id], Resolution.AGREED)
        elif intended in (a[row_id], b[row_id]):
            gold[row_id] = (intended, Resolution.INTENDED)
        else:
            removed += 1
    by_label: dict[str, list[str]] = defaultdict(list)
    for row_id, (label, _) in gold.items():
        by_label[label].append(row_id)
    splits = assign_splits(by_label, test_share)
    rows = []
    for row_id in sorted(gold):
        src = texts[row_id]
        label, resolution = gold[row_id]
        rows.append(LabelledResponse(
            id=row_id, source="written-v2", domain=src["domain"], style=str(src.get("style") or "unspecified"),
            prompt=src["prompt"], response=src["response"], label=label, split=splits[row_id], resolution=resolution,
            category=src.get("category"), model_style=src.get("model_style"), label_a=a[row_id], label_b=b[row_id], intended_label=src["intended_label"]))
    split_counts: dict[str, dict[str, int]] = {s.value: dict(Counter(r.label for r in rows if r.split == s))
                                               for s in Split}
    report = AgreementReport(
        written=len(texts), annotated_by_both=len(both),
        kappa_3way=cohens_kappa([a[i] for i in both], [b[i] for i in both]),
        kappa_binary=cohens_kappa([_binary(a[i]) for i in both], [_binary(b[i]) for i in both]),
        raw_agreement_3way=(sum(a[i] == b[i] for i in both) / len(both)) if both else None,
        agreed=sum(1 for _, r in gold.values() if r == Resolution.AGREED),
        resolved_by_intended_label=sum(1 for _, r in gold.values() if r == Resolution.INTENDED),
        removed=removed, kept=len(rows), label_counts=dict(Counter(r.label for r in rows)), split_counts=split_counts,
        writer_intent_agreement=(sum(r.label == r.intended_label for r in rows) / len(rows)) if rows else None)
    return rows, report


def write_labelled_set(rows: list[LabelledResponse], report: AgreementReport,
                       out: Path = V2_FILE, report_out: Path = V2_REPORT) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(r.model_dump_json() + "\n" for r in rows), encoding="utf-8")
    report_out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load_fixture_set(folder: Path = FIXTURES) -> list[LabelledResponse]:
    """The older hand-labelled set; its ``dev`` split is training data, ``test`` is held out."""
    rows = []
    for path in sorted(folder.glob("refusal_labels_[ab].jsonl")):
        for obj in _read_jsonl(path):
            rows.append(LabelledResponse(
                id=obj["id"], source="hand-v1", domain=obj["domain"], style=obj["style"], prompt=obj["prompt"],
                response=obj["response"], label=obj["label"],
                split=Split.TEST if obj["split"] == "test" else Split.TRAIN, resolution=Resolution.SINGLE))
    return rows


def load_v2_set(path: Path = V2_FILE) -> list[LabelledResponse]:
    if not path.exists():
        return []
    return [LabelledResponse.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def load_all() -> list[LabelledResponse]:
    """Every labelled response the project has: the hand-labelled set and the double-annotated one."""
    return load_fixture_set() + load_v2_set()
