// Pure-JS baselines of the CCA family for bench/measures.mjs, on ml-matrix and written the textbook way:
// whiten the covariance blocks (Σxx^{-1/2} Σxy Σyy^{-1/2} by eigendecomposition) and take singular values.
// Full-rank inputs only (the benchmark's are).
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';

import { toMlMatrix } from '../pure-js.mjs';

function centered(m) {
  return m.clone().subRowVector(m.mean('column'));
}

function inverseSqrt(s) {
  const eig = new EigenvalueDecomposition(s, { assumeSymmetric: true });
  const v = eig.eigenvectorMatrix;
  const d = Matrix.diag(eig.realEigenvalues.map((l) => 1 / Math.sqrt(l)));
  return v.mmul(d).mmul(v.transpose());
}

function canonical(a, b) {
  const x = centered(toMlMatrix(a));
  const y = centered(toMlMatrix(b));
  const kx = inverseSqrt(x.transpose().mmul(x));
  const ky = inverseSqrt(y.transpose().mmul(y));
  const svd = new SingularValueDecomposition(kx.mmul(x.transpose().mmul(y)).mmul(ky), { autoTranspose: true });
  const k = Math.min(a.cols, b.cols);
  return { x, kx, u: svd.leftSingularVectors, rho: svd.diagonal.slice(0, k).map((r) => Math.min(1, r)) };
}

const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;

function pcaScores(m, kept = 0.99) {
  const x = centered(toMlMatrix(m));
  const svd = new SingularValueDecomposition(x, { autoTranspose: true });
  const s2 = svd.diagonal.map((s) => s * s);
  const total = s2.reduce((p, q) => p + q, 0);
  let k = 0;
  for (let cumulative = 0; k < s2.length && cumulative < kept * total * (1 - 1e-14); k++) cumulative += s2[k];
  const u = svd.leftSingularVectors.subMatrix(0, x.rows - 1, 0, k - 1);
  const scores = u.mulRowVector(svd.diagonal.slice(0, k));
  return { data: Float64Array.from(scores.to1DArray()), rows: scores.rows, cols: scores.columns };
}

export default {
  'cca-mean': (a, b) => mean(canonical(a, b).rho),
  'cca-r2': (a, b) => mean(canonical(a, b).rho.map((r) => r * r)),
  svcca: (a, b) => mean(canonical(pcaScores(a), pcaScores(b)).rho),
  pwcca(a, b) {
    const { x, kx, u, rho } = canonical(a, b);
    const h = x.mmul(kx).mmul(u); // canonical variates, columns of norm 1
    const loadings = h.transpose().mmul(x);
    let weighted = 0;
    let total = 0;
    rho.forEach((r, i) => {
      const alpha = loadings.getRow(i).reduce((s, v) => s + Math.abs(v), 0);
      weighted += alpha * r;
      total += alpha;
    });
    return weighted / total;
  },
};
