"""The domain pack format: pydantic models, strict (unknown keys are errors)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
MAX_PROMPT_CHARS = 20_000


class Category(StrEnum):
    BENIGN = "benign"
    SENSITIVE = "sensitive"
    HARMFUL = "harmful"
    CAPABILITY = "capability"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- capability scoring blocks ------------------------------------------------------------

class ChoiceScoring(_Strict):
    method: Literal["choice"]
    answer: str = Field(pattern=r"^[A-J]$", description="The gold option letter, A-J.")


class NumericScoring(_Strict):
    method: Literal["numeric"]
    answer: float
    tolerance: float = Field(0.0, ge=0, description="Absolute tolerance.")
    rel_tolerance: float = Field(0.0, ge=0, description="Relative tolerance (0.01 = 1%).")


class MatchScoring(_Strict):
    method: Literal["match"]
    pattern: str | None = None
    all: list[str] = Field(default_factory=list, description="Every keyword must appear.")
    any: list[str] = Field(default_factory=list, description="At least one keyword must appear.")
    case_sensitive: bool = False
    reference: str = Field(min_length=1, description="A correct response, used to self-test the item.")

    @model_validator(mode="after")
    def _needs_a_rule(self) -> "MatchScoring":
        if not (self.pattern or self.all or self.any):
            raise ValueError("match scoring needs at least one of pattern, all, any")
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from None
        return self


class _CountCheck(_Strict):
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _bounds(self):
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        return self


class WordCount(_CountCheck):
    type: Literal["word_count"]


class SentenceCount(_CountCheck):
    type: Literal["sentence_count"]


class LineCount(_CountCheck):
    type: Literal["line_count"]


class ParagraphCount(_CountCheck):
    type: Literal["paragraph_count"]


class KeywordFrequency(_CountCheck):
    type: Literal["keyword_frequency"]
    word: str = Field(min_length=1)


class Include(_Strict):
    type: Literal["include"]
    words: list[str] = Field(min_length=1)


class Exclude(_Strict):
    type: Literal["exclude"]
    words: list[str] = Field(min_length=1)


class StartsWith(_Strict):
    type: Literal["starts_with"]
    text: str = Field(min_length=1)


class EndsWith(_Strict):
    type: Literal["ends_with"]
    text: str = Field(min_length=1)


class Format(_Strict):
    type: Literal["format"]
    format: Literal["bullet_list", "numbered_list", "lowercase", "uppercase", "no_commas", "json"]


Check = Annotated[
    Union[WordCount, SentenceCount, LineCount, ParagraphCount, KeywordFrequency, Include, Exclude,
          StartsWith, EndsWith, Format],
    Field(discriminator="type"),
]


class ConstraintsScoring(_Strict):
    method: Literal["constraints"]
    checks: list[Check] = Field(min_length=1)
    reference: str = Field(min_length=1, description="A response that meets every check.")


class RubricScoring(_Strict):
    method: Literal["rubric"]
    rubric: str = Field(min_length=1, description="Criteria for the LLM judge (score 1-10).")
    reference: str | None = None


class CodeScoring(_Strict):
    method: Literal["code"]
    entry_point: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    tests: str = Field(min_length=1, description="Python assertions run against the answer.")
    reference: str = Field(min_length=1, description="A correct solution.")
    timeout_s: float = Field(5.0, gt=0, le=60)


Scoring = Annotated[
    Union[ChoiceScoring, NumericScoring, MatchScoring, ConstraintsScoring, RubricScoring, CodeScoring],
    Field(discriminator="method"),
]


# --- items and packs -----------------------------------------------------------------------

class Item(_Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=120)
    category: Category
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    subtype: str | None = Field(None, max_length=60)
    tags: list[str] = Field(default_factory=list)
    persona: str | None = Field(None, max_length=500, description="Who plausibly asks (metadata, not sent).")
    context: str | None = Field(None, max_length=MAX_PROMPT_CHARS, description="Sent before the prompt.")
    contrast_of: str | None = Field(None, description="Id of this item's twin with the other intent.")
    scoring: Scoring | None = None

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("prompt is empty")
        return v

    @model_validator(mode="after")
    def _category_rules(self) -> "Item":
        if self.category == Category.CAPABILITY and self.scoring is None:
            raise ValueError("capability items need a scoring block")
        if self.category != Category.CAPABILITY and self.scoring is not None:
            raise ValueError(f"scoring is only for capability items, not {self.category.value}")
        if self.category == Category.SENSITIVE and not self.subtype:
            raise ValueError("sensitive items need a subtype (homonym, safe_context, fiction, ...)")
        return self

    def user_message(self) -> str:
        """The text sent as the user's turn."""
        return f"{self.context.strip()}\n\n{self.prompt}" if self.context else self.prompt


class Pack(_Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=60)
    name: str = Field(min_length=1)
    version: str = Field(min_length=1, max_length=40)
    description: str = ""
    changelog: list[str] = Field(default_factory=list)
    items: list[Item] = Field(min_length=1)

    def by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}


class LoadedPack(BaseModel):
    """A validated pack with where it came from (for reproducibility)."""

    model_config = ConfigDict(frozen=True)
    pack: Pack
    source: str
    sha256: str
