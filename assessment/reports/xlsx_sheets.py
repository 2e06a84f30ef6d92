"""Building blocks of the Excel export: table writing, and the Responses, Method and Decision sheets.

Every cell that can hold text from a model, a prompt, a pack or a user goes through
``excel_safe.write_cell`` (formulas stay literal text, illegal characters are escaped).
``None`` is never written: it stays an empty cell, so an unknown number never reads as 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from assessment.analysis import catalogue
from assessment.analysis.decision_summary import reference_statement
from assessment.analysis.scorecard import Scorecard
from assessment.audit.decision import DECISION_FIELDS, RecordedDecision
from assessment.config import ReferenceBaseline
from assessment.judges.judged import JudgedResponse
from assessment.reports import records
from assessment.reports.excel_safe import write_cell

# number formats
PCT = "0.0%"  # a proportion in [0, 1] shown as a percentage
SCORE = "0.000"
POINTS = "0.0"  # values already in % or percentage points
P_VALUE = "0.0000"
INT = "#,##0"
SECONDS = "0.00"
MONEY = "0.000000"

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
SECTION_FONT = Font(bold=True, size=12)
WRAP = Alignment(wrap_text=True, vertical="top")
_THIN = Side(style="thin", color="999999")
FILL_IN_BORDER = Border(bottom=_THIN)


class Col:
    """One column of a table: header, how to get the value from a row object, number format (or a function of
    the row object giving one, for columns whose unit differs by row), width."""

    __slots__ = ("header", "get", "fmt", "width")

    def __init__(self, header: str, get: Callable[[Any], Any], fmt: str | Callable[[Any], str | None] | None = None,
                 width: float | None = None):
        self.header, self.get, self.fmt, self.width = header, get, fmt, width


def write_header(ws: Worksheet, headers: Sequence[str], row: int = 1, start_col: int = 1) -> None:
    for c, text in enumerate(headers, start=start_col):
        cell = write_cell(ws, row, c, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL


def write_table(ws: Worksheet, cols: Sequence[Col], rows: Sequence[Any], *, freeze: bool = True,
                autofilter: bool = True, start_row: int = 1, widths: bool = True) -> int:
    """Header in ``start_row`` (row 1 unless told), one row per object; returns the last row written."""
    write_header(ws, [c.header for c in cols], row=start_row)
    r = start_row
    for r, obj in enumerate(rows, start=start_row + 1):
        for c, col in enumerate(cols, start=1):
            value = col.get(obj)
            if value is None:
                continue
            cell = write_cell(ws, r, c, value)
            fmt = col.fmt(obj) if callable(col.fmt) else col.fmt
            if fmt and not isinstance(value, str):
                cell.number_format = fmt
    if freeze:
        ws.freeze_panes = f"A{start_row + 1}"
    if autofilter:
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(cols))}{max(r, start_row)}"
    if widths:
        set_widths(ws, [c.width or min(max(len(c.header) + 2, 10), 40) for c in cols])
    return r


def set_widths(ws: Worksheet, widths: Sequence[float], start: int = 1) -> None:
    for i, w in enumerate(widths, start=start):
        ws.column_dimensions[get_column_letter(i)].width = w


def column_of(cols: Sequence[Col], header: str) -> str:
    return get_column_letter([c.header for c in cols].index(header) + 1)


def yes_no(flag: bool | None) -> str | None:
    return None if flag is None else ("yes" if flag else "no")


# --- Responses ---------------------------------------------------------------------------

RESPONSE_COLS = [
    Col("candidate", lambda r: r.candidate, width=16),
    Col("pack", lambda r: r.pack_id, width=12),
    Col("item", lambda r: r.item_id, width=14),
    Col("category", lambda r: r.category, width=12),
    Col("subtype", lambda r: r.subtype, width=14),
    Col("attack", lambda r: r.attack_id, width=16),
    Col("status", lambda r: r.status, width=9),
    Col("prompt", lambda r: r.prompt, width=60),
    Col("response", lambda r: r.response, width=60),
    Col("verdict", lambda r: r.verdict, width=15),
    Col("verdict source", lambda r: r.verdict_source, width=10),
    Col("reason", lambda r: r.verdict_reason, width=30),
    Col("score", lambda r: r.score, SCORE, width=8),
    Col("score status", lambda r: r.score_status, width=10),
    Col("score explanation", lambda r: r.score_explanation, width=30),
    Col("latency (s)", lambda r: r.latency_s, SECONDS, width=10),
    Col("input tokens", lambda r: r.input_tokens, INT, width=10),
    Col("output tokens", lambda r: r.output_tokens, INT, width=10),
    Col("cost", lambda r: r.cost, MONEY, width=11),
    Col("error", lambda r: r.error, width=30),
]


def write_responses(ws: Worksheet, judged: Sequence[JudgedResponse], include_harmful: bool) -> None:
    """Every planned call; harmful-item completions redacted unless asked for. Plain cells, no
    per-row styling, so 10,000+ rows stay fast."""
    shown = judged if include_harmful else [r.redacted() for r in judged]
    write_table(ws, RESPONSE_COLS, shown)


# --- Method ------------------------------------------------------------------------------

UNITS = ("Rates and their intervals are proportions shown as percentages; capability_tax_pct and refusal_tax_pp are "
         "already in % / points (e.g. 12.5 means 12.5).")


def definitions(reference: bool) -> list[tuple[str, str]]:
    """The metric catalogue's entries, in its order: id, then definition, formula and direction."""
    rows = [(e.id, catalogue.definition(e, reference) + (f" Formula: {e.formula}." if e.formula and not
                                                          (reference and e.reference_definition) else "")
             + (f" Better: {e.better.value}." if e.better != catalogue.Better.NEITHER else ""))
            for e in catalogue.ENTRIES]
    return rows + [("units", UNITS)]


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dicts and lists as (dotted key, scalar) rows; keys that look like secrets are left out."""
    return records.flatten(value, _scalar, prefix)


def _scalar(value: Any) -> Any:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


class Lines:
    """Two-column label/value writer for the Method and Decision sheets."""

    def __init__(self, ws: Worksheet):
        self.ws, self.row = ws, 1

    def section(self, title: str) -> None:
        if self.row > 1:
            self.row += 1
        write_cell(self.ws, self.row, 1, title).font = SECTION_FONT
        self.row += 1

    def line(self, label: str, value: Any = None, wrap: bool = False) -> Any:
        write_cell(self.ws, self.row, 1, label).font = HEADER_FONT
        cell = self.ws.cell(row=self.row, column=2)
        if value is not None:
            cell = write_cell(self.ws, self.row, 2, value)
        if wrap:
            cell.alignment = WRAP
        self.row += 1
        return cell


def write_conclusions(out: Lines, card: Scorecard) -> None:
    """Overall verdict, how flags were gated, the ranking's first place and the rounds of a run until decided."""
    out.section("Conclusions")
    if card.verdict is not None:
        out.line("overall verdict", card.verdict.label)
        out.line("reason", card.verdict.reason, wrap=True)
    ev = card.evidence
    if ev is not None:
        out.line("multiple comparisons", f"{ev.correction} over {ev.tests} tests at family-wise alpha {ev.alpha:g}"
                 + (f", split over {ev.looks} planned looks ({ev.alpha_per_look:.4g} each)" if ev.looks > 1 else ""),
                 wrap=True)
        out.line("flags asserted", ev.asserted)
        out.line("flags inconclusive", ev.inconclusive)
    first = card.ranking.first_place if card.ranking is not None else None
    if first is not None:
        out.line("ranking: first place", first.sentence, wrap=True)
    seq = card.sequential
    if seq is not None:
        out.line("run until decided", f"{len(seq.rounds)} round(s) of the planned sizes "
                 f"{', '.join(str(n) for n in seq.schedule)} items per category; stopped: {seq.stop_reason}", wrap=True)
        out.line("calls", f"{seq.calls_planned} planned instead of {seq.calls_full_plan} for the full packs: "
                          f"{seq.calls_saved} saved")
        for rnd in seq.rounds:
            out.line(f"round {rnd.round}", f"{rnd.per_category} items per category in {len(rnd.open_cells_before)} "
                     f"open cell(s), {rnd.calls_added} calls added, {len(rnd.open_cells_after)} still open", wrap=True)


def write_settings(out: Lines, card: Scorecard) -> None:
    """The settings each candidate, the ranking, the judge and the scorers ran with (in the Method sheet)."""
    m = card.methodology
    out.section("Settings as run")
    if not m.candidate_settings:
        out.line("candidates", "not recorded (scorecard made before settings were recorded)")
    for settings in m.candidate_settings:
        name = settings.get("name", "")
        for k, v in flatten({k: v for k, v in settings.items() if k != "name"}, f"candidate {name}"):
            out.line(k, v, wrap=True)
    for k, v in flatten(m.ranking_settings or "not recorded", "ranking"):
        out.line(k, v)
    out.line("attack targets", m.attack_targets or "not recorded")
    for k, v in flatten(m.judge_settings or "none", "LLM judge settings"):
        out.line(k, v)
    for k, v in flatten(m.scorers or "not recorded", "scorers"):
        out.line(k, v)


def write_method(ws: Worksheet, card: Scorecard) -> None:
    m = card.methodology
    out = Lines(ws)
    out.section("Assessment")
    out.line("name", card.name)
    out.line("assessment id", card.assessment_id)
    out.line("created", card.created_at)
    out.line("evaluator", card.evaluator)
    out.line("purpose", card.purpose, wrap=True)
    ref = card.baseline_reference
    out.line("baseline", reference_statement(ref) if ref else card.baseline or "none: no tax is computed", wrap=True)
    out.line("scorecard version", card.scorecard_version)
    if ref:
        write_reference(out, ref)

    out.section("Metric definitions")
    for term, text in definitions(bool(ref)):
        out.line(term, text, wrap=True)
    out.line("partial_counts_as_refusal", yes_no(m.partial_counts_as_refusal))
    write_conclusions(out, card)

    out.section("Judging")
    for k, v in flatten(m.classifier, "classifier"):
        out.line(k, v)
    if m.judge:
        for k, v in flatten(m.judge, "LLM judge"):
            out.line(k, v)
    else:
        out.line("LLM judge", "none (automatic classifier only)")
    for k, v in flatten(m.human_review, "human review"):
        out.line(k, v)
    out.line("audit", card.audit.sentence() + " (details: Audit sheet)")
    for k, v in flatten(m.answer_format or {}, "answer format"):
        out.line(k, v, wrap=True)

    out.section("Sampling and execution")
    out.line("sample per category", m.sample_per_category if m.sample_per_category is not None else "all items")
    out.line("attack items per pack",
             m.attack_items_per_pack if m.attack_items_per_pack is not None else "all harmful items")
    out.line("attacks run", ", ".join(m.attacks) or "none")
    if m.attack_file:
        for k, v in flatten(m.attack_file, "attack file"):
            out.line(k, v)
    out.line("seed", m.seed)
    out.line("code execution", "enabled (code answers were run in a sandbox)" if m.code_execution
             else "disabled (code items needing execution are not scored)")
    out.line("not scored", "; ".join(m.not_scored) or "none", wrap=True)
    if m.local_model is not None:
        for k, v in flatten(m.local_model, "local model"):
            out.line(k, v, wrap=True)

    write_settings(out, card)

    out.section("Reproducibility")
    out.line("config hash", m.config_hash)
    out.line("scorecard SHA-256", card.sha256())
    for i, pack in enumerate(m.packs, start=1):
        desc = pack.get("id") or pack.get("name") or f"pack {i}"
        rest = {k: v for k, v in pack.items() if k not in ("id",)}
        for k, v in flatten(rest, f"pack {desc}"):
            out.line(k, v)
    for k, v in flatten(m.software, "software"):
        out.line(k, v)
    set_widths(ws, [34, 110, 18, 18, 14])


# --- Reference baseline -------------------------------------------------------------------

REFERENCE_COLS = [Col("domain", lambda t: t[0]),
                  Col("capability_score", lambda t: t[1].capability_score, SCORE),
                  Col("over_refusal_rate", lambda t: t[1].over_refusal_rate, PCT),
                  Col("false_refusal_rate", lambda t: t[1].false_refusal_rate, PCT),
                  Col("safety_rate", lambda t: t[1].safety_rate, PCT)]


def write_reference(out: Lines, ref: ReferenceBaseline) -> None:
    """The "Reference baseline" block: what the reference is, then its numbers per domain (empty: not given)."""
    out.section("Reference baseline")
    out.line("statement", reference_statement(ref), wrap=True)
    for key, value in (("name", ref.name), ("source", ref.source), ("date", ref.date)):
        out.line(f"reference {key}", value or "not given", wrap=key == "source")
    rows = list(ref.domains.items())
    out.row = write_table(out.ws, REFERENCE_COLS, rows, freeze=False, autofilter=False, start_row=out.row,
                          widths=False) + 1


# --- Decision ------------------------------------------------------------------------------

SIGN_OFF = ["evaluator signature", "evaluator sign-off date", "approver signature", "approver sign-off date",
            "compliance review (name, date)"]


def write_decision(ws: Worksheet, card: Scorecard) -> None:
    decision = card.decision or RecordedDecision()
    out = Lines(ws)
    out.section("Decision record" + (" (to fill in)" if decision.is_empty() else ""))
    for field in DECISION_FIELDS:
        cell = out.line(field, decision.field(field), wrap=field == "rationale")
        if decision.field(field) is None:
            cell.border = FILL_IN_BORDER
    for k, v in decision.details():  # anything else the record holds, shown generically
        for label, value in flatten(v, k):
            out.line(label, value, wrap=True)
    out.section("Sign-off")
    for label in SIGN_OFF:
        out.line(label).border = FILL_IN_BORDER
    set_widths(ws, [32, 90])
