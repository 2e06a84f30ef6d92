"""Exports: each renders the one scorecard (JSON, PDF, Excel)."""

from assessment.reports.json_report import write_json_exports

__all__ = ["write_json_exports"]
