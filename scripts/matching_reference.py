#!/usr/bin/env python3
"""Dev-only: independent reference values for the neuron-matching measures (alignment family).

Writes
  test/fixtures/matching-reference.json   measure values on fixed inputs (read by test/73.matching.test.ts)
  native/test/matching_reference.inc      transportation problems with their LP optimum (matching_test.cpp)

Independent of nnsim's C++: correlations from numpy.corrcoef, assignments from
scipy.optimize.linear_sum_assignment, transport optima from scipy.optimize.linprog (HiGHS, exact LP
vertex), maximum match from least-squares projections. Run: python3 scripts/matching_reference.py
"""
import json
import math
import os

import numpy as np
from scipy.optimize import linear_sum_assignment, linprog

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def correlations(x, y):
    d = x.shape[1]
    c = np.corrcoef(x.T, y.T)[:d, d:]
    return np.nan_to_num(c, nan=0.0)  # constant neurons: correlation 0 (ReSi convention)


def correlation_match(x, y, mode):
    c = correlations(x, y)
    if mode == "hard":
        r, k = linear_sum_assignment(c, maximize=True)
        return float(c[r, k].mean())
    return float((c.max(axis=1).mean() + c.max(axis=0).mean()) / 2)


def pad(x, width):
    return np.hstack([x, np.zeros((x.shape[0], width - x.shape[1]))])


def permutation_procrustes(x, y):
    w = max(x.shape[1], y.shape[1])
    xp, yp = pad(x, w), pad(y, w)
    # min_P ||X P - Y||^2 as an assignment on squared column distances (not on X^T Y as nnsim does).
    cost = ((xp[:, :, None] - yp[:, None, :]) ** 2).sum(axis=0)
    r, k = linear_sum_assignment(cost)
    return float(math.sqrt(cost[r, k].sum()))


def transport_lp(cost, a, b):
    """min <C, T> s.t. T 1 = a, T^T 1 = b, T >= 0 by linprog (HiGHS)."""
    m, n = cost.shape
    rows = np.zeros((m + n, m * n))
    for i in range(m):
        rows[i, i * n:(i + 1) * n] = 1
    for j in range(n):
        rows[m + j, j::n] = 1
    res = linprog(cost.ravel(), A_eq=rows, b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def soft_matching(x, y):
    cost = ((x[:, :, None] - y[:, None, :]) ** 2).sum(axis=0)
    m, n = cost.shape
    return float(math.sqrt(max(0.0, transport_lp(cost, np.full(m, 1 / m), np.full(n, 1 / n)))))


def residual_ratio(vectors, span):
    """||v - proj_span(v)|| / ||v|| for every column v of `vectors`."""
    coef, *_ = np.linalg.lstsq(span, vectors, rcond=None)
    return np.linalg.norm(span @ coef - vectors, axis=0) / np.linalg.norm(vectors, axis=0)


def maximum_match(x, y, eps):
    kx = [j for j in range(x.shape[1]) if np.linalg.norm(x[:, j]) > 0]
    ky = [j for j in range(y.shape[1]) if np.linalg.norm(y[:, j]) > 0]
    changed = True
    while changed:
        changed = False
        for a, keep_a, b, keep_b in ((x, kx, y, ky), (y, ky, x, kx)):
            if not keep_a:
                continue
            if not keep_b:
                keep_a.clear()
                changed = True
                continue
            ratio = residual_ratio(a[:, keep_a], b[:, keep_b])
            survivors = [j for j, q in zip(keep_a, ratio) if q <= eps]
            if len(survivors) < len(keep_a):
                changed = True
                keep_a[:] = survivors
    return (len(kx) + len(ky)) / (x.shape[1] + y.shape[1])


def related(rng, x, width, noise):
    w = rng.standard_normal((x.shape[1], width))
    return np.tanh(x @ w / 3) + noise * rng.standard_normal((x.shape[0], width))


def measure_cases():
    rng = np.random.default_rng(20231115)
    cases = []

    def add(name, x, y):
        values = {
            "correlation-match": correlation_match(x, y, "hard"),
            "correlation-match/soft": correlation_match(x, y, "soft"),
            "permutation-procrustes": permutation_procrustes(x, y),
            "soft-matching": soft_matching(x, y),
        }
        for eps in (0.25, 0.5):
            values[f"maximum-match/{eps}"] = maximum_match(x, y, eps)
        cases.append({"id": name, "R": x.tolist(), "Rp": y.tolist(), "values": values})

    x = rng.standard_normal((30, 5)) + 0.5
    add("related-5x7", x, related(rng, x, 7, 0.3))
    x = rng.standard_normal((25, 6))
    add("independent-6x6", x, rng.standard_normal((25, 6)))
    x = rng.standard_normal((20, 8))
    add("related-8x3", x, related(rng, x, 3, 0.2))
    x = rng.standard_normal((12, 15))
    add("wide-N<D", x, related(rng, x, 10, 0.1))
    # Exactly matched subspaces: Y = X A plus unrelated neurons, so the maximum match is non-trivial.
    x = rng.standard_normal((40, 4))
    y = np.hstack([x[:, :2] @ rng.standard_normal((2, 3)), rng.standard_normal((40, 2))])
    add("subspace-4x5", x, y)
    # Permuted, sign-flipped copy (anti-correlated neurons are not matched by the signed correlation).
    x = rng.standard_normal((18, 6))
    add("negated-copy", x, -x[:, rng.permutation(6)])
    return cases


def transport_cases():
    rng = np.random.default_rng(7)
    out = []
    for m, n in ((1, 1), (1, 4), (3, 1), (2, 3), (3, 3), (4, 6), (5, 3), (7, 5), (6, 9), (8, 8), (10, 13)):
        for kind in ("random", "uniform", "ties"):
            if kind == "uniform":
                g = math.gcd(m, n)
                a, b = np.full(m, n // g), np.full(n, m // g)
            else:
                a = rng.integers(1, 9, m)
                b = np.zeros(n, dtype=int)
                # Random demands with the same total: split sum(a) into n positive parts.
                total = int(a.sum())
                if total < n:
                    a = a + n
                    total = int(a.sum())
                cuts = np.sort(rng.choice(np.arange(1, total), n - 1, replace=False)) if n > 1 else np.array([], int)
                b = np.diff(np.concatenate([[0], cuts, [total]]))
            if kind == "ties":
                cost = rng.integers(0, 4, (m, n)).astype(float)  # many equal costs: degenerate LPs
            else:
                cost = rng.standard_normal((m, n)) * 3
            out.append({"m": m, "n": n, "cost": cost.ravel().tolist(), "supply": [int(v) for v in a],
                        "demand": [int(v) for v in b], "optimum": transport_lp(cost, a.astype(float), b.astype(float))})
    return out


def main():
    cases = measure_cases()
    with open(os.path.join(ROOT, "test", "fixtures", "matching-reference.json"), "w") as f:
        json.dump({"generator": "scripts/matching_reference.py (numpy " + np.__version__ + ", scipy linear_sum_assignment"
                   " and linprog/HiGHS)", "cases": cases}, f, indent=1)
    lines = ["// Generated by scripts/matching_reference.py: transportation problems and their optimum from",
             "// scipy.optimize.linprog (HiGHS). Do not edit.", "struct TransportReference {", "  std::size_t m, n;",
             "  std::vector<double> cost;", "  std::vector<std::int64_t> supply, demand;", "  double optimum;", "};",
             "inline const std::vector<TransportReference>& transportReferences() {",
             "  static const std::vector<TransportReference> cases = {"]
    for c in transport_cases():
        cost = ", ".join(repr(v) for v in c["cost"])
        lines.append(f"      {{{c['m']}, {c['n']}, {{{cost}}}, {{{', '.join(map(str, c['supply']))}}}, "
                     f"{{{', '.join(map(str, c['demand']))}}}, {c['optimum']!r}}},")
    lines += ["  };", "  return cases;", "}", ""]
    with open(os.path.join(ROOT, "native", "test", "matching_reference.inc"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
