"""Step 3: the models to compare (any LiteLLM provider, or the offline local model) and the baseline."""

from __future__ import annotations

import streamlit as st

from assessment.errors import UserError
from assessment.ui import common
from assessment.ui import state as S
from assessment.ui.connection import check_connection
from assessment.ui.jobs import LOCAL_KEY, start_local_model

INDEX = 2
GEN = "w_cand_gen"  # bumped after a successful add: the per-candidate fields start again empty


def field_key(name: str, gen: int | None = None) -> str:
    """The widget key of a per-candidate form field in the current form generation."""
    return f"w_cand_{name}_{st.session_state.get(GEN, 0) if gen is None else gen}"


@common.safe_callback
def _prefill(label: str | None = None) -> None:
    """Fill the form with the provider's example model string, API base and key variable."""
    p = S.provider(label or st.session_state.get("w_cand_provider", S.PROVIDERS[0].label))
    st.session_state["w_cand_model"] = p.model
    st.session_state["w_cand_base"] = p.api_base
    st.session_state["w_cand_env"] = p.key_env


@common.safe_callback
def _add_from_form(gen: int) -> None:
    """The form's submit callback: validate, add, keep a typed key for this session only, clear the form."""
    ss = st.session_state
    cands = common.wizard().candidates

    def value(name: str, default=None):
        return ss.get(field_key(name, gen), default)

    typed = (value("key") or "").strip()
    price_in, price_out = value("price_in") or 0.0, value("price_out") or 0.0
    priced = bool(price_in or price_out)
    try:
        candidate = S.new_candidate(
            cands.names(), name=value("name") or "", model=ss.get("w_cand_model", ""),
            api_base=ss.get("w_cand_base", ""), key_env="" if typed else ss.get("w_cand_env", ""),
            system_prompt=value("system") or "", max_tokens=value("max_tokens") or None,
            concurrency=int(value("concurrency") or 4), timeout_s=float(value("timeout") or 60),
            price_in=price_in if priced else None, price_out=price_out if priced else None)
    except UserError as exc:
        common.flash("error", f"The candidate was not added: {exc}")
        return
    S.add_candidate(cands, candidate)
    if typed:
        common.session_keys()[candidate.name] = typed
    for key in [k for k in ss.keys() if isinstance(k, str) and k.startswith("w_cand_") and k.endswith(f"_{gen}")]:
        del ss[key]  # the typed key (and the other fields) are forgotten by the widgets
    ss[GEN] = gen + 1
    _prefill()  # model, API base and key variable back to the provider's example: the form starts afresh
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
                with st.spinner(f"Calling {cand.name}…"):
                    cands.checks[cand.name] = check_connection(cand, keys)
                if not cands.baseline_chosen:
                    cands.baseline = cands.default_baseline()
            if remove.button("Remove", key=f"remove_{cand.name}", width="stretch"):
                S.remove_candidate(cands, cand.name, keys)
                st.rerun()
            result = cands.checks.get(cand.name)
            if result is not None:
                (st.success if result.ok else st.error)(common.escape_md(f"{cand.name}: {result.message}"))  # provider text


def baseline_choice(cands: S.CandidatesState) -> None:
    names = cands.names()
    if not names:
        return
    current = cands.default_baseline()
    if st.session_state.get("w_baseline") not in names or (not cands.baseline_chosen
                                                            and st.session_state.get("w_baseline") != current):
        st.session_state["w_baseline"] = current  # follows the connection tests until the user picks one
    cands.baseline = st.selectbox(
        "Baseline", names, key="w_baseline", on_change=_baseline_picked,
        help="The candidate the others are compared with: capability tax and refusal tax are measured against it. "
             "Usually the least restricted setting.")
    check = cands.checks.get(cands.baseline)
    if check is not None and not check.ok:
        st.warning(f"The baseline {cands.baseline} did not connect: fix it or choose another baseline.")
    elif not cands.baseline_chosen:
        st.caption(f"{cands.baseline} is the baseline because it is the "
                   + ("first candidate that connected" if check is not None else "first candidate (not tested yet)")
                   + ". Choose another one here if it is not the right reference.")


def _baseline_picked() -> None:
    common.wizard().candidates.baseline_chosen = True


def add_form() -> None:
    st.subheader("Add a model")
    common.bind("w_cand_provider", S.PROVIDERS[0].label)
    if "w_cand_model" not in st.session_state:
        _prefill()
    p = S.provider(st.selectbox("Provider", [p.label for p in S.PROVIDERS], key="w_cand_provider",
                                on_change=_prefill, help="Fills in an example model string; any LiteLLM model works."))
    st.caption(p.note)
    gen = st.session_state.setdefault(GEN, 0)
    with st.form("add_candidate", border=True):
        left, right = st.columns(2)
        left.text_input("Name", key=field_key("name", gen), placeholder="e.g. vendor-a-strict",
                        help="How this candidate is called in the reports. Two settings of one model are two candidates.")
        right.text_input("Model (LiteLLM model string)", key="w_cand_model",
                         help="provider/model, e.g. openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest, ollama/llama3.")
        st.text_input("API base URL (optional)", key="w_cand_base",
                      help="Only for self-hosted or gateway endpoints, e.g. http://127.0.0.1:8000/v1.")
        left, right = st.columns(2)
        left.text_input("API key from environment variable", key="w_cand_env",
                        help="The NAME of a variable set before starting the app, e.g. OPENAI_API_KEY. The key itself "
                             "is never stored.")
        right.text_input("…or type the API key (this session only)", key=field_key("key", gen), type="password",
                         help="Kept in memory for this browser session only: never saved, logged or exported.")
        with st.expander("Advanced: system prompt, answer length, speed, prices"):
            st.text_area("System prompt (optional)", key=field_key("system", gen),
                         help="E.g. a company safety policy. Same model with another system prompt = another candidate.")
            a, b, c = st.columns(3)
            a.number_input("Max answer tokens (0 = provider default)", min_value=0, value=0, step=64,
                           key=field_key("max_tokens", gen))
            b.number_input("Parallel calls", min_value=1, max_value=64, value=4, step=1, key=field_key("concurrency", gen))
            c.number_input("Time limit per call (s)", min_value=1, max_value=600, value=60, step=5,
                           key=field_key("timeout", gen))
            a, b = st.columns(2)
            a.number_input("Price per 1,000 input tokens (0 = unknown)", min_value=0.0, value=0.0, step=0.0001,
                           format="%.4f", key=field_key("price_in", gen))
            b.number_input("Price per 1,000 output tokens (0 = unknown)", min_value=0.0, value=0.0, step=0.0001,
                           format="%.4f", key=field_key("price_out", gen))
        st.form_submit_button("Add candidate", type="primary", on_click=_add_from_form, args=(gen,),
                              key="add_candidate_submit")


@st.fragment(run_every=1)
def local_model_status() -> None:
    cands = common.wizard().candidates
    job = common.job_registry().get(LOCAL_KEY)
    if job is None:
        return
    if job.running:
        st.info("Starting the offline local model… (about 10 seconds; longer the first time)", icon=":material/hourglass:")
        return
    st.session_state.pop("w_local_requested", None)
    if job.error:
        common.flash("error", f"The local model could not start: {common.escape_md(str(job.error))}")
    elif job.api_base:
        added = S.add_local_preset(cands, job.api_base)
        common.flash("success", f"Added {', '.join(added)} (local model at {job.api_base}).")
    st.rerun(scope="app")


def local_preset() -> None:
    st.subheader("No API key? Use the offline local model")
    st.caption("Gemma 3 270M, a small *base* model running on this computer, in three settings: no safety, broad "
               "safety and targeted safety (in-context alignment). It shows a real alignment tax without any vendor.")
    if st.button("Use the offline local model (3 candidates)", key="local_preset", icon=":material/computer:"):
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
