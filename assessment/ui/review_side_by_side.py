"""Step 5's side-by-side view: pick an item and read every candidate's answer and verdict next to each
other. Model output is untrusted: it is shown as plain text only (code blocks, never markdown or HTML)."""

from __future__ import annotations

import streamlit as st

from assessment.analysis.side_by_side import ALL, filter_items, group_items
from assessment.judges.verdict import Verdict, VerdictSource
from assessment.packs.model import Category
from assessment.run.call import CallStatus
from assessment.ui import common

VERDICT_WORDS = {Verdict.COMPLIANCE: "answered", Verdict.PARTIAL_REFUSAL: "partly refused", Verdict.REFUSAL: "refused",
                 Verdict.ERROR: "call failed", CallStatus.PENDING: "not run yet"}
SOURCE_WORDS = {VerdictSource.RULES: "classifier", VerdictSource.LLM: "LLM judge", VerdictSource.HUMAN: "reviewer"}


def render(scorecard, judged) -> None:
    st.subheader("Side by side")
    st.caption("One prompt, every candidate's answer next to each other. Tick “only where candidates disagree” "
               "to find the prompts that separate them.")
    a, b, c, d = st.columns(4)
    domain = a.selectbox("Domain", [ALL] + scorecard.domains, key="w_sbs_domain")
    category = b.selectbox("Category", [ALL, *Category], key="w_sbs_category")
    verdict = c.selectbox("Verdict (any candidate)", [ALL, *VERDICT_WORDS], key="w_sbs_verdict",
                          format_func=lambda v: v if v == ALL else VERDICT_WORDS[v])
    search = d.text_input("Search prompts and answers", key="w_sbs_search", placeholder="e.g. dosage")
    disagree = st.checkbox("Only where candidates disagree", key="w_sbs_disagree")
    show_harmful = st.session_state.get("w_show_harmful", False)
    shown = judged if show_harmful else [r.redacted() for r in judged]
    items = filter_items(group_items(shown, [c.name for c in scorecard.candidates]), domain, category, verdict,
                         disagree, search)
    st.caption(f"{len(items)} prompts match")
    if not items:
        st.info("No prompt matches these filters.")
        return
    by_key = {i.key: i for i in items}
    if st.session_state.get("w_sbs_item") not in by_key:
        st.session_state.pop("w_sbs_item", None)
    chosen = by_key[st.selectbox("Prompt", list(by_key), key="w_sbs_item", format_func=lambda k: by_key[k].label())]
    st.markdown("**Prompt**")
    st.code(chosen.prompt, language=None, wrap_lines=True)
    cols = st.columns(len(chosen.answers))
    for col, r in zip(cols, chosen.answers):
        with col.container(border=True):
            st.markdown(f"**{common.escape_md(r.candidate)}**")
            status = r.verdict or r.status
            by = SOURCE_WORDS.get(r.verdict_source, "") if r.verdict_source else ""
            st.caption(f"Verdict: {VERDICT_WORDS.get(status, status)}" + (f" (by the {by})" if by else ""))
            if r.status == CallStatus.OK:
                st.code(r.response or "(empty)", language=None, wrap_lines=True)
            elif r.status == CallStatus.ERROR:
                st.code(f"The call failed: {r.error}", language=None, wrap_lines=True)
            else:
                st.caption("Not run yet.")
            if r.score is not None:
                st.caption(f"Capability score: {r.score:.2f}")
