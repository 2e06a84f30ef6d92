"""Which assessment a new browser session (a refresh, a second tab) picks up: a run still going in
this server process, else the newest stored assessment that has not finished. No streamlit here."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from assessment.pipeline import load_stored
from assessment.ui.jobs import RunJob
from assessment.ui.state import from_stored

UNFINISHED = ("running", "planned", "interrupted", "cancelled")


class Reattach(BaseModel):
    assessment_id: str
    job_id: str | None  # the live run, if one is going
    status: str


def find_unfinished(registry: dict[str, Any], store: Any) -> Reattach | None:
    live = sorted((j for j in registry.values() if isinstance(j, RunJob) and j.running), key=lambda j: -j.started)
    if live:
        return Reattach(assessment_id=live[0].assessment_id, job_id=live[0].id, status="running")
    for info in store.list_assessments():  # newest first
        if info.status in UNFINISHED:
            return Reattach(assessment_id=info.id, job_id=None, status=info.status)
    return None


def reattached_state(registry: dict[str, Any], store: Any):
    """(WizardState of the unfinished assessment, a sentence saying so), or None when there is none."""
    found = find_unfinished(registry, store)
    if found is None:
        return None
    stored = load_stored(store, found.assessment_id)
    state = from_stored(stored)
    state.job_id = found.job_id
    what = "still running" if found.job_id else f"not finished (status: {found.status})"
    note = (f"Re-attached to the assessment “{stored.config.name}” ({found.assessment_id}), which is {what}. "
            "Step 4 shows its progress. To work on another one, choose “Start a new assessment” or open a stored "
            "one in step 1.")
    return state, note
