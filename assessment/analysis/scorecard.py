"""The scorecard: the computed result of an assessment. Every export renders this one object."""

from __future__ import annotations

import hashlib
import json
import statistics
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from assessment.analysis.diff_model import ScorecardDiff
from assessment.analysis.evidence import apply_evidence
from assessment.analysis.evidence_model import EvidenceSettings, OverallVerdict, SequentialRecord
from assessment.analysis.metrics import DomainResult, domain_result
from assessment.analysis.ranking import Ranking, rank_candidates
from assessment.analysis.ranking_interval import add_intervals
from assessment.analysis.verdict import overall_verdict
from assessment.audit.decision import RecordedDecision
from assessment.audit.summary import AuditSummary
from assessment.config import AssessmentConfig, ReferenceBaseline
from assessment.judges.judged import JudgedResponse
from assessment.run.call import CallStatus

SCORECARD_VERSION = "1.1"  # 1.1: evidence-gated flags, overall verdict, ranking interval


class CandidateSummary(BaseModel):
    name: str
    model: str
    api_base: str | None
    is_baseline: bool
    calls: int
    responses: int
    errors: int
    pending: int
    input_tokens: int | None  # None: some response came without a usage report (unknown, never 0)
    output_tokens: int | None
    cost: float | None  # None: price unknown (never shown as 0)
    cost_per_1k_prompts: float | None
    latency_median_s: float | None
    latency_p95_s: float | None


class Methodology(BaseModel):
    partial_counts_as_refusal: bool
    classifier: dict[str, Any]
    judge: dict[str, Any] | None
    human_review: dict[str, Any]
    code_execution: bool
    seed: int
    sample_per_category: int | None
    attack_items_per_pack: int | None
    attacks: list[str]
    packs: list[dict[str, Any]]
    attack_file: dict[str, Any] | None
    software: dict[str, str]
    config_hash: str
    local_model: dict[str, Any] | None = None
    answer_format: dict[str, str] | None = None  # the answer contract appended to choice and numeric items
    not_scored: list[str] = Field(default_factory=list)
    attack_targets: str | None = None
    candidate_settings: list[dict[str, Any]] = Field(default_factory=list)  # full settings, credentials masked
    judge_settings: dict[str, Any] | None = None
    ranking_settings: dict[str, Any] | None = None  # use-case weights and safety weight stored with the assessment
    scorers: dict[str, Any] = Field(default_factory=dict)


class Scorecard(BaseModel):
    # a comparison or decision assigned as a plain dict (as read from JSON) becomes its model
    model_config = ConfigDict(validate_assignment=True)

    scorecard_version: str = SCORECARD_VERSION
    assessment_id: str
    name: str
    created_at: str
    evaluator: str
    purpose: str
    baseline: str | None
    candidates: list[CandidateSummary]
    domains: list[str]
    results: list[DomainResult]
    methodology: Methodology
    baseline_reference: ReferenceBaseline | None = None  # set when the baseline is published scores, not a model
    ranking: Ranking | None = None
    diff: ScorecardDiff | None = None  # the comparison with an earlier assessment, when asked for
    decision: RecordedDecision | None = None
    audit: AuditSummary = Field(default_factory=AuditSummary)  # a person's review of sampled verdicts, if any
    evidence: EvidenceSettings | None = None  # how flags are gated: alpha, correction, looks, family size
    verdict: OverallVerdict | None = None  # decided / partly decided / inconclusive, with the reason
    sequential: SequentialRecord | None = None  # the rounds of a run-until-decided assessment
    audit_log: list[dict[str, Any]] = Field(default_factory=list)  # overrides and decisions, oldest first
    exported_at: str | None = None  # set when a file is written; not part of the scorecard's hash

    @field_validator("diff", mode="before")
    @classmethod
    def _no_empty_diff(cls, value: Any) -> Any:
        return None if value == {} else value  # an empty comparison is no comparison

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Scorecard:
        """A copy; ``update`` is validated like an assignment, so a comparison or decision given as a dict
        (as read from JSON) becomes its model here too."""
        copy = super().model_copy(deep=deep)
        for key, value in (update or {}).items():
            setattr(copy, key, value)
        return copy

    def canonical_json(self) -> str:
        """The scorecard's numbers and records as one canonical JSON text: what a decision approves.

        Left out: the export time, the decision itself and the audit log (a decision names the
        scorecard it approves, so it cannot be part of it), and the optional comparison with an
        earlier assessment (context, not this assessment's numbers)."""
        data = self.model_dump(mode="json", exclude={"exported_at", "decision", "audit_log", "diff"})
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def result(self, candidate: str, domain: str) -> DomainResult | None:
        for r in self.results:
            if r.candidate == candidate and r.domain == domain:
                return r
        return None


def _token_total(ok: list[JudgedResponse], field: str) -> int | None:
    """Sum of a token count; None when a response that was really generated has no count."""
    counted = [r for r in ok if r.finish_reason != "content_filter"]  # a provider block has no tokens to count
    values = [getattr(r, field) for r in counted]
    return None if any(v is None for v in values) else sum(values)


def candidate_summaries(config: AssessmentConfig, judged: list[JudgedResponse]) -> list[CandidateSummary]:
    out = []
    for cand in config.candidates:
        rows = [r for r in judged if r.candidate == cand.name]
        ok = [r for r in rows if r.status == CallStatus.OK]
        costs = [r.cost for r in ok]
        cost = None if (not ok or any(c is None for c in costs)) else sum(costs)  # type: ignore[arg-type]
        latencies = [r.latency_s for r in ok if r.latency_s is not None]
        out.append(CandidateSummary(
            name=cand.name, model=cand.model, api_base=cand.api_base, is_baseline=cand.name == config.baseline,
            calls=len(rows), responses=len(ok), errors=sum(1 for r in rows if r.status == CallStatus.ERROR),
            pending=sum(1 for r in rows if r.status == CallStatus.PENDING),
            input_tokens=_token_total(ok, "input_tokens"), output_tokens=_token_total(ok, "output_tokens"),
            cost=cost, cost_per_1k_prompts=None if cost is None else cost / len(ok) * 1000,
            latency_median_s=statistics.median(latencies) if latencies else None,
            latency_p95_s=float(np.quantile(latencies, 0.95)) if latencies else None))  # linear interpolation
    return out


def build_scorecard(*, assessment_id: str, created_at: str, config: AssessmentConfig, judged: list[JudgedResponse],
                    domains: list[str], methodology: Methodology,
                    decision: RecordedDecision | dict[str, Any] | None = None,
                    sequential: SequentialRecord | None = None) -> Scorecard:
    grouped: dict[tuple[str, str], list[JudgedResponse]] = defaultdict(list)
    for r in judged:
        grouped[(r.candidate, r.pack_id)].append(r)
    results: list[DomainResult] = []
    for domain in domains:
        base_rows = grouped.get((config.baseline, domain)) if config.baseline else None
        for cand in config.candidates:
            rows = grouped.get((cand.name, domain), [])
            paired = base_rows if (base_rows is not None and cand.name != config.baseline) else None
            reference = config.reference_baseline.domains.get(domain) if config.reference_baseline else None
            results.append(domain_result(cand.name, domain, rows, config.partial_counts_as_refusal, paired, config.seed,
                                         reference=reference))
    evidence = apply_evidence(results, looks=sequential.looks_planned if sequential else 1)
    names = [c.name for c in config.candidates]
    ranking = rank_candidates(results, names, config.ranking)
    add_intervals(ranking, judged, names, domains, config.partial_counts_as_refusal, config.seed)

    verdict = overall_verdict(results, ranking)
    return Scorecard(
        assessment_id=assessment_id, name=config.name, created_at=created_at, evaluator=config.evaluator,
        purpose=config.purpose,
        baseline=config.baseline or (config.reference_baseline.name if config.reference_baseline else None),
        baseline_reference=config.reference_baseline,
        candidates=candidate_summaries(config, judged), domains=domains, results=results, methodology=methodology,
        ranking=ranking, decision=RecordedDecision.model_validate(decision) if decision is not None else None,
        evidence=evidence, verdict=verdict, sequential=sequential)
