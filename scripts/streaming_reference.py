#!/usr/bin/env python3
"""Dev-only reference values for the minibatch CKA of Nguyen, Raghu & Kornblith (2021, "Do wide and deep
networks learn the same things? Uncovering how neural network representations vary with width and depth",
arXiv 2010.15327, Sec. 3.1), written with numpy/scipy from the paper's definitions and sharing no code with
native/core (which U-centres kernels of mean-centred minibatches):

  HSIC_1(K, L) = [tr(K~ L~) + (1' K~ 1)(1' L~ 1) / ((n-1)(n-2)) - 2/(n-2) 1' K~ L~ 1] / (n (n-3)),
  K~ = K with its diagonal set to 0 (Song et al. 2012, Eq. 5), on the raw rows of each minibatch;
  CKA_minibatch = mean_i HSIC_1(K_i, L_i) / sqrt(mean_i HSIC_1(K_i, K_i) * mean_i HSIC_1(L_i, L_i)).

Minibatches are consecutive rows of `batch`; a final partial minibatch of 4 or more rows counts as one, a
smaller remainder is left out (nnsim's documented rule). RBF exp(-d^2 / (2 sigma^2)) and Laplace exp(-d / sigma):
sigma = sigma_scale * median distance over the pairs i < j of the minibatch, or an absolute bandwidth.

Writes test/fixtures/streaming-reference.json. Run: python3 scripts/streaming_reference.py
"""
import json
import os

import numpy as np


def hsic1(k, l):
    n = k.shape[0]
    k = k.astype(np.longdouble)
    l = l.astype(np.longdouble)
    np.fill_diagonal(k, 0.0)
    np.fill_diagonal(l, 0.0)
    ones = np.ones(n, dtype=np.longdouble)
    trace = np.sum(k * l)  # tr(K~ L~) for symmetric K~, L~
    middle = (ones @ k @ ones) * (ones @ l @ ones) / ((n - 1) * (n - 2))
    last = 2.0 / (n - 2) * (ones @ k @ l @ ones)
    return (trace + middle - last) / (n * (n - 3))


def kernel(x, kind, sigma_scale, bandwidth=None):
    # Extended precision (x87 long double): the raw-row kernels of inputs with a large mean carry large
    # constant terms that the U-statistic cancels, which would cost float64 digits of the reference.
    x = x.astype(np.longdouble)
    if kind == "linear":
        return x @ x.T
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    if bandwidth is None:
        upper = np.sqrt(d2[np.triu_indices(x.shape[0], 1)])
        sigma = sigma_scale * np.median(upper)
    else:
        sigma = np.longdouble(bandwidth)
    if kind == "laplace":
        return np.exp(-np.sqrt(d2) / sigma)
    return np.exp(-d2 / (2.0 * sigma**2))


def minibatch_cka(x, y, batch, kind="linear", sigma_scale=1.0, bandwidth=None):
    xy = xx = yy = 0.0
    count = 0
    for start in range(0, x.shape[0], batch):
        xb, yb = x[start:start + batch], y[start:start + batch]
        if xb.shape[0] < 4:
            break
        kx, ky = kernel(xb, kind, sigma_scale, bandwidth), kernel(yb, kind, sigma_scale, bandwidth)
        xy += hsic1(kx, ky)
        xx += hsic1(kx, kx)
        yy += hsic1(ky, ky)
        count += 1
    return float((xy / count) / np.sqrt((xx / count) * (yy / count)))


def main():
    rng = np.random.default_rng(2021)
    cases = []
    for name, n, dx, dy, shift in [("tall", 70, 6, 4, 3.0), ("wide", 67, 12, 20, -5.0)]:
        x = rng.normal(size=(n, dx)) + shift
        y = np.tanh(x[:, : min(dx, dy)] @ rng.normal(size=(min(dx, dy), dy))) + 0.3 * rng.normal(size=(n, dy))
        values = []
        for batch in (16, 32, 256):
            values.append({"options": {"estimator": "minibatch", "batch": batch}, "value": minibatch_cka(x, y, batch)})
            values.append(
                {"options": {"estimator": "minibatch", "kernel": "rbf", "sigma": 0.8, "batch": batch},
                 "value": minibatch_cka(x, y, batch, "rbf", 0.8)})
            values.append(
                {"options": {"estimator": "minibatch", "kernel": "laplace", "batch": batch},
                 "value": minibatch_cka(x, y, batch, "laplace")})
            values.append(
                {"options": {"estimator": "minibatch", "kernel": "rbf", "bandwidth": 3.5, "batch": batch},
                 "value": minibatch_cka(x, y, batch, "rbf", bandwidth=3.5)})
        # output 'angular': arccos of the minibatch estimate.
        linear = minibatch_cka(x, y, 32)
        values.append({"options": {"estimator": "minibatch", "batch": 32, "output": "angular"},
                       "value": float(np.arccos(np.longdouble(linear)))})
        cases.append({"name": name, "a": x.tolist(), "b": y.tolist(), "values": values})
    out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "streaming-reference.json")
    with open(out, "w") as f:
        json.dump({"generator": "scripts/streaming_reference.py", "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
