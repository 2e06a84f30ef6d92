"""Answers that could not be written to the store (disk full, read-only, I/O error) go to a side file.

A paid answer is never dropped: it is appended as one JSON line to ``<store>.unsaved.jsonl``
(or, if that folder cannot be written either, to a file of the same name in the system temp
folder), and the next run or resume moves it into the store before sending anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def _candidates(store_path: Path) -> list[Path]:
    digest = hashlib.sha256(str(store_path.resolve()).encode()).hexdigest()[:16]
    return [Path(f"{store_path}.unsaved.jsonl"), Path(tempfile.gettempdir()) / f"ata-unsaved-{digest}.jsonl"]


def spill_answer(store_path: Path, record: dict[str, Any]) -> Path | None:
    """Append one answer; the path written, or None when no place could take it."""
    line = (json.dumps(record, ensure_ascii=True) + "\n").encode()
    for path in _candidates(store_path):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            return path
        except OSError:
            continue
    return None


def recover_spilled(store: Any) -> int:
    """Move spilled answers into the store (the store must be writable now); the number moved."""
    moved = 0
    for path in _candidates(store.path):
        if not path.exists():
            continue
        records = []
        for line in path.read_text(encoding="ascii", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line cut by the full disk: its call is simply sent again
        for rec in records:
            store.save_response(**rec)
        moved += len(records)
        path.unlink()
    return moved
