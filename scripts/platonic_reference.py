#!/usr/bin/env python3
"""Dev-only: reference values of the mutual k-NN family from the authors' own code.

Runs AlignmentMetrics of the platonic-rep repository (Huh, Cheung, Wang, Isola 2024, "The Platonic
Representation Hypothesis", arXiv:2405.07987; metrics.py and remove_outliers) on generated inputs, with
their pipeline's preprocessing (measure_alignment.py: remove_outliers, then F.normalize of each row), and
writes test/fixtures/platonic-reference.json; test/76.alignment-knn.test.ts reads it. Tests never run
Python.

Run (needs python3-torch, python3-torchaudio, python3-sklearn; no pip):
    git clone <platonic-rep> /tmp/platonic-rep
    /usr/bin/python3 scripts/platonic_reference.py /tmp/platonic-rep

The authors' code is imported as it is; nothing is stubbed (pymp is optional in it and only speeds up
lcs/edit distance). Everything runs in float64 (torch.set_default_dtype), so their masks and sums are
double precision too; N is a power of two, so the float32 means they take in compute_knn_accuracy and
lcs_knn are exact.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "platonic-reference.json"


def load_metrics(repo: Path):
    sys.path.insert(0, str(repo))
    import metrics  # noqa: E402  (the authors' module)

    return metrics


def related_pair(rng, n, da, db):
    """A ~ N(0.3, 1) of n × da; B = tanh(A W / 2) + noise of n × db (related, not identical)."""
    a = rng.normal(0.3, 1.0, size=(n, da))
    w = rng.normal(size=(da, db))
    b = np.tanh(a @ w / 2.0) + 0.3 * rng.normal(size=(n, db))
    return a, b


def heavy_tailed_pair(rng, n, da, db):
    """Student-t entries (3 degrees of freedom): a few large entries, so clipping matters."""
    a = rng.standard_t(3, size=(n, da))
    b = a @ rng.normal(size=(da, db)) / np.sqrt(da) + 0.5 * rng.standard_t(3, size=(n, db))
    return a, b


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: platonic_reference.py <path to a platonic-rep checkout>")
    repo = Path(sys.argv[1]).resolve()
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    metrics = load_metrics(repo)
    AM = metrics.AlignmentMetrics
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(20240513)

    def prepared(x, normalize, q=1.0, exact=False):
        t = torch.tensor(x, dtype=torch.float64)
        t = metrics.remove_outliers(t, q=q, exact=exact)
        return F.normalize(t, p=2, dim=-1) if normalize else t

    cases = []
    for name, description, (a, b) in [
        ("related-128", "A Gaussian (N = 128, D = 24), B = tanh(AW/2) + noise (D = 40)", related_pair(rng, 128, 24, 40)),
        ("heavy-tailed-256", "Student-t entries (N = 256, D = 32 and 20)", heavy_tailed_pair(rng, 256, 32, 20)),
    ]:
        results = []
        settings = [
            ({}, dict(normalize=True)),
            ({"normalize": False}, dict(normalize=False)),
            ({"clipQuantile": 0.95}, dict(normalize=True, q=0.95, exact=False)),
            ({"clipQuantile": 0.9, "clipThreshold": "global"}, dict(normalize=True, q=0.9, exact=True)),
        ]
        for options, prep in settings:
            fa, fb = prepared(a, **prep), prepared(b, **prep)
            for k in (1, 5, 10):
                opts = dict(options, k=k) if k != 10 else dict(options)
                results.append({"id": "mutual-knn", "options": opts, "value": AM.mutual_knn(fa, fb, topk=k)})
                results.append({"id": "cycle-knn", "options": opts, "value": AM.cycle_knn(fa, fb, topk=k), "order": "ab"})
                results.append({"id": "cycle-knn", "options": opts, "value": AM.cycle_knn(fb, fa, topk=k), "order": "ba"})
                # lcs_knn returns the mean LCS length: nnsim divides it by k.
                results.append({"id": "lcs-knn", "options": opts, "value": float(AM.lcs_knn(fa, fb, topk=k)) / k})
                results.append({"id": "edit-distance-knn", "options": opts, "value": float(AM.edit_distance_knn(fa, fb, topk=k))})
                if k >= 2:
                    # cknna is not symmetric (its masked kernels are not): both orders.
                    cknna_opts = dict(opts, epsilon=1e-6)
                    results.append({"id": "cknna", "options": cknna_opts, "value": AM.cknna(fa, fb, topk=k), "order": "ab"})
                    results.append({"id": "cknna", "options": cknna_opts, "value": AM.cknna(fb, fa, topk=k), "order": "ba"})
        cases.append({"id": name, "description": description, "A": a.tolist(), "B": b.tolist(), "results": results})

    OUT.write_text(
        json.dumps(
            {
                "source": "platonic-rep metrics.AlignmentMetrics and remove_outliers (Huh et al. 2024), float64",
                "commit": commit,
                "torch": torch.__version__,
                "cases": cases,
            }
        )
        + "\n"
    )
    print(f"wrote {OUT} ({sum(len(c['results']) for c in cases)} values)")


if __name__ == "__main__":
    main()
