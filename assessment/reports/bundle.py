"""The evidence bundle: one zip with everything an auditor needs to check a scorecard offline.

Contents: the config and the packs and attack file exactly as run, every response with its verdict
(responses.jsonl; completions of harmful requests redacted unless the config opts in), the audit
log, scorecard.json, the PDF and Excel exports, and manifest.json with the SHA-256 of every file.
``verify_bundle`` checks every file against the manifest and recomputes the scorecard from the
bundled responses and config, without the store and without any model call.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from assessment.analysis.scorecard import Scorecard, build_scorecard
from assessment.config import AssessmentConfig
from assessment.errors import UserError
from assessment.judges.judged import JudgedResponse
from assessment.pipeline import compute_scorecard, load_stored
from assessment.reports.export import download_name, stamped

BUNDLE_FORMAT = "alignment-tax-evidence-bundle/1"
MANIFEST = "manifest.json"
COMPARED = ("baseline", "domains", "candidates", "results", "ranking")  # recomputed from the responses


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows).encode("utf-8")


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def bundle_files(store: Any, assessment_id: str) -> dict[str, bytes]:
    """Every file of the bundle by its name inside the zip, manifest last."""
    from assessment.reports.pdf_report import write_pdf  # heavy: reportlab adds ~0.1-0.3 s at import
    from assessment.reports.xlsx_report import write_xlsx  # heavy: openpyxl adds ~0.1-0.2 s at import

    scorecard, judged = compute_scorecard(store, assessment_id)
    scorecard = stamped(scorecard)
    record = store.assessment_record(assessment_id)
    stored = load_stored(store, assessment_id)
    include = stored.config.include_harmful_completions
    files: dict[str, bytes] = {"config.json": _json(record["config"])}
    pack_ids = []
    for rec in record["packs"]:
        if rec.get("kind") == "pack":
            pack_ids.append(rec["id"])
            files[f"packs/{rec['id']}.json"] = _json(rec)
        elif rec.get("kind") == "attacks":
            files["attacks.json"] = _json(rec)
    shown = judged if include else [r.redacted() for r in judged]
    files["responses.jsonl"] = _jsonl([r.model_dump(mode="json") for r in shown])
    files["audit_log.jsonl"] = _jsonl(scorecard.audit_log)
    files["scorecard.json"] = scorecard.model_dump_json(indent=2).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="assessment-bundle-") as tmp:
        files["scorecard.pdf"] = write_pdf(scorecard, judged, Path(tmp) / "scorecard.pdf", include).read_bytes()
        files["scorecard.xlsx"] = write_xlsx(scorecard, judged, Path(tmp) / "scorecard.xlsx", include).read_bytes()
    manifest = {"format": BUNDLE_FORMAT, "assessment_id": scorecard.assessment_id, "name": scorecard.name,
                "created_at": scorecard.created_at, "exported_at": scorecard.exported_at, "domains": pack_ids,
                "scorecard_sha256": scorecard.sha256(), "harmful_completions_included": include,
                "files": {name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in files.items()}}
    files[MANIFEST] = _json(manifest)
    return files


def bundle_name(name: str) -> str:
    return download_name(name, "evidence.zip")


def bundle_bytes(store: Any, assessment_id: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in bundle_files(store, assessment_id).items():
            zf.writestr(name, data)
    return buffer.getvalue()


def write_bundle(store: Any, assessment_id: str, out: str | Path) -> Path:
    path = Path(out)
    if path.suffix.lower() != ".zip":
        raise UserError(f"{path}: the bundle is a zip file; give a name ending in .zip")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bundle_bytes(store, assessment_id))
    return path


# --- verification --------------------------------------------------------------------------------

class Verification(BaseModel):
    assessment_id: str | None = None
    files_checked: int = 0
    responses: int = 0
    problems: list[str] = Field(default_factory=list)  # any problem means the bundle cannot be trusted
    notes: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_files(zf: zipfile.ZipFile, result: Verification) -> dict[str, Any] | None:
    names = set(zf.namelist())
    if MANIFEST not in names:
        result.problems.append(f"{MANIFEST} is missing: nothing to check the files against")
        return None
    try:
        manifest = json.loads(zf.read(MANIFEST))
        listed = manifest["files"]
    except (ValueError, KeyError, TypeError):
        result.problems.append(f"{MANIFEST} is not a readable manifest")
        return None
    result.assessment_id = manifest.get("assessment_id")
    for name, entry in sorted(listed.items()):
        if name not in names:
            result.problems.append(f"{name}: listed in the manifest but missing from the bundle")
            continue
        result.files_checked += 1
        if _sha256(zf.read(name)) != entry.get("sha256"):
            result.problems.append(f"{name}: altered (its SHA-256 differs from the manifest)")
    for name in sorted(names - set(listed) - {MANIFEST}):
        result.problems.append(f"{name}: not listed in the manifest")
    return manifest


def _differences(path: str, bundled: Any, recomputed: Any, out: list[str], limit: int = 20) -> None:
    """Where two JSON values differ, as 'path: bundled X, recomputed Y' lines (at most ``limit``)."""
    if len(out) >= limit or bundled == recomputed:
        return
    if isinstance(bundled, dict) and isinstance(recomputed, dict):
        for key in sorted(set(bundled) | set(recomputed), key=str):
            _differences(f"{path}.{key}", bundled.get(key), recomputed.get(key), out, limit)
    elif isinstance(bundled, list) and isinstance(recomputed, list) and len(bundled) == len(recomputed):
        for i, (a, b) in enumerate(zip(bundled, recomputed)):
            label = a.get("candidate", "") + "/" + a.get("domain", "") if isinstance(a, dict) and "domain" in a else i
            _differences(f"{path}[{label}]", a, b, out, limit)
    else:
        out.append(f"{path}: bundled {json.dumps(bundled)[:80]}, recomputed {json.dumps(recomputed)[:80]}")


def _recompute(zf: zipfile.ZipFile, manifest: dict[str, Any], result: Verification) -> None:
    try:
        config = AssessmentConfig.model_validate_json(zf.read("config.json"))
        card = Scorecard.model_validate_json(zf.read("scorecard.json"))
        judged = [JudgedResponse.model_validate_json(line) for line in
                  zf.read("responses.jsonl").decode("utf-8").splitlines() if line.strip()]
        log = [json.loads(line) for line in zf.read("audit_log.jsonl").decode("utf-8").splitlines() if line.strip()]
    except KeyError as exc:
        result.problems.append(f"cannot recompute: {exc.args[0]} is missing")
        return
    except (ValidationError, ValueError) as exc:
        result.problems.append(f"cannot recompute: a bundled file does not parse ({str(exc).splitlines()[0]})")
        return
    result.responses = len(judged)
    again = build_scorecard(assessment_id=card.assessment_id, created_at=card.created_at, config=config,
                            judged=judged, domains=list(manifest.get("domains") or card.domains),
                            methodology=card.methodology)
    diffs: list[str] = []
    for key in COMPARED:
        _differences(key, card.model_dump(mode="json")[key], again.model_dump(mode="json")[key], diffs)
    result.problems += [f"scorecard.json does not match the bundled responses: {d}" for d in diffs]
    attacks_run = sorted({r.attack_id for r in judged if r.attack_id})
    if card.methodology.attacks != attacks_run:
        result.problems.append(f"scorecard.json lists attacks {card.methodology.attacks}; the responses ran {attacks_run}")
    if log != card.audit_log:
        result.problems.append("audit_log.jsonl differs from the audit log in scorecard.json")
    if manifest.get("scorecard_sha256") != card.sha256():
        result.problems.append("scorecard.json does not have the SHA-256 the manifest names")
    approved = card.decision.scorecard_sha256 if card.decision else None
    if approved is None:
        result.notes.append("no decision with a scorecard hash is recorded")
    elif approved != card.sha256():
        result.notes.append(f"the recorded decision approves scorecard {approved[:12]}…, not this one "
                            f"({card.sha256()[:12]}…): verdicts changed after the decision")
    else:
        result.notes.append(f"the recorded decision approves this scorecard (SHA-256 {approved[:12]}…)")


def verify_bundle(path: str | Path) -> Verification:
    result = Verification()
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = _check_files(zf, result)
            if manifest is not None:
                _recompute(zf, manifest, result)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except zipfile.BadZipFile:
        raise UserError(f"{path}: not a zip file") from None
    return result
