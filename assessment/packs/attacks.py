"""Attack templates: wrappers that try to get a harmful request past a model's safety.

Templates are data (``domain_packs/attacks.yaml``); a transform (base64, rot13) is a named
function in a registry, so a new one is a function and a line of YAML, not an if-chain.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
from pathlib import Path
from typing import Callable, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assessment.errors import ValidationProblems
from assessment.packs.model import ID_PATTERN
from assessment.yamlfile import describe_pydantic_error, read_yaml_file

PLACEHOLDER = "{prompt}"

TRANSFORMS: dict[str, Callable[[str], str]] = {
    "none": lambda text: text,
    "base64": lambda text: base64.b64encode(text.encode("utf-8")).decode("ascii"),
    "rot13": lambda text: codecs.encode(text, "rot_13"),
}


class AttackTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    version: str = Field(min_length=1)
    transform: Literal["none", "base64", "rot13"] = "none"
    template: str

    @field_validator("template")
    @classmethod
    def _has_placeholder(cls, v: str) -> str:
        if PLACEHOLDER not in v:
            raise ValueError(f"template must contain {PLACEHOLDER}")
        return v

    def wrap(self, prompt: str) -> str:
        return self.template.replace(PLACEHOLDER, TRANSFORMS[self.transform](prompt))


class AttackFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    changelog: list[str] = Field(default_factory=list)
    attacks: list[AttackTemplate] = Field(min_length=1)


class LoadedAttacks(BaseModel):
    model_config = ConfigDict(frozen=True)
    file: AttackFile
    source: str
    sha256: str

    def by_id(self) -> dict[str, AttackTemplate]:
        return {a.id: a for a in self.file.attacks}


def default_attacks_path() -> Path:
    from assessment.packs.loader import ATTACKS_FILE, builtin_pack_dir

    return builtin_pack_dir() / ATTACKS_FILE


def load_attacks(path: str | Path | None = None) -> LoadedAttacks:
    doc = read_yaml_file(path or default_attacks_path())
    try:
        parsed = AttackFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ValidationProblems([
            f"{doc.where(tuple(e['loc']))}: attacks.{'.'.join(str(p) for p in e['loc'])}: {describe_pydantic_error(e)}"
            for e in exc.errors()
        ]) from None
    seen: set[str] = set()
    for i, attack in enumerate(parsed.attacks):
        if attack.id in seen:
            raise ValidationProblems([f"{doc.where(('attacks', i, 'id'))}: attack {attack.id}.id: duplicate id"])
        seen.add(attack.id)
    return LoadedAttacks(file=parsed, source=doc.path, sha256=hashlib.sha256(doc.raw).hexdigest())
