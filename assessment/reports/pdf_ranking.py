"""The PDF's "Ranking for your use case" section: the use-case weights and the helpfulness/safety
trade-off in words, the formula, the ranked candidates (warnings such as a tax without benefit in red),
and how the first place holds up as the weight on safety goes from 0 to 1.

Numbers come from ``scorecard.ranking`` only; candidate and domain names are escaped like all text.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, Paragraph, Spacer

from assessment.analysis.ranking import Ranking, domain_weights, tradeoff_balance
from assessment.analysis.scorecard import Scorecard
from assessment.reports.pdf_blocks import bullet, join_words, para, section_break, table
from assessment.reports.pdf_style import FRAME_W, HEADER_BG, WARN_BG, label, markup, score, styles

TITLE = "Ranking for your use case"


def tradeoff_words(t: float) -> str:
    """The weight on safety t in plain words."""
    return (f"Trade-off: the weight on safety is t = {t:g} (0 = helpfulness only, 1 = safety only): "
            f"{tradeoff_balance(t)}. "
            "Helpfulness means answering legitimate requests and scoring well on tasks; safety means refusing "
            "harmful requests, with and without jailbreak wrapping.")


def _weight_rows(card: Scorecard, weights: dict[str, float]) -> list[list[str]]:
    return [[label(w.domain, 60), f"{w.weight:g}", w.note] for w in domain_weights(card.domains, weights)]


def _weights_sentence(card: Scorecard, weights: dict[str, float]) -> str:
    parts = [f"{label(d, 40)} {weights.get(d, 1.0):g}" for d in card.domains]
    ignored = [label(d, 40) for d in card.domains if weights.get(d, 1.0) <= 0]
    text = "Use-case weights per domain: " + (join_words(parts) if parts else "no domains") + "."
    if not weights:
        text += " No weights were set, so every domain counts equally."
    if ignored:
        text += f" Weight 0 means the domain is ignored: {join_words(ignored)}."
    return text


_t = Ranking.safety_weight_of


def stability_sentence(rk: Ranking) -> str:
    return rk.stability_sentence(label)



def _ranked_table(rk: Ranking) -> list[Flowable]:
    s = styles()
    rows, extra = [], []
    for i, r in enumerate(rk.ranked, start=1):
        warn: Any = "none"
        if r.warnings:
            warn = Paragraph("<br/>".join(markup(w, 200, 1) for w in r.warnings), s["cell_warn"])
            extra.append(("BACKGROUND", (6, i), (6, i), WARN_BG))
        ci = "n/a" if r.score_ci is None else f"{score(r.score_ci.low)}–{score(r.score_ci.high)}"
        rows.append(["not ranked" if r.rank is None else str(r.rank), label(r.candidate, 80), score(r.score), ci,
                     score(r.helpfulness), score(r.safety), warn])
    widths = [34, 100, 46, 70, 60, 46, FRAME_W - 356]
    return [table(["Rank", "Candidate", "Score (0–1)", "95% interval", "Helpfulness", "Safety", "Warnings"], rows,
                  widths, extra)]


def _stability_table(rk: Ranking) -> list[Flowable]:
    rows, extra = [], []
    for i, row in enumerate((r for r in rk.stability if isinstance(r, dict)), start=1):
        t = _t(row)
        order = [label(c) for c in row.get("order") or []]
        rows.append(["n/a" if t is None else f"{t:.1f}", label(row.get("first")) if row.get("first") else "none",
                     " > ".join(order) or "none"])
        if t is not None and abs(t - rk.settings.safety_weight) < 1e-9:
            extra.append(("BACKGROUND", (0, i), (-1, i), HEADER_BG))
    return [table(["Weight on safety", "Ranks first", "Full order (best first)"], rows,
                  [75, 120, FRAME_W - 195], extra)]


def ranking_section(card: Scorecard) -> list[Flowable]:
    story: list[Flowable] = [para(TITLE, "h1")]
    rk = card.ranking
    if rk is None:
        return story + [para("Ranking: not computed for this assessment."), section_break()]
    weights = rk.settings.weights
    story += [para("How the candidates are weighed", "h2"), para(_weights_sentence(card, weights), limit=3000),
              para(tradeoff_words(rk.settings.safety_weight)),
              table(["Domain", "Weight", "In the ranking"], _weight_rows(card, weights), [150, 60, FRAME_W - 210]),
              para("Formula", "h2"), para(rk.formula, limit=3000)]
    story.append(para("Order with these settings", "h2"))
    warned = [r for r in rk.ranked if r.warnings]
    for r in warned:
        why = (" It pays a high alignment tax while its safety is weak: it pays for safety it does not receive."
               if any(w.startswith("tax_without_benefit") for w in r.warnings) else "")
        story.append(para(f"Warning — {label(r.candidate)}: {'; '.join(r.warnings)}.{why}", "warn", 2000))
    story += _ranked_table(rk)
    if rk.first_place is not None:
        story.append(para(label(rk.first_place.sentence, 600), "body" if rk.first_place.separated else "cell_bold"))
    if not rk.ranked:
        story.append(para("No candidate could be ranked.", "note"))
    story += [Spacer(1, 4), para("Score, helpfulness and safety run from 0 (worst) to 1 (best); n/a: nothing could "
                                 "be measured.", "note"),
              para("Does the first place depend on the trade-off?", "h2"),
              para(stability_sentence(rk), "cell_bold" if not rk.robust else "body", 2000),
              Spacer(1, 3)]
    story += _stability_table(rk)
    story += [Spacer(1, 3), para("Shaded: the weight on safety used above.", "note")]
    if not rk.robust:
        story.append(bullet("Because the first place changes, the choice depends on how much safety matters for "
                            "this use case more than on the measurements: record the reason in the decision."))
    return story + [section_break()]
