// Streaming accumulators: every streamable measure pushed in random splits and merged in random orders
// (through state buffers too) equals the in-memory compare(); the minibatch CKA equals an independent
// NumPy implementation of Nguyen et al.'s estimator; bad batches, states and merges are refused without
// losing or double-counting anything.
import { describe, expect, it } from 'vitest';

import {
  Accumulator,
  type MeasureSpec,
  NnsimError,
  accumulatorFromBuffer,
  compare,
  compareMany,
  createAccumulator,
  streamableMeasures,
} from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { encodeSafetensors, safetensorsLayout } from '../src/io/safetensors.js';
import { errorOf } from './helpers/errors.js';
import { fromRows, readFixture } from './helpers/fixtures.js';
import { randomMatrix, rng } from './helpers/random.js';

/** Every streamable measure, with the options that change its statistics or formula. */
const SPECS: MeasureSpec[] = [
  'cka',
  { id: 'cka', options: { output: 'angular' }, key: 'cka-angular' },
  { id: 'cka', options: { estimator: 'unbiased' }, key: 'cka-unbiased' },
  { id: 'cka', options: { estimator: 'lange' }, key: 'cka-lange' },
  { id: 'cka', options: { estimator: 'lange', output: 'angular' }, key: 'cka-lange-angular' },
  'cca-mean',
  { id: 'cca-mean', options: { epsilon: 1e-4 }, key: 'cca-mean-epsilon' },
  'cca-r2',
  'svcca',
  { id: 'svcca', options: { components: 3 }, key: 'svcca-3' },
  { id: 'svcca', options: { varianceKept: 0.5 }, key: 'svcca-half' },
  'pwcca',
  'procrustes',
  { id: 'procrustes', options: { normalize: true }, key: 'procrustes-normalized' },
  { id: 'procrustes', options: { center: false }, key: 'procrustes-raw' },
  { id: 'procrustes', options: { center: false, normalize: true }, key: 'procrustes-raw-normalized' },
  'angular-shape',
  'shape-metric',
  { id: 'shape-metric', options: { alpha: 0.4, distance: 'euclidean' }, key: 'shape-metric-0.4' },
  { id: 'shape-metric', options: { alpha: 0 }, key: 'shape-metric-0' },
  'linear-regression',
  { id: 'linear-regression', options: { lambda: 3 }, key: 'linear-regression-ridge' },
  'bures',
  { id: 'bures', options: { center: false }, key: 'bures-raw' },
  'gulp',
  { id: 'gulp', options: { lambda: 0.05 }, key: 'gulp-ridge' },
  'eigenspace-overlap',
  { id: 'eigenspace-overlap', options: { center: true }, key: 'eigenspace-overlap-centred' },
  'magnitude-difference',
  'concentricity-difference',
];

/** Correlated inputs with large means against their spread (the case naive Σxxᵀ − n x̄x̄ᵀ gets wrong). */
function pair(rows: number, colsA: number, colsB: number, seed: number, meanA = 1e3, meanB = -2e2): [Matrix, Matrix] {
  const a = randomMatrix(rows, colsA, seed);
  const noise = randomMatrix(rows, colsB, seed + 1);
  const b = new Float64Array(rows * colsB);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < colsB; j++) {
      let v = 0.5 * noise.data[i * colsB + j]!;
      for (let k = 0; k < colsA; k++) v += a.data[i * colsA + k]! * Math.sin(1 + j * colsA + k);
      b[i * colsB + j] = meanB + 0.3 * j + Math.tanh(v);
    }
    for (let k = 0; k < colsA; k++) a.data[i * colsA + k] = meanA + (1 + 0.2 * k) * a.data[i * colsA + k]! + 0.01 * k;
  }
  return [a, { data: b, rows, cols: colsB }];
}

function rowsOf(m: Matrix, begin: number, end: number): Matrix {
  return { data: m.data.subarray(begin * m.cols, end * m.cols), rows: end - begin, cols: m.cols };
}

/** Splits rows [0, n) into random batches, spreads them over 1–4 shards, merges the shards in random order. */
function streamed(specs: MeasureSpec[], a: Matrix, b: Matrix, seed: number): Accumulator {
  const random = rng(seed);
  const shards = Array.from({ length: 1 + Math.floor(random() * 4) }, () => createAccumulator(specs, { colsA: a.cols, colsB: b.cols }));
  for (let begin = 0; begin < a.rows; ) {
    const end = Math.min(a.rows, begin + 1 + Math.floor(random() * random() * 80));
    shards[Math.floor(random() * shards.length)]!.push(rowsOf(a, begin, end), rowsOf(b, begin, end));
    begin = end;
  }
  const order = shards.map((s, i) => [random(), i] as const).sort((x, y) => x[0] - y[0]).map(([, i]) => shards[i]!);
  const [first, ...rest] = order;
  // Half the shards travel as state files, as they would between machines.
  for (const shard of rest) first!.merge(random() < 0.5 ? shard : shard.toBuffer());
  return random() < 0.5 ? first! : accumulatorFromBuffer(first!.toBuffer());
}

function expectClose(streamedValues: Record<string, number>, memory: Record<string, number>, context: string): void {
  for (const [key, want] of Object.entries(memory)) {
    const got = streamedValues[key]!;
    // Differences of two statistics are judged against the statistics' own size (concentricity ~ 1).
    const scale = key === 'concentricity-difference' ? 1 : Math.max(Math.abs(want), 1e-3);
    expect(Math.abs(got - want), `${context} ${key}: streamed ${got}, in memory ${want}`).toBeLessThanOrEqual(1e-12 * scale);
  }
}

describe('streamed = in memory', () => {
  it('covers every streamable measure', () => {
    const ids = new Set(SPECS.map((s) => (typeof s === 'string' ? s : s.id)));
    for (const id of streamableMeasures()) expect(ids.has(id), id).toBe(true);
  });

  it('for any split of the rows and any merge order, to 1e-12 relative (large and moderate means)', () => {
    for (const [rows, colsA, colsB, seed, meanA, meanB] of [
      [240, 9, 6, 1, 1e3, -2e2],
      [173, 5, 11, 2, 1e3, -2e2],
      [500, 16, 16, 3, 1e3, -2e2],
      [240, 9, 6, 4, 3, -1],
    ] as const) {
      const [a, b] = pair(rows, colsA, colsB, seed, meanA, meanB);
      // Normalised Procrustes of uncentred inputs dominated by a large mean is ≈ 0 and ill-conditioned
      // in itself (sqrt(2 − 2c) with c ≈ 1 − 1e-5 keeps ~1e-11 of either computation); it is checked on
      // the moderate-mean data.
      const specs = meanA > 100 ? SPECS.filter((s) => typeof s === 'string' || s.key !== 'procrustes-raw-normalized') : SPECS;
      const memory = compareMany(specs, a, b);
      for (const split of [11, 12, 13]) {
        expectClose(streamed(specs, a, b, seed * 100 + split).result(), memory, `${rows}×${colsA}/${colsB} mean ${meanA} split ${split}`);
      }
    }
  });

  it('for inputs wider than they are long (D > N)', () => {
    const specs: MeasureSpec[] = [
      'cka',
      { id: 'cka', options: { estimator: 'unbiased' }, key: 'cka-unbiased' },
      { id: 'cka', options: { estimator: 'lange' }, key: 'cka-lange' },
      'procrustes',
      'angular-shape',
      'bures',
      'magnitude-difference',
      'concentricity-difference',
    ];
    const [a, b] = pair(30, 40, 25, 5, 3, -1);
    expectClose(streamed(specs, a, b, 7).result(), compareMany(specs, a, b), 'wide');
  });

  it('reads Float32Array batches in place, with the float64 result of the same values', () => {
    const [a, b] = pair(150, 7, 5, 9, 2, 0);
    const a32 = { data: Float32Array.from(a.data), rows: a.rows, cols: a.cols };
    const b32 = { data: Float32Array.from(b.data), rows: b.rows, cols: b.cols };
    const widened = (m: typeof a32): Matrix => ({ data: Float64Array.from(m.data), rows: m.rows, cols: m.cols });
    const specs: MeasureSpec[] = ['cka', 'procrustes', 'cca-mean', 'concentricity-difference'];
    const single = createAccumulator(specs, { colsA: 7, colsB: 5 }).push(rowsOf(widened(a32), 0, 150), rowsOf(widened(b32), 0, 150));
    const inPlace = createAccumulator(specs, { colsA: 7, colsB: 5 });
    inPlace.push({ data: a32.data.subarray(0, 60 * 7), rows: 60, cols: 7 }, { data: b32.data.subarray(0, 60 * 5), rows: 60, cols: 5 });
    inPlace.push({ data: a32.data.subarray(60 * 7), rows: 90, cols: 7 }, { data: b32.data.subarray(60 * 5), rows: 90, cols: 5 });
    const x = single.result();
    const y = inPlace.result();
    for (const key of Object.keys(x)) expect(Math.abs(x[key]! - y[key]!)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(x[key]!)));
    expect(inPlace.rows).toBe(150);
    expect(inPlace.batches).toBe(2);
  });

  it('accepts measure options keyed by id', () => {
    const [a, b] = pair(80, 4, 3, 4);
    const acc = createAccumulator(['procrustes', 'bures'], { colsA: 4, colsB: 3, options: { procrustes: { normalize: true } } });
    acc.push(a, b);
    expect(acc.result().procrustes).toBeCloseTo(compare('procrustes', a, b, { normalize: true }), 12);
    expect(acc.measures.map((m) => m.key)).toEqual(['procrustes', 'bures']);
  });
});

describe('minibatch CKA (Nguyen, Raghu & Kornblith 2021)', () => {
  interface Case {
    name: string;
    a: number[][];
    b: number[][];
    values: { options: Record<string, unknown>; value: number }[];
  }
  const { cases } = readFixture<{ cases: Case[] }>('streaming-reference.json');

  it('equals an independent NumPy implementation, in memory and streamed in any split', () => {
    for (const c of cases) {
      const a = fromRows(c.a);
      const b = fromRows(c.b);
      for (const { options, value } of c.values) {
        const context = `${c.name} ${JSON.stringify(options)}`;
        const inMemory = compare('cka', a, b, options);
        expect(Math.abs(inMemory - value), context).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(value)));
        const spec: MeasureSpec[] = [{ id: 'cka', options }];
        for (const seed of [1, 2]) {
          // One shard only: minibatches are consecutive rows, so the value does not depend on push sizes.
          const random = rng(seed);
          const acc = createAccumulator(spec, { colsA: a.cols, colsB: b.cols });
          for (let begin = 0; begin < a.rows; ) {
            const end = Math.min(a.rows, begin + 1 + Math.floor(random() * 40));
            acc.push(rowsOf(a, begin, end), rowsOf(b, begin, end));
            begin = end;
          }
          expect(accumulatorFromBuffer(acc.toBuffer()).result().cka, context).toBe(inMemory);
        }
      }
    }
  });

  it('differs from the full-data CKA; shards of whole minibatches merge to the single-run value', () => {
    const [a, b] = pair(200, 6, 4, 21, 0, 0);
    const options = { estimator: 'minibatch', batch: 32 } as const;
    const inMemory = compare('cka', a, b, options);
    expect(Math.abs(inMemory - compare('cka', a, b))).toBeGreaterThan(1e-4);
    const shard = (begin: number, end: number): Accumulator =>
      createAccumulator([{ id: 'cka', options }], { colsA: 6, colsB: 4 }).push(rowsOf(a, begin, end), rowsOf(b, begin, end));
    // (The per-minibatch sums of the two shards are added in another order: equal to rounding.)
    expect(Math.abs(shard(0, 64).merge(shard(64, 200)).result().cka! - inMemory)).toBeLessThan(1e-15);
    // Unaligned shards: the first shard's waiting rows and the second's form other minibatches.
    const unaligned = shard(0, 70).merge(shard(70, 200)).result().cka!;
    expect(unaligned).not.toBe(inMemory);
    expect(Math.abs(unaligned - inMemory)).toBeLessThan(0.05);
  });
});

describe('refusals', () => {
  const [a, b] = pair(60, 4, 3, 31);

  it('E_NOT_STREAMABLE names the streamable measures and the alternatives', () => {
    const knn = errorOf(() => createAccumulator(['cka', 'knn-jaccard'], { colsA: 4, colsB: 3 }));
    expect(knn.code).toBe('E_NOT_STREAMABLE');
    expect(knn.message).toContain("'knn-jaccard'");
    expect(knn.message).toContain('procrustes');
    expect(knn.message).toContain('--rows');
    const rbf = errorOf(() => createAccumulator([{ id: 'cka', options: { kernel: 'rbf' } }], { colsA: 4, colsB: 3 }));
    expect(rbf.code).toBe('E_NOT_STREAMABLE');
    expect(rbf.message).toContain("estimator 'minibatch'");
    for (const options of [{ kernel: 'laplace' }, { kernel: 'rbf', estimator: 'unbiased' }, { kernel: 'laplace', estimator: 'lange' }]) {
      expect(errorOf(() => createAccumulator([{ id: 'cka', options }], { colsA: 4, colsB: 3 })).code, JSON.stringify(options)).toBe(
        'E_NOT_STREAMABLE',
      );
    }
    for (const id of ['dcka', 'mutual-knn', 'cknna']) {
      expect(errorOf(() => createAccumulator([id], { colsA: 4, colsB: 3 })).code, id).toBe('E_NOT_STREAMABLE');
    }
    // The bandwidth rules of the in-memory kernel: no absolute bandwidth for the linear kernel, not both.
    for (const options of [
      { estimator: 'minibatch', bandwidth: 2 },
      { estimator: 'minibatch', kernel: 'rbf', bandwidth: 2, sigma: 0.5 },
    ]) {
      expect(errorOf(() => createAccumulator([{ id: 'cka', options }], { colsA: 4, colsB: 3 })).code, JSON.stringify(options)).toBe('E_OPTION');
    }
    expect(errorOf(() => createAccumulator([{ id: 'pwcca', options: { directions: 'svcca-code' } }], { colsA: 4, colsB: 3 })).code).toBe(
      'E_NOT_STREAMABLE',
    );
    expect(errorOf(() => createAccumulator(['ckaa'], { colsA: 4, colsB: 3 })).code).toBe('E_UNKNOWN_MEASURE');
    expect(errorOf(() => createAccumulator([{ id: 'procrustes', options: { normalise: true } }], { colsA: 4, colsB: 3 })).code).toBe('E_OPTION');
    expect(errorOf(() => createAccumulator(['cka'], { colsA: 0, colsB: 3 })).code).toBe('E_SHAPE');
    expect(errorOf(() => createAccumulator(['cka'], { colsA: 4, colsB: 3, precision: 'half' as never })).code).toBe('E_OPTION');
    expect(errorOf(() => createAccumulator(['cka'], { colsA: 4, colsB: 3, options: { bures: {} } })).code).toBe('E_OPTION');
  });

  it('bad batches are refused whole: other D, other N, NaN/Inf naming batch and row', () => {
    const acc = createAccumulator(['cka', 'cca-mean', 'magnitude-difference'], { colsA: 4, colsB: 3 });
    acc.push(rowsOf(a, 0, 20), rowsOf(b, 0, 20));
    const before = acc.result();
    const wideA = randomMatrix(5, 5, 1);
    expect(errorOf(() => acc.push(wideA, rowsOf(b, 20, 25))).code).toBe('E_SHAPE');
    expect(errorOf(() => acc.push(rowsOf(a, 20, 26), rowsOf(b, 20, 25))).code).toBe('E_SHAPE');
    expect(errorOf(() => acc.push({ data: new Float64Array(0), rows: 0, cols: 4 }, { data: new Float64Array(0), rows: 0, cols: 3 })).code).toBe(
      'E_SHAPE',
    );
    for (const bad of [NaN, Infinity]) {
      const poisoned = Float64Array.from(rowsOf(a, 20, 40).data);
      poisoned[7 * 4 + 2] = bad;
      const error = errorOf(() => acc.push({ data: poisoned, rows: 20, cols: 4 }, rowsOf(b, 20, 40)));
      expect(error.code).toBe('E_NONFINITE');
      expect(error.message).toMatch(/batch 1 .*row 7 of the first input: column 2/);
    }
    expect(acc.rows).toBe(20);
    expect(acc.result()).toEqual(before);
    acc.push(rowsOf(a, 20, 60), rowsOf(b, 20, 60));
    const whole = createAccumulator(['cka', 'cca-mean', 'magnitude-difference'], { colsA: 4, colsB: 3 }).push(a, b).result();
    for (const key of Object.keys(whole)) expect(acc.result()[key]).toBeCloseTo(whole[key]!, 13);
  });

  it('batches outside [2^-200, 2^200) are E_NUMERICAL and change nothing; inside, values scale as in memory', () => {
    const scaled = (m: Matrix, factor: number): Matrix => ({ ...m, data: Float64Array.from(m.data, (v) => v * factor) });
    for (const precision of ['double', 'single'] as const) {
      const acc = createAccumulator(['cka', 'procrustes'], { colsA: 4, colsB: 3, precision });
      acc.push(rowsOf(a, 0, 20), rowsOf(b, 0, 20));
      const before = acc.result();
      for (const factor of [2 ** 210, 2 ** -215]) {
        const error = errorOf(() => acc.push(scaled(rowsOf(a, 20, 40), factor), rowsOf(b, 20, 40)));
        expect(error.code, `${precision} × 2^${Math.log2(factor)}`).toBe('E_NUMERICAL');
        expect(error.message).toMatch(/batch 1 .*first input .*2\^-?\d+/);
      }
      expect(acc.rows).toBe(20);
      expect(acc.result()).toEqual(before);
      // 2^150 squared is 2^300: inside the range the float32 products are scaled, the float64 ones need not be.
      const big = createAccumulator(['cka', 'procrustes'], { colsA: 4, colsB: 3, precision })
        .push(scaled(a, 2 ** 150), scaled(b, 2 ** 150))
        .result();
      const plain = compareMany(['cka', 'procrustes'], a, b);
      const tolerance = precision === 'single' ? 1e-5 : 1e-12;
      expect(Math.abs(big.cka! - plain.cka!)).toBeLessThanOrEqual(tolerance);
      expect(Math.abs(big.procrustes! / 2 ** 150 - plain.procrustes!) / plain.procrustes!).toBeLessThanOrEqual(tolerance);
    }
  });

  it('merging other measures, options, shapes or precision, or itself, is E_STATE and changes nothing', () => {
    const acc = createAccumulator(['cka', 'procrustes'], { colsA: 4, colsB: 3 }).push(a, b);
    const before = acc.result();
    const others = [
      createAccumulator(['cka'], { colsA: 4, colsB: 3 }),
      createAccumulator(['procrustes', 'cka'], { colsA: 4, colsB: 3 }),
      createAccumulator(['cka', { id: 'procrustes', options: { normalize: true } }], { colsA: 4, colsB: 3 }),
      createAccumulator(['cka', 'procrustes'], { colsA: 3, colsB: 4 }),
      createAccumulator(['cka', 'procrustes'], { colsA: 4, colsB: 3, precision: 'single' }),
    ];
    for (const other of others) {
      other.push(randomMatrix(10, other.colsA, 3), randomMatrix(10, other.colsB, 4));
      expect(errorOf(() => acc.merge(other)).code).toBe('E_STATE');
      expect(errorOf(() => acc.merge(other.toBuffer())).code).toBe('E_STATE');
    }
    expect(errorOf(() => acc.merge(acc)).code).toBe('E_STATE');
    expect(acc.result()).toEqual(before);
    expect(acc.rows).toBe(60);
  });

  it('state buffers: truncated, corrupt, other format or version, unexpected contents are E_STATE', () => {
    const acc = createAccumulator(['cka', 'concentricity-difference'], { colsA: 4, colsB: 3 }).push(a, b);
    const good = acc.toBuffer();
    expect(accumulatorFromBuffer(good).result()).toEqual(acc.result());
    for (const length of [0, 7, 20, good.length - 1, good.length - 8]) {
      expect(errorOf(() => accumulatorFromBuffer(good.slice(0, length))).code, `truncated to ${length}`).toBe('E_STATE');
    }
    const layout = safetensorsLayout(good, 'state');
    const rewrite = (metadata: Record<string, string>, tensors?: Record<string, { shape: number[]; data: Float64Array }>): Uint8Array => {
      const original = Object.fromEntries(
        layout.tensors.map((t) => [t.name, { shape: [...t.shape], data: new Float64Array(good.slice(t.begin, t.end).buffer) }]),
      );
      const chosen = tensors ?? original;
      return encodeSafetensors(
        Object.fromEntries(Object.entries(chosen).map(([k, t]) => [k, { dtype: 'F64' as const, shape: t.shape, data: t.data }])),
        metadata,
      );
    };
    const meta = layout.metadata!;
    const cases: [string, Uint8Array][] = [
      ['version 2', rewrite({ ...meta, version: '2' })],
      ['other format', rewrite({ ...meta, format: 'something-else' })],
      ['no metadata', rewrite({})],
      ['bad measures JSON', rewrite({ ...meta, measures: '[{' })],
      ['unknown measure', rewrite({ ...meta, measures: JSON.stringify([{ key: 'x', id: 'knn-jaccard', options: {} }]) })],
      ['other columns', rewrite({ ...meta, colsA: '5' })],
    ];
    const tensors = Object.fromEntries(
      layout.tensors.map((t) => [t.name, { shape: [...t.shape], data: new Float64Array(good.slice(t.begin, t.end).buffer) }]),
    );
    const { comoments, ...withoutMoments } = tensors;
    cases.push(['missing tensor', rewrite(meta, withoutMoments)]);
    cases.push(['misshapen tensor', rewrite(meta, { ...tensors, comoments: { shape: [6, 6], data: new Float64Array(36) } })]);
    cases.push(['NaN in a tensor', rewrite(meta, { ...tensors, count: { shape: [1], data: new Float64Array([NaN]) } })]);
    cases.push(['fractional count', rewrite(meta, { ...tensors, count: { shape: [1], data: new Float64Array([2.5]) } })]);
    cases.push(['extra tensor', rewrite(meta, { ...tensors, extra: { shape: [1], data: new Float64Array(1) } })]);
    expect(comoments).toBeDefined();
    for (const [name, bytes] of cases) {
      const error = errorOf(() => accumulatorFromBuffer(bytes));
      expect(error.code, name).toBe('E_STATE');
    }
    // A state for other measures, options or shapes is refused where a specific one is expected.
    expect(errorOf(() => accumulatorFromBuffer(good, { measures: ['cka'] })).code).toBe('E_STATE');
    expect(errorOf(() => accumulatorFromBuffer(good, { colsA: 9 })).code).toBe('E_STATE');
    expect(errorOf(() => accumulatorFromBuffer(good, { precision: 'single' })).code).toBe('E_STATE');
    expect(accumulatorFromBuffer(good, { measures: ['cka', 'concentricity-difference'], colsA: 4, colsB: 3 }).rows).toBe(60);
    // The accumulator a failed merge targeted is unchanged.
    expect(errorOf(() => acc.merge(good.slice(0, 100))).code).toBe('E_STATE');
    expect(acc.rows).toBe(60);
  });

  it('result() reports undefined measures as errors without losing the others', () => {
    const constant = { data: new Float64Array(30 * 4).fill(2), rows: 30, cols: 4 };
    const acc = createAccumulator(['cka', 'magnitude-difference'], { colsA: 4, colsB: 3 }).push(constant, rowsOf(b, 0, 30));
    expect(errorOf(() => acc.result()).code).toBe('E_DEGENERATE');
    const outcomes = acc.result({ errors: 'return' });
    expect((outcomes.cka as NnsimError).code).toBe('E_DEGENERATE');
    expect(typeof outcomes['magnitude-difference']).toBe('number');
    expect(errorOf(() => createAccumulator(['cka'], { colsA: 4, colsB: 3 }).result()).code).toBe('E_TOO_FEW_ROWS');
    // The unbiased estimator needs 4 rows, streamed as in memory.
    const unbiased: MeasureSpec[] = [{ id: 'cka', options: { estimator: 'unbiased' } }];
    expect(errorOf(() => compare('cka', rowsOf(a, 0, 3), rowsOf(b, 0, 3), { estimator: 'unbiased' })).code).toBe('E_TOO_FEW_ROWS');
    const three = createAccumulator(unbiased, { colsA: 4, colsB: 3 }).push(rowsOf(a, 0, 3), rowsOf(b, 0, 3));
    expect(errorOf(() => three.result()).code).toBe('E_TOO_FEW_ROWS');
    expect(typeof three.push(rowsOf(a, 3, 4), rowsOf(b, 3, 4)).result().cka).toBe('number');
  });

  it('an unbiased or Lange CKA state carries the kernel diagonal sums; missing or negative ones are E_STATE', () => {
    const specs: MeasureSpec[] = [{ id: 'cka', options: { estimator: 'lange' } }];
    const acc = createAccumulator(specs, { colsA: 4, colsB: 3 }).push(a, b);
    const good = acc.toBuffer();
    expect(accumulatorFromBuffer(good).result()).toEqual(acc.result());
    const layout = safetensorsLayout(good, 'state');
    const tensors = Object.fromEntries(
      layout.tensors.map((t) => [t.name, { shape: [...t.shape], data: new Float64Array(good.slice(t.begin, t.end).buffer) }]),
    );
    expect(Object.keys(tensors)).toEqual(expect.arrayContaining(['diagonal.sums', 'diagonal.av', 'diagonal.bv', 'diagonal.bw', 'diagonal.aw']));
    const encode = (chosen: typeof tensors): Uint8Array =>
      encodeSafetensors(
        Object.fromEntries(Object.entries(chosen).map(([k, t]) => [k, { dtype: 'F64' as const, shape: t.shape, data: t.data }])),
        layout.metadata!,
      );
    expect(accumulatorFromBuffer(encode(tensors)).result()).toEqual(acc.result());
    const { 'diagonal.aw': aw, ...missing } = tensors;
    expect(aw).toBeDefined();
    expect(errorOf(() => accumulatorFromBuffer(encode(missing))).code).toBe('E_STATE');
    const negative = { ...tensors, 'diagonal.sums': { shape: [3], data: new Float64Array([1, -1, 1]) } };
    expect(errorOf(() => accumulatorFromBuffer(encode(negative))).code).toBe('E_STATE');
  });
});

describe('async push', () => {
  it('equals push, and an aborted push adds nothing', async () => {
    const [a, b] = pair(90, 5, 4, 41);
    const sync = createAccumulator(['cka', 'procrustes'], { colsA: 5, colsB: 4 }).push(a, b);
    const acc = createAccumulator(['cka', 'procrustes'], { colsA: 5, colsB: 4 });
    await acc.pushAsync(rowsOf(a, 0, 40), rowsOf(b, 0, 40));
    const controller = new AbortController();
    controller.abort();
    await expect(acc.pushAsync(rowsOf(a, 40, 90), rowsOf(b, 40, 90), { signal: controller.signal })).rejects.toMatchObject({
      code: 'E_CANCELLED',
    });
    expect(acc.rows).toBe(40);
    await acc.pushAsync(rowsOf(a, 40, 90), rowsOf(b, 40, 90));
    const x = sync.result();
    const y = acc.result();
    for (const key of Object.keys(x)) expect(y[key]).toBeCloseTo(x[key]!, 13);
  });

  it('refuses other calls while a push runs', async () => {
    const [a, b] = pair(2000, 64, 64, 43);
    const acc = createAccumulator(['cka'], { colsA: 64, colsB: 64 });
    const other = createAccumulator(['cka'], { colsA: 64, colsB: 64 });
    // With a free scheduler slot the native push starts synchronously and owns the accumulator until it settles.
    const pending = acc.pushAsync(a, b);
    expect(errorOf(() => acc.result()).code).toBe('E_STATE');
    expect(errorOf(() => acc.push(a, b)).code).toBe('E_STATE');
    expect(errorOf(() => other.merge(acc)).code).toBe('E_STATE');
    expect(errorOf(() => acc.rows).code).toBe('E_STATE');
    await pending;
    expect(acc.rows).toBe(2000);
    expect(typeof acc.result().cka).toBe('number');
  });
});
