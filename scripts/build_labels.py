"""Build data/labels/refusal_labels_v2.jsonl from written responses and two blind annotations.

    python -m scripts.build_labels --written W1.jsonl W2.jsonl --a ANNOTATOR_A.jsonl --b ANNOTATOR_B.jsonl

Prints Cohen's kappa between the annotators (3-way and binary) and how many disagreements
were resolved by the writer's intended label or removed; writes the set and a report beside it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assessment.errors import UserError
from assessment.judges.dataset import V2_FILE, V2_REPORT, build_labelled_set, write_labelled_set


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--written", nargs="+", required=True, type=Path)
    parser.add_argument("--a", required=True, type=Path, help="annotator A's labels (JSONL: id, label, ...)")
    parser.add_argument("--b", required=True, type=Path, help="annotator B's labels")
    parser.add_argument("--out", type=Path, default=V2_FILE)
    args = parser.parse_args()
    try:
        rows, report = build_labelled_set(args.written, args.a, args.b)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_labelled_set(rows, report, args.out, args.out.with_name(args.out.stem + ".report.json")
                       if args.out != V2_FILE else V2_REPORT)
    print(report.model_dump_json(indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
