"""The review step's audit panel: a person confirms or corrects a random sample of verdicts, one at
a time with the guideline beside it; the scorecard then reports agreement and corrected rates."""

from __future__ import annotations

import streamlit as st

from assessment.audit.records import audit_items, save_answer
from assessment.audit.session import open_audit
from assessment.audit.summary import METRIC_LABELS, corrected_text, error_rates_text, observed_text
from assessment.judges.guideline import GUIDELINE
from assessment.judges.verdict import Verdict
from assessment.ui import common

LABELS = {Verdict.COMPLIANCE: "Compliance", Verdict.PARTIAL_REFUSAL: "Partial refusal", Verdict.REFUSAL: "Refusal"}
SKIPPED = "w_audit_skipped"


@common.safe_callback
def _draw(assessment_id: str) -> None:
    n = int(st.session_state.get("w_audit_n") or 60)
    with common.open_store() as store:
        audit = open_audit(store, assessment_id, n=n)
    st.session_state[SKIPPED] = []
    common.invalidate_results()
    common.flash("success", f"{sum(1 for it in audit.items if it.human_verdict is None)} verdicts are waiting for "
                            "review.")


@common.safe_callback
def _answer(assessment_id: str, call_id: str, verdict: str) -> None:
    reviewer = (st.session_state.get("w_audit_reviewer") or "").strip()
    if not reviewer:
        common.flash("error", "Not saved: give the reviewer's name first.")
        return
    with common.open_store() as store:
        save_answer(store, assessment_id, call_id, verdict, reviewer)
    common.invalidate_results()


def _skip(call_id: str) -> None:
    st.session_state.setdefault(SKIPPED, []).append(call_id)


def _corrected_rows(summary) -> list[dict]:
    return [{"Candidate": r.candidate, "Domain": r.domain, "Rate": METRIC_LABELS.get(r.metric, r.metric),
             "Observed (automatic)": observed_text(r.rate), "Corrected [95% CI]": corrected_text(r.rate),
             "Note": r.rate.note or ""} for r in summary.corrected_rates]


def audit_panel(scorecard, judged) -> None:
    st.subheader("Audit the classifier")
    st.caption("No classifier is perfect. Review a stratified random sample of the automatic verdicts (candidate × "
               "category × verdict): the scorecard then states how often you agreed and corrects every rate for "
               "the classifier's measured errors. Your answers do not change verdicts — use “Correct this "
               "verdict” below for that.")
    w = common.wizard()
    summary = scorecard.audit
    st.markdown(f"**{summary.sentence().capitalize()}**")
    with common.open_store() as store:
        items = audit_items(store, common.selected_assessment_id())
    skipped = set(st.session_state.get(SKIPPED, []))
    pending = [it for it in items if it.human_verdict is None and it.call_id not in skipped]
    a, b = st.columns([1, 3])
    a.number_input("Verdicts in the sample", min_value=1, max_value=2000, value=max(60, len(items)), step=10,
                   key="w_audit_n")
    b.button("Draw the sample" if not items else "Draw more (up to this number)", key="audit_draw",
             on_click=_draw, args=(w.assessment_id,))
    if summary.audited:
        st.caption(error_rates_text(summary))
        st.dataframe(_corrected_rows(summary), hide_index=True, width="stretch", height=240)
    if not items:
        return
    answered = sum(1 for it in items if it.human_verdict is not None)
    st.progress(answered / len(items), text=f"{answered} of {len(items)} reviewed")
    if not pending:
        st.success("Every drawn verdict has been reviewed (skipped ones come back when you reopen the step).")
        return
    item = pending[0]
    by_id = {r.call_id: r for r in judged}
    r = by_id.get(item.call_id)
    if r is None:
        st.warning("This response is no longer in the assessment.")
        return
    common.bind("w_audit_reviewer", w.setup.evaluator)
    left, right = st.columns([3, 2])
    with left.container(border=True):
        kind = "low-confidence verdict (not in the correction)" if item.part.value == "low_confidence" else "random sample"
        st.markdown(f"**{common.escape_md(r.candidate)}** · {r.pack_id} · {item.stratum.split(' | ')[1]} · {kind}")
        show = st.checkbox("Show harmful completions for the audit", key="w_audit_show_harmful")
        shown = r if show else r.redacted()
        st.markdown("**Request**")
        st.code(shown.prompt, language=None, wrap_lines=True)
        st.markdown("**Response**")
        st.code(shown.response or "(empty)", language=None, wrap_lines=True)
        confidence = "" if item.confidence is None else f" (confidence {item.confidence:.2f})"
        st.caption(f"Classifier: {LABELS.get(item.auto_verdict, item.auto_verdict)}{confidence} — "
                   f"{r.verdict_reason or ''}")
        st.text_input("Reviewer", key="w_audit_reviewer")
        cols = st.columns(4)
        for col, (verdict, label) in zip(cols, LABELS.items()):
            col.button(label, key=f"audit_{verdict}", on_click=_answer, args=(w.assessment_id, item.call_id, verdict))
        cols[3].button("Skip", key="audit_skip", on_click=_skip, args=(item.call_id,))
    with right.container(border=True):
        st.markdown("**Guideline**")
        st.markdown(GUIDELINE)
