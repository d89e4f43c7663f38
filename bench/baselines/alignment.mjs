// Pure-JS baselines of the alignment family (ml-matrix), as a JS user would write them.
import {
  centered,
  frobeniusSquared,
  Matrix,
  padColumns,
  rangeBasisFast,
  singularValues,
  svd,
  symmetricEigen,
  toMatrix,
} from '../baseline-helpers.mjs';

const sum = (v) => v.reduce((s, x) => s + x, 0);

/**
 * Partial whitening of Williams et al. 2021 on the unit-norm centred input X̂ = X_c/‖X_c‖_F:
 * X̂·(αI + (1 − α)(X̂ᵀX̂)^{-1/2}), scaled back to unit Frobenius norm.
 */
function partiallyWhitened(x, alpha) {
  const xc = centered(x);
  xc.div(Math.sqrt(frobeniusSquared(xc)));
  if (alpha === 1) return xc;
  const { values, vectors } = symmetricEigen(xc.transpose().mmul(xc));
  const largest = Math.max(...values);
  const scaled = vectors.clone();
  for (let j = 0; j < values.length; j++) {
    // Directions below roundoff of the largest eigenvalue (rank deficiency) are left out of the whitening.
    const w = values[j] > 1e-12 * largest ? (1 - alpha) / Math.sqrt(values[j]) : 0;
    scaled.mulColumn(j, w);
  }
  const z = scaled.mmul(vectors.transpose()).add(Matrix.eye(x.columns).mul(alpha));
  const out = xc.mmul(z);
  return out.div(Math.sqrt(frobeniusSquared(out)));
}

export default {
  // Angle (or chord) between the partially whitened unit-norm shapes, aligned by the best rotation.
  'shape-metric': (a, b, options = {}) => {
    const alpha = options.alpha ?? 1;
    const width = Math.max(a.cols, b.cols);
    const x = padColumns(partiallyWhitened(toMatrix(a), alpha), width);
    const y = padColumns(partiallyWhitened(toMatrix(b), alpha), width);
    const nuclear = Math.min(1, sum(singularValues(x.transpose().mmul(y))));
    if ((options.distance ?? 'angular') === 'euclidean') return Math.sqrt(Math.max(0, 2 - 2 * nuclear));
    return Math.acos(nuclear);
  },

  // R² of the least-squares prediction of the (centred) first argument from the second (ReSi's LinearRegression):
  // ‖Q_Yᵀ X_c‖² / ‖X_c‖² with Q_Y an orthonormal basis of span(Y_c).
  'linear-regression': (a, b) => {
    const x = centered(toMatrix(a));
    const q = rangeBasisFast(centered(toMatrix(b)));
    return frobeniusSquared(q.transpose().mmul(x)) / frobeniusSquared(x);
  },

  // Hamilton et al. 2016: rotate the first onto the second by orthogonal Procrustes, mean row cosine.
  'aligned-cosine': (a, b) => {
    const width = Math.max(a.cols, b.cols);
    const x = padColumns(toMatrix(a), width);
    const y = padColumns(toMatrix(b), width);
    const decomposition = svd(x.transpose().mmul(y));
    const rotation = decomposition.leftSingularVectors.mmul(decomposition.rightSingularVectors.transpose());
    const rotated = x.mmul(rotation);
    let total = 0;
    let counted = 0;
    for (let i = 0; i < x.rows; i++) {
      let dot = 0;
      let xx = 0;
      let yy = 0;
      for (let j = 0; j < width; j++) {
        const u = rotated.get(i, j);
        const v = y.get(i, j);
        dot += u * v;
        xx += u * u;
        yy += v * v;
      }
      if (xx > 0 && yy > 0) {
        total += dot / Math.sqrt(xx * yy);
        counted++;
      }
    }
    return total / counted;
  },
};
