#!/usr/bin/env python3
"""What a NumPy user runs for a permutation test (bench/inference.mjs): permute the rows of Y, recompute
the whole measure, repeat. Times `count` permutations of each measure on the data files written by the
Node side, plus the floor of linear CKA (one X_cᵀ (P Y_c) product per permutation); prints JSON with
seconds per permutation and the measures' values on the unpermuted data.

  python3 bench/inference_numpy.py SPEC.json
"""
import json
import sys
import time

import numpy as np
from scipy.spatial.distance import pdist
from scipy.stats import rankdata


def linear_cka(x, y):
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    return np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def rsa(x, y):
    # Spearman correlation of the condensed correlation-distance RDMs (nnsim's default inner/outer).
    rx = rankdata(pdist(x, "correlation"))
    ry = rankdata(pdist(y, "correlation"))
    return np.corrcoef(rx, ry)[0, 1]


def knn_lists(x, k):
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    s = unit @ unit.T
    np.fill_diagonal(s, -np.inf)
    return np.argpartition(-s, k, axis=1)[:, :k]


def knn_jaccard(x, y, k=10):
    # Cosine k-NN lists (nnsim's default), mean Jaccard overlap per input.
    na, nb = knn_lists(x, k), knn_lists(y, k)
    joint = np.array([len(set(p) & set(q)) for p, q in zip(na.tolist(), nb.tolist())])
    return float(np.mean(joint / (2 * k - joint)))


MEASURES = {"cka": linear_cka, "rsa": rsa, "knn-jaccard": knn_jaccard}


def per_permutation(fn, count, rng):
    times = []
    for _ in range(count):
        t = time.perf_counter()
        fn(rng.permutation(fn.n))
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main():
    spec = json.load(open(sys.argv[1]))
    rng = np.random.default_rng(1)
    out = {"numpy": np.__version__, "cases": {}}
    for case in spec["cases"]:
        n, da, db = case["n"], case["da"], case["db"]
        x = np.fromfile(case["a"], dtype=np.float64).reshape(n, da)
        y = np.fromfile(case["b"], dtype=np.float64).reshape(n, db)
        measure = MEASURES[case["measure"]]

        def naive(perm):
            return measure(x, y[perm])

        naive.n = n
        result = {"value": float(measure(x, y)), "naive": per_permutation(naive, case["count"], rng)}
        if case["measure"] == "cka":
            xc = x - x.mean(axis=0)
            yc = y - y.mean(axis=0)

            def floor(perm):
                return xc.T @ yc[perm]

            floor.n = n
            result["floor"] = per_permutation(floor, max(3, case["count"]), rng)
        out["cases"][case["name"]] = result
    print(json.dumps(out))


if __name__ == "__main__":
    main()
