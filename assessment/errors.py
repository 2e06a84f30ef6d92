"""Errors meant for users: each says what is wrong and where, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or an unusable setting; the message is shown to the user as is."""


class ValidationProblems(UserError):
    """One or more located problems in a file (``FILE:LINE:COL: where: message``)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))
