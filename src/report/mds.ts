/**
 * Classical multidimensional scaling (Torgerson 1952, "Multidimensional scaling: I. Theory and method",
 * Psychometrika 17; Gower 1966, principal coordinates): points in the plane whose Euclidean distances
 * approximate K × K distances. With B = −½ J D⁽²⁾ J (D⁽²⁾ the squared distances, J = I − 11ᵀ/K the
 * centring matrix), the coordinates on axis k are v_k √λ_k for the k-th largest eigenvalue λ_k > 0 of B
 * and its unit eigenvector v_k. When the distances are Euclidean (e.g. Procrustes distances of centred
 * representations) B is positive semi-definite and two axes reproduce them as far as two dimensions can;
 * the share Σ of the positive eigenvalues on the two axes says how far that is.
 */
import { NnsimError } from '../errors.js';

export interface MdsMap {
  /** x[i], y[i]: point i on the first and second axis (0 on an axis without a positive eigenvalue). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Every eigenvalue of B, descending. */
  readonly eigenvalues: readonly number[];
  /** Share of the sum of the positive eigenvalues on each of the two axes. */
  readonly explained: readonly [number, number];
}

/** Eigenvalues (descending) and unit eigenvectors (columns of `vectors`, n × n row-major) of a symmetric matrix. */
export interface SymmetricEigen {
  readonly values: Float64Array;
  readonly vectors: Float64Array;
}

/**
 * Cyclic Jacobi rotations (Golub and Van Loan, Matrix Computations, §8.5): slow (O(n³) per sweep) but
 * accurate to working precision for every eigenvalue, and simple. Sweeps stop when the off-diagonal mass
 * is below 1e-30 of the total (at most 100 sweeps; Jacobi converges quadratically, in well under 20).
 */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (const x of a) total += x * x;
  for (let sweep = 0; ; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * a[p * n + q]! ** 2;
    if (off <= 1e-30 * total || off === 0) break;
    if (sweep === 100) throw new NnsimError('E_NUMERICAL', 'the Jacobi eigenvalue iteration did not converge in 100 sweeps');
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        // The rotation that zeroes a[p][q]: t = tan θ, the smaller root of t² + 2τt − 1 = 0.
        const tau = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y]! - a[x * n + x]! || x - y);
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((col, k) => {
    for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + col]!;
  });
  return { values, vectors };
}

/** A two-axis classical-MDS map of K points from their K × K distances (symmetric, zero diagonal). */
export function classicalMds(distances: Float64Array, size: number): MdsMap {
  if (!Number.isInteger(size) || size < 1 || distances.length !== size * size) {
    throw new NnsimError('E_SHAPE', `Expected ${size} × ${size} distances for the MDS map but received ${distances.length} values`);
  }
  for (const d of distances) if (!Number.isFinite(d)) throw new NnsimError('E_NONFINITE', 'Expected finite distances for the MDS map');
  const n = size;
  const squared = Float64Array.from(distances, (d) => d * d);
  const rowMeans = new Float64Array(n);
  let grand = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += squared[i * n + j]!;
    rowMeans[i] = s / n;
    grand += s;
  }
  grand /= n * n;
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) b[i * n + j] = -0.5 * (squared[i * n + j]! - rowMeans[i]! - rowMeans[j]! + grand);
  }
  const { values, vectors } = symmetricEigen(b, n);
  const positive = [...values].filter((v) => v > 0).reduce((s, v) => s + v, 0);
  const axis = (k: number): Float64Array => {
    const out = new Float64Array(n);
    if (k >= n || !(values[k]! > 0)) return out;
    // The sign of an eigenvector is arbitrary: make its largest entry positive, so the map is reproducible.
    let big = 0;
    for (let i = 1; i < n; i++) if (Math.abs(vectors[i * n + k]!) > Math.abs(vectors[big * n + k]!)) big = i;
    const sign = vectors[big * n + k]! < 0 ? -1 : 1;
    const scale = sign * Math.sqrt(values[k]!);
    for (let i = 0; i < n; i++) out[i] = vectors[i * n + k]! * scale;
    return out;
  };
  const share = (k: number): number => (k < n && values[k]! > 0 && positive > 0 ? values[k]! / positive : 0);
  return { x: axis(0), y: axis(1), eigenvalues: [...values], explained: [share(0), share(1)] };
}
