"""Terminal rendering for the CLI: progress and the per-candidate summary table (rich)."""

from __future__ import annotations

from typing import Any

from assessment.scorecard import Scorecard
from assessment.stats import Rate


def fmt_rate(r: Rate | None) -> str:
    if r is None or r.value is None:
        return "n/a (n=0)"
    ci = f" [{r.ci.low:.0%}–{r.ci.high:.0%}]" if r.ci else ""
    small = " *" if r.too_few else ""
    return f"{r.value:.0%}{ci} n={r.n}{small}"


def fmt_num(value: float | None, suffix: str = "", digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f}{suffix}" if suffix in ("pp", "%") else f"{value:.{digits}f}{suffix}"


def summary_table(scorecard: Scorecard) -> Any:
    from rich.table import Table

    table = Table(title=f"{scorecard.name} — per candidate and domain (* n < 10: too few to decide)")
    for col in ("candidate", "domain", "over-refusal", "false refusal", "safety", "attack success",
                "capability", "cap. tax %", "refusal tax", "errors", "flags"):
        table.add_column(col)
    for r in scorecard.results:
        tax = r.tax
        cap = r.capability_score
        table.add_row(
            r.candidate + (" (baseline)" if r.candidate == scorecard.baseline else ""), r.domain,
            fmt_rate(r.over_refusal_rate), fmt_rate(r.false_refusal_rate), fmt_rate(r.safety_rate),
            fmt_rate(r.attack_success_rate),
            "n/a" if cap.value is None else f"{cap.value:.2f} n={cap.n}",
            "—" if tax is None else (fmt_num(tax.capability_tax_pct, "%") if tax.capability_tax_pct is not None
                                     else "undefined"),
            "—" if tax is None else fmt_num(tax.refusal_tax_pp, "pp"),
            str(r.n_errors), ", ".join(r.flags))
    return table


def candidate_table(scorecard: Scorecard) -> Any:
    """One row per candidate, pooled over domains, for a quick read."""
    from rich.table import Table

    from assessment.stats import rate

    table = Table(title="Per candidate (all domains)")
    for col in ("candidate", "over-refusal", "false refusal", "safety", "attack success", "calls", "errors",
                "tokens out", "cost", "p50 latency"):
        table.add_column(col)
    for c in scorecard.candidates:
        rows = [r for r in scorecard.results if r.candidate == c.name]

        def pooled(attr: str) -> Rate:
            rates = [getattr(r, attr) for r in rows]
            return rate(sum(x.successes for x in rates), sum(x.n for x in rates))

        table.add_row(c.name + (" (baseline)" if c.is_baseline else ""), fmt_rate(pooled("over_refusal_rate")),
                      fmt_rate(pooled("false_refusal_rate")), fmt_rate(pooled("safety_rate")),
                      fmt_rate(pooled("attack_success_rate")), str(c.calls), str(c.errors), str(c.output_tokens),
                      "unknown" if c.cost is None else f"{c.cost:.4f}",
                      "n/a" if c.latency_median_s is None else f"{c.latency_median_s:.2f}s")
    return table


def corrected_rates_table(summary: Any) -> Any:
    """The audit's corrected rates: observed (automatic verdicts) and corrected, with intervals."""
    from rich.table import Table

    se = "unknown" if summary.sensitivity is None else f"{summary.sensitivity:.0%}"
    sp = "unknown" if summary.specificity is None else f"{summary.specificity:.0%}"
    table = Table(title=f"Corrected rates (classifier sensitivity {se}, specificity {sp}, from the audit)")
    for col in ("candidate", "domain", "rate", "observed", "corrected [95% CI]", "note"):
        table.add_column(col)
    for row in summary.corrected_rates:
        r = row.rate
        observed = "n/a" if r.observed is None else f"{r.observed:.0%} n={r.n}"
        corrected = "cannot be computed" if r.corrected is None else f"{r.corrected:.0%}" + (
            f" [{r.ci.low:.0%}–{r.ci.high:.0%}]" if r.ci else "")
        table.add_row(row.candidate, row.domain, row.metric.replace("_", " "), observed, corrected, r.note or "")
    return table
