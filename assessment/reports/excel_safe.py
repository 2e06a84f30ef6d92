"""Write untrusted text into spreadsheet cells so it can never become a formula."""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# Characters XML 1.0 cannot hold; openpyxl raises on them, so they are shown as escapes.
_ILLEGAL = {c: f"\\x{c:02x}" for c in list(range(0, 9)) + [11, 12] + list(range(14, 32))}
MAX_CELL_CHARS = 32_767  # Excel's limit; longer text is cut with a note


def clean_text(value: str) -> str:
    text = value.translate(_ILLEGAL)
    if len(text) > MAX_CELL_CHARS:
        note = " …[truncated for Excel; full text in responses.jsonl]"
        text = text[: MAX_CELL_CHARS - len(note)] + note
    return text


def write_cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """Set a cell; strings that look like formulas stay literal text (quote-prefixed string cells)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        text = clean_text(value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell
