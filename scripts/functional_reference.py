#!/usr/bin/env python3
"""Independent reference values for nnsim's functional measures (dev only; tests read the JSON).

Written from the papers' definitions with numpy/scipy/sklearn, sharing no code with src/functional/:
  cohens-kappa from the confusion matrix (trace and marginals), jsd via scipy.spatial.distance.jensenshannon (squared),
  label entropy via scipy.stats.entropy, Rashomon capacity by maximising the mutual information I(π) over
  the simplex with SLSQP (not Blahut–Arimoto), the stitching map by numpy.linalg.lstsq / a ridge solve.
Writes test/fixtures/functional-reference.json. Run: python3 scripts/functional_reference.py
"""
import json
import os

import numpy as np
from scipy.optimize import minimize
from scipy.spatial.distance import jensenshannon
from scipy.special import softmax
from scipy.stats import entropy

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "functional-reference.json")


def cohen_kappa(pa, pb):
    C = int(max(pa.max(), pb.max())) + 1
    confusion = np.zeros((C, C))
    np.add.at(confusion, (pa, pb), 1.0)
    confusion /= confusion.sum()
    po = np.trace(confusion)
    pe = float(confusion.sum(1) @ confusion.sum(0))
    return (po - pe) / (1 - pe)


def accuracy(pred, y):
    return float(np.mean(pred == y))


def pair_values(la, lb, y):
    pa, pb = la.argmax(1), lb.argmax(1)
    P, Q = softmax(la, axis=1), softmax(lb, axis=1)
    dis = float(np.mean(pa != pb))
    ea, eb = 1 - accuracy(pa, y), 1 - accuracy(pb, y)
    lo, hi = abs(ea - eb), min(ea + eb, 1.0)
    out = {
        "accuracy-difference": abs(accuracy(pa, y) - accuracy(pb, y)),
        "disagreement": dis,
        "error-corrected-disagreement": dis / ea,
        "min-max-disagreement": 0.0 if hi == lo else (dis - lo) / (hi - lo),
        "cohens-kappa": float(cohen_kappa(pa, pb)),
        "jsd": float(np.mean(jensenshannon(P, Q, axis=1) ** 2)),
        "jsd_base2": float(np.mean(jensenshannon(P, Q, axis=1, base=2) ** 2)),
    }
    for alpha in (1.0, 2.5):
        A = (P / P.max(1, keepdims=True)) ** alpha
        B = (Q / Q.max(1, keepdims=True)) ** alpha
        out[f"surrogate-churn_alpha{alpha}"] = float(np.abs(A - B).sum(1).mean() / 2)
    return out


def fleiss(preds, C):
    K, N = preds.shape
    n = np.stack([(preds == c).sum(0) for c in range(C)], axis=1).astype(float)  # N × C
    P_i = ((n ** 2).sum(1) - K) / (K * (K - 1))
    p_c = n.sum(0) / (N * K)
    Pe = float((p_c ** 2).sum())
    return (float(P_i.mean()) - Pe) / (1 - Pe)


def capacity(channel):
    """max over π in the simplex of I(π) = Σ_k π_k KL(P_k ‖ Σ_j π_j P_j), nats, by SLSQP."""
    K = channel.shape[0]

    def neg_info(pi):
        q = pi @ channel
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(channel > 0, channel * np.log(channel / q), 0.0)
        d = terms.sum(1)
        return -float(pi @ d), -(d - 1.0)

    best = 0.0
    starts = [np.full(K, 1.0 / K)] + [np.eye(K)[k] * 0.5 + 0.5 / K for k in range(K)]
    for x0 in starts:
        res = minimize(neg_info, x0, jac=True, method="SLSQP", bounds=[(0.0, 1.0)] * K,
                       constraints=[{"type": "eq", "fun": lambda p: p.sum() - 1.0, "jac": lambda p: np.ones(K)}],
                       options={"ftol": 1e-16, "maxiter": 2000})
        best = max(best, -res.fun)
    return best


def group_values(logits, y):
    K = len(logits)
    C = logits[0].shape[1]
    preds = np.stack([l.argmax(1) for l in logits])  # K × N
    probs = np.stack([softmax(l, axis=1) for l in logits])  # K × N × C
    N = preds.shape[1]
    pair_dis = [float(np.mean(preds[p] != preds[q])) for p in range(K) for q in range(p + 1, K)]
    counts = np.stack([(preds == c).sum(0) for c in range(C)], axis=1)
    mean = probs.mean(0)
    return {
        "fleiss-kappa": fleiss(preds, C),
        "ambiguity": float(np.mean([len(set(preds[:, i])) > 1 for i in range(N)])),
        "discrepancy": max(pair_dis),
        "discrepancy_first": max(float(np.mean(preds[0] != preds[k])) for k in range(1, K)),
        "label-entropy": float(np.mean([entropy(counts[i] / K) for i in range(N)])),
        "prediction-difference": float(np.abs(probs - mean).sum(2).mean()),
        "prediction-difference_p2": float(np.sqrt(((probs - mean) ** 2).sum(2)).mean()),
        "rashomon-capacity": float(np.mean([np.exp(capacity(probs[:, i, :])) for i in range(N)])),
    }


def model_diff(outputs_a, outputs_b):
    def ddv(o):
        m = o.shape[0] // 2
        x, xp = o[:m], o[m:]
        cos = (x * xp).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(xp, axis=1))
        return 1 - cos

    da, db = ddv(outputs_a), ddv(outputs_b)
    return float(da @ db / (np.linalg.norm(da) * np.linalg.norm(db)))


def saliency(ga, gb, absolute):
    if absolute:
        ga, gb = np.abs(ga), np.abs(gb)
    return float(np.mean((ga * gb).sum(1) / (np.linalg.norm(ga, axis=1) * np.linalg.norm(gb, axis=1))))


def transferability(src_pred, tgt_pred, y, successful_only):
    fooled_src = src_pred != y
    fooled_tgt = tgt_pred != y
    if successful_only:
        return float((fooled_src & fooled_tgt).sum() / fooled_src.sum())
    return float(fooled_tgt.mean())


def stitch(A, B, head, y, ridge):
    N, D = A.shape
    if ridge == 0:
        X = np.hstack([A, np.ones((N, 1))])
        sol, *_ = np.linalg.lstsq(X, B, rcond=None)
        W, b = sol[:D], sol[D]
    else:
        mu_a, mu_b = A.mean(0), B.mean(0)
        Ac, Bc = A - mu_a, B - mu_b
        W = np.linalg.solve(Ac.T @ Ac + ridge * np.eye(D), Ac.T @ Bc)
        b = mu_b - mu_a @ W
    S = A @ W + b
    ps, pb = (S @ head).argmax(1), (B @ head).argmax(1)
    return {
        "weights": W.tolist(),
        "bias": b.tolist(),
        "agreement": float(np.mean(ps == pb)),
        "accuracy": accuracy(ps, y),
        "relative-accuracy": accuracy(ps, y) / accuracy(pb, y),
    }


def main():
    rng = np.random.default_rng(20261125)
    cases = []
    for case_id, (N, C, K, noise) in enumerate([(40, 4, 4, 1.0), (60, 3, 3, 0.5), (30, 6, 5, 2.0)]):
        base = rng.normal(size=(N, C)) * 2
        y = base.argmax(1)
        flip = rng.random(N) < 0.3
        y[flip] = rng.integers(0, C, size=flip.sum())
        logits = [base + noise * rng.normal(size=(N, C)) for _ in range(K)]
        cases.append({
            "id": f"random-{case_id}",
            "N": N, "C": C, "K": K,
            "logits": [l.tolist() for l in logits],
            "labels": y.tolist(),
            "pair": pair_values(logits[0], logits[1], y),
            "pair_swapped": pair_values(logits[1], logits[0], y),
            "group": group_values(logits, y),
        })

    # Gradient/adversarial: input gradients (N × P), outputs on M input pairs (2M × C, stacked), predictions.
    N, P, M = 25, 12, 20
    ga = rng.normal(size=(N, P))
    gb = 0.6 * ga + rng.normal(size=(N, P))
    oa = rng.normal(size=(2 * M, 5))
    ob = np.vstack([oa[:M] + 0.3 * rng.normal(size=(M, 5)), oa[M:] * 0.5 + rng.normal(size=(M, 5))])
    ob = ob[:, :4]  # the second model may have another number of outputs
    y = rng.integers(0, 4, size=40)
    src = np.where(rng.random(40) < 0.7, (y + 1) % 4, y)
    tgt = np.where(rng.random(40) < 0.5, src, y)
    gradient = {
        "grad_a": ga.tolist(), "grad_b": gb.tolist(),
        "saliency-similarity": saliency(ga, gb, False),
        "saliency-similarity_absolute": saliency(ga, gb, True),
        "outputs_a": oa.tolist(), "outputs_b": ob.tolist(),
        "model-diff": model_diff(oa, ob),
        "labels": y.tolist(), "source": src.tolist(), "target": tgt.tolist(),
        "adversarial-transferability": transferability(src, tgt, y, True),
        "adversarial-transferability_all": transferability(src, tgt, y, False),
    }

    # Stitching: A (N × D) and B (N × D'); the rest of B is a fixed linear head + argmax.
    N, D, Dp, C = 80, 5, 6, 4
    A = rng.normal(size=(N, D)) + 0.5
    B = np.tanh(A @ rng.normal(size=(D, Dp)) / 2) + 0.2 * rng.normal(size=(N, Dp))
    head = rng.normal(size=(Dp, C))
    y = (B @ head).argmax(1)
    flip = rng.random(N) < 0.25
    y[flip] = rng.integers(0, C, size=flip.sum())
    stitching = {
        "A": A.tolist(), "B": B.tolist(), "head": head.tolist(), "labels": y.tolist(),
        "plain": stitch(A, B, head, y, 0.0),
        "ridge": stitch(A, B, head, y, 3.0),
    }

    with open(OUT, "w") as f:
        json.dump({
            "generator": "scripts/functional_reference.py (numpy %s)" % np.__version__,
            "cases": cases, "gradient": gradient, "stitching": stitching,
        }, f)
        f.write("\n")


if __name__ == "__main__":
    main()
