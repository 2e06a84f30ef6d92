"""Terminal rendering for the CLI: progress and the per-candidate summary table (rich)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assessment.analysis import catalogue
from assessment.analysis.decision_summary import conclusions
from assessment.analysis.evidence_model import stop_reason_words
from assessment.analysis.formatting import fmt_num, fmt_rate
from assessment.analysis.scorecard import Scorecard
from assessment.analysis.stats import Rate, rate
from assessment.textsafe import plain_markup as _plain
from assessment.textsafe import printable

if TYPE_CHECKING:
    from assessment.service.outputs import Outputs

L = catalogue.label  # column headers come from the metric catalogue


def print_error(message: str) -> None:
    print(f"error: {printable(message)}", file=sys.stderr)


def summary_table(scorecard: Scorecard) -> Any:
    table = Table(title=f"{_plain(scorecard.name)} — per candidate and domain (* n < 10: too few to decide; "
                        "grey flags: inconclusive)")
    for col in ("candidate", "domain", L("over_refusal_rate"), L("false_refusal_rate"), L("safety_rate"),
                L("attack_success_rate"), L("capability_score"), L("capability_tax_pct"), L("refusal_tax_pp"),
                L("errors"), "flags"):
        table.add_column(col)
    for r in scorecard.results:
        tax = r.tax
        cap = r.capability_score
        table.add_row(
            _plain(r.candidate) + (" (baseline)" if r.candidate == scorecard.baseline else ""), _plain(r.domain),
            fmt_rate(r.over_refusal_rate), fmt_rate(r.false_refusal_rate), fmt_rate(r.safety_rate),
            fmt_rate(r.attack_success_rate),
            "n/a" if cap.value is None else f"{cap.value:.2f} n={cap.n}",
            "—" if tax is None else (fmt_num(tax.capability_tax_pct, "%") if tax.capability_tax_pct is not None
                                     else "undefined"),
            "—" if tax is None else fmt_num(tax.refusal_tax_pp, "pp"),
            str(r.n_errors), _flags(r))
    return table


def _flags(r: Any) -> str:
    asserted = [f"[bold red]{escape(L(f))}[/]" for f in r.flags]
    open_ = [f"[dim]{escape(L(e.flag.value))}?[/]" for e in r.inconclusive_flags]
    return ", ".join(asserted + open_)


def verdict_lines(scorecard: Scorecard) -> list[str]:
    """The overall verdict, first place and (for a run until decided) the calls saved, as plain lines."""
    said = conclusions(scorecard)
    out = [] if said.verdict is None else [said.verdict]
    if said.first_place is not None:
        out.append(f"Ranking: {said.first_place}")
    seq = scorecard.sequential
    if seq is not None:
        out.append(f"Run until decided: {len(seq.rounds)} round(s), stopped because {stop_reason_words(seq.stop_reason)}; "
                   f"{seq.calls_planned} calls instead of {seq.calls_full_plan} for the full packs "
                   f"({seq.calls_saved} saved).")
    for r in scorecard.results:
        for e in r.inconclusive_flags:
            out.append(f"  inconclusive — {r.candidate} / {r.domain}: {e.text}")
    return out


def candidate_table(scorecard: Scorecard) -> Any:
    """One row per candidate, pooled over domains, for a quick read."""
    table = Table(title="Per candidate (all domains)")
    for col in ("candidate", "over-refusal", "false refusal", "safety", "attack success", "calls", "errors",
                "tokens out", "cost", "p50 latency"):
        table.add_column(col)
    for c in scorecard.candidates:
        rows = [r for r in scorecard.results if r.candidate == c.name]

        def pooled(attr: str, rows: list = rows) -> Rate:  # bind this candidate's rows
            rates = [getattr(r, attr) for r in rows]
            return rate(sum(x.successes for x in rates), sum(x.n for x in rates))

        table.add_row(_plain(c.name) + (" (baseline)" if c.is_baseline else ""), fmt_rate(pooled("over_refusal_rate")),
                      fmt_rate(pooled("false_refusal_rate")), fmt_rate(pooled("safety_rate")),
                      fmt_rate(pooled("attack_success_rate")), str(c.calls), str(c.errors),
                      "unknown" if c.output_tokens is None else str(c.output_tokens),
                      "unknown" if c.cost is None else f"{c.cost:.4f}",
                      "n/a" if c.latency_median_s is None else f"{c.latency_median_s:.2f}s")
    return table


def corrected_rates_table(summary: Any) -> Any:
    """The audit's corrected rates: observed (automatic verdicts) and corrected, with intervals."""
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


def print_outputs(outputs: Outputs) -> None:
    """The summary tables, the verdict lines and the files written."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=170)  # logs and pipes: wide enough that tables don't wrap
    console.print(summary_table(outputs.scorecard))
    console.print(candidate_table(outputs.scorecard))
    for line in verdict_lines(outputs.scorecard):
        console.print(escape(line), highlight=False)
    console.print("Wrote: " + ", ".join(_plain(p) for p in outputs.paths))
