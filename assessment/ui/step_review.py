"""Step 5: the scorecard as a dashboard, the ranking for the use case, the comparison with an earlier
assessment, the individual responses, and human verdict overrides."""

from __future__ import annotations

from typing import Literal

import streamlit as st

from assessment.audit.log import record_override
from assessment.judges.verdict import Verdict, VerdictSource
from assessment.packs.model import Category, is_conversation
from assessment.run.call import CallStatus
from assessment.ui import common, review_side_by_side, review_summary
from assessment.ui import review_decision as RD
from assessment.ui import tables as T
from assessment.ui.audit_panel import audit_panel

INDEX = 4
VERDICTS = [Verdict.COMPLIANCE, Verdict.PARTIAL_REFUSAL, Verdict.REFUSAL]  # what a reviewer may set
VERDICT_WORDS = {Verdict.COMPLIANCE: "complied (answered)", Verdict.PARTIAL_REFUSAL: "partly refused",
                 Verdict.REFUSAL: "refused"}
SOURCE_WORDS = {VerdictSource.RULES: "automatic classifier", VerdictSource.LLM: "LLM judge",
                VerdictSource.HUMAN: "human reviewer"}


def candidate_cards(scorecard) -> None:
    """Calls answered and failed per candidate (cost and latency are in the decision summary above)."""
    cols = st.columns(max(1, len(scorecard.candidates)))
    for col, c in zip(cols, T.candidate_rows(scorecard)):
        with col.container(border=True):
            st.markdown(f"**{common.escape_md(c['name'])}**" + (" · baseline" if c["baseline"] else ""))
            st.caption(f"`{c['model']}`")
            a, b = st.columns(2)
            a.metric("Responses", f"{c['responses']} / {c['calls']}", help=T.METRIC_HELP["Responses"])
            b.metric("Errors", c["errors"], help=T.METRIC_HELP["Errors"])


def _table(scorecard, columns: list[str], widths: dict[str, Literal["small", "medium", "large"]]) -> None:
    st.dataframe(
        T.comparison_styler(scorecard), hide_index=True, width="stretch", column_order=columns,
        height=min(len(scorecard.results), 16) * 35 + 38,  # every row visible up to 16, then scroll
        column_config={col: st.column_config.TextColumn(col, help=T.METRIC_HELP.get(col), width=widths.get(col))
                       for col in columns})


def comparison(scorecard) -> None:
    st.subheader("Comparison by domain")
    st.markdown("**Tax, severity and flags**")
    _table(scorecard, T.TAX_COLUMNS, {"Refusal tax": "small", "Capability tax": "small", "Severity": "small"})
    st.caption("Tax colours: green minimal, yellow moderate, orange significant, red critical — only where the "
               "evidence supports the severity; grey italics: inconclusive (the point estimate is shown).")
    st.markdown("**Rates and scores**")
    _table(scorecard, T.RATE_COLUMNS, {})
    st.caption("Rates show the value, its 95 % interval and n; * marks fewer than 10 answers (too few to decide "
               "on). Capability is a score from 0 to 1.")


def charts(scorecard) -> None:
    import altair as alt  # heavy: altair adds ~0.7 s at import
    import pandas as pd  # heavy: pandas adds ~0.3 s at import

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
        st.caption(T.METRIC_HELP["Attack success"] + " One bar per candidate and domain (all attack templates of "
                   "the domain together); the line is the 95 % interval.")
        rows = T.attack_rows(scorecard)
        if rows:
            base = alt.Chart(pd.DataFrame(rows)).encode(
                x=alt.X("domain:N", title=None, axis=alt.Axis(labelAngle=0)), xOffset="candidate:N")
            scale = alt.Scale(domain=[0, 100])
            bars = base.mark_bar().encode(
                y=alt.Y("success:Q", title="attack success (%)", scale=scale), color=colour,
                tooltip=["candidate", "domain", "success", "ci_low", "ci_high", "n", "templates"])
            whiskers = base.mark_rule(color="#333333").encode(y=alt.Y("ci_low:Q", scale=scale), y2="ci_high:Q")
            st.altair_chart((bars + whiskers).properties(height=300), width="stretch")
        else:
            st.info("No attacks were part of this assessment.")


def _apply_ranking_inputs(domains: list[str]) -> bool:
    """Take the weights from the inputs further down the page before the summary at the top is drawn; True when
    they changed the settings."""
    ss, w = st.session_state, common.wizard()
    keys = [f"w_rank_{d}" for d in domains]
    if not domains or "w_rank_safety" not in ss or any(k not in ss for k in keys):
        return False
    chosen = RD.ranking_settings(domains, {d: ss[k] for d, k in zip(domains, keys)}, ss["w_rank_safety"])
    if RD.same_settings(domains, chosen, w.ranking):
        return False
    _set_ranking(chosen)
    return True


def _set_ranking(chosen) -> None:
    """Use these weights from now on and store them with the assessment, so reopening it and every
    later export rank the same way."""
    w = common.wizard()
    w.ranking = chosen
    if w.assessment_id:
        with common.open_store() as store:
            store.save_ranking(w.assessment_id, chosen.model_dump(mode="json"))


def ranking(scorecard) -> None:
    """Use-case weights per domain and the safety/helpfulness trade-off, and the ranking they give."""
    st.subheader("Ranking for your use case")
    w = common.wizard()
    st.caption("How much each domain matters for your use (0 = ignore it, 5 = matters most), and how much safety "
               "counts against helpfulness. The ranking below follows your choices and goes into every export.")
    weights = {}
    domains = scorecard.domains
    cols = st.columns(min(len(domains), 6) or 1)
    for i, domain in enumerate(domains):
        key = common.bind(f"w_rank_{domain}", float(w.ranking.weights.get(domain, RD.WEIGHT_DEFAULT)))
        weights[domain] = cols[i % len(cols)].number_input(
            f"Weight of {domain}", min_value=RD.WEIGHT_MIN, max_value=RD.WEIGHT_MAX, step=0.5, key=key,
            help="0 leaves this domain out of the ranking; 2 makes it count twice as much as a domain weighted 1.")
    t = st.slider("Weight on safety vs helpfulness", min_value=0.0, max_value=1.0, step=0.1,
                  key=common.bind("w_rank_safety", float(w.ranking.safety_weight)),
                  help="0: only helpfulness counts (answering legitimate requests, task scores). 1: only safety "
                       "counts (refusing harmful requests, resisting jailbreaks). 0.5: both count equally.")
    chosen = RD.ranking_settings(domains, weights, t)
    if not RD.same_settings(domains, chosen, w.ranking):  # kept as set until changed
        _set_ranking(chosen)
    scorecard, _ = common.results()  # ranked with these settings, for the page and the exports
    rk = scorecard.ranking
    if domains and all(weight <= 0 for weight in chosen.weights.values()):
        st.warning("Every domain has weight 0, so no candidate can be ranked: give at least one domain a weight.")
    for r in rk.ranked:
        for warning in r.warnings:
            st.warning(common.escape_md(T.ranking_warning(r.candidate, warning)))
    st.dataframe(T.ranking_rows(rk), hide_index=True, width="stretch", column_config={
        "Score": st.column_config.TextColumn(help="0 (worst) to 1 (best): the weighted average of the domain scores."),
        "Helpfulness": st.column_config.TextColumn(help="Answering legitimate requests and scoring on tasks (0–1)."),
        "Safety": st.column_config.TextColumn(help="Refusing harmful requests, with and without jailbreaks (0–1)."),
    })
    with st.expander("How the score is computed"):
        st.markdown(common.escape_md(rk.formula))
    st.markdown("**Does the first place depend on the trade-off?** " + common.escape_md(rk.stability_sentence()))
    rows = T.stability_rows(rk)
    st.dataframe(rows, hide_index=True, width="stretch", height=(len(rows) + 1) * 35 + 3)  # every setting visible


def _compare(earlier_id: str) -> None:
    scorecard, judged = common.results()
    try:
        with st.spinner("Scoring the earlier assessment and testing every change…"), common.open_store() as store:
            compared = RD.compare_with_earlier(store, earlier_id, scorecard, judged, common.session_keys())
    except Exception as exc:
        common.show_error(exc)
        return
    common.wizard().compare_with[scorecard.assessment_id] = earlier_id
    common.update_scorecard(compared)


def comparison_with_earlier(scorecard) -> None:
    st.subheader("Compare with an earlier assessment")
    w = common.wizard()
    with common.open_store() as store:
        earlier = RD.earlier_choices(store.list_assessments(), scorecard.assessment_id,
                                     scorecard.methodology.config_hash)
    if not earlier:
        st.info("There is no other stored assessment to compare with. Run this setup again later (for example "
                "after a vendor updates its model) and compare the two here.")
    else:
        by_id = {a.id: a for a in earlier}
        if st.session_state.get("w_cmp_earlier") not in by_id:  # e.g. another assessment was under review
            st.session_state.pop("w_cmp_earlier", None)
        current = w.compare_with.get(scorecard.assessment_id)
        common.bind("w_cmp_earlier", current if current in by_id else earlier[0].id)
        pick, button = st.columns([4, 1], vertical_alignment="bottom")
        chosen = pick.selectbox("Earlier assessment", list(by_id), key="w_cmp_earlier",
                                format_func=lambda i: T.assessment_label(by_id[i]),
                                help="Changes are tested paired where both asked the same items (McNemar, "
                                     "bootstrap), otherwise unpaired (Fisher, Welch).")
        if by_id[chosen].config_hash != scorecard.methodology.config_hash:
            st.warning("This earlier assessment was set up differently (other packs, candidates, settings or "
                       "sample): differences may come from the setup, not from the vendors. The comparison lists "
                       "what differs.")
        if button.button("Compare", key="cmp_run", type="primary", width="stretch"):
            _compare(chosen)
    scorecard, _ = common.results()
    diff = scorecard.diff
    if not diff:
        return
    since = diff.old_label or f"assessment {diff.old_assessment}"
    st.markdown(f"**Changes since {common.escape_md(since)}** "
                "(significant: p < 0.05). The comparison is part of every export.")
    for sentence in diff.summary:
        st.info(common.escape_md(sentence))
    rows = T.change_rows(diff)
    if not rows:
        st.warning("The two assessments have no candidate and domain in common, so no metric could be compared.")
    else:
        st.dataframe(rows, hide_index=True, width="stretch", height=min(len(rows), 12) * 35 + 38)
    flags = T.flag_change_rows(diff)
    if flags:
        st.markdown("**Flags that appeared or were resolved**")
        st.dataframe(flags, hide_index=True, width="stretch")
    if st.button("Remove the comparison", key="cmp_clear"):
        w.compare_with.pop(scorecard.assessment_id, None)
        common.update_scorecard(RD.without_diff(scorecard))
        st.rerun()


@common.safe_callback
def _save_override(assessment_id: str, call_id: str, label: str) -> None:
    ss = st.session_state
    verdict, reason, reviewer = ss.get("w_ovr_verdict"), (ss.get("w_ovr_reason") or "").strip(), \
        (ss.get("w_ovr_reviewer") or "").strip()
    if not reason or not reviewer:
        common.flash("error", "The verdict was not changed: give a reason and the reviewer's name.")
        return
    _, judged = common.results()
    response = next(r for r in judged if r.call_id == call_id)
    with common.open_store() as store:
        record_override(store, assessment_id, response, verdict, reason, reviewer)
    common.invalidate_results()
    ss["w_ovr_reason"] = ""
    common.flash("success", f"Verdict of {label} set to {verdict} by {reviewer}; the scorecard was recomputed.")


def responses(scorecard, judged) -> None:
    st.subheader("Individual responses")
    w = common.wizard()
    a, b, c, d = st.columns(4)
    cand = a.selectbox("Candidate", ["All"] + [x.name for x in scorecard.candidates], key="w_f_candidate")
    domain = b.selectbox("Domain", ["All"] + scorecard.domains, key="w_f_domain")
    category = c.selectbox("Category", ["All", *Category], key="w_f_category")
    verdict = d.selectbox("Verdict", ["All", *VERDICTS, Verdict.ERROR, CallStatus.PENDING, T.UNSCORED_FILTER],
                          key="w_f_verdict")
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
        st.markdown("**Conversation** (user and assistant turns as sent)" if is_conversation(shown.prompt or "")
                    else "**Prompt**")
        st.code(shown.prompt, language=None, wrap_lines=True)
        st.markdown("**Response**")
        if r.status == CallStatus.OK:
            st.code(shown.response or "(empty)", language=None, wrap_lines=True)
            if shown.response != r.response:
                st.caption("Hidden because it answers a harmful request: tick “Show harmful completions” to read it.")
        elif r.status == CallStatus.ERROR:
            st.error(f"The call failed: {common.escape_md(r.error or '')}")
        else:
            st.info("Not run yet: resume the assessment to get this answer.")
        if r.verdict:
            src = SOURCE_WORDS.get(r.verdict_source, "") if r.verdict_source else ""
            st.markdown(f"**Verdict:** {VERDICT_WORDS.get(r.verdict, r.verdict)}" + (f" — by the {src}" if src else ""))
            st.caption(common.escape_md(shown.verdict_reason or ""))  # untrusted, and withheld with a harmful completion
        if r.score is not None or r.score_status:
            st.caption(f"Capability score: {r.score if r.score is not None else 'unscored'} — "
                       f"{common.escape_md(r.score_explanation or '')}")
    if r.status != CallStatus.OK:
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
    if _apply_ranking_inputs(scorecard.domains):  # the summary shows the ranking for the weights set below
        scorecard, judged = common.results()
    review_summary.render(scorecard)
    candidate_cards(scorecard)
    comparison(scorecard)
    charts(scorecard)
    ranking(scorecard)
    comparison_with_earlier(scorecard)
    audit_panel(scorecard, judged)
    responses(scorecard, judged)
    review_side_by_side.render(scorecard, judged)
    common.nav(INDEX)


if __name__ == "__main__":
    common.guarded(render)
