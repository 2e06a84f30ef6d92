"""The assessment config: which packs, which candidates, the baseline, sampling and settings.

A config holds the NAME of an environment variable for an API key, never the key itself, so
a config, its hash and everything stored from it are safe to share.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assessment.analysis.ranking import RankingSettings
from assessment.errors import UserError, ValidationProblems
from assessment.redaction import redact
from assessment.yamlfile import LocatedYaml, describe_pydantic_error, read_yaml_file

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
# Params that would smuggle a secret or change where a call goes are set by dedicated keys.
FORBIDDEN_PARAMS = {"api_key", "api_base", "base_url", "messages", "model", "stream", "mock_response"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CandidateConfig(_Strict):
    name: str = Field(min_length=1, max_length=80)
    model: str = Field(min_length=1, description="A LiteLLM model string, e.g. openai/gpt-4o-mini.")
    api_base: str | None = None
    api_key_env: str | None = Field(None, pattern=ENV_NAME, description="Name of the env variable holding the key.")
    system_prompt: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    concurrency: int = Field(4, ge=1, le=256)
    timeout_s: float = Field(60.0, gt=0, le=3600)
    max_attempts: int = Field(4, ge=1, le=20)
    price_per_1k_input: float | None = Field(None, ge=0)
    price_per_1k_output: float | None = Field(None, ge=0)
    embedded_model: bool = Field(False, description="Set by the built-in local presets: the candidate is the embedded "
                                 "llama-server model, so the methodology quotes that model and its licences.")

    @field_validator("params")
    @classmethod
    def _safe_params(cls, v: dict[str, Any]) -> dict[str, Any]:
        bad = sorted(FORBIDDEN_PARAMS & set(v))
        if bad:
            raise ValueError(f"params may not set {', '.join(bad)} (use the candidate's own keys; keys go in api_key_env)")
        return v


class JudgeConfig(_Strict):
    model: str
    api_base: str | None = None
    api_key_env: str | None = Field(None, pattern=ENV_NAME)
    concurrency: int = Field(4, ge=1, le=64)
    timeout_s: float = Field(60.0, gt=0)


class ReferenceDomain(_Strict):
    """Published scores for one domain; any may be left out."""

    capability_score: float | None = Field(None, ge=0, le=1)
    over_refusal_rate: float | None = Field(None, ge=0, le=1)
    false_refusal_rate: float | None = Field(None, ge=0, le=1)
    safety_rate: float | None = Field(None, ge=0, le=1)


class ReferenceBaseline(_Strict):
    """A baseline given as data (published benchmark results or a comparable model's scores)."""

    name: str = Field("published reference", min_length=1)
    source: str = Field(min_length=1, description="Citation or URL text of where the numbers come from.")
    date: str = Field(min_length=1)
    domains: dict[str, ReferenceDomain] = Field(min_length=1)


class AssessmentConfig(_Strict):
    name: str = Field(min_length=1, max_length=200)
    purpose: str = ""
    evaluator: str = ""
    packs: list[str] = Field(min_length=1)
    candidates: list[CandidateConfig] = Field(min_length=1)
    baseline: str | None = None
    seed: int = 0
    sample_per_category: int | None = Field(None, ge=1, description="Seeded sample of items per pack and category.")
    attacks: list[str] | Literal["all", "none"] = "all"
    attack_items_per_pack: int | None = Field(5, ge=1, description="Harmful items per pack wrapped in each attack (None: all).")
    attack_targets: Literal["intent_free", "all"] = Field(
        "intent_free", description="Which harmful items attacks wrap: those without a stated harmful intent "
                                   "(stated_intent not true; the default, so the wrapper reads coherently) or all.")
    partial_counts_as_refusal: bool = True
    judge: JudgeConfig | None = None
    allow_code_execution: bool = False
    include_harmful_completions: bool = False
    reference_baseline: ReferenceBaseline | None = None
    ranking: RankingSettings = Field(default_factory=RankingSettings)
    store: str | None = None

    @model_validator(mode="after")
    def _names(self) -> AssessmentConfig:
        names = [c.name for c in self.candidates]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"candidate names must be unique; repeated: {', '.join(dupes)}")
        if self.baseline is not None and self.baseline not in names:
            raise ValueError(f"baseline {self.baseline!r} is not one of the candidates ({', '.join(names)})")
        if self.baseline is not None and self.reference_baseline is not None:
            raise ValueError("give either baseline (a candidate) or reference_baseline (published scores), not both")
        return self

    def candidate(self, name: str) -> CandidateConfig:
        for c in self.candidates:
            if c.name == name:
                return c
        raise KeyError(name)

    def config_hash(self) -> str:
        """A stable hash of everything that changes the measurements (not the store path, nor the
        ranking weights, which only re-read the same results, nor which candidate is the embedded model,
        which only labels the methodology)."""
        payload = self.model_dump(mode="json", exclude={"store": True, "ranking": True,
                                                        "candidates": {"__all__": {"embedded_model"}}})
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _where(doc: LocatedYaml, loc: tuple) -> str:
    label = ".".join(str(p) for p in loc)
    if len(loc) >= 2 and loc[0] == "candidates" and isinstance(loc[1], int):
        cands = doc.data.get("candidates") if isinstance(doc.data, dict) else None
        if isinstance(cands, list) and loc[1] < len(cands) and isinstance(cands[loc[1]], dict) and cands[loc[1]].get("name"):
            label = f"candidate {cands[loc[1]]['name']}" + "".join(f".{p}" for p in loc[2:])
    return f"{doc.where(loc)}: {label or 'config'}"


def parse_config(doc: LocatedYaml) -> AssessmentConfig:
    if not isinstance(doc.data, dict):
        raise ValidationProblems([f"{doc.where(())}: config: expected a mapping with name, packs, candidates"])
    try:
        return AssessmentConfig.model_validate(doc.data)
    except ValidationError as exc:
        raise ValidationProblems(
            [f"{_where(doc, tuple(e['loc']))}: {describe_pydantic_error(e)}" for e in exc.errors()]
        ) from None


def load_config(path: str | Path) -> tuple[AssessmentConfig, Path]:
    """The config and the folder relative pack paths are resolved against."""
    doc = read_yaml_file(path)
    return parse_config(doc), Path(path).resolve().parent


def resolve_api_key(candidate: CandidateConfig | JudgeConfig, session_keys: dict[str, str] | None = None) -> str | None:
    """The key for a call: typed into this session (never stored) or read from the environment."""
    name = getattr(candidate, "name", None) or candidate.model
    if session_keys and session_keys.get(name):
        return session_keys[name]
    if candidate.api_key_env:
        value = os.environ.get(candidate.api_key_env)
        if not value:
            raise UserError(
                f"candidate {name}: no API key found. Type the key into this candidate's API key field, or set "
                f"{candidate.api_key_env} (the key's environment variable named in its api_key_env field) before "
                "starting; if this model needs no key, clear that field"
            )
        return value
    return None


def check_keys_present(config: AssessmentConfig, session_keys: dict[str, str] | None = None) -> None:
    for c in config.candidates:
        resolve_api_key(c, session_keys)
    if config.judge:
        resolve_api_key(config.judge, session_keys)


def config_store_path(config: AssessmentConfig, base_dir: Path) -> Path | None:
    """The store a config names (a relative path is relative to the config's folder); None: the default."""
    if config.store is None:
        return None
    return Path(config.store) if Path(config.store).is_absolute() else base_dir / config.store


def default_store_path() -> Path:
    env = os.environ.get("ASSESSMENT_STORE")
    if env:
        return Path(env)
    return Path.home() / ".alignment-tax" / "assessments.sqlite"


def redact_secrets(text: str, secrets: list[str]) -> str:
    """Kept for callers: the one redaction function is ``assessment.redaction.redact``."""
    return redact(text, secrets)


def scrub_keylike(text: str) -> str:
    """Mask anything shaped like an API key or a URL credential (see ``assessment.redaction``)."""
    return redact(text)
