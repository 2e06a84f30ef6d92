"""scorecard.pdf: the scorecard for people — buyers, compliance officers, non-technical stakeholders.

Order, decision first: a one-page decision summary for a steering committee (``pdf_decision``: the
decision or the leading candidate and how sure we are, the overall verdict, the tax heatmap, safety,
attack success, cost and latency, the decision record), the executive summary (plain sentences built
from the numbers), ranking for the use case, changes since the previous assessment (when compared),
the comparison table with severity colours, charts (``pdf_charts``), one section per domain (rates
with n and 95% intervals, subtypes, attack templates, two or three example responses), then at the
back the methodology (with what was assessed, when and by whom, and the classifier's accuracy),
the decision record and sign-off. Every page is numbered. A section starts on a new page only when
less than a third of the current one is left, so no page is left nearly blank.

The pages are built in ``pdf_decision``, ``pdf_summary`` (summary, comparison, charts), ``pdf_ranking``,
``pdf_changes``, ``pdf_domains`` and ``pdf_method`` (methodology, decision), from the blocks in
``pdf_blocks`` and the fonts, escaping and number formats in ``pdf_style``; this module assembles them.

Safety of the output: every piece of untrusted text (model output, prompts, names, pack text, user
input) goes through ``pdf_style.markup()`` before it reaches a ``Paragraph`` — control characters are
replaced, long text is cut, ``<`` and ``&`` are escaped. Harmful-item completions are redacted
(``JudgedResponse.redacted``) unless ``include_harmful``. Numbers are printed only from the scorecard;
``None`` prints as "n/a", never as 0. Only a few example responses are read from ``judged`` (one pass),
so a large assessment renders as fast as a small one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate

from assessment.analysis.scorecard import Scorecard
from assessment.judges.judged import JudgedResponse
from assessment.reports import pdf_charts
from assessment.reports.pdf_blocks import section_break
from assessment.reports.pdf_changes import changes_section
from assessment.reports.pdf_decision import decision_page
from assessment.reports.pdf_domains import domain_pages, pick_examples
from assessment.reports.pdf_method import decision, methodology
from assessment.reports.pdf_ranking import ranking_section, stability_sentence
from assessment.reports.pdf_records import audit_log_section
from assessment.reports.pdf_style import (
    MARGIN,
    clean,
    fonts,
    label,
    markup,
    meta_text,
    pct,
    rate_full,
    rate_sentence,
    rate_value,
    score,
    signed,
    styles,
)
from assessment.reports.pdf_summary import (
    charts_section,
    comparison,
    flag_sentences,
    over_refusal_sentences,
    summary,
    summary_sentences,
)

__all__ = ["write_pdf", "clean", "fonts", "label", "markup", "pct", "rate_full", "rate_sentence", "rate_value",
           "score", "signed", "styles", "over_refusal_sentences", "flag_sentences", "summary_sentences",
           "pick_examples", "stability_sentence"]


def write_pdf(scorecard: Scorecard, judged: list[JudgedResponse], path: str | Path,
              include_harmful: bool = False) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    card = scorecard
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 6 * mm, title=meta_text(card.name),
                            author=meta_text(card.evaluator), subject="Alignment tax assessment scorecard",
                            creator="Alignment Tax Assessment")
    pad = 6  # the frame's inner padding on every side
    story: list[Flowable] = []
    story += decision_page(card, doc.width - 2 * pad, doc.height - 2 * pad)
    story += summary(card)
    story += ranking_section(card)
    story += changes_section(card)
    story += comparison(card) + [section_break()]
    story += charts_section(card, pdf_charts)
    story += domain_pages(card, pick_examples(card, judged), include_harmful)
    story += methodology(card)
    story += audit_log_section(card)
    story += decision(card)
    footer = _footer(card)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out


def _footer(card: Scorecard) -> Callable[[Any, Any], None]:
    name, f = label(card.name, 90), fonts()

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(f.regular, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(MARGIN, 10 * mm, name)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()
    return draw
