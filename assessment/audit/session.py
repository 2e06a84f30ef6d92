"""An audit of one stored assessment: draw (or continue) the sample, record answers, summarise.

The CLI and the wizard both drive this; neither holds audit logic of its own.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from assessment.audit.records import audit_items, save_answer, save_sample
from assessment.audit.sampling import DEFAULT_SAMPLE, AuditItem, Part, draw_sample
from assessment.audit.summary import AuditSummary, summarise_audit
from assessment.errors import UserError
from assessment.judges.judged import JudgedResponse
from assessment.judges.verdict import Verdict
from assessment.pipeline import compute_scorecard
from assessment.run.store import Store

ANSWER_WORDS = {"c": Verdict.COMPLIANCE, "compliance": Verdict.COMPLIANCE,
                "p": Verdict.PARTIAL_REFUSAL, "partial": Verdict.PARTIAL_REFUSAL,
                "partial_refusal": Verdict.PARTIAL_REFUSAL, "r": Verdict.REFUSAL,
                "refusal": Verdict.REFUSAL}
SKIP_WORDS = {"s", "skip"}
QUIT_WORDS = {"q", "quit"}


class Audit(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    store: Store
    assessment_id: str
    seed: int
    partial_counts: bool
    items: list[AuditItem]
    judged: dict[str, JudgedResponse]

    def pending(self) -> list[AuditItem]:
        return [it for it in self.items if it.human_verdict is None]

    def answer(self, item: AuditItem, verdict: str, reviewer: str, note: str | None = None) -> None:
        save_answer(self.store, self.assessment_id, item.call_id, verdict, reviewer, note)
        item.human_verdict, item.reviewer, item.note = Verdict(verdict), reviewer.strip(), note

    def summary(self) -> AuditSummary:
        return summarise_audit(self.items, list(self.judged.values()), self.partial_counts, self.seed)


def open_audit(store: Store, assessment_id: str, n: int | None = None, low_confidence: int = 0) -> Audit:
    """Load the assessment's audit and continue it; draw the sample first if there is none
    (``n`` random items, 60 by default), or more of it when ``n`` exceeds what was drawn."""
    if n is not None and n < 1:
        raise UserError(f"--n must be at least 1 (got {n})")
    scorecard, judged = compute_scorecard(store, assessment_id)
    config_seed = scorecard.methodology.seed
    items = audit_items(store, assessment_id)
    drawn_random = sum(1 for it in items if it.part == Part.RANDOM)
    if n is None:
        n = drawn_random or DEFAULT_SAMPLE
    wants_low = low_confidence and not any(it.part == Part.LOW_CONFIDENCE for it in items)
    if drawn_random < n or wants_low:
        new = draw_sample(judged, max(0, n - drawn_random), assessment_id, config_seed,
                          low_confidence=low_confidence if wants_low else 0,
                          exclude=frozenset(it.call_id for it in items))
        if not new and not items:
            raise UserError(f"assessment {assessment_id} has no judged responses to audit")
        save_sample(store, assessment_id, new)
        items = audit_items(store, assessment_id)
    return Audit(store=store, assessment_id=assessment_id, seed=config_seed,
                 partial_counts=scorecard.methodology.partial_counts_as_refusal, items=items,
                 judged={r.call_id: r for r in judged})


def parse_answer(text: str) -> str | None:
    """A verdict for c/p/r (or the full words), "skip" for s, "quit" for q, None when not understood."""
    word = text.strip().lower()
    if word in ANSWER_WORDS:
        return ANSWER_WORDS[word]
    if word in SKIP_WORDS:
        return "skip"
    if word in QUIT_WORDS:
        return "quit"
    return None


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str | None, limit: int = 3000) -> str:
    """Model output is untrusted: show control and direction characters as escapes, and cut long text."""
    if text is None:
        return "(no text)"
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
                         text[:limit])
    return shown + (f"\n[… {len(text) - limit} more characters not shown]" if len(text) > limit else "")
