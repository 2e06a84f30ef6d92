"""The built-in packs meet the product's bar, and every capability item scores its own gold answer."""

from __future__ import annotations

from collections import Counter

import pytest

from assessment.packs import builtin_pack_dir, load_attacks, load_pack_file, validate_paths
from assessment.packs.duplicates import find_duplicates
from assessment.packs.model import Category
from assessment.scoring import score_response
from assessment.scoring.registry import ScoringContext

PACK_IDS = ["medical", "legal", "security", "creative", "controversial", "general"]
REFUSAL = "I'm sorry, but I can't help with that."
AUTO_METHODS = {"choice", "numeric", "match", "constraints", "code"}


@pytest.fixture(scope="module")
def packs():
    loaded, problems = validate_paths([builtin_pack_dir()])
    assert problems == []
    return {lp.pack.id: lp.pack for lp in loaded}


def test_all_six_packs_exist(packs):
    assert sorted(packs) == sorted(PACK_IDS)


@pytest.mark.parametrize("pack_id", PACK_IDS)
def test_pack_meets_counts(packs, pack_id):
    pack = packs[pack_id]
    counts = Counter(i.category for i in pack.items)
    for category in Category:
        assert counts[category] >= 25, f"{pack_id}: {counts[category]} {category.value} items"
    auto = [i for i in pack.items if i.category == Category.CAPABILITY and i.scoring.method in AUTO_METHODS]
    assert len(auto) >= 25
    sensitive_subtypes = {i.subtype for i in pack.items if i.category == Category.SENSITIVE}
    assert len(sensitive_subtypes) >= 5
    assert pack.version and pack.changelog


def test_no_duplicate_or_near_duplicate_prompts_within_or_across_packs(packs):
    assert [d.describe() for d in find_duplicates(list(packs.values()))] == []


def test_harmful_items_carry_severity_and_stated_intent(packs):
    missing = [f"{pack.id}/{i.id}" for pack in packs.values() for i in pack.items
               if i.category == Category.HARMFUL and (i.severity is None or i.stated_intent is None)]
    assert missing == []


def test_control_pack_harmful_half_is_mild_and_mostly_intent_free(packs):
    harmful = [i for i in packs["general"].items if i.category == Category.HARMFUL]
    assert all(i.severity.value in ("low", "medium") for i in harmful)
    assert sum(1 for i in harmful if i.stated_intent is False) * 2 >= len(harmful)


def test_ids_unique_across_packs(packs):
    ids = [i.id for p in packs.values() for i in p.items]
    assert len(ids) == len(set(ids))


def gold_and_wrong(scoring):
    method = scoring.method
    if method == "choice":
        wrong = "A" if scoring.answer != "A" else "B"
        return f"Answer: {scoring.answer}", f"Answer: {wrong}"
    if method == "numeric":
        margin = max(scoring.tolerance, abs(scoring.answer) * scoring.rel_tolerance)
        return f"{scoring.answer:g}", f"{scoring.answer + 10 * margin + 1000:g}"
    if method == "code":
        return scoring.reference, f"def {scoring.entry_point}(*args, **kwargs):\n    return None\n"
    return scoring.reference, REFUSAL


@pytest.mark.parametrize("pack_id", PACK_IDS)
def test_gold_answers_score_one_and_wrong_answers_zero(packs, pack_id):
    ctx = ScoringContext(allow_code_execution=True)
    failures = []
    for item in packs[pack_id].items:
        if item.category != Category.CAPABILITY or item.scoring.method not in AUTO_METHODS:
            continue
        gold, wrong = gold_and_wrong(item.scoring)
        good = score_response(item.scoring, gold, ctx)
        bad = score_response(item.scoring, wrong, ctx)
        if good.value != 1.0:
            failures.append(f"{item.id}: gold scored {good.value} ({good.explanation})")
        if bad.value != 0.0:
            failures.append(f"{item.id}: wrong answer scored {bad.value} ({bad.explanation})")
    assert failures == []


def test_contrast_twins_point_to_sensitive_items(packs):
    for pack in packs.values():
        by_id = pack.by_id()
        for item in pack.items:
            if item.contrast_of and item.category == Category.HARMFUL:
                assert by_id[item.contrast_of].category in (Category.SENSITIVE, Category.BENIGN), item.id


ATTACK_FAMILIES = {"role-play", "fiction", "hypothetical", "prefix injection", "refusal suppression", "authority",
                   "encoding", "decomposition", "few-shot", "many-shot", "payload splitting", "translation",
                   "past tense", "obfuscation", "output format", "multi-turn escalation"}


def test_attack_templates():
    attacks = load_attacks()
    assert len(attacks.file.attacks) >= 14 and attacks.file.version.startswith("2.")
    assert ATTACK_FAMILIES <= {a.family for a in attacks.file.attacks}
    assert any(a.is_multi_turn for a in attacks.file.attacks)
    by_id = attacks.by_id()
    wrapped = by_id["base64_encoding"].wrap("hello there")
    assert "aGVsbG8gdGhlcmU=" in wrapped and "hello" not in wrapped
    assert "uryyb gurer" in by_id["rot13_cipher"].wrap("hello there")
    assert "h3ll0 7h3r3" in by_id["leetspeak"].wrap("hello there")
    request = "explain the XYZ-PROMPT procedure in full"
    for a in attacks.file.attacks:
        sent = a.apply([{"role": "user", "content": request}])
        assert sent[0]["role"] == "user" and sent[-1]["role"] == "user", a.id
        text = "\n".join(m["content"] for m in sent if m["role"] == "user")
        if a.transform == "none":
            # The whole request, or both of its halves, reach the model.
            assert request in text or all(half in text for half in ("explain the XYZ-PROMPT", "procedure in full")), a.id


def test_cli_validate_builtin(capsys):
    from assessment.cli.main import main

    assert main(["packs", "validate", str(builtin_pack_dir())]) == 0
    assert main(["packs", "stats"]) == 0
    out = capsys.readouterr().out
    assert "medical" in out and "sensitive" in out


def test_each_pack_file_loads_individually():
    for pack_id in PACK_IDS:
        assert load_pack_file(builtin_pack_dir() / f"{pack_id}.yaml").pack.id == pack_id
