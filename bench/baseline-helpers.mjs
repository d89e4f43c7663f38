// Small building blocks shared by the pure-JS baselines in bench/baselines/. Decompositions come from
// ml-matrix (the JS linear-algebra library a Node user would pick); the O(N²·D) pairwise loops
// (Gram, distance matrices) and the few algorithms ml-matrix lacks (assignment, Lanczos, ranks) are
// written here in plain JS on Float64Arrays, as a user would.
import { EigenvalueDecomposition, Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';

export { Matrix };

/** { data, rows, cols } (row-major) → ml-matrix Matrix. */
export function toMatrix({ data, rows, cols }) {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, data[i * cols + j]);
  return m;
}

/** Column means subtracted (a copy). */
export function centered(m) {
  return m.clone().subRowVector(m.mean('column'));
}

export function frobeniusSquared(m) {
  let s = 0;
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) s += m.get(i, j) ** 2;
  return s;
}

/** Zero columns appended so the matrix has `cols` columns. */
export function padColumns(m, cols) {
  if (m.columns >= cols) return m;
  const out = Matrix.zeros(m.rows, cols);
  out.setSubMatrix(m, 0, 0);
  return out;
}

export function svd(m, vectors = true) {
  return new SingularValueDecomposition(m, {
    computeLeftSingularVectors: vectors,
    computeRightSingularVectors: vectors,
    autoTranspose: true,
  });
}

export function singularValues(m) {
  return svd(m, false).diagonal;
}

/** Symmetric eigendecomposition: { values (ascending), vectors (columns) }. */
export function symmetricEigen(m) {
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  return { values: evd.realEigenvalues, vectors: evd.eigenvectorMatrix };
}

/** Orthonormal basis (N × D) of the column space of a full-column-rank N × D matrix (Householder QR). */
export function orthonormalBasis(m) {
  return new QrDecomposition(m).orthogonalMatrix;
}

/** Orthonormal basis of the column space of any matrix: left singular vectors up to the numerical rank. */
export function rangeBasis(m) {
  const s = svd(m);
  const values = s.diagonal;
  const tolerance = Math.max(m.rows, m.columns) * (values[0] ?? 0) * Number.EPSILON;
  const rank = values.filter((v) => v > tolerance).length;
  return s.leftSingularVectors.subMatrix(0, m.rows - 1, 0, rank - 1);
}

/** Canonical correlations of two column-centred matrices: singular values of Q_Xᵀ Q_Y, clipped to [0, 1]. */
export function canonicalCorrelations(x, y) {
  const qx = rangeBasisFast(x);
  const qy = rangeBasisFast(y);
  return singularValues(qx.transpose().mmul(qy)).map((r) => Math.min(1, Math.max(0, r)));
}

/**
 * Column-space basis via QR when the matrix has full column rank (the common case, and much cheaper than an
 * SVD in ml-matrix), falling back to the SVD otherwise.
 */
export function rangeBasisFast(m) {
  if (m.columns <= m.rows) {
    const qr = new QrDecomposition(m);
    const r = qr.Rdiag;
    let largest = 0;
    for (const v of r) largest = Math.max(largest, Math.abs(v));
    const tolerance = Math.max(m.rows, m.columns) * largest * Number.EPSILON * 1e3;
    if (r.every((v) => Math.abs(v) > tolerance)) return qr.orthogonalMatrix;
  }
  return rangeBasis(m);
}

// ---------------------------------------------------------------------------------------------------
// Plain-array pairwise computations (N × N), rows of a { data, rows, cols } input.

/** Row-major N × N Gram matrix X Xᵀ of the rows. */
export function gram({ data, rows, cols }) {
  const g = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    const oi = i * cols;
    for (let j = 0; j <= i; j++) {
      const oj = j * cols;
      let s = 0;
      for (let t = 0; t < cols; t++) s += data[oi + t] * data[oj + t];
      g[i * rows + j] = s;
      g[j * rows + i] = s;
    }
  }
  return g;
}

/** Euclidean distance matrix by the Gram expansion (as sklearn), diagonal exactly 0. */
export function euclideanDistances(x) {
  const n = x.rows;
  const g = gram(x);
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = Math.sqrt(Math.max(0, g[i * n + i] - 2 * g[i * n + j] + g[j * n + j]));
      d[i * n + j] = v;
      d[j * n + i] = v;
    }
  }
  return d;
}

/** Squared Euclidean distances by direct differences. */
export function squaredDistancesDirect({ data, rows, cols }) {
  const d = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let t = 0; t < cols; t++) {
        const v = data[i * cols + t] - data[j * cols + t];
        s += v * v;
      }
      d[i * rows + j] = s;
      d[j * rows + i] = s;
    }
  }
  return d;
}

/** Cosine similarities of the rows (zero rows have similarity 0 with everything), clipped to [−1, 1]. */
export function cosineSimilarities(x) {
  const n = x.rows;
  const g = gram(x);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = Math.sqrt(g[i * n + i]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const denominator = norms[i] * norms[j];
      g[i * n + j] = denominator > 0 ? Math.min(1, Math.max(-1, g[i * n + j] / denominator)) : 0;
    }
  }
  return g;
}

/** Cosine distances 1 − cos, diagonal exactly 0 (sklearn's convention for a pairwise matrix). */
export function cosineDistances(x) {
  const n = x.rows;
  const s = cosineSimilarities(x);
  for (let i = 0; i < n * n; i++) s[i] = 1 - s[i];
  for (let i = 0; i < n; i++) s[i * n + i] = 0;
  return s;
}

/**
 * The k nearest other points of each row of an N × N distance matrix, closest first; the point itself is
 * excluded by index and ties go to the smaller index. Returns an N × k Int32Array.
 */
export function nearestNeighbors(distances, n, k) {
  const out = new Int32Array(n * k);
  const bestD = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = distances[i * n + j];
      if (count === k && d >= bestD[k - 1]) continue; // equal distance: the earlier (smaller) index stays
      let p = count < k ? count++ : k - 1;
      while (p > 0 && bestD[p - 1] > d) {
        bestD[p] = bestD[p - 1];
        bestI[p] = bestI[p - 1];
        p--;
      }
      bestD[p] = d;
      bestI[p] = j;
    }
    for (let t = 0; t < k; t++) out[i * k + t] = bestI[t];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Algorithms ml-matrix does not have.

/**
 * Optimal assignment maximising Σ score[i][assigned(i)] for an n × m score matrix (n ≤ m), by the O(n²m)
 * shortest-augmenting-path Hungarian method with potentials. Returns, for each row, its column.
 */
export function maximumAssignment(score, n, m) {
  if (n > m) throw new Error('maximumAssignment needs rows ≤ columns');
  const cost = (i, j) => -score[i * m + j];
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const owner = new Int32Array(m + 1); // owner[j] = 1-based row matched to column j (0 = free)
  const way = new Int32Array(m + 1);
  const minTo = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    owner[0] = i;
    let j0 = 0;
    minTo.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = owner[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = cost(i0 - 1, j - 1) - u[i0] - v[j];
        if (reduced < minTo[j]) {
          minTo[j] = reduced;
          way[j] = j0;
        }
        if (minTo[j] < delta) {
          delta = minTo[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[owner[j]] += delta;
          v[j] -= delta;
        } else {
          minTo[j] -= delta;
        }
      }
      j0 = j1;
    } while (owner[j0] !== 0);
    do {
      const j1 = way[j0];
      owner[j0] = owner[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (owner[j] !== 0) assignment[owner[j] - 1] = j - 1;
  return assignment;
}

/**
 * Largest |eigenvalue| of a symmetric N × N row-major matrix by Lanczos with full reorthogonalisation
 * (O(N²) per step), restarting from the current Ritz vector until the value is stable to ~1e-14.
 */
export function spectralNormSymmetric(a, n) {
  const multiply = (x, y) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const o = i * n;
      for (let j = 0; j < n; j++) s += a[o + j] * x[j];
      y[i] = s;
    }
  };
  if (a.every((v) => v === 0)) return 0;
  const steps = Math.min(n, 60);
  let start = new Float64Array(n).map((_, i) => 1 + ((i * 7919) % 13) / 13);
  let previous = -1;
  for (let restart = 0; restart < 20; restart++) {
    const basis = [];
    const alpha = [];
    const beta = [];
    let q = start;
    let norm = Math.hypot(...q);
    q = q.map((v) => v / norm);
    const w = new Float64Array(n);
    for (let step = 0; step < steps; step++) {
      basis.push(q);
      multiply(q, w);
      let al = 0;
      for (let i = 0; i < n; i++) al += w[i] * q[i];
      alpha.push(al);
      for (const b of basis) {
        // Two passes of Gram–Schmidt against the whole basis keep it orthogonal.
        for (let pass = 0; pass < 2; pass++) {
          let c = 0;
          for (let i = 0; i < n; i++) c += w[i] * b[i];
          for (let i = 0; i < n; i++) w[i] -= c * b[i];
        }
      }
      let be = 0;
      for (let i = 0; i < n; i++) be += w[i] * w[i];
      be = Math.sqrt(be);
      if (be <= 1e-13 * Math.abs(al) || be === 0 || step === steps - 1) break;
      beta.push(be);
      q = Float64Array.from(w, (v) => v / be);
    }
    const m = alpha.length;
    const t = Matrix.zeros(m, m);
    for (let i = 0; i < m; i++) {
      t.set(i, i, alpha[i]);
      if (i + 1 < m) {
        t.set(i, i + 1, beta[i]);
        t.set(i + 1, i, beta[i]);
      }
    }
    const { values, vectors } = symmetricEigen(t);
    let best = 0;
    for (let i = 1; i < m; i++) if (Math.abs(values[i]) > Math.abs(values[best])) best = i;
    const value = Math.abs(values[best]);
    if (Math.abs(value - previous) <= 1e-14 * value || m < steps) return value;
    previous = value;
    start = new Float64Array(n);
    for (let s = 0; s < m; s++) {
      const c = vectors.get(s, best);
      for (let i = 0; i < n; i++) start[i] += c * basis[s][i];
    }
  }
  return previous;
}

/** 1-based ranks with ties given their average rank. */
export function averageRanks(values) {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && values[order[end + 1]] === values[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let t = start; t <= end; t++) ranks[order[t]] = rank;
    start = end + 1;
  }
  return ranks;
}

export function pearson(x, y) {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i] - mx;
    const b = y[i] - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Eigenvalues only of a symmetric N × N row-major matrix (overwritten): Householder reduction to tridiagonal
 * form (≈ 4N³/3 flops, no transformation accumulated) then implicit QL (O(N²)), as in EISPACK tred1/tql1.
 * ml-matrix always accumulates the eigenvectors, about three times the work.
 */
export function symmetricEigenvalues(a, n) {
  const d = new Float64Array(n);
  const e = new Float64Array(n); // e[i] = T(i, i − 1)
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    d[k] = a[k * n + k];
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += a[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) {
      e[k + 1] = 0;
      continue;
    }
    const x0 = a[(k + 1) * n + k];
    const alpha = x0 > 0 ? -norm : norm;
    e[k + 1] = alpha;
    let vv = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = a[i * n + k] - (i === k + 1 ? alpha : 0);
      vv += v[i] * v[i];
    }
    const beta = 2 / vv;
    // p = β·A22·v, K = β/2·vᵀp, w = p − K·v, A22 ← A22 − v wᵀ − w vᵀ.
    let vp = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      const o = i * n;
      for (let j = k + 1; j < n; j++) s += a[o + j] * v[j];
      p[i] = beta * s;
      vp += v[i] * p[i];
    }
    const half = (beta / 2) * vp;
    for (let i = k + 1; i < n; i++) p[i] -= half * v[i];
    for (let i = k + 1; i < n; i++) {
      const o = i * n;
      const vi = v[i];
      const wi = p[i];
      for (let j = k + 1; j < n; j++) a[o + j] -= vi * p[j] + wi * v[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2];
    e[n - 1] = a[(n - 1) * n + n - 2];
  }
  d[n - 1] = a[(n - 1) * n + n - 1];
  // Implicit QL with Wilkinson-type shifts (JAMA tql2 without the eigenvectors).
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      do {
        let g = d[l];
        let q = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(q, 1);
        if (q < 0) r = -r;
        d[l] = e[l] / (q + r);
        d[l + 1] = e[l] * (q + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        q = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * q;
          r = Math.hypot(q, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = q / r;
          q = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
        }
        q = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * q;
        d[l] = c * q;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  return Array.from(d).sort((x, y) => x - y);
}
