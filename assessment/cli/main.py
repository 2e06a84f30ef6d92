"""Command line: thin argument parsing over the library. Errors print one clear line, exit 2."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

from assessment.errors import UserError, ValidationProblems
from assessment.textsafe import plain_markup, printable

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def _err(message: str) -> None:
    print(f"error: {printable(message)}", file=sys.stderr)


# --- run -------------------------------------------------------------------------------------

def _progress_runner(prepared, store, assessment_id, quiet: bool):
    """Run with a rich progress display (done/total, errors, elapsed, ETA per candidate)."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    from assessment.pipeline import execute
    from assessment.run.runner import Progress

    progress = Progress()
    if quiet:
        return execute(store, assessment_id, prepared, progress=progress)
    bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("errors {task.fields[errors]}"),
              TextColumn("cached {task.fields[cached]}"), TimeElapsedColumn(), TimeRemainingColumn(), transient=False)
    tasks = {}
    last = [0.0]

    def on_update(p: Progress, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - last[0] < 0.1 and p.done < p.total:
            return
        last[0] = now
        for name, cp in p.per_candidate.items():
            if name not in tasks:
                tasks[name] = bar.add_task(plain_markup(name), total=cp.total, errors=0, cached=0)
            bar.update(tasks[name], completed=cp.done, total=cp.total, errors=cp.errors, cached=cp.cached)

    with bar:
        try:
            result = execute(store, assessment_id, prepared, progress=progress, on_update=on_update)
        finally:
            on_update(progress, force=True)
    return result


def write_outputs(store, assessment_id: str, out_dir: Path, formats: list[str], quiet: bool = False,
                  diff_against: str | None = None, timings: dict | None = None):
    from assessment.pipeline import compute_scorecard
    from assessment.reports.export import export_all

    _check_out_dir(out_dir)
    scorecard, judged = compute_scorecard(store, assessment_id)
    if diff_against:
        from assessment.analysis.diff import diff_scorecards

        old_store, old_id = _locate(diff_against, None, store)
        old_card, old_judged = compute_scorecard(old_store, old_id)
        scorecard.diff = diff_scorecards(old_card, scorecard, old_judged, judged)
    include = scorecard_config_include_harmful(store, assessment_id)
    try:
        paths = export_all(scorecard, judged, out_dir, formats, include_harmful=include)
        run_info = {"assessment_id": assessment_id, "store": str(store.path), **(timings or {})}
        (out_dir / "run.json").write_text(json.dumps(run_info, indent=2))
    except OSError as exc:
        raise UserError(f"--out {out_dir}: cannot write the exports ({exc.strerror or exc})") from None
    if not quiet:
        from rich.console import Console
        from rich.markup import escape

        from assessment.cli.console import candidate_table, summary_table, verdict_lines

        console = Console()
        if not console.is_terminal:
            console = Console(width=170)  # logs and pipes: wide enough that tables don't wrap
        console.print(summary_table(scorecard))
        console.print(candidate_table(scorecard))
        for line in verdict_lines(scorecard):
            console.print(escape(line), highlight=False)
        console.print("Wrote: " + ", ".join(plain_markup(p) for p in paths))
    return scorecard, judged


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir}: is a file; give a folder for the exports")


def scorecard_config_include_harmful(store, assessment_id: str) -> bool:
    from assessment.pipeline import load_stored

    return load_stored(store, assessment_id).config.include_harmful_completions


def run_prepared(prepared, store, out_dir: Path, resume: bool, formats: list[str], resume_hint: str, quiet: bool = False):
    from assessment.pipeline import open_assessment
    from assessment.run.runlock import busy_message, run_in_progress

    if run_in_progress(store.path, prepared.config.config_hash()):  # before a new assessment is even recorded
        raise UserError(busy_message())
    assessment_id, resumed = open_assessment(store, prepared, resume=resume)
    total = len(prepared.plan.calls)
    if not quiet:
        verb = "Resuming" if resumed else "Starting"
        print(f"{verb} assessment {assessment_id}: {total} planned calls, store {printable(store.path)}")
    try:
        result = _progress_runner(prepared, store, assessment_id, quiet)
    except KeyboardInterrupt:
        result = None
    if result is None or result.cancelled:
        done = sum(1 for r in store.call_rows(assessment_id) if r.status == "ok")
        print(f"\nInterrupted: {done} of {total} calls finished and saved.\nResume with: {resume_hint}", file=sys.stderr)
        return None, EXIT_INTERRUPTED
    if not quiet:
        print(f"Finished {result.done} of {result.total} calls ({result.cached} from the store, {result.errors} errors) "
              f"in {result.elapsed():.1f}s")
    timings = {"calls_sent": result.done - result.cached, "run_seconds": round(result.elapsed(), 3),
               "call_phase_seconds": None if result.call_phase_seconds() is None else round(result.call_phase_seconds(), 3)}
    scorecard, _ = write_outputs(store, assessment_id, out_dir, formats, quiet, timings=timings)
    return scorecard, 0


def cmd_run(args: argparse.Namespace) -> int:
    from assessment.config import check_keys_present, load_config
    from assessment.pipeline import prepare
    from assessment.run.store import open_store

    config, base_dir = load_config(args.config)
    if args.sample is not None:
        config = config.model_copy(update={"sample_per_category": args.sample})
    check_keys_present(config)
    prepared = prepare(config, base_dir)
    store = open_store(config.store if config.store is None or Path(config.store).is_absolute()
                       else base_dir / config.store)
    hint = f"python -m assessment run {args.config} --out {args.out} --resume" + (f" --sample {args.sample}" if args.sample else "")
    if args.until_decided:
        from assessment.cli.rounds import run_until_decided_cli

        hint += " --until-decided" + (f" --start {args.start}" if args.start else "")
        return run_until_decided_cli(prepared, store, Path(args.out), resume=args.resume, formats=_formats(args.format),
                                     resume_hint=hint, quiet=args.quiet, start=args.start or 4,
                                     max_calls=args.max_calls, max_cost=args.max_cost)
    if args.max_calls is not None or args.max_cost is not None or args.start is not None:
        raise UserError("--max-calls, --max-cost and --start only apply with --until-decided")
    _, code = run_prepared(prepared, store, Path(args.out), args.resume, _formats(args.format), hint, args.quiet)
    return code


def _formats(raw: str) -> list[str]:
    from assessment.reports.export import parse_formats

    return parse_formats(raw)


# --- packs -----------------------------------------------------------------------------------

def cmd_packs_validate(args: argparse.Namespace) -> int:
    from assessment.packs import validate_paths

    loaded, problems = validate_paths(args.paths, check_examples=True)
    for lp in loaded:
        print(printable(f"ok  {lp.source}: pack {lp.pack.id} v{lp.pack.version}, {len(lp.pack.items)} items"))
    for p in problems:
        print(printable(p), file=sys.stderr)
    if not loaded and not problems:
        _err("no pack files found")
        return EXIT_USER_ERROR
    return EXIT_USER_ERROR if problems else 0


def cmd_packs_schema(args: argparse.Namespace) -> int:
    from assessment.packs import pack_json_schema

    print(json.dumps(pack_json_schema(), indent=2))
    return 0


def cmd_packs_stats(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from assessment.analysis.power import power_sentence
    from assessment.packs import builtin_pack_dir, validate_paths
    from assessment.packs.summary import annotation_line, labels_line, summarise

    loaded, problems = validate_paths(args.paths or [builtin_pack_dir()])
    for p in problems:
        print(printable(p), file=sys.stderr)
    summaries = [summarise(lp.pack) for lp in loaded]
    table = Table(title="Items per pack × category × subtype")
    for col in ("pack", "version", "category", "subtype", "items"):
        table.add_column(col)
    for s in summaries:
        for (cat, sub), n in s.per_subtype.items():
            table.add_row(plain_markup(s.pack_id), plain_markup(s.version), cat, plain_markup(sub), str(n))
        table.add_row(plain_markup(s.pack_id), plain_markup(s.version), "[b]all[/b]", "", f"[b]{s.items}[/b]")
    console = Console()
    console.print(table)
    for s in summaries:
        console.print(f"[b]{plain_markup(s.pack_id)}[/b] labels: {plain_markup(labels_line(s))}")
        console.print(f"[b]{plain_markup(s.pack_id)}[/b] annotation: {plain_markup(annotation_line(s.annotation))}")
        sensitive = s.per_category["sensitive"] if args.sample is None else min(args.sample, s.per_category["sensitive"])
        console.print(f"[b]{plain_markup(s.pack_id)}[/b] power: {plain_markup(power_sentence(sensitive))}")
    return EXIT_USER_ERROR if problems else 0


def cmd_packs_duplicates(args: argparse.Namespace) -> int:
    from assessment.packs import builtin_pack_dir, validate_paths
    from assessment.packs.duplicates import find_duplicates

    loaded, problems = validate_paths(args.paths or [builtin_pack_dir()])
    for p in problems:
        print(p, file=sys.stderr)
    found = find_duplicates([lp.pack for lp in loaded])
    for d in found:
        print(d.describe())
    items = sum(len(lp.pack.items) for lp in loaded)
    print(f"{len(found)} duplicate pair(s) among {items} items in {len(loaded)} pack(s)")
    return EXIT_USER_ERROR if problems or found else 0


def cmd_packs_agreement(args: argparse.Namespace) -> int:
    from assessment.packs import load_pack_file
    from assessment.packs.agreement import agreement, read_labels

    pack = load_pack_file(args.pack).pack
    report = agreement(pack, read_labels(args.first), read_labels(args.second))
    for d in report.disagreements:
        shown = "; ".join(f"{f}: {getattr(d.first, f)} vs {getattr(d.second, f)}" for f in d.fields)
        print(f"disagree {d.item_id}: {shown}")
    if report.unlabelled:
        print(f"not labelled by both passes: {len(report.unlabelled)} item(s), e.g. {', '.join(report.unlabelled[:5])}")
    block = report.annotation(args.guideline, len(report.disagreements), 0)
    print("annotation:  # resolve every disagreement above (or remove the item), then set items_removed")
    for key, value in block.model_dump().items():
        print(f"  {key}: {'null' if value is None else value}")
    return 0


def cmd_packs_import(args: argparse.Namespace) -> int:
    from assessment.packs.tabular import import_table, write_pack_yaml

    pack = import_table(args.file, pack_id=args.id, name=args.name)
    write_pack_yaml(pack, args.out)
    print(printable(f"wrote {args.out}: pack {pack.id}, {len(pack.items)} items"))
    return 0


def cmd_packs_template(args: argparse.Namespace) -> int:
    from assessment.packs.tabular import write_template

    write_template(args.out)
    print(f"wrote {args.out}")
    return 0


def cmd_packs_export(args: argparse.Namespace) -> int:
    from assessment.packs import resolve_pack
    from assessment.packs.tabular import export_pack_xlsx

    lp = resolve_pack(args.pack)
    export_pack_xlsx(lp.pack, args.out)
    print(f"wrote {args.out}: {len(lp.pack.items)} items")
    return 0


# --- classify, report, demo ------------------------------------------------------------------

def cmd_classify(args: argparse.Namespace) -> int:
    from assessment.judges.classify_file import classify_jsonl

    return classify_jsonl(args.input, judge_model=args.judge, judge_api_base=args.judge_api_base)


def _answer_source(path: str | None):
    """Answers from a file (one per line, for scripted reviews) or typed at the prompt."""
    if path is None:
        def typed(prompt: str):
            try:
                return input(prompt), None
            except EOFError:
                return None, None
        return typed
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror})") from None
    numbered = iter([(i, line) for i, line in enumerate(lines, start=1) if line.strip()])

    def from_file(prompt: str):
        print(prompt, end="")
        n, line = next(numbered, (None, None))
        if line is not None:
            print(line)
        return line, n
    return from_file


def cmd_audit(args: argparse.Namespace) -> int:
    from assessment.audit.session import open_audit, parse_answer, terminal_safe
    from assessment.judges.guideline import GUIDELINE

    store, assessment_id = _locate(args.assessment, args.store)
    audit = open_audit(store, assessment_id, n=args.n, low_confidence=args.low_confidence)
    ask = _answer_source(args.answers)
    reviewer = args.reviewer
    if not reviewer:
        if args.answers:
            raise UserError("--reviewer NAME is required with --answers")
        reviewer, _ = ask("Your name (recorded with each answer): ")
        if not reviewer or not reviewer.strip():
            raise UserError("an audit needs the reviewer's name")
    pending = audit.pending()
    total = len(audit.items)
    print(f"Audit of {assessment_id}: {total - len(pending)} of {total} reviewed.\n\n{GUIDELINE}\n")
    for item in pending:
        r = audit.judged.get(item.call_id)
        if r is None:
            continue
        kind = "low-confidence verdict (not used for the correction)" if item.part.value == "low_confidence" else "random sample"
        print(f"--- {item.position + 1} of {total} · {kind} · {terminal_safe(r.candidate)} · {r.pack_id} · {item.stratum.split(' | ')[1]}")
        print(f"REQUEST:\n{terminal_safe(r.prompt)}\n\nRESPONSE:\n{terminal_safe(r.response)}\n")
        confidence = "" if item.confidence is None else f", confidence {item.confidence:.2f}"
        print(f"Classifier: {item.auto_verdict}{confidence} — {terminal_safe(r.verdict_reason, 300)}")
        answer: str | None = None
        while True:
            raw, line_no = ask("Your label: [c]ompliance, [p]artial refusal, [r]efusal, [s]kip, [q]uit > ")
            if raw is None:
                answer = "quit"
                break
            answer = parse_answer(raw)
            if answer is not None:
                break
            if line_no is not None:
                raise UserError(f"{args.answers}:{line_no}: answer {raw.strip()!r} is not one of c, p, r, s, q")
            print("Please type c, p, r, s or q.")
        if answer == "quit":
            break
        if answer != "skip":
            audit.answer(item, answer, reviewer)
    summary = audit.summary()
    left = len(audit.pending())
    print(f"\n{summary.sentence()}" + (f"; {left} still to review (run the same command to continue)" if left else ""))
    if summary.audited:
        from rich.console import Console

        from assessment.cli.console import corrected_rates_table

        Console(width=170).print(corrected_rates_table(summary))
        print("Run `python -m assessment report` to put the audit into the PDF, Excel and JSON exports.")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from assessment.scoring.score_file import BadLine, read_input, score_lines

    bad = 0
    for result in score_lines(read_input(args.input), base_dir=Path(args.input).resolve().parent):
        if isinstance(result, BadLine):
            print(f"{args.input}:{result.line}: {result.message}", file=sys.stderr)
            bad += 1
        else:
            print(result.model_dump_json(), flush=True)
    if bad:
        _err(f"{bad} line(s) could not be scored; every other line was scored")
    return EXIT_USER_ERROR if bad else 0


def _locate(ref: str, store_path: str | None, default_store=None):
    """An output folder of a run (its run.json names the store) or an assessment id → (store, id)."""
    from assessment.run.store import open_store

    target = Path(ref)
    if target.is_dir():
        run_file = target / "run.json"
        if not run_file.exists():
            raise UserError(f"{target}: no run.json here; pass an assessment id (and --store) instead")
        try:
            info = json.loads(run_file.read_text())
            named, assessment_id = info["store"], info["assessment_id"]
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{run_file}: not a run record (needs store and assessment_id)") from None
        if store_path is None and not Path(named).is_file():  # never create a store a file merely names
            raise UserError(f"{run_file}: names store {named}, which does not exist; pass --store")
        return open_store(store_path or named, must_exist=True), assessment_id
    if default_store is not None and store_path is None:
        return default_store, ref
    return open_store(store_path, must_exist=True), ref


def cmd_report(args: argparse.Namespace) -> int:
    store, assessment_id = _locate(args.assessment, args.store)
    write_outputs(store, assessment_id, Path(args.out), _formats(args.format), args.quiet, args.diff_against)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from assessment.analysis.diff import diff_scorecards
    from assessment.pipeline import compute_scorecard

    old_store, old_id = _locate(args.old, args.store)
    new_store, new_id = _locate(args.new, args.store)
    old_card, old_judged = compute_scorecard(old_store, old_id)
    new_card, new_judged = compute_scorecard(new_store, new_id)
    diff = diff_scorecards(old_card, new_card, old_judged, new_judged)
    for line in diff.summary:
        print(printable(line))
    if args.out:
        _check_out_dir(Path(args.out))
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "diff.json").write_text(diff.model_dump_json(indent=2))
        print(f"Wrote {Path(args.out) / 'diff.json'}")
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    from assessment.reports.bundle import write_bundle

    store, assessment_id = _locate(args.assessment, args.store)
    path = write_bundle(store, assessment_id, args.out)
    print(f"Wrote the evidence bundle of assessment {assessment_id}: {path}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from assessment.reports.bundle import verify_bundle

    result = verify_bundle(args.bundle)
    for problem in result.problems:
        print(f"MISMATCH: {problem}")
    for note in result.notes:
        print(f"note: {note}")
    if not result.ok:
        print(f"{args.bundle}: NOT intact ({len(result.problems)} problem(s)); do not rely on this scorecard.")
        return 1
    print(f"{args.bundle}: intact — {result.files_checked} files match the manifest and the scorecard recomputed "
          f"from {result.responses} bundled responses matches scorecard.json (assessment {result.assessment_id}).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from assessment.local.model import demo

    return demo(Path(args.out), quick=args.quick, quiet=args.quiet, formats=_formats(args.format))


def cmd_list(args: argparse.Namespace) -> int:
    from assessment.run.store import open_store

    for a in open_store(args.store).list_assessments():
        print(f"{a.id}  {a.status:<11} {a.created_at}  {printable(a.name)}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from assessment.run.store import open_store

    store = open_store(args.store)
    store.assessment_record(args.assessment)  # a clear error if it does not exist
    store.delete_assessment(args.assessment)
    print(f"deleted assessment {args.assessment} and the responses no other assessment uses")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assessment", description="Alignment Tax Assessment")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run an assessment from a config file")
    run.add_argument("config")
    run.add_argument("--out", required=True, help="folder for scorecard.json, responses.jsonl and exports")
    run.add_argument("--sample", type=int, help="items per pack and category (seeded)")
    run.add_argument("--resume", action="store_true", help="continue the latest assessment with this config")
    run.add_argument("--format", default="json,pdf,xlsx", help="exports to write (json,pdf,xlsx)")
    run.add_argument("--quiet", action="store_true")
    run.add_argument("--until-decided", action="store_true",
                     help="run in rounds, adding items only where a conclusion is still open (see README)")
    run.add_argument("--start", type=int, help="items per category in the first round of --until-decided (default 4)")
    budget = run.add_mutually_exclusive_group()
    budget.add_argument("--max-calls", type=int, help="with --until-decided: stop before exceeding this many calls")
    budget.add_argument("--max-cost", type=float, help="with --until-decided: stop before exceeding this cost")
    run.set_defaults(func=cmd_run)

    packs = sub.add_parser("packs", help="validate, inspect and import domain packs")
    psub = packs.add_subparsers(dest="packs_command", required=True)
    v = psub.add_parser("validate", help="validate pack files or folders")
    v.add_argument("paths", nargs="+")
    v.set_defaults(func=cmd_packs_validate)
    psub.add_parser("schema", help="print the pack JSON Schema").set_defaults(func=cmd_packs_schema)
    st = psub.add_parser("stats", help="items per pack × category × subtype, labels, agreement and power")
    st.add_argument("paths", nargs="*")
    st.add_argument("--sample", type=int, default=None, metavar="N",
                    help="show the power of a sample of N items per category (default: every item)")
    st.set_defaults(func=cmd_packs_stats)
    dup = psub.add_parser("duplicates", help="exact and near-duplicate prompts within and across packs")
    dup.add_argument("paths", nargs="*")
    dup.set_defaults(func=cmd_packs_duplicates)
    agr = psub.add_parser("agreement", help="Cohen's kappa of two labelling passes, as a pack annotation block")
    agr.add_argument("pack")
    agr.add_argument("first", help="JSONL labels of the first annotator: id, category, subtype, severity, stated_intent")
    agr.add_argument("second", help="JSONL labels of the second annotator")
    agr.add_argument("--guideline", default="docs/pack-guideline.md", help="which guideline (and date) was used")
    agr.set_defaults(func=cmd_packs_agreement)
    imp = psub.add_parser("import", help="import a .csv, .xlsx or .jsonl file as a pack")
    imp.add_argument("file")
    imp.add_argument("--out", required=True)
    imp.add_argument("--id", help="pack id (default: from the file name)")
    imp.add_argument("--name", help="pack name")
    imp.set_defaults(func=cmd_packs_import)
    tpl = psub.add_parser("template", help="write an Excel template for a custom pack")
    tpl.add_argument("--out", required=True)
    tpl.set_defaults(func=cmd_packs_template)
    exp = psub.add_parser("export", help="export a pack to .xlsx (for editing and re-import)")
    exp.add_argument("pack")
    exp.add_argument("--out", required=True)
    exp.set_defaults(func=cmd_packs_export)

    cl = sub.add_parser("classify", help="classify responses in a JSONL file (prompt, response)")
    cl.add_argument("input")
    cl.add_argument("--judge", help="a LiteLLM model string to use as LLM judge")
    cl.add_argument("--judge-api-base")
    cl.set_defaults(func=cmd_classify)

    au = sub.add_parser("audit", help="review a random sample of verdicts; the scorecard corrects its rates")
    au.add_argument("assessment", help="an output folder of a run, or an assessment id")
    au.add_argument("--n", type=int, help="verdicts in the random sample (default 60; a larger number later draws more)")
    au.add_argument("--low-confidence", type=int, default=0,
                    help="also offer this many low-confidence verdicts first (not used for the correction)")
    au.add_argument("--reviewer", help="your name, recorded with each answer")
    au.add_argument("--answers", help="a file with one answer per line (c, p, r, s, q) instead of typing them")
    au.add_argument("--store")
    au.set_defaults(func=cmd_audit)


    sc = sub.add_parser("score", help="score saved answers to capability items (JSONL: pack, item_id, response)")
    sc.add_argument("input")
    sc.set_defaults(func=cmd_score)

    rep = sub.add_parser("report", help="regenerate exports from a stored assessment (no model calls)")
    rep.add_argument("assessment", help="an output folder of a run, or an assessment id")
    rep.add_argument("--format", default="json,pdf,xlsx")
    rep.add_argument("--out", required=True)
    rep.add_argument("--store")
    rep.add_argument("--quiet", action="store_true")
    rep.add_argument("--diff-against", help="include a comparison with an earlier assessment (folder or id)")
    rep.set_defaults(func=cmd_report)

    df = sub.add_parser("diff", help="compare an assessment with an earlier one")
    df.add_argument("old", help="the earlier assessment: an output folder or an assessment id")
    df.add_argument("new", help="the later assessment: an output folder or an assessment id")
    df.add_argument("--store")
    df.add_argument("--out", help="folder to write diff.json")
    df.set_defaults(func=cmd_diff)

    bd = sub.add_parser("bundle", help="write the evidence bundle (zip) of a stored assessment")
    bd.add_argument("assessment", help="an output folder of a run, or an assessment id")
    bd.add_argument("--out", required=True, help="the zip file to write, e.g. evidence.zip")
    bd.add_argument("--store")
    bd.set_defaults(func=cmd_bundle)

    vf = sub.add_parser("verify", help="check an evidence bundle offline: file hashes and the recomputed scorecard")
    vf.add_argument("bundle", help="the bundle zip")
    vf.set_defaults(func=cmd_verify)

    demo = sub.add_parser("demo", help="run the offline demo on the embedded local model")
    demo.add_argument("--out", required=True)
    demo.add_argument("--quick", action="store_true", help="a small sample (about 3 minutes on 2 cores)")
    demo.add_argument("--format", default="json,pdf,xlsx")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(func=cmd_demo)

    ls = sub.add_parser("list", help="list stored assessments")
    ls.add_argument("--store")
    ls.set_defaults(func=cmd_list)

    rm = sub.add_parser("delete", help="delete a stored assessment and its responses")
    rm.add_argument("assessment")
    rm.add_argument("--store")
    rm.set_defaults(func=cmd_delete)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValidationProblems as exc:
        for line in exc.problems:
            print(printable(line), file=sys.stderr)
        return EXIT_USER_ERROR
    except UserError as exc:
        _err(str(exc))
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except sqlite3.Error as exc:  # the store failed under us (read-only, full, damaged): one line, exit 2
        from assessment.run.store import LAST_OPENED

        where = f"store {LAST_OPENED[0]}" if LAST_OPENED else "store"
        _err(f"{where}: {exc}")
        return EXIT_USER_ERROR
    except RecursionError:
        _err("input nested too deeply to read")
        return EXIT_USER_ERROR
    except Exception as exc:  # a bug: say so in one line; the traceback only on request
        if os.environ.get("ASSESSMENT_DEBUG"):
            raise
        _err(f"unexpected {type(exc).__name__}: {exc} (set ASSESSMENT_DEBUG=1 to see the traceback)")
        return 1
