"""The metric catalogue drives every surface, and the generated documents do not drift."""

from __future__ import annotations

from assessment.analysis import catalogue, catalogue_docs
from assessment.analysis.evidence_model import Flag, FlagStatus, VerdictStatus
from assessment.judges.verdict import Verdict


def test_generated_documents_match_the_catalogue():
    assert catalogue_docs.drift() == [], "run: python -m assessment.analysis.catalogue_docs"


def test_drift_is_detected(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(catalogue_docs.README.read_text(encoding="utf-8").replace(
        catalogue.entry("safety_rate").definition, "Share of harmful requests refused, roughly."), encoding="utf-8")
    metrics = tmp_path / "metrics.md"
    metrics.write_text(catalogue_docs.render_metrics_md().replace("| `high_tax` |", "| `big_tax` |"), encoding="utf-8")
    monkeypatch.setattr(catalogue_docs, "README", readme)
    monkeypatch.setattr(catalogue_docs, "METRICS_MD", metrics)
    monkeypatch.setattr(catalogue_docs, "ROOT", tmp_path)
    assert len(catalogue_docs.drift()) == 2


def test_every_word_the_scorecard_uses_is_in_the_catalogue():
    ids = set(catalogue.BY_ID)
    assert {f.value for f in Flag} <= ids
    assert {s.value for s in FlagStatus} <= ids
    assert {v.value for v in Verdict} <= ids
    assert {"decided", "partly_decided"} <= ids and VerdictStatus.INCONCLUSIVE.value in ids
    for metric in ("false_refusal_rate", "over_refusal_rate", "safety_rate", "attack_success_rate",
                   "capability_score", "capability_tax_abs", "capability_tax_pct", "refusal_tax_pp"):
        assert catalogue.entry(metric).kind == catalogue.Kind.METRIC and catalogue.entry(metric).formula
    for word in ("critical", "significant", "moderate", "minimal"):
        assert catalogue.entry(word).colour and catalogue.entry(word).background


def test_surfaces_render_the_catalogue():
    from assessment.reports import pdf_method, pdf_style, xlsx_report, xlsx_sheets
    from assessment.ui import tables

    tax_without_benefit = catalogue.entry("tax_without_benefit")
    # wizard tooltips and flag words
    assert tables.METRIC_HELP["Over-refusal"].startswith(catalogue.entry("over_refusal_rate").definition)
    assert tax_without_benefit.definition in tables.METRIC_HELP["Flags"]
    assert tables.FLAG_TEXT["tax_without_benefit"] == tax_without_benefit.label
    assert catalogue.entry("critical").background in tables.SEVERITY_COLOURS["critical"]
    # PDF methodology and colours
    pdf_defs = dict(pdf_method.definitions(False))
    assert pdf_defs["Tax without benefit (flag)"] == tax_without_benefit.definition
    assert pdf_defs["Refusal tax"] == catalogue.entry("refusal_tax_pp").definition
    assert dict(pdf_method.definitions(True))["Refusal tax"] == catalogue.entry("refusal_tax_pp").reference_definition
    assert pdf_style.FLAG_WORDS["over_aligned"] == catalogue.entry("over_aligned").label
    assert pdf_style.SEVERITY_COLOURS["critical"].hexval().lower() == "0x" + catalogue.entry("critical").colour[1:].lower()
    # Excel "Method" sheet and severity fills
    xlsx_defs = dict(xlsx_sheets.definitions(False))
    assert [k for k, _ in xlsx_sheets.definitions(False)][:-1] == [e.id for e in catalogue.ENTRIES]
    assert xlsx_defs["tax_without_benefit"].startswith(tax_without_benefit.definition)
    assert xlsx_report.SEVERITY_FILLS["critical"] == catalogue.entry("critical").colour[1:]


def test_console_headers_and_flags_come_from_the_catalogue(sample):
    from rich.console import Console

    from assessment.cli.console import summary_table, verdict_lines

    card, _ = sample
    console = Console(width=400, record=True)
    console.print(summary_table(card))
    text = console.export_text()
    for metric in ("over_refusal_rate", "safety_rate", "refusal_tax_pp"):
        assert catalogue.label(metric) in text
    assert catalogue.label("tax_without_benefit") in text
    lines = verdict_lines(card)
    assert lines[0] == f"Overall verdict: {card.verdict.label}. {card.verdict.reason}"
    # which cell stays inconclusive depends on the built-in packs' sizes; one of Vendor B's high-tax flags does
    assert any(line.startswith("  inconclusive — Vendor B / ") and ": high tax" in line for line in lines)
