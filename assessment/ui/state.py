"""The wizard's choices as plain data, and the logic that turns them into library inputs.

No streamlit here: the step pages keep one ``WizardState`` in the session and call these
functions, so the same rules can be tested without a browser. API keys typed in the UI are
NOT part of this state; they live in a separate session dict and never reach disk.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from assessment.analysis.power import DEFAULT_SAMPLE_PER_CATEGORY
from assessment.analysis.ranking import RankingSettings
from assessment.config import AssessmentConfig, CandidateConfig
from assessment.errors import UserError, ValidationProblems
from assessment.local.presets import local_candidates
from assessment.packs.attacks import load_attacks
from assessment.packs.loader import builtin_pack_dir, builtin_pack_ids, load_pack_bytes, resolve_pack
from assessment.packs.model import Category, LoadedPack, Pack
from assessment.packs.tabular import import_table
from assessment.pipeline import prepare
from assessment.yamlfile import describe_pydantic_error

UPLOAD_PREFIX = "upload:"
UPLOAD_TYPES = ["yaml", "yml", "csv", "xlsx", "jsonl"]
# Follows from power: enough sensitive items per pack to detect a 20-point over-refusal difference.
DEFAULT_SAMPLE = DEFAULT_SAMPLE_PER_CATEGORY


class Provider(NamedTuple):
    label: str
    model: str
    api_base: str
    key_env: str
    note: str


PROVIDERS: list[Provider] = [
    Provider("OpenAI", "openai/gpt-4o-mini", "", "OPENAI_API_KEY", "Any OpenAI chat model, e.g. openai/gpt-4o."),
    Provider("Anthropic", "anthropic/claude-3-5-haiku-latest", "", "ANTHROPIC_API_KEY", "Claude models."),
    Provider("Azure OpenAI", "azure/<your-deployment-name>", "https://<your-resource>.openai.azure.com", "AZURE_API_KEY",
             "Use your deployment name; the API version comes from AZURE_API_VERSION."),
    Provider("Google Gemini", "gemini/gemini-1.5-flash", "", "GEMINI_API_KEY", "Gemini through Google AI Studio."),
    Provider("Mistral", "mistral/mistral-small-latest", "", "MISTRAL_API_KEY", "Mistral's hosted API."),
    Provider("Groq", "groq/llama-3.1-8b-instant", "", "GROQ_API_KEY", "Open models hosted by Groq."),
    Provider("Together AI", "together_ai/meta-llama/Llama-3-8b-chat-hf", "", "TOGETHERAI_API_KEY",
             "Open models hosted by Together."),
    Provider("Ollama (local)", "ollama/llama3", "http://127.0.0.1:11434", "", "A model served by Ollama; no key."),
    Provider("vLLM / OpenAI-compatible server", "openai/<served-model-name>", "http://127.0.0.1:8000/v1", "",
             "Any server that speaks the OpenAI API (vLLM, llama.cpp, LM Studio, a gateway)."),
]


def provider(label: str) -> Provider:
    return next((p for p in PROVIDERS if p.label == label), PROVIDERS[0])


# --- the state ------------------------------------------------------------------------------

class SetupState(BaseModel):
    name: str = ""
    purpose: str = ""
    evaluator: str = ""


class PacksState(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    selected: list[str] = Field(default_factory=lambda: builtin_ids())  # pack refs: built-in ids or upload:<file>
    custom: dict[str, LoadedPack] = Field(default_factory=dict)  # uploaded packs, or the stored copy of a pack
    sample_per_category: int | None = DEFAULT_SAMPLE  # None: every item
    seed: int = 0
    attacks: list[str] | Literal["all", "none"] = "all"
    attack_items_per_pack: int | None = 5  # None: every harmful item
    upload_name: str | None = None  # the last uploaded file and what was wrong with it
    upload_problems: list[str] = Field(default_factory=list)


class ConnectionResult(BaseModel):
    ok: bool
    message: str
    latency_s: float | None = None  # how long the short test call took (a probe for the time estimate)


class CandidatesState(BaseModel):
    candidates: list[CandidateConfig] = Field(default_factory=list)
    baseline: str | None = None
    checks: dict[str, ConnectionResult] = Field(default_factory=dict)  # last "Test connection" per candidate
    baseline_chosen: bool = False  # the user picked the baseline (else it follows the connection tests)

    def names(self) -> list[str]:
        return [c.name for c in self.candidates]

    def default_baseline(self) -> str | None:
        """The user's pick; else the first candidate whose connection test succeeded; else the first candidate."""
        names = self.names()
        if self.baseline_chosen and self.baseline in names:
            return self.baseline
        connected = [n for n in names if (r := self.checks.get(n)) is not None and r.ok]
        return connected[0] if connected else (names[0] if names else None)


class WizardState(BaseModel):
    setup: SetupState = Field(default_factory=SetupState)
    packs: PacksState = Field(default_factory=PacksState)
    candidates: CandidatesState = Field(default_factory=CandidatesState)
    assessment_id: str | None = None  # the assessment being run or reviewed
    job_id: str | None = None  # the background run of this session
    base_config: AssessmentConfig | None = None  # set when continuing a stored assessment
    ranking: RankingSettings = Field(default_factory=RankingSettings)  # use-case weights chosen in step 5
    compare_with: dict[str, str] = Field(default_factory=dict)  # assessment id → the earlier one it is compared with


# --- packs ----------------------------------------------------------------------------------

def builtin_ids() -> list[str]:
    return builtin_pack_ids()


@lru_cache(maxsize=64)
def _builtin(ref: str, mtime: float) -> LoadedPack:
    return resolve_pack(ref)


def builtin_pack(ref: str) -> LoadedPack:
    """A built-in pack, parsed once per file version."""
    path = builtin_pack_dir() / f"{ref}.yaml"
    if not path.exists():
        raise UserError(f"built-in pack {ref!r} is not installed (known: {', '.join(builtin_ids()) or 'none'})")
    return _builtin(ref, path.stat().st_mtime)


def available_packs(packs: PacksState) -> dict[str, LoadedPack]:
    """Every pack the user can choose: built-ins, then uploaded or stored ones."""
    out: dict[str, LoadedPack] = {}
    for ref in builtin_ids():
        out[ref] = packs.custom.get(ref) or builtin_pack(ref)
    out.update(packs.custom)
    return out


def selected_packs(packs: PacksState) -> list[LoadedPack]:
    available = available_packs(packs)
    missing = [r for r in packs.selected if r not in available]
    if missing:
        raise UserError(f"pack(s) no longer available: {', '.join(missing)}; choose again in step 2")
    return [available[r] for r in packs.selected]


def pack_label(ref: str, lp: LoadedPack) -> str:
    where = " — uploaded" if ref.startswith(UPLOAD_PREFIX) else ""
    return f"{lp.pack.name} ({lp.pack.id} v{lp.pack.version}){where}"


def pack_counts(available: dict[str, LoadedPack]) -> list[dict[str, str | int]]:
    """One row per pack with its items per category."""
    rows = []
    for ref, lp in available.items():
        row: dict[str, str | int] = {"pack": lp.pack.id, "name": lp.pack.name, "version": lp.pack.version,
               "source": "uploaded" if ref.startswith(UPLOAD_PREFIX) else "built-in"}
        for cat in Category:
            row[cat.value] = sum(1 for i in lp.pack.items if i.category == cat)
        row["total"] = len(lp.pack.items)
        rows.append(row)
    return rows


def pack_items(lp: LoadedPack) -> list[dict]:
    return [{"id": i.id, "category": i.category.value, "subtype": i.subtype or "",
             "turns": len(i.messages) if i.messages else 1, "prompt": i.display_text(),
             "severity": i.severity.value if i.severity else "",
             "stated intent": "" if i.stated_intent is None else ("yes" if i.stated_intent else "no"),
             "tags": ", ".join(i.tags)} for i in lp.pack.items]


def load_upload(name: str, raw: bytes) -> LoadedPack:
    """Validate an uploaded pack file (YAML, CSV, XLSX or JSONL); problems name the file and row."""
    name = Path(name).name or "upload"
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ("yaml", "yml"):
        lp = load_pack_bytes(name, raw)
        return lp.model_copy(update={"source": f"{UPLOAD_PREFIX}{name}"})
    if suffix not in UPLOAD_TYPES:
        raise UserError(f"{name}: unsupported file type; upload a .yaml, .csv, .xlsx or .jsonl pack")
    with tempfile.TemporaryDirectory(prefix="pack-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(raw)
        try:
            pack: Pack = import_table(path)
        except ValidationProblems as exc:
            raise ValidationProblems([p.replace(str(path), name) for p in exc.problems]) from None
        except UserError as exc:
            raise UserError(str(exc).replace(str(path), name)) from None
    return LoadedPack(pack=pack, source=f"{UPLOAD_PREFIX}{name}", sha256=hashlib.sha256(raw).hexdigest())


def add_uploaded(packs: PacksState, name: str, lp: LoadedPack) -> str:
    """Keep an uploaded pack and select it; returns its ref. Replaces an earlier upload of the same file."""
    ref = f"{UPLOAD_PREFIX}{Path(name).name}"
    packs.custom[ref] = lp
    if ref not in packs.selected:
        packs.selected.append(ref)
    packs.upload_name, packs.upload_problems = Path(name).name, []
    return ref


def clashing_ids(packs: PacksState) -> list[str]:
    """Pack ids chosen twice (e.g. an upload with the id of a built-in pack)."""
    ids = [lp.pack.id for lp in selected_packs(packs)]
    return sorted({i for i in ids if ids.count(i) > 1})


def attack_templates():
    return list(load_attacks().file.attacks)


def attacks_from_widget(chosen: list[str], all_ids: list[str],
                        current: list[str] | Literal["all", "none"]) -> list[str] | Literal["all", "none"]:
    """The attack setting for a multiselect value; an unchanged widget keeps the current setting."""
    if chosen == implied_attacks(current, all_ids):
        return current
    if not chosen:
        return "none"
    if set(chosen) == set(all_ids):
        return "all"
    return [a for a in all_ids if a in chosen]


def implied_attacks(setting: list[str] | str, all_ids: list[str]) -> list[str]:
    if setting == "all":
        return list(all_ids)
    if setting == "none":
        return []
    return [a for a in setting if a in all_ids]


# --- candidates -----------------------------------------------------------------------------

def new_candidate(existing: list[str], *, name: str, model: str, api_base: str = "", key_env: str = "",
                  system_prompt: str = "", max_tokens: int | None = None, concurrency: int = 4,
                  timeout_s: float = 60.0, price_in: float | None = None, price_out: float | None = None) -> CandidateConfig:
    """A candidate from the form's fields; every problem is a plain UserError."""
    name, model, api_base, key_env = name.strip(), model.strip(), api_base.strip(), key_env.strip()
    if not name:
        raise UserError("Give the candidate a name (e.g. vendor-a-default).")
    if name in existing:
        raise UserError(f"There is already a candidate called {name!r}; choose another name.")
    if not model or "<" in model:
        raise UserError("Enter a LiteLLM model string such as openai/gpt-4o-mini (replace the <...> part).")
    if api_base and "<" in api_base:
        raise UserError("Replace the <...> part of the API base URL, or leave it empty.")
    params = {"max_tokens": int(max_tokens)} if max_tokens else {}
    try:
        return CandidateConfig(name=name, model=model, api_base=api_base or None, api_key_env=key_env or None,
                               system_prompt=system_prompt.strip() or None, params=params, concurrency=concurrency,
                               timeout_s=timeout_s, price_per_1k_input=price_in, price_per_1k_output=price_out)
    except ValidationError as exc:
        raise UserError("; ".join(_plain(e) for e in exc.errors())) from None


def _plain(err: ErrorDetails) -> str:
    field = ".".join(str(p) for p in err.get("loc", ()))
    labels = {"api_key_env": "environment variable name", "name": "name", "model": "model"}
    label = labels.get(field, field or "value")
    if field == "api_key_env":
        return "the environment variable name may use letters, digits and _ only (e.g. OPENAI_API_KEY)"
    return f"{label}: {describe_pydantic_error(err)}"


def remove_candidate(state: CandidatesState, name: str, session_keys: dict[str, str]) -> None:
    state.candidates = [c for c in state.candidates if c.name != name]
    state.checks.pop(name, None)
    session_keys.pop(name, None)
    if state.baseline == name:
        state.baseline = state.candidates[0].name if state.candidates else None


def add_candidate(state: CandidatesState, candidate: CandidateConfig) -> None:
    state.candidates.append(candidate)
    if state.baseline is None:
        state.baseline = candidate.name


def add_local_preset(state: CandidatesState, api_base: str) -> list[str]:
    """The three offline local candidates (base, broad safety, targeted safety) on a running server."""
    local = local_candidates(api_base)
    names = {c.name for c in local}
    state.candidates = [c for c in state.candidates if c.name not in names] + local
    if state.baseline is None or state.baseline not in state.names():
        state.baseline = local[0].name
    return [c.name for c in local]


def key_source(candidate: CandidateConfig, session_keys: dict[str, str]) -> str:
    """How the candidate's key is found, in words (never the key itself)."""
    if session_keys.get(candidate.name):
        return "key set for this session"
    if candidate.api_key_env:
        found = "set" if os.environ.get(candidate.api_key_env) else "NOT set"
        return f"environment variable {candidate.api_key_env} ({found})"
    return "no key (self-hosted or provider default)"


# --- config ---------------------------------------------------------------------------------

def build_config(state: WizardState) -> AssessmentConfig:
    """The assessment config the wizard describes; problems say which step to fix."""
    problems = []
    if not state.setup.name.strip():
        problems.append("Step 1 (Set up): give the assessment a name.")
    if not state.packs.selected:
        problems.append("Step 2 (Domain packs): choose at least one pack.")
    if not state.candidates.candidates:
        problems.append("Step 3 (Candidates): add at least one candidate model.")
    if problems:
        raise ValidationProblems(problems)
    p = state.packs
    names = state.candidates.names()
    baseline = state.candidates.baseline if state.candidates.baseline in names else names[0]
    data = state.base_config.model_dump() if state.base_config is not None else {}
    data.update(
        name=state.setup.name.strip(), purpose=state.setup.purpose, evaluator=state.setup.evaluator,
        packs=list(p.selected), candidates=[c.model_dump() for c in state.candidates.candidates], baseline=baseline,
        seed=p.seed, sample_per_category=p.sample_per_category, attacks=p.attacks,
        attack_items_per_pack=p.attack_items_per_pack, ranking=state.ranking.model_dump())
    try:
        return AssessmentConfig.model_validate(data)
    except ValidationError as exc:
        raise ValidationProblems([_plain(e) for e in exc.errors()]) from None


def plan_size(packs: PacksState) -> dict[str, int]:
    """Prompts per candidate for the chosen packs and sampling, by pack (before any candidate exists)."""
    probe = CandidateConfig(name="probe", model="probe/probe")
    config = AssessmentConfig(name="size", packs=list(packs.selected) or ["none"], candidates=[probe], seed=packs.seed,
                              sample_per_category=packs.sample_per_category, attacks=packs.attacks,
                              attack_items_per_pack=packs.attack_items_per_pack)
    prepared = prepare(config, packs=selected_packs(packs))
    out: dict[str, int] = {}
    for call in prepared.plan.calls:
        out[call.pack_id] = out.get(call.pack_id, 0) + 1
    return out


def from_stored(stored) -> WizardState:
    """The wizard's choices for a stored assessment (``pipeline.StoredAssessment``), to continue or review it.

    The packs are the exact copies recorded with the assessment, so a resumed run plans the
    same calls and reuses every stored response."""
    config: AssessmentConfig = stored.config
    records = [rec for rec in stored.packs if rec.get("kind") == "pack"]
    custom = {}
    for ref, rec in zip(config.packs, records):
        custom[ref] = LoadedPack(pack=Pack.model_validate(rec["pack"]), source=rec.get("source", ref),
                                 sha256=rec.get("sha256", ""))
    return WizardState(
        setup=SetupState(name=config.name, purpose=config.purpose, evaluator=config.evaluator),
        packs=PacksState(selected=list(config.packs), custom=custom, sample_per_category=config.sample_per_category,
                         seed=config.seed, attacks=config.attacks, attack_items_per_pack=config.attack_items_per_pack),
        candidates=CandidatesState(candidates=list(config.candidates), baseline=config.baseline,
                                   baseline_chosen=config.baseline is not None),
        assessment_id=stored.id, base_config=config, ranking=config.ranking.model_copy(deep=True))
