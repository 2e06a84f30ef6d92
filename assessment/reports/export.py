"""The export registry: each format is one registered writer of the one scorecard.

Adding an export is one function here, decorated with ``@exporter``: the CLI's ``--format``, the
wizard's download buttons and ``export_all`` all read this registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assessment.analysis.scorecard import Scorecard
from assessment.errors import UserError
from assessment.judges.judged import JudgedResponse
from assessment.reports.json_report import write_json_exports
from assessment.run.store import now_iso

ExportWriter = Callable[[Scorecard, list[JudgedResponse], Path, bool], list[Path]]


@dataclass(frozen=True)
class ExportFile:
    name: str  # file name inside the output folder
    mime: str


@dataclass(frozen=True)
class Exporter:
    format: str  # what users type: --format json,pdf
    label: str  # what the wizard's button says
    files: tuple[ExportFile, ...]  # every file the writer produces, the main one first
    write: ExportWriter


EXPORTERS: dict[str, Exporter] = {}


def exporter(fmt: str, label: str, files: tuple[ExportFile, ...]) -> Callable[[ExportWriter], ExportWriter]:
    def register(write: ExportWriter) -> ExportWriter:
        EXPORTERS[fmt] = Exporter(fmt, label, files, write)
        return write

    return register


@exporter("json", "JSON", (ExportFile("scorecard.json", "application/json"),
                           ExportFile("responses.jsonl", "application/x-ndjson")))
def _json(scorecard: Scorecard, judged: list[JudgedResponse], out: Path, include_harmful: bool) -> list[Path]:
    return write_json_exports(scorecard, judged, out, include_harmful)


@exporter("pdf", "PDF report", (ExportFile("scorecard.pdf", "application/pdf"),))
def _pdf(scorecard: Scorecard, judged: list[JudgedResponse], out: Path, include_harmful: bool) -> list[Path]:
    from assessment.reports.pdf_report import write_pdf  # heavy: reportlab, only when a PDF is asked for

    return [write_pdf(scorecard, judged, out / "scorecard.pdf", include_harmful)]


@exporter("xlsx", "Excel workbook",
          (ExportFile("scorecard.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),))
def _xlsx(scorecard: Scorecard, judged: list[JudgedResponse], out: Path, include_harmful: bool) -> list[Path]:
    from assessment.reports.xlsx_report import write_xlsx  # heavy: openpyxl, only when a workbook is asked for

    return [write_xlsx(scorecard, judged, out / "scorecard.xlsx", include_harmful)]


def parse_formats(raw: str) -> list[str]:
    """``"json, PDF"`` → ``["json", "pdf"]``; an unknown name is a UserError listing the known ones."""
    formats = [f.strip().lower() for f in raw.split(",") if f.strip()]
    bad = [f for f in formats if f not in EXPORTERS]
    if bad:
        raise UserError(f"unknown format(s) {', '.join(bad)}; use {', '.join(EXPORTERS)}")
    return formats


def download_name(assessment_name: str, filename: str, day: str | None = None) -> str:
    """``<assessment name>-<YYYY-MM-DD>-<file>``, e.g. ``vendor-shortlist-2026-12-02-scorecard.pdf``, so files
    from different assessments never overwrite each other in a downloads folder."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", assessment_name).strip("-").lower()[:60] or "assessment"
    return f"{slug}-{day or datetime.now(UTC).strftime('%Y-%m-%d')}-{filename}"


def stamped(scorecard: Scorecard) -> Scorecard:
    """The scorecard with the time of this export (UTC); everything else is as computed."""
    return scorecard.model_copy(update={"exported_at": now_iso()})


def export_all(scorecard: Scorecard, judged: list[JudgedResponse], out_dir: str | Path, formats: list[str],
               include_harmful: bool = False) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scorecard = stamped(scorecard)
    paths: list[Path] = []
    for fmt, export in EXPORTERS.items():  # registry order, whatever order they were asked in
        if fmt in formats:
            paths += export.write(scorecard, judged, out, include_harmful)
    return paths
