"""The PDF's closing pages: methodology and limitations (what was assessed — date, evaluator, purpose,
baseline, candidates —, definitions in plain words, how responses were judged with the classifier's measured
accuracy as a small table, sample sizes, what was not scored, the published reference baseline when there is
one, reproducibility), then the decision record and sign-off.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from assessment.analysis import catalogue
from assessment.analysis.decision_summary import reference_statement
from assessment.analysis.scorecard import Scorecard
from assessment.audit.decision import DECISION_FIELDS, RecordedDecision
from assessment.config import ReferenceBaseline
from assessment.judges.verdict import Verdict
from assessment.reports.pdf_audit import audit_section
from assessment.reports.pdf_blocks import (
    bullet,
    date_text,
    flatten,
    kv,
    para,
    reference_table,
    section_break,
    table,
)
from assessment.reports.pdf_records import settings_section
from assessment.reports.pdf_style import FRAME_W, pct

# --- methodology, limitations, reproducibility ---------------------------------------------------

# "What the numbers mean": every metric, severity, flag and statistic of the metric catalogue
DEFINITION_KINDS = (catalogue.Kind.METRIC, catalogue.Kind.SEVERITY, catalogue.Kind.FLAG, catalogue.Kind.CONCLUSION,
                    catalogue.Kind.OVERALL, catalogue.Kind.STATISTIC)


def definitions(reference: bool) -> list[tuple[str, str]]:
    rows = []
    for kind in DEFINITION_KINDS:
        for e in catalogue.of_kind(kind):
            name = e.label if kind in (catalogue.Kind.METRIC, catalogue.Kind.STATISTIC) else \
                f"{e.label} ({kind.value})"
            rows.append((name[0].upper() + name[1:], catalogue.definition(e, reference)))
    return rows


LIMITATIONS = [
    "The results hold for the prompts in the domain packs listed below; other requests may behave differently.",
    "Verdicts come from an automatic classifier (and an LLM judge or a person where stated); they can be wrong. "
    "Measured accuracy is given above where it is known.",
    "Model behaviour changes with provider updates, settings and system prompts: re-run before relying on old results.",
    "Attack templates are a sample of known jailbreak styles, not a full red-team exercise.",
]


def about_section(card: Scorecard) -> list[Flowable]:
    """What was assessed, when and by whom: the metadata a cover page would hold."""
    ref = card.baseline_reference
    baseline = reference_statement(ref) if ref else card.baseline or "none: no tax is computed"
    rows = [("Assessment", card.name), ("Date", date_text(card.created_at)), ("Evaluator", card.evaluator or "n/a"),
            ("Purpose", card.purpose or "n/a"), ("Baseline", baseline),
            ("Domains", ", ".join(card.domains) or "none"), ("Assessment id", card.assessment_id)]
    cands = [[c.name, c.model, "baseline" if c.is_baseline else "candidate"] for c in card.candidates]
    story: list[Flowable] = [para("About this assessment", "h2"), kv(rows, 110), Spacer(1, 4),
                             table(["Candidate", "Model", "Role"], cands, [150, FRAME_W - 220, 70])]
    if ref:
        name = ref.name
        title = "Published reference scores per domain" + (f" — {name}" if name and name != "published reference"
                                                           else "")
        story += [Spacer(1, 3), para(title, "small_bold", 300, 2), reference_table(ref)]
    return story


SPLITS = [("held_out", "held-out (not used to build the classifier)"), ("train", "training (used to build it)"),
          ("dev", "development (used to build it)")]
VERDICT_WORDS = {Verdict.COMPLIANCE: "compliance", Verdict.PARTIAL_REFUSAL: "partial refusal",
                 Verdict.REFUSAL: "refusal"}


def _share(v: object) -> str:
    return pct(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else "n/a"


def classifier_accuracy(measured: dict[str, Any]) -> list[Flowable]:
    """The classifier's measured accuracy per split, and the held-out confusion matrix, as two small tables."""
    splits = [(key, words, measured[key]) for key, words in SPLITS if isinstance(measured.get(key), dict)]
    if not splits:  # a measurement in another shape: its numbers as rows
        numbers = [(f"classifier accuracy: {k}", v) for k, v in flatten(measured) if k != "labelled_set"]
        return [kv(numbers)] if numbers else [para("The classifier's accuracy was not measured.", "note")]
    rows = [[words, str(v.get("n", "n/a")), _share(v.get("accuracy_3way")), _share(v.get("accuracy_binary"))]
            for _, words, v in splits]
    out: list[Flowable] = [para("Measured accuracy of the classifier on the project's labelled set", "small_bold"),
                           table(["Split", "Responses", "3-way accuracy", "Binary: compliance vs any refusal"],
                                 rows, [200, 60, 80, 150]), Spacer(1, 4)]
    key, words, first = splits[0]
    matrix = first.get("confusion_3way")
    if isinstance(matrix, dict) and matrix:
        labels = [k for k in VERDICT_WORDS if k in matrix]
        body = [[f"labelled {VERDICT_WORDS[g]}"] + [str((matrix.get(g) or {}).get(p, 0)) for p in labels]
                for g in labels]
        out += [para(f"How the {words.split(' (')[0]} responses were classified (rows: the label a person gave; "
                     "columns: the classifier's verdict)", "small_bold", 300, 2),
                table([""] + [f"classified {VERDICT_WORDS[p]}" for p in labels], body, [130] + [90] * len(labels))]
    return [KeepTogether(out)]


def _conclusions(card: Scorecard) -> list[Flowable]:
    """How flags were gated and, for a run until decided, its rounds and the calls saved."""
    out: list[Flowable] = []
    ev, seq = card.evidence, card.sequential
    if ev is not None:
        looks = f", split over {ev.looks} planned looks ({ev.alpha_per_look:.4g} each)" if ev.looks > 1 else ""
        out += [para("How sure the conclusions are", "h2"),
                para(f"{ev.correction}'s correction over {ev.tests} tests at a family-wise level of {ev.alpha:g}{looks}: "
                     f"{ev.asserted} flag(s) asserted, {ev.inconclusive} inconclusive.")]
    if seq is not None:
        rounds = "; ".join(f"round {r.round}: {r.per_category} items per category in {len(r.open_cells_before)} "
                           f"cell(s), {r.calls_added} calls added" for r in seq.rounds)
        out.append(para(f"Run until decided ({', '.join(str(n) for n in seq.schedule)} items per category planned; "
                        f"stopped: {seq.stop_reason}): {rounds}. {seq.calls_planned} calls instead of "
                        f"{seq.calls_full_plan} for the full packs, {seq.calls_saved} saved.", limit=3000))
    return out


def methodology(card: Scorecard) -> list[Flowable]:
    m = card.methodology
    story: list[Flowable] = [para("Methodology and limitations", "h1")]
    if card.baseline_reference:
        story.append(para(reference_statement(card.baseline_reference), "warn"))
    story += about_section(card)
    # The glossary is nearly a page long: let it split across pages instead of being kept with its
    # heading (keepWithNext would push both to the next page and leave this one nearly blank).
    glossary_heading = para("What the numbers mean", "h2")
    glossary_heading.keepWithNext = 0
    story += [CondPageBreak(120), glossary_heading, kv(definitions(bool(card.baseline_reference)), 110), Spacer(1, 3),
              para("Partial refusals (a refusal that still gives part of the answer) "
                   + ("count as refusals" if m.partial_counts_as_refusal else "do not count as refusals")
                   + " in this assessment.", "note"),
              para("How responses were judged", "h2")]
    plain = {k: v for k, v in m.classifier.items() if k != "measured"}
    classifier = [(f"classifier {k}", v) for k, v in flatten(plain)]
    measured = m.classifier.get("measured")
    if isinstance(measured, dict) and measured.get("labelled_set"):
        classifier.append(("classifier labelled set", measured["labelled_set"]))
    judge = [(f"LLM judge {k}", v) for k, v in flatten(m.judge)] if m.judge else [("LLM judge", "none")]
    human = [(f"human review {k}", v) for k, v in flatten(m.human_review)]
    answer = [(f"answer format {k}", v) for k, v in flatten(m.answer_format)] if m.answer_format else []
    story += [kv(classifier + judge + human + answer), Spacer(1, 4)]
    if isinstance(measured, dict):
        story += classifier_accuracy(measured)
    story += audit_section(card)
    story += _conclusions(card)
    story.append(para("Sample sizes", "h2"))
    cands = [[c.name, str(c.calls), str(c.responses), str(c.errors), str(c.pending),
              "n/a" if c.cost is None else f"{c.cost:.4f}",
              "n/a" if c.latency_median_s is None else f"{c.latency_median_s:.2f} s"] for c in card.candidates]
    story.append(table(["Candidate", "Calls", "Responses", "Errors", "Not run", "Cost (USD)", "Median latency"],
                       cands, [FRAME_W - 330, 50, 60, 50, 50, 60, 60]))
    story.append(Spacer(1, 4))
    story.append(kv([("sample per category", m.sample_per_category or "all items"),
                     ("harmful items per attack", m.attack_items_per_pack or "all harmful items"),
                     ("attack templates run", ", ".join(m.attacks) or "none")]))
    story += settings_section(card)
    story += [para("What was not scored, and why", "h2")]
    story += [bullet(t, 1500) for t in m.not_scored] or [para("Every planned item was scored.")]
    story.append(para("Code execution: " + ("enabled — code answers were run in a sandbox to score them."
                                            if m.code_execution else
                                            "disabled — code tasks that need running are not scored.")))
    if m.local_model is not None:
        story += [para("Local model and licences", "h2"), kv(flatten(m.local_model))]
    if card.baseline_reference:
        story += reference_section(card.baseline_reference)
    story += [para("Limitations", "h2")]
    story += [bullet(t, 1500) for t in LIMITATIONS]
    repro = [("config hash", m.config_hash), ("scorecard SHA-256", card.sha256()), ("assessment id", card.assessment_id),
             ("scorecard version", card.scorecard_version), ("seed", m.seed)]
    repro += ([(f"attack file {k}", v) for k, v in flatten(m.attack_file)] if m.attack_file
              else [("attack file", "built-in")])
    repro += [(f"software: {k}", v) for k, v in flatten(m.software)]
    packs = [[str(p.get("id", "n/a")), str(p.get("version", "n/a")), str(p.get("sha256", "n/a"))] for p in m.packs]
    story += [para("Reproducibility", "h2"), kv(repro), Spacer(1, 4),
              table(["Pack", "Version", "SHA-256"], packs, [90, 60, FRAME_W - 150]), section_break()]
    return story


def reference_section(ref: ReferenceBaseline) -> list[Flowable]:
    """The published reference the taxes are measured against: what it is, and its numbers per domain."""
    rows: list[tuple[str, object]] = [("name", ref.name or "n/a"), ("source", ref.source or "not given"),
                                      ("date", ref.date or "not given")]
    return [para("Published reference baseline", "h2"), para(reference_statement(ref)),
            para("The capability tax compares each candidate's score with the reference score; the refusal tax "
                 "compares its over-refusal with the reference rate. The reference is taken as fixed: the 95% "
                 "intervals show only the candidate's own sampling uncertainty.", "note"),
            kv(rows, 110), Spacer(1, 4), reference_table(ref)]


# --- decision record and sign-off ----------------------------------------------------------------

BLANK = "_" * 60


def decision(card: Scorecard) -> list[Flowable]:
    d = card.decision or RecordedDecision()
    rows: list[tuple[str, object]] = [(f.capitalize(), d.field(f) or BLANK) for f in DECISION_FIELDS]
    rows += [(str(k), v) for key, value in d.details() for k, v in flatten(value, key)]
    story: list[Flowable] = [para("Decision record", "h1")]
    if d.is_empty():
        story.append(para("No decision has been recorded yet: fill in by hand.", "note"))
    story += [kv(rows, 110), Spacer(1, 10 * mm), para("Sign-off", "h2"),
              para("By signing, each person confirms they have read this report, including its methodology and "
                   "limitations.", "note")]
    names = {"Evaluator": d.evaluator or "", "Approver": d.approver or "", "Compliance review": ""}
    t = table(["Role", "Name", "Signature", "Date"], [[role, name, "", ""] for role, name in names.items()],
              [110, 150, FRAME_W - 350, 90], row_height=32)  # room to sign
    return story + [t]
