"""The PDF's audit section: how often a person agreed with the verdicts, and the corrected rates."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from assessment.analysis.scorecard import Scorecard
from assessment.audit.summary import METRIC_LABELS, corrected_text, error_rates_text, observed_text
from assessment.reports.pdf_blocks import para, table
from assessment.reports.pdf_style import FRAME_W


def audit_section(card: Scorecard) -> list[Flowable]:
    a = card.audit
    story: list[Flowable] = [para("Audit of the verdicts", "h2"), para(a.sentence().capitalize() + ".")]
    if not a.audited:
        story.append(para("No person has reviewed a random sample of this assessment's verdicts, so the rates are "
                          "not corrected for the classifier's errors. Run `python -m assessment audit` or use the "
                          "audit panel in the wizard's review step.", "note"))
        return story
    who = ", ".join(a.reviewers) or "not recorded"
    story += [para(error_rates_text(a)), para(f"Reviewers: {who}. Low-confidence verdicts also reviewed (not used "
                                              f"for the correction): {a.low_confidence_reviewed}.", "note"),
              para(a.method, "note"), Spacer(1, 3)]
    rows = [[r.candidate, r.domain, METRIC_LABELS.get(r.metric, r.metric), observed_text(r.rate),
             corrected_text(r.rate), r.rate.note or ""] for r in a.corrected_rates]
    story.append(table(["Candidate", "Domain", "Rate", "Observed (automatic)", "Corrected [95% CI]", "Note"], rows,
                       [80, 60, 60, 70, 80, FRAME_W - 350]))
    return story
