// Pure-JS baselines of the CCA family (ml-matrix), as a JS user would write them.
import {
  canonicalCorrelations,
  centered,
  orthonormalBasis,
  singularValues,
  svd,
  symmetricEigen,
  toMatrix,
  Matrix,
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

export default {
  'cca-mean': (a, b) => mean(canonicalCorrelations(centered(toMatrix(a)), centered(toMatrix(b)))),

  'cca-r2': (a, b) => mean(canonicalCorrelations(centered(toMatrix(a)), centered(toMatrix(b))).map((r) => r * r)),

  svcca: (a, b, options = {}) => {
    const x = principalSubspace(centered(toMatrix(a)), options);
    const y = principalSubspace(centered(toMatrix(b)), options);
    const rho = singularValues(x.transpose().mmul(y)).map((r) => Math.min(1, r));
    return mean(rho);
  },

  // Projection-weighted CCA (Morcos et al. 2018) with the recipe of Google's pwcca.py that ReSi runs
  // (resi-conventions §2.2): canonical directions Uᵀ(A − m) + m, Gram–Schmidt, weights Σ_j |⟨p_i, a_j⟩| over
  // the uncentred neurons a_j of the first argument; ρ_i paired with the first min(D, D') directions.
  pwcca: (a, b) => {
    const x = toMatrix(a);
    const xc = centered(x);
    const yc = centered(toMatrix(b));
    const n = x.rows;
    const sxx = xc.transpose().mmul(xc).div(n - 1);
    const syy = yc.transpose().mmul(yc).div(n - 1);
    const sxy = xc.transpose().mmul(yc).div(n - 1);
    const m = inverseSquareRoot(sxx).mmul(sxy).mmul(inverseSquareRoot(syy));
    const decomposition = svd(m);
    const rho = decomposition.diagonal;
    const u = decomposition.leftSingularVectors;
    const c = Math.min(x.columns, yc.columns);
    const means = Matrix.rowVector(x.mean('column'));
    // Directions as rows (c × N): u_iᵀ(A − m) + m_i.
    const directions = u.subMatrix(0, u.rows - 1, 0, c - 1).transpose().mmul(xc.transpose());
    for (let i = 0; i < c; i++) for (let t = 0; t < n; t++) directions.set(i, t, directions.get(i, t) + means.get(0, i));
    const p = orthonormalBasis(directions.transpose()); // N × c
    const projections = p.transpose().mmul(x); // c × D: ⟨p_i, a_j⟩
    const weights = new Float64Array(c);
    for (let i = 0; i < c; i++) for (let j = 0; j < x.columns; j++) weights[i] += Math.abs(projections.get(i, j));
    const total = weights.reduce((s, w) => s + w, 0);
    let value = 0;
    for (let i = 0; i < c; i++) value += (weights[i] / total) * Math.min(1, rho[i]);
    return value;
  },
};
