// Functional measures: ReSi parity (jsd, disagreement, accuracy-difference), hand-computed small cases
// (arithmetic in the comments), values of an independent numpy script (scripts/functional_reference.py →
// test/fixtures/functional-reference.json), identities, properties and typed errors.
import { describe, expect, it } from 'vitest';

import {
  INVARIANCES,
  NnsimError,
  compare,
  compareGroup,
  compareMany,
  effectiveProperties,
  fitAffineMap,
  getMeasure,
  listMeasures,
  stitch,
  type MeasureInfo,
} from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { fromRows, readFixture, resi, withinParity } from './helpers/fixtures.js';
import { TRANSFORMS } from './helpers/properties.js';
import { map, multiply, randomInvertible, randomMatrix, rng } from './helpers/random.js';

function expectError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(NnsimError);
    expect((e as NnsimError).code, (e as NnsimError).message).toBe(code);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

async function expectRejection(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toSatisfy((e: unknown) => e instanceof NnsimError && e.code === code);
}

// Predicted labels of the small hand-computed cases (N = 6, 3 classes).
const A = [0, 1, 2, 1, 0, 2];
const B = [0, 1, 1, 1, 2, 2];
const C = [0, 1, 2, 0, 0, 2];
const Y = [0, 1, 2, 2, 0, 1];

/** One-hot-ish logits whose argmax is `labels` (2 on the predicted class, 0 elsewhere). */
function logitsOf(labels: readonly number[], classes = 3): number[][] {
  return labels.map((l) => Array.from({ length: classes }, (_, c) => (c === l ? 2 : 0)));
}

describe('ReSi parity (functional_cases, 1e-9)', () => {
  for (const testCase of resi.functional_cases) {
    const a = fromRows(testCase.logits_a);
    const b = fromRows(testCase.logits_b);
    it(`${testCase.id}: disagreement, accuracy-difference, both orders`, () => {
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        expect(withinParity(compare('disagreement', x, y), testCase.results.Disagreement as number)).toBe(true);
        const got = compare('accuracy-difference', x, y, { labels: testCase.labels });
        expect(withinParity(got, testCase.results.AbsoluteAccDiff as number), `${got}`).toBe(true);
      }
      // ReSi's AbsoluteAccDiff takes stored accuracies: they are those of the logits' argmax.
      expect(withinParity(compare('accuracy-difference', a, b, { labels: testCase.labels }), Math.abs(testCase.acc_a - testCase.acc_b))).toBe(true);
    });
  }
});

describe('performance: accuracy-difference', () => {
  it('hand-computed: acc(A) = 4/6, acc(B) = 2/6 → 1/3; from labels or logits alike', () => {
    expect(compare('accuracy-difference', A, B, { labels: Y })).toBeCloseTo(1 / 3, 15);
    expect(compare('accuracy-difference', logitsOf(A), Int32Array.from(B), { labels: Y, input: 'logits' })).toBeCloseTo(1 / 3, 15);
  });

  it('takes a user quality function (here the error count: |2 − 4| = 2)', () => {
    const errors = (p: Int32Array, y: Int32Array) => p.filter((v, i) => v !== y[i]).length;
    expect(compare('accuracy-difference', A, B, { labels: Y, quality: errors })).toBe(2);
    let sawOutputs = false;
    compare('accuracy-difference', logitsOf(A), B, {
      labels: Y,
      quality: (_p: Int32Array, _y: Int32Array, outputs: { cols: number } | undefined) => {
        if (outputs) sawOutputs = outputs.cols === 3;
        return 0;
      },
    });
    expect(sawOutputs).toBe(true);
    expectError(() => compare('accuracy-difference', A, B, { labels: Y, quality: () => NaN }), 'E_NUMERICAL');
    expectError(() => compare('accuracy-difference', A, B, { labels: Y, quality: 3 as never }), 'E_OPTION');
  });

  it('needs labels, in range of C', () => {
    expect(getMeasure('accuracy-difference').requires).toEqual(['labels']);
    expectError(() => compare('accuracy-difference', A, B), 'E_LABELS');
    expectError(() => compare('accuracy-difference', logitsOf(A), logitsOf(B), { labels: [0, 1, 2, 3, 0, 1] }), 'E_LABELS');
    expectError(() => compare('accuracy-difference', A, B, { labels: [0, 1] }), 'E_LABELS');
  });
});

describe('hard predictions, hand-computed (A, B, C, Y above)', () => {
  it('disagreement: A, B differ at inputs 2 and 4 → 2/6', () => {
    expect(compare('disagreement', A, B)).toBeCloseTo(1 / 3, 15);
    expect(compare('disagreement', logitsOf(A), logitsOf(B))).toBeCloseTo(1 / 3, 15);
  });

  it('disagreement: argmax ties go to the first class', () => {
    expect(compare('disagreement', [[1, 1, 0]], [[2, 0, 0]])).toBe(0);
  });

  it('error-corrected disagreement: dis/err(first): 2 differences / 2 errors of A = 1; B first: 2/4', () => {
    expect(compare('error-corrected-disagreement', A, B, { labels: Y })).toBe(1);
    expect(compare('error-corrected-disagreement', B, A, { labels: Y })).toBe(0.5);
    expectError(() => compare('error-corrected-disagreement', Y, B, { labels: Y }), 'E_DEGENERATE');
  });

  it('min-max disagreement: e_A = 2, e_B = 4, d = 2 → (2 − |2 − 4|)/(min(6, 6) − 2) = 0', () => {
    expect(compare('min-max-disagreement', A, B, { labels: Y })).toBe(0);
    // C vs Y: e_C = 2 (inputs 3, 5); A vs C: d = 1 (input 3) → (1 − 0)/(min(4, 6) − 0) = 1/4.
    expect(compare('min-max-disagreement', A, C, { labels: Y })).toBe(0.25);
    // Both perfect: the disagreement is forced to 0; the value is 0.
    expect(compare('min-max-disagreement', Y, Y, { labels: Y })).toBe(0);
  });

  it("Cohen's κ: p_o = 4/6, p_e = (2·1 + 2·3 + 2·2)/36 = 1/3 → (2/3 − 1/3)/(2/3) = 1/2", () => {
    expect(compare('cohens-kappa', A, B)).toBeCloseTo(0.5, 15);
    expectError(() => compare('cohens-kappa', [1, 1, 1], [1, 1, 1]), 'E_DEGENERATE');
  });

  it("Fleiss' κ, K = 2: P̄ = 4/6, p = (3, 5, 4)/12, P̄_e = 50/144 → (96 − 50)/(144 − 50) = 23/47", () => {
    expect(compareGroup('fleiss-kappa', [A, B])).toBeCloseTo(23 / 47, 15);
  });

  it("Fleiss' κ, K = 3: P_i ∈ {1, 1, 1/3, 1/3, 1/3, 1} → P̄ = 2/3, p = (1/3, 1/3, 1/3) → (2/3 − 1/3)/(2/3) = 1/2", () => {
    expect(compareGroup('fleiss-kappa', [A, B, C])).toBeCloseTo(0.5, 15);
    expectError(() => compareGroup('fleiss-kappa', [[2, 2], [2, 2], [2, 2]]), 'E_DEGENERATE');
  });

  it('ambiguity: inputs 2, 3, 4 are split → 3/6', () => {
    expect(compareGroup('ambiguity', [A, B, C])).toBe(0.5);
    expect(compareGroup('ambiguity', [A, A, A])).toBe(0);
  });

  it('discrepancy: dis(A,B) = 2/6, dis(A,C) = 1/6, dis(B,C) = 3/6 → pairwise 1/2, vs the first 1/3', () => {
    expect(compareGroup('discrepancy', [A, B, C])).toBe(0.5);
    expect(compareGroup('discrepancy', [A, B, C], { reference: 'first' })).toBeCloseTo(1 / 3, 15);
  });

  it('label entropy: three inputs split 2:1 → 3·(ln 3 − (2/3) ln 2)/6', () => {
    expect(compareGroup('label-entropy', [A, B, C])).toBeCloseTo((Math.log(3) - (2 / 3) * Math.log(2)) / 2, 15);
  });
});

/** Seeded labels in [0, classes). */
function randomLabels(n: number, classes: number, seed: number): Int32Array {
  const random = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(random() * classes));
}

describe('hard predictions: identities', () => {
  it("Cohen's κ is 1 for identical predictions and ≈ 0 for independent ones (N = 20000, seeded)", () => {
    const p = randomLabels(20000, 4, 1);
    expect(compare('cohens-kappa', p, p)).toBe(1);
    expect(Math.abs(compare('cohens-kappa', p, randomLabels(20000, 4, 2)))).toBeLessThan(0.02);
  });

  it("Fleiss' κ of two models is Scott's π; it equals Cohen's κ when the two label marginals coincide", () => {
    const p = randomLabels(300, 4, 3);
    // A rotation of p: same marginals, different pairing.
    const q = Int32Array.from(p, (_, i) => p[(i + 7) % p.length]!);
    expect(compareGroup('fleiss-kappa', [p, q])).toBeCloseTo(compare('cohens-kappa', p, q), 13);
    // Different marginals: Scott's π = (p_o − Σ((p_c + p′_c)/2)²)/(1 − Σ((p_c + p′_c)/2)²) ≠ κ in general.
    const r = randomLabels(300, 4, 4);
    const n = p.length;
    let agree = 0;
    const mean = new Float64Array(4);
    for (let i = 0; i < n; i++) {
      if (p[i] === r[i]) agree++;
      mean[p[i]!]! += 0.5 / n;
      mean[r[i]!]! += 0.5 / n;
    }
    const chance = mean.reduce((s, v) => s + v * v, 0);
    expect(compareGroup('fleiss-kappa', [p, r])).toBeCloseTo((agree / n - chance) / (1 - chance), 13);
  });

  it('label vectors: values do not depend on how large the label values are, and nothing is sized by the largest label', () => {
    expect(compareGroup('fleiss-kappa', [[0, 2147483646], [1, 0]])).toBe(compareGroup('fleiss-kappa', [[0, 2], [1, 0]]));
    expect(compareGroup('label-entropy', [[0, 2147483646], [1, 0]])).toBe(compareGroup('label-entropy', [[0, 2], [1, 0]]));
    // Any injective relabelling (here onto values up to 2^31 − 2) leaves every hard-prediction measure unchanged.
    const relabel = (labels: readonly number[]) => labels.map((l) => [2147483646, 1e8, 7, 123456789][l]!);
    const models = [A, B, C];
    for (const info of listMeasures({ family: 'hard-predictions' })) {
      const options = info.requires.includes('labels') ? { labels: Y } : {};
      const big = info.requires.includes('labels') ? { labels: relabel(Y) } : {};
      if (info.arity === 'group') {
        expect(compareGroup(info.id, models.map(relabel), big), info.id).toBeCloseTo(compareGroup(info.id, models, options), 14);
      } else {
        expect(compare(info.id, relabel(A), relabel(B), big), info.id).toBeCloseTo(compare(info.id, A, B, options), 14);
      }
    }
  });

  it('disagreement and accuracy difference satisfy the triangle inequality (declared metrics)', () => {
    const y = randomLabels(50, 3, 9);
    for (let s = 0; s < 10; s++) {
      const [x, u, v] = [randomLabels(50, 3, 10 + s), randomLabels(50, 3, 30 + s), randomLabels(50, 3, 50 + s)];
      expect(compare('disagreement', x, v)).toBeLessThanOrEqual(compare('disagreement', x, u) + compare('disagreement', u, v) + 1e-15);
      const acc = (p: Int32Array, q: Int32Array) => compare('accuracy-difference', p, q, { labels: y });
      expect(acc(x, v)).toBeLessThanOrEqual(acc(x, u) + acc(u, v) + 1e-15);
    }
  });
});

describe('functional inputs: typed errors', () => {
  const logits = logitsOf(A);
  it('mismatched N, mismatched C, empty, NaN, K < 2', () => {
    expectError(() => compare('disagreement', A, B.slice(1)), 'E_SHAPE');
    expectError(() => compare('disagreement', logits, logitsOf(B, 4)), 'E_SHAPE');
    expectError(() => compare('disagreement', [], B), 'E_SHAPE');
    expectError(() => compare('disagreement', new Int32Array(0), B), 'E_SHAPE');
    expectError(() => compare('disagreement', [[0, NaN, 1]], [[0, 1, 2]]), 'E_NONFINITE');
    expectError(() => compareGroup('ambiguity', [A]), 'E_SHAPE');
    expectError(() => compareGroup('ambiguity', [A, B.slice(1)]), 'E_SHAPE');
    expectError(() => compareGroup('ambiguity', 'A' as never), 'E_TYPE');
  });

  it('labels out of range of C, negative or non-integer predictions', () => {
    expectError(() => compare('disagreement', logits, [0, 1, 2, 3, 0, 1]), 'E_LABELS');
    expectError(() => compare('disagreement', [0, -1], [0, 1]), 'E_LABELS');
    expectError(() => compare('disagreement', [0, 1.5], [0, 1]), 'E_LABELS');
  });

  it('pair measures refuse compareGroup and group measures refuse compare', () => {
    expectError(() => compareGroup('disagreement', [A, B]), 'E_TYPE');
    expectError(() => compare('ambiguity', A, B), 'E_TYPE');
  });

  it('outputs declared as probabilities are checked', () => {
    expectError(() => compare('disagreement', [[0.5, 0.6]], [[0.5, 0.5]], { input: 'probabilities' }), 'E_PROBABILITIES');
    expectError(() => compare('disagreement', [[-0.1, 1.1]], [[0.5, 0.5]], { input: 'probabilities' }), 'E_PROBABILITIES');
    expect(compare('disagreement', [[0.4, 0.6]], [[0.5 + 1e-9, 0.5 - 1e-9]], { input: 'probabilities' })).toBe(1);
  });

  it('compareGroup.async and compare.async work for functional measures', async () => {
    expect(await compareGroup.async('ambiguity', [A, B, C])).toBe(0.5);
    expect(await compare.async('disagreement', A, B)).toBeCloseTo(1 / 3, 15);
    await expectRejection(compareGroup.async('ambiguity', [A]), 'E_SHAPE');
  });
});

describe('functional metadata', () => {
  it('every functional measure states its inputs, arity and labels requirement', () => {
    const functional = listMeasures({ domain: 'functional' });
    expect(functional.length).toBeGreaterThanOrEqual(9);
    for (const m of functional) {
      const labels = m.options.labels;
      if (m.requires.includes('labels')) expect(labels?.type, m.id).toBe('labels');
      if (labels?.type === 'labels' && labels.required) expect(m.requires, m.id).toContain('labels');
      expect(['pair', 'group']).toContain(m.arity);
    }
  });
});

interface ReferenceCase {
  id: string;
  N: number;
  C: number;
  K: number;
  logits: number[][][];
  labels: number[];
  pair: Record<string, number>;
  pair_swapped: Record<string, number>;
  group: Record<string, number>;
}

interface ReferenceFile {
  cases: ReferenceCase[];
  gradient: Record<string, number[][] | number[] | number>;
  stitching: {
    A: number[][];
    B: number[][];
    head: number[][];
    labels: number[];
    plain: { weights: number[][]; bias: number[]; agreement: number; accuracy: number; 'relative-accuracy': number };
    ridge: { weights: number[][]; bias: number[]; agreement: number; accuracy: number; 'relative-accuracy': number };
  };
}

const reference = readFixture<ReferenceFile>('functional-reference.json');

/** [measure id, options, key in the reference file] for the pair measures. */
const PAIR_CASES: readonly [string, Record<string, unknown>, string][] = [
  ['accuracy-difference', { input: 'logits' }, 'accuracy-difference'],
  ['disagreement', { input: 'logits' }, 'disagreement'],
  ['error-corrected-disagreement', {}, 'error-corrected-disagreement'],
  ['min-max-disagreement', {}, 'min-max-disagreement'],
  ['cohens-kappa', {}, 'cohens-kappa'],
  ['jsd', { input: 'logits' }, 'jsd'],
  ['jsd', { input: 'logits', base: 2 }, 'jsd_base2'],
  ['surrogate-churn', { input: 'logits' }, 'surrogate-churn_alpha1.0'],
  ['surrogate-churn', { input: 'logits', alpha: 2.5 }, 'surrogate-churn_alpha2.5'],
];

const GROUP_CASES: readonly [string, Record<string, unknown>, string, number][] = [
  ['fleiss-kappa', {}, 'fleiss-kappa', 1e-12],
  ['ambiguity', {}, 'ambiguity', 1e-12],
  ['discrepancy', {}, 'discrepancy', 1e-12],
  ['discrepancy', { reference: 'first' }, 'discrepancy_first', 1e-12],
  ['label-entropy', {}, 'label-entropy', 1e-12],
  ['prediction-difference', { input: 'logits' }, 'prediction-difference', 1e-12],
  ['prediction-difference', { input: 'logits', p: 2 }, 'prediction-difference_p2', 1e-12],
  // The reference maximises I(π) with SLSQP, a different algorithm: both agree to ~3e-11 here.
  ['rashomon-capacity', { input: 'logits', tolerance: 1e-10 }, 'rashomon-capacity', 1e-9],
  ['rashomon-capacity', { input: 'logits' }, 'rashomon-capacity', 1e-7],
];

describe('independent numpy reference (scripts/functional_reference.py)', () => {
  for (const testCase of reference.cases) {
    const models = testCase.logits.map(fromRows);
    const labels = testCase.labels;
    it(`${testCase.id}: pair measures, both orders (1e-12)`, () => {
      for (const [id, options, key] of PAIR_CASES) {
        for (const [x, y, want] of [
          [models[0]!, models[1]!, testCase.pair[key]!],
          [models[1]!, models[0]!, testCase.pair_swapped[key]!],
        ] as const) {
          const got = compare(id, x, y, { ...(getMeasure(id).options.labels ? { labels } : {}), ...options });
          expect(withinParity(got, want, 1e-12), `${id} ${key}: got ${got}, numpy ${want}`).toBe(true);
        }
      }
    });

    it(`${testCase.id}: group measures over K = ${testCase.K}`, () => {
      for (const [id, options, key, tolerance] of GROUP_CASES) {
        const got = compareGroup(id, models, options);
        const want = testCase.group[key]!;
        expect(withinParity(got, want, tolerance), `${key}: got ${got}, numpy ${want}`).toBe(true);
      }
    });
  }
});

describe('soft predictions', () => {
  it('ReSi JSD ← { input: "logits", base: 2 } on functional_cases (1e-9), both orders; softmax outputs as probabilities', () => {
    for (const testCase of resi.functional_cases) {
      const a = fromRows(testCase.logits_a);
      const b = fromRows(testCase.logits_b);
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        const got = compare('jsd', x, y, { input: 'logits', base: 2 });
        expect(withinParity(got, testCase.results.JSD as number), `${testCase.id}: ${got}`).toBe(true);
      }
      // ReSi applied to softmax outputs softmaxes twice: nnsim reproduces that by declaring them logits.
      const soft = (m: typeof a) => {
        const out = new Float64Array(m.data.length);
        for (let i = 0; i < m.rows; i++) {
          let sum = 0;
          const max = Math.max(...m.data.subarray(i * m.cols, (i + 1) * m.cols));
          for (let j = 0; j < m.cols; j++) sum += out[i * m.cols + j] = Math.exp(m.data[i * m.cols + j]! - max);
          for (let j = 0; j < m.cols; j++) out[i * m.cols + j]! /= sum;
        }
        return { data: out, rows: m.rows, cols: m.cols };
      };
      const twice = compare('jsd', soft(a), soft(b), { input: 'logits', base: 2 });
      expect(withinParity(twice, testCase.extra.JSD_when_softmax_probabilities_are_passed!)).toBe(true);
      const once = compare('jsd', soft(a), soft(b), { input: 'probabilities', base: 2 });
      expect(withinParity(once, testCase.results.JSD as number)).toBe(true);
    }
  });

  it('jsd hand-computed: p = (1, 0), q = (0, 1) → ln 2 nats = 1 bit; p = q → 0', () => {
    expect(compare('jsd', [[1, 0]], [[0, 1]], { input: 'probabilities' })).toBeCloseTo(Math.LN2, 15);
    expect(compare('jsd', [[1, 0]], [[0, 1]], { input: 'probabilities', base: 2 })).toBeCloseTo(1, 15);
    expect(compare('jsd', [[0.3, 0.7]], [[0.3, 0.7]], { input: 'probabilities' })).toBe(0);
  });

  it('jsd: the declared range follows the logarithm base (ln 2 / ln b), and disjoint predictions reach its top', () => {
    for (const base of [Math.E, 2, 10, 1.5, 1e6]) {
      const range = effectiveProperties('jsd', { base }).range;
      expect(range[0]).toBe(0);
      expect(range[1], `base ${base}`).toBeCloseTo(Math.LN2 / Math.log(base), 14);
      expect(compare('jsd', [[1, 0], [0, 1]], [[0, 1], [1, 0]], { input: 'probabilities', base })).toBeCloseTo(range[1], 14);
    }
    expect(effectiveProperties('jsd').range).toEqual([0, Math.LN2]);
  });

  it('surrogate churn hand-computed: p = (0.5, 0.25, 0.25), q = (0.2, 0.8, 0) → p/max = (1, .5, .5), q/max = (.25, 1, 0)', () => {
    // α = 1: (|1 − .25| + |.5 − 1| + |.5 − 0|)/2 = 1.75/2; α = 2: (|1 − 1/16| + |1/4 − 1| + |1/4|)/2 = 1.9375/2.
    const p = [[0.5, 0.25, 0.25]];
    const q = [[0.2, 0.8, 0]];
    expect(compare('surrogate-churn', p, q, { input: 'probabilities' })).toBeCloseTo(0.875, 15);
    expect(compare('surrogate-churn', p, q, { input: 'probabilities', alpha: 2 })).toBeCloseTo(0.96875, 15);
  });

  it('surrogate churn tends to the disagreement as α grows', () => {
    const [a, b] = reference.cases[0]!.logits.map(fromRows);
    const churn = compare('surrogate-churn', a!, b!, { input: 'logits', alpha: 2000 });
    expect(Math.abs(churn - compare('disagreement', a!, b!))).toBeLessThan(0.01);
  });

  it('prediction difference hand-computed: (1, 0), (0, 1) → mean (½, ½), each ‖·‖₁ = 1 → 1; p = 2: √½', () => {
    expect(compareGroup('prediction-difference', [[[1, 0]], [[0, 1]]], { input: 'probabilities' })).toBeCloseTo(1, 15);
    expect(compareGroup('prediction-difference', [[[1, 0]], [[0, 1]]], { input: 'probabilities', p: 2 })).toBeCloseTo(Math.SQRT1_2, 15);
  });

  it('Rashomon capacity: 1 when all models agree; C when K ≥ C models put all mass on different classes', () => {
    const agree = [[[0.2, 0.5, 0.3]], [[0.2, 0.5, 0.3]], [[0.2, 0.5, 0.3]]];
    expect(compareGroup('rashomon-capacity', agree, { input: 'probabilities' })).toBeCloseTo(1, 12);
    const oneHot = (c: number) => [[0, 1, 2].map((j) => (j === c ? 1 : 0))];
    expect(compareGroup('rashomon-capacity', [oneHot(0), oneHot(1), oneHot(2)], { input: 'probabilities' })).toBeCloseTo(3, 9);
    // K = 4 ≥ C = 3: a repeated class does not raise the capacity above C.
    expect(compareGroup('rashomon-capacity', [oneHot(0), oneHot(1), oneHot(2), oneHot(2)], { input: 'probabilities' })).toBeCloseTo(3, 9);
    // Two models, binary, p = (1, 0) vs (½, ½): capacity = log2(5/4) bits → 2^C = 1.25.
    expect(compareGroup('rashomon-capacity', [[[1, 0]], [[0.5, 0.5]]], { input: 'probabilities' })).toBeCloseTo(1.25, 9);
    expectError(() => compareGroup('rashomon-capacity', agree, { input: 'probabilities', tolerance: 0 }), 'E_OPTION');
    const hard = [[[1, 0]], [[0.5, 0.5]]];
    expectError(() => compareGroup('rashomon-capacity', hard, { input: 'probabilities', maxIterations: 3 }), 'E_NUMERICAL');
  });

  it('needs input: logits or probabilities, and N × C outputs', () => {
    expectError(() => compare('jsd', [[1, 0]], [[0, 1]]), 'E_OPTION');
    expectError(() => compare('jsd', [0, 1], [1, 0], { input: 'logits' }), 'E_TYPE');
    expectError(() => compare('jsd', [[0.5, 0.6]], [[0.5, 0.5]], { input: 'probabilities' }), 'E_PROBABILITIES');
    expectError(() => compareGroup('prediction-difference', [[[0.5, 0.5]], [[1, 0, 0]]], { input: 'probabilities' }), 'E_SHAPE');
  });
});

describe('gradient / adversarial', () => {
  const g = reference.gradient;
  const m = (key: string) => fromRows(g[key] as number[][]);
  const v = (key: string) => g[key] as number[];
  const n = (key: string) => g[key] as number;

  it('match the numpy reference (1e-12)', () => {
    const checks: [number, number][] = [
      [compare('saliency-similarity', m('grad_a'), m('grad_b')), n('saliency-similarity')],
      [compare('saliency-similarity', m('grad_b'), m('grad_a')), n('saliency-similarity')],
      [compare('saliency-similarity', m('grad_a'), m('grad_b'), { absolute: true }), n('saliency-similarity_absolute')],
      [compare('model-diff', m('outputs_a'), m('outputs_b')), n('model-diff')],
      [compare('model-diff', m('outputs_b'), m('outputs_a')), n('model-diff')],
      [compare('adversarial-transferability', v('source'), v('target'), { labels: v('labels') }), n('adversarial-transferability')],
      [
        compare('adversarial-transferability', v('source'), v('target'), { labels: v('labels'), successfulOnly: false }),
        n('adversarial-transferability_all'),
      ],
    ];
    for (const [got, want] of checks) expect(withinParity(got, want, 1e-12), `got ${got}, numpy ${want}`).toBe(true);
  });

  it('adversarial transferability hand-computed: y = 0, source fooled on inputs 0, 1, 3, target on 0 → 1/3; all inputs: 1/4', () => {
    const y = [0, 0, 0, 0];
    expect(compare('adversarial-transferability', [1, 1, 0, 2], [1, 0, 0, 0], { labels: y })).toBeCloseTo(1 / 3, 15);
    expect(compare('adversarial-transferability', [1, 1, 0, 2], [1, 0, 0, 0], { labels: y, successfulOnly: false })).toBe(0.25);
    expectError(() => compare('adversarial-transferability', y, [1, 0, 0, 0], { labels: y }), 'E_DEGENERATE');
    expectError(() => compare('adversarial-transferability', y, y), 'E_LABELS');
  });

  it('saliency similarity hand-computed: cosines 0 and 1 → ½; |·| of (1, −1) vs (1, 1) → 1, signed 0', () => {
    expect(compare('saliency-similarity', [[1, 0], [1, 1]], [[0, 1], [2, 2]])).toBeCloseTo(0.5, 15);
    expect(compare('saliency-similarity', [[1, -1]], [[1, 1]])).toBe(0);
    expect(compare('saliency-similarity', [[1, -1]], [[1, 1]], { absolute: true })).toBeCloseTo(1, 15);
    expectError(() => compare('saliency-similarity', [[0, 0]], [[1, 1]]), 'E_DEGENERATE');
    expectError(() => compare('saliency-similarity', [[1, 0]], [[1, 1, 1]]), 'E_SHAPE');
  });

  it('model-diff hand-computed: DDV_a = (1, 1 − 1/√2), DDV_b = (1 − 1/√2, 0) → 1/‖DDV_a‖', () => {
    const a = [[1, 0], [1, 0], [0, 1], [1, 1]];
    const b = [[1, 0], [0, 1], [1, 1], [0, 1]];
    expect(compare('model-diff', a, b)).toBeCloseTo(1 / Math.hypot(1, 1 - Math.SQRT1_2), 14);
    expect(compare('model-diff', a, a)).toBeCloseTo(1, 15);
    expectError(() => compare('model-diff', a.slice(1), b.slice(1)), 'E_SHAPE');
    expectError(() => compare('model-diff', [[1, 0], [1, 0]], b.slice(2)), 'E_DEGENERATE');
  });

  it('model-diff is invariant to a rotation, permutation and positive scaling of one model\'s outputs', () => {
    const a = m('outputs_a');
    const b = m('outputs_b');
    const base = compare('model-diff', a, b);
    const angle = 0.7;
    const rotated = { ...b, data: b.data.map((x, k) => {
      const [i, j] = [Math.floor(k / b.cols), k % b.cols];
      if (j > 1) return x;
      const [p, q] = [b.data[i * b.cols]!, b.data[i * b.cols + 1]!];
      return j === 0 ? Math.cos(angle) * p - Math.sin(angle) * q : Math.sin(angle) * p + Math.cos(angle) * q;
    }) };
    expect(compare('model-diff', a, rotated)).toBeCloseTo(base, 13);
    expect(compare('model-diff', a, { ...b, data: b.data.map((x) => 3 * x) })).toBeCloseTo(base, 13);
  });
});

describe('stitching', () => {
  const s = reference.stitching;
  const A = fromRows(s.A);
  const B = fromRows(s.B);
  const head = fromRows(s.head);
  // The rest of model B: a fixed linear head (D′ × C), returning logits.
  const forward = (r: { data: Float64Array; rows: number; cols: number }) => {
    const out = new Float64Array(r.rows * head.cols);
    for (let i = 0; i < r.rows; i++)
      for (let k = 0; k < r.cols; k++)
        for (let c = 0; c < head.cols; c++) out[i * head.cols + c]! += r.data[i * r.cols + k]! * head.data[k * head.cols + c]!;
    return { data: out, rows: r.rows, cols: head.cols };
  };

  it('the closed-form affine map equals numpy lstsq (plain) and the ridge solve (1e-9)', () => {
    for (const [ridge, want] of [
      [0, s.plain],
      [3, s.ridge],
    ] as const) {
      const map = fitAffineMap(A, B, ridge);
      want.weights.flat().forEach((w, k) => expect(withinParity(map.weights[k]!, w), `W[${k}] ${map.weights[k]} vs ${w}`).toBe(true));
      want.bias.forEach((w, k) => expect(withinParity(map.bias[k]!, w), `b[${k}]`).toBe(true));
    }
  });

  it('scores match the numpy reference: agreement, accuracy, relative accuracy', () => {
    for (const [ridge, want] of [
      [0, s.plain],
      [3, s.ridge],
    ] as const) {
      const options = { forward, labels: s.labels, ridge };
      expect(compare('stitching', A, B, options)).toBe(want.agreement);
      expect(compare('stitching', A, B, { ...options, score: 'accuracy' })).toBe(want.accuracy);
      expect(withinParity(compare('stitching', A, B, { ...options, score: 'relative-accuracy' }), want['relative-accuracy'])).toBe(true);
    }
  });

  it('A = B at the same layer recovers B exactly: agreement 1, relative accuracy 1, accuracy = B\'s', () => {
    expect(compare('stitching', B, B, { forward })).toBe(1);
    expect(compare('stitching', B, B, { forward, labels: s.labels, score: 'relative-accuracy' })).toBe(1);
    // |acc(B) − acc(the labels themselves)| = 1 − acc(B).
    const accuracyB = 1 - compare('accuracy-difference', forward(B), s.labels, { labels: s.labels });
    expect(compare('stitching', B, B, { forward, labels: s.labels, score: 'accuracy' })).toBeCloseTo(accuracyB, 15);
  });

  it('the fitted map absorbs an invertible affine change of A', () => {
    const base = compare('stitching', A, B, { forward });
    const changed = map(multiply(A, randomInvertible(A.cols, 5)), (v, _i, j) => v + j - 2);
    expect(compare('stitching', changed, B, { forward })).toBe(base);
  });

  it('async callbacks work with compare.async; the synchronous compare refuses them', async () => {
    const slow = async (r: Parameters<typeof forward>[0]) => forward(r);
    expect(await compare.async('stitching', A, B, { forward: slow })).toBe(s.plain.agreement);
    expectError(() => compare('stitching', A, B, { forward: slow }), 'E_TYPE');
    // The callback may return predicted labels.
    const labelsOnly = (r: Parameters<typeof forward>[0]) => {
      const o = forward(r);
      return Array.from({ length: o.rows }, (_, i) => {
        let best = 0;
        for (let c = 1; c < o.cols; c++) if (o.data[i * o.cols + c]! > o.data[i * o.cols + best]!) best = c;
        return best;
      });
    };
    expect(compare('stitching', A, B, { forward: labelsOnly })).toBe(s.plain.agreement);
  });

  it('stitch() returns the map, agreement and both accuracies in one run (sync and async)', async () => {
    const result = stitch(A, B, { forward, labels: s.labels });
    expect(result.agreement).toBe(s.plain.agreement);
    expect(result.accuracy).toBe(s.plain.accuracy);
    expect(withinParity(result.relativeAccuracy!, s.plain['relative-accuracy'])).toBe(true);
    expect(withinParity(result.accuracy! / result.accuracyB!, s.plain['relative-accuracy'])).toBe(true);
    s.plain.bias.forEach((w, k) => expect(withinParity(result.map.bias[k]!, w)).toBe(true));
    const noLabels = stitch(A, B, { forward, ridge: 3 });
    expect(noLabels.agreement).toBe(s.ridge.agreement);
    expect(noLabels.accuracy).toBeUndefined();
    const slow = async (r: Parameters<typeof forward>[0]) => forward(r);
    expect((await stitch.async(A, B, { forward: slow, labels: s.labels })).accuracy).toBe(s.plain.accuracy);
    expectError(() => stitch(A, B, { forward: slow }), 'E_TYPE');
    expectError(() => stitch(A, B, {} as never), 'E_OPTION');
  });

  it('typed errors: rank-deficient A without ridge, no forward, missing labels, bad callback output', () => {
    const duplicated = map(A, (v, i, j) => (j === 1 ? A.data[i * A.cols]! : v));
    expectError(() => compare('stitching', duplicated, B, { forward }), 'E_DEGENERATE');
    expect(compare('stitching', duplicated, B, { forward, ridge: 1e-3 })).toBeGreaterThan(0);
    expectError(() => compare('stitching', A, B), 'E_OPTION');
    expectError(() => compare('stitching', A, B, { forward, score: 'accuracy' }), 'E_LABELS');
    expectError(() => compare('stitching', A, B, { forward: () => [[1, 0]] }), 'E_SHAPE');
    expectError(() => compare('stitching', A, B, { forward: () => [[NaN]] }), 'E_NONFINITE');
    expectError(() => compare('stitching', A, B, { forward, ridge: -1 }), 'E_OPTION');
  });
});

describe('registry-driven properties of the functional measures (range, identity, symmetry, invariances)', () => {
  // Inputs: related logits of two models on N = 60 inputs, C = 4 (also read as gradients, or as
  // outputs on 30 input pairs), labels that the models get right ~60% of the time.
  const N = 60;
  const C = 4;
  function related(seed: number): { a: Matrix; b: Matrix; labels: Int32Array; extra: Matrix } {
    const base = randomMatrix(N, C, seed, 2);
    const noisy = (s: number) => ({ ...base, data: base.data.map((v, k) => v + randomMatrix(N, C, s).data[k]!) });
    const labels = Int32Array.from({ length: N }, (_, i) => {
      let best = 0;
      for (let c = 1; c < C; c++) if (base.data[i * C + c]! > base.data[i * C + best]!) best = c;
      return i % 3 === 0 ? (best + 1) % C : best;
    });
    return { a: noisy(seed + 1), b: noisy(seed + 2), labels, extra: noisy(seed + 3) };
  }
  // The rest of "model B" for stitching: a fixed linear head on C-dimensional representations.
  const head = randomMatrix(C, 3, 99);
  const forward = (r: Matrix) => multiply(r, head);

  function optionsFor(info: MeasureInfo, labels: Int32Array): Record<string, unknown> {
    const options: Record<string, unknown> = {};
    if ('input' in info.options) options.input = 'logits';
    if ('labels' in info.options && info.id !== 'stitching') options.labels = labels;
    if (info.id === 'stitching') options.forward = forward;
    return options;
  }

  const SEEDS = [1, 2, 3, 4];
  for (const info of listMeasures({ domain: 'functional' })) {
    it(`${info.id}: identity value, range${info.arity === 'group' ? ', order of the models' : ', symmetry'}`, () => {
      const props = effectiveProperties(info, {});
      for (const seed of SEEDS) {
        const { a, b, labels, extra } = related(seed * 10);
        const options = optionsFor(info, labels);
        const value = (x: Matrix, y: Matrix, z?: Matrix) =>
          info.arity === 'group' ? compareGroup(info.id, z ? [x, y, z] : [x, y], options) : compare(info.id, x, y, options);
        if (props.selfValue !== null) expect(Math.abs(value(a, a) - props.selfValue), `seed ${seed}`).toBeLessThan(1e-9);
        const v = value(a, b);
        expect(v).toBeGreaterThanOrEqual(props.range[0] - 1e-12);
        expect(v).toBeLessThanOrEqual(props.range[1] + 1e-12);
        if (info.arity === 'group') {
          expect(compareGroup(info.id, [a, b, extra], options)).toBeCloseTo(compareGroup(info.id, [extra, a, b], options), 12);
        } else if (info.symmetric) {
          expect(value(b, a)).toBeCloseTo(v, 14);
        }
      }
      if (info.arity === 'pair' && !info.symmetric) {
        const differ = SEEDS.some((seed) => {
          const { a, b, labels } = related(seed * 10);
          return Math.abs(compare(info.id, a, b, optionsFor(info, labels)) - compare(info.id, b, a, optionsFor(info, labels))) > 1e-6;
        });
        expect(differ, `${info.id} is declared asymmetric`).toBe(true);
      }
    });

    for (const variant of info.variants) {
      it(`${info.id} [${JSON.stringify(variant.when)}]: identity value and range under the variant's options`, () => {
        const props = effectiveProperties(info, variant.when);
        for (const seed of SEEDS) {
          const { a, b, labels, extra } = related(seed * 10);
          const options = { ...optionsFor(info, labels), ...variant.when };
          // The stitched model's head has 3 classes.
          if (info.id === 'stitching') options.labels = labels.map((l) => l % 3);
          const value = (x: Matrix, y: Matrix, z?: Matrix) =>
            info.arity === 'group' ? compareGroup(info.id, z ? [x, y, z] : [x, y], options) : compare(info.id, x, y, options);
          if (props.selfValue !== null) expect(Math.abs(value(a, a) - props.selfValue), `seed ${seed}`).toBeLessThan(1e-9);
          for (const v of [value(a, b), value(b, extra)]) {
            expect(v).toBeGreaterThanOrEqual(props.range[0] - 1e-12);
            expect(v).toBeLessThanOrEqual(props.range[1] + 1e-12);
          }
        }
      });
    }

    for (const invariance of INVARIANCES) {
      const first = info.argumentInvariances?.first ?? [];
      const declared = info.invariances.includes(invariance) || first.includes(invariance);
      if (info.arity === 'group' && !declared) continue;
      const onFirst = first.includes(invariance) && !info.invariances.includes(invariance);
      it(`${info.id}: ${invariance} of the ${onFirst ? 'first' : 'second'} model's outputs ${declared ? 'holds' : 'fails'}`, () => {
        const changes = SEEDS.map((seed) => {
          const { a, b, labels } = related(seed * 10);
          const options = optionsFor(info, labels);
          const value = (x: Matrix, y: Matrix) =>
            info.arity === 'group' ? compareGroup(info.id, [x, y], options) : compare(info.id, x, y, options);
          const transformed = TRANSFORMS[invariance](onFirst ? a : b, seed + 50);
          const before = value(a, b);
          const after = onFirst ? value(transformed, b) : value(a, transformed);
          return Math.abs(before - after) / Math.max(1, Math.abs(before));
        });
        if (declared) for (const c of changes) expect(c).toBeLessThan(1e-9);
        else expect(Math.max(...changes)).toBeGreaterThan(1e-6);
      });
    }
  }
});

describe('compareMany with functional measures', () => {
  it('accepts label vectors and logits for several functional measures at once', () => {
    const results = compareMany(
      ['disagreement', 'cohens-kappa', { id: 'accuracy-difference', options: { labels: Y } }],
      A,
      B,
    );
    expect(results).toEqual({ disagreement: compare('disagreement', A, B), 'cohens-kappa': 0.5, 'accuracy-difference': compare('accuracy-difference', A, B, { labels: Y }) });
    const logits = compareMany([{ id: 'jsd', options: { input: 'logits' } }, 'disagreement'], logitsOf(A), logitsOf(B));
    expect(logits.disagreement).toBeCloseTo(1 / 3, 15);
    expect(logits.jsd).toBeGreaterThan(0);
  });
});

describe('errors come in a useful order', () => {
  it('an unknown id is reported before its inputs are read', () => {
    expectError(() => compare('disagreemnt', A, B), 'E_UNKNOWN_MEASURE');
    expectError(() => compareGroup('ambiguty', [A, B]), 'E_UNKNOWN_MEASURE');
  });

  it('label vectors are refused by representational measures with a typed error', () => {
    expectError(() => compare('cka', A, B), 'E_TYPE');
  });
});

describe('typed functions of group measures', () => {
  it('measures.fleissKappa(outputs) equals compareGroup, sync and async', async () => {
    const nnsim = await import('../src/index.js');
    const models = [
      [0, 1, 2, 1, 0, 2],
      [0, 1, 1, 1, 0, 2],
      [0, 2, 2, 1, 1, 2],
    ];
    const want = nnsim.compareGroup('fleiss-kappa', models);
    expect(nnsim.measures.fleissKappa(models)).toBe(want);
    expect(nnsim.fleissKappa(models)).toBe(want);
    expect(await nnsim.measures.fleissKappa.async(models)).toBe(want);
  });

  it('every functional measure but stitching has a named export that is its measures entry', async () => {
    const nnsim = (await import('../src/index.js')) as unknown as Record<string, unknown>;
    const camel = (id: string) => id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    for (const m of (await import('../src/index.js')).listMeasures({ domain: 'functional' })) {
      if (m.id === 'stitching') continue;
      expect(nnsim[camel(m.id)], m.id).toBe((nnsim.measures as Record<string, unknown>)[camel(m.id)]);
    }
  });
});

describe('ground truth with label-vector predictions', () => {
  it('a true class that no model predicts is still a valid label, for every labelled measure', async () => {
    const { compare } = await import('../src/index.js');
    // Truth has class 2, predicted by neither model. Hand values: a errs on inputs 0, 2 and b on 0, 1 →
    // accuracies 1/3 and 1/3; the models differ on inputs 1, 2, so error-corrected disagreement =
    // disagreement (2/3) / error rate of the first model (2/3) = 1; transferability: of a's 2 errors
    // (inputs 0, 2) b also errs on 1 → 0.5.
    const a = [0, 0, 0];
    const b = [0, 1, 1];
    const labels = [2, 0, 1];
    expect(compare('accuracy-difference', a, b, { labels })).toBeCloseTo(0, 15);
    expect(compare('error-corrected-disagreement', a, b, { labels })).toBeCloseTo(1, 15);
    expect(compare('adversarial-transferability', a, b, { labels })).toBeCloseTo(0.5, 15);
  });
});

describe('compareGroup.async off the event loop', () => {
  // K = 6 models × N = 6000 inputs × C = 8 classes: above the worker threshold.
  function softmaxOutputs(k: number, n: number, c: number, seed: number): { data: Float64Array; rows: number; cols: number }[] {
    let s = seed;
    const uniform = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    return Array.from({ length: k }, () => {
      const data = new Float64Array(n * c).map(() => 3 * uniform());
      return { data, rows: n, cols: c };
    });
  }

  it('a large Rashomon capacity runs on a worker thread: same value as sync, timers keep firing meanwhile', async () => {
    const { compareGroup } = await import('../src/index.js');
    const outputs = softmaxOutputs(6, 6000, 8, 7);
    const want = compareGroup('rashomon-capacity', outputs, { input: 'logits' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const got = await compareGroup.async('rashomon-capacity', outputs, { input: 'logits' });
    const ticksBeforeSettling = ticks;
    clearInterval(timer);
    expect(got).toBe(want);
    // Computed on the main thread, the call would block the loop until it settles: no tick at all.
    expect(ticksBeforeSettling).toBeGreaterThan(0);
  });

  it('typed errors cross the thread, and an abort terminates the worker', async () => {
    const { compareGroup } = await import('../src/index.js');
    const outputs = softmaxOutputs(6, 6000, 8, 9);
    await expect(compareGroup.async('rashomon-capacity', outputs, {})).rejects.toMatchObject({ code: 'E_OPTION' });
    const controller = new AbortController();
    const pending = compareGroup.async('rashomon-capacity', outputs, { input: 'logits' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });
});
