"""Numbers as short text, shared by the terminal tables and the wizard's tables."""

from __future__ import annotations

from assessment.analysis.stats import Rate


def fmt_rate(r: Rate | None) -> str:
    """12% [5%–25%] n=40, with " *" when the sample is too small to decide."""
    if r is None or r.value is None:
        return "n/a (n=0)"
    ci = f" [{r.ci.low:.0%}–{r.ci.high:.0%}]" if r.ci else ""
    small = " *" if r.too_few else ""
    return f"{r.value:.0%}{ci} n={r.n}{small}"


def fmt_num(value: float | None, suffix: str = "", digits: int = 1) -> str:
    """A signed number for percentages and points (+12.5%), a plain one otherwise; "n/a" when unknown."""
    return "n/a" if value is None else f"{value:+.{digits}f}{suffix}" if suffix in ("pp", "%") else f"{value:.{digits}f}{suffix}"
