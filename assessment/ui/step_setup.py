"""Step 1: name the assessment, its purpose and evaluator — or open a stored assessment."""

from __future__ import annotations

import streamlit as st

from assessment.pipeline import load_stored
from assessment.ui import common
from assessment.ui.state import WizardState, from_stored

INDEX = 0


def _open_stored(assessment_id: str, then: int) -> None:
    with common.open_store() as store:
        stored = load_stored(store, assessment_id)
    st.session_state[common.WIZARD] = from_stored(stored)
    common.invalidate_results()
    common.reset_widgets()
    common.flash("success", f"Opened the stored assessment {stored.config.name!r} ({assessment_id}).")
    common.go(then)


def stored_assessments() -> None:
    with common.open_store() as store:
        stored = store.list_assessments()
    if not stored:
        st.info("No assessments are stored yet. Start a new one on the left.")
        st.caption(f"Store: {common.store_path()}")
        return
    by_id = {a.id: a for a in stored}
    chosen = st.selectbox(
        "Stored assessment", list(by_id), key="w_open_id",
        format_func=lambda i: f"{by_id[i].name} — {by_id[i].status} — {by_id[i].created_at[:16].replace('T', ' ')}",
        help="Assessments saved in this computer's store, newest first.")
    a = by_id[chosen]
    st.caption(f"Id {a.id} · last change {a.updated_at[:16].replace('T', ' ')} · status {a.status} · "
               f"store {common.store_path()}")
    left, right = st.columns(2)
    if left.button("Continue this assessment", key="open_continue", width="stretch",
                   help="Load its packs and candidates; resuming runs only the calls that are not stored yet."):
        _open_stored(chosen, then=3)
    if right.button("Review its results", key="open_review", type="primary", width="stretch"):
        _open_stored(chosen, then=4)


def _start_new() -> None:
    st.session_state[common.WIZARD] = WizardState()  # an explicit switch: nothing is re-attached
    common.invalidate_results()
    common.reset_widgets()
    common.flash("success", "Started a new assessment. The previous one stays in the store (open it on the right).")


def render() -> None:
    common.header(INDEX)
    w = common.wizard()
    if w.assessment_id:
        note, button = st.columns([4, 1], vertical_alignment="center")
        note.info(f"You are working on the stored assessment {w.assessment_id}. Its run continues in the background "
                  "if it is running.")
        button.button("Start a new assessment", key="setup_new", on_click=_start_new, width="stretch")
        w = common.wizard()
    new, stored = st.columns([3, 2], gap="large")
    with new:
        st.subheader("New assessment")
        w.setup.name = st.text_input(
            "Assessment name", key=common.bind("w_setup_name", w.setup.name),
            placeholder="e.g. Support assistant — vendor choice, Q1",
            help="A short title; it appears on every report.")
        w.setup.purpose = st.text_area(
            "Purpose", key=common.bind("w_setup_purpose", w.setup.purpose), height=100,
            placeholder="e.g. Choose the model for our customer-support assistant; medical and legal questions matter most.",
            help="What decision this assessment supports. It is printed on the reports.")
        w.setup.evaluator = st.text_input(
            "Evaluator", key=common.bind("w_setup_evaluator", w.setup.evaluator), placeholder="Your name",
            help="Who runs the assessment; used as the default reviewer name.")
    with stored:
        st.subheader("Or open a stored assessment")
        stored_assessments()
    common.nav(INDEX, lambda: None if w.setup.name.strip() else "Give the assessment a name first.")


if __name__ == "__main__":
    common.guarded(render)
