"""Attack templates: wrappers that try to get a harmful request past a model's safety.

Templates are data (``domain_packs/attacks.yaml``); a transform (base64, rot13) is a named
function in a registry, so a new one is a function and a line of YAML, not an if-chain.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assessment.errors import ValidationProblems
from assessment.packs.loader import ATTACKS_FILE, builtin_pack_dir
from assessment.packs.model import ID_PATTERN, Role, Turn, check_conversation
from assessment.yamlfile import describe_pydantic_error, read_yaml_file

PLACEHOLDER = "{prompt}"
# Payload splitting: the request cut in two at a word boundary, each half in its own place.
PART_PLACEHOLDERS = ("{part1}", "{part2}")

_LEET = str.maketrans({"a": "4", "A": "4", "e": "3", "E": "3", "i": "1", "I": "1", "o": "0", "O": "0",
                       "s": "5", "S": "5", "t": "7", "T": "7"})
TRANSFORMS: dict[str, Callable[[str], str]] = {
    "none": lambda text: text,
    "base64": lambda text: base64.b64encode(text.encode("utf-8")).decode("ascii"),
    "rot13": lambda text: codecs.encode(text, "rot_13"),
    "leetspeak": lambda text: text.translate(_LEET),
}
Transform = Literal["none", "base64", "rot13", "leetspeak"]


def split_payload(text: str) -> tuple[str, str]:
    """The text cut in two halves at the word boundary nearest its middle."""
    words = text.split(" ")
    if len(words) < 2:
        middle = len(text) // 2
        return text[:middle], text[middle:]
    best = min(range(1, len(words)), key=lambda k: abs(len(" ".join(words[:k])) - len(text) / 2))
    return " ".join(words[:best]), " ".join(words[best:])


def _fill(text: str, payload: str, transform: str) -> str:
    shown = TRANSFORMS[transform](payload)
    if any(p in text for p in PART_PLACEHOLDERS):
        first, second = split_payload(shown)
        text = text.replace(PART_PLACEHOLDERS[0], first).replace(PART_PLACEHOLDERS[1], second)
    return text.replace(PLACEHOLDER, shown)


def _placeholder_count(text: str) -> int:
    return text.count(PLACEHOLDER) + sum(text.count(p) for p in PART_PLACEHOLDERS)


class AttackTurn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: Role
    content: str = Field(min_length=1)


class AttackTemplate(BaseModel):
    """One jailbreak style: a single message (``template``) or a short conversation (``turns``).

    ``{prompt}`` is replaced by the (transformed) request; ``{part1}`` and ``{part2}`` by its two
    halves. A conversation's turns alternate user/assistant and end with a user turn."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    family: str = Field("other", min_length=1, max_length=60, description="The attack family, for the README table.")
    description: str = Field(min_length=1)
    version: str = Field(min_length=1)
    transform: Transform = "none"
    template: str | None = None
    turns: list[AttackTurn] | None = Field(None, max_length=20)

    @field_validator("template")
    @classmethod
    def _has_placeholder(cls, v: str | None) -> str | None:
        if v is not None and not _placeholder_count(v):
            raise ValueError(f"template must contain {PLACEHOLDER} (or {PART_PLACEHOLDERS[0]} and {PART_PLACEHOLDERS[1]})")
        return v

    @model_validator(mode="after")
    def _one_form(self) -> AttackTemplate:
        if (self.template is None) == (self.turns is None):
            raise ValueError("give exactly one of template (one message) and turns (a conversation)")
        if self.turns is not None:
            check_conversation([Turn(role=t.role, content=t.content) for t in self.turns])
            if not any(_placeholder_count(t.content) for t in self.turns if t.role == Role.USER):
                raise ValueError(f"a user turn must contain {PLACEHOLDER} (or {PART_PLACEHOLDERS[0]} and {PART_PLACEHOLDERS[1]})")
            if any(_placeholder_count(t.content) for t in self.turns if t.role == Role.ASSISTANT):
                raise ValueError("assistant turns must not contain the request")
        return self

    @property
    def is_multi_turn(self) -> bool:
        return self.turns is not None

    def wrap(self, prompt: str) -> str:
        """The single message of a one-message template (the last user turn of a conversation)."""
        if self.template is not None:
            return _fill(self.template, prompt, self.transform)
        return self.apply([{"role": "user", "content": prompt}])[-1]["content"]

    def apply(self, turns: list[dict[str, str]]) -> list[dict[str, str]]:
        """An item's messages with the attack applied: its last user turn is replaced by the
        attack (one wrapped message, or the attack's conversation); earlier turns stay first."""
        earlier, request = turns[:-1], turns[-1]["content"]
        if self.template is not None:
            return [*earlier, {"role": "user", "content": _fill(self.template, request, self.transform)}]
        assert self.turns is not None  # validated: exactly one of template and turns
        return [*earlier, *({"role": t.role.value, "content": _fill(t.content, request, self.transform)}
                            for t in self.turns)]


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
