"""Domain packs: the prompts and tasks of one domain, as validated data."""

from assessment.packs.attacks import AttackTemplate, load_attacks
from assessment.packs.loader import (
    builtin_pack_dir,
    builtin_pack_ids,
    load_pack_bytes,
    load_pack_file,
    pack_json_schema,
    resolve_pack,
    validate_paths,
)
from assessment.packs.model import Category, Item, LoadedPack, Pack

__all__ = [
    "AttackTemplate", "Category", "Item", "LoadedPack", "Pack", "builtin_pack_dir", "builtin_pack_ids",
    "load_attacks", "load_pack_bytes", "load_pack_file", "pack_json_schema", "resolve_pack", "validate_paths",
]
