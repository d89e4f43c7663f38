// Pure-JS baselines of the RSM family: N × N matrices in plain Float64Array loops, decompositions from ml-matrix.
import { CholeskyDecomposition } from 'ml-matrix';

import {
  averageRanks,
  gram,
  Matrix,
  centered,
  cosineSimilarities,
  euclideanDistances,
  frobeniusSquared,
  pearson,
  rangeBasis,
  singularValues,
  spectralNormSymmetric,
  symmetricEigen,
  symmetricEigenvalues,
  toMatrix,
} from '../baseline-helpers.mjs';

/** Upper triangle (i < j, row-major) of an N × N matrix. */
function upperTriangle(m, n) {
  const out = new Float64Array((n * (n - 1)) / 2);
  let t = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[t++] = m[i * n + j];
  return out;
}

function rowCentered({ data, rows, cols }) {
  const out = new Float64Array(data.length);
  for (let i = 0; i < rows; i++) {
    let mean = 0;
    for (let j = 0; j < cols; j++) mean += data[i * cols + j];
    mean /= cols;
    for (let j = 0; j < cols; j++) out[i * cols + j] = data[i * cols + j] - mean;
  }
  return { data: out, rows, cols };
}

/** Kendall's τ_b in O(M log M) (Knight 1966): sort by x, count discordant pairs by merge-sorting y. */
function kendallTauB(x, y) {
  const m = x.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => x[i] - x[j] || y[i] - y[j]);
  const tiedPairs = (sortedKey, sameGroup) => {
    let total = 0;
    for (let s = 0; s < m; ) {
      let e = s;
      while (e + 1 < m && sameGroup(sortedKey[e + 1], sortedKey[s])) e++;
      const c = e - s + 1;
      total += (c * (c - 1)) / 2;
      s = e + 1;
    }
    return total;
  };
  const tiesX = tiedPairs(order, (i, j) => x[i] === x[j]);
  const tiesXY = tiedPairs(order, (i, j) => x[i] === x[j] && y[i] === y[j]);
  // Merge sort of y in the x-order, counting swaps (= discordant pairs, ties in x already ordered by y).
  let values = Float64Array.from(order, (i) => y[i]);
  let buffer = new Float64Array(m);
  let swaps = 0;
  for (let width = 1; width < m; width *= 2) {
    for (let lo = 0; lo < m; lo += 2 * width) {
      const mid = Math.min(lo + width, m);
      const hi = Math.min(lo + 2 * width, m);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (values[j] < values[i]) {
          buffer[k++] = values[j++];
          swaps += mid - i;
        } else buffer[k++] = values[i++];
      }
      while (i < mid) buffer[k++] = values[i++];
      while (j < hi) buffer[k++] = values[j++];
    }
    [values, buffer] = [buffer, values];
  }
  const tiesY = tiedPairs(Array.from(values.keys()), (i, j) => values[i] === values[j]);
  const pairs = (m * (m - 1)) / 2;
  const concordantMinusDiscordant = pairs - tiesX - tiesY + tiesXY - 2 * swaps;
  return concordantMinusDiscordant / Math.sqrt((pairs - tiesX) * (pairs - tiesY));
}

function doublyCentered(d, n) {
  const rowMeans = new Float64Array(n);
  let grand = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += d[i * n + j];
    rowMeans[i] = s / n;
    grand += s;
  }
  grand /= n * n;
  // Distance matrices are symmetric: column means equal row means.
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = d[i * n + j] - rowMeans[i] - rowMeans[j] + grand;
  return out;
}

/** Eigen-decomposition of the normalised covariance XcᵀXc/‖Xc‖_F² with GULP's rank cut (Boix-Adserà et al. 2022). */
function gulpSpectrum(x, lambda) {
  const xc = centered(toMatrix(x));
  const scale = frobeniusSquared(xc);
  const { values, vectors } = symmetricEigen(xc.transpose().mmul(xc).div(scale));
  const largest = Math.max(...values);
  const cut = largest * Math.max(x.rows, x.cols) * Number.EPSILON;
  const inverse = values.map((w) => (w > cut ? 1 / (w + lambda) : lambda > 0 ? 1 / lambda : 0));
  const kept = values.map((w) => (w > cut ? w : 0));
  return { xc: xc.div(Math.sqrt(scale)), vectors, inverse, kept };
}

/**
 * Lower Cholesky factor (row-major N × N) of the uncentred kernel XXᵀ + ε·(tr/N)·I; throws when it is not
 * positive definite (N > D without regularisation).
 */
function kernelCholesky(x, epsilon) {
  const n = x.rows;
  const k = gram(x);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += k[i * n + i];
  for (let i = 0; i < n; i++) k[i * n + i] += (epsilon * trace) / n;
  const rows = Array.from({ length: n }, (_, i) => k.subarray(i * n, (i + 1) * n));
  const cholesky = new CholeskyDecomposition(new Matrix(rows));
  if (!cholesky.isPositiveDefinite()) {
    throw new Error('riemannian: the kernel XXᵀ is not positive definite (N > D?); set options.regularization');
  }
  const factor = cholesky.lowerTriangularMatrix;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out[i * n + j] = factor.get(i, j);
  return out;
}

export default {
  // ‖S − S'‖ of the Euclidean-distance RSMs (spectral norm by Lanczos, or Frobenius).
  'rsm-norm-difference': (a, b, options = {}) => {
    const n = a.rows;
    const d = euclideanDistances(a);
    const e = euclideanDistances(b);
    for (let i = 0; i < n * n; i++) d[i] -= e[i];
    if ((options.norm ?? 'spectral') === 'frobenius') return Math.sqrt(d.reduce((s, v) => s + v * v, 0));
    return spectralNormSymmetric(d, n);
  },

  // Kriegeskorte et al. 2008: compare the upper triangles of the two RSMs.
  rsa: (a, b, options = {}) => {
    const inner = options.inner ?? 'correlation';
    const rsm = (x) => {
      if (inner === 'euclidean') return euclideanDistances(x);
      return cosineSimilarities(inner === 'correlation' ? rowCentered(x) : x);
    };
    const s = upperTriangle(rsm(a), a.rows);
    const t = upperTriangle(rsm(b), b.rows);
    const outer = options.outer ?? 'spearman';
    if (outer === 'pearson') return pearson(s, t);
    if (outer === 'kendall') return kendallTauB(s, t);
    return pearson(averageRanks(s), averageRanks(t));
  },

  // Székely et al. 2007: V-statistic dCor of the doubly centred Euclidean distance matrices.
  'distance-correlation': (a, b) => {
    const n = a.rows;
    const x = doublyCentered(euclideanDistances(a), n);
    const y = doublyCentered(euclideanDistances(b), n);
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = 0; i < n * n; i++) {
      xy += x[i] * y[i];
      xx += x[i] * x[i];
      yy += y[i] * y[i];
    }
    return Math.sqrt(Math.max(0, xy / Math.sqrt(xx * yy)));
  },

  // Normalised Bures similarity ‖K^{1/2}K'^{1/2}‖_* / √(tr K tr K') of the centred linear kernels; for K = XcXcᵀ the
  // nuclear norm equals ‖XcᵀYc‖_* (the N × N square roots are never needed).
  bures: (a, b) => {
    const x = centered(toMatrix(a));
    const y = centered(toMatrix(b));
    const nuclear = singularValues(x.transpose().mmul(y)).reduce((s, v) => s + v, 0);
    return Math.min(1, nuclear / Math.sqrt(frobeniusSquared(x) * frobeniusSquared(y)));
  },

  // May et al. 2019: ‖UᵀU'‖_F² / max(D, D') for the (uncentred) left singular vectors up to the numerical rank.
  'eigenspace-overlap': (a, b) => {
    const u = rangeBasis(toMatrix(a));
    const v = rangeBasis(toMatrix(b));
    return frobeniusSquared(u.transpose().mmul(v)) / Math.max(a.cols, b.cols);
  },

  // GULP distance (Boix-Adserà et al. 2022), the square root of GULP's predictor_dist: T1 + T2 − 2·T3 with
  // T3 = ‖diag(√inv_a)·V_aᵀ Σ_ab V_b·diag(√inv_b)‖_F².
  gulp: (a, b, options = {}) => {
    const lambda = options.lambda ?? 0;
    const p = gulpSpectrum(a, lambda);
    const q = gulpSpectrum(b, lambda);
    const t1 = p.kept.reduce((s, w, i) => s + (w * p.inverse[i]) ** 2, 0);
    const t2 = q.kept.reduce((s, w, i) => s + (w * q.inverse[i]) ** 2, 0);
    const m = p.vectors.transpose().mmul(p.xc.transpose().mmul(q.xc)).mmul(q.vectors);
    let t3 = 0;
    for (let i = 0; i < m.rows; i++) {
      for (let j = 0; j < m.columns; j++) t3 += m.get(i, j) ** 2 * p.inverse[i] * q.inverse[j];
    }
    return Math.sqrt(Math.max(0, t1 + t2 - 2 * t3));
  },

  // Shahbazi et al. 2021: sqrt(Σ log² λ_i(K⁻¹L)) for the SPD kernels K = XXᵀ, L = YYᵀ. With K = C Cᵀ the λ_i are
  // the eigenvalues of the symmetric Z Zᵀ, Z = C⁻¹ C_L. O(N³): the dense N × N eigenvalue problem dominates.
  riemannian: (a, b, options = {}) => {
    const epsilon = options.regularization ?? 0;
    const n = a.rows;
    const ck = kernelCholesky(a, epsilon);
    const cl = kernelCholesky(b, epsilon);
    // Forward substitution C_K Z = C_L, row by row (row i of Z only needs rows < i).
    const z = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const zi = z.subarray(i * n, (i + 1) * n);
      zi.set(cl.subarray(i * n, (i + 1) * n));
      for (let p = 0; p < i; p++) {
        const c = ck[i * n + p];
        if (c === 0) continue;
        const zp = z.subarray(p * n, (p + 1) * n);
        for (let j = 0; j <= p; j++) zi[j] -= c * zp[j]; // Z is lower triangular like C_L
      }
      const d = ck[i * n + i];
      for (let j = 0; j <= i; j++) zi[j] /= d;
    }
    // M = Z Zᵀ (symmetric, similar to K⁻¹L); rows of the lower-triangular Z overlap on their first min(i, j) + 1.
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let t = 0; t <= j; t++) s += z[i * n + t] * z[j * n + t];
        m[i * n + j] = s;
        m[j * n + i] = s;
      }
    }
    let sum = 0;
    for (const lambda of symmetricEigenvalues(m, n)) sum += Math.log(lambda) ** 2;
    return Math.sqrt(sum);
  },
};
