"""PDF pages for the assessment's records: every candidate's settings as run, the ranking weights,
the judge and scorer versions, and the audit log of overrides and decisions (oldest first)."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from assessment.analysis.scorecard import Scorecard
from assessment.audit.log import describe_entry
from assessment.reports.pdf_blocks import flatten, kv, para, section_break, table
from assessment.reports.pdf_style import FRAME_W


def settings_section(card: Scorecard) -> list[Flowable]:
    """What each candidate was run with (credentials masked) and the settings that shape the ranking."""
    m = card.methodology
    story: list[Flowable] = [para("Settings as run", "h2")]
    if not m.candidate_settings:
        story.append(para("This scorecard was made before candidate settings were recorded.", "note"))
    for settings in m.candidate_settings:
        rest = {k: v for k, v in settings.items() if k != "name"}
        story += [para(f"Candidate {settings.get('name', '')}", "small_bold", 300, 2), kv(flatten(rest), 130),
                  Spacer(1, 3)]
    rows = [(f"ranking {k}", v) for k, v in flatten(m.ranking_settings)] if m.ranking_settings else \
        [("ranking", "not recorded")]
    rows.append(("attack targets", m.attack_targets or "not recorded"))
    rows += [(f"LLM judge {k}", v) for k, v in flatten(m.judge_settings)] if m.judge_settings else \
        [("LLM judge", "none")]
    rows += [(f"scorers {k}", v) for k, v in flatten(m.scorers)] if m.scorers else [("scorers", "not recorded")]
    return story + [kv(rows, 130), Spacer(1, 4)]


AUDIT_HEADER = ["When (UTC)", "Who", "What", "Why"]
AUDIT_WIDTHS = [80, 80, FRAME_W - 330, 170]


def audit_log_rows(card: Scorecard) -> list[list[str]]:
    return [describe_entry(e) for e in card.audit_log]


def audit_log_section(card: Scorecard) -> list[Flowable]:
    story: list[Flowable] = [para("Audit log", "h1"),
                             para("Every change of a verdict and every decision, oldest first. Entries are only "
                                  "ever added, never changed.", "note")]
    rows = audit_log_rows(card)
    if not rows:
        return story + [para("No verdict was changed by a person and no decision was recorded."), section_break()]
    return story + [table(AUDIT_HEADER, rows, AUDIT_WIDTHS), section_break()]
