#!/usr/bin/env python3
"""Dev-only: reference values for the topology family, written to test/fixtures/topology-*.json.

Oracle: Debian's `ripser` binary (Bauer's reference implementation, /usr/bin/ripser). It computes in
single precision and prints 6 significant digits, so every printed birth/death is snapped to the
distance-matrix entry it came from; the script refuses a value whose nearest entry is not unique at
the printing precision. To keep snapping unambiguous at N = 1000, the large clouds have integer
coordinates and are given to ripser as SQUARED distances (integers < 10^6, exact in float and printed
exactly); Rips barcodes commute with the monotone map d -> d², so the test compares nnsim's barcode of
the squared-distance matrix to these integers and the barcode of the Euclidean matrix to their roots.

Run: python3 scripts/topology_reference.py   (needs numpy, scipy and /usr/bin/ripser)
"""
import json
import os
import subprocess
import tempfile

import numpy as np

import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
RIPSER = '/usr/bin/ripser'


def squared_distances(points):
    """Squared Euclidean distances, summed over coordinates left to right (as the test does)."""
    p = np.asarray(points, dtype=np.float64)
    n = p.shape[0]
    d = np.zeros((n, n))
    for c in range(p.shape[1]):
        diff = p[:, None, c] - p[None, :, c]
        d = d + diff * diff
    return d


def run_ripser(d, dim=1, threshold=None):
    n = d.shape[0]
    with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as f:
        for i in range(1, n):
            f.write(','.join(repr(float(d[i, j])) for j in range(i)) + '\n')
        path = f.name
    args = [RIPSER, '--format', 'lower-distance', '--dim', str(dim)]
    if threshold is not None:
        args += ['--threshold', repr(float(threshold))]
    out = subprocess.run(args + [path], capture_output=True, text=True, check=True).stdout
    os.unlink(path)
    bars = {}
    current = None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith('persistence intervals in dim'):
            current = int(line.split('dim')[1].strip(' :'))
            bars[current] = []
        elif line.startswith('[') and current is not None:
            b, e = line[1:-1].split(',')
            bars[current].append((float(b), None if e.strip() == '' else float(e)))
    return bars


def snap(value, entries):
    """The distance-matrix entry ripser printed as `value` (6 significant digits, float arithmetic)."""
    if value == 0.0:
        return 0.0
    pos = np.searchsorted(entries, value)
    lo, hi = max(pos - 3, 0), min(pos + 3, len(entries))
    near = entries[lo:hi]
    best = near[np.argmin(np.abs(near - value))]
    # Half a unit in the 6th significant digit, plus float rounding of the entry.
    tol = 0.5 * 10.0 ** (np.floor(np.log10(abs(value))) - 5) + 1.2e-7 * abs(value)
    candidates = entries[(entries >= value - tol) & (entries <= value + tol)]
    if len(np.unique(candidates)) != 1:
        raise SystemExit(f'ambiguous snap of {value}: {np.unique(candidates)[:5]}')
    return float(best)


def barcode(d, dim=1, threshold=None):
    entries = np.unique(d[np.tril_indices(d.shape[0], -1)])
    raw = run_ripser(d, dim, threshold)
    out = []
    for k in range(dim + 1):
        bars = []
        for b, e in raw.get(k, []):
            bars.append([snap(b, entries), 'inf' if e is None else snap(e, entries)])
        bars.sort(key=lambda x: (x[0], float('inf') if x[1] == 'inf' else x[1]))
        out.append(bars)
    return out


def integer_cloud(points):
    return np.rint(points).astype(np.int64)


def clouds():
    rng = np.random.default_rng(20240601)
    out = []
    t = rng.uniform(0, 2 * np.pi, 120)
    out.append(('circle', integer_cloud(np.c_[200 * np.cos(t), 200 * np.sin(t)] + rng.normal(0, 6, (120, 2))), {}))
    t1, t2 = rng.uniform(0, 2 * np.pi, 100), rng.uniform(0, 2 * np.pi, 100)
    two = np.r_[np.c_[120 * np.cos(t1), 120 * np.sin(t1)], np.c_[150 * np.cos(t2) + 400, 150 * np.sin(t2)]]
    out.append(('two-circles', integer_cloud(two + rng.normal(0, 4, two.shape)), {}))
    u, v = rng.uniform(0, 2 * np.pi, 400), rng.uniform(0, 2 * np.pi, 400)
    torus = np.c_[(100 + 40 * np.cos(v)) * np.cos(u), (100 + 40 * np.cos(v)) * np.sin(u), 40 * np.sin(v)]
    out.append(('torus', integer_cloud(torus), {}))
    out.append(('random-200', rng.integers(0, 500, (200, 3)), {}))
    out.append(('random-1000', rng.integers(0, 500, (1000, 3)), {}))
    base = rng.integers(0, 300, (40, 2))
    dup = np.r_[base, base[:15], base[:5]]
    out.append(('duplicates', dup[rng.permutation(len(dup))], {}))
    out.append(('grid', np.array([[i, j] for i in range(12) for j in range(12)]), {}))
    out.append(('random-300-threshold', rng.integers(0, 500, (300, 2)), {'threshold': 2000}))
    return out


def persistence_cases():
    cases = []
    for name, pts, opts in clouds():
        d = squared_distances(pts)
        bars = barcode(d, 1, opts.get('threshold'))
        cases.append({'name': name, 'points': pts.tolist(), 'threshold': opts.get('threshold'),
                      'squared': True, 'bars': bars})
    # One case with real-valued (not squared) Euclidean distances, small enough to snap unambiguously.
    rng = np.random.default_rng(7)
    t = np.sort(rng.uniform(0, 2 * np.pi, 60))
    pts = np.round(np.c_[np.cos(t), np.sin(t)] + rng.normal(0, 0.05, (60, 2)), 6)
    d = np.sqrt(squared_distances(pts))
    cases.append({'name': 'circle-euclidean', 'points': pts.tolist(), 'threshold': None, 'squared': False,
                  'bars': barcode(d, 1)})
    return cases


def rtd_cross_h1(a, b):
    """H1 bar-length sum of RTD's cross matrix (Barannikov et al. 2022; IlyaTrofimov/RTD calc_embed_dist)."""
    r1 = np.sqrt(squared_distances(a))
    r2 = np.sqrt(squared_distances(b))
    r1 = r1 / np.quantile(r1, 0.9)
    r2 = r2 / np.quantile(r2, 0.9)
    n = r1.shape[0]
    d = np.zeros((2 * n, 2 * n))
    d[n:, :n] = r1
    d[:n, n:] = r1.T
    d[n:, n:] = np.minimum(r1, r2)
    d[d < r1.mean() * 1e-6] = 0
    bars = barcode(d, 1)[1]
    return float(sum(e - b for b, e in bars if e != 'inf')), bars


def rtd_cases():
    rng = np.random.default_rng(99)
    out = []
    for n, noise in [(30, 0.3), (40, 1.0)]:
        a = np.round(rng.normal(size=(n, 4)), 4)
        b = np.round(a[:, :3] @ rng.normal(size=(3, 5)) + noise * rng.normal(size=(n, 5)), 4)
        ab, _ = rtd_cross_h1(a, b)
        ba, _ = rtd_cross_h1(b, a)
        out.append({'a': a.tolist(), 'b': b.tolist(), 'h1ab': ab, 'h1ba': ba, 'rtd': (ab + ba) / 2})
    return out


def heat_trace_case():
    """Exact heat traces tr exp(-tL) of a small k-NN graph (scipy eigh), for the core test of IMD's SLQ."""
    import scipy.linalg
    n, k = 14, 3
    i = np.arange(n, dtype=np.float64)
    pts = np.c_[np.cos(0.7 * i) + 0.05 * i, np.sin(1.3 * i)]
    d = squared_distances(pts)
    a = np.zeros((n, n))
    for r in range(n):
        order = [j for j in np.argsort(d[r], kind='stable') if j != r][:k]
        a[r, order] = 1
    a = ((a + a.T) > 0).astype(np.float64)
    deg = a.sum(1)
    lap = np.eye(n) - a / np.sqrt(np.outer(deg, deg))
    eig = scipy.linalg.eigh(lap, eigvals_only=True)
    ts = [0.1, 0.5, 1.0, 3.0, 10.0]
    traces = [float(np.exp(-t * eig).sum()) for t in ts]
    lines = ['// Generated by scripts/topology_reference.py (scipy.linalg.eigh): exact heat traces tr exp(-tL) of the',
             '// normalised Laplacian of the symmetrised 3-NN graph of p_i = (cos(0.7 i) + 0.05 i, sin(1.3 i)), i < 14.',
             'constexpr double kHeatTraceTs[] = {' + ', '.join(repr(t) for t in ts) + '};',
             'constexpr double kHeatTraceExact[] = {' + ', '.join(repr(v) for v in traces) + '};', '']
    with open(os.path.join(ROOT, 'native', 'test', 'topology_heat_trace.inc'), 'w') as f:
        f.write('\n'.join(lines))
    return {'n': n, 'k': k, 'ts': ts, 'traces': traces}


def knn_laplacian(points, k):
    """msid's graph: k nearest neighbours (self excluded, ties by index), symmetrised and binarised,
    normalised Laplacian I - D^-1/2 A D^-1/2."""
    d = squared_distances(points)
    n = d.shape[0]
    a = np.zeros((n, n))
    for r in range(n):
        order = [j for j in np.argsort(d[r], kind='stable') if j != r][:k]
        a[r, order] = 1
    a = ((a + a.T) > 0).astype(np.float64)
    deg = a.sum(1)
    return np.eye(n) - a / np.sqrt(np.outer(deg, deg))


def imd_exact_case():
    """IMD with exact heat traces (eigh) in place of the SLQ estimate: the limit of the stochastic value."""
    import scipy.linalg
    rng = np.random.default_rng(31)
    n, k = 120, 5
    a = np.round(rng.normal(size=(n, 6)), 6)
    t = rng.uniform(0, 2 * np.pi, n)
    b = np.round(np.c_[np.cos(t), np.sin(t), 0.1 * rng.normal(size=n)], 6)
    ts = np.logspace(-1, 1, 256)
    desc = []
    for x in (a, b):
        eig = scipy.linalg.eigh(knn_laplacian(x, k), eigvals_only=True)
        desc.append(np.exp(-np.outer(ts, eig)).sum(1) / n * 1e6)
    score = float(np.max(np.exp(-2 * (ts + 1 / ts)) * np.abs(desc[0] - desc[1])))
    return {'a': a.tolist(), 'b': b.tolist(), 'k': k, 'score': score}


def seeded_rtd_case():
    """RTD over several trials of random subsamples, drawn with nnsim's generator (scripts/nnsim_random.py)
    so the subsets are the ones nnsim uses for the seed; each cross-barcode from ripser."""
    from nnsim_random import Random
    rng = np.random.default_rng(41)
    n, trials, batch, seed = 70, 3, 25, 5
    a = np.round(rng.normal(size=(n, 5)), 5)
    b = np.round(np.tanh(a @ rng.normal(size=(5, 4))) + 0.3 * rng.normal(size=(n, 4)), 5)
    random = Random(seed)
    total = 0.0
    for _ in range(trials):
        idx = random.sample(n, batch)
        ab, _ = rtd_cross_h1(a[idx], b[idx])
        ba, _ = rtd_cross_h1(b[idx], a[idx])
        total += (ab + ba) / 2
    return {'a': a.tolist(), 'b': b.tolist(), 'trials': trials, 'batch': batch, 'seed': seed, 'rtd': total / trials}


def lanczos_quadrature(lap, z, m):
    """Nodes and weights of m Lanczos steps from z with full reorthogonalisation (Ubaru et al. 2017)."""
    q = [z / np.linalg.norm(z)]
    alphas, betas = [], []
    for j in range(m):
        w = lap @ q[j]
        alphas.append(q[j] @ w)
        if j == m - 1:
            break
        w = w - alphas[-1] * q[j] - (betas[-1] * q[j - 1] if j > 0 else 0)
        for _ in range(2):
            for qr in q:
                w = w - (qr @ w) * qr
        b = np.linalg.norm(w)
        if b < 1e-10:
            break
        betas.append(b)
        q.append(w / b)
    t = np.diag(alphas) + np.diag(betas[:len(alphas) - 1], 1) + np.diag(betas[:len(alphas) - 1], -1)
    nodes, vecs = np.linalg.eigh(t)
    return nodes, vecs[0] ** 2


def seeded_imd_case():
    """IMD with nnsim's start vectors (scripts/nnsim_random.py), msid's estimator: heat trace by SLQ with
    the control variate, 'empty' normalisation, x 1e6, max over logspace(-1, 1, 256) with e^{-2(t+1/t)}."""
    from nnsim_random import Random
    rng = np.random.default_rng(43)
    n, k, m, iters, seed = 90, 5, 10, 40, 3
    a = np.round(rng.normal(size=(n, 4)), 5)
    b = np.round(a[:, :2] @ rng.normal(size=(2, 3)) + 0.2 * rng.normal(size=(n, 3)), 5)
    ts = np.logspace(-1, 1, 256)
    desc = []
    for x in (a, b):
        lap = knn_laplacian(x, k)
        random = Random(seed)
        e = np.zeros(len(ts))
        ident = np.zeros(len(ts))
        for _ in range(iters):
            z = np.array([random.normal() for _ in range(n)])
            nodes, weights = lanczos_quadrature(lap, z, m)
            e += n * (np.exp(-np.outer(ts, nodes)) * weights).sum(1)
            ident += n * ((-np.outer(ts, nodes)) * weights).sum(1)
        h = e / iters - np.exp(-ts) * ident / iters - ts * n * np.exp(-ts)
        desc.append(h / n * 1e6)
    score = float(np.max(np.exp(-2 * (ts + 1 / ts)) * np.abs(desc[0] - desc[1])))
    return {'a': a.tolist(), 'b': b.tolist(), 'k': k, 'lanczosSteps': m, 'iterations': iters, 'seed': seed,
            'score': score}


def main():
    version = subprocess.run(['dpkg-query', '-W', '-f=${Version}', 'ripser'], capture_output=True, text=True).stdout
    fixture = {
        'generator': 'scripts/topology_reference.py',
        'oracle': f'Debian ripser {version} (/usr/bin/ripser, Z/2, dims 0-1), values snapped to matrix entries',
        'persistence': persistence_cases(),
        'rtd': rtd_cases(),
        'heatTrace': heat_trace_case(),
        'imdExact': imd_exact_case(),
        'rtdSeeded': seeded_rtd_case(),
        'imdSeeded': seeded_imd_case(),
    }
    path = os.path.join(ROOT, 'test', 'fixtures', 'topology-persistence.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print('wrote', path, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    main()
