// Pure-JS baselines of the RSM measures for bench/measures.mjs (default options): the textbook O(N²·D)
// loops for the N × N distance matrices and RDMs, ml-matrix's SVD for the subspace measures, power
// iteration for the spectral norm. Written for this comparison only. (No baseline for riemannian: its
// N × N Cholesky and SVD take minutes in plain JS at N = 2000.)
import { Matrix, SingularValueDecomposition } from 'ml-matrix';

function rowsOf(m) {
  return Array.from({ length: m.rows }, (_, i) => m.data.subarray(i * m.cols, (i + 1) * m.cols));
}

function columnCentered(m) {
  const out = new Float64Array(m.data);
  for (let c = 0; c < m.cols; c++) {
    let mean = 0;
    for (let i = 0; i < m.rows; i++) mean += out[i * m.cols + c];
    mean /= m.rows;
    for (let i = 0; i < m.rows; i++) out[i * m.cols + c] -= mean;
  }
  return { data: out, rows: m.rows, cols: m.cols };
}

function euclidean(m) {
  const rows = rowsOf(m);
  const n = m.rows;
  const d = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let c = 0; c < m.cols; c++) s += (rows[i][c] - rows[j][c]) ** 2;
      d[i][j] = d[j][i] = Math.sqrt(s);
    }
  }
  return d;
}

function doubleCentered(d) {
  const n = d.length;
  const means = d.map((row) => row.reduce((s, v) => s + v, 0) / n);
  const grand = means.reduce((s, v) => s + v, 0) / n;
  return d.map((row, i) => row.map((v, j) => v - means[i] - means[j] + grand));
}

function correlationRdm(m) {
  const rows = rowsOf(m).map((r) => {
    const mean = r.reduce((s, v) => s + v, 0) / r.length;
    const c = r.map((v) => v - mean);
    const norm = Math.sqrt(c.reduce((s, v) => s + v * v, 0));
    return c.map((v) => (norm > 0 ? v / norm : 0));
  });
  const out = [];
  for (let i = 0; i < rows.length; i++) {
    for (let j = i + 1; j < rows.length; j++) {
      let s = 0;
      for (let c = 0; c < m.cols; c++) s += rows[i][c] * rows[j][c];
      out.push(1 - Math.min(1, Math.max(-1, s)));
    }
  }
  return out;
}

function averageRanks(v) {
  const order = v.map((_, i) => i).sort((p, q) => v[p] - v[q]);
  const ranks = new Float64Array(v.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && v[order[end]] === v[order[start]]) end++;
    for (let p = start; p < end; p++) ranks[order[p]] = (start + 1 + end) / 2;
    start = end;
  }
  return ranks;
}

function pearson(x, y) {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

// Largest |eigenvalue| of a symmetric matrix by power iteration.
function spectralNorm(s) {
  const n = s.length;
  let v = new Float64Array(n).map((_, i) => 1 + ((i * 7919) % 13) / 13);
  let lambda = 0;
  for (let iteration = 0; iteration < 2000; iteration++) {
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += s[i][j] * v[j];
      w[i] = acc;
    }
    const norm = Math.sqrt(w.reduce((acc, x) => acc + x * x, 0));
    const next = norm / Math.sqrt(v.reduce((acc, x) => acc + x * x, 0));
    v = w.map((x) => x / norm);
    if (Math.abs(next - lambda) <= 1e-14 * next) return next;
    lambda = next;
  }
  return lambda;
}

function svdOf(m, left) {
  const matrix = new Matrix(rowsOf(m).map((r) => Array.from(r)));
  return new SingularValueDecomposition(matrix, {
    computeLeftSingularVectors: left,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
}

// Orthonormal basis of the column space (left singular vectors above numpy's rank tolerance), scaled by
// per-direction weights f(w) of the normalised squared singular values w.
function weightedBasis(m, weight) {
  const svd = svdOf(m, true);
  const s = svd.diagonal;
  const tol = Math.max(...s) * Math.max(m.rows, m.cols) * Number.EPSILON;
  const rank = s.filter((v) => v > tol).length;
  const total = s.slice(0, rank).reduce((acc, v) => acc + v * v, 0);
  const u = svd.leftSingularVectors;
  const basis = Array.from({ length: m.rows }, (_, i) =>
    Float64Array.from({ length: rank }, (_, j) => u.get(i, j) * Math.sqrt(weight((s[j] * s[j]) / total))),
  );
  const squaredWeights = s.slice(0, rank).reduce((acc, v) => acc + weight((v * v) / total) ** 2, 0);
  return { basis, rank, squaredWeights };
}

function crossSquaredNorm(p, q) {
  let total = 0;
  for (let i = 0; i < p.rank; i++) {
    for (let j = 0; j < q.rank; j++) {
      let s = 0;
      for (let r = 0; r < p.basis.length; r++) s += p.basis[r][i] * q.basis[r][j];
      total += s * s;
    }
  }
  return total;
}

export default {
  'rsm-norm-difference'(a, b) {
    const da = euclidean(a);
    const db = euclidean(b);
    return spectralNorm(da.map((row, i) => row.map((v, j) => v - db[i][j])));
  },
  rsa(a, b) {
    return pearson(averageRanks(correlationRdm(a)), averageRanks(correlationRdm(b)));
  },
  'distance-correlation'(a, b) {
    const da = doubleCentered(euclidean(a));
    const db = doubleCentered(euclidean(b));
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < da.length; i++) {
      for (let j = 0; j < da.length; j++) {
        ab += da[i][j] * db[i][j];
        aa += da[i][j] ** 2;
        bb += db[i][j] ** 2;
      }
    }
    return Math.sqrt(Math.max(0, ab) / Math.sqrt(aa * bb));
  },
  bures(a, b) {
    const x = columnCentered(a);
    const y = columnCentered(b);
    const cross = new Matrix(x.cols, y.cols);
    for (let i = 0; i < x.rows; i++) {
      for (let p = 0; p < x.cols; p++) {
        const v = x.data[i * x.cols + p];
        for (let q = 0; q < y.cols; q++) cross.set(p, q, cross.get(p, q) + v * y.data[i * y.cols + q]);
      }
    }
    const nuclear = new SingularValueDecomposition(cross, {
      computeLeftSingularVectors: false,
      computeRightSingularVectors: false,
      autoTranspose: true,
    }).diagonal.reduce((acc, v) => acc + v, 0);
    const norm = (m) => Math.sqrt(m.data.reduce((acc, v) => acc + v * v, 0));
    return nuclear / (norm(x) * norm(y));
  },
  'eigenspace-overlap'(a, b) {
    const one = () => 1;
    return crossSquaredNorm(weightedBasis(a, one), weightedBasis(b, one)) / Math.max(a.cols, b.cols);
  },
  gulp(a, b) {
    const one = () => 1;
    const p = weightedBasis(columnCentered(a), one);
    const q = weightedBasis(columnCentered(b), one);
    return Math.sqrt(Math.max(0, p.squaredWeights + q.squaredWeights - 2 * crossSquaredNorm(p, q)));
  },
};
