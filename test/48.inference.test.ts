// Inference: the statistics against SciPy, the permutation null against a plain loop of compare() on
// permuted inputs, determinism per seed and thread count, the resampling schemes and their declaration
// in each measure's metadata, cross-validation against netrep and scikit-learn, and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  alignmentMap,
  benjaminiHochberg,
  bootstrap,
  compare,
  configure,
  effectiveProperties,
  crossValidate,
  getConfig,
  listMeasures,
  permutationTest,
} from '../src/index.js';
import type { MeasureInfo } from '../src/measure-types.js';
import type { Matrix } from '../src/matrix.js';
import { nativeAddon } from '../src/native.js';
import {
  bcaInterval,
  normalCdf,
  normalQuantile,
  percentileInterval,
  permutationPValue,
  subsampleInterval,
} from '../src/inference/statistics.js';
import { errorOf } from './helpers/errors.js';
import { fromRows, readFixture } from './helpers/fixtures.js';
import { relatedPair } from './helpers/properties.js';
import { inputSimilarity } from './helpers/required.js';
import { multiply, randomMatrix, relatedMatrix } from './helpers/random.js';

interface InferenceReference {
  normal: { cdf: [number, number][]; quantile: [number, number][] };
  bootstrap: {
    statistic: string;
    level: number;
    value: number;
    distribution: number[];
    jackknife: number[];
    percentile: [number, number];
    bca: [number, number];
  }[];
  fdr: { p: (number | null)[][]; alpha: number; adjusted: (number | null)[][] }[];
}

const reference = readFixture<InferenceReference>('inference-reference.json');

function relative(x: number, y: number): number {
  return Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);
}

describe('statistics against SciPy', () => {
  it('normalCdf and normalQuantile equal scipy.special.ndtr and ndtri', () => {
    for (const [x, want] of reference.normal.cdf) expect(relative(normalCdf(x), want), `Φ(${x})`).toBeLessThan(1e-13);
    for (const [p, want] of reference.normal.quantile) expect(relative(normalQuantile(p), want), `Φ⁻¹(${p})`).toBeLessThan(1e-13);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });

  it('percentile and BCa intervals equal scipy.stats.bootstrap on its own bootstrap distribution', () => {
    for (const c of reference.bootstrap) {
      const p = percentileInterval(c.distribution, c.level);
      expect(relative(p.lower, c.percentile[0]), `${c.statistic} percentile lower`).toBeLessThan(1e-12);
      expect(relative(p.upper, c.percentile[1]), `${c.statistic} percentile upper`).toBeLessThan(1e-12);
      const b = bcaInterval(c.distribution, c.value, c.jackknife, c.level);
      expect(relative(b.lower, c.bca[0]), `${c.statistic} BCa lower`).toBeLessThan(1e-10);
      expect(relative(b.upper, c.bca[1]), `${c.statistic} BCa upper`).toBeLessThan(1e-10);
      // BCa moves away from the percentile interval on these skewed samples (the check has teeth).
      expect(Math.abs(b.lower - p.lower)).toBeGreaterThan(1e-4);
    }
  });

  it('Benjamini–Hochberg: the hand-worked case and scipy.stats.false_discovery_control', () => {
    const hand = benjaminiHochberg(reference.fdr[0]!.p);
    expect(hand.tests).toBe(5);
    expect(hand.rejected).toEqual([
      [true, false, false],
      [true, true, false],
      [false, true, false],
    ]);
    for (const c of reference.fdr) {
      const out = benjaminiHochberg(c.p, { alpha: c.alpha });
      c.adjusted.forEach((row, i) =>
        row.forEach((want, j) => {
          if (want === null) {
            expect(out.adjusted[i]![j]).toBeNull();
            expect(out.rejected[i]![j]).toBe(false);
          } else {
            expect(out.adjusted[i]![j]!).toBeCloseTo(want, 14);
            expect(out.rejected[i]![j]).toBe(want <= c.alpha);
          }
        }),
      );
    }
    expect(errorOf(() => benjaminiHochberg([[0.5, 1.2]])).code).toBe('E_OPTION');
    expect(errorOf(() => benjaminiHochberg([[0.5]], { alpha: 1 })).code).toBe('E_OPTION');
  });

  it('p-values: (1 + count) / (1 + B), ties within rounding count, two-sided doubles the smaller side', () => {
    const nullValues = [0.1, 0.5, 0.3, 0.5 * (1 + 1e-15), 0.9];
    expect(permutationPValue(0.5, nullValues, 'greater')).toBeCloseTo(4 / 6, 15);
    expect(permutationPValue(0.5, nullValues, 'less')).toBeCloseTo(5 / 6, 15);
    expect(permutationPValue(0.5, nullValues, 'two-sided')).toBe(1);
    expect(permutationPValue(0.95, nullValues, 'two-sided')).toBeCloseTo(2 / 6, 15);
  });

  it('subsampling interval: subsample deviations around the estimate, scaled by √(m/(n − m))', () => {
    const values = [1, 2, 3, 4, 5];
    const out = subsampleInterval(values, 10, 9, 4, 0.5);
    const s = Math.sqrt(4 / 5);
    expect(out.lower).toBeCloseTo(10 + s * (2 - 3), 14);
    expect(out.upper).toBeCloseTo(10 + s * (4 - 3), 14);
  });
});

// --------------------------------------------------------------------------------------------------

const N = 80;
const { a: A, b: B } = relatedPair(5, N, 6, 5);
const LABELS = Int32Array.from({ length: N }, (_, i) => (i * 7) % 3);

function logits(seed: number, rows = N, classes = 4): Matrix {
  return randomMatrix(rows, classes, seed, 2);
}

function permutations(n: number, seed: number, count: number): Int32Array[] {
  const all = nativeAddon().inferenceIndices('permutation', n, seed, 0, count, 0);
  return Array.from({ length: count }, (_, p) => all.slice(p * n, (p + 1) * n));
}

/** Rows `order` of m, in that order (any count). */
function rows(m: Matrix, order: ArrayLike<number>): Matrix {
  const data = new Float64Array(order.length * m.cols);
  for (let i = 0; i < order.length; i++) data.set(m.data.subarray(order[i]! * m.cols, (order[i]! + 1) * m.cols), i * m.cols);
  return { data, rows: order.length, cols: m.cols };
}

describe('permutationTest: the null is the measure on permuted inputs', () => {
  const cases: { id: string; options?: Record<string, unknown>; a?: Matrix; b?: Matrix; method: string; exact: boolean }[] = [
    { id: 'cka', a: randomMatrix(40, 30, 6), b: relatedMatrix(randomMatrix(40, 30, 6), 25, 7), method: 'cka-gram-space', exact: false },
    { id: 'cka', a: randomMatrix(300, 3, 8), b: relatedMatrix(randomMatrix(300, 3, 8), 2, 9), method: 'cka-feature-space', exact: false },
    { id: 'cka', options: { kernel: 'rbf' }, method: 'cka-gram-space', exact: false },
    { id: 'cka', options: { kernel: 'laplace', estimator: 'lange' }, method: 'cka-gram-space', exact: false },
    { id: 'cka', options: { estimator: 'unbiased', output: 'angular' }, method: 'cka-gram-space', exact: false },
    { id: 'cka', a: randomMatrix(300, 3, 8), b: relatedMatrix(randomMatrix(300, 3, 8), 2, 9), options: { output: 'angular' }, method: 'cka-feature-space', exact: false },
    { id: 'rsa', method: 'rsa-rdm-gather', exact: true },
    { id: 'rsa', options: { outer: 'kendall' }, method: 'rsa-rdm-gather', exact: false },
    { id: 'knn-jaccard', options: { k: 6 }, method: 'knn-relabel', exact: true },
    { id: 'procrustes', method: 'generic', exact: true },
    { id: 'second-order-cosine', method: 'generic', exact: true },
    { id: 'knn-modularity-difference', options: { labels: LABELS }, method: 'generic', exact: true },
    { id: 'disagreement', a: logits(1), b: logits(2), method: 'javascript', exact: true },
    { id: 'accuracy-difference', options: { labels: LABELS }, a: logits(3, N, 3), b: logits(4, N, 3), method: 'javascript', exact: true },
  ];
  for (const c of cases) {
    it(`${c.id} ${JSON.stringify(c.options ?? {}, (_, v: unknown) => (v instanceof Int32Array ? 'labels' : v))}: ${c.method}`, () => {
      const a = c.a ?? A;
      const b = c.b ?? B;
      const result = permutationTest(c.id, a, b, { permutations: 25, seed: 11, measureOptions: c.options });
      expect(result.method).toBe(c.method);
      expect(result.value).toBe(compare(c.id, a, b, c.options));
      const naive = permutations(a.rows, 11, 25).map((perm) => compare(c.id, a, rows(b, perm), c.options));
      const worst = Math.max(...naive.map((v, p) => Math.abs(v - result.null[p]!)));
      if (c.exact) expect(worst).toBe(0);
      else expect(worst).toBeLessThan(1e-12);
      // The null differs from the observed value (it is not a copy of it), and the p-value is its estimator.
      expect(new Set(result.null).size).toBeGreaterThan(1);
      expect(result.pValue).toBe(permutationPValue(result.value, result.null, result.alternative));
    });
  }

  it('direction from the kind: similarities greater, distances less; two-sided on request', () => {
    expect(permutationTest('cka', A, B, { permutations: 9 }).alternative).toBe('greater');
    expect(permutationTest('procrustes', A, B, { permutations: 9 }).alternative).toBe('less');
    const two = permutationTest('procrustes', A, B, { permutations: 19, alternative: 'two-sided' });
    expect(two.alternative).toBe('two-sided');
    // Related inputs: the observed distance is below every permuted one.
    expect(two.pValue).toBeCloseTo(2 / 20, 15);
  });

  it('deterministic per seed, for any thread count (fast, generic and JavaScript paths)', () => {
    const threads = getConfig().threads;
    try {
      const runs = [1, 2].map((t) => {
        configure({ threads: t });
        return ['cka', 'rsa', 'knn-jaccard', 'procrustes'].map((id) => permutationTest(id, A, B, { permutations: 60, seed: 4 }).null);
      });
      expect(runs[0]).toEqual(runs[1]);
    } finally {
      configure({ threads });
    }
    const x = permutationTest('disagreement', logits(5), logits(6), { permutations: 30, seed: 2 });
    expect(permutationTest('disagreement', logits(5), logits(6), { permutations: 30, seed: 2 }).null).toEqual(x.null);
    expect(permutationTest('disagreement', logits(5), logits(6), { permutations: 30, seed: 3 }).null).not.toEqual(x.null);
  });
});

// --------------------------------------------------------------------------------------------------

describe('bootstrap', () => {
  it('each resample is the measure on rows drawn with replacement (labels follow their rows)', () => {
    const out = bootstrap('knn-modularity-difference', A, B, { resamples: 6, seed: 3, measureOptions: { labels: LABELS } });
    expect(out.scheme).toBe('subsample');
    const draws = nativeAddon().inferenceIndices('subsample', N, 3, 0, 6, N / 2);
    for (let r = 0; r < 6; r++) {
      const idx = Array.from(draws.subarray((r * N) / 2, ((r + 1) * N) / 2));
      expect(new Set(idx).size).toBe(N / 2);
      const labels = Int32Array.from(idx, (i) => LABELS[i]!);
      expect(out.distribution[r]).toBe(compare('knn-modularity-difference', rows(A, idx), rows(B, idx), { labels }));
    }
    const cka = bootstrap('cka', A, B, { resamples: 6, seed: 3 });
    expect(cka.scheme).toBe('bootstrap');
    const with_ = nativeAddon().inferenceIndices('bootstrap', N, 3, 0, 6, N);
    for (let r = 0; r < 6; r++) {
      const idx = Array.from(with_.subarray(r * N, (r + 1) * N));
      expect(cka.distribution[r]).toBe(compare('cka', rows(A, idx), rows(B, idx)));
    }
    const acc = bootstrap('accuracy-difference', logits(7, N, 3), logits(8, N, 3), { resamples: 4, seed: 3, measureOptions: { labels: LABELS } });
    for (let r = 0; r < 4; r++) {
      const idx = Array.from(with_.subarray(r * N, (r + 1) * N));
      const labels = Int32Array.from(idx, (i) => LABELS[i]!);
      expect(acc.distribution[r]).toBe(compare('accuracy-difference', rows(logits(7, N, 3), idx), rows(logits(8, N, 3), idx), { labels }));
    }
  });

  it('intervals: percentile, BCa (jackknife: leave-one-out for N ≤ resamples, else groups), subsampling', () => {
    const p = bootstrap('cka', A, B, { resamples: 200, seed: 1 });
    expect(p).toMatchObject(percentileInterval(p.distribution, 0.95));
    const b = bootstrap('cka', A, B, { resamples: 200, seed: 1, method: 'bca', level: 0.9 });
    expect(b.jackknife).toHaveLength(N);
    expect(b).toMatchObject(bcaInterval(b.distribution, b.value, b.jackknife!, 0.9));
    expect(b.distribution).toEqual(p.distribution);
    const grouped = bootstrap('cka', A, B, { resamples: 30, seed: 1, method: 'bca' });
    expect(grouped.jackknife).toHaveLength(30);
    const s = bootstrap('rsa', A, B, { resamples: 50, seed: 1 });
    expect(s.sampleSize).toBe(N / 2);
    expect(s).toMatchObject(subsampleInterval(s.distribution, s.value, N, N / 2, 0.95));
    expect(s.lower).toBeLessThan(s.value);
    expect(s.upper).toBeGreaterThan(s.value);
  });
});

// --------------------------------------------------------------------------------------------------
// Each measure's metadata for inference, checked against the measure itself.

const NF = 60;
function inputsFor(info: MeasureInfo, seed: number): { a: Matrix; b: Matrix; options: Record<string, unknown> } {
  const labels = Int32Array.from({ length: NF }, (_, i) => (i * 5 + seed) % 3);
  const options: Record<string, unknown> = {};
  if (info.domain === 'representational') {
    const { a, b } = relatedPair(seed, NF, 6, 5);
    if (info.requires.includes('labels')) options.labels = labels;
    if (info.id === 'riemannian') options.regularization = 0.1;
    if (info.id === 'maximum-match') options.epsilon = 0.6;
    if (info.id === 'geometry-score') Object.assign(options, { gamma: 0.1, repetitions: 5, landmarks: 20 });
    for (const [key, spec] of Object.entries(info.options)) if (spec.type === 'matrix' && spec.required) options[key] = inputSimilarity(NF, seed);
    return { a, b, options };
  }
  const base = randomMatrix(NF, 3, seed, 2);
  const noisy = (s: number): Matrix => ({ ...base, data: base.data.map((v, k) => v + randomMatrix(NF, 3, s).data[k]!) });
  if ('input' in info.options) options.input = 'logits';
  if ('labels' in info.options) options.labels = labels;
  if (info.id === 'stitching') options.forward = (r: Matrix) => multiply(r, randomMatrix(3, 3, 99));
  return { a: noisy(seed + 1), b: noisy(seed + 2), options };
}

function isMatrix(value: unknown): value is Matrix {
  return typeof value === 'object' && value !== null && 'data' in value && 'rows' in value && 'cols' in value;
}

/** An N × N matrix over the inputs for every input twice: [[K, K], [K, K]]. */
function twiceSquare(k: Matrix): Matrix {
  const n = k.rows;
  const data = new Float64Array(4 * n * n);
  for (let i = 0; i < 2 * n; i++) for (let j = 0; j < 2 * n; j++) data[i * 2 * n + j] = k.data[(i % n) * n + (j % n)]!;
  return { data, rows: 2 * n, cols: 2 * n };
}

/** Every input twice (for 'input-pair' measures each half twice, so that rows i and M + i stay a pair). */
function twice(m: Matrix, unit: MeasureInfo['rowUnit']): Matrix {
  const parts = unit === 'input' ? [m.data, m.data] : [0, 0, 1, 1].map((h) => m.data.subarray((h * m.data.length) / 2, ((h + 1) * m.data.length) / 2));
  const data = new Float64Array(2 * m.data.length);
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  return { data, rows: 2 * m.rows, cols: m.cols };
}

const pairMeasures = listMeasures().filter((m) => m.arity === 'pair');

describe('metadata: paired', () => {
  for (const info of pairMeasures) {
    it(`${info.id}: ${info.paired ? 'depends on the pairing of the inputs' : 'does not depend on the pairing (no permutation test)'}`, () => {
      const changes = [1, 2, 3].map((seed) => {
        const { a, b, options } = inputsFor(info, seed);
        const perm = permutations(NF, seed, 1)[0]!;
        return Math.abs(compare(info.id, a, rows(b, perm), options) - compare(info.id, a, b, options));
      });
      if (info.paired) {
        expect(Math.max(...changes)).toBeGreaterThan(1e-6);
      } else {
        // Stochastic measures draw their random landmarks/start vectors per row order: only in distribution.
        if (!info.stochastic) for (const c of changes) expect(c).toBeLessThan(1e-12);
        const { a, b, options } = inputsFor(info, 1);
        expect(errorOf(() => permutationTest(info.id, a, b, { permutations: 3, measureOptions: options })).code).toBe('E_OPTION');
      }
    });
  }
});

describe('measures with N × N matrix options', () => {
  it('dcka: permutationTest and bootstrap refuse it with E_OPTION naming the option (crossValidate: it fits no map)', () => {
    const info = listMeasures().find((m) => m.id === 'dcka')!;
    const { a, b, options } = inputsFor(info, 1);
    for (const run of [
      () => permutationTest('dcka', a, b, { permutations: 3, measureOptions: options }),
      () => bootstrap('dcka', a, b, { resamples: 3, measureOptions: options }),
    ]) {
      const error = errorOf(run);
      expect(error.code).toBe('E_OPTION');
      expect(error.message).toContain('inputSimilarity');
    }
    expect(errorOf(() => crossValidate('dcka', a, b, { measureOptions: options })).code).toBe('E_OPTION');
  });
});

describe('metadata: resampling (duplicated rows break the measures that subsample)', () => {
  // Every row twice is the same empirical distribution: a measure safe for the bootstrap keeps its value,
  // up to a power of the doubled N (unnormalised norms: √2, 2); the others change (a duplicate is its own
  // nearest neighbour, ties at dissimilarity 0, makes kernels singular, enters U-statistics as a
  // diagonal term) or fail. Checked with the default options and under each variant's options.
  const scales = [1, Math.SQRT2, 2, 2 * Math.SQRT2, 4];
  for (const info of pairMeasures) {
    for (const when of [{}, ...info.variants.map((v) => v.when)]) {
      const scheme = effectiveProperties(info, when).resampling;
      it(`${info.id} ${JSON.stringify(when)}: ${scheme}`, () => {
        if (info.stochastic) {
          // Random draws depend on N, so duplication cannot be told apart from them: stochastic measures subsample.
          expect(scheme).toBe('subsample');
          return;
        }
        const invariant = [1, 2].map((seed) => {
          const { a, b, options } = inputsFor(info, seed);
          const once = compare(info.id, a, b, { ...options, ...when });
          const doubledOptions: Record<string, unknown> = { ...options, ...when };
          if (options.labels instanceof Int32Array) doubledOptions.labels = Int32Array.from([...options.labels, ...options.labels]);
          // A ridge λ is in units of YᵀY, which doubles with the rows (bootstrap resamples keep N).
          if (info.id === 'linear-regression' && typeof doubledOptions.lambda === 'number') doubledOptions.lambda *= 2;
          // A per-input N × N matrix (dCKA's input similarity) doubles with its rows and columns.
          for (const [key, value] of Object.entries(options)) if (key !== 'labels' && isMatrix(value)) doubledOptions[key] = twiceSquare(value);
          let doubled: number;
          try {
            doubled = compare(info.id, twice(a, info.rowUnit), twice(b, info.rowUnit), doubledOptions);
          } catch {
            return false;
          }
          return scales.some((s) => Math.abs(doubled - s * once) <= 1e-9 * Math.max(1, Math.abs(doubled)));
        });
        expect(invariant.every(Boolean)).toBe(scheme === 'bootstrap');
      });
    }
  }
});

// --------------------------------------------------------------------------------------------------

interface NetrepReference {
  n: number;
  folds: number;
  seed: number;
  groups: number[];
  cases: { measure: string; options: Record<string, unknown>; a: number[][]; b: number[][]; folds: number[] }[];
}

describe('crossValidate', () => {
  const netrep = readFixture<NetrepReference>('netrep-reference.json');

  it('folds are the core generator\'s (the Python port agrees)', () => {
    expect(Array.from(nativeAddon().inferenceIndices('folds', netrep.n, netrep.seed, 0, 0, netrep.folds))).toEqual(netrep.groups);
  });

  for (const c of netrep.cases) {
    it(`${c.measure} ${JSON.stringify(c.options)}: held-out scores equal the reference (netrep / scikit-learn)`, () => {
      const a = fromRows(c.a);
      const b = fromRows(c.b);
      const out = crossValidate(c.measure, a, b, { folds: netrep.folds, seed: netrep.seed, measureOptions: c.options });
      c.folds.forEach((want, f) => expect(Math.abs(out.folds[f]! - want), `fold ${f}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(want))));
      expect(out.value).toBe(compare(c.measure, a, b, c.options));
      expect(out.mean).toBeCloseTo(c.folds.reduce((s, v) => s + v, 0) / c.folds.length, 12);
      expect(out.testRows.reduce((s, v) => s + v, 0)).toBe(netrep.n);
    });
  }

  it('the fitted maps scored on their own rows give the measure', () => {
    for (const id of ['procrustes', 'shape-metric', 'linear-regression', 'aligned-cosine']) {
      const map = alignmentMap(id, A, B);
      expect(map.a.transform.rows).toBe(A.cols);
      expect(map.b.transform.rows).toBe(B.cols);
      expect(map.a.transform.cols).toBe(map.b.transform.cols);
    }
    // procrustes: (A − 1μᵀ) T_a − (B − 1νᵀ) T_b has the Procrustes distance as its Frobenius norm.
    const map = alignmentMap('procrustes', A, B);
    const k = map.a.transform.cols;
    let sum = 0;
    for (let i = 0; i < N; i++) {
      for (let c = 0; c < k; c++) {
        let x = 0;
        for (let j = 0; j < A.cols; j++) x += (A.data[i * A.cols + j]! - map.a.mean[j]!) * map.a.transform.data[j * k + c]!;
        let y = 0;
        for (let j = 0; j < B.cols; j++) y += (B.data[i * B.cols + j]! - map.b.mean[j]!) * map.b.transform.data[j * k + c]!;
        sum += (x - y) ** 2;
      }
    }
    expect(Math.sqrt(sum)).toBeCloseTo(compare('procrustes', A, B), 10);
  });

  it('stitching: the map fitted on the other folds, the rest of B run on the held-out fold', () => {
    const head = randomMatrix(5, 3, 42);
    const forward = (r: Matrix): Matrix => multiply(r, head);
    const out = crossValidate('stitching', A, B, { folds: 4, seed: 2, measureOptions: { forward } });
    const groups = nativeAddon().inferenceIndices('folds', N, 2, 0, 0, 4);
    for (let f = 0; f < 4; f++) {
      const train = [...groups.keys()].filter((i) => groups[i] !== f);
      const test = [...groups.keys()].filter((i) => groups[i] === f);
      // The affine map by normal equations here (the core uses QR), then agreement of argmax predictions.
      const at = rows(A, train);
      const bt = rows(B, train);
      const predictedTest = affineFit(at, bt, rows(A, test));
      const own = argmax(forward(rows(B, test)));
      const stitched = argmax(forward(predictedTest));
      const agreement = own.filter((v, i) => v === stitched[i]).length / own.length;
      expect(out.folds[f]).toBeCloseTo(agreement, 12);
    }
  });
});

function argmax(m: Matrix): number[] {
  return Array.from({ length: m.rows }, (_, i) => {
    let best = 0;
    for (let c = 1; c < m.cols; c++) if (m.data[i * m.cols + c]! > m.data[i * m.cols + best]!) best = c;
    return best;
  });
}

/** Least squares [A 1] W ≈ B by the normal equations (Gaussian elimination), applied to `x`. */
function affineFit(a: Matrix, b: Matrix, x: Matrix): Matrix {
  const d = a.cols + 1;
  const at = (i: number, j: number): number => (j === a.cols ? 1 : a.data[i * a.cols + j]!);
  const system = Array.from({ length: d }, (_, r) =>
    Array.from({ length: d + b.cols }, (_, c) => {
      let s = 0;
      for (let i = 0; i < a.rows; i++) s += at(i, r) * (c < d ? at(i, c) : b.data[i * b.cols + (c - d)]!);
      return s;
    }),
  );
  for (let p = 0; p < d; p++) {
    for (let r = 0; r < d; r++) {
      if (r === p) continue;
      const f = system[r]![p]! / system[p]![p]!;
      for (let c = 0; c < d + b.cols; c++) system[r]![c]! -= f * system[p]![c]!;
    }
  }
  const out = new Float64Array(x.rows * b.cols);
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < b.cols; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (j === x.cols ? 1 : x.data[i * x.cols + j]!) * (system[j]![d + c]! / system[j]![j]!);
      out[i * b.cols + c] = s;
    }
  }
  return { data: out, rows: x.rows, cols: b.cols };
}

// --------------------------------------------------------------------------------------------------

// Inputs whose largest entries lie outside [2^-200, 2^200) are computed on copies scaled by a power of
// two (the magnitude rule); permuted, resampled and held-out copies must be scaled like their input, and
// the measure's scale rule (homogeneous, own scale, invariant) applied as compare() applies it.
describe('magnitudes: inference on inputs the core rescales', () => {
  const at = (m: Matrix, e: number): Matrix => ({ ...m, data: m.data.map((v) => v * 2 ** e) });
  const near = (got: number, want: number, what: string): void =>
    expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-12 * Math.abs(want));
  const cases: { id: string; options?: Record<string, unknown>; ea: number; eb: number }[] = [
    { id: 'procrustes', ea: 300, eb: 300 }, // homogeneous of degree 1: the value scaled back
    { id: 'procrustes', ea: 300, eb: 100 }, // two scales: brought to one
    { id: 'linear-regression', options: { lambda: 2 ** 500 }, ea: 0, eb: 250 }, // λ in B's units (own scale)
    { id: 'riemannian', options: { regularization: 0.1 }, ea: -300, eb: -300 },
    { id: 'cka', ea: 400, eb: -250 }, // fast paths: scale-invariant measures
    { id: 'rsa', ea: -400, eb: 0 },
  ];
  for (const c of cases) {
    it(`${c.id} at 2^${c.ea} and 2^${c.eb}: the null and the resamples are the measure on those copies`, () => {
      const a = at(A, c.ea);
      const b = at(B, c.eb);
      const test = permutationTest(c.id, a, b, { permutations: 8, seed: 5, measureOptions: c.options });
      expect(test.value).toBe(compare(c.id, a, b, c.options));
      permutations(N, 5, 8).forEach((perm, p) => near(test.null[p]!, compare(c.id, a, rows(b, perm), c.options), `permutation ${p}`));
      const boot = bootstrap(c.id, a, b, { resamples: 4, seed: 5, measureOptions: c.options });
      const width = boot.sampleSize;
      const draws = nativeAddon().inferenceIndices(boot.scheme === 'subsample' ? 'subsample' : 'bootstrap', N, 5, 0, 4, width);
      for (let r = 0; r < 4; r++) {
        const idx = Array.from(draws.subarray(r * width, (r + 1) * width));
        near(boot.distribution[r]!, compare(c.id, rows(a, idx), rows(b, idx), c.options), `resample ${r}`);
      }
    });
  }

  it('cross-validated folds in the inputs\' units: procrustes scales with them, R² does not (λ in B\'s units)', () => {
    // Shifting both inputs by 2^150 keeps them inside the safe range: the reference computed directly.
    const scaled = crossValidate('procrustes', at(A, 300), at(B, 100), { folds: 4, seed: 1 });
    const direct = crossValidate('procrustes', at(A, 150), at(B, -50), { folds: 4, seed: 1 });
    direct.folds.forEach((f, i) => near(scaled.folds[i]!, f * 2 ** 150, `procrustes fold ${i}`));
    const ridge = crossValidate('linear-regression', A, at(B, 250), { folds: 4, seed: 1, measureOptions: { lambda: 2 ** 500 } });
    const unit = crossValidate('linear-regression', A, B, { folds: 4, seed: 1, measureOptions: { lambda: 1 } });
    unit.folds.forEach((f, i) => near(ridge.folds[i]!, f, `linear-regression fold ${i}`));
  });

  it('alignmentMap returns the map of the caller\'s data: means in its units, transforms as each map needs', () => {
    const [ka, kb] = [300, 100];
    const close = (got: ArrayLike<number>, want: ArrayLike<number>, factor: number, what: string): void => {
      const scale = Math.max(...Array.from(want, (v) => Math.abs(v * factor)));
      Array.from(want).forEach((w, i) => expect(Math.abs(got[i]! - w * factor), `${what} ${i}`).toBeLessThanOrEqual(1e-12 * scale));
    };
    // Rotations are unitless; whitening transforms carry 1/scale; a regression predicts A from B.
    const expected: Record<string, { ta: number; tb: number; options?: Record<string, unknown>; scaledOptions?: Record<string, unknown> }> = {
      procrustes: { ta: 1, tb: 1 },
      'shape-metric': { ta: 2 ** -ka, tb: 2 ** -kb },
      'linear-regression': { ta: 1, tb: 2 ** (ka - kb), options: { lambda: 3 }, scaledOptions: { lambda: 3 * 2 ** (2 * kb) } },
    };
    for (const [id, e] of Object.entries(expected)) {
      const scaled = alignmentMap(id, at(A, ka), at(B, kb), e.scaledOptions ?? e.options);
      const plain = alignmentMap(id, A, B, e.options);
      close(scaled.a.mean, plain.a.mean, 2 ** ka, `${id} mean a`);
      close(scaled.b.mean, plain.b.mean, 2 ** kb, `${id} mean b`);
      close(scaled.a.transform.data, plain.a.transform.data, e.ta, `${id} transform a`);
      close(scaled.b.transform.data, plain.b.transform.data, e.tb, `${id} transform b`);
    }
  });
});

describe('bad input: typed E_OPTION errors with the valid range', () => {
  it('permutations, resamples, seed, level, folds, alternative, method, unknown keys', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => permutationTest('cka', A, B, { permutations: 0 }), /integer ≥ 1 ≤ 1000000 for option 'permutations'/],
      [() => permutationTest('cka', A, B, { permutations: 1e6 + 1 }), /≤ 1000000/],
      [() => permutationTest('cka', A, B, { permutations: 2.5 }), /an integer/],
      [() => permutationTest('cka', A, B, { seed: -1 }), /seed/],
      [() => permutationTest('cka', A, B, { alternative: 'bigger' as 'greater' }), /'greater', 'less', 'two-sided'/],
      [() => bootstrap('cka', A, B, { resamples: 0 }), /option 'resamples'/],
      [() => bootstrap('cka', A, B, { level: 1 }), /> 0 < 1 for option 'level'/],
      [() => bootstrap('cka', A, B, { level: 0 }), /option 'level'/],
      [() => bootstrap('cka', A, B, { method: 'basic' as 'bca' }), /'percentile', 'bca'/],
      [() => bootstrap('rsa', A, B, { method: 'bca' }), /subsampling/],
      [() => crossValidate('procrustes', A, B, { folds: N + 1 }), new RegExp(`\\[2, ${N}\\]`)],
      [() => crossValidate('procrustes', A, B, { folds: 1 }), /option 'folds'/],
      [() => crossValidate('cka', A, B), /does not fit a map.*procrustes/],
      [() => permutationTest('cka', A, B, { permutation: 10 } as object), /did you mean 'permutations'/],
      [() => permutationTest('cka', A, B, { measureOptions: { kernal: 'rbf' } } as object), /did you mean 'kernel'/],
    ];
    for (const [fn, message] of cases) {
      const error = errorOf(fn);
      expect(error.code, String(message)).toBe('E_OPTION');
      expect(error.message).toMatch(message);
    }
    expect(errorOf(() => permutationTest('cka', A, randomMatrix(N + 1, 3, 1))).code).toBe('E_SHAPE');
    expect(errorOf(() => bootstrap('rsa', randomMatrix(5, 3, 1), randomMatrix(5, 3, 2))).code).toBe('E_TOO_FEW_ROWS');
    expect(errorOf(() => permutationTest('no-such', A, B)).code).toBe('E_UNKNOWN_MEASURE');
  });

  it('the raw binding refuses hostile arguments with typed errors', () => {
    const addon = nativeAddon();
    const a = new addon.NativeRepresentation(A.data, A.rows, A.cols);
    const b = new addon.NativeRepresentation(B.data, B.rows, B.cols);
    const codes = [
      () => addon.permutationNull('cka', {}, a, b, undefined, { permutations: -3, seed: 0 }),
      () => addon.resampling('cka', {}, a, b, undefined, { resamples: 5, seed: 0 }, { withReplacement: false, sampleSize: N, jackknifeGroups: 0 }),
      () => addon.resampling('cka', {}, a, b, undefined, { resamples: 5, seed: 0 }, { withReplacement: true, sampleSize: N, jackknifeGroups: 1 }),
      () => addon.crossValidate('procrustes', {}, a, b, { folds: N + 1, seed: 0 }),
      () => addon.inferenceIndices('bootstrap', 10, 0, 0, 1, 11),
      () => addon.inferenceIndices('permutation', 10, -1, 0, 1, 0),
    ].map((fn) => errorOf(fn).code);
    expect(codes).toEqual(['E_OPTION', 'E_OPTION', 'E_OPTION', 'E_OPTION', 'E_OPTION', 'E_OPTION']);
  });
});

// --------------------------------------------------------------------------------------------------

/** Runs `work` while a 2 ms interval measures the longest gap between event-loop turns. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stall: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 2);
  try {
    last = performance.now();
    const result = await work();
    return { result, stall: Math.max(stall, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

describe('async forms: off the event loop, with progress, abortable', () => {
  const big = relatedPair(9, 400, 40, 30);
  const wide = relatedPair(10, 600, 12, 10);
  const outputsA = logits(21, 1000, 10);
  const outputsB = logits(22, 1000, 10);
  const tall = relatedPair(11, 600, 5, 4);
  // [name, start, units of work: permutations, resamples + jackknife groups, folds]
  const runs: [string, (run: { signal?: AbortSignal; onProgress?: (p: { done: number; total: number }) => void }) => Promise<unknown>, number][] = [
    ['permutationTest procrustes (core)', (run) => permutationTest.async('procrustes', big.a, big.b, { permutations: 400 }, run), 400],
    ['permutationTest disagreement (JavaScript)', (run) => permutationTest.async('disagreement', outputsA, outputsB, { permutations: 2000 }, run), 2000],
    ['bootstrap procrustes, BCa (core)', (run) => bootstrap.async('procrustes', tall.a, tall.b, { resamples: 1500, method: 'bca' }, run), 1500 + 600],
    ['bootstrap jsd (JavaScript)', (run) => bootstrap.async('jsd', outputsA, outputsB, { resamples: 400, measureOptions: { input: 'logits' } }, run), 400],
    ['crossValidate shape-metric (core)', (run) => crossValidate.async('shape-metric', wide.a, wide.b, { folds: 300, measureOptions: { alpha: 0.5 } }, run), 300],
  ];
  // Timings on a shared, loaded machine: a stall can be the OS not scheduling the main thread at all, so
  // the timing tests run with one core thread (the worker leaves the other core to the event loop) and
  // are retried twice before they fail.
  let threads = 0;
  beforeAll(() => {
    threads = getConfig().threads;
    configure({ threads: 1 });
  });
  afterAll(() => {
    configure({ threads });
  });
  for (const [name, start, units] of runs) {
    it(`${name}: event loop free (< 50 ms stalls), progress to the end, abort in < 100 ms`, { retry: 2 }, async () => {
      const progress: number[] = [];
      let total = 0;
      const { result, stall } = await longestStall(() =>
        start({
          onProgress: (p) => {
            progress.push(p.done);
            total = p.total;
          },
        }),
      );
      expect(result).toBeTruthy();
      expect(stall).toBeLessThan(50);
      expect(progress.length).toBeGreaterThan(1);
      expect(total).toBe(units);
      expect(progress.at(-1)).toBe(total);
      for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);

      const controller = new AbortController();
      const promise = start({ signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 30));
      const aborted = performance.now();
      controller.abort();
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(performance.now() - aborted).toBeLessThan(100);
      expect((error as { code?: string } | undefined)?.code).toBe('E_CANCELLED');
    });
  }

  it('an already aborted signal rejects at once; the sync and async results are equal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(permutationTest.async('cka', A, B, {}, { signal: controller.signal })).rejects.toMatchObject({ code: 'E_CANCELLED' });
    const sync = permutationTest('cka', A, B, { permutations: 50, seed: 8 });
    const async_ = await permutationTest.async('cka', A, B, { permutations: 50, seed: 8 });
    expect(async_).toEqual(sync);
    expect(await bootstrap.async('rsa', A, B, { resamples: 20 })).toEqual(bootstrap('rsa', A, B, { resamples: 20 }));
    expect(await crossValidate.async('procrustes', A, B)).toEqual(crossValidate('procrustes', A, B));
  });
});
