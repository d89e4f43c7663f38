// Pure-JS baselines of the neuron-matching measures for bench/measures.mjs: plain loops plus a
// textbook O(n³) Hungarian algorithm (row-by-row potentials), and ml-matrix's SVD for the maximum
// match. soft-matching has none (an exact transport solver is not "straightforward JS").
import { SingularValueDecomposition } from 'ml-matrix';

import { toMlMatrix } from '../pure-js.mjs';

/** Column j of a row-major { data, rows, cols } matrix, optionally centred. */
function column(m, j, center) {
  const v = new Float64Array(m.rows);
  let mean = 0;
  for (let i = 0; i < m.rows; i++) mean += v[i] = m.data[i * m.cols + j];
  mean = center ? mean / m.rows : 0;
  for (let i = 0; i < m.rows; i++) v[i] -= mean;
  return v;
}

const dot = (x, y) => x.reduce((s, v, i) => s + v * y[i], 0);

/** Minimum-cost assignment of the rows of cost (n × m, n ≤ m): the column of each row. */
function hungarian(cost) {
  const n = cost.length;
  const m = cost[0].length;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const rowOf = new Int32Array(m + 1); // 1-based row matched to column j; 0 = free
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOf[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = rowOf[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) (minv[j] = cur), (way[j] = j0);
        if (minv[j] < delta) (delta = minv[j]), (j1 = j);
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) (u[rowOf[j]] += delta), (v[j] -= delta);
        else minv[j] -= delta;
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    do {
      const j1 = way[j0];
      rowOf[j0] = rowOf[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOf = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (rowOf[j]) colOf[rowOf[j] - 1] = j - 1;
  return colOf;
}

/** Best total of score[i][j] over one-to-one matchings (rectangular). */
function maxMatching(score) {
  const wide = score.length <= score[0].length;
  const s = wide ? score : score[0].map((_, j) => score.map((row) => row[j]));
  const colOf = hungarian(s.map((row) => row.map((x) => -x)));
  return colOf.reduce((total, j, i) => total + s[i][j], 0);
}

function correlations(a, b) {
  const xs = Array.from({ length: a.cols }, (_, j) => column(a, j, true));
  const ys = Array.from({ length: b.cols }, (_, j) => column(b, j, true));
  const nx = xs.map((x) => Math.sqrt(dot(x, x)));
  const ny = ys.map((y) => Math.sqrt(dot(y, y)));
  return xs.map((x, i) => ys.map((y, j) => (nx[i] && ny[j] ? dot(x, y) / (nx[i] * ny[j]) : 0)));
}

function maximumMatch(a, b, epsilon = 0.25) {
  const cols = (m) => Array.from({ length: m.cols }, (_, j) => column(m, j, false));
  const xs = cols(a);
  const ys = cols(b);
  const norm = (v) => Math.sqrt(dot(v, v));
  const basis = (vs) => {
    if (vs.length === 0) return [];
    const m = toMlMatrix({ data: Float64Array.from(vs.flatMap((v) => [...v])), rows: vs.length, cols: vs[0].length }).transpose();
    const svd = new SingularValueDecomposition(m, { autoTranspose: true });
    const s = svd.diagonal;
    const tol = Math.max(...s) * Math.max(m.rows, m.columns) * Number.EPSILON;
    const u = svd.leftSingularVectors;
    return s.flatMap((sv, k) => (sv > tol ? [u.getColumn(k)] : []));
  };
  const fits = (v, q) => {
    const r = Float64Array.from(v);
    for (const e of q) {
      const c = dot(e, v);
      for (let i = 0; i < r.length; i++) r[i] -= c * e[i];
    }
    return norm(r) <= epsilon * norm(v);
  };
  let kx = xs.map((_, i) => i).filter((i) => norm(xs[i]) > 0);
  let ky = ys.map((_, j) => j).filter((j) => norm(ys[j]) > 0);
  for (let changed = true; changed; ) {
    const qy = basis(ky.map((j) => ys[j]));
    const nextX = kx.filter((i) => fits(xs[i], qy));
    const qx = basis(nextX.map((i) => xs[i]));
    const nextY = ky.filter((j) => fits(ys[j], qx));
    changed = nextX.length !== kx.length || nextY.length !== ky.length;
    kx = nextX;
    ky = nextY;
  }
  return (kx.length + ky.length) / (a.cols + b.cols);
}

export default {
  'correlation-match': (a, b) => {
    const c = correlations(a, b);
    return maxMatching(c) / Math.min(a.cols, b.cols);
  },
  'permutation-procrustes': (a, b) => {
    const xs = Array.from({ length: a.cols }, (_, j) => column(a, j, false));
    const ys = Array.from({ length: b.cols }, (_, j) => column(b, j, false));
    const total = xs.reduce((s, x) => s + dot(x, x), 0) + ys.reduce((s, y) => s + dot(y, y), 0);
    const gain = maxMatching(xs.map((x) => ys.map((y) => dot(x, y))));
    return Math.sqrt(Math.max(0, total - 2 * gain));
  },
  'maximum-match': (a, b) => maximumMatch(a, b),
};
