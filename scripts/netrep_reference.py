#!/usr/bin/env python3
"""Dev-only: held-out (cross-validated) scores of the measures that fit a map, from netrep (Williams,
Kunz, Kornblith, Linderman 2021, "Generalized shape metrics on neural representations", NeurIPS) and
scikit-learn, written to test/fixtures/netrep-reference.json for crossValidate.

Run with a netrep checkout (github.com/ahwillia/netrep) and scikit-learn:
    NETREP=/path/to/netrep python3 scripts/netrep_reference.py
(tqdm, which netrep imports for progress bars only, is replaced by a no-op when it is missing). The
folds are nnsim's (scripts/nnsim_random.py reproduces the core's generator); on each, the reference
fits on the other folds and scores the held-out rows:
- procrustes, angular-shape, shape-metric (alpha 0 and 1): netrep LinearMetric(alpha, center_columns,
  score_method).fit(train).score(test); procrustes with normalize: true is the chord 2·sin(θ/2) of
  netrep's angular distance θ between the aligned held-out matrices;
- linear-regression: sklearn LinearRegression / Ridge(alpha=λ) predicting the first input from the
  second, r2_score(multioutput='variance_weighted') on the held-out rows;
- aligned-cosine: scipy.linalg.orthogonal_procrustes on the zero-padded, uncentred training rows, then
  the mean cosine of the aligned held-out rows.
"""
import json
import os
import sys
import types

import numpy as np
import scipy.linalg

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "netrep-reference.json")
sys.path.insert(0, HERE)
sys.path.insert(0, os.environ.get("NETREP", "netrep"))
try:
    import tqdm  # noqa: F401
except ImportError:
    sys.modules["tqdm"] = types.SimpleNamespace(tqdm=lambda iterable, **_: iterable)

from netrep.metrics import LinearMetric  # noqa: E402
from sklearn.linear_model import LinearRegression, Ridge  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402

from nnsim_random import cross_validation_folds  # noqa: E402


def pad(x, width):
    return np.pad(x, ((0, 0), (0, width - x.shape[1])))


def netrep_score(alpha, center, method):
    def score(xa, ya, xb, yb):
        return LinearMetric(alpha=alpha, center_columns=center, score_method=method).fit(xa, ya).score(xb, yb)

    return score


def chord(xa, ya, xb, yb):
    theta = netrep_score(1.0, True, "angular")(xa, ya, xb, yb)
    return 2 * np.sin(theta / 2)


def regression(lam):
    def score(xa, ya, xb, yb):
        model = LinearRegression() if lam == 0 else Ridge(alpha=lam)
        model.fit(ya, xa)
        return r2_score(xb, model.predict(yb), multioutput="variance_weighted")

    return score


def aligned_cosine(xa, ya, xb, yb):
    k = max(xa.shape[1], ya.shape[1])
    rotation, _ = scipy.linalg.orthogonal_procrustes(pad(xa, k), pad(ya, k))
    ax, by = pad(xb, k) @ rotation, pad(yb, k)
    cos = np.sum(ax * by, axis=1) / (np.linalg.norm(ax, axis=1) * np.linalg.norm(by, axis=1))
    return float(np.mean(cos))


CASES = [
    ("procrustes", {}, netrep_score(1.0, True, "euclidean"), 5, 4),
    ("procrustes", {"center": False}, netrep_score(1.0, False, "euclidean"), 5, 4),
    ("procrustes", {"normalize": True}, chord, 5, 4),
    ("angular-shape", {}, netrep_score(1.0, True, "angular"), 5, 4),
    ("shape-metric", {"alpha": 0}, netrep_score(0.0, True, "angular"), 4, 4),
    ("shape-metric", {"alpha": 1}, netrep_score(1.0, True, "angular"), 4, 6),
    ("linear-regression", {}, regression(0), 5, 4),
    ("linear-regression", {"lambda": 2.5}, regression(2.5), 5, 4),
    ("aligned-cosine", {}, aligned_cosine, 5, 4),
]


def main():
    rng = np.random.default_rng(2021)
    n, folds, seed = 60, 5, 17
    groups = np.array(cross_validation_folds(seed, n, folds))
    out = {"n": n, "folds": folds, "seed": seed, "groups": groups.tolist(), "cases": []}
    for measure, options, score, da, db in CASES:
        a = rng.normal(size=(n, da)) + 0.5
        b = np.tanh(a @ rng.normal(size=(da, db)) / 2) + 0.4 * rng.normal(size=(n, db))
        values = []
        for f in range(folds):
            train, test = groups != f, groups == f
            values.append(float(score(a[train], b[train], a[test], b[test])))
        out["cases"].append({"measure": measure, "options": options, "a": a.tolist(), "b": b.tolist(), "folds": values})
    with open(OUT, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
