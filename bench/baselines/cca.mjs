// Pure-JS baselines of the CCA family (ml-matrix), as a JS user would write them.
import {
  canonicalCorrelations,
  centered,
  orthonormalBasis,
  rangeBasisFast,
  singularValues,
  svd,
  symmetricEigen,
  toMatrix,
} from '../baseline-helpers.mjs';

const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;

/** Top principal directions of a centred matrix: orthonormal N × k scores basis (SVCCA, Raghu et al. 2017). */
function principalSubspace(x, options) {
  const s = svd(x);
  const values = s.diagonal;
  let k;
  if (options.components !== undefined) {
    k = Math.min(options.components, values.length);
  } else {
    // Smallest k whose cumulative explained variance reaches the requested fraction.
    const kept = options.varianceKept ?? 0.99;
    const total = values.reduce((a, v) => a + v * v, 0);
    let cumulative = 0;
    k = values.length;
    for (let i = 0; i < values.length; i++) {
      cumulative += values[i] * values[i];
      if (cumulative >= kept * total * (1 - 1e-12)) {
        k = i + 1;
        break;
      }
    }
  }
  // The scores U_k·S_k span the same space as U_k, and CCA only sees the span.
  return s.leftSingularVectors.subMatrix(0, x.rows - 1, 0, k - 1);
}

function inverseSquareRoot(m) {
  const { values, vectors } = symmetricEigen(m);
  const scaled = vectors.clone();
  for (let j = 0; j < values.length; j++) scaled.mulColumn(j, 1 / Math.sqrt(values[j]));
  return scaled.mmul(vectors.transpose());
}

/**
 * Google's pwcca.py recipe, as ReSi runs it: directions u_iᵀ(A − m) + m_i from the SVD of
 * Σxx^{-1/2} Σxy Σyy^{-1/2}, Gram–Schmidt, weights over the uncentred neurons. `a` is the narrower side (the code's
 * intent when D > D′: weights from the second input, its right singular vectors).
 */
function pwccaSvccaCode(a, b, swapped) {
  const x = toMatrix(a);
  const xc = centered(x);
  const yc = centered(toMatrix(b));
  const n = x.rows;
  const sxx = xc.transpose().mmul(xc).div(n - 1);
  const syy = yc.transpose().mmul(yc).div(n - 1);
  const sxy = xc.transpose().mmul(yc).div(n - 1);
  const m = inverseSquareRoot(sxx).mmul(sxy).mmul(inverseSquareRoot(syy));
  const decomposition = svd(swapped ? m.transpose() : m);
  const rho = decomposition.diagonal;
  const u = swapped ? decomposition.rightSingularVectors : decomposition.leftSingularVectors;
  const c = x.columns;
  const means = x.mean('column');
  // Directions as rows (c × N): u_iᵀ(A − m) + m_i.
  const directions = u.subMatrix(0, u.rows - 1, 0, c - 1).transpose().mmul(xc.transpose());
  for (let i = 0; i < c; i++) for (let t = 0; t < n; t++) directions.set(i, t, directions.get(i, t) + means[i]);
  const p = orthonormalBasis(directions.transpose()); // N × c
  const projections = p.transpose().mmul(x); // c × D: ⟨p_i, a_j⟩
  let weighted = 0;
  let total = 0;
  for (let i = 0; i < c; i++) {
    let alpha = 0;
    for (let j = 0; j < x.columns; j++) alpha += Math.abs(projections.get(i, j));
    weighted += alpha * Math.min(1, rho[i]);
    total += alpha;
  }
  return weighted / total;
}

export default {
  'cca-mean': (a, b) => mean(canonicalCorrelations(centered(toMatrix(a)), centered(toMatrix(b)))),

  'cca-r2': (a, b) => mean(canonicalCorrelations(centered(toMatrix(a)), centered(toMatrix(b))).map((r) => r * r)),

  svcca: (a, b, options = {}) => {
    const x = principalSubspace(centered(toMatrix(a)), options);
    const y = principalSubspace(centered(toMatrix(b)), options);
    const rho = singularValues(x.transpose().mmul(y)).map((r) => Math.min(1, r));
    return mean(rho);
  },

  // Projection-weighted CCA (Morcos et al. 2018): ρ_i weighted by α_i = Σ_j |⟨h_i, x_j⟩|, h_i = Q_x u_i the unit
  // canonical variates of the first argument, x_j its centred neurons. `directions: 'svcca-code'` follows Google's
  // pwcca.py as ReSi runs it; that value depends on the signs of the singular vectors,
  // which ml-matrix does not choose as LAPACK does, so it matches ReSi only up to ~1e-3.
  pwcca: (a, b, options = {}) => {
    if (options.directions === 'svcca-code') return a.cols <= b.cols ? pwccaSvccaCode(a, b, false) : pwccaSvccaCode(b, a, true);
    const x = centered(toMatrix(a));
    const qx = rangeBasisFast(x);
    const qy = rangeBasisFast(centered(toMatrix(b)));
    const decomposition = svd(qx.transpose().mmul(qy));
    const rho = decomposition.diagonal;
    const loadings = decomposition.leftSingularVectors.transpose().mmul(qx.transpose().mmul(x)); // k × D
    let weighted = 0;
    let total = 0;
    for (let i = 0; i < rho.length; i++) {
      let alpha = 0;
      for (let j = 0; j < x.columns; j++) alpha += Math.abs(loadings.get(i, j));
      weighted += alpha * Math.min(1, rho[i]);
      total += alpha;
    }
    return weighted / total;
  },
};
