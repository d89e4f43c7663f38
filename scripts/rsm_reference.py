#!/usr/bin/env python3
"""Dev-only reference values for the RSM family (native/core/rsm.cpp), written from the papers' definitions
with numpy/scipy and naive N x N formulas (no shared code with the C++ kernels, which use feature-space
shortcuts, memoised factorisations and their own rank/median logic).

Writes test/fixtures/rsm-reference.json: for each case the two input matrices and, for each
(measure id, options) pair, the reference value or {"error": true} when the measure must reject the input.
Run: python3 scripts/rsm_reference.py
"""
import json
import os

import numpy as np
from scipy import linalg, stats
from scipy.spatial.distance import cdist, pdist, squareform


def colcenter(x):
    return x - x.mean(axis=0, keepdims=True)


# ---- CKA (Kornblith et al. 2019): HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)) ----
def linear_kernel(x):
    return x @ x.T  # uncentred on purpose: the HSIC estimators centre (or U-centre) the kernel themselves


def rbf_kernel(x, sigma_scale):
    d2 = cdist(x, x, "sqeuclidean")
    sigma = sigma_scale * np.median(pdist(x))  # median distance over distinct pairs i < j
    return np.exp(-d2 / (2.0 * sigma**2))


def hsic_biased(k, l):
    n = k.shape[0]
    h = np.eye(n) - np.ones((n, n)) / n
    return np.trace(k @ h @ l @ h) / (n - 1) ** 2


def hsic_unbiased(k, l):
    # Song, Smola, Gretton, Bedo, Borgwardt 2012, JMLR, Eq. (5)
    n = k.shape[0]
    kt = k.copy()
    lt = l.copy()
    np.fill_diagonal(kt, 0.0)
    np.fill_diagonal(lt, 0.0)
    one = np.ones(n)
    term = np.trace(kt @ lt) + (one @ kt @ one) * (one @ lt @ one) / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * (one @ kt @ lt @ one)
    return term / (n * (n - 3))


def cka(a, b, kernel="linear", estimator="biased", sigma=1.0):
    if kernel == "linear":
        k, l = linear_kernel(a), linear_kernel(b)
    else:
        k, l = rbf_kernel(a, sigma), rbf_kernel(b, sigma)
    h = hsic_biased if estimator == "biased" else hsic_unbiased
    return h(k, l) / np.sqrt(h(k, k) * h(l, l))


# ---- RSM norm difference (Shahbazi et al. 2021; ReSi's RSMNormDifference) ----
def rsm(x, kind):
    if kind == "euclidean":
        return cdist(x, x, "euclidean")
    if kind == "cosine":
        return cdist(x, x, "cosine")
    raise ValueError(kind)


def rsm_norm_difference(a, b, rsm_kind="euclidean", norm="spectral"):
    diff = rsm(a, rsm_kind) - rsm(b, rsm_kind)
    return float(np.linalg.norm(diff, 2 if norm == "spectral" else "fro"))


# ---- RSA (Kriegeskorte et al. 2008) ----
def rdm_condensed(x, inner):
    if inner == "correlation":
        return squareform(1.0 - np.corrcoef(x), checks=False)  # Pearson correlation between inputs
    if inner == "euclidean":
        return pdist(x, "euclidean")
    if inner == "cosine":
        return pdist(x, "cosine")
    raise ValueError(inner)


def rsa(a, b, inner="correlation", outer="spearman"):
    u, v = rdm_condensed(a, inner), rdm_condensed(b, inner)
    if outer == "spearman":
        return float(stats.spearmanr(u, v).statistic)
    if outer == "pearson":
        return float(stats.pearsonr(u, v).statistic)
    return float(stats.kendalltau(u, v, variant="b").statistic)


# ---- Distance correlation (Székely, Rizzo, Bakirov 2007) ----
def distance_correlation(a, b):
    def dc(x):
        d = cdist(x, x)
        return d - d.mean(axis=0, keepdims=True) - d.mean(axis=1, keepdims=True) + d.mean()

    p, q = dc(a), dc(b)
    v = lambda s, t: np.mean(s * t)
    return float(np.sqrt(v(p, q) / np.sqrt(v(p, p) * v(q, q))))


# ---- Normalized Bures similarity (Tang et al. 2020), from matrix square roots of the N x N kernels ----
def bures(a, b, center=True):
    if center:
        a, b = colcenter(a), colcenter(b)
    k, l = a @ a.T, b @ b.T

    def psd_eigenvalues(m):
        # eigenvalues of a PSD matrix with the roundoff ones (≤ N·eps·max) set to 0: K is singular when N > D,
        # and a square root of its ±1e-16 noise would add ~1e-8 errors (as scipy.linalg.sqrtm does).
        w, v = np.linalg.eigh(m)
        w[w <= m.shape[0] * np.finfo(float).eps * w.max()] = 0.0
        return w, v

    w, v = psd_eigenvalues(k)
    rk = (v * np.sqrt(w)) @ v.T  # K^{1/2}
    inner, _ = psd_eigenvalues(rk @ l @ rk)
    fidelity = np.sum(np.sqrt(inner))
    return float(fidelity / np.sqrt(np.trace(k) * np.trace(l)))


# ---- Eigenspace overlap score (May et al. 2019) ----
def eigenspace_overlap(a, b, center=False):
    if center:
        a, b = colcenter(a), colcenter(b)
    ua = np.linalg.svd(a)[0][:, : np.linalg.matrix_rank(a)]
    ub = np.linalg.svd(b)[0][:, : np.linalg.matrix_rank(b)]
    return float(np.linalg.norm(ua.T @ ub, "fro") ** 2 / max(a.shape[1], b.shape[1]))


# ---- GULP (Boix-Adserà et al. 2022): distance between ridge hat operators ----
def gulp(a, b, lam=0.0):
    def hat(x):
        n = x.shape[0]
        x = colcenter(x)
        x = x * np.sqrt(n) / np.linalg.norm(x)  # tr(Σ) = 1 with Σ = XᵀX / N
        cov = x.T @ x / n
        inv = np.linalg.pinv(cov, hermitian=True) if lam == 0 else np.linalg.inv(cov + lam * np.eye(cov.shape[0]))
        return x @ inv @ x.T / n

    return float(np.linalg.norm(hat(a) - hat(b), "fro"))


# ---- Riemannian distance between SPD kernels (Shahbazi et al. 2021) ----
def riemannian(a, b, regularization=0.0):
    def kernel(x):
        k = x @ x.T
        return k + regularization * np.trace(k) / k.shape[0] * np.eye(k.shape[0])

    k, l = kernel(a), kernel(b)
    if min(np.linalg.eigvalsh(k).min(), np.linalg.eigvalsh(l).min()) <= 1e-10 * max(np.trace(k), np.trace(l)):
        return None
    w = linalg.eigh(l, k, eigvals_only=True)  # generalised eigenvalues = eigenvalues of K⁻¹L
    return float(np.sqrt(np.sum(np.log(w) ** 2)))


def related(rng, n, da, db):
    a = rng.normal(0.5, 1.0, size=(n, da))
    w = rng.normal(size=(da, db))
    b = np.tanh(a @ w / 3.0) + 0.3 * rng.normal(size=(n, db))
    return a, b


def main():
    rng = np.random.default_rng(20261125)
    cases = []
    a, b = related(rng, 25, 4, 6)
    cases.append(("related 25x4 vs 25x6", a, b))
    a, b = related(rng, 12, 20, 15)
    cases.append(("wide 12x20 vs 12x15 (N < D)", a, b))
    a = rng.normal(size=(30, 5)) * np.array([3.0, 1.0, 0.5, 0.2, 2.0]) + 4.0
    b = rng.normal(size=(30, 3))
    cases.append(("independent 30x5 (shifted, anisotropic) vs 30x3", a, b))

    specs = [("cka", {})]
    for opts in [{"kernel": "rbf"}, {"kernel": "rbf", "sigma": 0.5}, {"kernel": "rbf", "sigma": 2.0},
                 {"estimator": "unbiased"}, {"kernel": "rbf", "estimator": "unbiased"},
                 {"kernel": "rbf", "estimator": "unbiased", "sigma": 0.8}]:
        specs.append(("cka", opts))
    for opts in [{}, {"norm": "frobenius"}, {"rsm": "cosine"}, {"rsm": "cosine", "norm": "frobenius"}]:
        specs.append(("rsm-norm-difference", opts))
    for inner in ["correlation", "euclidean", "cosine"]:
        for outer in ["spearman", "pearson", "kendall"]:
            specs.append(("rsa", {"inner": inner, "outer": outer}))
    specs.append(("distance-correlation", {}))
    specs += [("bures", {}), ("bures", {"center": False})]
    specs += [("eigenspace-overlap", {}), ("eigenspace-overlap", {"center": True})]
    specs += [("gulp", {}), ("gulp", {"lambda": 1e-3}), ("gulp", {"lambda": 0.1}), ("gulp", {"lambda": 10.0})]
    specs += [("riemannian", {}), ("riemannian", {"regularization": 0.1}), ("riemannian", {"regularization": 1e-3})]

    def compute(mid, opts, x, y):
        if mid == "cka":
            return cka(x, y, opts.get("kernel", "linear"), opts.get("estimator", "biased"), opts.get("sigma", 1.0))
        if mid == "rsm-norm-difference":
            return rsm_norm_difference(x, y, opts.get("rsm", "euclidean"), opts.get("norm", "spectral"))
        if mid == "rsa":
            return rsa(x, y, opts["inner"], opts["outer"])
        if mid == "distance-correlation":
            return distance_correlation(x, y)
        if mid == "bures":
            return bures(x, y, opts.get("center", True))
        if mid == "eigenspace-overlap":
            return eigenspace_overlap(x, y, opts.get("center", False))
        if mid == "gulp":
            return gulp(x, y, opts.get("lambda", 0.0))
        if mid == "riemannian":
            return riemannian(x, y, opts.get("regularization", 0.0))
        raise ValueError(mid)

    out_cases = []
    for name, x, y in cases:
        values = []
        for mid, opts in specs:
            v = compute(mid, opts, x, y)
            values.append({"id": mid, "options": opts, "value": {"error": True} if v is None else float(v)})
        out_cases.append({"description": name, "a": x.tolist(), "b": y.tolist(), "values": values})

    out = {
        "generator": "scripts/rsm_reference.py (numpy %s, scipy %s)" % (np.__version__, __import__("scipy").__version__),
        "cases": out_cases,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "rsm-reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
