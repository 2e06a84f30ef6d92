"""`python -m assessment packs ...`: validate, inspect, import and export domain packs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from assessment.analysis.power import power_sentence
from assessment.cli import EXIT_USER_ERROR
from assessment.cli.console import print_error
from assessment.packs import builtin_pack_dir, load_pack_file, pack_json_schema, resolve_pack, validate_paths
from assessment.packs.agreement import agreement, read_labels
from assessment.packs.duplicates import find_duplicates
from assessment.packs.summary import annotation_line, labels_line, summarise
from assessment.packs.tabular import export_pack_xlsx, import_table, write_pack_yaml, write_template
from assessment.scoring.examples import pack_example_problems
from assessment.textsafe import plain_markup, printable


def cmd_packs_validate(args: argparse.Namespace) -> int:
    loaded, problems = validate_paths(args.paths, extra_check=pack_example_problems)
    for lp in loaded:
        print(printable(f"ok  {lp.source}: pack {lp.pack.id} v{lp.pack.version}, {len(lp.pack.items)} items"))
    for p in problems:
        print(printable(p), file=sys.stderr)
    if not loaded and not problems:
        print_error("no pack files found")
        return EXIT_USER_ERROR
    return EXIT_USER_ERROR if problems else 0


def cmd_packs_schema(args: argparse.Namespace) -> int:
    print(json.dumps(pack_json_schema(), indent=2))
    return 0


def cmd_packs_stats(args: argparse.Namespace) -> int:
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
    pack = import_table(args.file, pack_id=args.id, name=args.name)
    write_pack_yaml(pack, args.out)
    print(printable(f"wrote {args.out}: pack {pack.id}, {len(pack.items)} items"))
    return 0


def cmd_packs_template(args: argparse.Namespace) -> int:
    write_template(args.out)
    print(f"wrote {args.out}")
    return 0


def cmd_packs_export(args: argparse.Namespace) -> int:
    lp = resolve_pack(args.pack)
    export_pack_xlsx(lp.pack, args.out)
    print(f"wrote {args.out}: {len(lp.pack.items)} items")
    return 0


def add_packs_parser(sub: Any) -> None:
    """The ``packs`` command and its subcommands."""
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
