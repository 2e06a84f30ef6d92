"""Export files as bytes for the download buttons, each built from the same scorecard (no streamlit)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import BaseModel

from assessment.analysis.scorecard import Scorecard
from assessment.judges.judged import JudgedResponse
from assessment.reports.export import EXPORTERS, export_all


class Download(BaseModel):
    format: str
    label: str
    filename: str
    mime: str
    data: bytes | None = None
    problem: str | None = None  # why this export could not be built


def build_downloads(scorecard: Scorecard, judged: list[JudgedResponse], include_harmful: bool = False,
                    formats: tuple[str, ...] = ("pdf", "xlsx", "json")) -> list[Download]:
    """Every requested export, one format at a time, so one broken exporter never hides the others."""
    out: list[Download] = []
    with tempfile.TemporaryDirectory(prefix="assessment-export-") as tmp:
        for fmt in formats:
            export = EXPORTERS[fmt]
            label, main = export.label, export.files[0]
            folder = Path(tmp) / fmt
            try:
                export_all(scorecard, judged, folder, [fmt], include_harmful=include_harmful)
            except ImportError as exc:
                out.append(Download(format=fmt, label=label, filename=main.name, mime=main.mime,
                                    problem=f"{label} export is not available in this installation ({exc})."))
                continue
            except Exception as exc:  # a broken exporter: say which and why, keep the others
                out.append(Download(format=fmt, label=label, filename=main.name, mime=main.mime,
                                    problem=f"{label} export failed: {type(exc).__name__}: {exc}"))
                continue
            for file in export.files:
                path = folder / file.name
                if path.exists():
                    out.append(Download(format=fmt, label=label, filename=file.name, mime=file.mime,
                                        data=path.read_bytes()))
                else:
                    out.append(Download(format=fmt, label=label, filename=file.name, mime=file.mime,
                                        problem=f"{label} export did not write {file.name}."))
    return out
