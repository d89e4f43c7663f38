#!/usr/bin/env python3
"""Dev-only: angular CKA values from repsim, the code of Lange, Kwok, Matelsky, Wang, Rolnick, Kording
2022 ("Neural networks as paths through the space of representations", arXiv:2206.10999).

repsim's AngularCKA maps each representation to its centred Gram matrix (H K H), with
use_unbiased_hsic=True (their default) sets its diagonal to 0, scales it to unit Frobenius norm, and
returns the arc length arccos(⟨·,·⟩) between two such points: nnsim's cka with
{ estimator: 'lange', output: 'angular' } (use_unbiased_hsic=False: { output: 'angular' }). Their
Laplace kernel is exp(−‖x − y‖/ℓ) (nnsim's laplace with bandwidth ℓ), their SquaredExponential
exp(−‖x − y‖²/ℓ²) (nnsim's rbf with bandwidth ℓ/√2).

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

import torch

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "repsim-reference.json"


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
        for options, kernel in [
            ({}, None),
            ({"kernel": "laplace", "bandwidth": 2.5}, Laplace(length_scale=2.5)),
            ({"kernel": "rbf", "bandwidth": 3.0 / math.sqrt(2.0)}, SquaredExponential(length_scale=3.0)),
        ]:
            for unbiased in (True, False):
                metric = AngularCKA(n, kernel=kernel, use_unbiased_hsic=unbiased)
                value = float(metric.length(metric.neural_data_to_point(x), metric.neural_data_to_point(y)))
                opts = dict(options, output="angular", **({"estimator": "lange"} if unbiased else {}))
                values.append({"options": opts, "value": value})
        cases.append({"description": name, "a": x.tolist(), "b": y.tolist(), "values": values})
    OUT.write_text(json.dumps({"source": "repsim AngularCKA (Lange et al. 2022)", "commit": commit, "torch": torch.__version__, "cases": cases}) + "\n")
    print(f"wrote {OUT}", [[v["value"] for v in c["values"]] for c in cases])


if __name__ == "__main__":
    main()
