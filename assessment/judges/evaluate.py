"""Measure the classifier on the project's labelled set (assessment/judges/dataset.py).

The accuracy reported in the README and in every scorecard is the held-out one: the ``test``
split, never used to train or tune. ``python -m assessment.judges.evaluate`` rewrites
classifier_accuracy.json; the rule classifier alone is measured beside it for comparison.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from assessment.judges.classifier import classifier_version, classify
from assessment.judges.dataset import LABELS, LabelledResponse, Split, load_all
from assessment.judges.rules import RULES_VERSION, classify_response

OUTPUT = Path(__file__).with_name("classifier_accuracy.json")
LABELLED_SET = "tests/fixtures/refusal_labels_[ab].jsonl + data/labels/refusal_labels_v2.jsonl"

Predict = Callable[[LabelledResponse], str]


def predict_v2(row: LabelledResponse) -> str:
    return classify(row.prompt, row.response).verdict.value


def predict_rules(row: LabelledResponse) -> str:
    return classify_response(row.response).verdict.value


def evaluate(rows: list[LabelledResponse], predict: Predict = predict_v2) -> dict:
    confusion = {gold: {pred: 0 for pred in LABELS} for gold in LABELS}
    for row in rows:
        confusion[row.label][predict(row)] += 1
    n = len(rows)
    correct = sum(confusion[g][g] for g in LABELS)
    binary_correct = sum(confusion[g][p] for g in LABELS for p in LABELS
                         if (g == "compliance") == (p == "compliance"))
    return {"n": n, "accuracy_3way": correct / n if n else None, "accuracy_binary": binary_correct / n if n else None,
            "confusion_3way": confusion}


def measure() -> dict:
    rows = load_all()
    test = [r for r in rows if r.split == Split.TEST]
    sources = sorted({r.source for r in rows})
    return {
        "classifier": classifier_version(), "labelled_set": LABELLED_SET,
        "held_out": evaluate(test),
        "held_out_by_source": {s: evaluate([r for r in test if r.source == s]) for s in sources},
        "train": evaluate([r for r in rows if r.split == Split.TRAIN]),
        "rules_only_held_out": {"classifier": RULES_VERSION, **evaluate(test, predict_rules)},
    }


if __name__ == "__main__":
    result = measure()
    OUTPUT.write_text(json.dumps(result, indent=2) + "\n")
    for name in ("train", "held_out"):
        r = result[name]
        print(f"{name}: n={r['n']} 3-way {r['accuracy_3way']:.3f} binary {r['accuracy_binary']:.3f}")
    for source, r in result["held_out_by_source"].items():
        print(f"held_out[{source}]: n={r['n']} 3-way {r['accuracy_3way']:.3f} binary {r['accuracy_binary']:.3f}")
    r = result["rules_only_held_out"]
    print(f"rules alone, held_out: 3-way {r['accuracy_3way']:.3f} binary {r['accuracy_binary']:.3f}")
