"""The comparison with an earlier assessment as data: what ``Scorecard.diff`` holds and every export renders.

Kept apart from ``diff.py`` (which computes it from two scorecards) so the scorecard can hold it
without importing the computation.
"""

from __future__ import annotations

from pydantic import BaseModel


class MetricChange(BaseModel):
    candidate: str
    domain: str
    metric: str
    old: float | None
    new: float | None
    change: float | None
    p_value: float | None
    test: str | None
    paired_n: int = 0
    significant: bool = False


class FlagChange(BaseModel):
    """A flag that appeared or was resolved for one candidate in one domain."""

    candidate: str
    domain: str
    flag: str


class ScorecardDiff(BaseModel):
    old_assessment: str
    new_assessment: str
    changes: list[MetricChange]
    new_flags: list[FlagChange]
    resolved_flags: list[FlagChange]
    summary: list[str]
    old_label: str = ""  # the assessments in words: name and date (absent from comparisons stored before 1.1)
    new_label: str = ""
    setup_differences: list[str] = []  # why a change may come from the setup rather than the vendor

    def compared_pairs(self) -> set[tuple[str, str]]:
        return {(c.candidate, c.domain) for c in self.changes}

    def tested(self) -> list[MetricChange]:
        return [c for c in self.changes if c.p_value is not None]

    def significant(self) -> list[MetricChange]:
        return [c for c in self.changes if c.significant]

    def flag_changes(self) -> list[tuple[FlagChange, str]]:
        """Every flag change with "appeared" or "resolved", appeared first."""
        return [(f, "appeared") for f in self.new_flags] + [(f, "resolved") for f in self.resolved_flags]
