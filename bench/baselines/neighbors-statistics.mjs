// Pure-JS baselines of the neighbourhood and statistics measures for bench/measures.mjs: the textbook
// O(N²·D) loops (pairwise distances, sorted neighbour lists), written for this comparison only; the
// neuron-graph modularity uses ml-matrix's symmetric eigendecomposition.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

function rowsOf(m) {
  return Array.from({ length: m.rows }, (_, i) => m.data.subarray(i * m.cols, (i + 1) * m.cols));
}

function cosineSimilarities(m) {
  const rows = rowsOf(m);
  const norms = rows.map((r) => Math.sqrt(r.reduce((s, v) => s + v * v, 0)));
  const n = m.rows;
  const s = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    s[i][i] = 1;
    for (let j = i + 1; j < n; j++) {
      let dot = 0;
      for (let c = 0; c < m.cols; c++) dot += rows[i][c] * rows[j][c];
      const v = norms[i] > 0 && norms[j] > 0 ? Math.min(1, Math.max(-1, dot / (norms[i] * norms[j]))) : 0;
      s[i][j] = v;
      s[j][i] = v;
    }
  }
  return s;
}

function squaredDistances(m) {
  const rows = rowsOf(m);
  const n = m.rows;
  const d = Array.from({ length: n }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let v = 0;
      for (let c = 0; c < m.cols; c++) {
        const t = rows[i][c] - rows[j][c];
        v += t * t;
      }
      d[i][j] = v;
      d[j][i] = v;
    }
  }
  return d;
}

function distances(m, metric) {
  if (metric === 'euclidean') return squaredDistances(m);
  return cosineSimilarities(m).map((row) => row.map((v) => Math.min(2, Math.max(0, 1 - v))));
}

function knn(d, k) {
  return d.map((row, i) => {
    const order = [];
    for (let j = 0; j < row.length; j++) if (j !== i) order.push(j);
    order.sort((x, y) => row[x] - row[y] || x - y);
    return order.slice(0, k);
  });
}

function agreement(a, b, options) {
  const k = options.k ?? 10;
  const metric = options.metric ?? 'cosine';
  const la = knn(distances(a, metric), k);
  const lb = knn(distances(b, metric), k);
  return la.map((na, i) => {
    const nb = lb[i];
    const rankA = new Map(na.map((j, t) => [j, t + 1]));
    let joint = 0;
    let sum = 0;
    nb.forEach((j, t) => {
      const r = rankA.get(j);
      if (r === undefined) return;
      joint++;
      sum += 2 / ((1 + Math.abs(r - (t + 1))) * (r + t + 1));
    });
    let harmonic = 0;
    for (let t = 1; t <= joint; t++) harmonic += 1 / t;
    return { jaccard: joint / (2 * k - joint), rank: joint ? sum / harmonic : 0 };
  });
}

const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
const columnMeans = (m) => Array.from({ length: m.cols }, (_, c) => mean(rowsOf(m).map((r) => r[c])));
const difference = (f) => (a, b, options = {}) => Math.abs(f(a, options) - f(b, options));

function twoNn(m) {
  const d = squaredDistances(m);
  const n = m.rows;
  const logMu = d.map((row, i) => {
    const others = [...row].filter((_, j) => j !== i).sort((x, y) => x - y);
    return 0.5 * Math.log(others[1] / others[0]);
  });
  logMu.sort((x, y) => x - y);
  let xy = 0;
  let xx = 0;
  for (let i = 0; i < Math.floor((9 * n) / 10); i++) {
    xy += logMu[i] * -Math.log1p(-(i + 1) / n);
    xx += logMu[i] * logMu[i];
  }
  return xy / xx;
}

function tolerance(m, { labels }) {
  const s = cosineSimilarities(m);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.rows; j++) {
      if (i !== j && labels[i] === labels[j]) {
        sum += s[i][j];
        count++;
      }
    }
  }
  return sum / count;
}

function knnModularity(m, { labels, k = 10, metric = 'cosine' }) {
  const lists = knn(distances(m, metric), k);
  const edges = new Set();
  lists.forEach((row, i) => row.forEach((j) => edges.add(i < j ? `${i},${j}` : `${j},${i}`)));
  const degree = new Float64Array(m.rows);
  const within = new Map();
  const degreeOf = new Map();
  for (const e of edges) {
    const [i, j] = e.split(',').map(Number);
    degree[i]++;
    degree[j]++;
    if (labels[i] === labels[j]) within.set(labels[i], (within.get(labels[i]) ?? 0) + 2);
  }
  degree.forEach((d, i) => degreeOf.set(labels[i], (degreeOf.get(labels[i]) ?? 0) + d));
  const twoM = 2 * edges.size;
  let q = 0;
  for (const [c, dc] of degreeOf) q += (within.get(c) ?? 0) / twoM - (dc / twoM) ** 2;
  return q;
}

function neuronModularity(m) {
  const rows = rowsOf(m);
  const mu = columnMeans(m);
  const d = m.cols;
  const cov = Array.from({ length: d }, () => new Float64Array(d));
  for (const r of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i][j] += (r[i] - mu[i]) * (r[j] - mu[j]);
  const sd = cov.map((row, i) => Math.sqrt(row[i]));
  const live = sd.map((s, j) => s > 1e-10 * Math.hypot(...rows.map((r) => r[j])));
  const adj = cov.map((row, i) => row.map((v, j) => (i !== j && live[i] && live[j] ? Math.min(1, Math.abs(v) / (sd[i] * sd[j])) : 0)));
  const total = adj.reduce((s, row) => s + row.reduce((u, v) => u + v, 0), 0);
  const p = adj.map((row) => row.map((v) => v / total));
  const a = p.map((row) => row.reduce((u, v) => u + v, 0));
  const B = (i, j) => p[i][j] - a[i] * a[j];
  const groups = [];
  const queue = [live.flatMap((l, j) => (l ? [j] : []))];
  while (queue.length) {
    const g = queue.shift();
    if (g.length < 2) {
      groups.push(g);
      continue;
    }
    const bg = new Matrix(g.map((i) => g.map((j) => B(i, j))));
    for (let x = 0; x < g.length; x++) bg.set(x, x, bg.get(x, x) - g.reduce((u, j) => u + B(g[x], j), 0));
    const eig = new EigenvalueDecomposition(bg, { assumeSymmetric: true });
    const values = eig.realEigenvalues;
    const lead = values.indexOf(Math.max(...values));
    let v = eig.eigenvectorMatrix.getColumn(lead);
    const pivot = v.reduce((best, x, idx) => (Math.abs(x) > Math.abs(v[best]) ? idx : best), 0);
    if (v[pivot] < 0) v = v.map((x) => -x);
    const plus = g.filter((_, x) => v[x] >= 0);
    const minus = g.filter((_, x) => v[x] < 0);
    let gain = 0;
    if (minus.length && values[lead] > 0) for (const i of plus) for (const j of minus) gain -= 2 * B(i, j);
    if (gain > 1e-12) queue.push(plus, minus);
    else groups.push(g);
  }
  return groups.reduce((q, g) => {
    let within = 0;
    let share = 0;
    for (const i of g) {
      share += a[i];
      for (const j of g) within += p[i][j];
    }
    return q + within - share * share;
  }, 0);
}

export default {
  'knn-jaccard': (a, b, o = {}) => mean(agreement(a, b, o).map((r) => r.jaccard)),
  'rank-similarity': (a, b, o = {}) => mean(agreement(a, b, o).map((r) => r.rank)),
  'joint-rank-jaccard': (a, b, o = {}) => mean(agreement(a, b, o).map((r) => r.jaccard * r.rank)),
  'second-order-cosine': (a, b, o = {}) => {
    const k = o.k ?? 10;
    const sa = cosineSimilarities(a);
    const sb = cosineSimilarities(b);
    const toDistance = (s) => s.map((row) => row.map((v) => 1 - v));
    const la = knn(toDistance(sa), k);
    const lb = knn(toDistance(sb), k);
    return mean(
      la.map((na, i) => {
        const union = [...new Set([...na, ...lb[i]])];
        let dot = 0;
        let xa = 0;
        let xb = 0;
        for (const j of union) {
          dot += sa[i][j] * sb[i][j];
          xa += sa[i][j] ** 2;
          xb += sb[i][j] ** 2;
        }
        return dot / Math.sqrt(xa * xb);
      }),
    );
  },
  'intrinsic-dimension-difference': difference(twoNn),
  'magnitude-difference': difference((m) => Math.hypot(...columnMeans(m))),
  'concentricity-difference': difference((m) => {
    const mu = columnMeans(m);
    const norm = Math.hypot(...mu);
    return mean(rowsOf(m).map((r) => r.reduce((s, v, c) => s + v * mu[c], 0) / (Math.hypot(...r) * norm)));
  }),
  'uniformity-difference': difference((m, { t = 2 }) => {
    const d = squaredDistances(m);
    return Math.log(d.reduce((s, row) => s + row.reduce((u, v) => u + Math.exp(-t * v), 0), 0) / m.rows ** 2);
  }),
  'tolerance-difference': difference(tolerance),
  'knn-modularity-difference': difference(knnModularity),
  'neuron-modularity-difference': difference(neuronModularity),
};
