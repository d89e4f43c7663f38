#!/usr/bin/env python3
"""Dev-only: reference values of the distance-based measures on inputs with exactly tied distances
(small-integer activations, duplicated rows), computed independently of nnsim with NumPy, SciPy and
NetworkX. Writes test/fixtures/ties-reference.json; test/77.ties.test.ts reads it. Tests never run
Python. Run: python3 scripts/ties_reference.py

Every decision that compares two distances (ranks of an RDM, which inputs are the k nearest and in which
order) is taken on exact keys, so ties are exactly the true ties:
- integer inputs: Euclidean by the integer Σ(x − y)²; cosine by the rational sign(x·y)(x·y)²/(‖x‖²‖y‖²);
  correlation as the cosine of the integer rows D·x − Σx (row-centred, scaled by D). A zero row (or a
  constant row, for correlation) has similarity 0 with every other row (sklearn's convention).
- real-valued inputs with duplicated rows: SciPy's cdist on the rows with each duplicate replaced by
  its first copy, so duplicates give bitwise-equal distances.
Values that are not decisions (Pearson correlations of RDMs, norms, second-order cosines, intrinsic
dimensions) come from SciPy's pdist/cdist in floating point.
k-NN lists exclude the query point and break ties by the smaller index (nnsim's convention).
"""
import json
import math
import sys
import warnings
from fractions import Fraction
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.spatial.distance import cdist, pdist, squareform
from scipy.stats import kendalltau, rankdata

sys.path.insert(0, str(Path(__file__).resolve().parent))
from neighbors_statistics_reference import mean_second_order_cosine, mle_id, per_row_agreement, twonn  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "ties-reference.json"


# ---------------------------------------------------------------- exact keys (smaller = closer)
def cosine_key(u, v):
    """−sign(u·v)(u·v)²/(‖u‖²‖v‖²): orders pairs like the cosine distance 1 − s."""
    dot = int(np.dot(u, v))
    nu, nv = int(np.dot(u, u)), int(np.dot(v, v))
    if dot == 0 or nu == 0 or nv == 0:
        return Fraction(0)
    return -Fraction((1 if dot > 0 else -1) * dot * dot, nu * nv)


def centred_integer_rows(x):
    d = x.shape[1]
    return d * x - x.sum(axis=1, keepdims=True)


def canonical_rows(x):
    first = {}
    return np.array([first.setdefault(row.tobytes(), i) for i, row in enumerate(x)])


def key_matrix(x, metric, exact):
    n = x.shape[0]
    if exact:
        xi = np.asarray(x, dtype=np.int64)
        if metric == "correlation":
            xi = centred_integer_rows(xi)
        keys = [[None] * n for _ in range(n)]
        for i in range(n):
            for j in range(n):
                if metric == "euclidean":
                    keys[i][j] = int(((xi[i] - xi[j]) ** 2).sum())
                else:
                    keys[i][j] = cosine_key(xi[i], xi[j])
        return keys
    canon = canonical_rows(x)
    d = float_distances(x, metric)
    d = d[np.ix_(canon, canon)]
    return d.tolist()


def float_distances(x, metric):
    """N × N distances in floating point (nnsim's conventions for zero and constant rows)."""
    if metric == "euclidean":
        return cdist(x, x, "euclidean")
    y = x - x.mean(axis=1, keepdims=True) if metric == "correlation" else x
    if metric == "correlation":
        constant = np.all(x == x[:, :1], axis=1)
        y[constant] = 0.0
    norms = np.sqrt((y * y).sum(axis=1))
    unit = np.zeros_like(y)
    unit[norms > 0] = y[norms > 0] / norms[norms > 0, None]
    s = np.array([[float(np.dot(unit[i], unit[j])) for j in range(len(x))] for i in range(len(x))])
    d = np.clip(1.0 - np.clip(s, -1.0, 1.0), 0.0, 2.0)
    np.fill_diagonal(d, 0.0)
    return d


def dense_ids(values):
    """Integer ids with the order and ties of `values` (exact keys or floats)."""
    order = sorted(set(values))
    index = {v: i for i, v in enumerate(order)}
    return np.array([index[v] for v in values], dtype=float)


def condensed(keys):
    n = len(keys)
    return [keys[i][j] for i in range(n) for j in range(i + 1, n)]


# ---------------------------------------------------------------- RSA and RSM norm difference
def rsa(a, b, inner, outer, exact):
    if outer == "pearson":
        da = squareform(float_distances(a, inner), checks=False)
        db = squareform(float_distances(b, inner), checks=False)
        return float(np.corrcoef(da, db)[0, 1])
    ia = dense_ids(condensed(key_matrix(a, inner, exact)))
    ib = dense_ids(condensed(key_matrix(b, inner, exact)))
    if outer == "spearman":
        return float(np.corrcoef(rankdata(ia), rankdata(ib))[0, 1])
    return float(kendalltau(ia, ib).statistic)


def rsm_norm_difference(a, b, rsm, norm):
    diff = float_distances(a, rsm) - float_distances(b, rsm)
    return float(np.linalg.norm(diff, 2 if norm == "spectral" else "fro"))


# ---------------------------------------------------------------- k-NN measures
def knn_lists(x, k, metric, exact):
    keys = key_matrix(x, metric, exact)
    n = x.shape[0]
    return [sorted((j for j in range(n) if j != i), key=lambda j: (keys[i][j], j))[:k] for i in range(n)]


def neighbour_agreement(a, b, k, metric, exact):
    rows = per_row_agreement(knn_lists(a, k, metric, exact), knn_lists(b, k, metric, exact))
    return {
        "knn-jaccard": float(np.mean([j for j, _ in rows])),
        "rank-similarity": float(np.mean([r for _, r in rows])),
        "joint-rank-jaccard": float(np.mean([j * r for j, r in rows])),
    }


def second_order_cosine(a, b, k, vectors, exact):
    la, lb = knn_lists(a, k, "cosine", exact), knn_lists(b, k, "cosine", exact)
    da, db = float_distances(a, "cosine"), float_distances(b, "cosine")
    va, vb = (1.0 - da, 1.0 - db) if vectors == "similarities" else (da, db)
    return mean_second_order_cosine(la, lb, va, vb)


def knn_modularity(x, labels, k, metric, exact):
    g = nx.Graph()
    g.add_nodes_from(range(x.shape[0]))
    for i, row in enumerate(knn_lists(x, k, metric, exact)):
        g.add_edges_from((i, j) for j in row)
    communities = [set(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)]
    return float(nx.community.modularity(g, communities))


def twonn_or_nan(x):
    """TwoNN, undefined (NaN) when every kept ratio r₂/r₁ is 1 (the two nearest equally far)."""
    d = cdist(x, x, "euclidean")
    np.fill_diagonal(d, np.inf)
    r = np.sort(d, axis=1)[:, :2]
    kept = np.sort(r[:, 1] / r[:, 0])[: (9 * len(x)) // 10]
    return twonn(x) if np.any(kept != 1.0) else math.nan


# ---------------------------------------------------------------- cases
def case(name, a, b, exact, labels, with_id):
    out = {"name": name, "a": a.tolist(), "b": b.tolist(), "labels": labels.tolist(), "values": []}

    def add(measure, options, value):
        # Undefined (a zero norm or a zero log-ratio): nnsim reports E_DEGENERATE.
        entry = {"value": value} if math.isfinite(value) else {"error": "E_DEGENERATE"}
        out["values"].append({"measure": measure, "options": options, **entry})

    for inner in ["euclidean", "cosine", "correlation"]:
        for outer in ["spearman", "pearson", "kendall"]:
            add("rsa", {"inner": inner, "outer": outer}, rsa(a, b, inner, outer, exact))
    for rsm in ["euclidean", "cosine"]:
        for norm in ["spectral", "frobenius"]:
            add("rsm-norm-difference", {"rsm": rsm, "norm": norm}, rsm_norm_difference(a, b, rsm, norm))
    for k in [1, 3, 5]:
        for metric in ["cosine", "euclidean"]:
            for measure, value in neighbour_agreement(a, b, k, metric, exact).items():
                add(measure, {"k": k, "metric": metric}, value)
            q = abs(knn_modularity(a, labels, k, metric, exact) - knn_modularity(b, labels, k, metric, exact))
            add("knn-modularity-difference", {"k": k, "metric": metric}, q)
        for vectors in ["similarities", "distances"]:
            add("second-order-cosine", {"k": k, "vectors": vectors}, second_order_cosine(a, b, k, vectors, exact))
    if with_id:
        add("intrinsic-dimension-difference", {"estimator": "twonn"}, abs(twonn_or_nan(a) - twonn_or_nan(b)))
        for k in [3, 5]:
            add("intrinsic-dimension-difference", {"estimator": "mle", "k": k}, abs(mle_id(a, k) - mle_id(b, k)))
    return out


def main():
    warnings.simplefilter("ignore", RuntimeWarning)  # undefined values are recorded as errors
    rng = np.random.default_rng(14)
    cases = []
    # The 6 × 2 example: 15 Euclidean distances with 5 distinct values in the first input.
    a = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [2, 0], [0, 2]], dtype=float)
    b = np.array([[0, 0], [2, 1], [1, 2], [3, 3], [1, 0], [5, 1]], dtype=float)
    cases.append(case("six-points", a, b, True, np.array([0, 0, 0, 1, 1, 1]), True))
    # Quantised activations: small integers, with duplicated rows and a zero row.
    a = rng.integers(-2, 3, size=(32, 4)).astype(float)
    b = rng.integers(0, 4, size=(32, 3)).astype(float)
    a[24:32] = a[0:8]
    b[28:32] = b[10:14]
    a[5] = 0.0
    cases.append(case("integers", a, b, True, rng.integers(0, 3, size=32), False))
    # Distinct integer points (no duplicates: intrinsic dimension is defined), many tied distances.
    grid = np.array([[i, j, k] for i in range(4) for j in range(4) for k in range(3)], dtype=float)
    a = grid[rng.permutation(len(grid))[:30]]
    b = np.column_stack([a[:, 0] + a[:, 1], a[:, 2] * 2, a[:, 0] - a[:, 2], a[:, 1]])
    cases.append(case("integer-grid", a, b, True, rng.integers(0, 2, size=30), True))
    # Real-valued activations whose rows repeat (repeated inputs). (Not ReLU-sparse: rows with a single
    # non-zero entry have truly equal correlations that floating point need not reproduce.)
    a = rng.normal(size=(30, 6))
    b = rng.normal(size=(30, 5))
    a[20:30] = a[0:10]
    b[25:30] = b[3:8]
    cases.append(case("duplicated-rows", a, b, False, rng.integers(0, 3, size=30), False))
    OUT.write_text(json.dumps({"cases": cases}, indent=1) + "\n")
    print(f"wrote {OUT} ({sum(len(c['values']) for c in cases)} values)")


if __name__ == "__main__":
    main()
