/** Seeded random matrices and the transformations the property tests apply (plain JS, no nnsim code). */
import type { Matrix } from '../../src/matrix.js';

/** mulberry32: a small, fast, seedable PRNG. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export function randomMatrix(rows: number, cols: number, seed: number, scale = 1, shift = 0): Matrix {
  const normal = gaussian(rng(seed));
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = shift + scale * normal();
  return { data, rows, cols };
}

/** Uniform entries in [-1, 1) from a xorshift generator: large inputs in a few milliseconds. */
export function uniformMatrix(rows: number, cols: number, seed: number): Matrix {
  const data = new Float64Array(rows * cols);
  let s = (seed * 0x9e3779b9) >>> 0 || 1;
  for (let k = 0; k < data.length; k++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[k] = (s >>> 0) / 2 ** 31 - 1;
  }
  return { data, rows, cols };
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error('multiply: shapes');
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const v = a.data[i * a.cols + k]!;
      if (v === 0) continue;
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j]! += v * b.data[k * b.cols + j]!;
    }
  }
  return { data: out, rows: a.rows, cols: b.cols };
}

export function map(a: Matrix, f: (v: number, i: number, j: number) => number): Matrix {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[i * a.cols + j] = f(a.data[i * a.cols + j]!, i, j);
  return { data: out, rows: a.rows, cols: a.cols };
}

/** A random orthogonal matrix (Gram–Schmidt on a Gaussian matrix). */
export function randomOrthogonal(n: number, seed: number): Matrix {
  const g = randomMatrix(n, n, seed);
  const q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const v = Array.from({ length: n }, (_, i) => g.data[i * n + j]!);
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += v[i]! * q[i * n + k]!;
        for (let i = 0; i < n; i++) v[i]! -= dot * q[i * n + k]!;
      }
    }
    const norm = Math.hypot(...v);
    for (let i = 0; i < n; i++) q[i * n + j] = v[i]! / norm;
  }
  return { data: q, rows: n, cols: n };
}

export function randomPermutation(n: number, seed: number): number[] {
  const random = rng(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

export function permuteColumns(a: Matrix, perm: readonly number[]): Matrix {
  return map(a, (_, i, j) => a.data[i * a.cols + perm[j]!]!);
}

export function permuteRows(a: Matrix, perm: readonly number[]): Matrix {
  return map(a, (_, i, j) => a.data[perm[i]! * a.cols + j]!);
}

/** A well-conditioned random invertible matrix: Q1 · diag(0.5 … 2) · Q2. */
export function randomInvertible(n: number, seed: number): Matrix {
  const q1 = randomOrthogonal(n, seed);
  const q2 = randomOrthogonal(n, seed + 1);
  const random = rng(seed + 2);
  const scaled = map(q1, (v, _i, j) => v * (0.5 + 1.5 * (j === 0 ? 0 : j === n - 1 ? 1 : random())));
  return multiply(scaled, q2);
}

export function translate(a: Matrix, seed: number, scale = 2): Matrix {
  const normal = gaussian(rng(seed));
  const shift = Array.from({ length: a.cols }, () => scale * normal());
  return map(a, (v, _i, j) => v + shift[j]!);
}

/** A second representation related to `a`: tanh(a W / 3) + noise, with `cols` columns. */
export function relatedMatrix(a: Matrix, cols: number, seed: number, noise = 0.3): Matrix {
  const w = randomMatrix(a.cols, cols, seed);
  const normal = gaussian(rng(seed + 1));
  return map(multiply(a, w), (v) => Math.tanh(v / 3) + noise * normal());
}
