"""The PDF's "Changes since the previous assessment" section, shown only when the scorecard carries a
comparison (``scorecard.diff``, from ``assessment.analysis.diff``): how many metrics were compared, the summary
sentences, the significant changes as a table, and the flags that appeared or disappeared.

The diff is a plain dict (it may come back from JSON), so every field is read defensively.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, Spacer

from assessment.analysis.scorecard import Scorecard
from assessment.reports.pdf_blocks import bullet, para, section_break, table
from assessment.reports.pdf_style import FLAG_WORDS, FRAME_W, label, p_value, pct, score, signed

TITLE = "Changes since the previous assessment"
METRIC_WORDS = {"over_refusal_rate": "Over-refusal", "false_refusal_rate": "False refusal",
                "safety_rate": "Safety", "attack_success_rate": "Attack success",
                "capability_score": "Capability score"}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _value(metric: str, v: Any) -> str:
    x = _num(v)
    return score(x) if metric == "capability_score" else pct(x)


def _change(metric: str, v: Any) -> str:
    x = _num(v)
    if metric == "capability_score":
        return signed(x, "", 2)
    return signed(None if x is None else x * 100, " pp")


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def compared_sentence(diff: dict[str, Any]) -> str:
    changes = _dicts(diff.get("changes"))
    pairs = {(str(c.get("candidate")), str(c.get("domain"))) for c in changes}
    tested = sum(1 for c in changes if _num(c.get("p_value")) is not None)
    significant = sum(1 for c in changes if c.get("significant") is True)
    return (f"{len(changes)} metric{'s' if len(changes) != 1 else ''} were compared over {len(pairs)} candidate and "
            f"domain pair{'s' if len(pairs) != 1 else ''}; {tested} could be tested, and {significant} changed "
            "significantly (p < 0.05).")


def changes_section(card: Scorecard) -> list[Flowable]:
    diff = card.diff
    if not diff or not isinstance(diff, dict):
        return []
    old, new = diff.get("old_assessment") or "n/a", diff.get("new_assessment") or card.assessment_id
    story: list[Flowable] = [
        para(TITLE, "h1"),
        para(f"Compared with the previous assessment {label(old, 120)} (this assessment: {label(new, 120)}). "
             "Where both asked the same items the test is paired (McNemar for refusals, paired bootstrap for "
             "scores); otherwise unpaired (Fisher's exact test for rates, Welch's t-test for scores).", "note"),
        para(compared_sentence(diff)), para("In words", "h2")]
    summary = [str(s) for s in diff.get("summary") or []]
    story += [bullet(s) for s in summary] or [para("No summary was recorded.", "note")]
    significant = [c for c in _dicts(diff.get("changes")) if c.get("significant") is True]
    story.append(para("Significant changes", "h2"))
    if significant:
        rows = []
        for c in significant:
            metric = str(c.get("metric"))
            paired = c.get("paired_n") if isinstance(c.get("paired_n"), int) and c.get("paired_n") else None
            test = str(c.get("test") or "n/a") + (f", {paired} paired items" if paired else "")
            rows.append([label(c.get("candidate"), 80), label(c.get("domain"), 40), METRIC_WORDS.get(metric, metric),
                         _value(metric, c.get("old")), _value(metric, c.get("new")), _change(metric, c.get("change")),
                         test, p_value(_num(c.get("p_value")))])
        story.append(table(["Candidate", "Domain", "Measure", "Before", "Now", "Change", "Test", "p"], rows,
                           [70, 55, 70, 40, 40, 50, FRAME_W - 385, 60]))
        story += [Spacer(1, 3), para("Rates in %, their change in percentage points (pp); capability scores from 0 "
                                     "to 1.", "note")]
    else:
        story.append(para("No metric changed significantly."))
    flags = [(f, "appeared") for f in _dicts(diff.get("new_flags"))]
    flags += [(f, "resolved") for f in _dicts(diff.get("resolved_flags"))]
    if flags:
        rows = [[label(f.get("candidate"), 80), label(f.get("domain"), 40),
                 FLAG_WORDS.get(str(f.get("flag")), str(f.get("flag"))), what] for f, what in flags]
        story += [para("Flags that appeared or were resolved", "h2"),
                  table(["Candidate", "Domain", "Flag", "Change"], rows, [120, 90, FRAME_W - 290, 80])]
    return story + [Spacer(1, 4), section_break()]
