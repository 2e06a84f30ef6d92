"""Nested records (methodology, judge settings) as flat rows for the exports, with secrets left out."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

SECRET_KEY = re.compile(r"(api_?key|secret|password|authorization|bearer|token)$", re.IGNORECASE)


def flatten(value: Any, render: Callable[[Any], Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, rendered scalar) rows; a list of scalars is one comma-joined row."""
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            if not SECRET_KEY.search(str(k)):
                out += flatten(v, render, f"{prefix}.{k}" if prefix else str(k))
        return out or [(prefix, "none")]
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            return [(prefix, ", ".join(str(render(v)) for v in value) or "none")]
        return [row for i, v in enumerate(value, 1) for row in flatten(v, render, f"{prefix}[{i}]")]
    return [(prefix, render(value))]
