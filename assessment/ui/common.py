"""What every step page shares: the named session keys, the step header, Back/Next, error display,
the job registry and the cached scorecard of the assessment under review.

Session state lives under these keys only (plus transient widget keys starting with ``w_``):

- ``wizard``: a ``WizardState`` with every choice made in the steps;
- ``session_keys``: API keys typed in step 3, ``{candidate name: key}``, never written anywhere;
- ``results``: the scorecard, judged responses and built exports of the assessment under review;
- ``flash``: messages to show once after a rerun.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

import streamlit as st

from assessment.config import default_store_path
from assessment.errors import UserError, ValidationProblems
from assessment.pipeline import compute_scorecard
from assessment.run.store import open_store as _open
from assessment.ui import review_decision as RD
from assessment.ui.continuity import reattached_state
from assessment.ui.state import WizardState

log = logging.getLogger("assessment.ui")

WIZARD, SESSION_KEYS, RESULTS, FLASH = "wizard", "session_keys", "results", "flash"


class Step(NamedTuple):
    path: str
    title: str
    intro: str


STEPS = [
    Step("assessment/ui/step_setup.py", "Set up", "Name the assessment and say what it is for, or open a stored one."),
    Step("assessment/ui/step_packs.py", "Domain packs",
         "Choose the domains to test, how many prompts per category, and which jailbreak styles to try."),
    Step("assessment/ui/step_candidates.py", "Candidates",
         "Add the models to compare and choose the baseline the tax is measured against."),
    Step("assessment/ui/step_run.py", "Estimate and run", "Check the size and cost, then run the assessment."),
    Step("assessment/ui/step_review.py", "Review", "Read the scorecard, look at individual answers and correct verdicts."),
    Step("assessment/ui/step_export.py", "Export", "Record the decision and download the reports."),
]


# --- session state --------------------------------------------------------------------------

def wizard() -> WizardState:
    """The wizard's state; a new session (a refresh, another tab) picks up a running or unfinished
    assessment, so work never looks lost. Switching to another assessment is done in step 1."""
    if WIZARD not in st.session_state:
        st.session_state[WIZARD] = _reattach() or WizardState()
    return st.session_state[WIZARD]


def _reattach() -> WizardState | None:
    try:
        with open_store() as store:
            found = reattached_state(job_registry(), store)
    except Exception:  # an unreadable store must not stop the wizard from opening
        log.exception("looking for an unfinished assessment failed")
        return None
    if found is None:
        return None
    state, note = found
    flash("info", note)
    return state


def session_keys() -> dict[str, str]:
    if SESSION_KEYS not in st.session_state:
        st.session_state[SESSION_KEYS] = {}
    return st.session_state[SESSION_KEYS]


def bind(key: str, initial) -> str:
    """Give a widget its starting value from the plain state (once) and return its key."""
    if key not in st.session_state:
        st.session_state[key] = initial
    return key


def reset_widgets() -> None:
    """Forget every widget value, so widgets start again from the plain state (after loading one)."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith("w_"):
            del st.session_state[key]


def flash(kind: str, message: str) -> None:
    st.session_state.setdefault(FLASH, []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop(FLASH, []):
        {"success": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)(message)


@st.cache_resource
def job_registry() -> dict:
    """Background jobs by id, shared by the sessions of this server process."""
    return {}


# --- store and results ----------------------------------------------------------------------

def store_path():
    return default_store_path()


@contextmanager
def open_store() -> Iterator:
    store = _open(store_path())
    try:
        yield store
    finally:
        store.close()


def selected_assessment_id() -> str:
    """The assessment under review (the review and export steps are only reached with one chosen)."""
    assessment_id = wizard().assessment_id
    if assessment_id is None:
        raise UserError("No assessment is selected: run one or open a stored one first.")
    return assessment_id


def invalidate_results() -> None:
    st.session_state.pop(RESULTS, None)


def results():
    """(scorecard, judged) of the assessment under review, computed once and again after each change
    (an override, a decision, or a run of this assessment that was still going when it was computed).

    The scorecard carries the choices made in step 5, so every export shows them: the ranking with
    the use-case weights in ``wizard().ranking`` and the comparison with the earlier assessment in
    ``wizard().compare_with`` (recomputed with the scorecard)."""
    w = wizard()
    assessment_id = selected_assessment_id()
    cached = st.session_state.get(RESULTS)
    job = job_registry().get(w.job_id) if w.job_id else None
    run_moved = job is not None and job.assessment_id == assessment_id and cached is not None and (
        job.running or (job.ended_at or 0) > cached["computed_at"])
    if cached is None or cached["assessment_id"] != assessment_id or run_moved:
        with st.spinner("Scoring the responses…"), open_store() as store:
            scorecard, judged = compute_scorecard(store, assessment_id, session_keys=session_keys())
            earlier = w.compare_with.get(assessment_id)
            if earlier:
                try:
                    scorecard = RD.compare_with_earlier(store, earlier, scorecard, judged, session_keys())
                except Exception as exc:  # e.g. the earlier assessment was deleted: keep the page usable
                    if not isinstance(exc, UserError):
                        log.exception("comparison with an earlier assessment failed")
                    w.compare_with.pop(assessment_id, None)
                    st.warning(f"The comparison with assessment {earlier} was dropped: {exc}")
        cached = {"assessment_id": assessment_id, "scorecard": scorecard, "judged": judged, "downloads": {},
                  "computed_at": time.time()}
        st.session_state[RESULTS] = cached
    ranked = RD.with_ranking(cached["scorecard"], w.ranking)
    if ranked is not None:
        update_scorecard(ranked)
    return cached["scorecard"], cached["judged"]


def update_scorecard(scorecard) -> None:
    """Replace the scorecard under review (same numbers, new ranking or comparison); exports are rebuilt."""
    cached = st.session_state[RESULTS]
    cached["scorecard"] = scorecard
    cached["downloads"] = {}


# --- page frame -----------------------------------------------------------------------------

def header(index: int) -> None:
    """Title, a progress indicator of the six steps, and any message left by the last action."""
    step = STEPS[index]
    st.title(f"{index + 1}. {step.title}")
    st.progress((index + 1) / len(STEPS), text=f"Step {index + 1} of {len(STEPS)}")
    w = wizard()
    done = [bool(w.setup.name.strip()), bool(w.packs.selected), bool(w.candidates.candidates),
            bool(w.assessment_id), bool(w.assessment_id), False]
    trail = []
    for i, s in enumerate(STEPS):
        if i == index:
            trail.append(f"**:blue[{i + 1}. {s.title}]**")
        elif i < index:  # behind us: done, or still missing something
            trail.append(f":green[✓ {s.title}]" if done[i] else f":orange[! {s.title}]")
        else:
            trail.append(f":gray[{i + 1}. {s.title}]")
    st.markdown(" → ".join(trail))
    about = [step.intro]
    if index > 0 and w.setup.name:
        stored = f" (stored as {w.assessment_id})" if w.assessment_id else ""
        about.append(f"Assessment: **{escape_md(w.setup.name)}**{stored}")
    st.caption(" · ".join(about))
    show_flash()


def go(index: int) -> None:
    st.switch_page(STEPS[index].path)


def nav(index: int, check_next: Callable[[], str | None] | None = None, next_label: str = "Next →") -> None:
    """Back and Next. ``check_next`` returns what is missing (a sentence) or None to allow Next."""
    st.divider()
    back, forward, _ = st.columns([1, 1, 5])
    if index == 0:
        back, forward = forward, back  # Next on the left when there is no Back
    if index > 0 and back.button("← Back", key="nav_back", width="stretch"):
        go(index - 1)
    if index < len(STEPS) - 1 and forward.button(next_label, key="nav_next", type="primary", width="stretch"):
        missing = check_next() if check_next else None
        if missing:
            st.warning(missing)
        else:
            go(index + 1)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$])")


def escape_md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def show_problems(title: str, problems: list[str]) -> None:
    """One st.error listing every problem line (file, row or line, field, what is wrong)."""
    lines = "\n".join(f"- {escape_md(p)}" for p in problems)
    st.error(f"**{escape_md(title)}**\n\n{lines}")


def show_error(exc: BaseException) -> None:
    if isinstance(exc, ValidationProblems):
        show_problems("Please fix these problems:", exc.problems)
    elif isinstance(exc, UserError):
        st.error(escape_md(str(exc)))
    else:
        log.exception("unexpected error in the wizard")
        st.error(f"Something went wrong on this page ({type(exc).__name__}: {escape_md(str(exc))}). Your choices are kept; "
                 "go back a step or reload the page. If it happens again, report this message.")


def safe_callback(fn: Callable) -> Callable:
    """A widget callback runs before the page body: its problems become a message on the next run."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError as exc:
            flash("error", str(exc))
        except Exception as exc:
            log.exception("unexpected error in a wizard callback")
            flash("error", f"That did not work ({type(exc).__name__}: {exc}). Your choices are kept.")

    return wrapper


def guarded(render: Callable[[], None]) -> None:
    """Run a page body; bad input and bugs become readable messages, never a traceback."""
    try:
        render()
    except Exception as exc:  # streamlit's rerun/stop signals are BaseException and pass through
        show_error(exc)
