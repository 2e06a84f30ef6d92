"""Where the tool keeps caches on disk (never secrets)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    env = os.environ.get("ASSESSMENT_CACHE")
    path = Path(env) if env else Path.home() / ".cache" / "alignment-tax"
    path.mkdir(parents=True, exist_ok=True)
    return path
