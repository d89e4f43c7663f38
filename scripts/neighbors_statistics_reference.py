#!/usr/bin/env python3
"""Dev-only: reference values for the neighbourhood and statistics measures, computed independently of
nnsim with NumPy, SciPy and NetworkX (direct-difference distances, explicit loops, NetworkX modularity).

Writes test/fixtures/neighbors-statistics-reference.json; test/75.neighbors-statistics.test.ts reads it.
Tests never run Python. Run: python3 scripts/neighbors_statistics_reference.py

Conventions shared with nnsim (documented in src/measures/*.ts):
- k-NN lists exclude the query point by index; distance ties are broken by the smaller index. Exact
  duplicate rows are given bitwise-equal distances here (each row is replaced by the first identical row
  before distances are taken), so ties are exact and the index rule decides.
- cosine: rows normalised to unit length, a zero row has similarity 0 with every other row.
"""
import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
from scipy.spatial.distance import cdist

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "neighbors-statistics-reference.json"


# ---------------------------------------------------------------- distances and neighbour lists
def canonical_rows(x):
    """Index of the first row equal to each row."""
    first = {}
    return np.array([first.setdefault(row.tobytes(), i) for i, row in enumerate(x)])


def cosine_similarity_matrix(x):
    norms = np.sqrt((x * x).sum(axis=1))
    unit = np.zeros_like(x)
    nz = norms > 0
    unit[nz] = x[nz] / norms[nz, None]
    s = np.clip(unit @ unit.T, -1.0, 1.0)
    np.fill_diagonal(s, 1.0)
    return s


def distance_matrix(x, metric):
    if metric == "cosine":
        d = np.clip(1.0 - cosine_similarity_matrix(x), 0.0, 2.0)
    else:
        d = cdist(x, x, "euclidean")
    canon = canonical_rows(x)
    d = d[np.ix_(canon, canon)]  # duplicates share bitwise-equal distances
    np.fill_diagonal(d, 0.0)
    return d


def knn_lists(x, k, metric):
    d = distance_matrix(x, metric)
    n = x.shape[0]
    lists = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        others.sort(key=lambda j: (d[i, j], j))
        lists.append(others[:k])
    return lists, d


# ---------------------------------------------------------------- neighbourhood measures
def per_row_agreement(la, lb):
    out = []
    for na, nb in zip(la, lb):
        sa, sb = set(na), set(nb)
        joint = sa & sb
        jac = len(joint) / len(sa | sb)
        if joint:
            total = 0.0
            for j in joint:
                r, rp = na.index(j) + 1, nb.index(j) + 1
                total += 2.0 / ((1 + abs(r - rp)) * (r + rp))
            rank = total / sum(1.0 / t for t in range(1, len(joint) + 1))
        else:
            rank = 0.0
        out.append((jac, rank))
    return out


def knn_jaccard(x, y, k=10, metric="cosine"):
    rows = per_row_agreement(knn_lists(x, k, metric)[0], knn_lists(y, k, metric)[0])
    return float(np.mean([j for j, _ in rows]))


def rank_similarity(x, y, k=10, metric="cosine"):
    rows = per_row_agreement(knn_lists(x, k, metric)[0], knn_lists(y, k, metric)[0])
    return float(np.mean([r for _, r in rows]))


def joint_rank_jaccard(x, y, k=10, metric="cosine"):
    rows = per_row_agreement(knn_lists(x, k, metric)[0], knn_lists(y, k, metric)[0])
    return float(np.mean([j * r for j, r in rows]))


def mean_second_order_cosine(la, lb, va, vb):
    """Mean over inputs i of the cosine of rows i of va and vb restricted to the joint neighbours."""
    scores = []
    for i in range(len(la)):
        union = sorted(set(la[i]) | set(lb[i]))
        a, b = va[i, union], vb[i, union]
        scores.append(float(a @ b / math.sqrt((a @ a) * (b @ b))))
    return float(np.mean(scores))


def second_order_cosine(x, y, k=10, vectors="similarities"):
    la, da = knn_lists(x, k, "cosine")
    lb, db = knn_lists(y, k, "cosine")
    if vectors == "similarities":
        va, vb = cosine_similarity_matrix(x), cosine_similarity_matrix(y)
    else:
        va, vb = da, db
    return mean_second_order_cosine(la, lb, va, vb)


# ---------------------------------------------------------------- statistics
def magnitude(x):
    return float(np.linalg.norm(x.mean(axis=0)))


def concentricity(x):
    m = x.mean(axis=0)
    mn = np.linalg.norm(m)
    vals = []
    for row in x:
        rn = np.linalg.norm(row)
        vals.append(0.0 if rn == 0 or mn == 0 else float(row @ m / (rn * mn)))
    return float(np.mean(vals))


def uniformity(x, t=2.0):
    d2 = cdist(x, x, "sqeuclidean")
    return float(np.log(np.exp(-t * d2).sum() / x.shape[0] ** 2))


def twonn(x):
    d = cdist(x, x, "euclidean")
    np.fill_diagonal(d, np.inf)
    srt = np.sort(d, axis=1)
    mu = np.sort(srt[:, 1] / srt[:, 0])
    n = x.shape[0]
    kept = (9 * n) // 10
    xs = np.log(mu[:kept])
    ys = -np.log(1.0 - np.arange(1, kept + 1) / n)
    # least-squares slope of a line through the origin, via lstsq
    slope = np.linalg.lstsq(xs[:, None], ys, rcond=None)[0][0]
    return float(slope)


def mle_id(x, k=10):
    d = cdist(x, x, "euclidean")
    np.fill_diagonal(d, np.inf)
    t = np.sort(d, axis=1)[:, :k]
    inv = np.log(t[:, k - 1 : k] / t[:, : k - 1]).mean(axis=1)
    return float(np.mean(1.0 / inv))


def tolerance(x, labels):
    s = cosine_similarity_matrix(x)
    total, count = 0.0, 0
    n = x.shape[0]
    for i in range(n):
        for j in range(n):
            if i != j and labels[i] == labels[j]:
                total += s[i, j]
                count += 1
    return total / count


def knn_modularity(x, labels, k=10, metric="cosine"):
    lists, _ = knn_lists(x, k, metric)
    g = nx.Graph()
    g.add_nodes_from(range(x.shape[0]))
    for i, row in enumerate(lists):
        g.add_edges_from((i, j) for j in row)
    communities = [set(np.flatnonzero(labels == c).tolist()) for c in np.unique(labels)]
    return float(nx.community.modularity(g, communities))


def neuron_modularity(x):
    """Newman (2006) spectral bisection on the |correlation| graph of the columns, Q from NetworkX."""
    xc = x - x.mean(axis=0)
    sd = np.sqrt((xc * xc).sum(axis=0))
    live = sd > 1e-10 * np.sqrt((x * x).sum(axis=0))
    d = x.shape[1]
    adj = np.zeros((d, d))
    for i in range(d):
        for j in range(d):
            if i != j and live[i] and live[j]:
                adj[i, j] = min(1.0, abs(xc[:, i] @ xc[:, j]) / (sd[i] * sd[j]))
    p = adj / adj.sum()
    a = p.sum(axis=1)
    b = p - np.outer(a, a)
    groups, queue = [], [list(np.flatnonzero(live))]
    while queue:
        g = queue.pop(0)
        if len(g) < 2:
            groups.append(g)
            continue
        bg = b[np.ix_(g, g)].copy()
        bg -= np.diag(bg.sum(axis=1))
        w, v = np.linalg.eigh(bg)
        lead = v[:, -1]
        if lead[np.argmax(np.abs(lead))] < 0:
            lead = -lead
        plus = [u for u, s in zip(g, lead) if s >= 0]
        minus = [u for u, s in zip(g, lead) if s < 0]
        gain = -2.0 * b[np.ix_(plus, minus)].sum() if minus and w[-1] > 0 else 0.0
        if gain > 1e-12:
            queue += [plus, minus]
        else:
            groups.append(g)
    graph = nx.Graph()
    graph.add_nodes_from(range(d))
    for i in range(d):
        for j in range(i + 1, d):
            if adj[i, j] > 0:
                graph.add_edge(i, j, weight=adj[i, j])
    return float(nx.community.modularity(graph, [set(g) for g in groups] + [{u} for u in np.flatnonzero(~live)]))


def planted_units(rng, n, groups, per_group, noise):
    """Units driven by one latent factor per group: a clear modular structure."""
    latent = rng.normal(size=(n, groups))
    cols = [latent[:, g] + noise * rng.normal(size=n) for g in range(groups) for _ in range(per_group)]
    return np.stack(cols, axis=1)


# ---------------------------------------------------------------- cases
def related(rng, n, da, db):
    a = rng.normal(0.5, 1.0, size=(n, da))
    w = rng.normal(size=(da, db))
    b = np.tanh(a @ w / 3.0) + 0.3 * rng.normal(size=(n, db))
    return a, b


def make_cases():
    rng = np.random.default_rng(20260101)
    cases = []
    a, b = related(rng, 50, 6, 9)
    cases.append(("related", "related pair, N = 50, D = 6, D' = 9", a, b, rng.integers(0, 3, 50)))
    a, b = related(rng, 16, 4, 3)
    cases.append(("small", "N = 16, D = 4, D' = 3", a, b, rng.integers(0, 2, 16)))
    a, b = related(rng, 30, 40, 35)
    cases.append(("wide", "N = 30 < D = 40, D' = 35", a, b, rng.integers(0, 4, 30)))
    a, b = related(rng, 40, 5, 7)
    # exact duplicates of row 3 in both, and a duplicate of row 10 only in a: ties decided by index
    a[17] = a[3]
    a[25] = a[3]
    b[17] = b[3]
    a[31] = a[10]
    cases.append(("duplicates", "N = 40 with exact duplicate rows (ties broken by index)", a, b, rng.integers(0, 3, 40)))
    a = planted_units(rng, 60, 3, 4, 0.8)
    b = planted_units(rng, 60, 2, 5, 1.5)
    b[:, 4] = 2.5  # a dead (constant) unit
    cases.append(("modular", "units driven by 3 and 2 latent factors, one constant unit", a, b, rng.integers(0, 3, 60)))
    return cases


def measures_for(case_id):
    """(id, options, function(x, y, labels)) for every reference value."""
    diff = lambda f: (lambda x, y, lab: abs(f(x, lab) - f(y, lab)))
    out = []
    for k in (10, 5, 3):
        for metric in ("cosine", "euclidean"):
            out.append(("knn-jaccard", {"k": k, "metric": metric}, lambda x, y, lab, k=k, m=metric: knn_jaccard(x, y, k, m)))
            out.append(("rank-similarity", {"k": k, "metric": metric}, lambda x, y, lab, k=k, m=metric: rank_similarity(x, y, k, m)))
            out.append(("joint-rank-jaccard", {"k": k, "metric": metric}, lambda x, y, lab, k=k, m=metric: joint_rank_jaccard(x, y, k, m)))
            out.append(
                ("knn-modularity-difference", {"k": k, "metric": metric},
                 diff(lambda x, lab, k=k, m=metric: knn_modularity(x, lab, k, m)))
            )
        for vectors in ("similarities", "distances"):
            out.append(("second-order-cosine", {"k": k, "vectors": vectors},
                        lambda x, y, lab, k=k, v=vectors: second_order_cosine(x, y, k, v)))
    out.append(("magnitude-difference", {}, diff(lambda x, lab: magnitude(x))))
    out.append(("concentricity-difference", {}, diff(lambda x, lab: concentricity(x))))
    for t in (2.0, 0.5):
        out.append(("uniformity-difference", {"t": t}, diff(lambda x, lab, t=t: uniformity(x, t))))
    out.append(("tolerance-difference", {}, diff(lambda x, lab: tolerance(x, lab))))
    out.append(("neuron-modularity-difference", {}, diff(lambda x, lab: neuron_modularity(x))))
    if case_id != "duplicates":  # duplicates make both ID estimators undefined (E_DEGENERATE in nnsim)
        out.append(("intrinsic-dimension-difference", {}, diff(lambda x, lab: twonn(x))))
        for k in (10, 4):
            out.append(("intrinsic-dimension-difference", {"estimator": "mle", "k": k},
                        diff(lambda x, lab, k=k: mle_id(x, k))))
    return out


def main():
    cases = []
    for case_id, description, a, b, labels in make_cases():
        results = []
        for measure, options, fn in measures_for(case_id):
            if "k" in options and options["k"] + 1 > a.shape[0]:
                continue
            results.append({"id": measure, "options": options, "value": fn(a, b, labels)})
        cases.append({
            "id": case_id,
            "description": description,
            "A": a.tolist(),
            "B": b.tolist(),
            "labels": labels.tolist(),
            "results": results,
        })
    OUT.write_text(json.dumps({
        "generator": "scripts/neighbors_statistics_reference.py (numpy %s, networkx %s)" % (np.__version__, nx.__version__),
        "cases": cases,
    }, indent=1) + "\n")
    print("wrote", OUT, sum(len(c["results"]) for c in cases), "values")


if __name__ == "__main__":
    main()
