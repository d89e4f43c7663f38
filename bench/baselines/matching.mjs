// Pure-JS baselines of the neuron-matching measures (ml-matrix + a plain O(n³) Hungarian method).
// soft-matching has none: it needs an exact optimal-transport solver.
import { centered, maximumAssignment, padColumns, rangeBasis, toMatrix } from '../baseline-helpers.mjs';

/** D × D' Pearson correlations between the neurons (columns); a constant neuron correlates 0 with everything. */
function neuronCorrelations(a, b) {
  const x = centered(toMatrix(a));
  const y = centered(toMatrix(b));
  const unit = (m) => {
    const out = m.clone();
    for (let j = 0; j < m.columns; j++) {
      let s = 0;
      for (let i = 0; i < m.rows; i++) s += m.get(i, j) ** 2;
      out.mulColumn(j, s > 0 ? 1 / Math.sqrt(s) : 0);
    }
    return out;
  };
  const c = unit(x).transpose().mmul(unit(y));
  return c.apply((i, j) => c.set(i, j, Math.min(1, Math.max(-1, c.get(i, j)))));
}

/** Optimal one-to-one matching of the rows of an r × c matrix with its columns (either shape); matched pairs. */
function bestMatching(m) {
  const transposed = m.rows > m.columns;
  const s = transposed ? m.transpose() : m;
  const assignment = maximumAssignment(s.to1DArray(), s.rows, s.columns);
  return Array.from(assignment, (j, i) => (transposed ? [j, i] : [i, j]));
}

/** The columns `keep` of `from` within ε‖x‖ of span(columns `spanOf` of `other`) (raw activation vectors). */
function withinSpan(from, keep, other, spanOf, epsilon) {
  if (keep.length === 0 || spanOf.length === 0) return [];
  const basis = rangeBasis(other.subMatrixColumn(spanOf));
  const vectors = from.subMatrixColumn(keep);
  const residuals = vectors.clone().sub(basis.mmul(basis.transpose().mmul(vectors)));
  return keep.filter((_, k) => {
    let r = 0;
    let x = 0;
    for (let i = 0; i < vectors.rows; i++) {
      r += residuals.get(i, k) ** 2;
      x += vectors.get(i, k) ** 2;
    }
    return Math.sqrt(r) <= epsilon * Math.sqrt(x);
  });
}

export default {
  // Li et al. 2016: mean correlation of the optimally matched neuron pairs (hard), or the mean best correlation
  // of each neuron in both directions (soft).
  'correlation-match': (a, b, options = {}) => {
    const c = neuronCorrelations(a, b);
    if ((options.mode ?? 'hard') === 'soft') {
      const rowBest = c.max('row');
      const columnBest = c.max('column');
      const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
      return (mean(rowBest) + mean(columnBest)) / 2;
    }
    const pairs = bestMatching(c);
    return pairs.reduce((s, [i, j]) => s + c.get(i, j), 0) / pairs.length;
  },

  // min over permutations P of ‖XP − Y‖_F (zero-padded): the assignment maximising Σ ⟨x_i, y_π(i)⟩.
  'permutation-procrustes': (a, b) => {
    const width = Math.max(a.cols, b.cols);
    const x = padColumns(toMatrix(a), width);
    const y = padColumns(toMatrix(b), width);
    const inner = x.transpose().mmul(y);
    // ‖X[:, i] − Y[:, π(i)]‖_F directly: the expansion ‖X‖² + ‖Y‖² − 2Σ⟨·,·⟩ cancels to ~1e-7 on equal inputs.
    let squared = 0;
    for (const [i, j] of bestMatching(inner)) {
      for (let t = 0; t < x.rows; t++) squared += (x.get(t, i) - y.get(t, j)) ** 2;
    }
    return Math.sqrt(squared);
  },

  // Wang et al. 2018: size of the maximum ε-approximate match, found by removing violating neurons (each neuron
  // within ε‖x‖ of the span of the other side's kept neurons) until nothing changes.
  'maximum-match': (a, b, options = {}) => {
    const epsilon = options.epsilon ?? 0.25;
    const x = toMatrix(a);
    const y = toMatrix(b);
    // An all-zero neuron spans nothing and is never matched (it still counts in D).
    const nonZero = (m) => {
      const norms = Array.from({ length: m.columns }, (_, j) => Math.hypot(...m.getColumn(j)));
      const largest = Math.max(...norms);
      return norms.flatMap((v, j) => (v > 1e-13 * largest ? [j] : []));
    };
    let keepX = nonZero(x);
    let keepY = nonZero(y);
    let seenX = -1;
    let seenY = -1;
    while (keepY.length !== seenY || keepX.length !== seenX) {
      if (keepY.length !== seenY) {
        seenY = keepY.length;
        keepX = withinSpan(x, keepX, y, keepY, epsilon);
      }
      if (keepX.length !== seenX) {
        seenX = keepX.length;
        keepY = withinSpan(y, keepY, x, keepX, epsilon);
      }
    }
    return (keepX.length + keepY.length) / (a.cols + b.cols);
  },
};
