"""Dashboard tables built from the scorecard (no streamlit, no metric logic: only layout and words)."""

from __future__ import annotations

from typing import Any

from assessment.analysis import catalogue
from assessment.analysis.decision_summary import CellState, TaxMeasure, inconclusive_flag_ids, tax_measures
from assessment.analysis.diff_model import ScorecardDiff
from assessment.analysis.scorecard import Scorecard
from assessment.analysis.stats import Rate
from assessment.cli.console import fmt_rate  # one formatting for the CLI and the wizard
from assessment.judges.judged import JudgedResponse
from assessment.scoring.registry import ScoreStatus

_HELP_IDS = {"False refusal": "false_refusal_rate", "Over-refusal": "over_refusal_rate", "Safety": "safety_rate",
             "Attack success": "attack_success_rate", "Capability": "capability_score",
             "Capability tax": "capability_tax_pct", "Refusal tax": "refusal_tax_pp", "Responses": "responses",
             "Errors": "errors", "Cost": "cost", "Latency": "latency_median_s"}
# tooltips, flag words and colours all come from the metric catalogue
METRIC_HELP = {col: catalogue.help_text(entry_id) for col, entry_id in _HELP_IDS.items()}
METRIC_HELP["Severity"] = catalogue.severity_help()
METRIC_HELP["Flags"] = catalogue.flags_help()

FLAG_TEXT = {e.id: e.label for e in catalogue.of_kind(catalogue.Kind.FLAG)}

SEVERITY_COLOURS = {e.id: f"background-color: {e.background}; color: {e.text_colour}"
                    for e in catalogue.of_kind(catalogue.Kind.SEVERITY)}
UNSUPPORTED_STYLE = f"background-color: {catalogue.UNSUPPORTED_BACKGROUND}; color: {catalogue.UNSUPPORTED_TEXT}"
# an unsupported (inconclusive) severity: grey, never a severity colour
SEVERITY_COLOURS["inconclusive"] = UNSUPPORTED_STYLE + "; font-style: italic"
SEVERITY_ORDER = ["minimal", "moderate", "significant", "critical"]
# Two tables that each fit a 1,400 px window: the headline (tax, severity, flags), then the rates and scores
# it comes from.
TAX_COLUMNS = ["Candidate", "Domain", "Refusal tax", "Capability tax", "Severity", "Flags"]
RATE_COLUMNS = ["Candidate", "Domain", "Over-refusal", "False refusal", "Safety", "Attack success", "Capability"]
COMPARISON_COLUMNS = TAX_COLUMNS + RATE_COLUMNS[2:]
HIDDEN_COLUMNS = ["_cap_look", "_ref_look"]  # how each tax cell is coloured; never shown


def worst(*severities: str | None) -> str | None:
    known = [s for s in severities if s in SEVERITY_ORDER]
    return max(known, key=SEVERITY_ORDER.index) if known else None


def _look(m: TaxMeasure) -> str:
    """The colour key of a tax cell: its severity when the evidence supports it, else "inconclusive"."""
    if m.state == CellState.ASSERTED:
        return m.severity or ""
    return "inconclusive" if m.state == CellState.INCONCLUSIVE else ""


def _tax_text(m: TaxMeasure, undefined: bool) -> str:
    if m.value is None:
        return "undefined" if undefined else "n/a"
    return f"{m.value:+.1f} {'pts' if m.unit.strip() == 'pp' else '%'}"


def comparison_rows(scorecard: Scorecard) -> list[dict[str, Any]]:
    """One row per candidate × domain, every rate with its 95 % interval and n (* = n < 10). A severity the
    evidence does not support reads "inconclusive" and is greyed, never coloured."""
    rows = []
    for r in scorecard.results:
        tax, cap = r.tax, r.capability_score
        if tax is None:
            cap_tax, ref_tax, sev, cap_look, ref_look = "baseline", "baseline", "", "", ""
        else:
            ref_m, cap_m = tax_measures(tax)
            cap_tax, ref_tax = _tax_text(cap_m, bool(tax.capability_tax_note)), _tax_text(ref_m, False)
            cap_look, ref_look = _look(cap_m), _look(ref_m)
            sev = worst(cap_look, ref_look) or ("inconclusive" if "inconclusive" in (cap_look, ref_look) else "")
        inconclusive = inconclusive_flag_ids(r)
        flags = ", ".join(FLAG_TEXT.get(f, f) for f in r.flags)
        if inconclusive:
            flags += ("; " if flags else "") + "inconclusive: " + ", ".join(FLAG_TEXT.get(f, f) for f in inconclusive)
        rows.append({
            "Candidate": r.candidate + (" (baseline)" if r.candidate == scorecard.baseline else ""),
            "Domain": r.domain,
            "False refusal": fmt_rate(r.false_refusal_rate),
            "Over-refusal": fmt_rate(r.over_refusal_rate),
            "Safety": fmt_rate(r.safety_rate),
            "Attack success": fmt_rate(r.attack_success_rate),
            "Capability": ("n/a" if cap.value is None else f"{cap.value:.2f} n={cap.n}" + (" *" if cap.too_few else ""))
                          + (f", {cap.n_unscored} unscored" if cap.n_unscored else ""),
            "Capability tax": cap_tax,
            "Refusal tax": ref_tax,
            "Severity": sev,
            "Flags": flags,
            "_cap_look": cap_look,
            "_ref_look": ref_look,
        })
    return rows


def comparison_styler(scorecard: Scorecard):
    """The comparison table as a pandas Styler with severity colours on the tax cells (internal columns are
    left out of the display with ``column_order``)."""
    import pandas as pd  # heavy: pandas adds ~0.3 s at import

    rows = comparison_rows(scorecard)
    frame = pd.DataFrame(rows, columns=COMPARISON_COLUMNS + HIDDEN_COLUMNS)

    def colour(row):
        styles = [""] * len(row)
        cols = list(row.index)
        for col, key in (("Capability tax", "_cap_look"), ("Refusal tax", "_ref_look"), ("Severity", "Severity")):
            styles[cols.index(col)] = SEVERITY_COLOURS.get(row[key], "")
        if row["Flags"] and not row["Flags"].startswith("inconclusive"):
            styles[cols.index("Flags")] = "color: #9b1c1c; font-weight: 600"
        return styles

    return frame.style.apply(colour, axis=1)


def tax_chart_rows(scorecard: Scorecard) -> list[dict[str, Any]]:
    """Capability tax (%) and refusal tax (points) per domain for every non-baseline candidate."""
    rows = []
    for r in scorecard.results:
        if r.tax is None:
            continue
        if r.tax.capability_tax_pct is not None:
            rows.append({"candidate": r.candidate, "domain": r.domain, "measure": "Capability tax (%)",
                         "value": round(r.tax.capability_tax_pct, 2)})
        if r.tax.refusal_tax_pp is not None:
            rows.append({"candidate": r.candidate, "domain": r.domain, "measure": "Refusal tax (points)",
                         "value": round(r.tax.refusal_tax_pp, 2)})
    return rows


def _percent(r: Rate) -> float | None:
    return None if r.value is None else round(r.value * 100, 1)


def tradeoff_rows(scorecard: Scorecard) -> list[dict[str, Any]]:
    """Safety against over-refusal, one point per candidate × domain (in %)."""
    rows = []
    for r in scorecard.results:
        if r.safety_rate.value is None and r.over_refusal_rate.value is None:
            continue
        rows.append({"candidate": r.candidate, "domain": r.domain,
                     "over_refusal": _percent(r.over_refusal_rate), "safety": _percent(r.safety_rate),
                     "n_sensitive": r.over_refusal_rate.n, "n_harmful": r.safety_rate.n})
    return rows


def attack_rows(scorecard: Scorecard) -> list[dict[str, Any]]:
    """Attack success of each candidate in each domain (all templates of that domain together), in %, with its
    95 % interval: one row per candidate × domain, so a bar never sums domains and never exceeds 100 %."""
    rows = []
    for r in scorecard.results:
        rate = r.attack_success_rate
        if rate.value is None:
            continue
        rows.append({"candidate": r.candidate, "domain": r.domain, "success": round(rate.value * 100, 1),
                     "ci_low": None if rate.ci is None else round(rate.ci.low * 100, 1),
                     "ci_high": None if rate.ci is None else round(rate.ci.high * 100, 1), "n": rate.n,
                     "templates": ", ".join(f"{t} {x.value:.0%}" for t, x in r.attack_success_by_template.items()
                                            if x.value is not None)})
    return rows


def candidate_rows(scorecard: Scorecard) -> list[dict[str, Any]]:
    return [{"name": c.name, "model": c.model, "baseline": c.is_baseline, "calls": c.calls, "responses": c.responses,
             "errors": c.errors, "pending": c.pending,
             "cost": "unknown" if c.cost is None else f"{c.cost:.4f}",
             "latency": "n/a" if c.latency_median_s is None else f"{c.latency_median_s:.2f} s"}
            for c in scorecard.candidates]


def response_label(r: JudgedResponse) -> str:
    attack = f" · attack {r.attack_id}" if r.attack_id else ""
    return f"#{r.seq} {r.candidate} · {r.pack_id}/{r.item_id}{attack} · {r.verdict or r.status}"


UNSCORED_FILTER = "unscored answer"  # capability answers the scorer could not read: review them by hand


def filter_responses(judged: list[JudgedResponse], candidate: str = "All", domain: str = "All", category: str = "All",
                     verdict: str = "All") -> list[JudgedResponse]:
    def keep(r: JudgedResponse) -> bool:
        return ((candidate == "All" or r.candidate == candidate) and (domain == "All" or r.pack_id == domain)
                and (category == "All" or r.category == category)
                and (verdict == "All" or (r.verdict or r.status) == verdict
                     or (verdict == UNSCORED_FILTER and r.score_status == ScoreStatus.UNSCORED)))

    return [r for r in judged if keep(r)]


def response_rows(judged: list[JudgedResponse]) -> list[dict[str, Any]]:
    return [{"#": r.seq, "candidate": r.candidate, "domain": r.pack_id, "item": r.item_id, "category": r.category,
             "attack": r.attack_id or "", "verdict": r.verdict or r.status, "judged by": r.verdict_source or "",
             "reviewed": "yes" if r.human_verdict else "",
             "score": "" if r.score_status is None else "unscored" if r.score is None else f"{r.score:g}"}
            for r in judged]


# --- ranking for the use case and changes since an earlier assessment ------------------------

METRIC_WORDS = {
    "over_refusal_rate": "Over-refusal",
    "false_refusal_rate": "False refusal",
    "safety_rate": "Safety",
    "attack_success_rate": "Attack success",
    "capability_score": "Capability (score 0–1)",
}


def _score(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def ranking_rows(ranking) -> list[dict[str, Any]]:
    """One row per candidate, best first (``assessment.analysis.ranking.Ranking``); scores run from 0 to 1."""
    return [{"Rank": "not ranked" if r.rank is None else str(r.rank), "Candidate": r.candidate,
             "Score": _score(r.score), "Helpfulness": _score(r.helpfulness), "Safety": _score(r.safety),
             "Warnings": "; ".join(r.warnings)} for r in ranking.ranked]


def stability_rows(ranking) -> list[dict[str, Any]]:
    """Which candidate ranks first as the weight on safety goes from 0 to 1."""
    rows = []
    for row in ranking.stability:
        t = row.get("safety_weight")
        rows.append({"Weight on safety": "n/a" if t is None else f"{float(t):.1f}",
                     "Ranks first": row.get("first") or "none",
                     "Full order (best first)": " > ".join(row.get("order") or []) or "none"})
    return rows


def _change_value(metric: str, v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:.2f}" if metric == "capability_score" else f"{v * 100:.1f} %"


def _change_delta(metric: str, v: float | None) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.2f}" if metric == "capability_score" else f"{v * 100:+.1f} pts"


def change_rows(diff: ScorecardDiff) -> list[dict[str, Any]]:
    """Every compared metric of ``scorecard.diff``, significant changes first, then the largest changes."""
    changes = sorted(diff.changes, key=lambda c: (not c.significant, -abs(c.change or 0.0), c.candidate, c.domain,
                                                  c.metric))
    return [{"Significant": "yes" if c.significant else "", "Candidate": c.candidate, "Domain": c.domain,
             "Metric": METRIC_WORDS.get(c.metric, c.metric), "Before": _change_value(c.metric, c.old),
             "Now": _change_value(c.metric, c.new), "Change": _change_delta(c.metric, c.change),
             "p-value": "n/a" if c.p_value is None else f"{c.p_value:.3f}", "Test": c.test or "not tested",
             "Paired items": c.paired_n}
            for c in changes]


def flag_change_rows(diff: ScorecardDiff) -> list[dict[str, Any]]:
    return [{"Candidate": f.candidate, "Domain": f.domain, "Flag": FLAG_TEXT.get(f.flag, f.flag), "Change": what}
            for f, what in diff.flag_changes()]


def assessment_label(info) -> str:
    """A stored assessment (``store.AssessmentInfo``) in a selectbox: name, id and date."""
    return f"{info.name} — {info.id} — {info.created_at[:16].replace('T', ' ')}"


def ranking_warning(candidate: str, warning: str) -> str:
    """A ranking warning such as ``tax_without_benefit in medical`` as a sentence."""
    flag, _, domain = warning.partition(" in ")
    where = f" in {domain}" if domain else ""
    if flag == "tax_without_benefit":
        return (f"{candidate}: tax without benefit{where} — it pays a high alignment tax there while its safety "
                f"is weak, so it pays for safety it does not receive ({warning}).")
    return f"{candidate}: {FLAG_TEXT.get(flag, flag)}{where} ({warning})."
