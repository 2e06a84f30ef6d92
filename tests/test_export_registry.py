"""The export registry drives the CLI's --format, export_all and the wizard's download buttons."""

from pathlib import Path

import pytest

from assessment.errors import UserError
from assessment.reports.export import EXPORTERS, ExportFile, export_all, exporter, parse_formats
from assessment.testing.sample import sample_assessment
from assessment.ui.downloads import build_downloads


def test_format_names_are_read_from_the_registry():
    assert parse_formats(" JSON, pdf ") == ["json", "pdf"]
    with pytest.raises(UserError, match="unknown format\\(s\\) docx; use json, pdf, xlsx"):
        parse_formats("json,docx")


def test_a_registered_export_is_written_and_offered_for_download(tmp_path):
    @exporter("csv", "CSV table", (ExportFile("scorecard.csv", "text/csv"),))
    def _csv(scorecard, judged, out: Path, include_harmful: bool) -> list[Path]:
        path = out / "scorecard.csv"
        path.write_text("candidate\n" + "\n".join(c.name for c in scorecard.candidates) + "\n")
        return [path]

    try:
        card, judged = sample_assessment()
        assert parse_formats("csv") == ["csv"]
        paths = export_all(card, judged, tmp_path, ["json", "csv"])
        assert [p.name for p in paths] == ["scorecard.json", "responses.jsonl", "scorecard.csv"]
        lines = (tmp_path / "scorecard.csv").read_text().splitlines()
        assert lines[1:] == [c.name for c in card.candidates]
        downloads = build_downloads(card, judged, formats=("csv",))
        assert [(d.label, d.filename, d.mime, d.problem) for d in downloads] == [
            ("CSV table", "scorecard.csv", "text/csv", None)]
        assert downloads[0].data == (tmp_path / "scorecard.csv").read_bytes()
    finally:
        EXPORTERS.pop("csv")
