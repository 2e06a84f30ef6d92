"""The PDF's pages after the decision summary: the executive summary (plain sentences built from the numbers),
the one-page comparison table with severity colours, and the charts section (``pdf_charts``).
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Spacer

from assessment.analysis.decision_summary import conclusions
from assessment.analysis.metrics import DomainResult
from assessment.analysis.scorecard import Scorecard
from assessment.reports.pdf_blocks import bullet, join_words, para, section_break, table
from assessment.reports.pdf_style import (
    FLAG_ORDER,
    FRAME_W,
    INCONCLUSIVE_WORD,
    SEVERITY_COLOURS,
    TOO_FEW_NOTE,
    UNSUPPORTED_COLOUR,
    flags_text,
    label,
    p_value,
    pct,
    rate_sentence,
    rate_value,
    score,
    severity_legend,
    severity_look,
    signed,
)

# --- executive summary -------------------------------------------------------------------------

def rows_for(card: Scorecard, domain: str) -> list[DomainResult]:
    return [r for r in card.results if r.domain == domain]


def over_refusal_sentences(card: Scorecard) -> list[str]:
    """Per domain: the most and the least over-refusing candidate, in words."""
    out = []
    for dom in card.domains:
        d = label(dom, 40)
        rows = [r for r in rows_for(card, dom) if r.over_refusal_rate.value is not None]
        if not rows:
            out.append(f"In the {d} domain, no legitimate sensitive request was answered, so over-refusal could not "
                       "be measured.")
            continue
        hi = max(rows, key=lambda r: r.over_refusal_rate.value)  # type: ignore[arg-type,return-value]
        lo = min(rows, key=lambda r: r.over_refusal_rate.value)  # type: ignore[arg-type,return-value]
        if len(rows) == 1:
            out.append(f"In the {d} domain, {label(hi.candidate)} refused {rate_sentence(hi.over_refusal_rate)} of "
                       f"legitimate but sensitive {d} requests; no other candidate could be measured.")
            continue
        if hi.over_refusal_rate.value == lo.over_refusal_rate.value:
            out.append(f"In the {d} domain, every candidate refused {pct(hi.over_refusal_rate.value)} of legitimate "
                       f"but sensitive {d} requests.")
            continue
        text = (f"In the {d} domain, {label(hi.candidate)} refused {rate_sentence(hi.over_refusal_rate)} of "
                f"legitimate but sensitive {d} requests, against {rate_sentence(lo.over_refusal_rate)} for "
                f"{label(lo.candidate)}")
        pair_with_baseline = {hi.candidate, lo.candidate}
        test = next((r.tax.refusal_mcnemar for r in (hi, lo) if r.tax and r.tax.refusal_mcnemar
                     and r.tax.baseline_kind == "candidate" and pair_with_baseline == {r.candidate, card.baseline}),
                    None)
        if test is not None and test.p_value is not None:
            text += ("; the difference is statistically significant" if test.p_value < 0.05 else
                     "; the difference is not statistically significant and may be chance")
            text += f" (paired test, {p_value(test.p_value)})"
        out.append(text + ".")
    return out


def _tax_parts(r: DomainResult, high_only: bool) -> list[str]:
    t = r.tax
    parts: list[str] = []
    if t is None:
        return parts
    if t.refusal_tax_pp is not None and (not high_only or t.refusal_tax_pp > 10):
        parts.append(f"refusal tax {signed(t.refusal_tax_pp, ' pp')}, {t.refusal_severity or 'n/a'}")
    if t.capability_tax_pct is not None and (not high_only or t.capability_tax_pct > 10):
        parts.append(f"capability tax {signed(t.capability_tax_pct, '%')}, {t.capability_severity or 'n/a'}")
    return parts


def _flag_detail(flag: str, r: DomainResult) -> str:
    if flag == "tax_without_benefit":
        parts = _tax_parts(r, True) + [f"safety {rate_value(r.safety_rate)}",
                                       f"attack success {rate_value(r.attack_success_rate)}"]
    elif flag == "high_tax":
        parts = _tax_parts(r, True)
    elif flag == "over_aligned":
        parts = [f"over-refusal {rate_value(r.over_refusal_rate)}"]
    else:
        parts = [f"safety {rate_value(r.safety_rate)}"]
    return f"{label(r.domain, 40)} ({'; '.join(parts)})" if parts else label(r.domain, 40)


FLAG_SENTENCES = {
    "tax_without_benefit": "Tax without benefit: {cand} pays a high alignment tax while its safety is weak in {where} "
                           "— it pays for safety it does not receive.",
    "high_tax": "High tax: {cand} pays a high alignment tax in {where}.",
    "over_aligned": "Over-aligned: {cand} refuses legitimate sensitive requests far more often than the other "
                    "candidates in {where}.",
    "under_aligned": "Under-aligned: {cand} refuses harmful requests far less often than the other candidates in "
                     "{where}.",
}


def flag_sentences(card: Scorecard) -> list[str]:
    """tax_without_benefit first, then high_tax (where not already said), over_aligned, under_aligned."""
    out = []
    for flag in FLAG_ORDER:
        for c in card.candidates:
            rows = [r for r in card.results if r.candidate == c.name and flag in r.flags
                    and not (flag == "high_tax" and "tax_without_benefit" in r.flags)]
            if rows:
                out.append(FLAG_SENTENCES[flag].format(cand=label(c.name), where=join_words(
                    [_flag_detail(flag, r) for r in rows])))
    return out


def summary_sentences(card: Scorecard) -> list[str]:
    names = [label(c.name) for c in card.candidates]
    domains = [label(d, 40) for d in card.domains] or ["none"]
    out = [f"This assessment compares {len(names)} candidate{'s' if len(names) != 1 else ''} "
           f"({join_words(names)}) in "
           f"{len(card.domains)} domain{'s' if len(card.domains) != 1 else ''} ({join_words(domains)}). "
           + _baseline_sentence(card)]
    errors, pending = sum(c.errors for c in card.candidates), sum(c.pending for c in card.candidates)
    if errors:
        out.append(f"{errors} call{'s' if errors != 1 else ''} ended in an error; errors are counted on the domain "
                   "pages and are never counted as a refusal or an answer.")
    if pending:
        out.append(f"{pending} call{'s' if pending != 1 else ''} had not run when this report was made.")
    return out


def _baseline_sentence(card: Scorecard) -> str:
    ref = card.baseline_reference
    if ref:
        source, date = label(ref.source or "source not given", 120), label(ref.date or "n/a", 40)
        return (f"Tax is measured against published reference scores ({source}, {date}), not against a model run "
                "on the same items: intervals are unpaired and no paired test is shown.")
    if card.baseline:
        return f"Tax is measured against the baseline {label(card.baseline)}."
    return "No baseline was set, so no tax is computed."


def _ranking_sentence(card: Scorecard) -> str | None:
    rk = card.ranking
    if rk is None or not rk.ranked:
        return None
    order = [f"{r.rank}. {label(r.candidate)} ({score(r.score)})" for r in rk.ranked if r.rank is not None]
    if not order:
        return None
    text = (f"Overall, with the configured weights (weight on safety {rk.settings.safety_weight:g}), the order is "
            f"{', '.join(order)}.")
    robust = getattr(rk, "robust", None)
    if robust is False:
        text += " This order changes with the weight given to safety, so the choice is a judgement call."
    elif robust:
        text += " The first place holds for every weight given to safety."
    return text


def verdict_sentences(card: Scorecard) -> list[str]:
    """The overall verdict and whether first place is separated (plain text; names made safe)."""
    said = conclusions(card)
    return [label(t, 700) for t in (said.verdict, said.first_place) if t is not None]


def summary(card: Scorecard) -> list[Flowable]:
    story: list[Flowable] = [para("Executive summary", "h1")]
    story += [para(t, "cell_bold" if i == 0 else "body", limit=3000) for i, t in enumerate(verdict_sentences(card))]
    story += [para(t, limit=3000) for t in summary_sentences(card)]
    story.append(para(f"Verdict audit: {card.audit.sentence()}.", "note"))
    story.append(para("Over-refusal of legitimate requests", "h2"))
    story += [bullet(t) for t in over_refusal_sentences(card)]
    story.append(para("Flags", "h2"))
    flags = flag_sentences(card)
    story += [bullet(t) for t in flags] or [
        para("No flags were raised: no candidate shows a high tax, a tax without benefit, or over- or under-alignment "
             "far from the other candidates.")]
    ranking = _ranking_sentence(card)
    if ranking:
        story += [para("Ranking", "h2"), para(ranking, limit=3000),
                  para("The weights, the formula and how the order changes with the trade-off are in "
                       "\"Ranking for your use case\".", "note")]
    return story + [section_break()]


def _tax_cell(r: DomainResult, kind: str, is_baseline: bool) -> tuple[str, Any]:
    """(text, fill) for the capability or refusal tax of one result; an unsupported severity is grey."""
    t = r.tax
    if t is None:
        return ("baseline" if is_baseline else "n/a"), None
    if kind == "capability":
        if t.capability_tax_pct is None:  # undefined: a tax was measured but the baseline scored 0
            return ("undefined" if t.capability_tax_note and t.capability_tax_abs is not None else "n/a"), None
        word, fill = severity_look(t.capability_severity, t.capability_severity_supported)
        return f"{signed(t.capability_tax_pct, '%')}\n{word}", fill
    if t.refusal_tax_pp is None:
        return "n/a", None
    word, fill = severity_look(t.refusal_severity, t.refusal_severity_supported)
    return f"{signed(t.refusal_tax_pp, ' pp')}\n{word}", fill


def comparison(card: Scorecard) -> list[Flowable]:
    header = ["Domain", "Candidate", "Over-refusal", "False refusal", "Safety", "Attack success", "Capability",
              "Capability tax", "Refusal tax", "Flags"]
    widths = [46, 64, 59, 40, 36, 40, 49, 50, 48, FRAME_W - 432]
    baseline = {c.name for c in card.candidates if c.is_baseline}
    rows: list[list[str]] = []
    extra: list[tuple[Any, ...]] = []
    for dom in card.domains:
        for r in rows_for(card, dom):
            cap = r.capability_score
            cap_text = "n/a" if cap.value is None else score(cap.value) + ("*" if cap.too_few else "")
            ctax, cfill = _tax_cell(r, "capability", r.candidate in baseline)
            rtax, rfill = _tax_cell(r, "refusal", r.candidate in baseline)
            row_i = len(rows) + 1
            for col, fill in ((7, cfill), (8, rfill)):
                if fill is not None:
                    extra.append(("BACKGROUND", (col, row_i), (col, row_i), fill))
            rows.append([label(dom, 40), label(r.candidate, 80), rate_value(r.over_refusal_rate),
                         rate_value(r.false_refusal_rate), rate_value(r.safety_rate),
                         rate_value(r.attack_success_rate), cap_text, ctax, rtax, flags_text(r)])
    keys = severity_legend()
    legend = table(None, [[f"{name} {rule}" for name, rule in keys] + [f"{INCONCLUSIVE_WORD}: not supported"]],
                   [FRAME_W / (len(keys) + 1)] * (len(keys) + 1),
                   [("BACKGROUND", (i, 0), (i, 0), SEVERITY_COLOURS[n]) for i, (n, _) in enumerate(keys)]
                   + [("BACKGROUND", (len(keys), 0), (len(keys), 0), UNSUPPORTED_COLOUR)])
    return [para("Comparison at a glance", "h1"),
            para("Rates are the share of requests; capability is a score from 0 to 1; capability tax is the loss "
                 "against the baseline in % of its score; refusal tax is the extra over-refusal against the baseline "
                 "in percentage points (pp). Intervals and n are on the domain pages.", "note"),
            table(header, rows, widths, extra), Spacer(1, 4),
            para("Colour of a tax (% or pp) by severity, only where the evidence supports it (grey: inconclusive, "
                 "the point estimate is shown):", "small"), legend, Spacer(1, 3),
            para(TOO_FEW_NOTE, "note"),
            para("n/a: not measured (no items of that kind, or no baseline). undefined: the baseline scored 0, so a "
                 "percentage tax cannot be computed.", "note")]


# --- charts ------------------------------------------------------------------------------------

def charts_section(card: Scorecard, charts: Any) -> list[Flowable]:
    tax = charts.tax_charts(card, FRAME_W)
    if card.baseline is not None:
        tax.append(para("Bars: candidates other than the baseline, per domain. Whiskers: 95% interval where one is "
                        "available. Above zero means a cost against the baseline.", "note"))
    return [KeepTogether([para("Charts", "h1")] + tax),  # one group: a heading before a group would push both on
            KeepTogether([charts.tradeoff_chart(card, FRAME_W),
                          para("Points in the shaded corner refuse many legitimate requests and still let harmful "
                               "ones through: the tax is paid but the safety is not received.", "note")]),
            KeepTogether([charts.attack_chart(card, FRAME_W),
                          para("For each attack template: answered jailbreak-wrapped harmful requests / all such "
                               "requests, summed over the domains.", "note")]),
            section_break()]

