#!/usr/bin/env python3
"""Dev-only: trains the small networks whose activations `nnsim demo` compares (data/demo/).

Data: the UCI "Optical Recognition of Handwritten Digits" test set (E. Alpaydin, C. Kaynak, 1998;
UCI Machine Learning Repository, CC BY 4.0), as bundled with scikit-learn (sklearn.datasets.load_digits,
Debian package python3-sklearn): 1797 images of 8 × 8 pixels, 10 classes.

Models: three MLPs 64 → 128 → 64 → 32 → 10 (ReLU), trained with Adam on softmax cross-entropy in plain
numpy (no framework):
  seed-0            seed 0 for initialisation and batch order
  seed-1            the same, seed 1 (differs only in the seed)
  shuffled-labels   seed 0, trained on randomly permuted training labels (memorises noise)
The activations of every hidden layer and the logits on the same held-out test images are saved as
float32 .npy (C order), with the test labels and a meta.json that `nnsim demo` reads.

Usage: /usr/bin/python3 scripts/train-demo.py   (needs numpy and scikit-learn; deterministic)
"""
import json
import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

OUT = os.path.join(os.path.dirname(__file__), '..', 'data', 'demo')
WIDTHS = [64, 128, 64, 32, 10]
LAYERS = ['hidden1', 'hidden2', 'hidden3', 'logits']
TEST_INPUTS = 400

digits = load_digits()
x = digits.data.astype(np.float64) / 16.0
y = digits.target.astype(np.int64)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=TEST_INPUTS, stratify=y, random_state=0)
mean = x_train.mean(axis=0)
x_train, x_test = x_train - mean, x_test - mean


def init(seed):
    r = np.random.default_rng(seed)
    # He initialisation for ReLU layers.
    return [(r.normal(0, np.sqrt(2 / a), size=(a, b)), np.zeros(b)) for a, b in zip(WIDTHS[:-1], WIDTHS[1:])]


def forward(params, inputs):
    activations = []
    h = inputs
    for k, (w, b) in enumerate(params):
        z = h @ w + b
        h = z if k == len(params) - 1 else np.maximum(z, 0)
        activations.append(h)
    return activations


def train(seed, labels, epochs):
    params = init(seed)
    r = np.random.default_rng(1000 + seed)
    m = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    v = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    lr, beta1, beta2, eps, step = 1e-3, 0.9, 0.999, 1e-8, 0
    for _ in range(epochs):
        order = r.permutation(len(x_train))
        for start in range(0, len(order), 32):
            idx = order[start:start + 32]
            inputs, target = x_train[idx], labels[idx]
            acts = forward(params, inputs)
            logits = acts[-1]
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            grad = p
            grad[np.arange(len(idx)), target] -= 1
            grad /= len(idx)
            step += 1
            for k in range(len(params) - 1, -1, -1):
                below = inputs if k == 0 else acts[k - 1]
                gw, gb = below.T @ grad, grad.sum(axis=0)
                if k > 0:
                    grad = (grad @ params[k][0].T) * (acts[k - 1] > 0)
                w, b = params[k]
                (mw, mb), (vw, vb) = m[k], v[k]
                mw, mb = beta1 * mw + (1 - beta1) * gw, beta1 * mb + (1 - beta1) * gb
                vw, vb = beta2 * vw + (1 - beta2) * gw**2, beta2 * vb + (1 - beta2) * gb**2
                c1, c2 = 1 - beta1**step, 1 - beta2**step
                w = w - lr * (mw / c1) / (np.sqrt(vw / c2) + eps)
                b = b - lr * (mb / c1) / (np.sqrt(vb / c2) + eps)
                params[k], m[k], v[k] = (w, b), (mw, mb), (vw, vb)
    return params


def accuracy(params, inputs, labels):
    return float((forward(params, inputs)[-1].argmax(axis=1) == labels).mean())


shuffled = np.random.default_rng(7).permutation(y_train)
models = [
    ('seed-0', 'MLP seed 0', train(0, y_train, 60), y_train),
    ('seed-1', 'MLP seed 1', train(1, y_train, 60), y_train),
    ('shuffled-labels', 'MLP on shuffled labels', train(0, shuffled, 200), shuffled),
]
os.makedirs(OUT, exist_ok=True)
meta = {'inputs': TEST_INPUTS, 'layers': LAYERS, 'models': []}
for folder, title, params, labels in models:
    os.makedirs(os.path.join(OUT, folder), exist_ok=True)
    for name, act in zip(LAYERS, forward(params, x_test)):
        np.save(os.path.join(OUT, folder, f'{name}.npy'), act.astype('<f4'))
    meta['models'].append({
        'folder': folder,
        'title': title,
        'trainAccuracy': round(accuracy(params, x_train, labels), 4),
        'testAccuracy': round(accuracy(params, x_test, y_test), 4),
    })
    print(folder, meta['models'][-1])
np.save(os.path.join(OUT, 'labels.npy'), y_test.astype('<i4'))
meta['source'] = ('UCI ML repository: Optical Recognition of Handwritten Digits (Alpaydin & Kaynak 1998), CC BY 4.0, '
                  'via sklearn.datasets.load_digits; test split of 400 images (train_test_split, stratified, random_state=0)')
with open(os.path.join(OUT, 'meta.json'), 'w') as f:
    json.dump(meta, f, indent=1)
