#!/usr/bin/env python3
"""Dev-only reference values of deconfounded CKA (Cui, Kumar, Marttinen, Kaski 2022, "Deconfounded
representation similarity for comparison of neural networks", NeurIPS, arXiv:2202.00095), written with
NumPy from the paper's covariate-adjustment regression as the authors' code applies it: representations
and inputs centred and scaled to unit Frobenius norm, linear kernels K = X Xᵀ and K0 = Z Zᵀ, vec K
regressed on vec K0 by least squares (no intercept), the residual projected onto the PSD cone by an
eigendecomposition, then HSIC = sum((H R_X H) * (H R_Y H)) and dCKA = HSIC_XY / sqrt(HSIC_XX HSIC_YY).

Writes test/fixtures/dcka-reference.json (inputs, the input-similarity matrix K0 handed to nnsim, values
with and without the PSD projection); test/74.rsm.test.ts reads it. Run: python3 scripts/dcka_reference.py
"""
import json
import os

import numpy as np


def normalize(x):
    x = x - x.mean(axis=0, keepdims=True)
    return x / np.linalg.norm(x)


def residual(k, k0, psd):
    design = k0.reshape(-1, 1)
    beta = np.linalg.lstsq(design, k.reshape(-1), rcond=None)[0]
    r = (k.reshape(-1) - design @ beta).reshape(k.shape)
    if psd:
        w, v = np.linalg.eigh(r)
        r = (v * np.maximum(w, 0.0)) @ v.T
    return r


def centred(m):
    n = m.shape[0]
    h = np.eye(n) - np.ones((n, n)) / n
    return h @ m @ h


def dcka(x, y, k0, psd=True):
    kx, ky = normalize(x) @ normalize(x).T, normalize(y) @ normalize(y).T
    rx, ry = centred(residual(kx, k0, psd)), centred(residual(ky, k0, psd))
    return float(np.sum(rx * ry) / np.sqrt(np.sum(rx * rx) * np.sum(ry * ry)))


def main():
    rng = np.random.default_rng(20220131)
    cases = []
    for name, n, dz, da, db in [("inputs 40 x 12, layers 40 x 6 and 40 x 9", 40, 12, 6, 9), ("N < D: 16 x 30 inputs, 16 x 20 layers", 16, 30, 20, 25)]:
        z = rng.normal(size=(n, dz)) + rng.normal(size=(1, dz))  # the inputs, with a common offset
        a = np.tanh(z @ rng.normal(size=(dz, da)) / 3.0) + 0.2 * rng.normal(size=(n, da))
        b = np.maximum(z @ rng.normal(size=(dz, db)), 0.0) + 0.2 * rng.normal(size=(n, db))
        zn = normalize(z)
        k0 = zn @ zn.T
        values = [
            {"options": {}, "value": dcka(a, b, k0)},
            {"options": {"psd": False}, "value": dcka(a, b, k0, psd=False)},
        ]
        cases.append({"description": name, "a": a.tolist(), "b": b.tolist(), "inputSimilarity": k0.tolist(), "values": values})
    out = {"generator": "scripts/dcka_reference.py (numpy %s)" % np.__version__, "cases": cases}
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "dcka-reference.json")
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print("wrote", os.path.normpath(path), [[v["value"] for v in c["values"]] for c in cases])


if __name__ == "__main__":
    main()
