// Pure-JS baselines of the neighbourhood measures and the descriptive statistics: N × N distance matrices
// and k-NN lists in plain Float64Array loops.
import {
  centered,
  cosineDistances,
  euclideanDistances,
  nearestNeighbors,
  squaredDistancesDirect,
  symmetricEigen,
  toMatrix,
  Matrix,
} from '../baseline-helpers.mjs';

function distances(x, metric) {
  return metric === 'euclidean' ? euclideanDistances(x) : cosineDistances(x);
}

/**
 * Per-input Jaccard and rank similarity (Wang et al. 2020; normalised by the harmonic number of the joint count,
 * as ReSi) of the k-NN lists, and the second-order cosine similarity (Hamilton et al. 2016b) of the vectors of
 * cosine similarities to the union of both lists (`vectors: 'distances'`: cosine distances, as ReSi).
 */
function neighbourhoodScores(a, b, options, which) {
  const k = options.k ?? 10;
  const metric = options.metric ?? 'cosine';
  const n = a.rows;
  const da = distances(a, metric);
  const db = distances(b, metric);
  const na = nearestNeighbors(da, n, k);
  const nb = nearestNeighbors(db, n, k);
  let total = 0;
  const positionB = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) positionB[nb[i * k + t]] = t;
    let joint = 0;
    let rankSum = 0;
    for (let t = 0; t < k; t++) {
      const p = positionB[na[i * k + t]];
      if (p >= 0) {
        joint++;
        rankSum += 2 / ((1 + Math.abs(t - p)) * (t + p + 2));
      }
    }
    const jaccard = joint / (2 * k - joint);
    let harmonic = 0;
    for (let t = 1; t <= joint; t++) harmonic += 1 / t;
    const rank = joint > 0 ? rankSum / harmonic : 0;
    if (which === 'jaccard') total += jaccard;
    else if (which === 'rank') total += rank;
    else if (which === 'joint') total += jaccard * rank;
    else {
      // Second order: cosine of (s_a(i, u), s_b(i, u)) over u in the union of both neighbour lists.
      const shift = (options.vectors ?? 'similarities') === 'distances' ? 0 : 1; // s = 1 − d
      let dot = 0;
      let aa = 0;
      let bb = 0;
      const add = (u) => {
        const x = shift ? 1 - da[i * n + u] : da[i * n + u];
        const y = shift ? 1 - db[i * n + u] : db[i * n + u];
        dot += x * y;
        aa += x * x;
        bb += y * y;
      };
      for (let t = 0; t < k; t++) add(na[i * k + t]);
      for (let t = 0; t < k; t++) {
        const u = nb[i * k + t];
        let shared = false;
        for (let s = 0; s < k; s++) if (na[i * k + s] === u) shared = true;
        if (!shared) add(u);
      }
      total += dot / Math.sqrt(aa * bb);
    }
    for (let t = 0; t < k; t++) positionB[nb[i * k + t]] = -1;
  }
  return total / n;
}

function meanRow({ data, rows, cols }) {
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j];
  return mean.map((v) => v / rows);
}

const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

function magnitude(x) {
  return norm(meanRow(x));
}

/** Mean cosine similarity of the rows with the mean row (Wang et al. 2020). */
function concentricity({ data, rows, cols }) {
  const mean = meanRow({ data, rows, cols });
  const meanNorm = norm(mean);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    let dot = 0;
    let rr = 0;
    for (let j = 0; j < cols; j++) {
      dot += data[i * cols + j] * mean[j];
      rr += data[i * cols + j] ** 2;
    }
    const denominator = Math.sqrt(rr) * meanNorm;
    total += denominator > 0 ? Math.min(1, Math.max(-1, dot / denominator)) : 0;
  }
  return total / rows;
}

/** log((1/N²) Σ_{i,j} exp(−t‖x_i − x_j‖²)), diagonal included (Wang & Isola 2020). */
function uniformity(x, t) {
  const n = x.rows;
  const d2 = squaredDistancesDirect(x);
  let offDiagonal = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) offDiagonal += Math.exp(-t * d2[i * n + j]);
  return Math.log((n + 2 * offDiagonal) / (n * n));
}

/** TwoNN (Facco et al. 2017): slope through the origin of −log(1 − i/N) on sorted log(r₂/r₁), 90% smallest. */
function twoNn(x) {
  const n = x.rows;
  const d = euclideanDistances(x);
  const lists = nearestNeighbors(d, n, 2);
  const logMu = new Float64Array(n);
  for (let i = 0; i < n; i++) logMu[i] = Math.log(d[i * n + lists[2 * i + 1]] / d[i * n + lists[2 * i]]);
  logMu.sort();
  const kept = Math.floor((9 * n) / 10);
  let xy = 0;
  let xx = 0;
  for (let i = 0; i < kept; i++) {
    xy += logMu[i] * -Math.log1p(-(i + 1) / n);
    xx += logMu[i] * logMu[i];
  }
  return xy / xx;
}

/**
 * Mean cosine similarity over ordered pairs of distinct inputs with the same label (Wang & Liu 2021), in O(N·D):
 * with unit rows u_i, the sum over pairs i ≠ j of class c is ‖Σ_{i∈c} u_i‖² − Σ_{i∈c} ‖u_i‖² (a zero row stays 0).
 */
function tolerance({ data, rows, cols }, labels) {
  const sums = new Map();
  const counts = new Map();
  let self = 0;
  for (let i = 0; i < rows; i++) {
    let norm = 0;
    for (let j = 0; j < cols; j++) norm += data[i * cols + j] ** 2;
    norm = Math.sqrt(norm);
    const c = labels[i];
    if (!sums.has(c)) sums.set(c, new Float64Array(cols));
    counts.set(c, (counts.get(c) ?? 0) + 1);
    if (norm === 0) continue;
    self += 1;
    const sum = sums.get(c);
    for (let j = 0; j < cols; j++) sum[j] += data[i * cols + j] / norm;
  }
  let total = -self;
  let pairs = 0;
  for (const [c, sum] of sums) {
    total += sum.reduce((s, v) => s + v * v, 0);
    pairs += counts.get(c) * (counts.get(c) - 1);
  }
  return total / pairs;
}

/** Newman modularity of the label partition in the undirected (union) k-NN graph (Lu et al. 2022). */
function knnModularity(x, labels, k, metric) {
  const n = x.rows;
  const lists = nearestNeighbors(distances(x, metric), n, k);
  const adjacent = Array.from({ length: n }, () => new Set());
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = lists[i * k + t];
      adjacent[i].add(j);
      adjacent[j].add(i);
    }
  }
  const within = new Map();
  const degrees = new Map();
  let twiceEdges = 0;
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    degrees.set(c, (degrees.get(c) ?? 0) + adjacent[i].size);
    twiceEdges += adjacent[i].size;
    for (const j of adjacent[i]) if (labels[j] === c) within.set(c, (within.get(c) ?? 0) + 1);
  }
  let q = 0;
  for (const [c, degree] of degrees) q += (within.get(c) ?? 0) / twiceEdges - (degree / twiceEdges) ** 2;
  return q;
}

/**
 * Modularity of the unit graph (Lange et al. 2022): units weighted by |correlation|, self-loops removed, dead
 * (zero-variance) units left out, partitioned by Newman's (2006) recursive leading-eigenvector bisection of the
 * generalised modularity matrix, a split kept when it raises Q.
 */
function neuronModularity(x) {
  const d = x.cols;
  const raw = toMatrix(x);
  const xc = centered(raw);
  const cov = xc.transpose().mmul(xc);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(Math.max(0, cov.get(j, j))));
  const live = sd.map((s, j) => {
    let norm = 0;
    for (let i = 0; i < x.rows; i++) norm += raw.get(i, j) ** 2;
    return s > 1e-10 * Math.sqrt(norm);
  });
  const adjacency = new Float64Array(d * d);
  let total = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (i === j || !live[i] || !live[j]) continue;
      const v = Math.min(1, Math.abs(cov.get(i, j)) / (sd[i] * sd[j]));
      adjacency[i * d + j] = v;
      total += v;
    }
  }
  const strength = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      adjacency[i * d + j] /= total;
      strength[i] += adjacency[i * d + j];
    }
  }
  const b = (i, j) => adjacency[i * d + j] - strength[i] * strength[j];
  const done = [];
  const pending = [live.flatMap((l, j) => (l ? [j] : []))];
  while (pending.length) {
    const group = pending.pop();
    const g = group.length;
    if (g < 2) {
      done.push(group);
      continue;
    }
    const bg = new Matrix(g, g);
    for (let p = 0; p < g; p++) {
      let rowSum = 0;
      for (let q = 0; q < g; q++) {
        bg.set(p, q, b(group[p], group[q]));
        rowSum += bg.get(p, q);
      }
      bg.set(p, p, bg.get(p, p) - rowSum);
    }
    const { values, vectors } = symmetricEigen(bg);
    let lead = 0;
    for (let p = 1; p < g; p++) if (values[p] >= values[lead]) lead = p;
    // Orient the eigenvector (largest-magnitude entry positive) so that exact zeros land on a definite side.
    let pivot = 0;
    for (let p = 1; p < g; p++) if (Math.abs(vectors.get(p, lead)) > Math.abs(vectors.get(pivot, lead))) pivot = p;
    const orientation = vectors.get(pivot, lead) < 0 ? -1 : 1;
    const plus = [];
    const minus = [];
    for (let p = 0; p < g; p++) (orientation * vectors.get(p, lead) >= 0 ? plus : minus).push(group[p]);
    // ΔQ of the split = −2 Σ_{i∈plus, j∈minus} B_ij.
    let gain = 0;
    if (minus.length && values[lead] > 0) for (const i of plus) for (const j of minus) gain -= 2 * b(i, j);
    if (gain > 1e-12) pending.push(plus, minus);
    else done.push(group);
  }
  let q = 0;
  for (const group of done) {
    let within = 0;
    let share = 0;
    for (const i of group) {
      share += strength[i];
      for (const j of group) within += adjacency[i * d + j];
    }
    q += within - share * share;
  }
  return q;
}

export default {
  'knn-jaccard': (a, b, options = {}) => neighbourhoodScores(a, b, options, 'jaccard'),
  'second-order-cosine': (a, b, options = {}) => neighbourhoodScores(a, b, options, 'second-order'),
  'rank-similarity': (a, b, options = {}) => neighbourhoodScores(a, b, options, 'rank'),
  'joint-rank-jaccard': (a, b, options = {}) => neighbourhoodScores(a, b, options, 'joint'),

  'intrinsic-dimension-difference': (a, b) => Math.abs(twoNn(a) - twoNn(b)),
  'magnitude-difference': (a, b) => Math.abs(magnitude(a) - magnitude(b)),
  'concentricity-difference': (a, b) => Math.abs(concentricity(a) - concentricity(b)),
  'uniformity-difference': (a, b, options = {}) => Math.abs(uniformity(a, options.t ?? 2) - uniformity(b, options.t ?? 2)),
  'tolerance-difference': (a, b, options) => Math.abs(tolerance(a, options.labels) - tolerance(b, options.labels)),
  'knn-modularity-difference': (a, b, options) =>
    Math.abs(
      knnModularity(a, options.labels, options.k ?? 10, options.metric ?? 'cosine') -
        knnModularity(b, options.labels, options.k ?? 10, options.metric ?? 'cosine'),
    ),
  'neuron-modularity-difference': (a, b) => Math.abs(neuronModularity(a) - neuronModularity(b)),
};
