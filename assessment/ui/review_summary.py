"""The top of the Review step: the same decision-first summary as the PDF's first page — the decision or the
leading candidate and how sure we are, the overall verdict, the tax heatmap (inconclusive cells greyed), safety,
attack success, cost per 1,000 prompts and latency per candidate, and the decision record."""

from __future__ import annotations

import streamlit as st

from assessment.analysis import catalogue
from assessment.analysis.decision_summary import (
    DecisionSummary,
    certainty_sentence,
    decision_sentence,
    decision_summary,
    headline,
    verdict_sentence,
)
from assessment.ui import common
from assessment.ui import summary_tables as S
from assessment.ui.tables import METRIC_HELP


def heatmap_colours() -> list[str]:
    """Cell colours in ``S.HEATMAP_STATES``' order, from the metric catalogue (inconclusive: grey, never red)."""
    light = catalogue.severity_colours(strong=False)
    return [light[state] if state in light else catalogue.UNSUPPORTED_BACKGROUND if state == "inconclusive"
            else "#ffffff" for state in S.HEATMAP_STATES]


def _verdict_box(s: DecisionSummary) -> None:
    text = (f"**{common.escape_md(headline(s))}**\n\n{common.escape_md(certainty_sentence(s))}\n\n"
            f"**{common.escape_md(verdict_sentence(s))}**")
    box = {"decided": st.success, "partly decided": st.warning}.get(s.verdict.status or "", st.info)
    box(text)


def _heatmap(s: DecisionSummary) -> None:
    import altair as alt  # heavy: altair adds ~0.7 s at import
    import pandas as pd  # heavy: pandas adds ~0.3 s at import

    rows = S.heatmap_rows(s)
    if not rows:
        st.info("No tax could be computed: the assessment needs a baseline and another candidate with answers.")
        return
    order = list(dict.fromkeys(r["line"] for r in rows))
    base = alt.Chart(pd.DataFrame(rows)).encode(
        x=alt.X("domain:N", title=None, sort=None, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("line:N", title=None, sort=order, axis=alt.Axis(labelLimit=360)),
        tooltip=["candidate", "domain", "measure", "value", alt.Tooltip("look:N", title="severity")])
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(color=alt.Color(
        "look:N", title="severity",
        scale=alt.Scale(domain=S.HEATMAP_STATES, range=heatmap_colours()),
        legend=alt.Legend(orient="bottom", direction="horizontal")))
    asserted = base.mark_text(fontWeight="bold", dy=-6).encode(text="value:N").transform_filter(
        "datum.look != 'inconclusive'")
    unsure = base.mark_text(fontStyle="italic", color=catalogue.UNSUPPORTED_TEXT, dy=-6).encode(text="value:N").transform_filter(
        "datum.look == 'inconclusive'")
    words = base.mark_text(fontSize=10, color="#555555", dy=8).encode(text="word:N")
    chart = alt.layer(cells, asserted, unsure, words).properties(height=alt.Step(40))  # two lines per cell
    st.altair_chart(chart, width="stretch")


def render(scorecard) -> None:
    s = decision_summary(scorecard)
    st.subheader("Decision summary")
    _verdict_box(s)
    st.markdown("**Alignment tax by candidate and domain** — refusal tax in percentage points, capability tax in % "
                "of the baseline's score; grey: inconclusive (the point estimate is shown, the evidence does not "
                "support a severity yet).", help=METRIC_HELP["Refusal tax"] + " " + METRIC_HELP["Capability tax"])
    _heatmap(s)
    st.markdown("**Safety, attack success, cost and latency** (rates pooled over the domains: value, 95 % "
                "interval, n)")
    rows = S.candidate_rows(s)
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        S.SAFETY: st.column_config.TextColumn(help=catalogue.help_text("safety_rate")),
        S.ATTACK: st.column_config.TextColumn(help=catalogue.help_text("attack_success_rate")),
        S.cost_column(s): st.column_config.TextColumn(help=catalogue.help_text("cost_per_1k_prompts")),
        S.LATENCY: st.column_config.TextColumn(help=catalogue.help_text("latency_median_s")),
        S.SCORE: st.column_config.TextColumn(help=catalogue.help_text("ranking_score") + " The weights are set "
                                                  "under “Ranking for your use case” below.")})
    if s.decision:
        st.markdown("**Decision record** — " + common.escape_md(decision_sentence(s.decision)))
    else:
        st.caption("No decision has been recorded yet: record it in step 6.")
