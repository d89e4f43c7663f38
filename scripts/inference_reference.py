#!/usr/bin/env python3
"""Dev-only: SciPy reference values for the statistics of inference (src/inference/statistics.ts),
written to test/fixtures/inference-reference.json.

Run: python3 scripts/inference_reference.py   (numpy 2.x, scipy ≥ 1.11). The tests only read the JSON.

- scipy.special.ndtr / ndtri at points across both tails (normalCdf, normalQuantile);
- scipy.stats.bootstrap on 1-D samples (mean, standard deviation, a skewed median-of-squares): its own
  bootstrap distribution, the leave-one-out jackknife values, and its percentile and BCa intervals
  (percentileInterval, bcaInterval take the distribution and jackknife and must give the same bounds);
- scipy.stats.false_discovery_control(method='bh') on matrices of p-values with untested cells.
"""
import json
import os

import numpy as np
import scipy.special
import scipy.stats

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "inference-reference.json")


def normal_points():
    xs = [-38.0, -30.0, -12.5, -8.0, -7.071, -5.0, -2.5, -1.0, -0.3, 0.0, 0.2, 1.0, 1.96, 3.3, 7.5, 9.0]
    ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.02, 0.02425, 0.025, 0.1, 0.3, 0.5, 0.7, 0.975, 0.97575, 0.999, 1 - 1e-10]
    return {
        "cdf": [[x, float(scipy.special.ndtr(x))] for x in xs],
        "quantile": [[p, float(scipy.special.ndtri(p))] for p in ps],
    }


def bootstrap_cases():
    rng = np.random.default_rng(20261206)
    cases = []
    statistics = {
        "mean": np.mean,
        "std": lambda x, axis=-1: np.std(x, axis=axis, ddof=1),
        "mean-of-squares": lambda x, axis=-1: np.mean(x**2, axis=axis),
    }
    for n, level, name in [(25, 0.95, "mean"), (60, 0.9, "std"), (40, 0.95, "mean-of-squares"), (15, 0.99, "mean")]:
        x = rng.exponential(size=n)
        stat = statistics[name]
        seed = int(rng.integers(1 << 31))
        out = {}
        for method in ("percentile", "BCa"):
            res = scipy.stats.bootstrap(
                (x,), stat, n_resamples=999, confidence_level=level, method=method, random_state=np.random.default_rng(seed)
            )
            out[method] = [float(res.confidence_interval.low), float(res.confidence_interval.high)]
            out["distribution"] = res.bootstrap_distribution.tolist()
        jackknife = [float(stat(np.delete(x, i))) for i in range(n)]
        cases.append(
            {
                "statistic": name,
                "level": level,
                "value": float(stat(x)),
                "distribution": out["distribution"],
                "jackknife": jackknife,
                "percentile": out["percentile"],
                "bca": out["BCa"],
            }
        )
    return cases


def fdr_cases():
    rng = np.random.default_rng(7)
    cases = [
        # Hand-worked (Benjamini & Hochberg 1995 style): m = 5, sorted p = .01 .02 .03 .04 .5;
        # m·p/rank = .05 .05 .05 .05 .5, so the first four are rejected at 0.05.
        {"p": [[0.03, None, 0.5], [0.01, 0.04, None], [None, 0.02, None]], "alpha": 0.05},
        {"p": [[0.001, 0.2, 0.2], [0.7, 0.2, 0.0]], "alpha": 0.1},
    ]
    m = rng.uniform(size=(6, 7)) ** 3
    p = [[None if (i == j) else float(m[i, j]) for j in range(7)] for i in range(6)]
    cases.append({"p": p, "alpha": 0.05})
    for case in cases:
        flat = [v for row in case["p"] for v in row if v is not None]
        adjusted = scipy.stats.false_discovery_control(np.array(flat), method="bh")
        it = iter(adjusted.tolist())
        case["adjusted"] = [[None if v is None else next(it) for v in row] for row in case["p"]]
    return cases


def main():
    data = {
        "scipy": scipy.__version__,
        "normal": normal_points(),
        "bootstrap": bootstrap_cases(),
        "fdr": fdr_cases(),
    }
    with open(OUT, "w") as f:
        json.dump(data, f)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
