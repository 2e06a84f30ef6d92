"""A synthetic but internally consistent assessment for export tests and benchmarks.

Verdicts and scores are drawn from a seeded generator with per-candidate tendencies; nothing
here calls a model. Use it to exercise renderers, never to report results.
"""

from __future__ import annotations

import random

from assessment.analysis.diff import with_diff
from assessment.analysis.scorecard import Scorecard, build_scorecard
from assessment.config import AssessmentConfig, CandidateConfig, ReferenceBaseline, ReferenceDomain
from assessment.judges.judged import JudgedResponse
from assessment.judges.verdict import Verdict, VerdictSource
from assessment.packs.loader import resolve_pack
from assessment.packs.model import Category
from assessment.pipeline import Methodology, classifier_info, software_versions
from assessment.run.call import CallStatus
from assessment.scoring.contract import answer_format_record
from assessment.scoring.registry import ScoreStatus

PROFILES = {  # probability of refusing per category, capability accuracy
    "Vendor A": {"benign": 0.02, "sensitive": 0.08, "harmful": 0.95, "attack": 0.85, "capability": 0.80},
    "Vendor B": {"benign": 0.08, "sensitive": 0.35, "harmful": 0.97, "attack": 0.90, "capability": 0.66},
    "Vendor C": {"benign": 0.05, "sensitive": 0.55, "harmful": 0.70, "attack": 0.50, "capability": 0.70},
}


def sample_config(candidates: list[str] | None = None) -> AssessmentConfig:
    names = candidates or list(PROFILES)
    return AssessmentConfig(
        name="Sample vendor comparison", purpose="Exercise the exports", evaluator="Test Evaluator",
        packs=["security", "legal", "general"], baseline=names[0], seed=7,
        candidates=[CandidateConfig(name=n, model=f"openai/{n.lower().replace(' ', '-')}",
                                    price_per_1k_input=0.5, price_per_1k_output=1.5) for n in names])


LONG_NAMES = {  # for layout tests: long names, one that refuses everything and one that refuses nothing
    "Northwind Enterprise Assistant (baseline, default safety settings)": PROFILES["Vendor A"],
    "Contoso-Strict-Safety-Mode-2026-Preview-Edition": {"benign": 1.0, "sensitive": 1.0, "harmful": 1.0,
                                                        "attack": 1.0, "capability": 0.30},
    "Fabrikam Permissive Research Model With An Unusually Long Marketing Name": {
        "benign": 0.0, "sensitive": 0.0, "harmful": 0.0, "attack": 0.0, "capability": 0.82},
}


def sample_assessment(repeat: int = 1, seed: int = 7, candidates: list[str] | None = None,
                      packs: list[str] | None = None) -> tuple[Scorecard, list[JudgedResponse]]:
    """About 1,400 responses per repeat with the default three candidates and three packs. Candidates named in
    ``PROFILES`` or ``LONG_NAMES`` behave as described there, any other name like Vendor A."""
    config = sample_config(candidates)
    pack_ids = packs or config.packs
    config = config.model_copy(update={"packs": pack_ids})
    rng = random.Random(seed)
    judged: list[JudgedResponse] = []
    seq = 0
    attacks = ["roleplay_persona", "fiction_framing", "prefix_injection"]
    for pack_id in pack_ids:
        pack = resolve_pack(pack_id).pack
        for cand in config.candidates:
            profile = {**PROFILES, **LONG_NAMES}.get(cand.name, PROFILES["Vendor A"])
            for rep in range(repeat):
                for item in pack.items:
                    variants = [None] + (attacks if item.category == Category.HARMFUL else [])
                    for attack in variants:
                        seq += 1
                        key = "attack" if attack else item.category.value
                        status = CallStatus.ERROR if rng.random() < 0.01 else CallStatus.OK
                        refused = rng.random() < profile.get(key, 0.0)
                        partial = refused and rng.random() < 0.2
                        verdict = (Verdict.PARTIAL_REFUSAL if partial else Verdict.REFUSAL) if refused else Verdict.COMPLIANCE
                        score = None
                        if item.category == Category.CAPABILITY:
                            score = 1.0 if rng.random() < profile["capability"] else 0.0
                        response = ("I'm sorry, but I can't help with that." if refused else
                                    f"=HYPERLINK(\"http://example.invalid\",\"answer {seq}\")" if seq % 97 == 0 else
                                    f"Here is a detailed answer about {item.request[:40]}…")
                        judged.append(JudgedResponse(
                            call_id=f"{cand.name}|{pack_id}|{item.id}|{attack or ''}|{rep}", seq=seq,
                            candidate=cand.name, pack_id=pack_id, item_id=f"{item.id}" if rep == 0 else f"{item.id}~{rep}",
                            category=item.category, subtype=item.subtype, attack_id=attack, status=status,
                            prompt=item.display_text(), response=response if status == CallStatus.OK else None,
                            verdict=verdict if status == CallStatus.OK else Verdict.ERROR,
                            verdict_source=VerdictSource.RULES,
                            verdict_reason="synthetic", rule_verdict=verdict if status == CallStatus.OK else None,
                            score=score if status == CallStatus.OK else None,
                            score_status=(ScoreStatus.SCORED if score is not None else None)
                            if status == CallStatus.OK else None,
                            latency_s=rng.uniform(0.2, 2.5), input_tokens=rng.randint(20, 200),
                            output_tokens=rng.randint(10, 400), cost=0.0005,
                            error=None if status == CallStatus.OK else "timeout"))
    methodology = Methodology(
        partial_counts_as_refusal=True, classifier=classifier_info(), judge=None,
        human_review={"reviewed": 0, "agreement_kappa": None, "agreement_rate": None}, code_execution=False,
        seed=seed, sample_per_category=None, attack_items_per_pack=None, attacks=attacks,
        packs=[{"id": p, "version": resolve_pack(p).pack.version, "sha256": resolve_pack(p).sha256} for p in pack_ids],
        attack_file=None, software=software_versions(), config_hash=config.config_hash(),
        not_scored=["synthetic sample data: not a measurement"], answer_format=answer_format_record())
    scorecard = build_scorecard(assessment_id="sample-0001", created_at="2026-11-28T12:00:00+00:00", config=config,
                                judged=judged, domains=pack_ids, methodology=methodology,
                                decision={"decision": "Shortlist Vendor A", "rationale": "Lowest tax at equal safety.",
                                          "evaluator": "Test Evaluator", "approver": "Test Approver",
                                          "date": "2026-11-28"})
    return scorecard, judged


REFERENCE_SOURCE = "Vendor card, table 2"


def reference_assessment(card: Scorecard, judged: list[JudgedResponse]) -> Scorecard:
    """The sample's responses measured against published reference scores instead of a baseline model."""
    config = AssessmentConfig(**{
        **sample_config().model_dump(), "baseline": None,
        "reference_baseline": ReferenceBaseline(source=REFERENCE_SOURCE, date="2026-10-01", domains={
            "security": ReferenceDomain(capability_score=0.8, over_refusal_rate=0.05)})})
    methodology = card.methodology.model_copy(update={"config_hash": config.config_hash()})
    return build_scorecard(assessment_id="sample-ref", created_at=card.created_at, config=config, judged=judged,
                           domains=card.domains, methodology=methodology)


def changed_assessment(card: Scorecard, judged: list[JudgedResponse]) -> tuple[Scorecard, list[JudgedResponse]]:
    """A re-run where Vendor C answers every legitimate sensitive security request, compared with the sample."""
    answered = {"verdict": Verdict.COMPLIANCE, "rule_verdict": Verdict.COMPLIANCE, "response": "Sure: …"}
    new = [r.model_copy(update=answered)
           if (r.candidate, r.pack_id, r.category, r.status) == ("Vendor C", "security", Category.SENSITIVE, CallStatus.OK)
           else r
           for r in judged]
    card2 = build_scorecard(assessment_id="sample-0002", created_at=card.created_at, config=sample_config(),
                            judged=new, domains=card.domains, methodology=card.methodology)
    return with_diff(card2, new, card, judged), new
