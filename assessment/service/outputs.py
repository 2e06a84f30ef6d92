"""From a stored assessment to files: find it, score it, compare it, write every export and run.json.

The CLI's ``run``, ``report``, ``diff`` and ``demo`` and the wizard's comparison all call these, so
an output folder is laid out the same way whichever front end wrote it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from assessment.analysis.diff import ScorecardDiff, diff_scorecards, with_diff
from assessment.analysis.scorecard import Scorecard
from assessment.errors import UserError
from assessment.judges.judged import JudgedResponse
from assessment.pipeline import compute_scorecard, load_stored
from assessment.reports.export import export_all
from assessment.run.store import Store, open_store

RUN_RECORD = "run.json"  # written next to the exports: which store and assessment they came from


class Outputs(BaseModel):
    """What ``write_outputs`` computed and wrote."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    scorecard: Scorecard
    judged: list[JudgedResponse]
    paths: list[Path]


def check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir}: is a file; give a folder for the exports")


def include_harmful_completions(store: Store, assessment_id: str) -> bool:
    """Whether the assessment's config asks for harmful completions in the exports (off by default)."""
    return load_stored(store, assessment_id).config.include_harmful_completions


def locate_assessment(ref: str, store_path: str | None, default_store: Store | None = None) -> tuple[Store, str]:
    """An output folder of a run (its run.json names the store) or an assessment id → (store, id)."""
    target = Path(ref)
    if target.is_dir():
        run_file = target / RUN_RECORD
        if not run_file.exists():
            raise UserError(f"{target}: no run.json here; pass an assessment id (and --store) instead")
        try:
            info = json.loads(run_file.read_text())
            named, assessment_id = info["store"], info["assessment_id"]
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{run_file}: not a run record (needs store and assessment_id)") from None
        if store_path is None and not Path(named).is_file():  # never create a store a file merely names
            raise UserError(f"{run_file}: names store {named}, which does not exist; pass --store")
        return open_store(store_path or named, must_exist=True), assessment_id
    if default_store is not None and store_path is None:
        return default_store, ref
    return open_store(store_path, must_exist=True), ref


def compare_with_stored(scorecard: Scorecard, judged: list[JudgedResponse], earlier_store: Store, earlier_id: str,
                        session_keys: dict[str, str] | None = None) -> Scorecard:
    """The scorecard (a copy) carrying its comparison with a stored earlier assessment."""
    earlier, earlier_judged = compute_scorecard(earlier_store, earlier_id, session_keys=session_keys)
    return with_diff(scorecard, judged, earlier, earlier_judged)


def diff_stored(old: tuple[Store, str], new: tuple[Store, str]) -> ScorecardDiff:
    """The comparison of two stored assessments, each given as (store, assessment id)."""
    old_card, old_judged = compute_scorecard(*old)
    new_card, new_judged = compute_scorecard(*new)
    return diff_scorecards(old_card, new_card, old_judged, new_judged)


def write_diff(diff: ScorecardDiff, out_dir: Path) -> Path:
    check_out_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "diff.json"
    path.write_text(diff.model_dump_json(indent=2))
    return path


def write_outputs(store: Store, assessment_id: str, out_dir: Path, formats: list[str],
                  diff_against: tuple[Store, str] | None = None, timings: dict[str, Any] | None = None) -> Outputs:
    """Score the stored assessment, optionally compare it with an earlier one, write the exports and run.json."""
    check_out_dir(out_dir)
    scorecard, judged = compute_scorecard(store, assessment_id)
    if diff_against is not None:
        scorecard = compare_with_stored(scorecard, judged, *diff_against)
    include = include_harmful_completions(store, assessment_id)
    try:
        paths = export_all(scorecard, judged, out_dir, formats, include_harmful=include)
        run_info = {"assessment_id": assessment_id, "store": str(store.path), **(timings or {})}
        (out_dir / RUN_RECORD).write_text(json.dumps(run_info, indent=2))
    except OSError as exc:
        raise UserError(f"--out {out_dir}: cannot write the exports ({exc.strerror or exc})") from None
    return Outputs(scorecard=scorecard, judged=judged, paths=paths)
