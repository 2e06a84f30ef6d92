"""``python -m assessment score FILE.jsonl``: re-score saved answers to capability items.

Each input line is ``{"pack": <built-in id or path>, "item_id": ..., "response": ...}``; each output
line is ``{"line", "pack", "item_id", "score", "status", "explanation"}``. A bad line (not JSON, a
missing field, an unknown pack or item, an item that is not a capability item) is reported as one
``FILE:LINE: message`` and the rest of the file is still scored; the command then exits 2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from assessment.errors import UserError, ValidationProblems
from assessment.packs.loader import resolve_pack
from assessment.packs.model import Item, LoadedPack
from assessment.scoring.registry import Score, ScoreStatus, ScoringContext, score_response


class ScoredLine(BaseModel):
    line: int
    pack: str
    item_id: str
    score: float | None
    status: ScoreStatus
    explanation: str


class BadLine(BaseModel):
    line: int
    message: str


def score_item(item: Item, response: str, ctx: ScoringContext | None = None) -> Score:
    """Score one response to one capability item, with the item's question as context."""
    if item.scoring is None:
        raise ValueError(f"item {item.id} is a {item.category.value} item, not a capability item")
    return score_response(item.scoring, response, ctx, prompt=item.request)


class _Packs:
    """Packs resolved once per reference; a bad reference is remembered as its error."""

    def __init__(self, base_dir: Path | None):
        self.base_dir = base_dir
        self.cache: dict[str, LoadedPack | str] = {}

    def get(self, ref: str) -> LoadedPack | str:
        if ref not in self.cache:
            try:
                self.cache[ref] = resolve_pack(ref, self.base_dir)
            except UserError as exc:
                self.cache[ref] = str(exc)
            except ValidationProblems as exc:
                self.cache[ref] = f"pack {ref!r} is invalid: {exc.problems[0]}"
        return self.cache[ref]


def _parse(raw: str) -> tuple[str, str, str]:
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise ValueError("expected a JSON object with pack, item_id and response")
    for field in ("pack", "item_id", "response"):
        if field not in obj:
            raise ValueError(f"missing field {field!r}")
        if not isinstance(obj[field], str):
            raise ValueError(f"field {field!r} must be a string")
    return obj["pack"], obj["item_id"], obj["response"]


def score_lines(text: str, base_dir: Path | None = None,
                ctx: ScoringContext | None = None) -> Iterator[ScoredLine | BadLine]:
    """One result per non-blank input line, in order."""
    packs = _Packs(base_dir)
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            ref, item_id, response = _parse(raw)
        except ValueError as exc:
            yield BadLine(line=n, message=str(exc))
            continue
        loaded = packs.get(ref)
        if isinstance(loaded, str):
            yield BadLine(line=n, message=loaded)
            continue
        item = loaded.pack.by_id().get(item_id)
        if item is None:
            yield BadLine(line=n, message=f"pack {loaded.pack.id!r} has no item {item_id!r}")
            continue
        if item.scoring is None:
            yield BadLine(line=n, message=f"item {item_id!r} is a {item.category.value} item, not a capability item")
            continue
        score = score_item(item, response, ctx)
        yield ScoredLine(line=n, pack=ref, item_id=item_id, score=score.value, status=score.status,
                         explanation=score.explanation)


def read_input(path: str | Path) -> str:
    p = Path(path)
    try:
        return p.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise UserError(f"{p}: cannot be read ({exc.strerror})") from None
