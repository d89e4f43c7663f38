// Pure-JS baselines of the alignment family (ml-matrix), as a JS user would write them.
import { CholeskyDecomposition } from 'ml-matrix';

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
 * Partial whitening of Williams et al. 2021 (netrep's convention): X_c·(αI + (1 − α)(X_cᵀX_c)^{-1/2}), rescaled
 * to keep the total variance ‖X_c‖_F².
 */
function partiallyWhitened(x, alpha) {
  const xc = centered(x);
  if (alpha === 1) return xc;
  const { values, vectors } = symmetricEigen(xc.transpose().mmul(xc));
  const largest = Math.max(...values);
  const scaled = vectors.clone();
  for (let j = 0; j < values.length; j++) scaled.mulColumn(j, (1 - alpha) / Math.sqrt(Math.max(values[j], 1e-12 * largest)));
  const z = scaled.mmul(vectors.transpose()).add(Matrix.eye(x.columns).mul(alpha));
  const out = xc.mmul(z);
  return out.mul(Math.sqrt(frobeniusSquared(xc) / frobeniusSquared(out)));
}

export default {
  'shape-metric': (a, b, options = {}) => {
    const alpha = options.alpha ?? 1;
    const width = Math.max(a.cols, b.cols);
    const x = padColumns(partiallyWhitened(toMatrix(a), alpha), width);
    const y = padColumns(partiallyWhitened(toMatrix(b), alpha), width);
    const nuclear = sum(singularValues(x.transpose().mmul(y)));
    const xx = frobeniusSquared(x);
    const yy = frobeniusSquared(y);
    if ((options.distance ?? 'angular') === 'euclidean') return Math.sqrt(Math.max(0, xx + yy - 2 * nuclear));
    return Math.acos(Math.min(1, nuclear / Math.sqrt(xx * yy)));
  },

  // R² of the least-squares prediction of the (centred) first argument from the second (ReSi's LinearRegression);
  // with `lambda` a ridge fit.
  'linear-regression': (a, b, options = {}) => {
    const x = centered(toMatrix(a));
    const y = centered(toMatrix(b));
    const lambda = options.lambda ?? 0;
    const total = frobeniusSquared(x);
    if (lambda === 0) {
      const q = rangeBasisFast(y);
      return frobeniusSquared(q.transpose().mmul(x)) / total;
    }
    const normal = y.transpose().mmul(y).add(Matrix.eye(y.columns).mul(lambda));
    const weights = new CholeskyDecomposition(normal).solve(y.transpose().mmul(x));
    return 1 - frobeniusSquared(x.clone().sub(y.mmul(weights))) / total;
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
