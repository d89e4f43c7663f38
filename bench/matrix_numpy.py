"""The many-pairs loop users write today (ReSi style): for every pair of layers, centre both, X.T @ Y,
SVD — each measure on its own, nothing reused across pairs. Dev-only, called by bench/matrix.mjs.

  python3 bench/matrix_numpy.py generate DIR N D LAYERS SEED   # two models of LAYERS float32 .npy layers
  python3 bench/matrix_numpy.py run JOB.json                    # {"files": [...], "pairs": [[i, j], ...]}

`run` prints JSON: wall and CPU seconds for the pairs (loading excluded) and every value (cka, procrustes,
cca-mean).
"""
import json
import os
import sys
import time

import numpy as np


def centered(x):
    return x - x.mean(axis=0, keepdims=True)


def cka(a, b):
    x, y = centered(a), centered(b)
    return float(np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))


def procrustes(a, b):
    x, y = centered(a), centered(b)
    nuc = np.linalg.svd(x.T @ y, compute_uv=False).sum()
    return float(np.sqrt(max(0.0, np.linalg.norm(x) ** 2 + np.linalg.norm(y) ** 2 - 2 * nuc)))


def cca_mean(a, b):
    # Mean canonical correlation: singular values of Qx^T Qy for orthonormal bases of the centred data.
    qx, _ = np.linalg.qr(centered(a))
    qy, _ = np.linalg.qr(centered(b))
    return float(np.clip(np.linalg.svd(qx.T @ qy, compute_uv=False), 0.0, 1.0).mean())


MEASURES = {"cka": cka, "procrustes": procrustes, "cca-mean": cca_mean}


def generate(folder, n, d, layers, seed):
    rng = np.random.default_rng(seed)
    inputs = rng.normal(size=(n, d))
    for model in ("model-a", "model-b"):
        os.makedirs(os.path.join(folder, model), exist_ok=True)
        h = inputs
        for layer in range(layers):
            w = rng.normal(size=(d, d)) / np.sqrt(d)
            h = np.tanh(h @ w) + 0.1 * rng.normal(size=(n, d))
            np.save(os.path.join(folder, model, f"layer{layer:02d}.npy"), h.astype(np.float32))


def run(job_path):
    with open(job_path) as f:
        job = json.load(f)
    data = [np.load(path).astype(np.float64) for path in job["files"]]
    values = []
    start, cpu = time.perf_counter(), time.process_time()
    for i, j in job["pairs"]:
        values.append({key: f(data[i], data[j]) for key, f in MEASURES.items()})
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    json.dump({"numpy": np.__version__, "seconds": seconds, "cpu": cpu, "values": values}, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    else:
        run(sys.argv[2])
