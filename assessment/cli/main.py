"""Command line: thin argument parsing over the library. Errors print one clear line, exit 2."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from assessment.cli import EXIT_INTERRUPTED, EXIT_USER_ERROR
from assessment.cli.console import corrected_rates_table, print_error, print_outputs
from assessment.cli.packs import add_packs_parser
from assessment.config import check_keys_present, config_store_path, load_config
from assessment.errors import UserError, ValidationProblems
from assessment.judges.classify_file import classify_jsonl
from assessment.judges.guideline import GUIDELINE
from assessment.reports.export import EXPORTERS, parse_formats
from assessment.run.store import LAST_OPENED, open_store
from assessment.scoring.score_file import BadLine, read_input, score_lines
from assessment.textsafe import printable

if TYPE_CHECKING:
    from assessment.service.runs import RunOutcome

ALL_FORMATS = ",".join(EXPORTERS)  # the default --format: every registered export

# Commands that run or score an assessment import the pipeline when called: its ~0.5 s (measured with
# python -X importtime) would otherwise delay every command, e.g. `list` or `packs validate`.

# --- run -------------------------------------------------------------------------------------

def show_outcome(outcome: RunOutcome, resume_hint: str, quiet: bool) -> int:
    """The tables of a finished run, or how to resume an interrupted one; the exit code."""
    if outcome.outputs is None:
        print(f"\nInterrupted: {outcome.finished_calls} of {outcome.planned_calls} calls finished and saved.\n"
              f"Resume with: {resume_hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not quiet:
        print_outputs(outcome.outputs)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from assessment.cli.progress import terminal_hooks  # heavy: the pipeline, ~0.5 s
    from assessment.cli.rounds import run_until_decided_cli  # heavy: the pipeline, ~0.5 s
    from assessment.pipeline import prepare  # heavy: the pipeline, ~0.5 s
    from assessment.service.runs import run_prepared  # heavy: the pipeline, ~0.5 s

    config, base_dir = load_config(args.config)
    if args.sample is not None:
        config = config.model_copy(update={"sample_per_category": args.sample})
    check_keys_present(config)
    prepared = prepare(config, base_dir)
    store = open_store(config_store_path(config, base_dir))
    hint = f"python -m assessment run {args.config} --out {args.out} --resume" + (f" --sample {args.sample}" if args.sample else "")
    if args.until_decided:
        hint += " --until-decided" + (f" --start {args.start}" if args.start else "")
        return run_until_decided_cli(prepared, store, Path(args.out), resume=args.resume, formats=parse_formats(args.format),
                                     resume_hint=hint, quiet=args.quiet, start=args.start or 4,
                                     max_calls=args.max_calls, max_cost=args.max_cost)
    if args.max_calls is not None or args.max_cost is not None or args.start is not None:
        raise UserError("--max-calls, --max-cost and --start only apply with --until-decided")
    outcome = run_prepared(prepared, store, Path(args.out), parse_formats(args.format), resume=args.resume,
                           hooks=terminal_hooks(args.quiet))
    return show_outcome(outcome, hint, args.quiet)


# --- classify, report, demo ------------------------------------------------------------------

def cmd_classify(args: argparse.Namespace) -> int:
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
    from assessment.audit.session import open_audit, parse_answer, terminal_safe  # heavy: the pipeline, ~0.5 s
    from assessment.service.outputs import locate_assessment  # heavy: the pipeline, ~0.5 s

    store, assessment_id = locate_assessment(args.assessment, args.store)
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
        Console(width=170).print(corrected_rates_table(summary))
        print("Run `python -m assessment report` to put the audit into the PDF, Excel and JSON exports.")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    bad = 0
    for result in score_lines(read_input(args.input), base_dir=Path(args.input).resolve().parent):
        if isinstance(result, BadLine):
            print(f"{args.input}:{result.line}: {result.message}", file=sys.stderr)
            bad += 1
        else:
            print(result.model_dump_json(), flush=True)
    if bad:
        print_error(f"{bad} line(s) could not be scored; every other line was scored")
    return EXIT_USER_ERROR if bad else 0


def cmd_report(args: argparse.Namespace) -> int:
    from assessment.service.outputs import locate_assessment, write_outputs  # heavy: the pipeline, ~0.5 s

    store, assessment_id = locate_assessment(args.assessment, args.store)
    earlier = locate_assessment(args.diff_against, None, store) if args.diff_against else None
    outputs = write_outputs(store, assessment_id, Path(args.out), parse_formats(args.format), diff_against=earlier)
    if not args.quiet:
        print_outputs(outputs)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from assessment.service.outputs import diff_stored, locate_assessment, write_diff  # heavy: the pipeline, ~0.5 s

    diff = diff_stored(locate_assessment(args.old, args.store), locate_assessment(args.new, args.store))
    for line in diff.summary:
        print(printable(line))
    if args.out:
        print(f"Wrote {write_diff(diff, Path(args.out))}")
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    from assessment.reports.bundle import write_bundle  # heavy: the pipeline, ~0.5 s
    from assessment.service.outputs import locate_assessment  # heavy: the pipeline, ~0.5 s

    store, assessment_id = locate_assessment(args.assessment, args.store)
    path = write_bundle(store, assessment_id, args.out)
    print(f"Wrote the evidence bundle of assessment {assessment_id}: {path}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from assessment.reports.bundle import verify_bundle  # heavy: the pipeline, ~0.5 s

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
    from assessment.cli.progress import terminal_hooks  # heavy: the pipeline, ~0.5 s
    from assessment.local.demo import run_demo  # heavy: the pipeline, ~0.5 s

    quiet = args.quiet

    def ready(api_base: str, seconds: float) -> None:
        if not quiet:
            print(f"Local model ready on {api_base} ({seconds:.1f}s)")

    done = run_demo(Path(args.out), quick=args.quick, formats=parse_formats(args.format), hooks=terminal_hooks(quiet),
                    on_server_ready=ready)
    code = show_outcome(done.run, f"python -m assessment demo --out {args.out}" + (" --quick" if args.quick else ""),
                        quiet)
    throughput = done.throughput()
    if throughput is not None and not quiet:
        print(throughput)
    return code


def cmd_list(args: argparse.Namespace) -> int:
    for a in open_store(args.store).list_assessments():
        print(f"{a.id}  {a.status:<11} {a.created_at}  {printable(a.name)}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
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
    run.add_argument("--format", default=ALL_FORMATS, help=f"exports to write ({ALL_FORMATS})")
    run.add_argument("--quiet", action="store_true")
    run.add_argument("--until-decided", action="store_true",
                     help="run in rounds, adding items only where a conclusion is still open (see README)")
    run.add_argument("--start", type=int, help="items per category in the first round of --until-decided (default 4)")
    budget = run.add_mutually_exclusive_group()
    budget.add_argument("--max-calls", type=int, help="with --until-decided: stop before exceeding this many calls")
    budget.add_argument("--max-cost", type=float, help="with --until-decided: stop before exceeding this cost")
    run.set_defaults(func=cmd_run)

    add_packs_parser(sub)

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
    rep.add_argument("--format", default=ALL_FORMATS)
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
    demo.add_argument("--format", default=ALL_FORMATS)
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
        print_error(str(exc))
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except sqlite3.Error as exc:  # the store failed under us (read-only, full, damaged): one line, exit 2
        where = f"store {LAST_OPENED[0]}" if LAST_OPENED else "store"
        print_error(f"{where}: {exc}")
        return EXIT_USER_ERROR
    except RecursionError:
        print_error("input nested too deeply to read")
        return EXIT_USER_ERROR
    except Exception as exc:  # a bug: say so in one line; the traceback only on request
        if os.environ.get("ASSESSMENT_DEBUG"):
            raise
        print_error(f"unexpected {type(exc).__name__}: {exc} (set ASSESSMENT_DEBUG=1 to see the traceback)")
        return 1
