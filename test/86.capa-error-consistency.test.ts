// Error consistency (Geirhos et al. 2020) and CAPA (Goel et al. 2025): hand-computed cases with the
// arithmetic in the comments, the papers' formulas, parity with the authors' lm-sim code
// (scripts/capa_reference.py → fixtures/capa-reference.json) and typed errors for missing or bad labels.
import { describe, expect, it } from 'vitest';

import { capa, compare, errorConsistency, getMeasure, effectiveProperties } from '../src/index.js';
import { errorOf } from './helpers/errors.js';
import { readFixture, withinParity } from './helpers/fixtures.js';

interface CapaCase {
  description: string;
  logitsA: number[][];
  logitsB: number[][];
  labels: number[];
  values: { capa: number; 'capa-discrete': number; 'error-consistency': number };
}

const reference = readFixture<{ commit: string; cases: CapaCase[] }>('capa-reference.json');

describe('error consistency, by hand', () => {
  // Ten trials: A is right on trials 0–5 (p_A = 0.6), B on 0–3 and 6–8 (p_B = 0.7). Both right on 0–3,
  // both wrong on 9: c_obs = 5/10. c_exp = 0.6·0.7 + 0.4·0.3 = 0.54. κ = (0.5 − 0.54)/(1 − 0.54) = −2/23.
  const truth = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
  const a = truth.map((t, i) => (i < 6 ? t : (t + 1) % 3));
  const b = truth.map((t, i) => (i < 4 || (i >= 6 && i < 9) ? t : (t + 2) % 3));

  it('Geirhos et al.’s κ on correctness', () => {
    expect(errorConsistency(a, b, { labels: truth })).toBeCloseTo(-2 / 23, 15);
    // Two wrong models agree even when they pick different wrong classes: only correctness counts.
    const otherWrong = b.map((v, i) => (i === 9 ? (truth[i]! + 1) % 3 : v));
    expect(otherWrong[9]).not.toBe(b[9]);
    expect(errorConsistency(a, otherWrong, { labels: truth })).toBe(errorConsistency(a, b, { labels: truth }));
  });

  it('identical correctness gives 1; the formula on the accuracies', () => {
    expect(errorConsistency(a, a, { labels: truth })).toBe(1);
    // A model right exactly where the other is wrong: c_obs = 0.
    const flipped = truth.map((t, i) => (i < 6 ? (t + 1) % 3 : t));
    const pA = 0.6;
    const pB = 0.4;
    const cExp = pA * pB + (1 - pA) * (1 - pB);
    expect(errorConsistency(a, flipped, { labels: truth })).toBeCloseTo((0 - cExp) / (1 - cExp), 15);
  });

  it('argmax of N × C outputs, as for the other hard-prediction measures', () => {
    const logits = (labels: number[]) => labels.map((l) => [0, 1, 2].map((c) => (c === l ? 3 : 0)));
    expect(compare('error-consistency', logits(a), logits(b), { labels: truth })).toBeCloseTo(-2 / 23, 15);
  });
});

describe('CAPA, by hand', () => {
  // Two items, three options, true classes y = (0, 2).
  // p_A = (0.5, 0.3, 0.2), (0.1, 0.1, 0.8); p_B = (0.6, 0.2, 0.2), (0.2, 0.5, 0.3).
  // c_obs = ((0.30 + 0.06 + 0.04) + (0.02 + 0.05 + 0.24)) / 2 = 0.355.
  // p̄_A = (0.5 + 0.8)/2 = 0.65, p̄_B = (0.6 + 0.3)/2 = 0.45; c_exp = 0.65·0.45 + ½·0.35·0.55 = 0.38875.
  // κp = (0.355 − 0.38875)/(1 − 0.38875) = −0.03375/0.61125 = −9/163.
  const pa = [
    [0.5, 0.3, 0.2],
    [0.1, 0.1, 0.8],
  ];
  const pb = [
    [0.6, 0.2, 0.2],
    [0.2, 0.5, 0.3],
  ];
  const y = [0, 2];

  it('probabilistic κp', () => {
    expect(capa(pa, pb, { labels: y, input: 'probabilities' })).toBeCloseTo(-9 / 163, 15);
    // The same distributions given as logits (log p): softmax returns them.
    const logits = (p: number[][]) => p.map((row) => row.map(Math.log));
    expect(capa(logits(pa), logits(pb), { labels: y, input: 'logits' })).toBeCloseTo(-9 / 163, 14);
  });

  it('discrete κp: argmax as one-hot vectors', () => {
    // argmax A = (0, 2), B = (0, 1): c_obs = 1/2; accuracies 1 and 1/2: c_exp = 1/2 + ½·0·½ = 1/2; κp = 0.
    expect(capa(pa, pb, { labels: y, input: 'probabilities', mode: 'discrete' })).toBe(0);
    // Three items, four options: A = (0, 1, 3), B = (0, 2, 3), y = (0, 1, 2). c_obs = 2/3; accuracies 2/3, 1/3:
    // c_exp = 2/9 + (1/3)(1/3)(2/3) = 2/9 + 2/27 = 8/27; κp = (2/3 − 8/27)/(19/27) = 10/19.
    expect(capa([0, 1, 3], [0, 2, 3], { labels: [0, 1, 2] })).toBeCloseTo(10 / 19, 15);
    expect(capa([0, 1, 3], [0, 1, 3], { labels: [0, 1, 2] })).toBe(1);
  });

  it('a model agrees with itself only as much as it is certain', () => {
    // c_obs = (0.38 + 0.66)/2 = 0.52 with itself; p̄ = 0.65: c_exp = 0.4225 + ½·0.1225 = 0.48375.
    expect(capa(pa, pa, { labels: y, input: 'probabilities' })).toBeCloseTo((0.52 - 0.48375) / (1 - 0.48375), 15);
    expect(effectiveProperties(getMeasure('capa'), {}).selfValue).toBeNull();
    expect(effectiveProperties(getMeasure('capa'), { mode: 'discrete' }).selfValue).toBe(1);
  });
});

describe("parity with the authors' lm-sim (CAPA, EC)", () => {
  for (const c of reference.cases) {
    it(c.description, () => {
      const options = { labels: c.labels, input: 'logits' as const };
      const values = {
        capa: capa(c.logitsA, c.logitsB, options),
        'capa-discrete': capa(c.logitsA, c.logitsB, { ...options, mode: 'discrete' }),
        'error-consistency': errorConsistency(c.logitsA, c.logitsB, options),
      };
      for (const [key, want] of Object.entries(c.values)) {
        const got = values[key as keyof typeof values];
        expect(withinParity(got, want), `${key}: got ${got}, authors ${want}`).toBe(true);
      }
      expect(c.values.capa).not.toBe(c.values['capa-discrete']);
    });
  }
});

describe('bad input: typed errors', () => {
  const a = [0, 1, 2, 1];
  const b = [0, 2, 2, 1];

  it('missing labels', () => {
    for (const id of ['error-consistency', 'capa']) {
      const error = errorOf(() => compare(id, a, b));
      expect(error.code).toBe('E_LABELS');
      expect(error.message).toMatch(/needs labels/);
    }
  });

  it('labels out of range of the classes, or of the wrong length', () => {
    const logits = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0, 1, 0],
    ];
    for (const id of ['error-consistency', 'capa']) {
      const error = errorOf(() => compare(id, logits, logits, { labels: [0, 1, 3, 1], input: 'logits' }));
      expect(error.code).toBe('E_LABELS');
      expect(error.message).toMatch(/3-class/);
      expect(errorOf(() => compare(id, a, b, { labels: [0, 1, 2] })).code).toBe('E_LABELS');
      expect(errorOf(() => compare(id, a, b, { labels: [0, -1, 2, 1] })).code).toBe('E_LABELS');
    }
  });

  it('undefined cases: perfect or hopeless pairs, a single class, undeclared outputs', () => {
    expect(errorOf(() => errorConsistency(a, a, { labels: a })).code).toBe('E_DEGENERATE');
    expect(errorOf(() => errorConsistency([1, 1, 1], [1, 1, 1], { labels: [0, 0, 0] })).code).toBe('E_DEGENERATE');
    expect(errorOf(() => capa([0, 0], [0, 0], { labels: [0, 0] })).code).toBe('E_DEGENERATE');
    expect(errorOf(() => capa([[0.2, 0.8]], [[0.5, 0.5]], { labels: [1] })).code).toBe('E_OPTION');
  });
});
