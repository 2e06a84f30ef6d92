"""The data flow end to end: config → packs → plan → runner → store → judges → scorecard.

The CLI and the wizard both call these functions, so a number is computed in one place.
"""

from __future__ import annotations

import json
import platform
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from assessment import __version__
from assessment.analysis.evidence_model import SequentialRecord
from assessment.analysis.scorecard import Methodology, Scorecard, build_scorecard
from assessment.analysis.settings_record import all_candidate_settings, judge_settings
from assessment.analysis.stats import cohens_kappa
from assessment.audit.records import audit_items
from assessment.audit.sampling import automatic_verdict
from assessment.audit.summary import summarise_audit
from assessment.config import AssessmentConfig, check_keys_present
from assessment.errors import UserError
from assessment.judges.cache import classify_cached
from assessment.judges.classifier import classifier_version
from assessment.judges.dataset import V2_REPORT
from assessment.judges.judged import JudgedResponse, judge_rows, prompt_for
from assessment.judges.llm import LLMJudge
from assessment.local.model import LICENCE_NOTE, MODEL_DESCRIPTION
from assessment.packs.attacks import LoadedAttacks, load_attacks
from assessment.packs.loader import resolve_pack
from assessment.packs.model import Item, LoadedPack, Pack, render_conversation
from assessment.run.call import CallStatus
from assessment.run.dispatch import run_calls
from assessment.run.plan import Plan, build_plan
from assessment.run.retry import RetryPolicy
from assessment.run.runlock import RunLock
from assessment.run.runner import Progress
from assessment.run.spill import recover_spilled
from assessment.run.store import Store
from assessment.scoring.contract import answer_format_record
from assessment.scoring.registry import SCORER_VERSION, SCORERS, ScoreStatus, unscored_reason

if TYPE_CHECKING:
    from assessment.audit.summary import AuditSummary

CLASSIFIER_ACCURACY_FILE = Path(__file__).parent / "judges" / "classifier_accuracy.json"


class Prepared(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    config: AssessmentConfig
    packs: list[LoadedPack]
    attacks: LoadedAttacks | None
    plan: Plan


def prepare(config: AssessmentConfig, base_dir: Path | None = None, packs: list[LoadedPack] | None = None) -> Prepared:
    """Load packs and attacks and build the plan; every problem is a UserError."""
    loaded = packs if packs is not None else [resolve_pack(ref, base_dir) for ref in config.packs]
    ids = [lp.pack.id for lp in loaded]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise UserError(f"pack id(s) used twice in this assessment: {', '.join(dupes)}")
    attacks = load_attacks() if config.attacks != "none" else None
    return Prepared(config=config, packs=loaded, attacks=attacks, plan=build_plan(config, loaded, attacks))


def _packs_record(prepared: Prepared) -> list[dict[str, Any]]:
    record = [{"kind": "pack", "id": lp.pack.id, "version": lp.pack.version, "sha256": lp.sha256, "source": lp.source,
               "pack": lp.pack.model_dump(mode="json")} for lp in prepared.packs]
    if prepared.attacks is not None:
        record.append({"kind": "attacks", "version": prepared.attacks.file.version, "sha256": prepared.attacks.sha256,
                       "source": prepared.attacks.source, "attacks": prepared.attacks.file.model_dump(mode="json")})
    return record


def open_assessment(store: Store, prepared: Prepared, resume: bool = False) -> tuple[str, bool]:
    """Create a new assessment, or with ``resume`` continue the latest one with the same config.

    Returns (assessment_id, resumed)."""
    config = prepared.config
    if resume:
        existing = store.latest_assessment(config.config_hash())
        if existing:
            store.save_plan(existing, prepared.plan.calls)
            return existing, True
    config_json = config.model_dump_json()
    assessment_id = store.create_assessment(config.name, config_json, config.config_hash(), _packs_record(prepared))
    store.save_plan(assessment_id, prepared.plan.calls)
    return assessment_id, False


def execute(store: Store, assessment_id: str, prepared: Prepared, *, session_keys: dict[str, str] | None = None,
            progress: Progress | None = None, cancel: threading.Event | None = None,
            on_update: Callable[[Progress], None] | None = None, retry: RetryPolicy | None = None) -> Progress:
    """Run every planned call that has no stored response yet (blocking; run it in a thread for a UI).

    Holds the run lock of the config for the whole run (a second run of it is refused). If the store
    stops taking writes, the run stops sending, keeps the answers in a side file, marks the assessment
    interrupted and raises a StorageFault naming the store and the cause."""
    check_keys_present(prepared.config, session_keys)
    with RunLock(store.path, prepared.config.config_hash()):
        recover_spilled(store)
        store.set_status(assessment_id, "running")
        try:
            result = _execute_calls(store, assessment_id, prepared, session_keys=session_keys,
                                    progress=progress or Progress(), cancel=cancel, on_update=on_update, retry=retry)
        except BaseException:
            _try_set_status(store, assessment_id, "interrupted")
            raise
        if result.storage_error:
            _try_set_status(store, assessment_id, "interrupted")
            raise StorageFault(f"{result.storage_error}; the run stopped, answers already received are kept "
                               f"(next to the store if it could not take them): fix the cause and resume")
        store.set_status(assessment_id, "cancelled" if result.cancelled else "finished")
    return result


class StorageFault(UserError):
    """The store stopped taking writes during a run."""


def _try_set_status(store: Store, assessment_id: str, status: str) -> None:
    try:
        store.set_status(assessment_id, status)
    except sqlite3.Error:
        pass  # the store is the thing that failed; its lock release still marks the run as interrupted


def _execute_calls(store: Store, assessment_id: str, prepared: Prepared, *, session_keys: dict[str, str] | None,
                   progress: Progress, cancel: threading.Event | None, on_update: Callable[[Progress], None] | None,
                   retry: RetryPolicy | None) -> Progress:
    candidates = {c.name: c for c in prepared.config.candidates}
    return run_calls(store, assessment_id, prepared.plan.calls, candidates, session_keys=session_keys, retry=retry,
                     progress=progress, cancel=cancel, on_update=on_update)


# --- from a stored assessment to a scorecard ---------------------------------------------------

class StoredAssessment(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    id: str
    created_at: str
    config: AssessmentConfig
    packs: list[dict[str, Any]]

    def items(self) -> dict[tuple[str, str], Item]:
        out = {}
        for rec in self.packs:
            if rec.get("kind") == "pack":
                pack = Pack.model_validate(rec["pack"])
                out.update({(pack.id, item.id): item for item in pack.items})
        return out

    def domains(self) -> list[str]:
        return [rec["id"] for rec in self.packs if rec.get("kind") == "pack"]

    def attacks(self) -> dict[str, Any]:
        for rec in self.packs:
            if rec.get("kind") == "attacks":
                return {a["id"]: a for a in rec["attacks"]["attacks"]}
        return {}


def load_stored(store: Store, assessment_id: str) -> StoredAssessment:
    rec = store.assessment_record(assessment_id)
    config = AssessmentConfig.model_validate(_with_embedded_flag(rec["config"]))
    return StoredAssessment(id=rec["id"], created_at=rec["created_at"], config=config, packs=rec["packs"])


def _with_embedded_flag(config: dict[str, Any]) -> dict[str, Any]:
    """Assessments stored before candidates carried ``embedded_model``: the local presets were the
    ``openai/local-*`` models on 127.0.0.1, so mark those, and their scorecards recompute unchanged."""
    candidates = config.get("candidates")
    if not isinstance(candidates, list) or any("embedded_model" in c for c in candidates if isinstance(c, dict)):
        return config
    marked = [{**c, "embedded_model": str(c.get("model", "")).startswith("openai/local-")
               and "127.0.0.1" in str(c.get("api_base") or "")} if isinstance(c, dict) else c for c in candidates]
    return {**config, "candidates": marked}


def _sent_prompts(store: Store, assessment_id: str) -> dict[str, str]:
    return {call_id: render_conversation(messages) for call_id, messages in store.sent_messages(assessment_id).items()}


def software_versions() -> dict[str, str]:
    out = {}
    out["alignment-tax-assessment"] = __version__
    for dist in ("litellm", "pydantic", "scipy", "numpy", "reportlab", "openpyxl", "streamlit"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    out["python"] = platform.python_version()
    return out


def classifier_info() -> dict[str, Any]:
    """The classifier's version and its published held-out accuracy (what every scorecard quotes)."""
    info: dict[str, Any] = {"name": "trained refusal classifier (rules, prompt-aware cues and word n-grams)",
                            "version": classifier_version()}
    if CLASSIFIER_ACCURACY_FILE.exists():
        measured = json.loads(CLASSIFIER_ACCURACY_FILE.read_text())
        info["measured"] = {"labelled_set": measured["labelled_set"], "held_out": measured["held_out"]}
    if V2_REPORT.exists():  # how far two independent annotators agreed on the labels
        report = json.loads(V2_REPORT.read_text())
        info["annotators"] = {"responses": report["kept"], "kappa_3way": round(report["kappa_3way"], 3),
                              "kappa_binary": round(report["kappa_binary"], 3)}
    return info


def judged_responses(store: Store, stored: StoredAssessment, llm_verdicts: dict | None = None,
                     rubric_judge: Any = None) -> list[JudgedResponse]:
    rows = store.call_rows(stored.id)
    items, prompts = stored.items(), _sent_prompts(store, stored.id)
    classified = classify_cached(store, {r.call_id: (prompt_for(r, items, prompts), r.content, r.finish_reason)
                                         for r in rows if r.content is not None})  # answered: CallStatus.OK
    return judge_rows(rows, items, prompts, stored.config, overrides=store.overrides(stored.id),
                      llm_verdicts=llm_verdicts, rubric_judge=rubric_judge, classified=classified)


def compute_scorecard(store: Store, assessment_id: str, *, session_keys: dict[str, str] | None = None,
                      run_judge: bool = True) -> tuple[Scorecard, list[JudgedResponse]]:
    stored = load_stored(store, assessment_id)
    config = stored.config
    judge_info = None
    llm_verdicts = None
    rubric_judge = None
    if config.judge is not None and run_judge:
        judge = LLMJudge(config.judge, store, session_keys=session_keys)
        preliminary = judged_responses(store, stored)
        llm_verdicts = judge.verdicts(preliminary, stored.items())
        rubric_judge = judge.rubric_scorer()
        judged = judged_responses(store, stored, llm_verdicts, rubric_judge)
        judge_info = judge.describe(judged)
    else:
        judged = judged_responses(store, stored)
        if config.judge is not None:
            judge_info = {"model": config.judge.model, "used": False}
    methodology = build_methodology(stored, judged, judge_info)
    rounds = store.sequential(stored.id)  # set when the assessment ran until decided
    scorecard = build_scorecard(assessment_id=stored.id, created_at=stored.created_at, config=config, judged=judged,
                                domains=stored.domains(), methodology=methodology, decision=store.decision(stored.id),
                                sequential=SequentialRecord.model_validate_json(rounds) if rounds else None)
    scorecard.audit = audit_summary(store, stored, judged)
    scorecard.audit_log = store.audit_log(stored.id)
    store.save_scorecard(stored.id, scorecard.model_dump_json())
    return scorecard, judged


def audit_summary(store: Store, stored: StoredAssessment, judged: list[JudgedResponse]) -> AuditSummary:
    return summarise_audit(audit_items(store, stored.id), judged, stored.config.partial_counts_as_refusal,
                           stored.config.seed)


def build_methodology(stored: StoredAssessment, judged: list[JudgedResponse], judge_info: dict | None) -> Methodology:
    config = stored.config
    reviewed = [r for r in judged if r.human_verdict is not None and r.rule_verdict is not None]
    pairs = [(auto, person) for r in reviewed  # (automatic, human) verdict of every reviewed response
             if (auto := automatic_verdict(r)) is not None and (person := r.human_verdict) is not None]
    human = {"reviewed": len(reviewed),
             "agreement_kappa": cohens_kappa([a for a, _ in pairs], [p for _, p in pairs]) if pairs else None,
             "agreement_rate": (sum(a == p for a, p in pairs) / len(pairs)) if pairs else None}
    not_scored = []
    unscored = [r for r in judged if r.score_status == ScoreStatus.UNSCORED]
    if unscored:
        reasons = Counter(unscored_reason(r.score_explanation) for r in unscored)
        not_scored.append(f"{len(unscored)} capability responses unscored (listed for review in the responses): "
                          + "; ".join(f"{why} ({n})" for why, n in sorted(reasons.items())))
    errors = sum(1 for r in judged if r.status == CallStatus.ERROR)
    if errors:
        not_scored.append(f"{errors} calls ended in an error and are excluded from every rate")
    pending = sum(1 for r in judged if r.status == CallStatus.PENDING)
    if pending:
        not_scored.append(f"{pending} planned calls have not run yet (resume the assessment to finish them)")
    attack_file = next(({k: v for k, v in rec.items() if k != "attacks"} for rec in stored.packs
                        if rec.get("kind") == "attacks"), None)
    local = None
    if any(c.embedded_model for c in config.candidates):
        local = {"model": MODEL_DESCRIPTION, "licences": LICENCE_NOTE}
    return Methodology(
        partial_counts_as_refusal=config.partial_counts_as_refusal, classifier=classifier_info(), judge=judge_info,
        human_review=human, code_execution=config.allow_code_execution, seed=config.seed,
        sample_per_category=config.sample_per_category, attack_items_per_pack=config.attack_items_per_pack,
        # the templates this assessment planned calls for, not every template in the attack file
        attacks=sorted({r.attack_id for r in judged if r.attack_id}),
        attack_targets=config.attack_targets, candidate_settings=all_candidate_settings(config),
        judge_settings=judge_settings(config), ranking_settings=config.ranking.model_dump(mode="json"),
        scorers={"version": SCORER_VERSION, "methods": sorted(SCORERS)},
        packs=[{k: v for k, v in rec.items() if k != "pack"} for rec in stored.packs if rec.get("kind") == "pack"],
        attack_file=attack_file, software=software_versions(), config_hash=config.config_hash(), local_model=local,
        not_scored=not_scored, answer_format=answer_format_record())
