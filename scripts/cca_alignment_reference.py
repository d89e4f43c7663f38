#!/usr/bin/env python3
"""Dev-only: independent NumPy/SciPy/scikit-learn reference values for the CCA and alignment measures
that ReSi lacks (or computes differently), written to test/fixtures/cca-alignment-reference.json.

Run: python3 scripts/cca_alignment_reference.py   (numpy 2.x, scipy 1.x). The tests only read the JSON.

The formulas here deliberately take a different route from the native core: CCA by whitening the
covariance blocks (Σxx^{-1/2} Σxy Σyy^{-1/2}, eigendecomposition pseudo-inverse) instead of principal
cosines of orthonormal bases; the shape metric by forming the partial whitening matrix explicitly and
aligning with scipy.linalg.orthogonal_procrustes; the linear regression as an explicit least-squares
fit with an intercept column (scipy.linalg.lstsq, uncentred data) and the residual sum of squares.
"""
import json
import os

import numpy as np
import scipy.linalg

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "cca-alignment-reference.json")


def centre(x):
    return x - x.mean(axis=0, keepdims=True)


def rank_tol(s, shape, epsilon=None):
    if s.size == 0:
        return 0.0
    if epsilon is None:
        return s[0] * max(shape) * np.finfo(float).eps
    return s[0] * epsilon


def inv_sqrt_cov(xc, shape, epsilon=None):
    """(XᵀX)^{+1/2} of centred data, as V_r diag(1/σ_r) V_rᵀ from the SVD of the data (the rank decided
    on σ, like numpy.linalg.matrix_rank, not on roundoff-polluted eigenvalues of XᵀX)."""
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    r = int(np.sum(s > rank_tol(s, shape, epsilon)))
    v = vt[:r].T
    return (v / s[:r]) @ v.T, r


def canonical(x, y, epsilon=None):
    """Canonical correlations and X-side canonical weights via covariance whitening."""
    xc, yc = centre(x), centre(y)
    kx, rx = inv_sqrt_cov(xc, x.shape, epsilon)
    ky, ry = inv_sqrt_cov(yc, y.shape, epsilon)
    m = kx @ (xc.T @ yc) @ ky
    u, s, vt = np.linalg.svd(m)
    k = min(rx, ry)
    return np.clip(s[:k], 0, 1), kx @ u[:, :k]


def cca_mean(x, y, epsilon=None):
    return float(np.mean(canonical(x, y, epsilon)[0]))


def cca_r2(x, y, epsilon=None):
    return float(np.mean(canonical(x, y, epsilon)[0] ** 2))


def cca_mean_angles(x, y):
    """Second, independent route for the rank checks: scipy's principal angles."""
    xc, yc = centre(x), centre(y)
    return float(np.mean(np.cos(scipy.linalg.subspace_angles(xc, yc))))


def pca_scores(x, variance_kept=0.99, components=None):
    xc = centre(x)
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    rank = int(np.sum(s > rank_tol(s, x.shape)))
    if components is not None:
        k = min(components, rank)
    else:
        frac = np.cumsum(s[:rank] ** 2) / np.sum(s[:rank] ** 2)
        k = int(np.searchsorted(frac, variance_kept * (1 - 1e-14)) + 1)
        k = min(k, rank)
    return xc @ vt[:k].T  # N × k PC scores


def svcca(x, y, **kw):
    return cca_mean(pca_scores(x, **kw), pca_scores(y, **kw))


def pwcca(x, y):
    """Morcos et al. 2018: ρ̄_PW = Σ α_i ρ_i / Σ α_i, α_i = Σ_j |⟨h_i, x_j⟩|, h_i the unit-norm canonical
    variates of the first input, x_j its neurons."""
    rho, wx = canonical(x, y)
    h = centre(x) @ wx
    h = h / np.linalg.norm(h, axis=0, keepdims=True)
    alpha = np.abs(h.T @ x).sum(axis=1)
    return float(np.sum(alpha * rho) / np.sum(alpha))


def pwcca_svcca_code(x, y):
    """Google's svcca pwcca.py recipe as ReSi runs it, written from that
    description: numpy.cov blocks, pinv + eigh square roots, full SVD, directions uᵀ(A − m) + m, QR and
    weights over the uncentred neurons. For D > D' the second input's side is used (Google's intent;
    ReSi raises IndexError there)."""
    a, b = x.T, y.T
    dx = a.shape[0]
    c = np.cov(np.vstack([a, b]))
    sxx, sxy, syy = c[:dx, :dx], c[:dx, dx:], c[dx:, dx:]
    xmax, ymax = np.max(np.abs(sxx)), np.max(np.abs(syy))
    sxx, syy, sxy = sxx / xmax, syy / ymax, sxy / np.sqrt(xmax * ymax)

    def root_of_inverse(s):
        w, v = np.linalg.eigh(np.linalg.pinv(s))
        return (v * np.sqrt(w)) @ v.T

    u, s, vh = np.linalg.svd(root_of_inverse(sxx) @ sxy @ root_of_inverse(syy))
    if dx <= b.shape[0]:
        acts, coef = a, u.T
    else:
        acts, coef = b, vh
    m = acts.mean(axis=1, keepdims=True)
    dirns = coef @ (acts - m) + m
    p, _ = np.linalg.qr(dirns.T)
    weights = np.abs(p.T @ acts.T).sum(axis=1)
    weights = weights / weights.sum()
    return float(np.sum(weights * np.abs(s)))


def pad(x, y):
    d = max(x.shape[1], y.shape[1])
    return (np.hstack([x, np.zeros((x.shape[0], d - x.shape[1]))]),
            np.hstack([y, np.zeros((y.shape[0], d - y.shape[1]))]))


def partial_whiten(x, alpha):
    """Williams et al. 2021 partial whitening of the centred input scaled to unit Frobenius norm:
    X (αI + (1 − α)(XᵀX)^{+1/2}), the pseudo-inverse square root dropping null directions."""
    xc = centre(x)
    xc = xc / np.linalg.norm(xc)
    k, _ = inv_sqrt_cov(xc, x.shape)
    return xc @ (alpha * np.eye(x.shape[1]) + (1 - alpha) * k)


def shape_metric(x, y, alpha=1.0, distance="angular"):
    px, py = pad(partial_whiten(x, alpha), partial_whiten(y, alpha))
    px, py = px / np.linalg.norm(px), py / np.linalg.norm(py)
    q, _ = scipy.linalg.orthogonal_procrustes(px, py)
    if distance == "euclidean":
        return float(np.linalg.norm(px @ q - py))
    return float(np.arccos(np.clip(np.trace(q.T @ px.T @ py), -1, 1)))


def linear_regression(x, y):
    """R² (variance-weighted over the columns of x) of predicting x from y with an intercept:
    1 − ‖x − [1 y] β‖² / ‖x − mean(x)‖², β the minimum-norm least-squares solution."""
    design = np.hstack([np.ones((y.shape[0], 1)), y])
    beta, *_ = scipy.linalg.lstsq(design, x)
    residual = x - design @ beta
    return float(1 - np.sum(residual ** 2) / np.sum(centre(x) ** 2))


def ridge_regression(x, y, lam):
    """R² of the ridge fit of x from y with an unpenalised intercept, by the normal equations
    (Y_cᵀY_c + λI) β = Y_cᵀX_c (Hoerl & Kennard 1970) — not the SVD route nnsim takes."""
    xc, yc = centre(x), centre(y)
    beta = scipy.linalg.solve(yc.T @ yc + lam * np.eye(yc.shape[1]), yc.T @ xc, assume_a="pos")
    residual = xc - yc @ beta
    return float(1 - np.sum(residual ** 2) / np.sum(xc ** 2))


def aligned_cosine(x, y):
    px, py = pad(x, y)
    q, _ = scipy.linalg.orthogonal_procrustes(px, py)
    a = px @ q
    keep = (np.linalg.norm(a, axis=1) > 0) & (np.linalg.norm(py, axis=1) > 0)
    cos = np.sum(a * py, axis=1)[keep] / (np.linalg.norm(a, axis=1)[keep] * np.linalg.norm(py, axis=1)[keep])
    return float(np.mean(cos))


def procrustes(x, y, center=True, normalize=False):
    """min_Q ‖X̃Q − Ỹ‖_F with Q from scipy.linalg.orthogonal_procrustes and the residual formed explicitly
    (accurate to ~eps·‖X‖ absolute, unlike the closed form ‖X‖² + ‖Y‖² − 2‖XᵀY‖_*, which cancels near 0)."""
    if center:
        x, y = centre(x), centre(y)
    if normalize:
        x, y = x / np.linalg.norm(x), y / np.linalg.norm(y)
    px, py = pad(x, y)
    q, _ = scipy.linalg.orthogonal_procrustes(px, py)
    return float(np.linalg.norm(px @ q - py))


def procrustes_near_zero_cases():
    """Pairs that are equal up to a rotation (and offset and scale) but for a small perturbation: the
    distance is below 1e-3 of the norms, where nnsim forms the aligned residual instead of the closed form."""
    rng = np.random.default_rng(20261206)

    def rotation(d):
        q, r = np.linalg.qr(rng.normal(size=(d, d)))
        return q * np.sign(np.diag(r))

    cases = []

    def add(cid, description, x, y):
        results = []
        for order, a, b in (("AB", x, y), ("BA", y, x)):
            for options in ({}, {"normalize": True}, {"center": False}, {"center": False, "normalize": True}):
                value = procrustes(a, b, options.get("center", True), options.get("normalize", False))
                results.append({"order": order, "measure": "procrustes", "options": options, "value": value})
        cases.append({"id": cid, "description": description, "A": x.tolist(), "B": y.tolist(), "results": results})

    x = rng.normal(0.5, 1, (30, 5))
    add("rotated", "B = A Q + 1e-5·noise, 30×5", x, x @ rotation(5) + 1e-5 * rng.normal(size=(30, 5)))
    x = rng.normal(0, 1, (25, 4)) * np.array([3, 1, 0.5, 0.2])
    y = np.hstack([x, np.zeros((25, 3))]) @ rotation(7) + 2.0 + 1e-6 * rng.normal(size=(25, 7))
    add("padded", "B = [A 0] Q + 2 + 1e-6·noise, 25×4 and 25×7 (zero padding, an offset)", x, y)
    x = rng.normal(size=(8, 12))
    add("wide", "N = 8 < D = 12: B = 3·A Q + 1e-6·noise (row-space factor path)", x,
        3 * x @ rotation(12) + 1e-6 * rng.normal(size=(8, 12)))
    x = rng.normal(size=(20, 3))
    add("scaled", "B = 2.5·A Q + 1e-7·noise, 20×3: near 0 only when normalised", x,
        2.5 * x @ rotation(3) + 1e-7 * rng.normal(size=(20, 3)))
    return cases


def make_cases():
    rng = np.random.default_rng(20261125)
    cases = []

    def add(cid, description, x, y):
        cases.append({"id": cid, "description": description, "A": x.tolist(), "B": y.tolist()})

    x = rng.normal(0.5, 1, (50, 6))
    add("independent", "independent N(0.5,1) 50×6 and N(0,2) 50×9", x, rng.normal(0, 2, (50, 9)))
    x = rng.normal(0, 1, (80, 8))
    y = np.tanh(x @ rng.normal(0, 1, (8, 5)) / 3) + 0.1 * rng.normal(size=(80, 5))
    add("related", "B = tanh(A W / 3) + 0.1·noise, 80×8 and 80×5", x, y)
    z = rng.normal(size=(60, 3))
    x = z @ rng.normal(size=(3, 10)) + 1.0
    y = z @ rng.normal(size=(3, 7)) + 0.2 * rng.normal(size=(60, 7))
    add("low_rank", "A exactly rank 3 in 10 columns (plus an offset), B = Z W + 0.2·noise, N = 60", x, y)
    x = rng.normal(size=(20, 30))
    y = x @ rng.normal(size=(30, 25)) + rng.normal(size=(20, 25))
    add("n_less_than_d", "N = 20 < D = 30, D' = 25", x, y)
    x = rng.normal(size=(40, 5)) * np.array([5, 2, 1, 0.5, 0.1])
    x[:, 2] = 3.0
    y = x @ rng.normal(size=(5, 6)) + 0.5 * rng.normal(size=(40, 6))
    add("constant_column", "A has a constant column and anisotropic scales, B = A W + 0.5·noise, N = 40", x, y)
    x = rng.normal(size=(70, 12)) @ np.diag(np.geomspace(10, 0.01, 12))
    y = np.maximum(x @ rng.normal(size=(12, 10)), 0) + 0.05 * rng.normal(size=(70, 10))
    add("anisotropic", "A with geometric column scales 10…0.01, B = relu(A W) + noise, 70×12 and 70×10", x, y)
    x = rng.normal(0.3, 1, (25, 10))
    y = np.tanh(x @ rng.normal(size=(10, 40)) / 3) + 0.3 * rng.normal(size=(25, 40))
    y[3] = 0.0
    add("mixed_widths", "D = 10 < N = 25 < D' = 40, row 3 of B all zero", x, y)
    return cases


def value(f, *args, **kw):
    try:
        return f(*args, **kw)
    except Exception as e:  # noqa: BLE001 - recorded, the tests expect nnsim's typed error there
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    cases = make_cases()
    for c in cases:
        a, b = np.array(c["A"]), np.array(c["B"])
        results = []
        for order, x, y in (("AB", a, b), ("BA", b, a)):
            def rec(measure, options, f, *args, **kw):
                results.append({"order": order, "measure": measure, "options": options, "value": value(f, *args, **kw)})

            rec("cca-mean", {}, cca_mean, x, y)
            rec("cca-r2", {}, cca_r2, x, y)
            rec("cca-mean", {"epsilon": 1e-3}, cca_mean, x, y, 1e-3)
            rec("cca-r2", {"epsilon": 1e-3}, cca_r2, x, y, 1e-3)
            rec("svcca", {}, svcca, x, y)
            rec("svcca", {"varianceKept": 0.9}, svcca, x, y, variance_kept=0.9)
            rec("svcca", {"components": 3}, svcca, x, y, components=3)
            rec("pwcca", {}, pwcca, x, y)
            if c["id"] in ("independent", "related", "anisotropic"):  # full column rank, D, D' < N
                rec("pwcca", {"directions": "svcca-code"}, pwcca_svcca_code, x, y)
            for alpha in (1.0, 0.5, 0.0):
                rec("shape-metric", {"alpha": alpha}, shape_metric, x, y, alpha)
            rec("shape-metric", {"alpha": 0.25, "distance": "euclidean"}, shape_metric, x, y, 0.25, "euclidean")
            rec("linear-regression", {}, linear_regression, x, y)
            for lam in (0.1, 10.0):
                rec("linear-regression", {"lambda": lam}, ridge_regression, x, y, lam)
            rec("aligned-cosine", {}, aligned_cosine, x, y)
        c["results"] = results
        c["checks"] = {"cca_mean_principal_angles": cca_mean_angles(a, b)}
    doc = {
        "generator": "scripts/cca_alignment_reference.py (NumPy %s, SciPy %s)" % (np.__version__, scipy.__version__),
        "cases": cases,
        "procrustesNearZero": procrustes_near_zero_cases(),
    }
    with open(OUT, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    for c in cases:
        print(c["id"], c["checks"])
        for r in c["results"]:
            print("  ", r["order"], r["measure"], r["options"], r["value"])


if __name__ == "__main__":
    main()
