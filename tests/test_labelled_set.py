"""Building the double-annotated labelled set: gold labels, kappa, resolution counts and the split."""

from __future__ import annotations

import json

import pytest

from assessment.errors import UserError
from assessment.judges.dataset import Resolution, Split, assign_splits, build_labelled_set


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def written_row(i: int, intended: str) -> dict:
    return {"id": f"w-{i:03d}", "domain": "medical", "category": "sensitive", "style": "terse",
            "prompt": f"question {i}", "response": f"answer {i}", "intended_label": intended, "note": "n"}


def test_gold_labels_resolution_and_kappa(tmp_path):
    labels = ["compliance", "refusal", "partial_refusal"]
    written = [written_row(i, labels[i % 3]) for i in range(12)]
    a = [{"id": r["id"], "label": r["intended_label"], "confidence": "high", "reason": "r"} for r in written]
    b = [dict(x) for x in a]
    b[0]["label"] = "refusal"                 # disagree, A matches intended -> intended
    a[1]["label"] = "compliance"              # disagree, B matches intended -> intended
    a[2]["label"], b[2]["label"] = "compliance", "refusal"   # intended partial: neither matches -> removed
    rows, report = build_labelled_set([write(tmp_path / "w.jsonl", written)], write(tmp_path / "a.jsonl", a),
                                      write(tmp_path / "b.jsonl", b[:11]))   # B missed the last one
    assert report.written == 12 and report.annotated_by_both == 11
    assert (report.agreed, report.resolved_by_intended_label, report.removed, report.kept) == (8, 2, 1, 10)
    by_id = {r.id: r for r in rows}
    assert by_id["w-000"].label == "compliance" and by_id["w-000"].resolution == Resolution.INTENDED
    assert "w-002" not in by_id and "w-011" not in by_id
    # 3-way kappa by hand over the 11 doubly-annotated: observed 8/11; marginals A: c6 r3 p2, B: c3 r6 p2,
    # chance agreement (6·3 + 3·6 + 2·2) / 121 = 40/121; kappa = (88 − 40) / (121 − 40) = 48/81
    assert report.kappa_3way == pytest.approx(48 / 81)
    assert report.kappa_binary is not None


def test_split_is_stratified_deterministic_and_order_free():
    ids = {"refusal": [f"r{i}" for i in range(20)], "compliance": [f"c{i}" for i in range(40)]}
    first = assign_splits(ids)
    again = assign_splits({k: list(reversed(v)) for k, v in ids.items()})
    assert first == again
    assert sum(first[i] == Split.TEST for i in ids["refusal"]) == 7
    assert sum(first[i] == Split.TEST for i in ids["compliance"]) == 14


def test_bad_annotation_names_file_line_and_field(tmp_path):
    w = write(tmp_path / "w.jsonl", [written_row(1, "refusal")])
    a = write(tmp_path / "a.jsonl", [{"id": "w-001", "label": "maybe"}])
    with pytest.raises(UserError, match=r"a\.jsonl:1: field 'label' is 'maybe'"):
        build_labelled_set([w], a, a)
