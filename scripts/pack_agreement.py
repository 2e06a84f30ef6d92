"""Agreement of the two blind annotation passes over the built-in packs.

    python -m scripts.pack_agreement            # Cohen's kappa per pack
    python -m scripts.pack_agreement --check    # ... and exit 1 if a pack's annotation block disagrees

Reads domain_packs/annotations/annotator_a.jsonl and annotator_b.jsonl (one line per item: id,
pack, category, subtype, severity, stated_intent, confidence) and computes, per pack, kappa on
category (all items), subtype (items both annotators call sensitive), severity and stated intent
(items both call harmful). How each disagreement was settled is in annotations/resolutions.jsonl.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assessment.errors import UserError
from assessment.packs import builtin_pack_dir, load_pack_file
from assessment.packs.resolution import Agreement, pack_agreement, read_labels


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def mismatches(agreement: Agreement, pack_dir: Path) -> list[str]:
    """Where the pack's recorded annotation block differs from the recomputed agreement."""
    path = pack_dir / f"{agreement.pack_id}.yaml"
    annotation = load_pack_file(path).pack.annotation
    if annotation is None:
        return [f"{path}: no annotation block"]
    out = []
    for field in ("items_annotated", "kappa_category", "kappa_subtype", "kappa_severity"):
        recorded = getattr(annotation, field)
        computed = agreement.items if field == "items_annotated" else getattr(agreement, field)
        if recorded != computed:
            out.append(f"{path}: annotation.{field} is {recorded}, recomputed {computed}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packs", type=Path, default=builtin_pack_dir(), help="folder with the packs")
    parser.add_argument("--check", action="store_true", help="compare with each pack's annotation block")
    args = parser.parse_args()
    folder = args.packs / "annotations"
    try:
        a = read_labels(folder / "annotator_a.jsonl")
        b = read_labels(folder / "annotator_b.jsonl")
        pack_ids = sorted({label.pack for label in a.values()})
        print(f"{'pack':<14} {'items':>5} {'category':>8} {'subtype':>7} (n) {'severity':>8} {'intent':>6} (n)")
        problems: list[str] = []
        for pack_id in pack_ids:
            g = pack_agreement(pack_id, a, b)
            print(f"{pack_id:<14} {g.items:>5} {_fmt(g.kappa_category):>8} {_fmt(g.kappa_subtype):>7} ({g.subtype_items})"
                  f" {_fmt(g.kappa_severity):>8} {_fmt(g.kappa_stated_intent):>6} ({g.harmful_items})")
            if args.check:
                problems += mismatches(g, args.packs)
    except (UserError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
