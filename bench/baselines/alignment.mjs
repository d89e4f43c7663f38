// Pure-JS baselines of shape-metric, linear-regression and aligned-cosine for bench/measures.mjs, on
// ml-matrix and written the straightforward way (normal equations, explicit Procrustes rotation).
import { Matrix, SingularValueDecomposition, inverse } from 'ml-matrix';

import { toMlMatrix } from '../pure-js.mjs';

function centered(m) {
  return m.clone().subRowVector(m.mean('column'));
}

function frobeniusSquared(m) {
  let s = 0;
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) s += m.get(i, j) ** 2;
  return s;
}

export default {
  // Default alpha = 1: arccos of the nuclear norm of the unit-norm centred cross-covariance.
  'shape-metric'(a, b) {
    const x = centered(toMlMatrix(a));
    const y = centered(toMlMatrix(b));
    const svd = new SingularValueDecomposition(x.transpose().mmul(y), {
      computeLeftSingularVectors: false,
      computeRightSingularVectors: false,
      autoTranspose: true,
    });
    const nuclear = svd.diagonal.reduce((p, q) => p + q, 0);
    return Math.acos(Math.min(1, nuclear / Math.sqrt(frobeniusSquared(x) * frobeniusSquared(y))));
  },
  // R² of predicting a from b: ‖Y(YᵀY)^{-1}YᵀX‖² / ‖X‖² on centred data.
  'linear-regression'(a, b) {
    const x = centered(toMlMatrix(a));
    const y = centered(toMlMatrix(b));
    const yx = y.transpose().mmul(x);
    const explained = yx.transpose().mmul(inverse(y.transpose().mmul(y))).mmul(yx).trace();
    return explained / frobeniusSquared(x);
  },
  'aligned-cosine'(a, b) {
    const x = toMlMatrix(a);
    const y = toMlMatrix(b);
    const svd = new SingularValueDecomposition(x.transpose().mmul(y), { autoTranspose: true });
    const k = Math.min(a.cols, b.cols);
    const u = svd.leftSingularVectors.subMatrix(0, a.cols - 1, 0, k - 1);
    const v = svd.rightSingularVectors.subMatrix(0, b.cols - 1, 0, k - 1);
    const aligned = x.mmul(u.mmul(v.transpose()));
    let sum = 0;
    for (let i = 0; i < x.rows; i++) {
      const ai = aligned.getRow(i);
      const yi = y.getRow(i);
      const xi = x.getRow(i);
      const dot = ai.reduce((s, v2, j) => s + v2 * yi[j], 0);
      sum += dot / (Math.hypot(...xi) * Math.hypot(...yi));
    }
    return sum / x.rows;
  },
};
