"""The Excel export: sheets, numbers, formatting, charts, formula safety, redaction, secrets, speed."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import load_workbook

from assessment.judges.judged import REDACTED
from assessment.reports.excel_safe import MAX_CELL_CHARS
from assessment.reports.xlsx_report import write_xlsx
from assessment.testing.sample import REFERENCE_SOURCE, changed_assessment, reference_assessment, sample_assessment

SHEETS = ["Summary", "Ranking", "Candidates", "Over-refusal", "Tax by domain", "Attacks", "Subtypes", "Responses",
          "Audit", "Method", "Audit log", "Decision"]  # "Changes" is added after "Ranking" only when the scorecard has a diff
FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1+1", "-2"]
HARMFUL_SENTINEL = "HARMFUL-COMPLETION-SENTINEL-7f3a"


@pytest.fixture(scope="module")
def written(sample, tmp_path_factory):
    """The sample written once with defaults, and reloaded: for the tests that only read it."""
    card, judged = sample
    path = write_xlsx(card, judged, tmp_path_factory.mktemp("xlsx") / "scorecard.xlsx")
    return path, load_workbook(path)


def _header_row(ws) -> int:
    """Row 1, except on the Summary sheet, whose table follows the decision summary."""
    return next((r for r in range(1, 40) if ws.cell(r, 1).value == "candidate" and ws.cell(r, 2).value == "domain"), 1)


def _headers(ws) -> dict[str, int]:
    heads: dict[str, int] = {}
    for cell in ws[_header_row(ws)]:
        if cell.value is not None:
            heads.setdefault(cell.value, cell.column)
    return heads


def _rows(ws) -> list[dict]:
    top = _header_row(ws)
    heads = [c.value for c in ws[top]]
    return [dict(zip(heads, row)) for row in ws.iter_rows(min_row=top + 1, values_only=True)]


def _zip_bytes(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _with_responses(judged, replacements: dict[int, dict]):
    """A copy of judged with some rows changed (the module-scoped sample stays untouched)."""
    out = list(judged)
    for i, update in replacements.items():
        out[i] = out[i].model_copy(update=update)
    return out


def _ok_indexes(judged, category: str, count: int) -> list[int]:
    return [i for i, r in enumerate(judged) if r.category == category and r.status == "ok"][:count]


def test_sheets_exist_and_tables_are_frozen_and_filtered(sample, written):
    card, judged = sample
    path, wb = written
    assert path.exists()
    assert wb.sheetnames == SHEETS
    for name in ("Summary", "Responses", "Candidates", "Subtypes"):
        ws = wb[name]
        top = _header_row(ws)
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith(str(top + 1))
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{top}:")
    assert wb["Summary"].column_dimensions["A"].width > 10
    assert wb["Responses"].max_row == len(judged) + 1


def test_summary_numbers_match_the_scorecard(sample, written):
    card, _ = sample
    ws = written[1]["Summary"]
    rows = _rows(ws)
    assert len(rows) == len(card.candidates) * len(card.domains)
    seen = set()
    for row in rows:
        result = card.result(row["candidate"], row["domain"])
        assert result is not None
        seen.add((row["candidate"], row["domain"]))
        assert row["over_refusal_rate"] == pytest.approx(result.over_refusal_rate.value)
        assert row["over_refusal_rate n"] == result.over_refusal_rate.n
        assert row["over_refusal_rate ci low"] == pytest.approx(result.over_refusal_rate.ci.low)
        assert row["safety_rate"] == pytest.approx(result.safety_rate.value)
        assert row["capability_score"] == pytest.approx(result.capability_score.value)
        assert row["n_errors"] == result.n_errors
        if result.tax is None:  # the baseline: no tax, and None stays empty (never 0)
            assert row["refusal_tax_pp"] is None and row["capability_tax_pct"] is None
            assert row["McNemar p-value"] is None
        else:
            assert row["refusal_tax_pp"] == pytest.approx(result.tax.refusal_tax_pp)
            assert row["McNemar p-value"] == pytest.approx(result.tax.refusal_mcnemar.p_value)
            assert row["refusal_severity"] == result.tax.refusal_severity
        assert row["flags"] == (", ".join(result.flags) or None)
    assert len(seen) == len(rows)
    heads = _headers(ws)
    cell = ws.cell(row=_header_row(ws) + 1, column=heads["over_refusal_rate"])
    assert isinstance(cell.value, float) and cell.number_format == "0.0%"


def test_summary_has_severity_and_colour_scale_rules(written):
    ws = written[1]["Summary"]
    rules = [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]
    heads = _headers(ws)
    from openpyxl.utils import get_column_letter

    sev_col = get_column_letter(heads["refusal_severity"])
    ok_col = get_column_letter(heads["refusal_severity supported"])
    first = _header_row(ws) + 1
    sev = [rule for ref, rule in rules if ref.startswith(f"{sev_col}{first}:") and rule.type == "expression"]
    formulas = {f for rule in sev for f in rule.formula}
    # a severity is coloured only when the evidence supports it; an unsupported one is grey
    assert {f'AND(${sev_col}{first}="{w}",${ok_col}{first}="yes")'
            for w in ("critical", "significant", "moderate", "minimal")} <= formulas
    assert f'AND(${sev_col}{first}<>"",${ok_col}{first}="no")' in formulas
    over_col = get_column_letter(heads["over_refusal_rate"])
    assert any(ref.startswith(over_col) and rule.type == "colorScale" for ref, rule in rules)


def test_summary_opens_with_the_verdict_and_the_ranking_interval(sample, written):
    card, _ = sample
    ws = written[1]["Summary"]
    top = {row[0]: row[1] for row in ws.iter_rows(max_row=_header_row(ws) - 1, values_only=True) if row[0]}
    assert ws["A1"].value == "Decision: Shortlist Vendor A"
    assert top["overall verdict"].startswith(f"Overall verdict: {card.verdict.label}. {card.verdict.reason}"[:60])
    assert card.ranking.ranked[0].candidate in top["how sure"]
    assert "approved by Test Approver" in top["decision record"]
    header = next(r for r in range(1, _header_row(ws)) if ws.cell(r, 1).value == "rank")
    assert [ws.cell(header, c).value for c in range(1, 6)] == ["rank", "candidate", "ranking score", "score 95% low",
                                                                "score 95% high"]
    for i, ranked in enumerate(r for r in card.ranking.ranked if r.rank is not None):
        row = [ws.cell(header + 1 + i, c).value for c in range(1, 6)]
        assert row[:3] == [ranked.rank, ranked.candidate, pytest.approx(ranked.score)]
        assert row[3] == pytest.approx(ranked.score_ci.low) and row[4] == pytest.approx(ranked.score_ci.high)
        assert isinstance(row[3], float)  # numbers stay numbers


def test_native_charts_are_written(written):
    path, wb = written
    assert wb["Over-refusal"]._charts and wb["Tax by domain"]._charts
    parts = _zip_bytes(path)
    charts = b"".join(v for k, v in parts.items() if k.startswith("xl/charts/chart"))
    assert "xl/charts/chart1.xml" in parts
    assert b"Over-refusal by domain" in charts and b"Alignment tax by domain" in charts


def test_formula_like_answers_stay_text(sample, tmp_path):
    card, judged = sample
    idx = _ok_indexes(judged, "benign", len(FORMULA_LIKE))
    judged = _with_responses(judged, {i: {"response": text} for i, text in zip(idx, FORMULA_LIKE)})
    path = write_xlsx(card, judged, tmp_path / "s.xlsx")
    ws = load_workbook(path)["Responses"]
    col = _headers(ws)["response"]
    cells = {ws.cell(row=i + 2, column=col).value: ws.cell(row=i + 2, column=col) for i in idx}
    for text in FORMULA_LIKE:
        cell = cells[text]
        assert cell.value == text and cell.data_type == "s"
        assert cell.quotePrefix
    sheets = b"".join(v for k, v in _zip_bytes(path).items() if k.startswith("xl/worksheets/"))
    assert b"<f>" not in sheets and b"<f " not in sheets


def test_harmful_completions_redacted_unless_asked(sample, tmp_path):
    card, judged = sample
    i = _ok_indexes(judged, "harmful", 1)[0]
    judged = _with_responses(judged, {i: {"response": HARMFUL_SENTINEL, "verdict": "compliance"}})
    default = write_xlsx(card, judged, tmp_path / "default.xlsx")
    assert not any(HARMFUL_SENTINEL.encode() in v for v in _zip_bytes(default).values())
    ws = load_workbook(default)["Responses"]
    assert ws.cell(row=i + 2, column=_headers(ws)["response"]).value == REDACTED
    shown = write_xlsx(card, judged, tmp_path / "shown.xlsx", include_harmful=True)
    assert any(HARMFUL_SENTINEL.encode() in v for v in _zip_bytes(shown).values())


def test_api_key_from_environment_never_written(sample, tmp_path, monkeypatch):
    secret = "sk-sentinel-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    card, judged = sample
    path = write_xlsx(card, judged, tmp_path / "s.xlsx", include_harmful=True)
    assert not any(secret.encode() in v for v in _zip_bytes(path).values())


def test_control_characters_and_huge_responses(sample, tmp_path):
    card, judged = sample
    a, b = _ok_indexes(judged, "benign", 2)
    judged = _with_responses(judged, {a: {"response": "bell\x07 nul\x00 esc\x1b end", "prompt": "\x0bvt"},
                                      b: {"response": "y" * 1_000_000}})
    ws = load_workbook(write_xlsx(card, judged, tmp_path / "s.xlsx"))["Responses"]
    col = _headers(ws)["response"]
    assert ws.cell(row=a + 2, column=col).value == "bell\\x07 nul\\x00 esc\\x1b end"
    huge = ws.cell(row=b + 2, column=col).value
    assert huge.startswith("yyyy") and len(huge) <= MAX_CELL_CHARS


def test_unknown_cost_is_empty_not_zero(sample, tmp_path):
    card, judged = sample
    first = card.candidates[0].model_copy(update={"cost": None, "cost_per_1k_prompts": None})
    card = card.model_copy(update={"candidates": [first, *card.candidates[1:]]})
    i = _ok_indexes(judged, "benign", 1)[0]
    judged = _with_responses(judged, {i: {"cost": None}})
    wb = load_workbook(write_xlsx(card, judged, tmp_path / "s.xlsx"))
    rows = {r["candidate"]: r for r in _rows(wb["Candidates"])}
    assert rows[first.name]["cost"] is None and rows[first.name]["cost per 1,000 prompts"] is None
    assert "unknown" in rows[first.name]["cost note"]
    other = card.candidates[1]
    assert rows[other.name]["cost"] == pytest.approx(other.cost) and rows[other.name]["cost note"] is None
    ws = wb["Responses"]
    assert ws.cell(row=i + 2, column=_headers(ws)["cost"]).value is None


def test_metric_sheets_hold_the_scorecard_numbers(sample, written):
    card, _ = sample
    wb = written[1]
    over = wb["Over-refusal"]
    heads = _headers(over)
    for r in range(2, 2 + len(card.domains)):
        domain = over.cell(row=r, column=1).value
        for cand in card.candidates:
            expected = card.result(cand.name, domain).over_refusal_rate.value
            assert over.cell(row=r, column=heads[cand.name]).value == pytest.approx(expected)
    attacks = wb["Attacks"]
    heads = _headers(attacks)
    template = attacks.cell(row=2, column=1).value
    cand = card.candidates[0].name
    rates = [card.result(cand, d).attack_success_by_template[template] for d in card.domains]
    expected = sum(x.successes for x in rates) / sum(x.n for x in rates)
    assert attacks.cell(row=2, column=heads[cand]).value == pytest.approx(expected)
    subtypes = _rows(wb["Subtypes"])
    assert len(subtypes) == sum(len(r.over_refusal_by_subtype) for r in card.results)


def test_method_and_decision_sheets(sample, written, tmp_path):
    card, judged = sample
    wb = written[1]
    method = {row[0]: row[1] for row in wb["Method"].iter_rows(values_only=True) if row[0]}
    assert method["config hash"] == card.methodology.config_hash
    assert method["seed"] == card.methodology.seed
    pack = card.methodology.packs[0]
    assert method[f"pack {pack['id']}.sha256"] == pack["sha256"]
    assert "over_refusal_rate" in method and method["partial_counts_as_refusal"] == "yes"
    assert method["answer format.version"] == card.methodology.answer_format["version"]
    assert method["answer format.numeric items"].startswith("End your reply with")
    decision = {row[0]: row[1] for row in wb["Decision"].iter_rows(values_only=True) if row[0]}
    assert decision["decision"] == card.decision.decision
    assert decision["approver"] == card.decision.approver
    assert "approver signature" in decision

    blank = card.model_copy(update={"decision": None})
    wb = load_workbook(write_xlsx(blank, judged, tmp_path / "blank.xlsx"))
    decision = {row[0]: row[1] for row in wb["Decision"].iter_rows(values_only=True) if row[0]}
    for field in ("decision", "rationale", "evaluator", "approver", "date"):
        assert field in decision and decision[field] is None


def test_single_candidate_has_no_tax_chart(tmp_path):
    card, judged = sample_assessment(candidates=["Vendor A"], packs=["general"])
    wb = load_workbook(write_xlsx(card, judged, tmp_path / "one.xlsx"))
    assert not wb["Tax by domain"]._charts
    assert len(_rows(wb["Summary"])) == 1


def test_ten_thousand_responses_are_all_written(tmp_path):
    card, judged = sample_assessment(repeat=5)
    assert len(judged) > 9000
    wb = load_workbook(write_xlsx(card, judged, tmp_path / "big.xlsx"), read_only=True)
    assert "Responses" in wb.sheetnames and wb["Responses"].max_row - 1 == len(judged)  # timing: benchmarks/timings.py


# --- ranking, reference baseline, changes since the previous assessment ------------------------------





def _labelled(ws) -> dict:
    """Column A → column B for the label/value lines of a sheet (first occurrence)."""
    out: dict = {}
    for row in ws.iter_rows(values_only=True):
        if row and row[0] is not None:
            out.setdefault(row[0], row[1] if len(row) > 1 else None)
    return out


def _block(ws, *first_headers: str) -> tuple[list[str], list[tuple], int]:
    """The table whose header row starts with ``first_headers``: headers, value rows up to the next gap, header row."""
    for header_row in range(1, ws.max_row + 1):
        if all(ws.cell(row=header_row, column=i).value == h for i, h in enumerate(first_headers, start=1)):
            break
    else:
        raise AssertionError(f"no table starting with {first_headers!r}")
    heads = [c.value for c in ws[header_row] if c.value is not None]
    rows = []
    for r in range(header_row + 1, ws.max_row + 1):
        values = tuple(ws.cell(row=r, column=c).value for c in range(1, len(heads) + 1))
        if all(v is None for v in values):
            break
        rows.append(values)
    return heads, rows, header_row


def test_ranking_sheet(sample, written):
    card, _ = sample
    ws = written[1]["Ranking"]
    rk = card.ranking
    lines = _labelled(ws)
    assert lines["safety weight (t)"] == pytest.approx(rk.settings.safety_weight)
    assert lines["formula"] == rk.formula
    assert lines["first place"].startswith("The first place changes with the trade-off: Vendor A at safety weight")
    assert lines["same first at every trade-off"] == "no"
    heads, rows, header_row = _block(ws, "rank")
    assert heads == ["rank", "candidate", "score", "score ci low", "score ci high", "helpfulness", "safety", "warnings"]
    assert lines["first vs second"] == rk.first_place.sentence
    assert lines["overall verdict"].startswith(f"Overall verdict: {card.verdict.label}. ")
    assert len(rows) == len(rk.ranked)
    for row, r in zip(rows, rk.ranked):
        assert row[0] == r.rank and row[1] == r.candidate
        assert row[2] == pytest.approx(r.score) and row[5] == pytest.approx(r.helpfulness)
        assert (row[3], row[4]) == (pytest.approx(r.score_ci.low), pytest.approx(r.score_ci.high))
        assert row[6] == pytest.approx(r.safety)
        assert row[7] == ("; ".join(r.warnings) or None)
    assert ws.cell(row=header_row + 1, column=3).number_format == "0.000"
    warned = next(i for i, r in enumerate(rk.ranked) if r.warnings)
    cell = ws.cell(row=header_row + 1 + warned, column=8)
    assert "tax_without_benefit in security" in cell.value
    assert cell.font.bold and cell.font.color.rgb.endswith("C00000")
    heads, rows, _ = _block(ws, "domain")
    assert [(d, w) for d, w, _ in rows] == [(d, 1) for d in card.domains]
    heads, rows, _ = _block(ws, "safety weight")
    assert [(pytest.approx(row["safety_weight"]), row["first"]) for row in rk.stability] == [r[:2] for r in rows]
    assert isinstance(rows[5][0], float)


def test_ranking_sheet_weights_and_not_computed(sample, tmp_path):
    card, judged = sample
    weighted = card.model_copy(deep=True)
    weighted.ranking.settings.weights = {"security": 2.5, "legal": 0.0}
    weighted.ranking.robust = True
    for row in weighted.ranking.stability:
        row["first"] = "Vendor A"
    ws = load_workbook(write_xlsx(weighted, judged[:300], tmp_path / "w.xlsx"))["Ranking"]
    _, rows, _ = _block(ws, "domain")
    assert rows == [("security", 2.5, "counts in the ranking"), ("legal", 0, "ignored in the ranking"),
                    ("general", 1, "not set: weighs 1")]
    assert _labelled(ws)["first place"] == "The same candidate ranks first at every trade-off setting: Vendor A."
    none = card.model_copy(update={"ranking": None})
    ws = load_workbook(write_xlsx(none, judged[:300], tmp_path / "n.xlsx"))["Ranking"]
    assert _labelled(ws)["ranking"] == "not computed"


def test_reference_baseline_in_workbook(sample, tmp_path):
    card, judged = sample
    ref = reference_assessment(card, judged)
    wb = load_workbook(write_xlsx(ref, judged, tmp_path / "reference.xlsx"))
    assert wb.sheetnames == SHEETS
    method = wb["Method"]
    lines = _labelled(method)
    statement = (f"Baseline: published reference scores — {REFERENCE_SOURCE} (2026-10-01). Taxes are measured "
                 "against these numbers; no items are shared, so intervals are unpaired and no paired test is shown.")
    assert lines["baseline"] == statement and lines["statement"] == statement
    assert "Reference baseline" in lines and lines["reference source"] == REFERENCE_SOURCE
    heads, rows, _ = _block(method, "domain")
    assert heads == ["domain", "capability_score", "over_refusal_rate", "false_refusal_rate", "safety_rate"]
    assert rows == [("security", 0.8, 0.05, None, None)]
    assert "nothing is paired" in lines["tests"] and "unpaired" in lines["intervals"]
    tax_note = next(c.value for row in wb["Tax by domain"].iter_rows() for c in row
                    if isinstance(c.value, str) and c.value.startswith("Baseline:"))
    assert REFERENCE_SOURCE in tax_note and "unpaired" in tax_note
    summary = _rows(wb["Summary"])
    security = [r for r in summary if r["domain"] == "security"]
    assert len(security) == len(ref.candidates) and all(r["baseline"] == "no" for r in summary)
    for r in security:
        assert r["tax baseline kind"] == "reference" and r["McNemar p-value"] is None
        assert r["refusal_tax_pp"] == pytest.approx(ref.result(r["candidate"], "security").tax.refusal_tax_pp)
    assert all(r["refusal_tax_pp"] is None for r in summary if r["domain"] != "security")


def test_changes_sheet(sample, tmp_path):
    card, judged = sample
    card2, judged2 = changed_assessment(card, judged)
    diff = card2.diff
    diff.summary.append(FORMULA_LIKE[0])
    path = write_xlsx(card2, judged2, tmp_path / "changes.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS[:2] + ["Changes"] + SHEETS[2:]
    ws = wb["Changes"]
    lines = _labelled(ws)
    significant = [c for c in diff.changes if c.significant]
    assert lines["previous assessment"] == "sample-0001" and lines["metrics compared"] == len(diff.changes)
    assert significant and lines["significant changes (p < 0.05)"] == len(significant)
    texts = [row[0] for row in ws.iter_rows(values_only=True)]
    for sentence in diff.summary:
        assert sentence in texts
    formula = next(c for c in ws["A"] if c.value == FORMULA_LIKE[0])
    assert formula.data_type == "s" and formula.quotePrefix
    _, flags, _ = _block(ws, "candidate", "domain", "flag")
    assert ("Vendor C", "security", "tax_without_benefit", "resolved") in flags
    assert len(flags) == len(diff.new_flags) + len(diff.resolved_flags)
    heads, rows, header_row = _block(ws, "candidate", "domain", "metric")
    assert heads == ["candidate", "domain", "metric", "old", "new", "change (new − old)", "p-value", "test",
                     "paired items", "significant"]
    assert len(rows) == len(diff.changes)
    for row, change in zip(rows, diff.changes):
        assert row[:3] == (change.candidate, change.domain, change.metric)
        for value, key in zip(row[3:7], ("old", "new", "change", "p_value")):
            expected = getattr(change, key)
            assert value == (pytest.approx(expected) if expected is not None else None)
        assert row[7] == change.test and row[8] == change.paired_n
        assert row[9] == ("yes" if change.significant else "no")
    assert sum(row[9] == "yes" for row in rows) == len(significant)
    assert ws.cell(row=header_row + 2, column=6).number_format == "+0.0%;-0.0%;0.0%"
    sheets = b"".join(v for k, v in _zip_bytes(path).items() if k.startswith("xl/worksheets/"))
    assert b"<f>" not in sheets and b"<f " not in sheets
