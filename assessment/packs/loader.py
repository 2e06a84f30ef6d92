"""Load and validate domain packs, reporting every problem as ``FILE:LINE:COL: item <id>.<field>: ...``."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assessment.errors import UserError, ValidationProblems
from assessment.packs.model import LoadedPack, Pack
from assessment.paths import cache_dir
from assessment.yamlfile import MAX_FILE_BYTES, LocatedYaml, describe_pydantic_error, parse_yaml_text, read_yaml_file

ATTACKS_FILE = "attacks.yaml"


def builtin_pack_dir() -> Path:
    """Where the built-in packs live (overridable for tests and deployments)."""
    env = os.environ.get("ASSESSMENT_PACK_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "domain_packs"


def builtin_pack_ids() -> list[str]:
    return sorted(p.stem for p in builtin_pack_dir().glob("*.yaml") if p.name != ATTACKS_FILE)


def _field_label(data: Any, loc: tuple) -> str:
    """``item med-s-001.scoring.answer`` or ``pack.version`` for a pydantic loc."""
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        item_id = None
        items = data.get("items") if isinstance(data, dict) else None
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            item_id = items[loc[1]].get("id")
        name = f"item {item_id}" if item_id else f"item #{loc[1] + 1}"
        rest = [str(p) for p in loc[2:] if not (isinstance(p, str) and p in _UNION_TAGS)]
        return name + ("." + ".".join(rest) if rest else "")
    return "pack" + ("." + ".".join(str(p) for p in loc) if loc else "")


# Discriminated unions add the tag name to the error path; users never wrote those keys.
_UNION_TAGS = {"choice", "numeric", "match", "constraints", "rubric", "code", "word_count",
               "sentence_count", "line_count", "paragraph_count", "keyword_frequency", "include",
               "exclude", "starts_with", "ends_with", "format", "json_fields", "json_number", "line_starts"}


def _loc_in_file(loc: tuple) -> tuple:
    return tuple(p for p in loc if not (isinstance(p, str) and p in _UNION_TAGS))


def validate_pack_document(doc: LocatedYaml) -> LoadedPack:
    data = doc.data
    if not isinstance(data, dict):
        raise ValidationProblems([f"{doc.where(())}: pack: expected a mapping with id, name, version, items"])
    problems: list[str] = []
    try:
        pack = Pack.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(f"{doc.where(_loc_in_file(loc))}: {_field_label(data, loc)}: {describe_pydantic_error(err)}")
        raise ValidationProblems(problems) from None
    seen: dict[str, int] = {}
    for index, item in enumerate(pack.items):
        if item.id in seen:
            problems.append(
                f"{doc.where(('items', index, 'id'))}: item {item.id}.id: duplicate id "
                f"(first used by item #{seen[item.id] + 1})"
            )
        else:
            seen[item.id] = index
    for index, item in enumerate(pack.items):
        if item.contrast_of and item.contrast_of not in seen:
            problems.append(
                f"{doc.where(('items', index, 'contrast_of'))}: item {item.id}.contrast_of: "
                f"no item with id {item.contrast_of!r} in this pack"
            )
        if item.contrast_of == item.id:
            problems.append(f"{doc.where(('items', index, 'contrast_of'))}: item {item.id}.contrast_of: points to itself")
    if problems:
        raise ValidationProblems(problems)
    return LoadedPack(pack=pack, source=doc.path, sha256=hashlib.sha256(doc.raw).hexdigest())


def load_pack_file(path: str | Path) -> LoadedPack:
    """Validate a pack file; a file validated before (same bytes) is read from a JSON cache,
    because round-trip YAML parsing with positions is slow for large packs."""
    p = Path(path)
    try:
        raw = p.read_bytes() if p.is_file() and p.stat().st_size <= MAX_FILE_BYTES else None
    except OSError:
        raw = None
    if raw is not None:
        digest = hashlib.sha256(raw).hexdigest()
        cached = _pack_cache() / f"{digest}.json"
        if cached.exists():
            try:
                return LoadedPack(pack=Pack.model_validate_json(cached.read_bytes()), source=str(p), sha256=digest)
            except (ValueError, OSError):
                pass  # a stale or damaged cache entry: validate again
        loaded = validate_pack_document(parse_yaml_text(str(p), raw))
        try:
            cached.write_text(loaded.pack.model_dump_json())
        except OSError:
            pass
        return loaded
    return validate_pack_document(read_yaml_file(path))


def _pack_cache() -> Path:
    path = cache_dir() / "packs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_pack_bytes(name: str, raw: bytes) -> LoadedPack:
    """Validate an uploaded pack (the wizard's upload) without touching disk."""
    return validate_pack_document(parse_yaml_text(name, raw))


def resolve_pack(ref: str, base_dir: Path | None = None) -> LoadedPack:
    """A built-in pack id (``medical``) or a path to a YAML file."""
    candidate = Path(ref)
    if not candidate.is_absolute() and base_dir is not None and (base_dir / candidate).exists():
        candidate = base_dir / candidate
    if candidate.suffix in {".yaml", ".yml"} or candidate.exists():
        return load_pack_file(candidate)
    builtin = builtin_pack_dir() / f"{ref}.yaml"
    if builtin.exists():
        return load_pack_file(builtin)
    raise UserError(
        f"unknown pack {ref!r}: not a file and not a built-in pack (built-in: {', '.join(builtin_pack_ids()) or 'none'})"
    )


def pack_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders to the pack files in them (the attack file is not a pack)."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(f for f in p.glob("*.y*ml") if f.name != ATTACKS_FILE))
        else:
            files.append(p)
    return files


def validate_paths(paths: Iterable[str | Path], extra_check: Callable[[LoadedPack], list[str]] | None = None
                   ) -> tuple[list[LoadedPack], list[str]]:
    """Validate every pack; return the good ones and every problem line of the bad ones. ``extra_check``
    (e.g. ``scoring.examples.pack_example_problems``) may reject a pack that loaded with more problem lines."""
    loaded: list[LoadedPack] = []
    problems: list[str] = []
    ids: dict[str, str] = {}
    for path in pack_files(paths):
        try:
            lp = load_pack_file(path)
        except ValidationProblems as exc:
            problems.extend(exc.problems)
            continue
        if lp.pack.id in ids:
            problems.append(f"{path}:1:1: pack.id: {lp.pack.id!r} is also the id of {ids[lp.pack.id]}")
            continue
        ids[lp.pack.id] = str(path)
        if extra_check is not None:
            failing = extra_check(lp)
            if failing:
                problems.extend(failing)
                continue
        loaded.append(lp)
    return loaded, problems


def pack_json_schema() -> dict:
    schema = Pack.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Alignment Tax Assessment domain pack"
    return schema
