"""The PDF's domain pages: per domain, every measure by candidate (value, 95% interval, n), over-refusal
by kind of request, attack success by template, and two or three telling example responses.

Only a few example responses are read from ``judged`` (one pass), so a large assessment renders as fast
as a small one. Harmful-item completions are redacted (``JudgedResponse.redacted``) unless ``include_harmful``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Spacer

from assessment.analysis.metrics import DomainResult, TaxResult
from assessment.analysis.scorecard import Scorecard
from assessment.analysis.stats import Interval, Rate
from assessment.config import ReferenceBaseline
from assessment.judges.judged import JudgedResponse
from assessment.judges.verdict import Verdict
from assessment.packs.model import Category
from assessment.reports.pdf_blocks import para, section_break, table
from assessment.reports.pdf_style import (
    FRAME_W,
    TOO_FEW_NOTE,
    flags_text,
    label,
    p_value,
    rate_full,
    score,
    severity_look,
    signed,
)
from assessment.reports.pdf_summary import rows_for
from assessment.run.call import CallStatus

CANDIDATES_PER_TABLE = 3  # more candidates than this: the per-domain tables continue below
REFUSED = (Verdict.REFUSAL, Verdict.PARTIAL_REFUSAL)


# --- domain pages ------------------------------------------------------------------------------

EXAMPLE_KINDS = [  # (kind, heading, the metric that picks the most telling candidate)
    ("refused_sensitive", "A legitimate sensitive request that was refused", lambda r: r.over_refusal_rate.value),
    ("complied_harmful", "A harmful request that was answered", lambda r: r.attack_success_rate.value
     if r.attack_success_rate.value is not None else 1 - (r.safety_rate.value or 1)),
    ("false_refusal", "An ordinary request that was refused", lambda r: r.false_refusal_rate.value),
    ("capability", "A capability task", lambda r: r.capability_score.value),
]


def _kind(r: JudgedResponse) -> str | None:
    if r.category == Category.SENSITIVE and r.attack_id is None and r.verdict in REFUSED:
        return "refused_sensitive"
    if r.category == Category.HARMFUL and r.verdict == Verdict.COMPLIANCE:
        return "complied_harmful"
    if r.category == Category.BENIGN and r.verdict in REFUSED:
        return "false_refusal"
    if r.category == Category.CAPABILITY and r.verdict is not None:
        return "capability"
    return None


def pick_examples(card: Scorecard, judged: list[JudgedResponse]) -> dict[str, list[tuple[str, JudgedResponse]]]:
    """Up to three telling responses per domain, in one pass over ``judged``."""
    domains = set(card.domains)
    first: dict[tuple[str, str, str], JudgedResponse] = {}
    for r in judged:
        if r.status == CallStatus.OK and r.pack_id in domains:
            kind = _kind(r)
            if kind is not None:
                first.setdefault((r.pack_id, kind, r.candidate), r)
    out: dict[str, list[tuple[str, JudgedResponse]]] = {}
    for dom in card.domains:
        picked: list[tuple[str, JudgedResponse]] = []
        for kind, heading, metric in EXAMPLE_KINDS:
            options = [(res, first[(dom, kind, res.candidate)]) for res in rows_for(card, dom)
                       if (dom, kind, res.candidate) in first]
            if options and len(picked) < 3:
                best = max(options, key=lambda o: -1.0 if metric(o[0]) is None else metric(o[0]))
                picked.append((heading, best[1]))
        out[dom] = picked
    return out


def _cap_cell(r: DomainResult) -> str:
    c = r.capability_score
    if c.value is None:
        text = f"n/a (n={c.n})"
    else:
        ci = f" ({score(c.ci.low)}–{score(c.ci.high)})" if c.ci else ""
        text = f"{score(c.value)}{'*' if c.too_few else ''}{ci}, n={c.n}"
    return text + (f"; {c.n_unscored} not scored" if c.n_unscored else "")


_UNPAIRED = "\nvs published reference: unpaired interval, no paired test"


def _cap_tax_cell(r: DomainResult, is_baseline: bool) -> str:
    t = r.tax
    if t is None:
        return "baseline" if is_baseline else "n/a"
    if t.capability_tax_pct is None:  # undefined: measured, but the baseline scored 0
        if not t.capability_tax_note:
            return "n/a"
        return ("undefined: " if t.capability_tax_abs is not None else "n/a: ") + t.capability_tax_note
    return _tax_text(t, t.capability_tax_pct, t.capability_tax_pct_ci, "%", t.capability_severity,
                     t.capability_severity_supported, "", t.capability_p_value, t.capability_n_paired)


def _tax_text(t: TaxResult, value: float, ci: Interval | None, unit: str, severity: str | None, supported: bool | None,
              test: str, p: float | None, n_paired: int | None) -> str:
    """A tax with its interval and severity words, then its test's p-value (and a note against a reference)."""
    text = signed(value, unit) + (f" ({signed(ci.low, '')} to {signed(ci.high, unit)})" if ci else "")
    text += f", {_severity_words(severity, supported)}"
    if p is not None:
        text += f"\n{test}{p_value(p)}, {n_paired} paired items"
    return text + _UNPAIRED if t.baseline_kind == "reference" else text


def _severity_words(severity: str | None, supported: bool | None) -> str:
    word, _ = severity_look(severity, supported)
    return f"{word} (in the {severity} range, not supported by the evidence)" if word != severity else word


def _ref_tax_cell(r: DomainResult, is_baseline: bool) -> str:
    t = r.tax
    if t is None:
        return "baseline" if is_baseline else "n/a"
    if t.refusal_tax_pp is None:
        return "n/a"
    return _tax_text(t, t.refusal_tax_pp, t.refusal_tax_pp_ci, " pp", t.refusal_severity, t.refusal_severity_supported,
                     "McNemar ", None if t.refusal_mcnemar is None else t.refusal_mcnemar.p_value, t.refusal_n_paired)


METRIC_ROWS: list[tuple[str, Callable[[DomainResult, bool], str]]] = [
    ("Over-refusal (legitimate sensitive requests refused)", lambda r, b: rate_full(r.over_refusal_rate)),
    ("False refusal (ordinary requests refused)", lambda r, b: rate_full(r.false_refusal_rate)),
    ("Safety (harmful requests refused)", lambda r, b: rate_full(r.safety_rate)),
    ("Attack success (jailbreak-wrapped harmful requests answered)", lambda r, b: rate_full(r.attack_success_rate)),
    ("Capability score (0–1)", lambda r, b: _cap_cell(r)),
    ("Capability tax (% of baseline score)", _cap_tax_cell),
    ("Refusal tax (percentage points)", _ref_tax_cell),
    ("Partial refusals", lambda r, b: ", ".join(f"{k} {v}" for k, v in r.partial_refusals.items()) or "none"),
    ("Calls, errors, not run", lambda r, b: f"{r.n_calls} calls, {r.n_errors} errors, {r.n_pending} not run"),
    ("Flags", lambda r, b: flags_text(r)),
]


def _tax_fill(r: DomainResult, name: str) -> Any:
    """The fill of a tax row: its severity colour only when the evidence supports it, else grey."""
    t = r.tax
    if t is None:
        return None
    if name.startswith("Capability tax"):
        return severity_look(t.capability_severity, t.capability_severity_supported)[1]
    if name.startswith("Refusal tax"):
        return severity_look(t.refusal_severity, t.refusal_severity_supported)[1]
    return None


def _for_role(get: Callable[[DomainResult, bool], str], baseline: set[str]) -> Callable[[DomainResult], str]:
    """A METRIC_ROWS getter for one table row: told whether the row's candidate is the baseline."""
    return lambda r: get(r, r.candidate in baseline)


def _rate_cell(rates: Callable[[DomainResult], dict[str, Rate]], key: str) -> Callable[[DomainResult], str]:
    """A cell getter for one key of a per-subtype or per-template rate breakdown ("n/a" when absent)."""
    def cell(r: DomainResult) -> str:
        by_key = rates(r)
        return rate_full(by_key[key]) if key in by_key else "n/a"
    return cell


def _chunks(items: list[Any], size: int = CANDIDATES_PER_TABLE) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def _per_candidate_tables(results: list[DomainResult], first_col: str, first_w: float,
                          rows: list[tuple[str, Callable[[DomainResult], str]]],
                          fill_of: Callable[[DomainResult, str], Any] | None = None) -> list[Flowable]:
    out: list[Flowable] = []
    for chunk in _chunks(results):
        if not chunk:
            continue
        w = (FRAME_W - first_w) / len(chunk)
        body, extra = [], []
        for i, (name, get) in enumerate(rows, start=1):
            body.append([name] + [get(r) for r in chunk])
            for j, r in enumerate(chunk, start=1):
                fill = fill_of(r, name) if fill_of else None
                if fill is not None:
                    extra.append(("BACKGROUND", (j, i), (j, i), fill))
        out += [table([first_col] + [label(r.candidate, 80) for r in chunk], body, [first_w] + [w] * len(chunk),
                      extra), Spacer(1, 6)]
    return out


def _example(heading: str, r: JudgedResponse, include_harmful: bool) -> list[Flowable]:
    """One example's flowables (kept together by the caller; a KeepTogether inside another one would be measured
    as endless and push the whole group to a new page)."""
    shown = r if include_harmful else r.redacted()
    kind = r.category + (f" / {r.subtype}" if r.subtype else "") + (f", attack: {r.attack_id}" if r.attack_id else "")
    verdict = (r.verdict or "n/a") + (f" (judged by {r.verdict_source})" if r.verdict_source else "")
    if r.score is not None:
        verdict += f", score {score(r.score)}"
    return [
        para(f"{heading} — {label(r.candidate, 80)}, item {label(r.item_id, 80)} ({kind})", "cell_bold", 400, 2),
        para(f"Verdict: {verdict}", "small", 400, 2),
        para("Prompt:", "small_bold"), para(r.prompt or "(empty)", "example", 600, 15),
        para("Response:", "small_bold"),
        para(shown.response if shown.response is not None else "(no text)", "example")]


def _reference_note(ref: ReferenceBaseline, domain: str) -> str:
    if domain not in ref.domains:
        return "The published reference gives no numbers for this domain, so no tax is computed here."
    return (f"Tax here is measured against published reference scores ({ref.source or 'source not given'}, "
            f"{ref.date or 'date not given'}): no items are shared, so intervals are unpaired and no paired "
            "test is shown.")


def domain_pages(card: Scorecard, examples: dict[str, list[tuple[str, JudgedResponse]]],
                 include_harmful: bool) -> list[Flowable]:
    baseline = {c.name for c in card.candidates if c.is_baseline}
    packs = {str(p.get("id")): p for p in card.methodology.packs}
    story: list[Flowable] = []
    for dom in card.domains:
        results = rows_for(card, dom)
        pack = packs.get(dom, {})
        opening = [para(f"Domain: {dom}", "h1", 200, 1),
                   para(f"Pack {dom}, version {pack.get('version', 'n/a')}. Each cell: value (95% interval), n = "
                        "number of judged responses behind it. Errors are left out of every rate and counted on "
                        "their own row.", "note")]
        if card.baseline_reference:
            opening.append(para(_reference_note(card.baseline_reference, dom), "note"))
        opening.append(para("Results by candidate", "h2"))
        tables = _per_candidate_tables(
            results, "Measure", 130,
            [(name, _for_role(get, baseline)) for name, get in METRIC_ROWS],
            _tax_fill)
        story += [KeepTogether(opening + tables[:2])] + tables[2:]  # the heading never ends a page alone
        subtypes = sorted({s for r in results for s in r.over_refusal_by_subtype})
        if subtypes:
            story += [para("Over-refusal by kind of sensitive request", "h2")]
            story += _per_candidate_tables(results, "Kind of request", 130, [
                (s, _rate_cell(lambda r: r.over_refusal_by_subtype, s)) for s in subtypes])
        templates = sorted({t for r in results for t in r.attack_success_by_template})
        if templates:
            story += [para("Attack success by attack template", "h2")]
            story += _per_candidate_tables(results, "Attack template", 130, [
                (t, _rate_cell(lambda r: r.attack_success_by_template, t)) for t in templates])
        story.append(para(TOO_FEW_NOTE, "note"))
        head = [para("Example responses", "h2")]
        if not include_harmful:
            head.append(para("Answers to harmful requests are redacted in this report (setting "
                             "include_harmful_completions is off).", "note"))
        shown = [_example(h, r, include_harmful) for h, r in examples.get(dom, [])] or [[
            para("No judged responses in this domain.")]]
        story += [KeepTogether(head + shown[0])] + [KeepTogether(parts) for parts in shown[1:]] + [section_break()]
    return story

