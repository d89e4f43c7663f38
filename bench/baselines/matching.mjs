// Pure-JS baselines of the neuron-matching measures (ml-matrix + a plain O(n³) Hungarian method).
// maximum-match (ε-approximate subspace matching) and soft-matching (needs an exact optimal-transport solver) have
// no baseline.
import { centered, maximumAssignment, padColumns, toMatrix } from '../baseline-helpers.mjs';

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
};
