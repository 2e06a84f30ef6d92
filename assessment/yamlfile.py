"""Load YAML files keeping line numbers, and turn pydantic errors into ``FILE:LINE:COL`` lines.

ruamel.yaml's round-trip loader remembers where every key and list item came from, rejects
duplicate keys and follows YAML 1.2 (``no`` stays a string). We convert the tree to plain
Python for validation and keep the original tree to locate errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from assessment.errors import ValidationProblems

MAX_FILE_BYTES = 2 * 1024 * 1024  # a pack or config larger than this is refused, not parsed: the YAML
# parser needs ~5 s per MB on a busy 2-core machine, so validation stays within ~10 s (packs are ~40 KB)


@dataclass
class LocatedYaml:
    """A parsed YAML document: plain data plus a way to find where a path came from."""

    path: str
    data: Any
    tree: Any
    raw: bytes

    def position(self, loc: Sequence[Any]) -> tuple[int, int]:
        """1-based (line, column) of the deepest node of ``loc`` that exists in the file."""
        node = self.tree
        line, col = 1, 1
        for key in loc:
            lc = getattr(node, "lc", None)
            try:
                if isinstance(key, int) and isinstance(node, list):
                    if lc is not None:
                        line, col = lc.item(key)[0] + 1, lc.item(key)[1] + 1
                    node = node[key]
                elif isinstance(node, dict) and key in node:
                    if lc is not None:
                        line, col = lc.key(key)[0] + 1, lc.key(key)[1] + 1
                    node = node[key]
                else:
                    break
            except (KeyError, IndexError, TypeError, AttributeError):
                break
        return line, col

    def where(self, loc: Sequence[Any]) -> str:
        line, col = self.position(loc)
        return f"{self.path}:{line}:{col}"


MAX_NODES = 500_000  # aliases can make a small file expand without bound ("billion laughs")


class _TooLarge(Exception):
    pass


def _plain(node: Any, budget: list[int] | None = None) -> Any:
    """ruamel's CommentedMap/ScalarFloat/... to plain dict/list/str/float, within a node budget."""
    if budget is None:
        budget = [MAX_NODES]
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (int, float, bool)) else k: _plain(v, budget) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v, budget) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return str(node)  # dates and other YAML scalars become text


def _decode(path: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ValidationProblems(
            [f"{path}:{line}:{col}: file: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"]
        ) from None


def parse_yaml_text(path: str, raw: bytes) -> LocatedYaml:
    """Parse bytes as one YAML document; every failure is a located ValidationProblems."""
    if len(raw) > MAX_FILE_BYTES:
        raise ValidationProblems([f"{path}:1:1: file: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it"])
    text = _decode(path, raw)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ValidationProblems([f"{path}:{line}:1: file: contains a NUL character; this is not a text file"])
    if not text.strip():
        raise ValidationProblems([f"{path}:1:1: file: is empty"])
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "duplicate key" in str(exc).lower() or "found duplicate key" in (exc.problem or ""):
            problem = problem.replace("\n", " ")
        raise ValidationProblems([f"{path}:{line}:{col}: yaml: {problem}"]) from None
    except YAMLError as exc:
        raise ValidationProblems([f"{path}:1:1: yaml: {str(exc).splitlines()[0] if str(exc) else 'invalid YAML'}"]) from None
    except RecursionError:
        raise ValidationProblems([f"{path}:1:1: yaml: nested too deeply"]) from None
    if tree is None:
        raise ValidationProblems([f"{path}:1:1: file: holds no YAML content"])
    try:
        data = _plain(tree)
    except _TooLarge:
        raise ValidationProblems([f"{path}:1:1: yaml: expands to more than {MAX_NODES:,} values "
                                  "(aliases that repeat each other?); write the content out"]) from None
    except RecursionError:
        raise ValidationProblems([f"{path}:1:1: yaml: nested too deeply"]) from None
    return LocatedYaml(path=path, data=data, tree=tree, raw=raw)


def read_yaml_file(path: str | Path) -> LocatedYaml:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValidationProblems([f"{p}:1:1: file: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it"])
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ValidationProblems([f"{p}: file not found"]) from None
    except IsADirectoryError:
        raise ValidationProblems([f"{p}: is a folder, expected a YAML file"]) from None
    except PermissionError:
        raise ValidationProblems([f"{p}: cannot be read (permission denied)"]) from None
    return parse_yaml_text(str(p), raw)


def describe_pydantic_error(err: ErrorDetails) -> str:
    """A short human message for one pydantic error dict."""
    kind = err.get("type", "")
    msg = err.get("msg", "invalid value")
    if kind == "extra_forbidden":
        return "unknown field (check the spelling)"
    if kind == "missing":
        return "required field is missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return msg
