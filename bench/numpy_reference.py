"""NumPy versions of the bench measures, written as users write them today (ReSi / netrep style):
centre, X.T @ Y, np.linalg.svd. Reads a JSON job on stdin, prints median seconds as JSON.
Dev-only: the benchmark calls it when python3 with numpy is available."""
import json
import sys
import time

import numpy as np


def centered(x):
    return x - x.mean(axis=0, keepdims=True)


def cka(a, b):
    x, y = centered(a), centered(b)
    return np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def procrustes(a, b):
    x, y = centered(a), centered(b)
    nuc = np.linalg.svd(x.T @ y, compute_uv=False).sum()
    return float(np.sqrt(max(0.0, np.linalg.norm(x) ** 2 + np.linalg.norm(y) ** 2 - 2 * nuc)))


def angular_shape(a, b):
    x, y = centered(a), centered(b)
    nuc = np.linalg.svd(x.T @ y, compute_uv=False).sum()
    return float(np.arccos(min(1.0, nuc / (np.linalg.norm(x) * np.linalg.norm(y)))))


MEASURES = {"cka": cka, "procrustes": procrustes, "angular-shape": angular_shape}


def main():
    job = json.load(sys.stdin)
    rng = np.random.default_rng(job["seed"])
    out = []
    for case in job["cases"]:
        n, d = case["n"], case["d"]
        a = rng.normal(0.5, 1.0, size=(n, d))
        b = np.tanh(a @ rng.normal(size=(d, d)) / 3) + 0.3 * rng.normal(size=(n, d))
        for name in case["measures"]:
            f = MEASURES[name]
            times = []
            for _ in range(case["repetitions"]):
                t = time.perf_counter()
                f(a, b)
                times.append(time.perf_counter() - t)
            out.append({"n": n, "d": d, "measure": name, "seconds": float(np.median(times))})
    json.dump({"numpy": np.__version__, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
