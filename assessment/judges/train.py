"""Train the v2 classifier on the ``train`` split of the project's labelled set (never ``test``).

    python -m assessment.judges.train            # writes classifier_model.json, then
    python -m assessment.judges.evaluate         # measures it on the held-out split

Multinomial logistic regression with an L2 penalty, fitted by L-BFGS (scipy) from zero weights:
deterministic. The penalty is chosen by 5-fold cross-validation inside the training split, folds
fixed by a hash of each response's id. Word n-grams seen in fewer than ``MIN_DF`` training
responses are dropped, and so are weights that round to zero, to keep the file small.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import numpy as np
from scipy import sparse
from scipy.optimize import minimize

from assessment.judges.classifier import MODEL_FILE
from assessment.judges.dataset import LABELS, LabelledResponse, Split, load_all
from assessment.judges.features import extract

VERSION = "classifier-2.0"
MIN_DF = 3
PENALTIES = (0.03, 0.1, 0.3, 1.0)  # L2 strength per training example, searched by cross-validation
FOLDS = 5


def _is_ngram(name: str) -> bool:
    return name.startswith(("h:", "w:"))


def featurise(rows: list[LabelledResponse]) -> list[dict[str, float]]:
    return [extract(r.prompt, r.response) for r in rows]


def vocabulary(feats: list[dict[str, float]]) -> list[str]:
    df = Counter(name for f in feats for name in f)
    return sorted(name for name, n in df.items() if (n >= MIN_DF or not _is_ngram(name)))


def matrix(feats: list[dict[str, float]], vocab: list[str]) -> sparse.csr_matrix:
    index = {name: i for i, name in enumerate(vocab)}
    rows, cols, vals = [], [], []
    for r, f in enumerate(feats):
        for name, value in f.items():
            j = index.get(name)
            if j is not None and value:
                rows.append(r)
                cols.append(j)
                vals.append(value)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(feats), len(vocab)))


def fit(x: sparse.csr_matrix, y: np.ndarray, penalty: float) -> np.ndarray:
    n, d = x.shape
    k = len(LABELS)
    onehot = np.eye(k)[y]

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(d, k)
        scores = x @ w
        scores -= scores.max(axis=1, keepdims=True)
        logp = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        p = np.exp(logp)
        value = -(onehot * logp).sum() / n + 0.5 * penalty / n * (w * w).sum()
        grad = (x.T @ (p - onehot)) / n + penalty / n * w
        return value, np.asarray(grad).ravel()

    result = minimize(loss, np.zeros(d * k), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return result.x.reshape(d, k)


def _fold(row_id: str) -> int:
    return int(hashlib.sha256(row_id.encode()).hexdigest(), 16) % FOLDS


def choose_penalty(rows: list[LabelledResponse], feats: list[dict[str, float]]) -> tuple[float, dict[str, float]]:
    y = np.array([LABELS.index(r.label) for r in rows])
    folds = np.array([_fold(r.id) for r in rows])
    scores = {}
    for penalty in PENALTIES:
        correct = 0
        for k in range(FOLDS):
            tr, va = np.where(folds != k)[0], np.where(folds == k)[0]
            vocab = vocabulary([feats[i] for i in tr])
            w = fit(matrix([feats[i] for i in tr], vocab), y[tr], penalty)
            pred = (matrix([feats[i] for i in va], vocab) @ w).argmax(axis=1)
            correct += int((pred == y[va]).sum())
        scores[str(penalty)] = correct / len(rows)
    best = max(PENALTIES, key=lambda p: (scores[str(p)], -p))
    return best, scores


def train() -> dict:
    rows = [r for r in load_all() if r.split == Split.TRAIN]
    feats = featurise(rows)
    penalty, cv = choose_penalty(rows, feats)
    vocab = vocabulary(feats)
    y = np.array([LABELS.index(r.label) for r in rows])
    w = fit(matrix(feats, vocab), y, penalty)
    weights = {name: [round(float(v), 4) for v in w[i]] for i, name in enumerate(vocab)
               if np.abs(w[i]).max() >= 5e-4}
    model = {"version": VERSION, "labels": list(LABELS), "weights": weights,
             "trained_on": {"split": "train", "responses": len(rows), "by_source": dict(Counter(r.source for r in rows)),
                            "by_label": dict(Counter(r.label for r in rows)), "l2_penalty": penalty,
                            "cross_validation_accuracy_3way": cv}}
    MODEL_FILE.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n",
                          encoding="utf-8")
    return model


if __name__ == "__main__":
    trained = train()
    info = trained["trained_on"]
    print(f"{VERSION}: {info['responses']} training responses, {len(trained['weights'])} features, "
          f"L2 {info['l2_penalty']}, cross-validation {info['cross_validation_accuracy_3way']}")
