"""The PDF's "Changes since the previous assessment" section, shown only when the scorecard carries a
comparison (``scorecard.diff``, from ``assessment.analysis.diff``): how many metrics were compared, the summary
sentences, the significant changes as a table, and the flags that appeared or disappeared.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from assessment.analysis.diff_model import ScorecardDiff
from assessment.analysis.scorecard import Scorecard
from assessment.reports.pdf_blocks import bullet, para, section_break, table
from assessment.reports.pdf_style import FLAG_WORDS, FRAME_W, label, p_value, pct, score, signed

TITLE = "Changes since the previous assessment"
METRIC_WORDS = {"over_refusal_rate": "Over-refusal", "false_refusal_rate": "False refusal",
                "safety_rate": "Safety", "attack_success_rate": "Attack success",
                "capability_score": "Capability score"}


def _value(metric: str, x: float | None) -> str:
    return score(x) if metric == "capability_score" else pct(x)


def _change(metric: str, x: float | None) -> str:
    if metric == "capability_score":
        return signed(x, "", 2)
    return signed(None if x is None else x * 100, " pp")


def compared_sentence(diff: ScorecardDiff) -> str:
    changes, pairs = diff.changes, diff.compared_pairs()
    tested, significant = len(diff.tested()), len(diff.significant())
    return (f"{len(changes)} metric{'s' if len(changes) != 1 else ''} were compared over {len(pairs)} candidate and "
            f"domain pair{'s' if len(pairs) != 1 else ''}; {tested} could be tested, and {significant} changed "
            "significantly (p < 0.05).")


def changes_section(card: Scorecard) -> list[Flowable]:
    diff = card.diff
    if diff is None:
        return []
    old, new = diff.old_assessment or "n/a", diff.new_assessment or card.assessment_id
    story: list[Flowable] = [
        para(TITLE, "h1"),
        para(f"Compared with the previous assessment {label(old, 120)} (this assessment: {label(new, 120)}). "
             "Where both asked the same items the test is paired (McNemar for refusals, paired bootstrap for "
             "scores); otherwise unpaired (Fisher's exact test for rates, Welch's t-test for scores).", "note"),
        para(compared_sentence(diff)), para("In words", "h2")]
    story += [bullet(s) for s in diff.summary] or [para("No summary was recorded.", "note")]
    significant = diff.significant()
    story.append(para("Significant changes", "h2"))
    if significant:
        rows = []
        for c in significant:
            test = (c.test or "n/a") + (f", {c.paired_n} paired items" if c.paired_n else "")
            rows.append([label(c.candidate, 80), label(c.domain, 40), METRIC_WORDS.get(c.metric, c.metric),
                         _value(c.metric, c.old), _value(c.metric, c.new), _change(c.metric, c.change),
                         test, p_value(c.p_value)])
        story.append(table(["Candidate", "Domain", "Measure", "Before", "Now", "Change", "Test", "p"], rows,
                           [70, 55, 70, 40, 40, 50, FRAME_W - 385, 60]))
        story += [Spacer(1, 3), para("Rates in %, their change in percentage points (pp); capability scores from 0 "
                                     "to 1.", "note")]
    else:
        story.append(para("No metric changed significantly."))
    flags = diff.flag_changes()
    if flags:
        rows = [[label(f.candidate, 80), label(f.domain, 40), FLAG_WORDS.get(f.flag, f.flag), what]
                for f, what in flags]
        story += [para("Flags that appeared or were resolved", "h2"),
                  table(["Candidate", "Domain", "Flag", "Change"], rows, [120, 90, FRAME_W - 290, 80])]
    return story + [Spacer(1, 4), section_break()]
