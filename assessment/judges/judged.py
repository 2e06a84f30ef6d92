"""Judged responses: each stored call with its final verdict, capability score and cost.

This is the one place verdicts are decided (rules → LLM judge → human override) and
capability items are scored; the scorecard, the exports and the dashboard all read these.
"""

from __future__ import annotations

from typing import Any

from assessment.config import AssessmentConfig
from assessment.judges.classifier import classify
from assessment.judges.verdict import UNPARSED, Unparsed, Verdict, VerdictResult, VerdictSource
from assessment.packs.model import Category, Item
from assessment.run.call import CallOutcome, CallStatus
from assessment.run.pricing import price_calls
from assessment.run.store import CallRow
from assessment.scoring import Score, score_response
from assessment.scoring.registry import ScoreStatus, ScoringContext
from assessment.textsafe import bounded_prefix

REDACTED = "[redacted: completion of a harmful request; enable include_harmful_completions to show it]"
REDACTED_REASON = "[redacted with the completion it may quote; enable include_harmful_completions to show it]"


class JudgedResponse(CallOutcome):
    """A planned call (the fields of ``CallOutcome``) with its final verdict, capability score and cost."""

    status: CallStatus
    prompt: str
    response: str | None
    verdict: Verdict | None = None  # None while pending
    verdict_source: VerdictSource | None = None
    verdict_reason: str | None = None
    rule_verdict: Verdict | None = None  # the automatic classifier's verdict
    rule_confidence: float | None = None  # its confidence, 0–1
    judge_verdict: Verdict | Unparsed | None = None  # the LLM judge's verdict, or "unparsed"
    human_verdict: Verdict | None = None
    human_reason: str | None = None
    reviewer: str | None = None
    score: float | None = None
    score_status: ScoreStatus | None = None
    score_explanation: str | None = None
    cost: float | None = None

    def redacted(self) -> JudgedResponse:
        """Harmful-item completions are not shown in exports unless the user asks for them."""
        if self.category == Category.HARMFUL and self.response and self.verdict != Verdict.REFUSAL:
            update = {"response": REDACTED}
            if self.verdict_source == VerdictSource.LLM and self.verdict_reason:  # the judge may quote the completion
                update["verdict_reason"] = REDACTED_REASON
            return self.model_copy(update=update)
        return self


def prompt_for(row: CallRow, items: dict[tuple[str, str], Item], prompts: dict[str, str]) -> str:
    """The user text that was sent for this call (the item's prompt when the sent text is not stored)."""
    item = items.get((row.pack_id, row.item_id))
    return prompts.get(row.call_id, item.user_message() if item else "")




def judge_rows(rows: list[CallRow], items: dict[tuple[str, str], Item], prompts: dict[str, str],
               config: AssessmentConfig, overrides: dict[str, dict[str, str]] | None = None,
               llm_verdicts: dict[str, tuple[str | None, str]] | None = None,
               rubric_judge: Any = None, classified: dict[str, VerdictResult] | None = None) -> list[JudgedResponse]:
    """Final verdicts and scores for every planned call of an assessment.

    ``prompts`` maps call_id to the user text that was sent; ``llm_verdicts`` maps call_id to
    the LLM judge's (verdict or None when unparsed, raw answer); ``classified`` maps call_id to a
    verdict the classifier already gave (stored), so it is not computed again.
    """
    classified = classified or {}
    overrides = overrides or {}
    llm_verdicts = llm_verdicts or {}
    ctx = ScoringContext(allow_code_execution=config.allow_code_execution, rubric_judge=rubric_judge)
    prices = {c.name: c for c in config.candidates}
    out: list[JudgedResponse] = []
    for row in rows:
        item = items.get((row.pack_id, row.item_id))
        jr = JudgedResponse(
            **{name: getattr(row, name) for name in CallOutcome.model_fields}, status=row.status,
            prompt=prompts.get(row.call_id, item.display_text() if item else ""), response=row.content)
        if row.status == CallStatus.OK:
            cand = prices.get(row.candidate)
            if cand is not None:
                unreported = (row.input_tokens is None or row.output_tokens is None) and row.finish_reason != "content_filter"
                jr.cost = None if unreported else price_calls(cand, row.input_tokens or 0, row.output_tokens or 0)
            rule = classified.get(row.call_id) or classify(jr.prompt, bounded_prefix(row.content), row.finish_reason)
            jr.rule_verdict, jr.rule_confidence = rule.verdict, rule.confidence
            jr.verdict, jr.verdict_source, jr.verdict_reason = rule.verdict, VerdictSource.RULES, rule.reason
            if row.call_id in llm_verdicts:
                verdict, raw = llm_verdicts[row.call_id]
                jr.judge_verdict = Verdict(verdict) if verdict else UNPARSED
                if verdict:
                    jr.verdict, jr.verdict_source = Verdict(verdict), VerdictSource.LLM
                    jr.verdict_reason = f"LLM judge: {raw[:200]}"
                else:
                    jr.verdict_reason = f"{rule.reason} (LLM judge answer unparsed; rule verdict kept)"
            human = overrides.get(row.call_id)
            if human:
                jr.human_verdict, jr.human_reason = Verdict(human["verdict"]), human["reason"]
                jr.reviewer, jr.verdict, jr.verdict_source = human["reviewer"], jr.human_verdict, VerdictSource.HUMAN
                jr.verdict_reason = f"human review by {human['reviewer']}: {human['reason']}"
            if item is not None and item.category == Category.CAPABILITY and item.scoring is not None:
                score: Score = score_response(item.scoring, row.content or "", ctx, prompt=item.display_text())
                jr.score, jr.score_status, jr.score_explanation = score.value, score.status, score.explanation
        elif row.status == CallStatus.ERROR:
            jr.verdict, jr.verdict_reason = Verdict.ERROR, row.error
        out.append(jr)
    return out
