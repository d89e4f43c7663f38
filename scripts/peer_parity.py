#!/usr/bin/env python3
"""Dev-only: "same number as library X" fixtures. Runs other libraries' own, unmodified code on the demo
activations (data/demo/, real MLP activations) and writes test/fixtures/peer-parity.json, which
test/55.peer-parity.test.ts reads: for every row of the README table "Same number as other libraries" it
computes the nnsim call, applies the row's transform and checks the peer's value to the row's tolerance.

Nothing is fetched at run time. Give each library's checkout (a git clone; the commit and `git describe` are
recorded) as an option or an environment variable:

  /usr/bin/python3 scripts/peer_parity.py \\
    --netrep ~/src/netrep --rsatoolbox ~/src/rsatoolbox --svcca ~/src/svcca --anatome ~/src/anatome \\
    --platonic-rep ~/src/platonic-rep --sim-metric ~/src/sim_metric --subspace-match ~/src/subspace-match \\
    --ensd ~/src/ENSD --rtd ~/src/RTD --msid ~/src/imd \\
    --kornblith-notebook ~/src/google-research/representation_similarity/Demo.ipynb

  (environment: PEER_NETREP, PEER_RSATOOLBOX, …, PEER_KORNBLITH_NOTEBOOK; PEER_KORNBLITH_COMMIT names the
  google-research commit the notebook comes from, since a lone file carries none.)

Repositories: github.com/ahwillia/netrep, rsagroup/rsatoolbox, google/svcca, moskomule/anatome,
minyoungg/platonic-rep, js-d/sim_metric, MeckyWu/subspace-match, camillerb/ENSD, IlyaTrofimov/RTD, xgfs/imd,
google-research/google-research (representation_similarity/Demo.ipynb). SciPy and scikit-learn are the
installed packages (versions recorded). Needs numpy, scipy, scikit-learn, torch, matplotlib, gudhi
(Debian: python3-numpy python3-scipy python3-sklearn python3-torch python3-matplotlib python3-gudhi).

What is not run as shipped, and why (nothing else is changed; no peer code is copied here):
  - Imports a computation does not use are replaced by placeholder modules that raise if touched:
    tqdm (progress bars), pandas, h5py, joblib and networkx (rsatoolbox tables, files, MDS, graph
    transforms) and rsatoolbox's compiled Cython engine (used by calc_rdm_unbalanced only), torchvision
    (anatome's feature extractor), torchaudio (platonic-rep's edit distance), sim_metric's
    compute_embeddings (model loading). rsatoolbox's package __init__ is skipped (it asks installed-package
    metadata for its version and imports everything); its submodules are imported from the checkout.
  - Notebook code (Kornblith et al.'s CKA demo, the ENSD tutorial) runs by executing the code cells that
    define the functions; the SHA-256 of the executed source is recorded.
  - RTD calls ripserplusplus, a CUDA-only extension. Its `run` is stood in for by an exact double-precision
    Vietoris–Rips persistence (GUDHI) returning the same {dimension: [(birth, death)]} structure; Ripser++
    itself works in float32, so on a GPU the authors' values differ from these by float32 rounding.
  - msid draws its start vectors from NumPy's global generator, nnsim from its own: the row records the
    mean and spread over seeds (and states that nnsim's mean differs; see the README).

Rows with "equivalent": false and cases with "differsBy" back the README's statements that two numbers
differ; the test checks that they still do.
"""
import argparse
import csv
import hashlib
import importlib
import importlib.abc
import importlib.machinery
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test" / "fixtures" / "peer-parity.json"

PEERS = {
    "netrep": "https://github.com/ahwillia/netrep",
    "rsatoolbox": "https://github.com/rsagroup/rsatoolbox",
    "svcca": "https://github.com/google/svcca",
    "anatome": "https://github.com/moskomule/anatome",
    "platonic-rep": "https://github.com/minyoungg/platonic-rep",
    "sim-metric": "https://github.com/js-d/sim_metric",
    "subspace-match": "https://github.com/MeckyWu/subspace-match",
    "ensd": "https://github.com/camillerb/ENSD",
    "rtd": "https://github.com/IlyaTrofimov/RTD",
    "msid": "https://github.com/xgfs/imd",
}
KORNBLITH = "https://github.com/google-research/google-research (representation_similarity/Demo.ipynb)"

# ---------------------------------------------------------------------------------------------- inputs

DEMO = "data/demo"


def demo(model, layer):
    return f"{DEMO}/{model}/{layer}.npy"


# Real activations of two MLPs that differ only in their seed (data/demo/README.md). hidden1 has 128 units
# in both (full column rank), seed-1's hidden2 64 (full rank), seed-0's hidden2 one unit that never fires.
X128 = demo("seed-0", "hidden1")
Y128 = demo("seed-1", "hidden1")
Y64 = demo("seed-1", "hidden2")
DEAD64 = demo("seed-0", "hidden2")
LOGITS0 = demo("seed-0", "logits")
LOGITS1 = demo("seed-1", "logits")


def load(path, rows=None):
    a = np.load(ROOT / path).astype(np.float64)
    return a if rows is None else a[:rows]


def case(x, y, value, rows=None, **extra):
    out = {"x": x, "y": y}
    if rows is not None:
        out["rows"] = rows
    out["value"] = float(value)
    out.update(extra)
    return out


# ------------------------------------------------------------------------------------- import helpers


class _Placeholder(types.ModuleType):
    """A module standing in for a dependency the computation does not use: any attribute is a callable
    that raises, so a use would be noticed."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)

        def unavailable(*args, **kwargs):
            raise RuntimeError(f"{self.__name__}.{name} is a placeholder in scripts/peer_parity.py")

        return unavailable


class _PlaceholderFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self):
        self.roots = set()

    def find_spec(self, fullname, path, target=None):
        if any(fullname == root or fullname.startswith(root + ".") for root in self.roots):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _Placeholder(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


PLACEHOLDERS = _PlaceholderFinder()
sys.meta_path.insert(0, PLACEHOLDERS)


def placeholder(*roots):
    """Let `import root…` succeed with a placeholder, unless the real module is installed."""
    for root in roots:
        try:
            importlib.import_module(root)
        except ImportError:
            PLACEHOLDERS.roots.add(root)


def git_info(path):
    def git(*args):
        return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, check=True).stdout.strip()

    info = {"commit": git("rev-parse", "HEAD"), "describe": git("describe", "--tags", "--always")}
    for name in ("setup.py", "pyproject.toml"):  # the version the package declares, where it does
        text = (Path(path) / name).read_text() if (Path(path) / name).is_file() else ""
        match = re.search(r"""^\s*version\s*=\s*["']([^"']+)["']""", text, re.MULTILINE)
        if match:
            info["version"] = match.group(1)
            break
    return info


def notebook_functions(path, must_define):
    """Executes the code cells of a notebook that define `must_define`; returns their namespace and the
    SHA-256 of the executed source."""
    cells = json.loads(Path(path).read_text())["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    chosen = [s for s in sources if any(f"def {name}(" in s for name in must_define)]
    namespace = {"np": np, "math": math}
    for source in chosen:
        exec(compile(source, str(path), "exec"), namespace)
    missing = [name for name in must_define if name not in namespace]
    if missing:
        raise SystemExit(f"{path}: no code cell defines {missing}")
    digest = hashlib.sha256("\n".join(chosen).encode()).hexdigest()
    return namespace, digest


# ------------------------------------------------------------------------------------------ the peers


def centred_unit(x):
    """Column-centred, scaled to unit Frobenius norm."""
    xc = x - x.mean(axis=0, keepdims=True)
    return xc / np.linalg.norm(xc)


def median_pairwise_distance(x):
    """Median Euclidean distance over the pairs i < j (the scale nnsim's RBF sigma is relative to)."""
    d = np.sqrt(np.maximum(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1), 0))
    return float(np.median(d[np.triu_indices(len(x), 1)]))


def netrep_rows(path):
    sys.path.insert(0, str(path))
    placeholder("tqdm")
    from netrep.metrics import LinearCKA, LinearMetric, PermutationMetric

    X, Y, Yn, Xd = load(X128), load(Y128), load(Y64), load(DEAD64)
    pairs = [(X128, Y128, X, Y), (Y64, X128, Yn, X), (DEAD64, Y64, Xd, Yn)]  # equal, zero-padded, dead unit
    rows = []
    for method, measure in (("angular", "angular-shape"), ("euclidean", "procrustes")):
        metric = LinearMetric(alpha=1.0, center_columns=True, score_method=method)
        rows.append({
            "id": f"netrep-linear-{method}",
            "call": f"LinearMetric(alpha=1, center_columns=True, score_method='{method}').fit_score(X, Y)",
            "measure": measure, "options": {}, "transform": None, "tolerance": 1e-12,
            "cases": [case(x, y, metric.fit_score(a, b)) for x, y, a, b in pairs],
        })
    for alpha in (0.0, 0.5):
        angular = LinearMetric(alpha=alpha, center_columns=True, score_method="angular")
        cases = [case(x, y, angular.fit_score(centred_unit(a), centred_unit(b))) for x, y, a, b in pairs]
        if alpha == 0.5:
            # netrep whitens the unscaled covariance: on raw inputs its alpha-mix depends on their units
            cases.append(case(X128, Y128, angular.fit_score(X, Y), peerCall="on the raw X, Y", differsBy=1e-2))
        rows.append({
            "id": f"netrep-linear-alpha{alpha:g}-angular",
            "call": f"LinearMetric(alpha={alpha:g}, center_columns=True, score_method='angular').fit_score(Xn, Yn), "
                    "Xn = centred X / its Frobenius norm",
            "measure": "shape-metric", "options": {"alpha": alpha}, "transform": None, "tolerance": 1e-12,
            "cases": cases,
        })
        euclidean = LinearMetric(alpha=alpha, center_columns=True, score_method="euclidean")
        cases = [case(X128, Y128, euclidean.fit_score(centred_unit(X), centred_unit(Y)))]
        # Zero-padded and dead directions have zero variance, clipped to 1e-7, and enter the rescaling
        # that restores the total variance: the aligned shapes no longer have unit norm.
        cases += [case(x, y, euclidean.fit_score(centred_unit(a), centred_unit(b)), differsBy=1e-3)
                  for x, y, a, b in pairs[1:]]
        rows.append({
            "id": f"netrep-linear-alpha{alpha:g}-euclidean",
            "call": f"LinearMetric(alpha={alpha:g}, center_columns=True, score_method='euclidean').fit_score(Xn, Yn), "
                    "Xn = centred X / its Frobenius norm (equal widths, full column rank)",
            "measure": "shape-metric", "options": {"alpha": alpha, "distance": "euclidean"}, "transform": None,
            "tolerance": 1e-12, "cases": cases,
        })
    perm = PermutationMetric(center_columns=False, score_method="euclidean")
    rows.append({
        "id": "netrep-permutation",
        "call": "PermutationMetric(center_columns=False, score_method='euclidean').fit_score(X, Y)",
        "measure": "permutation-procrustes", "options": {}, "transform": None, "tolerance": 1e-12,
        "cases": [case(x, y, perm.fit_score(a, b)) for x, y, a, b in pairs],
    })
    rows.append({
        "id": "netrep-linear-cka",
        "call": "LinearCKA(center_columns=True).score(X, Y)",
        "measure": "cka", "options": {}, "transform": "arccos", "tolerance": 1e-12,
        "cases": [case(x, y, LinearCKA().score(a, b)) for x, y, a, b in pairs],
    })
    return rows


def rsatoolbox_rows(path):
    package = types.ModuleType("rsatoolbox")
    package.__path__ = [str(Path(path) / "src" / "rsatoolbox")]
    sys.modules["rsatoolbox"] = package
    # the Cython engine serves calc_rdm_unbalanced only; the others serve tables, files, plots, MDS
    placeholder("pandas", "h5py", "tqdm", "joblib", "networkx", "rsatoolbox.cengine")
    from rsatoolbox.data import Dataset
    from rsatoolbox.rdm import calc_rdm, compare

    X, Yn = load(X128), load(Y64)

    def value(inner, method):
        rdm_x = calc_rdm(Dataset(X), method=inner)
        rdm_y = calc_rdm(Dataset(Yn), method=inner)
        return float(np.asarray(compare(rdm_x, rdm_y, method=method)).ravel()[0])

    rows = []
    methods = (("spearman", "spearman"), ("rho-a", "spearman"), ("corr", "pearson"), ("kendall", "kendall"),
               ("tau-a", "kendall"))
    for inner in ("correlation", "euclidean"):
        for method, outer in methods:
            options = {} if inner == "correlation" else {"inner": "euclidean"}
            if outer != "spearman":
                options["outer"] = outer
            row = {
                "id": f"rsatoolbox-{inner}-{method}",
                "call": f"compare(calc_rdm(Dataset(X), method='{inner}'), calc_rdm(Dataset(Y), method='{inner}'), method='{method}')",
                "measure": "rsa", "options": options, "transform": None, "tolerance": 1e-12,
                "cases": [case(X128, Y64, value(inner, method))],
            }
            if method in ("rho-a", "tau-a"):
                row["note"] = "no tie correction: equal when neither RDM has ties (true here)"
            if inner == "euclidean" and method == "corr":
                # its euclidean RDM holds squared distances / D, and Pearson r changes under squaring
                row.update(equivalent=False, tolerance=None)
                row["cases"][0]["differsBy"] = 1e-3
            rows.append(row)
    rows.append({
        "id": "rsatoolbox-euclidean-cosine-cov",
        "call": "compare(calc_rdm(Dataset(X), method='euclidean'), calc_rdm(Dataset(Y), method='euclidean'), method='cosine_cov')",
        "measure": "cka", "options": {}, "transform": None, "tolerance": 1e-12,
        "cases": [case(X128, Y64, value("euclidean", "cosine_cov"))],
    })
    rows.append({
        "id": "rsatoolbox-euclidean-bures",
        "call": "compare(calc_rdm(Dataset(X), method='euclidean'), calc_rdm(Dataset(Y), method='euclidean'), method='bures')",
        "measure": "bures", "options": {"center": True}, "transform": None, "tolerance": 1e-6,
        "note": "rsatoolbox sums the square roots of all N eigenvalues of K^½LK^½, round-off ones included",
        "cases": [case(X128, Y64, value("euclidean", "bures"))],
    })
    return rows


def svcca_rows(path):
    sys.path.insert(0, str(path))
    import cca_core
    import pwcca

    X, Y, Yn, Xd = load(X128), load(Y128), load(Y64), load(DEAD64)

    def coefs(a, b, epsilon):
        return cca_core.get_cca_similarity(a.T, b.T, epsilon=epsilon, verbose=False)["cca_coef1"]

    rows = []
    for measure, expression, f in (("cca-mean", "np.mean(s)", np.mean), ("cca-r2", "np.mean(s**2)", lambda s: np.mean(s ** 2))):
        rows.append({
            "id": f"svcca-{measure}",
            "call": f"{expression}, s = cca_core.get_cca_similarity(X.T, Y.T, epsilon=0)['cca_coef1']",
            "measure": measure, "options": {}, "transform": None, "tolerance": 1e-11,
            "cases": [case(X128, Y128, f(coefs(X, Y, 0.0))), case(Y64, X128, f(coefs(Yn, X, 0.0))),
                      # with epsilon = 0 a unit that never fires stays in, as a zero correlation
                      case(DEAD64, Y64, f(coefs(Xd, Yn, 0.0)), differsBy=1e-3)],
        })
        rows.append({
            "id": f"svcca-{measure}-ridged",
            "call": f"{expression}, s = cca_core.get_cca_similarity(X.T, Y.T, epsilon=1e-10)['cca_coef1']",
            "measure": measure, "options": {}, "transform": None, "tolerance": 1e-8,
            "note": "epsilon drops units whose variance is below it and adds it to the diagonal of the "
                    "rescaled covariances, which lowers each correlation slightly",
            "cases": [case(X128, Y128, f(coefs(X, Y, 1e-10))), case(Y64, X128, f(coefs(Yn, X, 1e-10))),
                      case(DEAD64, Y64, f(coefs(Xd, Yn, 1e-10)))],
        })

    def tutorial_svcca(a, b, k):
        # 001_Introduction.ipynb: centre each neuron, SVD, keep k directions, CCA with epsilon = 1e-10
        ca, cb = a.T - a.T.mean(axis=1, keepdims=True), b.T - b.T.mean(axis=1, keepdims=True)
        _, sa, va = np.linalg.svd(ca, full_matrices=False)
        _, sb, vb = np.linalg.svd(cb, full_matrices=False)
        sva, svb = np.dot(sa[:k] * np.eye(k), va[:k]), np.dot(sb[:k] * np.eye(k), vb[:k])
        return np.mean(cca_core.get_cca_similarity(sva, svb, epsilon=1e-10, verbose=False)["cca_coef1"])

    rows.append({
        "id": "svcca-tutorial-svcca",
        "call": "the tutorial's SVCCA: top-k SVD directions of the centred activations, then "
                "np.mean(get_cca_similarity(svacts1, svacts2, epsilon=1e-10)['cca_coef1'])",
        "measure": "svcca", "options": {"components": 20}, "transform": None, "tolerance": 1e-8,
        "cases": [case(X128, Y128, tutorial_svcca(X, Y, 20)), case(Y64, X128, tutorial_svcca(Yn, X, 20))],
    })
    rows.append({
        "id": "svcca-pwcca",
        "call": "pwcca.compute_pwcca(X.T, Y.T, epsilon=0)[0] (X no wider than Y)",
        "measure": "pwcca", "options": {"directions": "svcca-code"}, "transform": None, "tolerance": 1e-11,
        "cases": [case(X128, Y128, pwcca.compute_pwcca(X.T, Y.T, epsilon=0.0)[0]),
                  case(Y64, X128, pwcca.compute_pwcca(Yn.T, X.T, epsilon=0.0)[0])],
    })
    return rows


def anatome_rows(path):
    sys.path.insert(0, str(path))
    placeholder("torchvision")
    import torch
    from anatome import distance

    X, Y, Yn, Xd = load(X128), load(Y128), load(Y64), load(DEAD64)
    t = lambda a: torch.from_numpy(a.copy())  # noqa: E731 (float64 tensors)
    rows = []
    for backend in ("svd", "qr"):
        rows.append({
            "id": f"anatome-cca-{backend}",
            "call": f"distance.cca(x, y, backend='{backend}')[2].mean()",
            "measure": "cca-mean", "options": {}, "transform": None, "tolerance": 1e-12,
            "cases": [case(X128, Y128, distance.cca(t(X), t(Y), backend)[2].mean().item()),
                      case(Y64, X128, distance.cca(t(Yn), t(X), backend)[2].mean().item())],
        })
        if backend == "svd":
            # A unit that never fires leaves a direction without variance that still gets a canonical
            # pair (the qr backend raises instead): the inputs must have full column rank.
            rows[-1]["cases"].append(
                case(DEAD64, Y64, distance.cca(t(Xd), t(Yn), backend)[2].mean().item(), differsBy=1e-3))
    for reduce_bias, options in ((False, {}), (True, {"estimator": "unbiased"})):
        rows.append({
            "id": f"anatome-linear-cka-{'unbiased' if reduce_bias else 'biased'}",
            "call": f"distance.linear_cka_distance(x, y, reduce_bias={reduce_bias})",
            "measure": "cka", "options": options, "transform": "1-x", "tolerance": 1e-12,
            "cases": [case(X128, Y128, distance.linear_cka_distance(t(X), t(Y), reduce_bias).item()),
                      case(Y64, X128, distance.linear_cka_distance(t(Yn), t(X), reduce_bias).item())],
        })
    rows.append({
        "id": "anatome-procrustes",
        "call": "distance.orthogonal_procrustes_distance(x, y)",
        "measure": "procrustes", "options": {"normalize": True}, "transform": "d^2/2", "tolerance": 1e-12,
        "cases": [case(X128, Y128, distance.orthogonal_procrustes_distance(t(X), t(Y)).item()),
                  case(Y64, X128, distance.orthogonal_procrustes_distance(t(Yn), t(X)).item())],
    })
    # Not equal: svcca_distance keeps directions by the cumulative singular values of the uncentred
    # input; pwcca_distance weights by the uncentred input's projections on re-orthonormalised weights.
    rows.append({
        "id": "anatome-svcca", "equivalent": False,
        "call": "distance.svcca_distance(x, y, accept_rate=0.99, backend='svd')",
        "measure": "svcca", "options": {}, "transform": "1-x", "tolerance": None,
        "cases": [case(X128, Y128, distance.svcca_distance(t(X), t(Y), 0.99, "svd").item(), differsBy=1e-3)],
    })
    rows.append({
        "id": "anatome-pwcca", "equivalent": False,
        "call": "distance.pwcca_distance(x, y, backend='svd')",
        "measure": "pwcca", "options": {}, "transform": "1-x", "tolerance": None,
        "cases": [case(X128, Y128, distance.pwcca_distance(t(X), t(Y), "svd").item(), differsBy=1e-3)],
    })
    return rows


def platonic_rows(path):
    sys.path.insert(0, str(path))
    placeholder("torchaudio")
    import torch
    from metrics import AlignmentMetrics, hsic_biased, hsic_unbiased

    X, Yn = load(X128), load(Y64)
    tx, ty = torch.from_numpy(X.copy()), torch.from_numpy(Yn.copy())
    sx, sy = median_pairwise_distance(X), median_pairwise_distance(Yn)
    rows = []
    for unbiased, options in ((False, {}), (True, {"estimator": "unbiased"})):
        for kernel, sigma in (("ip", None), ("rbf", 0.5), ("rbf", 1.0)):
            a, b = (tx, ty) if kernel == "ip" else (tx / sx, ty / sy)
            value = AlignmentMetrics.cka(a, b, kernel_metric=kernel, rbf_sigma=sigma or 1.0, unbiased=unbiased)
            # Its denominator is sqrt(HSIC(K,K)·HSIC(L,L)) + 1e-6: the value is low by the factor
            # 1/(1 + 1e-6/sqrt(…)); the tolerance is that shift (computed with its own HSIC functions).
            if kernel == "ip":
                K, L = a @ a.T, b @ b.T
            else:
                K = torch.exp(-torch.cdist(a, a) ** 2 / (2 * sigma ** 2))
                L = torch.exp(-torch.cdist(b, b) ** 2 / (2 * sigma ** 2))
            hsic = hsic_unbiased if unbiased else hsic_biased
            shift = 1e-6 / math.sqrt((hsic(K, K) * hsic(L, L)).item())
            opts = dict(options)
            if kernel == "rbf":
                opts.update(kernel="rbf", sigma=sigma)
            call = f"AlignmentMetrics.cka(x, y, kernel_metric='{kernel}'"
            call += f", rbf_sigma={sigma:g}" if kernel == "rbf" else ""
            call += f", unbiased={unbiased})"
            if kernel == "rbf":
                call += " on x, y divided by their median pairwise distance (i < j)"
            rows.append({
                "id": f"platonic-cka-{kernel}{'' if sigma is None else f'-{sigma:g}'}-{'unbiased' if unbiased else 'biased'}",
                "call": call, "measure": "cka", "options": opts, "transform": None,
                "tolerance": float(f"{max(1e-12, 2 * shift):.1e}"),
                "cases": [case(X128, Y64, value, denominatorShift=shift)],
            })
    return rows


def kornblith_rows(notebook, commit):
    ns, digest = notebook_functions(notebook, ["feature_space_linear_cka", "gram_rbf", "cka"])
    X, Yn = load(X128), load(Y64)
    rows = [{
        "id": "kornblith-linear",
        "call": "feature_space_linear_cka(X, Y, debiased=False/True), cka(gram_linear(X), gram_linear(Y), debiased=…)",
        "measure": "cka", "options": {}, "transform": None, "tolerance": 1e-12,
        "cases": [case(X128, Y64, ns["feature_space_linear_cka"](X, Yn)),
                  case(X128, Y64, ns["cka"](ns["gram_linear"](X), ns["gram_linear"](Yn)))],
    }, {
        "id": "kornblith-linear-debiased",
        "call": "feature_space_linear_cka(X, Y, debiased=True), cka(gram_linear(X), gram_linear(Y), debiased=True)",
        "measure": "cka", "options": {"estimator": "unbiased"}, "transform": None, "tolerance": 1e-12,
        "cases": [case(X128, Y64, ns["feature_space_linear_cka"](X, Yn, debiased=True)),
                  case(X128, Y64, ns["cka"](ns["gram_linear"](X), ns["gram_linear"](Yn), debiased=True))],
    }]
    for debiased, options in ((False, {}), (True, {"estimator": "unbiased"})):
        for threshold in (0.5, 1.0):
            value = ns["cka"](ns["gram_rbf"](X, threshold), ns["gram_rbf"](Yn, threshold), debiased=debiased)
            rows.append({
                "id": f"kornblith-rbf-{threshold:g}-{'debiased' if debiased else 'biased'}",
                "call": f"cka(gram_rbf(X, {threshold:g}), gram_rbf(Y, {threshold:g}), debiased={debiased})",
                "measure": "cka", "options": {**options, "kernel": "rbf", "sigma": threshold}, "transform": None,
                "tolerance": 5e-5,
                "note": "gram_rbf takes the median over all N² squared distances, the N zeros of the diagonal included",
                "cases": [case(X128, Y64, value)],
            })
    return rows, {"repository": KORNBLITH, "commit": commit, "codeCellSha256": digest}


def sim_metric_rows(path):
    sys.path.insert(0, str(Path(path) / "dists"))
    sys.path.insert(0, str(path))
    placeholder("compute_embeddings")
    import score_pair

    X, Y, Yn = load(X128), load(Y128), load(Y64)
    metrics = ["CKA", "Procrustes", "mean_cca_corr", "mean_sq_cca_corr", "PWCCA"]

    def scores(a, b):
        # score_local_pair: centre each neuron, scale to unit Frobenius norm, score, append a CSV row
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "scores.csv")
            score_pair.score_local_pair(rep1=a.T, rep2=b.T, filename=out, metrics=metrics, metadata={})
            with open(out, newline="") as fh:
                return {k: float(v) for k, v in next(csv.DictReader(fh)).items()}

    pairs = [(X128, Y128, scores(X, Y)), (Y64, X128, scores(Yn, X))]
    spec = {
        "CKA": ("lin_cka_dist", "cka", {}, "1-x"),
        "Procrustes": ("procrustes", "procrustes", {"normalize": True}, "x^2"),
        "mean_cca_corr": ("mean_cca_corr", "cca-mean", {}, None),
        "mean_sq_cca_corr": ("mean_sq_cca_corr", "cca-r2", {}, None),
        "PWCCA": ("pwcca_dist", "pwcca", {}, "1-x"),
    }
    rows = []
    for key, (fn, measure, options, transform) in spec.items():
        rows.append({
            "id": f"sim-metric-{fn}",
            "call": f"score_local_pair(X.T, Y.T, metrics=['{key}']) (its {fn} after centring each neuron and "
                    "scaling to unit Frobenius norm)",
            "measure": measure, "options": options, "transform": transform, "tolerance": 1e-12,
            "cases": [case(x, y, s[key]) for x, y, s in pairs],
        })
    return rows


def subspace_match_rows(path):
    sys.path.insert(0, str(path))
    from utils.match_utils import find_maximal_match

    X, Yn = load(X128), load(Y64)
    rows = []
    for eps in (0.3, 0.4):
        # calc_max_match.py: neurons as rows, similarity (|X*| + |Y*|) / (D + D')
        ix, iy = find_maximal_match(X.T, Yn.T, eps)
        rows.append({
            "id": f"subspace-match-{eps:g}",
            "call": f"find_maximal_match(X.T, Y.T, {eps:g}), then (len(idx_X) + len(idx_Y)) / (D + D')",
            "measure": "maximum-match", "options": {"epsilon": eps}, "transform": None, "tolerance": 1e-12,
            "cases": [case(X128, Y64, (len(ix) + len(iy)) / (X.shape[1] + Yn.shape[1]))],
        })
    return rows


def ensd_rows(path):
    ns, digest = notebook_functions(Path(path) / "ENSD_Tutorial.ipynb", ["computeDist", "centerData"])
    X, Yn = load(X128), load(Y64)
    xc, yc = ns["centerData"](X, "col"), ns["centerData"](Yn, "col")
    return [{
        "id": "ensd-distance",
        "call": "computeDist(centerData(X, 'col').T, centerData(Y, 'col').T)",
        "measure": "cka", "options": {}, "transform": "2/pi*arccos", "tolerance": 1e-12,
        "cases": [case(X128, Y64, ns["computeDist"](xc.T, yc.T))],
    }], digest


def gudhi_ripserplusplus():
    """Stand-in for ripserplusplus.run("--format lower-distance --dim k", lower_triangle): the barcode of
    the Vietoris–Rips filtration, exact in double precision (GUDHI), as {dimension: [(birth, death)]}."""
    import gudhi

    def run(arguments, d_tril):
        words = arguments.split()
        assert words[:2] == ["--format", "lower-distance"] and words[2] == "--dim", arguments
        dim = int(words[3])
        d_tril = np.asarray(d_tril, dtype=np.float64)
        n = int(round((1 + math.sqrt(1 + 8 * d_tril.size)) / 2))
        full = np.zeros((n, n))
        full[np.tril_indices(n, -1)] = d_tril
        lower = [list(full[i, :i]) for i in range(n)]
        tree = gudhi.RipsComplex(distance_matrix=lower).create_simplex_tree(max_dimension=dim + 1)
        tree.compute_persistence(homology_coeff_field=2, min_persistence=0)
        return {k: [tuple(bar) for bar in tree.persistence_intervals_in_dimension(k) if bar[1] > bar[0]]
                for k in range(dim + 1)}

    module = types.ModuleType("ripserplusplus")
    module.run = run
    return module


def rtd_rows(path):
    sys.path.insert(0, str(path))
    sys.modules["ripserplusplus"] = gudhi_ripserplusplus()
    import gudhi
    from rtd import rtd

    n = 100  # 2n points in the cross filtration: GUDHI builds every triangle explicitly
    X, Yn = load(X128, n), load(Y64, n)
    np.random.seed(0)  # rtd shuffles the rows; with batch = n every row is used, in some order
    value = rtd(X, Yn, pdist_device="cpu", trials=1, batch=n)
    return [{
        "id": "rtd-one-trial",
        "call": f"rtd(X, Y, pdist_device='cpu', trials=1, batch=N) with an exact Rips persistence for Ripser++",
        "measure": "rtd", "options": {"trials": 1, "batch": n}, "transform": None, "tolerance": 1e-12,
        "cases": [case(X128, Y64, value, rows=n)],
    }], {"gudhi": gudhi.__version__}


def msid_rows(path):
    sys.path.insert(0, str(path))
    from msid import msid_score

    X, Yn = load(X128), load(Y64)
    draws = []
    for seed in range(100):
        np.random.seed(seed)
        draws.append(msid_score(X, Yn))
    draws = np.array(draws)
    # Not equal, not even on average: msid draws separate start vectors for the two inputs, nnsim's imd
    # shares them (so imd(X, X) = 0), which cancels much of the estimator noise in the difference.
    return [{
        "id": "msid-score", "equivalent": False,
        "call": "msid_score(X, Y) (defaults: k=5, m=10, niters=100), over NumPy seeds 0–99",
        "measure": "imd", "options": {}, "transform": None, "tolerance": None,
        "statistical": {"draws": len(draws), "sd": float(draws.std(ddof=1))},
        "cases": [case(X128, Y64, draws.mean())],
    }]


def library_rows():
    import scipy
    import sklearn
    from scipy.spatial import distance
    from scipy.special import softmax
    from sklearn.metrics import accuracy_score, cohen_kappa_score

    a, b = load(LOGITS0), load(LOGITS1)
    X, Y = load(X128), load(Y128)
    rows = []
    for base in (2, math.e):
        js = distance.jensenshannon(softmax(a, axis=1), softmax(b, axis=1), axis=1, base=base)
        rows.append({
            "id": f"scipy-jensenshannon-base{base:.4g}",
            "peer": "scipy",
            "call": f"np.mean(jensenshannon(softmax(A, axis=1), softmax(B, axis=1), axis=1, base={'2' if base == 2 else 'np.e'}) ** 2)",
            "measure": "jsd", "options": {"input": "logits", "base": base}, "transform": None, "tolerance": 1e-12,
            "cases": [case(LOGITS0, LOGITS1, np.mean(js ** 2))],
        })
    from scipy.spatial import procrustes
    rows.append({
        "id": "scipy-procrustes",
        "peer": "scipy",
        "call": "scipy.spatial.procrustes(X, Y)[2] (equal widths)",
        "measure": "bures", "options": {"center": True}, "transform": "1-x^2", "tolerance": 1e-12,
        "cases": [case(X128, Y128, procrustes(X, Y)[2])],
    })
    pa, pb = a.argmax(axis=1), b.argmax(axis=1)
    rows.append({
        "id": "sklearn-cohen-kappa",
        "peer": "scikit-learn",
        "call": "cohen_kappa_score(A.argmax(1), B.argmax(1))",
        "measure": "cohens-kappa", "options": {"input": "logits"}, "transform": None, "tolerance": 1e-12,
        "cases": [case(LOGITS0, LOGITS1, cohen_kappa_score(pa, pb))],
    })
    rows.append({
        "id": "sklearn-disagreement",
        "peer": "scikit-learn",
        "call": "1 - accuracy_score(A.argmax(1), B.argmax(1))",
        "measure": "disagreement", "options": {"input": "logits"}, "transform": None, "tolerance": 1e-12,
        "cases": [case(LOGITS0, LOGITS1, 1 - accuracy_score(pa, pb))],
    })
    return rows, {"scipy": {"version": scipy.__version__}, "scikit-learn": {"version": sklearn.__version__}}


# ------------------------------------------------------------------------------------------------ main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in PEERS:
        env = "PEER_" + name.upper().replace("-", "_")
        parser.add_argument(f"--{name}", default=os.environ.get(env), help=f"checkout of {PEERS[name]} (env {env})")
    parser.add_argument("--kornblith-notebook", default=os.environ.get("PEER_KORNBLITH_NOTEBOOK"),
                        help="representation_similarity/Demo.ipynb of google-research (env PEER_KORNBLITH_NOTEBOOK)")
    parser.add_argument("--kornblith-commit", default=os.environ.get("PEER_KORNBLITH_COMMIT"),
                        help="the google-research commit that notebook comes from (env PEER_KORNBLITH_COMMIT)")
    args = parser.parse_args()
    paths = {name: getattr(args, name.replace("-", "_")) for name in PEERS}
    missing = [name for name, p in paths.items() if not p] + ([] if args.kornblith_notebook else ["kornblith-notebook"])
    if missing:
        parser.error("missing checkouts: " + ", ".join(missing))

    import scipy
    import sklearn
    import torch

    peers, rows = {}, []

    def add(name, produced, **extra):
        peers[name] = {"repository": PEERS[name], **git_info(paths[name]), **extra}
        for row in produced:
            rows.append({"peer": name, **row})

    add("netrep", netrep_rows(paths["netrep"]))
    add("rsatoolbox", rsatoolbox_rows(paths["rsatoolbox"]))
    add("svcca", svcca_rows(paths["svcca"]))
    add("anatome", anatome_rows(paths["anatome"]))
    add("platonic-rep", platonic_rows(paths["platonic-rep"]))
    kornblith, peers["kornblith"] = kornblith_rows(args.kornblith_notebook, args.kornblith_commit)
    rows += [{"peer": "kornblith", **row} for row in kornblith]
    add("sim-metric", sim_metric_rows(paths["sim-metric"]))
    add("subspace-match", subspace_match_rows(paths["subspace-match"]))
    ensd, digest = ensd_rows(paths["ensd"])
    add("ensd", ensd, codeCellSha256=digest)
    rtd, persistence = rtd_rows(paths["rtd"])
    add("rtd", rtd, persistence=persistence)
    add("msid", msid_rows(paths["msid"]))
    libraries, versions = library_rows()
    peers.update(versions)
    rows += libraries

    doc = {
        "about": "Values of other libraries' own code on the demo activations (scripts/peer_parity.py); "
                 "tolerance: |nnsim − value| ≤ tolerance·max(1, |value|) after the transform.",
        "environment": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                        "scikit-learn": sklearn.__version__, "torch": torch.__version__},
        "peers": peers,
        "rows": rows,
    }
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(rows)} rows, {sum(len(r['cases']) for r in rows)} cases")


if __name__ == "__main__":
    main()
