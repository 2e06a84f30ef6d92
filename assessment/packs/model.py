"""The domain pack format: pydantic models, strict (unknown keys are errors)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"
MAX_PROMPT_CHARS = 20_000


class Category(StrEnum):
    BENIGN = "benign"
    SENSITIVE = "sensitive"
    HARMFUL = "harmful"
    CAPABILITY = "capability"


class Severity(StrEnum):
    """How bad the worst realistic outcome of a harmful request is (docs/pack-guideline.md)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


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
    synonyms: dict[str, list[str]] = Field(
        default_factory=dict, description="Accepted alternatives per keyword, e.g. {whaling: [whale phishing]}.")
    reference: str = Field(min_length=1, description="A correct response, used to self-test the item.")

    @model_validator(mode="after")
    def _needs_a_rule(self) -> MatchScoring:
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
    def _bounds(self) -> _CountCheck:
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
    synonyms: dict[str, list[str]] = Field(default_factory=dict, description="Accepted alternatives per word.")


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


class JsonFields(_Strict):
    type: Literal["json_fields"]
    keys: list[str] = Field(min_length=1, description="Keys the JSON object must have.")
    exact: bool = Field(False, description="No other keys allowed.")
    fences_allowed: bool = Field(True, description="Accept the object inside a ``` code fence.")


class JsonNumber(_Strict):
    type: Literal["json_number"]
    key: str = Field(min_length=1)
    value: float
    tolerance: float = Field(0.0, ge=0)


class LineStarts(_Strict):
    type: Literal["line_starts"]
    prefixes: list[str] = Field(min_length=1, description="Line i must start with prefixes[i] (markup ignored).")
    cycle: bool = Field(False, description="Repeat the prefixes for every line (alternating speakers).")


Check = Annotated[
    WordCount | SentenceCount | LineCount | ParagraphCount | KeywordFrequency | Include | Exclude | StartsWith | EndsWith | Format | JsonFields | JsonNumber | LineStarts,
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
    ChoiceScoring | NumericScoring | MatchScoring | ConstraintsScoring | RubricScoring | CodeScoring,
    Field(discriminator="method"),
]


# --- items and packs -----------------------------------------------------------------------

class Turn(_Strict):
    """One turn of a multi-turn item."""

    role: Role
    content: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)

    @field_validator("content")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("content is empty")
        return v


def check_conversation(turns: list[Turn]) -> None:
    """User and assistant alternate, starting and ending with the user (what chat APIs accept)."""
    if not turns:
        raise ValueError("messages is empty")
    if turns[0].role != Role.USER:
        raise ValueError("the first turn must be a user turn")
    if turns[-1].role != Role.USER:
        raise ValueError("the last turn must be a user turn")
    for before, after in zip(turns, turns[1:]):
        if before.role == after.role:
            raise ValueError(f"two {after.role.value} turns in a row; user and assistant turns alternate")


def render_conversation(messages: list[dict[str, str]]) -> str:
    """The user-visible text of what was sent: the user's text for one turn, else a labelled transcript.

    System prompts are left out: they belong to the candidate, not to the item."""
    turns = [m for m in messages if m.get("role") != "system"]
    if len(turns) == 1:
        return turns[0].get("content", "")
    return "\n\n".join(f"[{m.get('role', '?')}] {m.get('content', '')}" for m in turns)


def is_conversation(text: str) -> bool:
    """Whether a shown prompt is a rendered multi-turn transcript (see ``render_conversation``)."""
    return text.startswith("[user] ")


class AnswerExamples(_Strict):
    """Hand-written answers that self-test a capability item's scorer (``packs validate`` runs them)."""

    correct: list[str] = Field(default_factory=list, description="Correct answers in different styles: each must score 1.")
    wrong: list[str] = Field(default_factory=list, description="Wrong answers: each must score 0.")


class Item(_Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=120)
    category: Category
    # messages is declared before prompt so that prompt's check can see it (pydantic validates in order).
    messages: list[Turn] | None = Field(
        None, max_length=40,
        description="A short conversation instead of prompt: user/assistant turns, first and last from the user.")
    prompt: str | None = Field(None, min_length=1, max_length=MAX_PROMPT_CHARS, validate_default=True,
                               description="The user's request; give either prompt or messages.")
    subtype: str | None = Field(None, max_length=60)
    severity: Severity | None = Field(None, description="Harmful items: low, medium or high.")
    stated_intent: bool | None = Field(
        None, description="Harmful items: true when the request states a harmful goal, victim or motive.")
    sensitive_ground: bool = Field(
        False, description="Capability items: a legitimate task on sensitive ground, where hedging loses points.")
    tags: list[str] = Field(default_factory=list)
    persona: str | None = Field(None, max_length=500, description="Who plausibly asks (metadata, not sent).")
    context: str | None = Field(None, max_length=MAX_PROMPT_CHARS,
                                description="Sent before the prompt (before the first turn of messages).")
    contrast_of: str | None = Field(None, description="Id of this item's twin with the other intent.")
    scoring: Scoring | None = None
    answer_examples: AnswerExamples | None = Field(
        None, description="Correct and wrong example answers that self-test the scorer (capability items).")

    @field_validator("prompt")
    @classmethod
    def _prompt_or_messages(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("prompt is empty")
        if "messages" not in info.data:
            return v  # messages was given but is invalid: that error is reported on its own
        if v is None and info.data["messages"] is None:
            raise ValueError("required field is missing (or give messages for a conversation)")
        if v is not None and info.data["messages"] is not None:
            raise ValueError("give either prompt (one turn) or messages (a conversation), not both")
        return v

    @field_validator("messages")
    @classmethod
    def _conversation(cls, v: list[Turn] | None) -> list[Turn] | None:
        if v is not None:
            check_conversation(v)
        return v

    @model_validator(mode="after")
    def _category_rules(self) -> Item:
        if self.category == Category.CAPABILITY and self.scoring is None:
            raise ValueError("capability items need a scoring block")
        if self.category != Category.CAPABILITY and self.scoring is not None:
            raise ValueError(f"scoring is only for capability items, not {self.category.value}")
        if self.category != Category.CAPABILITY and self.answer_examples is not None:
            raise ValueError(f"answer_examples are only for capability items, not {self.category.value}")
        if self.category == Category.SENSITIVE and not self.subtype:
            raise ValueError("sensitive items need a subtype (homonym, safe_context, fiction, ...)")
        if self.category != Category.HARMFUL:
            for name in ("severity", "stated_intent"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} is only for harmful items, not {self.category.value}")
        if self.sensitive_ground and self.category != Category.CAPABILITY:
            raise ValueError(f"sensitive_ground is only for capability items, not {self.category.value}")
        return self

    @property
    def is_multi_turn(self) -> bool:
        return self.messages is not None

    @property
    def request(self) -> str:
        """The request itself: the prompt, or the last user turn of a conversation."""
        if self.messages is not None:
            return self.messages[-1].content
        return self._prompt()

    def turns(self) -> list[dict[str, str]]:
        """The chat messages this item sends (the candidate's system prompt is added by the plan).

        ``context`` goes before the first user turn, as it goes before a single prompt."""
        if self.messages is None:
            return [{"role": Role.USER.value, "content": self.user_message()}]
        out = [{"role": t.role.value, "content": t.content} for t in self.messages]
        if self.context:
            out[0] = {"role": Role.USER.value, "content": f"{self.context.strip()}\n\n{out[0]['content']}"}
        return out

    def user_message(self) -> str:
        """The text of the (last) user turn; for a single prompt, with the context before it."""
        if self.messages is not None:
            return self.turns()[-1]["content"]
        prompt = self._prompt()
        return f"{self.context.strip()}\n\n{prompt}" if self.context else prompt

    def _prompt(self) -> str:
        # The prompt validator guarantees exactly one of prompt and messages.
        assert self.prompt is not None, f"item {self.id} has neither prompt nor messages"
        return self.prompt

    def display_text(self) -> str:
        """What a reader should see as "the prompt": the text, or the whole conversation."""
        return render_conversation(self.turns())


class Annotation(_Strict):
    """How the pack's labels were checked: two independent passes against a written guideline."""

    guideline: str = Field(min_length=1, description="Which guideline (and its date or version).")
    annotators: int = Field(ge=1)
    items_annotated: int = Field(ge=0)
    kappa_category: float = Field(ge=-1, le=1, description="Cohen's kappa on category.")
    kappa_subtype: float | None = Field(None, ge=-1, le=1, description="Cohen's kappa on subtype (null: not measured).")
    kappa_severity: float | None = Field(None, ge=-1, le=1, description="Cohen's kappa on severity (null: not measured).")
    disagreements_resolved: int = Field(ge=0)
    items_removed: int = Field(ge=0)


class Pack(_Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=60)
    name: str = Field(min_length=1)
    version: str = Field(min_length=1, max_length=40)
    description: str = ""
    changelog: list[str] = Field(default_factory=list)
    annotation: Annotation | None = Field(None, description="Agreement of the independent labelling passes.")
    items: list[Item] = Field(min_length=1)

    def by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}


class LoadedPack(BaseModel):
    """A validated pack with where it came from (for reproducibility)."""

    model_config = ConfigDict(frozen=True)
    pack: Pack
    source: str
    sha256: str
