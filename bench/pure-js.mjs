// Pure-JS implementations of the first three measures on ml-matrix (the JS linear-algebra library a
// Node user would pick), written the straightforward way: centre, multiply, SVD.
import { Matrix, SingularValueDecomposition } from 'ml-matrix';

export function toMlMatrix({ data, rows, cols }) {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, data[i * cols + j]);
  return m;
}

function centered(m) {
  return m.clone().subRowVector(m.mean('column'));
}

function frobeniusSquared(m) {
  let s = 0;
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) s += m.get(i, j) ** 2;
  return s;
}

function nuclearNorm(m) {
  const svd = new SingularValueDecomposition(m, {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  });
  return svd.diagonal.reduce((a, b) => a + b, 0);
}

export const pureJs = {
  cka(a, b) {
    const x = centered(a);
    const y = centered(b);
    const xt = x.transpose();
    const yt = y.transpose();
    const cross = frobeniusSquared(xt.mmul(y));
    return cross / Math.sqrt(frobeniusSquared(xt.mmul(x)) * frobeniusSquared(yt.mmul(y)));
  },
  procrustes(a, b) {
    const x = centered(a);
    const y = centered(b);
    const nuc = nuclearNorm(x.transpose().mmul(y));
    return Math.sqrt(Math.max(0, frobeniusSquared(x) + frobeniusSquared(y) - 2 * nuc));
  },
  'angular-shape'(a, b) {
    const x = centered(a);
    const y = centered(b);
    const nuc = nuclearNorm(x.transpose().mmul(y));
    return Math.acos(Math.min(1, nuc / Math.sqrt(frobeniusSquared(x) * frobeniusSquared(y))));
  },
};
