"""NumPy baselines of the streaming benchmark (bench/streaming.mjs), written as users write them today:
centre, x.T @ y (NumPy runs x.T @ x as a SYRK), np.linalg.svd; float64 and float32 inputs. Reads a JSON
job on stdin, prints median seconds and the OpenBLAS core NumPy's bundled library chose, as JSON.
Dev-only."""
import ctypes
import glob
import json
import os
import sys
import time

import numpy as np

# The same NumPy formulas as the matrix benchmark (this folder is on sys.path when run as a script).
from matrix_numpy import cka, procrustes  # noqa: E402


def openblas_core():
    """The kernel set NumPy's bundled OpenBLAS picked (scipy-openblas exports get_corename with a suffix)."""
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "libscipy_openblas*.so"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            if hasattr(lib, name):
                f = getattr(lib, name)
                f.restype = ctypes.c_char_p
                return f().decode()
    return "unknown"


def median_seconds(fn, repetitions):
    times = []
    for _ in range(repetitions):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def main():
    job = json.load(sys.stdin)
    rng = np.random.default_rng(job["seed"])
    out = {"numpy": np.__version__, "core": openblas_core(), "cases": []}
    for case in job["cases"]:
        n, d = case["n"], case["d"]
        a = rng.normal(size=(n, d)) + 0.5
        b = np.tanh(a @ rng.normal(size=(d, d)) / 3) + 0.3 * rng.normal(size=(n, d))
        reps = case.get("repetitions", 5)
        result = {"n": n, "d": d}
        result["cka64"] = median_seconds(lambda: cka(a, b), reps)
        result["procrustes64"] = median_seconds(lambda: procrustes(a, b), reps)
        a32, b32 = a.astype(np.float32), b.astype(np.float32)
        result["cka32"] = median_seconds(lambda: cka(a32, b32), reps)
        # The three products of CKA alone, on inputs centred beforehand: NumPy's BLAS time without the
        # centring, to compare with the floor of the joint product.
        # And NumPy's own floor: one product of the centred [X Y] (NumPy runs z.T @ z as a SYRK), the same
        # arithmetic as nnsim's floor but on NumPy's BLAS.
        for suffix, (x, y) in {"64": (a, b), "32": (a32, b32)}.items():
            xc, yc = x - x.mean(axis=0), y - y.mean(axis=0)
            z = np.hstack([xc, yc])
            result["products" + suffix] = median_seconds(lambda: (xc.T @ xc, yc.T @ yc, xc.T @ yc), reps)
            result["joint" + suffix] = median_seconds(lambda: z.T @ z, reps)
            if suffix == "64":
                # Procrustes' arithmetic alone: xᵀy and its singular values.
                result["procrustesFloor64"] = median_seconds(lambda: np.linalg.svd(xc.T @ yc, compute_uv=False).sum(), reps)
            del z
        out["cases"].append(result)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
