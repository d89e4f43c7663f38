#!/usr/bin/env python3
"""Dev-only reference values for the matrix report (src/report/cluster.ts, src/report/mds.ts): SciPy's
average-linkage clustering (scipy.cluster.hierarchy.linkage(method='average') and leaves_list) and
classical MDS written from its definition with NumPy's eigh (Torgerson 1952: B = -1/2 J D^2 J, axes
v_k sqrt(lambda_k)). No shared code with the TypeScript (naive UPGMA, Jacobi rotations).

Writes test/fixtures/matrix-reference.json. Run: python3 scripts/matrix_reference.py
"""
import json
import os

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import pdist, squareform


def classical_mds(d):
    n = d.shape[0]
    j = np.eye(n) - np.ones((n, n)) / n
    b = -0.5 * j @ (d**2) @ j
    values, vectors = np.linalg.eigh(b)
    order = np.argsort(-values, kind="stable")
    return values[order], vectors[:, order]


def case(name, d):
    z = linkage(squareform(d, checks=False), method="average")
    values, vectors = classical_mds(d)
    return {
        "name": name,
        "distances": d.tolist(),
        "linkage": z[:, :4].tolist(),
        "leaves": leaves_list(z).tolist(),
        "eigenvalues": values.tolist(),
        # The first two axes, v_k sqrt(lambda_k) (sign arbitrary: compared up to sign).
        "axes": [(vectors[:, k] * np.sqrt(max(values[k], 0.0))).tolist() for k in range(2)],
    }


def main():
    rng = np.random.default_rng(20240607)
    cases = []
    # Euclidean distances of points in 2-D (MDS reproduces them exactly) and in 6-D.
    for name, n, dim in [("plane-7", 7, 2), ("space-12", 12, 6), ("space-30", 30, 10)]:
        cases.append(case(name, squareform(pdist(rng.normal(size=(n, dim))))))
    # Clustered points: three groups far apart.
    centres = rng.normal(scale=8.0, size=(3, 4))
    points = np.concatenate([c + rng.normal(size=(5, 4)) for c in centres])
    cases.append(case("groups-15", squareform(pdist(points))))
    # A symmetric non-Euclidean dissimilarity (B has negative eigenvalues).
    m = rng.uniform(0.1, 1.0, size=(9, 9))
    d = np.triu(m, 1)
    cases.append(case("non-euclidean-9", d + d.T))
    out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "matrix-reference.json")
    with open(out, "w") as f:
        json.dump({"cases": cases}, f)
    print(f"wrote {out}: {len(cases)} cases")


if __name__ == "__main__":
    main()
