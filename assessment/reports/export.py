"""Write the requested exports of one scorecard."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from assessment.analysis.scorecard import Scorecard
from assessment.judges.judged import JudgedResponse


def download_name(assessment_name: str, filename: str, day: str | None = None) -> str:
    """``<assessment name>-<YYYY-MM-DD>-<file>``, e.g. ``vendor-shortlist-2026-12-02-scorecard.pdf``, so files
    from different assessments never overwrite each other in a downloads folder."""
    import re
    from datetime import datetime

    slug = re.sub(r"[^A-Za-z0-9]+", "-", assessment_name).strip("-").lower()[:60] or "assessment"
    return f"{slug}-{day or datetime.now(UTC).strftime('%Y-%m-%d')}-{filename}"


def stamped(scorecard: Scorecard) -> Scorecard:
    """The scorecard with the time of this export (UTC); everything else is as computed."""
    from assessment.run.store import now_iso

    return scorecard.model_copy(update={"exported_at": now_iso()})


def export_all(scorecard: Scorecard, judged: list[JudgedResponse], out_dir: str | Path, formats: list[str],
               include_harmful: bool = False) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scorecard = stamped(scorecard)
    paths: list[Path] = []
    if "json" in formats:
        from assessment.reports.json_report import write_json_exports

        paths += write_json_exports(scorecard, judged, out, include_harmful)
    if "pdf" in formats:
        from assessment.reports.pdf_report import write_pdf

        paths.append(write_pdf(scorecard, judged, out / "scorecard.pdf", include_harmful))
    if "xlsx" in formats:
        from assessment.reports.xlsx_report import write_xlsx

        paths.append(write_xlsx(scorecard, judged, out / "scorecard.xlsx", include_harmful))
    return paths
