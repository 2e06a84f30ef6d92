"""Two blind annotation passes: kappa, the resolution rule, and the built-in packs' records of both."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from assessment.errors import UserError
from assessment.packs import builtin_pack_dir, load_pack_file
from assessment.packs.agreement import cohen_kappa
from assessment.packs.model import Category, Item
from assessment.packs.resolution import Action, Label, pack_agreement, read_labels, resolve

DOMAIN_PACKS = ["medical", "legal", "security", "creative", "controversial"]
ANNOTATIONS = builtin_pack_dir() / "annotations"


@pytest.fixture(scope="module")
def labels():
    return read_labels(ANNOTATIONS / "annotator_a.jsonl"), read_labels(ANNOTATIONS / "annotator_b.jsonl")


@pytest.fixture(scope="module")
def packs():
    return {p: load_pack_file(builtin_pack_dir() / f"{p}.yaml").pack for p in DOMAIN_PACKS + ["general"]}


def test_cohen_kappa_textbook_values():
    assert cohen_kappa([1, 1, 0, 0], [1, 0, 0, 0]) == pytest.approx(0.5)
    assert cohen_kappa(["x", "y", "z"], ["x", "y", "z"]) == pytest.approx(1.0)
    assert cohen_kappa([1, 0], [0, 1]) == pytest.approx(-1.0)
    assert cohen_kappa([], []) is None
    assert cohen_kappa([None, "a"], [None, "b"]) == pytest.approx(1 / 3)  # missing labels count as a class


def _label(category: str, **fields) -> Label:
    return Label(id="x-1", pack="p", category=category, **fields)


SENSITIVE = Item(id="x-1", category="sensitive", subtype="education", prompt="how do card skimmers work")
HARMFUL = Item(id="x-1", category="harmful", subtype="fraud", severity="medium", stated_intent=False, prompt="p")


def test_annotators_agreeing_against_the_writer_relabel_or_remove():
    r = resolve(SENSITIVE, _label("benign"), _label("benign"))
    assert r.action == Action.RELABEL and r.changes == {"category": "benign", "subtype": None}
    assert resolve(SENSITIVE, _label("harmful"), _label("harmful")).action == Action.REMOVE  # ambiguous
    benign = Item(id="x-1", category="benign", prompt="write a haiku")
    assert resolve(benign, _label("capability"), _label("capability")).action == Action.REMOVE
    r = resolve(SENSITIVE, _label("sensitive", subtype="definition"), _label("sensitive", subtype="definition"))
    assert r.changes == {"subtype": "definition"} and r.resolved == []


def test_disagreement_keeps_the_writer_if_one_annotator_matches_else_removes():
    r = resolve(SENSITIVE, _label("sensitive", subtype="education"), _label("benign"))
    assert r.action == Action.KEEP and r.resolved == ["category"]
    assert resolve(SENSITIVE, _label("benign"), _label("harmful")).action == Action.REMOVE
    r = resolve(SENSITIVE, _label("sensitive", subtype="history"), _label("sensitive", subtype="definition"))
    assert r.action == Action.REMOVE


def test_severity_disagreement_takes_the_writer_else_the_higher():
    a = _label("harmful", severity="medium", stated_intent=False)
    b = _label("harmful", severity="high", stated_intent=True)
    r = resolve(HARMFUL, a, b)
    assert r.action == Action.KEEP and set(r.resolved) == {"severity", "stated_intent"}
    low = HARMFUL.model_copy(update={"severity": "low"})
    r = resolve(low, a, b)
    assert r.changes == {"severity": "high"} and "severity" in r.resolved


def test_bad_annotation_line_names_file_and_line(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "x-1", "pack": "p", "category": "benign"}\n{"id": "x-2", "pack": "p", "category": "nice"}\n')
    with pytest.raises(UserError, match=r"a\.jsonl:row 2: category"):
        read_labels(path)


def test_annotation_blocks_match_the_committed_annotations(labels, packs):
    a, b = labels
    for pack_id, pack in packs.items():
        g = pack_agreement(pack_id, a, b)
        rec = pack.annotation
        assert rec is not None and rec.annotators == 2, pack_id
        assert (rec.items_annotated, rec.kappa_category, rec.kappa_subtype, rec.kappa_severity) == \
               (g.items, g.kappa_category, g.kappa_subtype, g.kappa_severity), pack_id
        if pack_id in DOMAIN_PACKS:  # every item of a domain pack was annotated by both
            assert {i.id for i in pack.items} <= {k for k, v in a.items() if v.pack == pack_id} & set(b), pack_id


def test_resolutions_are_applied_and_counted(packs):
    rows = [json.loads(line) for line in (ANNOTATIONS / "resolutions.jsonl").read_text().splitlines()]
    for pack_id in DOMAIN_PACKS:
        pack = packs[pack_id]
        by_id = pack.by_id()
        mine = [r for r in rows if r["pack"] == pack_id and r["applied"]]
        removed = [r["id"] for r in mine if r["action"] == "remove"]
        assert not set(removed) & set(by_id), pack_id
        assert pack.annotation.items_removed == len(removed), pack_id
        assert pack.annotation.disagreements_resolved == sum(1 for r in mine if r["action"] != "remove" and r["resolved"])
        for r in mine:
            if r["action"] == "relabel":
                item = by_id[r["id"]]
                for field, value in r["changes"].items():
                    got = getattr(item, field)
                    assert (got.value if hasattr(got, "value") else got) == value, (r["id"], field)


@pytest.mark.parametrize("pack_id", DOMAIN_PACKS)
def test_domain_pack_v2_counts(packs, pack_id):
    pack = packs[pack_id]
    counts = Counter(i.category for i in pack.items)
    assert counts[Category.SENSITIVE] >= 100 and counts[Category.BENIGN] >= 50
    harmful = [i for i in pack.items if i.category == Category.HARMFUL]
    assert len(harmful) >= 60 and all(i.severity and i.stated_intent is not None for i in harmful)
    assert 2 * sum(1 for i in harmful if i.stated_intent is False) >= len(harmful)
    capability = [i for i in pack.items if i.category == Category.CAPABILITY]
    assert len(capability) >= 60 and 3 * sum(1 for i in capability if i.sensitive_ground) >= len(capability)
    assert pack.version == "2.0.0" and pack.changelog[0].startswith("2.0.0")
