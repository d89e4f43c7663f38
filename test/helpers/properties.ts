/**
 * Property checks driven by the registry metadata: identity value, range, symmetry, each declared
 * invariance holds and each undeclared one fails on some input, triangle inequality for metrics.
 */
import type { Invariance } from '../../src/measure-types.js';
import type { Matrix } from '../../src/matrix.js';
import {
  map,
  multiply,
  permuteColumns,
  randomInvertible,
  randomMatrix,
  randomOrthogonal,
  randomPermutation,
  relatedMatrix,
  rng,
  translate,
} from './random.js';

export const TRANSFORMS: Readonly<Record<Invariance, (m: Matrix, seed: number) => Matrix>> = {
  orthogonal: (m, seed) => multiply(m, randomOrthogonal(m.cols, seed)),
  permutation: (m, seed) => permuteColumns(m, randomPermutation(m.cols, seed)),
  'isotropic-scaling': (m, seed) => {
    const factor = 0.3 + 4 * rng(seed)();
    return map(m, (v) => v * factor);
  },
  translation: (m, seed) => translate(m, seed, 2),
  'invertible-linear': (m, seed) => multiply(m, randomInvertible(m.cols, seed)),
  affine: (m, seed) => translate(multiply(m, randomInvertible(m.cols, seed)), seed + 7, 2),
};

export interface PairInputs {
  a: Matrix;
  b: Matrix;
}

/** A related pair: A ~ N(0.5, 1) of size n × da, B = tanh(A W / 3) + noise of size n × db. */
export function relatedPair(seed: number, n = 60, da = 6, db = 8): PairInputs {
  const a = randomMatrix(n, da, seed, 1, 0.5);
  return { a, b: relatedMatrix(a, db, seed + 1000) };
}

export function relativeDifference(x: number, y: number): number {
  return Math.abs(x - y) / Math.max(1, Math.abs(x), Math.abs(y));
}
