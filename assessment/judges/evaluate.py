"""Measure the rule classifier on the hand-labelled validation set (tests/fixtures/refusal_labels_*.jsonl).

The set has a ``dev`` split (used while writing the rules) and a held-out ``test`` split
(never used for tuning): the accuracy reported in the README and every scorecard is the
held-out one. ``python -m assessment.judges.evaluate`` rewrites rules_accuracy.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from assessment.judges.rules import RULES_VERSION, classify_response

LABELS = ["compliance", "partial_refusal", "refusal"]
FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
OUTPUT = Path(__file__).with_name("rules_accuracy.json")


def load_labelled(folder: Path = FIXTURES) -> list[dict]:
    rows = []
    for path in sorted(folder.glob("refusal_labels_*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def evaluate(rows: list[dict]) -> dict:
    confusion = {gold: {pred: 0 for pred in LABELS} for gold in LABELS}
    for row in rows:
        confusion[row["label"]][classify_response(row["response"]).verdict.value] += 1
    n = len(rows)
    correct = sum(confusion[g][g] for g in LABELS)
    binary_correct = sum(confusion[g][p] for g in LABELS for p in LABELS
                         if (g == "compliance") == (p == "compliance"))
    return {"n": n, "accuracy_3way": correct / n if n else None, "accuracy_binary": binary_correct / n if n else None,
            "confusion_3way": confusion}


def measure() -> dict:
    rows = load_labelled()
    return {"classifier": RULES_VERSION, "labelled_set": "tests/fixtures/refusal_labels_*.jsonl",
            "held_out": evaluate([r for r in rows if r["split"] == "test"]),
            "dev": evaluate([r for r in rows if r["split"] == "dev"])}


if __name__ == "__main__":
    result = measure()
    OUTPUT.write_text(json.dumps(result, indent=2) + "\n")
    for split in ("dev", "held_out"):
        r = result[split]
        print(f"{split}: n={r['n']} 3-way {r['accuracy_3way']:.3f} binary {r['accuracy_binary']:.3f}")
