"""Step 4: the size and cost of the run, then the run itself in a background thread with live progress."""

from __future__ import annotations

import streamlit as st

from assessment.analysis.evidence_model import stop_reason_words
from assessment.analysis.power import plan_power
from assessment.config import check_keys_present
from assessment.errors import UserError, ValidationProblems
from assessment.pipeline import prepare
from assessment.run.call import CallStatus
from assessment.run.estimates import cost_words, latency_basis, run_seconds
from assessment.run.plan import estimate
from assessment.ui import common
from assessment.ui import state as S
from assessment.ui.connection import check_connection
from assessment.ui.jobs import RunJob, format_seconds, running_job_for, start_run

INDEX = 3


def estimate_table(prepared) -> None:
    cands = common.wizard().candidates
    rows, notes = [], []
    with common.open_store() as store:
        for e in estimate(prepared.plan, prepared.config, seconds_per_call=None):
            cand = prepared.config.candidate(e.candidate)
            check = cands.checks.get(cand.name)
            basis = latency_basis(store, cand, check.latency_s if check is not None and check.ok else None)
            seconds = run_seconds(e.calls, cand.concurrency, basis)
            time_text = "unknown" if seconds is None else format_seconds(seconds)
            if basis.source.value == "connection test" and seconds is not None:
                time_text = f"at least {time_text}"
            rows.append({"candidate": e.candidate, "calls": e.calls, "parallel calls": cand.concurrency,
                         "input tokens (est.)": e.input_tokens, "output tokens (est.)": e.output_tokens,
                         "cost (est.)": cost_words(e.cost), "time (est.)": time_text})
            notes.append(f"{e.candidate}: {basis.words()}")
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "calls": st.column_config.NumberColumn("calls", help="Requests this candidate will get (prompts × attacks)."),
        "input tokens (est.)": st.column_config.NumberColumn(help="About 4 characters per token."),
        "output tokens (est.)": st.column_config.NumberColumn(
            help="Max answer tokens if set, else about 200 per answer."),
        "cost (est.)": st.column_config.TextColumn(
            help="From the candidate's price setting (taken as USD), else LiteLLM's price list (USD); unknown when "
                 "no price is known, e.g. for self-hosted models."),
        "time (est.)": st.column_config.TextColumn(
            help="Calls ÷ parallel calls × the measured time per call (see below)."),
    })
    st.caption("Time per call — " + "; ".join(notes) + ".")
    if st.button("Measure response time (one short call per candidate)", key="run_probe"):
        with st.spinner("Calling each candidate once…"):
            for cand in prepared.config.candidates:
                cands.checks[cand.name] = check_connection(cand, common.session_keys())
        st.rerun()


def power_note(prepared) -> None:
    """What over-refusal difference this sample can detect, per domain, in plain words."""
    rows = plan_power(prepared.plan.items_per_pack)
    if not rows:
        return
    lines = "\n".join(f"- **{common.escape_md(r.pack_id)}**: {r.sentence}" for r in rows)
    st.info("**What this sample can detect.** Two candidates' over-refusal rates must differ by at least this "
            "much before the difference is likely to show as significant:\n" + lines)


def _start(prepared, resume: bool) -> None:
    w = common.wizard()
    job = start_run(common.job_registry(), common.store_path(), prepared, common.session_keys(), resume=resume,
                    until_decided=bool(st.session_state.get("w_run_until_decided")))
    w.job_id, w.assessment_id = job.id, job.assessment_id
    common.invalidate_results()
    st.rerun()


@st.fragment(run_every=1)
def live_progress(job_id: str) -> None:
    job: RunJob | None = common.job_registry().get(job_id)
    if job is None:
        return
    if job.ended:
        st.rerun(scope="app")  # the page shows the outcome and the next steps
    p = job.progress
    if job.until_decided:
        st.caption(f"Run until decided: round {len(job.rounds) + 1}"
                   + (f" · after round {job.rounds[-1].round}: {len(job.rounds[-1].open_cells_after)} cell(s) still "
                      "open" if job.rounds else ""))
    if not p.per_candidate:
        st.progress(0.0, text=f"Starting… {job.total_calls} calls planned (loading the model client)")
    for name, cp in p.per_candidate.items():
        share = cp.done / cp.total if cp.total else 1.0
        st.progress(share, text=f"**{name}**: {cp.done} / {cp.total} done · {cp.errors} errors · "
                                f"{cp.cached} from the store")
    eta = p.eta_seconds() if p.per_candidate else None
    st.caption(f"Elapsed {format_seconds(p.elapsed())} · time left about {format_seconds(eta)}"
               + (" · cancelling: waiting for calls in flight to be saved…" if job.cancel.is_set() else ""))
    st.button("Cancel", key="run_cancel", on_click=job.request_cancel, disabled=job.cancel.is_set(),
              help="Stops sending new calls. Everything already answered is kept; resume later to finish.")


def error_reasons(assessment_id: str, limit: int = 5) -> list[str]:
    with common.open_store() as store:
        rows = store.call_rows(assessment_id)
    reasons: dict[tuple[str, str], int] = {}
    for r in rows:
        if r.status == CallStatus.ERROR:
            reasons[(r.candidate, r.error or "unknown")] = reasons.get((r.candidate, r.error or "unknown"), 0) + 1
    return [f"{cand}: {reason} ({n}×)" for (cand, reason), n in list(reasons.items())[:limit]]


def outcome(job: RunJob, prepared, can_start: bool) -> None:
    p = job.progress
    if job.status == "failed":
        st.error(f"The run stopped: {common.escape_md(str(job.error))}")
    elif job.status == "cancelled":
        st.warning(f"Cancelled. {p.done} of {p.total} calls are saved. Resume to finish the rest — calls already "
                   "answered are not sent (or paid for) again.")
    elif job.until_decided and job.rounds:
        last = job.rounds[-1]
        st.success(f"Finished after {len(job.rounds)} round(s) because {stop_reason_words(job.stop_reason)}: {last.calls_total} calls instead of "
                   f"{job.total_calls} for the full packs ({job.calls_saved} saved). Go on to the review.")
    else:
        st.success(f"Finished: {p.done} calls ({p.cached} reused from the store, {p.errors} errors) in "
                   f"{format_seconds(p.elapsed())}. Go on to the review.")
    if p.errors:
        common.show_problems("Some calls failed after retries (they are excluded from every rate):",
                             error_reasons(job.assessment_id))
    if job.status in ("failed", "cancelled") and st.button("Resume", key="run_resume", type="primary",
                                                           disabled=not can_start):
        _start(prepared, resume=True)


def render() -> None:
    common.header(INDEX)

    w = common.wizard()
    keys = common.session_keys()
    try:
        config = S.build_config(w)
        prepared = prepare(config, packs=S.selected_packs(w.packs))
    except ValidationProblems as exc:
        common.show_problems("The assessment is not ready to run:", exc.problems)
        common.nav(INDEX, lambda: "Fix the problems above first.")
        return
    st.subheader("Size and cost")
    estimate_table(prepared)
    power_note(prepared)
    with common.open_store() as store:
        stored = len(store.cached_keys(c.cache_key for c in prepared.plan.calls))
        previous = store.latest_assessment(config.config_hash())
    total = len(prepared.plan.calls)
    st.caption(f"{total} calls in all. {stored} of them are already answered in the store and will not be sent "
               "(or paid for) again.")
    can_start = True
    try:
        check_keys_present(config, keys)
    except UserError as exc:
        st.error(f"{exc} — or type the key in step 3.")
        can_start = False

    st.subheader("Run")
    if w.job_id is None and w.assessment_id:  # a run of this assessment still going (e.g. the page was reloaded)
        attached = running_job_for(common.job_registry(), w.assessment_id)
        w.job_id = attached.id if attached else None
    job: RunJob | None = common.job_registry().get(w.job_id) if w.job_id else None
    if job is not None and job.running:
        live_progress(job.id)
    else:
        if job is not None:
            outcome(job, prepared, can_start)
        st.checkbox("Run until decided", key="w_run_until_decided",
                    help="Run in rounds (4, 8, 16 items per category, then all): each round adds items only for the "
                         "candidate × domain cells whose conclusion is still open, and stops once every cell is "
                         "decided. Usually far fewer calls than the full packs; the statistics account for the "
                         "extra looks.")
        left, right, _ = st.columns([2, 3, 3])
        if left.button("Start the assessment" if job is None else "Run again as a new assessment", key="run_start",
                       type="primary" if job is None else "secondary", disabled=not can_start, width="stretch"):
            _start(prepared, resume=False)
        if previous and job is None and right.button(
                "Resume the last run of this setup", key="run_resume_previous", disabled=not can_start, width="stretch",
                help="Continue the stored assessment with exactly these choices; only missing calls are sent."):
            _start(prepared, resume=True)
        if job is None and w.assessment_id:
            st.caption(f"Results of the stored assessment {w.assessment_id} can be reviewed in the next step.")
    common.nav(INDEX, lambda: None if w.assessment_id else "Start the assessment first (or open a stored one in step 1).")


if __name__ == "__main__":
    common.guarded(render)
