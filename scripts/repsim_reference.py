#!/usr/bin/env python3
"""Dev-only: angular CKA values from repsim, the code of Lange, Kwok, Matelsky, Wang, Rolnick, Kording
2022 ("Neural networks as paths through the space of representations", arXiv:2206.10999).

repsim's AngularCKA maps each representation to its centred Gram matrix (H K H), with
use_unbiased_hsic=True (their default) sets its diagonal to 0, scales it to unit Frobenius norm, and
returns the arc length arccos(⟨·,·⟩) between two such points: nnsim's cka with
{ estimator: 'lange', output: 'angular' } (use_unbiased_hsic=False: { output: 'angular' }). Their
Laplace kernel is exp(−‖x − y‖/ℓ) (nnsim's laplace with bandwidth ℓ), their SquaredExponential
exp(−‖x − y‖²/ℓ²) (nnsim's rbf with bandwidth ℓ/√2).

repsim takes distances from the Gram expansion ‖x‖² + ‖y‖² − 2x·y; for the Laplace kernel its square
root turns that rounding into ~1e-9 of the result. Each value is therefore stored with the same angle
computed directly (NumPy, distances from differences) as "direct".

Writes test/fixtures/repsim-reference.json; test/74.rsm.test.ts reads it. Tests never run Python.
Run (needs python3-torch):
    git clone <repsim> /tmp/repsim
    /usr/bin/python3 scripts/repsim_reference.py /tmp/repsim
"""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
from scipy.spatial.distance import cdist

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "repsim-reference.json"


def direct_angle(x, y, kernel, length, unbiased):
    """The same angle from directly computed distances: H K H, diagonal zeroed when unbiased, unit norm."""

    def point(z):
        if kernel == "laplace":
            k = np.exp(-cdist(z, z) / length)
        elif kernel == "sqexp":
            k = np.exp(-cdist(z, z, "sqeuclidean") / length**2)
        else:
            k = z @ z.T
        n = z.shape[0]
        h = np.eye(n) - np.ones((n, n)) / n
        kc = h @ k @ h
        if unbiased:
            np.fill_diagonal(kc, 0.0)
        return kc / np.linalg.norm(kc)

    return float(np.arccos(np.clip(np.sum(point(x) * point(y)), -1.0, 1.0)))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: repsim_reference.py <path to a repsim checkout>")
    repo = Path(sys.argv[1]).resolve()
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    sys.path.insert(0, str(repo / "src"))
    from repsim.kernels import Laplace, SquaredExponential  # the authors' modules
    from repsim.metrics import AngularCKA

    torch.manual_seed(20220622)
    cases = []
    for name, n, dx, dy in [("40 inputs, 5 and 7 features", 40, 5, 7), ("25 inputs, 30 and 12 features (N < D)", 25, 30, 12)]:
        x = torch.randn(n, dx, dtype=torch.float64) + 0.5
        y = torch.tanh(x @ torch.randn(dx, dy, dtype=torch.float64) / 2) + 0.3 * torch.randn(n, dy, dtype=torch.float64)
        values = []
        for options, kernel, name, length in [
            ({}, None, "linear", None),
            ({"kernel": "laplace", "bandwidth": 2.5}, Laplace(length_scale=2.5), "laplace", 2.5),
            ({"kernel": "rbf", "bandwidth": 3.0 / math.sqrt(2.0)}, SquaredExponential(length_scale=3.0), "sqexp", 3.0),
        ]:
            for unbiased in (True, False):
                metric = AngularCKA(n, kernel=kernel, use_unbiased_hsic=unbiased)
                value = float(metric.length(metric.neural_data_to_point(x), metric.neural_data_to_point(y)))
                opts = dict(options, output="angular", **({"estimator": "lange"} if unbiased else {}))
                direct = direct_angle(x.numpy(), y.numpy(), name, length, unbiased)
                values.append({"options": opts, "value": value, "direct": direct})
        cases.append({"description": name, "a": x.tolist(), "b": y.tolist(), "values": values})
    OUT.write_text(json.dumps({"source": "repsim AngularCKA (Lange et al. 2022)", "commit": commit, "torch": torch.__version__, "cases": cases}) + "\n")
    print(f"wrote {OUT}", [[v["value"] for v in c["values"]] for c in cases])


if __name__ == "__main__":
    main()
