"""Step 6: the decision record, then PDF, Excel and JSON built from the same scorecard."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assessment.audit.decision import RecordedDecision
from assessment.audit.log import record_decision
from assessment.reports.bundle import bundle_bytes, bundle_name
from assessment.reports.export import download_name
from assessment.ui import common
from assessment.ui.downloads import build_downloads

INDEX = 5
OTHER_DECISIONS = ["Adopt none of them", "Needs further evaluation"]


def decision_options(scorecard) -> list[str]:
    return [f"Adopt {c.name}" for c in scorecard.candidates] + OTHER_DECISIONS


@common.safe_callback
def _save_decision(assessment_id: str) -> None:
    ss = st.session_state
    record = {
        "decision": ss.get("w_dec_decision") or "",
        "rationale": (ss.get("w_dec_rationale") or "").strip(),
        "evaluator": (ss.get("w_dec_evaluator") or "").strip(),
        "approver": (ss.get("w_dec_approver") or "").strip(),
        "date": (ss.get("w_dec_date") or dt.date.today()).isoformat(),
    }
    missing = [k for k in ("decision", "rationale", "evaluator") if not record[k]]
    if missing:
        common.flash("error", f"The decision was not saved: fill in {', '.join(missing)}.")
        return

    scorecard, _ = common.results()
    with common.open_store() as store:
        record = record_decision(store, assessment_id, record, scorecard)
    common.invalidate_results()
    common.flash("success", f"Decision recorded: {record['decision']} ({record['date']}). It is part of every export.")


def decision_form(scorecard) -> None:
    st.subheader("Decision record")
    existing = scorecard.decision or RecordedDecision()
    options = decision_options(scorecard)
    if existing.decision and existing.decision not in options:
        options.append(existing.decision)
    common.bind("w_dec_decision", existing.decision or options[0])
    common.bind("w_dec_rationale", existing.rationale or "")
    common.bind("w_dec_evaluator", existing.evaluator or scorecard.evaluator or common.wizard().setup.evaluator)
    common.bind("w_dec_approver", existing.approver or "")
    try:
        default_date = dt.date.fromisoformat(existing.date) if existing.date else dt.date.today()
    except ValueError:
        default_date = dt.date.today()
    common.bind("w_dec_date", default_date)
    with st.form("decision", border=True):
        st.selectbox("Decision", options, key="w_dec_decision", help="What the organisation decided, given this scorecard.")
        st.text_area("Rationale", key="w_dec_rationale", height=110,
                     placeholder="e.g. B has the lowest over-refusal in medical and legal at the same safety; its "
                                 "capability tax in security is acceptable for our use.",
                     help="Why — in words a stakeholder who did not see the dashboard can follow.")
        a, b, c = st.columns(3)
        a.text_input("Evaluator", key="w_dec_evaluator")
        b.text_input("Approver", key="w_dec_approver", help="Who signs the decision off (optional).")
        c.date_input("Date", key="w_dec_date")
        st.form_submit_button("Save the decision", key="decision_submit", type="primary", on_click=_save_decision,
                              args=(scorecard.assessment_id,))
    if not existing.is_empty():
        st.success(f"Recorded decision: **{common.escape_md(existing.decision or '')}** on {existing.date or ''}"
                   + (f", approved by {common.escape_md(existing.approver)}" if existing.approver else ""))


def downloads(scorecard, judged) -> None:
    st.subheader("Download the reports")
    include = st.checkbox("Include harmful completions in the exports", key="w_include_harmful",
                          help="Off: answers that complied with a harmful request are replaced by a note. Turn on "
                               "only for a red team that needs the text.")
    cache = st.session_state[common.RESULTS]["downloads"]
    if include not in cache:
        with st.spinner("Building the PDF, Excel and JSON files…"):
            cache[include] = build_downloads(scorecard, judged, include_harmful=include)
    cols = st.columns(3)
    col_of = {"pdf": cols[0], "xlsx": cols[1], "json": cols[2]}
    for d in cache[include]:
        col = col_of[d.format]
        if d.data is None:
            col.warning(d.problem)
            continue
        label = {"scorecard.pdf": "Download PDF report", "scorecard.xlsx": "Download Excel workbook",
                 "scorecard.json": "Download JSON (scorecard.json)",
                 "responses.jsonl": "Download all responses (responses.jsonl)"}.get(d.filename, f"Download {d.filename}")
        col.download_button(label, data=d.data, file_name=download_name(scorecard.name, d.filename), mime=d.mime,
                            key=f"dl_{d.filename}",
                            on_click="ignore", type="primary" if d.format == "pdf" else "secondary", width="stretch")
    st.caption("All files are rendered from the same scorecard, so every number matches the dashboard.")
    evidence_bundle(scorecard)


def evidence_bundle(scorecard) -> None:
    """The zip an auditor can check offline with ``python -m assessment verify``."""
    st.subheader("Evidence bundle for compliance")
    st.caption("One zip with the config, packs and attack file as run, every response with its verdict, the audit "
               "log, the scorecard, the PDF and Excel, and a manifest with the SHA-256 of every file. Anyone can "
               "check it offline with `python -m assessment verify FILE.zip`. Completions of harmful requests stay "
               "redacted unless the assessment's config opts in.")
    cache = st.session_state[common.RESULTS]["downloads"]
    if "bundle" not in cache:
        if not st.button("Prepare the evidence bundle", key="bundle_build"):
            return
        with st.spinner("Building the evidence bundle…"), common.open_store() as store:
            cache["bundle"] = bundle_bytes(store, scorecard.assessment_id)
    st.download_button("Download the evidence bundle (.zip)", data=cache["bundle"], key="dl_bundle",
                       file_name=bundle_name(scorecard.name), mime="application/zip",
                       on_click="ignore")


def render() -> None:
    common.header(INDEX)
    w = common.wizard()
    if not w.assessment_id:
        st.info("There is nothing to export yet: run an assessment in step 4, or open a stored one in step 1.")
        common.nav(INDEX)
        return
    scorecard, judged = common.results()
    st.markdown(f"**{common.escape_md(scorecard.name)}** · assessment {scorecard.assessment_id}")
    decision_form(scorecard)
    downloads(scorecard, judged)
    common.nav(INDEX)


if __name__ == "__main__":
    common.guarded(render)
