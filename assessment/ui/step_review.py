"""Step 5: the scorecard as a dashboard, the individual responses, and human verdict overrides."""

from __future__ import annotations

import streamlit as st

from assessment.ui import common
from assessment.ui import tables as T

INDEX = 4
VERDICTS = ["compliance", "partial_refusal", "refusal"]
VERDICT_WORDS = {"compliance": "complied (answered)", "partial_refusal": "partly refused", "refusal": "refused"}


def candidate_cards(scorecard) -> None:
    cols = st.columns(max(1, len(scorecard.candidates)))
    for col, c in zip(cols, T.candidate_rows(scorecard)):
        with col.container(border=True):
            st.markdown(f"**{common.escape_md(c['name'])}**" + (" · baseline" if c["baseline"] else ""))
            st.caption(f"`{c['model']}`")
            a, b = st.columns(2)
            a.metric("Responses", f"{c['responses']} / {c['calls']}", help=T.METRIC_HELP["Responses"])
            b.metric("Errors", c["errors"], help=T.METRIC_HELP["Errors"])
            a.metric("Cost", c["cost"], help=T.METRIC_HELP["Cost"])
            b.metric("Median latency", c["latency"], help=T.METRIC_HELP["Latency"])


def comparison(scorecard) -> None:
    st.subheader("Comparison by domain")
    widths = {"Severity": "small", "Flags": "medium"}
    st.dataframe(
        T.comparison_styler(scorecard), hide_index=True, width="stretch",
        height=min(len(scorecard.results), 16) * 35 + 38,  # every row visible up to 16, then scroll
        column_config={col: st.column_config.TextColumn(col, help=T.METRIC_HELP.get(col), width=widths.get(col))
                       for col in T.COMPARISON_COLUMNS})
    st.caption("Rates show the value, its 95 % interval and n; * marks fewer than 10 answers (too few to decide on). "
               "Tax colours: green minimal, yellow moderate, orange significant, red critical.")


def charts(scorecard) -> None:
    import altair as alt
    import pandas as pd

    names = [c.name for c in scorecard.candidates]  # the same colour for a candidate in every chart
    colour = alt.Color("candidate:N", scale=alt.Scale(domain=names, scheme="tableau10"), title="candidate")

    tax, tradeoff, attacks = st.tabs(["Tax by domain", "Safety vs over-refusal", "Attack success"])
    with tax:
        st.caption(T.METRIC_HELP["Capability tax"] + " " + T.METRIC_HELP["Refusal tax"])
        rows = T.tax_chart_rows(scorecard)
        if rows:
            chart = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
                x=alt.X("domain:N", title=None, axis=alt.Axis(labelAngle=0)), xOffset="candidate:N",
                y=alt.Y("value:Q", title="tax (% or points)"), color=colour,
                column=alt.Column("measure:N", title=None),
                tooltip=["candidate", "domain", "measure", "value"]).properties(width=260, height=260)
            st.altair_chart(chart)
        else:
            st.info("The tax needs a baseline and at least one other candidate with answers.")
    with tradeoff:
        st.caption("Each point is a candidate in a domain. Top left is best: safe on harmful requests, "
                   "helpful on sensitive but legitimate ones.")
        rows = [r for r in T.tradeoff_rows(scorecard) if r["over_refusal"] is not None and r["safety"] is not None]
        if rows:
            chart = alt.Chart(pd.DataFrame(rows)).mark_point(size=140, filled=True).encode(
                x=alt.X("over_refusal:Q", title="over-refusal (%)", scale=alt.Scale(domain=[0, 100])),
                y=alt.Y("safety:Q", title="safety (%)", scale=alt.Scale(domain=[0, 100])),
                color=colour, shape="domain:N",
                tooltip=["candidate", "domain", "over_refusal", "safety", "n_sensitive", "n_harmful"]).properties(height=320)
            st.altair_chart(chart, width="stretch")
        else:
            st.info("No sensitive and harmful answers to compare yet.")
    with attacks:
        st.caption(T.METRIC_HELP["Attack success"])
        rows = T.attack_rows(scorecard)
        if rows:
            chart = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
                x=alt.X("attack:N", title=None, axis=alt.Axis(labelAngle=-30)), xOffset="candidate:N",
                y=alt.Y("success:Q", title="attack success (%)", scale=alt.Scale(domain=[0, 100])),
                color=colour, tooltip=["candidate", "domain", "attack", "success", "n"]).properties(height=300)
            st.altair_chart(chart, width="stretch")
        else:
            st.info("No attacks were part of this assessment.")


@common.safe_callback
def _save_override(assessment_id: str, call_id: str, label: str) -> None:
    ss = st.session_state
    verdict, reason, reviewer = ss.get("w_ovr_verdict"), (ss.get("w_ovr_reason") or "").strip(), \
        (ss.get("w_ovr_reviewer") or "").strip()
    if not reason or not reviewer:
        common.flash("error", "The verdict was not changed: give a reason and the reviewer's name.")
        return
    with common.open_store() as store:
        store.save_override(assessment_id, call_id, verdict, reason, reviewer)
    common.invalidate_results()
    ss["w_ovr_reason"] = ""
    common.flash("success", f"Verdict of {label} set to {verdict} by {reviewer}; the scorecard was recomputed.")


def responses(scorecard, judged) -> None:
    st.subheader("Individual responses")
    w = common.wizard()
    a, b, c, d = st.columns(4)
    cand = a.selectbox("Candidate", ["All"] + [x.name for x in scorecard.candidates], key="w_f_candidate")
    domain = b.selectbox("Domain", ["All"] + scorecard.domains, key="w_f_domain")
    category = c.selectbox("Category", ["All", "benign", "sensitive", "harmful", "capability"], key="w_f_category")
    verdict = d.selectbox("Verdict", ["All", *VERDICTS, "error", "pending"], key="w_f_verdict")
    show_harmful = st.checkbox("Show harmful completions", key="w_show_harmful",
                               help="Answers that complied with a harmful request are hidden unless you tick this.")
    rows = T.filter_responses(judged, cand, domain, category, verdict)
    st.caption(f"{len(rows)} of {len(judged)} responses")
    if not rows:
        st.info("No responses match these filters.")
        return
    st.dataframe(T.response_rows(rows), hide_index=True, width="stretch", height=240)
    by_id = {r.call_id: r for r in rows}
    chosen = st.selectbox("Open a response", list(by_id), key="w_response",
                          format_func=lambda i: T.response_label(by_id[i]))
    r = by_id[chosen]
    shown = r if show_harmful else r.redacted()
    with st.container(border=True):
        st.markdown(f"**{common.escape_md(r.candidate)}** · {r.pack_id} / {r.item_id} · {r.category}"
                    + (f" · attack {r.attack_id}" if r.attack_id else ""))
        st.markdown("**Prompt**")
        st.code(shown.prompt, language=None, wrap_lines=True)
        st.markdown("**Response**")
        if r.status == "ok":
            st.code(shown.response or "(empty)", language=None, wrap_lines=True)
            if shown.response != r.response:
                st.caption("Hidden because it answers a harmful request: tick “Show harmful completions” to read it.")
        elif r.status == "error":
            st.error(f"The call failed: {r.error}")
        else:
            st.info("Not run yet: resume the assessment to get this answer.")
        if r.verdict:
            src = {"rules": "rule classifier", "llm": "LLM judge", "human": "human reviewer"}.get(r.verdict_source or "", "")
            st.markdown(f"**Verdict:** {VERDICT_WORDS.get(r.verdict, r.verdict)}" + (f" — by the {src}" if src else ""))
            st.caption(r.verdict_reason or "")
        if r.score is not None or r.score_status:
            st.caption(f"Capability score: {r.score if r.score is not None else 'unscored'} — {r.score_explanation or ''}")
    if r.status != "ok":
        return
    common.bind("w_ovr_reviewer", w.setup.evaluator)
    with st.form("override", border=True):
        st.markdown("**Correct this verdict**")
        x, y, z = st.columns([1, 2, 1])
        x.selectbox("New verdict", VERDICTS, index=VERDICTS.index(r.verdict) if r.verdict in VERDICTS else 0,
                    key="w_ovr_verdict", format_func=lambda v: VERDICT_WORDS[v])
        y.text_input("Reason", key="w_ovr_reason", placeholder="e.g. it gave safety advice, not the requested steps")
        z.text_input("Reviewer", key="w_ovr_reviewer")
        st.form_submit_button("Save verdict", key="override_submit", type="primary", on_click=_save_override,
                              args=(w.assessment_id, r.call_id, T.response_label(r)))


def render() -> None:
    common.header(INDEX)
    w = common.wizard()
    if not w.assessment_id:
        st.info("There are no results yet: run an assessment in step 4, or open a stored one in step 1.")
        common.nav(INDEX, lambda: "Run or open an assessment first.")
        return
    scorecard, judged = common.results()
    st.markdown(f"**{common.escape_md(scorecard.name)}** · assessment {scorecard.assessment_id} · "
                f"baseline {scorecard.baseline or 'none'}" + (f" · {common.escape_md(scorecard.purpose)}"
                                                              if scorecard.purpose else ""))
    for note in scorecard.methodology.not_scored:
        st.warning(note)
    candidate_cards(scorecard)
    comparison(scorecard)
    charts(scorecard)
    responses(scorecard, judged)
    common.nav(INDEX)


if __name__ == "__main__":
    common.guarded(render)
