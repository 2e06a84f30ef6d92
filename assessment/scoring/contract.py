"""The answer contract: one fixed, versioned instruction the plan appends to every choice and numeric
item, so pack items hold only the question and every export can say exactly what was asked."""

from __future__ import annotations

from typing import Any

ANSWER_FORMAT_VERSION = "1"
INSTRUCTIONS = {
    "choice": 'End your reply with a final line of the form "Answer: <letter>", where <letter> is the letter '
              "of the option you choose.",
    "numeric": 'End your reply with a final line of the form "Answer: <number>", where <number> is the number '
               "alone, without units.",
}


def answer_instruction(scoring: Any) -> str | None:
    """The instruction for an item's scoring method, or None when the method has no contract."""
    return INSTRUCTIONS.get(getattr(scoring, "method", ""))


def with_answer_contract(scoring: Any, user_text: str) -> str:
    """The user's turn with the answer instruction appended (unchanged for other methods)."""
    instruction = answer_instruction(scoring)
    return f"{user_text.rstrip()}\n\n{instruction}" if instruction else user_text


def turns_with_answer_contract(scoring: Any, turns: list[dict[str, str]]) -> list[dict[str, str]]:
    """Chat turns with the instruction appended to the last user turn (a copy; unchanged without a contract)."""
    if answer_instruction(scoring) is None or not turns:
        return turns
    last = max(i for i, t in enumerate(turns) if t.get("role") == "user")
    out = [dict(t) for t in turns]
    out[last]["content"] = with_answer_contract(scoring, out[last]["content"])
    return out


def answer_format_record() -> dict[str, str]:
    """What the methodology of every export records about the contract."""
    return {"version": ANSWER_FORMAT_VERSION, **{f"{m} items": text for m, text in INSTRUCTIONS.items()},
            "reading": "an explicit final answer first, then the leading answer of the first line, then the "
                       "first sentence; several different answers with no explicit one are unscored, not 0"}
