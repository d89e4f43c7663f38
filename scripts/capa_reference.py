#!/usr/bin/env python3
"""Dev-only: reference values of CAPA (κp) and error consistency from the authors' own code.

Runs lmsim.metrics (the lm-similarity repository of Goel et al. 2025, "Great Models Think Alike and this
Undermines AI Oversight", arXiv:2502.04313: CAPA with prob=True and prob=False, and their EC, an
implementation of Geirhos, Meding, Wichmann 2020's error consistency) on generated multiple-choice
outputs and writes test/fixtures/capa-reference.json; test/85.functional.test.ts reads it. Tests never
run Python.

Run (NumPy only):
    git clone <lm-similarity> /tmp/lm-similarity
    python3 scripts/capa_reference.py /tmp/lm-similarity
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "capa-reference.json"


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def one_hot(p):
    out = np.zeros_like(p)
    out[np.arange(p.shape[0]), p.argmax(axis=1)] = 1.0
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: capa_reference.py <path to an lm-similarity checkout>")
    repo = Path(sys.argv[1]).resolve()
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    sys.path.insert(0, str(repo))
    from lmsim.metrics import CAPA, EC  # the authors' module

    rng = np.random.default_rng(20250206)
    cases = []
    for name, n, c, shared, sharpness in [
        ("4 options, related models", 200, 4, 0.7, 2.0),
        ("10 options, weakly related, sharp", 300, 10, 0.3, 4.0),
        ("2 options", 120, 2, 0.5, 1.5),
    ]:
        truth = rng.integers(0, c, size=n)
        signal = rng.normal(size=(n, c))
        signal[np.arange(n), truth] += 1.0  # the true option is likelier
        za = sharpness * (shared * signal + (1 - shared) * rng.normal(size=(n, c)))
        zb = sharpness * (shared * signal + (1 - shared) * rng.normal(size=(n, c)))
        pa, pb = softmax(za), softmax(zb)
        gt = truth.tolist()
        values = {
            "capa": float(CAPA().compute_k(list(pa), list(pb), gt)),
            "capa-discrete": float(CAPA(prob=False).compute_k(list(one_hot(pa)), list(one_hot(pb)), gt)),
            "error-consistency": float(EC().compute_k(list(pa), list(pb), gt)),
        }
        cases.append({"description": name, "logitsA": za.tolist(), "logitsB": zb.tolist(), "labels": gt, "values": values})
    OUT.write_text(json.dumps({"source": "lm-similarity lmsim.metrics (CAPA, EC)", "commit": commit, "numpy": np.__version__, "cases": cases}) + "\n")
    print(f"wrote {OUT}", [c["values"] for c in cases])


if __name__ == "__main__":
    main()
