"""Step 3: the models to compare (any LiteLLM provider, or the offline local model) and the baseline."""

from __future__ import annotations

import streamlit as st

from assessment.errors import UserError
from assessment.ui import common
from assessment.ui import state as S

INDEX = 2
FORM_FIELDS = {  # widget key: value after a successful add
    "w_cand_name": "", "w_cand_key": "", "w_cand_system": "", "w_cand_max_tokens": 0,
    "w_cand_price_in": 0.0, "w_cand_price_out": 0.0,
}


def _prefill(label: str | None = None) -> None:
    """Fill the form with the provider's example model string, API base and key variable."""
    p = S.provider(label or st.session_state.get("w_cand_provider", S.PROVIDERS[0].label))
    st.session_state["w_cand_model"] = p.model
    st.session_state["w_cand_base"] = p.api_base
    st.session_state["w_cand_env"] = p.key_env


def _add_from_form() -> None:
    """The form's submit callback: validate, add, keep a typed key for this session only, clear the form."""
    ss = st.session_state
    cands = common.wizard().candidates
    try:
        price_in, price_out = ss.get("w_cand_price_in") or 0.0, ss.get("w_cand_price_out") or 0.0
        candidate = S.new_candidate(
            cands.names(), name=ss.get("w_cand_name", ""), model=ss.get("w_cand_model", ""),
            api_base=ss.get("w_cand_base", ""), key_env="" if ss.get("w_cand_key") else ss.get("w_cand_env", ""),
            system_prompt=ss.get("w_cand_system", ""), max_tokens=ss.get("w_cand_max_tokens") or None,
            concurrency=int(ss.get("w_cand_concurrency", 4)), timeout_s=float(ss.get("w_cand_timeout", 60)),
            price_in=price_in if (price_in or price_out) else None, price_out=price_out if (price_in or price_out) else None)
    except UserError as exc:
        common.flash("error", f"The candidate was not added: {exc}")
        return
    S.add_candidate(cands, candidate)
    typed = (ss.get("w_cand_key") or "").strip()
    if typed:
        common.session_keys()[candidate.name] = typed
    for key, value in FORM_FIELDS.items():
        ss[key] = value
    common.flash("success", f"Added {candidate.name} ({candidate.model}).")


def candidate_list(cands: S.CandidatesState, keys: dict[str, str]) -> None:
    if not cands.candidates:
        st.info("No candidates yet. Add a model below, or use the offline local model.")
        return
    for cand in list(cands.candidates):
        with st.container(border=True):
            info, test, remove = st.columns([5, 2, 1])
            where = f" at `{cand.api_base}`" if cand.api_base else ""
            baseline = " · **baseline**" if cand.name == cands.baseline else ""
            info.markdown(f"**{common.escape_md(cand.name)}** — `{cand.model}`{where}{baseline}")
            info.caption(S.key_source(cand, keys))
            if test.button("Test connection", key=f"test_{cand.name}", width="stretch",
                           help="Sends one tiny request (5 tokens) to check the address, model name and key."):
                from assessment.ui.connection import check_connection

                with st.spinner(f"Calling {cand.name}…"):
                    cands.checks[cand.name] = check_connection(cand, keys)
            if remove.button("Remove", key=f"remove_{cand.name}", width="stretch"):
                S.remove_candidate(cands, cand.name, keys)
                st.rerun()
            result = cands.checks.get(cand.name)
            if result is not None:
                (st.success if result.ok else st.error)(result.message)


def baseline_choice(cands: S.CandidatesState) -> None:
    names = cands.names()
    if not names:
        return
    current = cands.baseline if cands.baseline in names else names[0]
    if st.session_state.get("w_baseline") not in names:
        st.session_state.pop("w_baseline", None)
    cands.baseline = st.selectbox(
        "Baseline", names, key=common.bind("w_baseline", current),
        help="The candidate the others are compared with: capability tax and refusal tax are measured against it. "
             "Usually the least restricted setting.")


def add_form() -> None:
    st.subheader("Add a model")
    common.bind("w_cand_provider", S.PROVIDERS[0].label)
    if "w_cand_model" not in st.session_state:
        _prefill()
    p = S.provider(st.selectbox("Provider", [p.label for p in S.PROVIDERS], key="w_cand_provider",
                                on_change=_prefill, help="Fills in an example model string; any LiteLLM model works."))
    st.caption(p.note)
    for key, value in FORM_FIELDS.items():
        common.bind(key, value)
    common.bind("w_cand_concurrency", 4)
    common.bind("w_cand_timeout", 60)
    with st.form("add_candidate", border=True):
        left, right = st.columns(2)
        left.text_input("Name", key="w_cand_name", placeholder="e.g. vendor-a-strict",
                        help="How this candidate is called in the reports. Two settings of one model are two candidates.")
        right.text_input("Model (LiteLLM model string)", key="w_cand_model",
                         help="provider/model, e.g. openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest, ollama/llama3.")
        st.text_input("API base URL (optional)", key="w_cand_base",
                      help="Only for self-hosted or gateway endpoints, e.g. http://127.0.0.1:8000/v1.")
        left, right = st.columns(2)
        left.text_input("API key from environment variable", key="w_cand_env",
                        help="The NAME of a variable set before starting the app, e.g. OPENAI_API_KEY. The key itself "
                             "is never stored.")
        right.text_input("…or type the API key (this session only)", key="w_cand_key", type="password",
                         help="Kept in memory for this browser session only: never saved, logged or exported.")
        with st.expander("Advanced: system prompt, answer length, speed, prices"):
            st.text_area("System prompt (optional)", key="w_cand_system",
                         help="E.g. a company safety policy. Same model with another system prompt = another candidate.")
            a, b, c = st.columns(3)
            a.number_input("Max answer tokens (0 = provider default)", min_value=0, step=64, key="w_cand_max_tokens")
            b.number_input("Parallel calls", min_value=1, max_value=64, step=1, key="w_cand_concurrency")
            c.number_input("Time limit per call (s)", min_value=1, max_value=600, step=5, key="w_cand_timeout")
            a, b = st.columns(2)
            a.number_input("Price per 1,000 input tokens (0 = unknown)", min_value=0.0, step=0.0001, format="%.4f",
                           key="w_cand_price_in")
            b.number_input("Price per 1,000 output tokens (0 = unknown)", min_value=0.0, step=0.0001, format="%.4f",
                           key="w_cand_price_out")
        st.form_submit_button("Add candidate", type="primary", on_click=_add_from_form, key="add_candidate_submit")


@st.fragment(run_every=1)
def local_model_status() -> None:
    from assessment.ui.jobs import LOCAL_KEY

    cands = common.wizard().candidates
    job = common.job_registry().get(LOCAL_KEY)
    if job is None:
        return
    if job.running:
        st.info("Starting the offline local model… (about 10 seconds; longer the first time)", icon=":material/hourglass:")
        return
    st.session_state.pop("w_local_requested", None)
    if job.error:
        common.flash("error", f"The local model could not start: {job.error}")
    elif job.api_base:
        added = S.add_local_preset(cands, job.api_base)
        common.flash("success", f"Added {', '.join(added)} (local model at {job.api_base}).")
    st.rerun(scope="app")


def local_preset() -> None:
    st.subheader("No API key? Use the offline local model")
    st.caption("Gemma 3 270M, a small *base* model running on this computer, in three settings: no safety, broad "
               "safety and targeted safety (in-context alignment). It shows a real alignment tax without any vendor.")
    if st.button("Use the offline local model (3 candidates)", key="local_preset", icon=":material/computer:"):
        from assessment.ui.jobs import start_local_model

        job = start_local_model(common.job_registry())
        if job.api_base:
            added = S.add_local_preset(common.wizard().candidates, job.api_base)
            common.flash("success", f"Added {', '.join(added)} (local model at {job.api_base}).")
            st.rerun()
        st.session_state["w_local_requested"] = True
    if st.session_state.get("w_local_requested"):
        local_model_status()


def render() -> None:
    common.header(INDEX)
    cands = common.wizard().candidates
    keys = common.session_keys()
    st.subheader("Candidates")
    candidate_list(cands, keys)
    baseline_choice(cands)
    left, right = st.columns([3, 2], gap="large")
    with left:
        add_form()
    with right:
        local_preset()
    common.nav(INDEX, lambda: None if cands.candidates else "Add at least one candidate first.")


if __name__ == "__main__":
    common.guarded(render)
