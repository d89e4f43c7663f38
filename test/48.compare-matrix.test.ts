// compareMatrix: K × K matrices of every measure over K representations — values equal to pair-by-pair
// compare(), symmetric measures mirrored and asymmetric ones in both orders, failures per cell, the
// order of the work and early release, bit-identical values for any subset of the pairs (sharding),
// the async form on the worker pool with progress and cancellation, and bad input.
import { afterEach, describe, expect, it, vi } from 'vitest';

import { matrixTasks } from '../src/compare-matrix.js';
import { NnsimError, PreparedRepresentation, compare, compareMatrix, configure, prepare } from '../src/index.js';
import { errorOf } from './helpers/errors.js';
import { randomMatrix, relatedMatrix, rng } from './helpers/random.js';

const N = 60;
const base = randomMatrix(N, 12, 1);
// D on both sides of N: the feature-space and the row-space paths of the core both take part.
const reps = [base, relatedMatrix(base, 80, 2), relatedMatrix(base, 30, 3), randomMatrix(N, 70, 4), relatedMatrix(base, 5, 5)];
const K = reps.length;
const at = (values: Float64Array, i: number, j: number): number => values[i * K + j]!;

afterEach(() => {
  vi.restoreAllMocks();
  configure({ concurrency: 1 });
});

describe('compareMatrix', () => {
  it('fills K × K matrices with the values of compare() for every pair', () => {
    const result = compareMatrix(['cka', 'procrustes', 'pwcca'], reps);
    expect(result.size).toBe(K);
    expect(result.names).toEqual(['0', '1', '2', '3', '4']);
    expect(result.errors).toEqual([]);
    expect(result.measures.map((m) => [m.key, m.kind, m.symmetric, m.metric])).toEqual([
      ['cka', 'similarity', true, false],
      ['procrustes', 'distance', true, true],
      ['pwcca', 'similarity', false, false],
    ]);
    for (const id of ['cka', 'procrustes', 'pwcca'] as const) {
      const values = result.values[id]!;
      expect(values).toBeInstanceOf(Float64Array);
      expect(values.length).toBe(K * K);
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          const want = compare(id, reps[i]!, reps[j]!);
          expect(Math.abs(at(values, i, j) - want), `${id} ${i} ${j}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
        }
      }
    }
    // Symmetric measures are computed once per pair and mirrored exactly; pwcca differs by order.
    expect(at(result.values.cka!, 1, 3)).toBe(at(result.values.cka!, 3, 1));
    expect(at(result.values.pwcca!, 0, 2)).not.toBe(at(result.values.pwcca!, 2, 0));
  });

  it('names the rows after the keys of a record, and keeps measure keys and options', () => {
    const result = compareMatrix(['cka', { id: 'procrustes', options: { normalize: true }, key: 'procrustes-n' }], { first: reps[0]!, second: reps[2]! });
    expect(result.names).toEqual(['first', 'second']);
    expect(Object.keys(result.values)).toEqual(['cka', 'procrustes-n']);
    expect(result.measures[1]).toMatchObject({ id: 'procrustes', key: 'procrustes-n', options: { normalize: true }, range: [0, Math.SQRT2] });
    expect(result.values['procrustes-n']![1]).toBeCloseTo(compare('procrustes', reps[0]!, reps[2]!, { normalize: true }), 12);
  });

  it("reports failed cells as typed errors with errors: 'return' and keeps every other cell", () => {
    const constant = { data: new Float64Array(N * 4).fill(3), rows: N, cols: 4 };
    const result = compareMatrix(['angular-shape', 'magnitude-difference'], [reps[0]!, constant, reps[2]!], { errors: 'return' });
    const failed = result.errors.map((e) => [e.measure, e.row, e.col, e.error.code]);
    // The constant representation has no shape: every angular-shape cell in its row and column fails.
    expect(failed).toEqual([
      ['angular-shape', 0, 1, 'E_DEGENERATE'],
      ['angular-shape', 1, 0, 'E_DEGENERATE'],
      ['angular-shape', 1, 1, 'E_DEGENERATE'],
      ['angular-shape', 1, 2, 'E_DEGENERATE'],
      ['angular-shape', 2, 1, 'E_DEGENERATE'],
    ]);
    for (const e of result.errors) {
      expect(e.error).toBeInstanceOf(NnsimError);
      expect(result.values['angular-shape']![e.row * 3 + e.col]).toBeNaN();
    }
    expect(result.values['angular-shape']![2]).toBeCloseTo(compare('angular-shape', reps[0]!, reps[2]!), 12);
    expect([...result.values['magnitude-difference']!].every(Number.isFinite)).toBe(true);
    // By default the first failure throws.
    expect(errorOf(() => compareMatrix(['angular-shape'], [reps[0]!, constant])).code).toBe('E_DEGENERATE');
  });

  it('computes any subset of the pairs bit for bit as the full run does (shards)', () => {
    // Measure order matters: procrustes before cka makes the second cross product of a representation
    // take the path through its centred copy, unless each representation's diagonal came first.
    const specs = ['procrustes', 'cka', 'pwcca', 'rsa', 'svcca'];
    const full = compareMatrix(specs, reps, { errors: 'return' });
    const random = rng(7);
    for (let trial = 0; trial < 12; trial++) {
      const pairs: [number, number][] = [];
      for (let i = 0; i < K; i++) for (let j = i; j < K; j++) if (random() < 0.35) pairs.push([j, i]);
      const part = compareMatrix(specs, reps, { errors: 'return', pairs });
      const inside = new Set(pairs.flatMap(([i, j]) => [i * K + j, j * K + i]));
      for (const key of specs) {
        for (let c = 0; c < K * K; c++) {
          if (inside.has(c)) expect(Object.is(part.values[key]![c], full.values[key]![c]), `${key} cell ${c}`).toBe(true);
          else expect(part.values[key]![c]).toBeNaN();
        }
      }
    }
  });

  it('orders the work by rows from the largest representation, each diagonal before its first pair', () => {
    // Sizes: representation 1 is the largest, then 3, 2, 0, 4.
    const tasks = matrixTasks([12, 80, 30, 70, 5]);
    expect(tasks.map((t) => `${t.i}${t.j}`)).toEqual(
      ['11', '33', '13', '22', '12', '00', '01', '44', '14', '23', '03', '34', '02', '24', '04'],
    );
    expect(tasks.every((t) => t.report)).toBe(true);
    // A subset: diagonals outside it are still computed first, but not reported.
    const subset = matrixTasks([12, 80, 30, 70, 5], [[0, 2], [2, 2]]);
    expect(subset).toEqual([
      { i: 2, j: 2, report: true },
      { i: 0, j: 0, report: false },
      { i: 0, j: 2, report: true },
    ]);
  });

  it('releases each representation right after its last pair, its own ones only', () => {
    const releases = vi.spyOn(PreparedRepresentation.prototype, 'release');
    // Every task is one compareMany call on a native measure, which asks each side for its handle once.
    const handles = vi.spyOn(PreparedRepresentation.prototype, 'nativeHandle');
    const callerOwned = prepare(reps[4]!);
    const inputs = [...reps.slice(0, 4), callerOwned];
    const observed: string[] = [];
    const progress: number[] = [];
    const result = compareMatrix(['cka'], inputs, {
      onRelease: (index) => observed.push(`release ${index} after ${handles.mock.calls.length / 2}`),
      onProgress: (p) => progress.push(p.done / p.total),
    });
    expect(result.errors).toEqual([]);
    expect(progress).toEqual(Array.from({ length: 15 }, (_, k) => (k + 1) / 15));
    // Replay the plan: a representation is finished when its last task is done.
    const tasks = matrixTasks(inputs.map((r) => r.rows * r.cols));
    const expected: string[] = [];
    const remaining = new Array<number>(K).fill(0);
    for (const t of tasks) for (const r of new Set([t.i, t.j])) remaining[r]!++;
    tasks.forEach((t, k) => {
      for (const r of new Set([t.i, t.j])) if (--remaining[r]! === 0) expected.push(`release ${r} after ${k + 1}`);
    });
    expect(handles).toHaveBeenCalledTimes(2 * tasks.length);
    expect(observed).toEqual(expected);
    // The first of the order (the largest) is released after its row — its 5 pairs and the other 4
    // diagonals that come before them — long before the end (15 tasks).
    expect(observed[0]).toBe('release 1 after 9');
    expect(observed.map((e) => e.split(' ')[1])).toEqual(['1', '3', '2', '0', '4']);
    // Four own representations released once each; the caller's prepared one is left alone.
    expect(releases.mock.contexts).not.toContain(callerOwned);
    expect(releases).toHaveBeenCalledTimes(4);
    callerOwned.release();
  });

  it('runs on the worker pool with the same values, progress and release', async () => {
    configure({ concurrency: 2 });
    const specs = ['procrustes', 'cka', 'pwcca'];
    const sync = compareMatrix(specs, reps);
    const progress: number[] = [];
    const released: number[] = [];
    const result = await compareMatrix.async(specs, reps, {
      onProgress: (p) => {
        expect(p.total).toBe((K * (K + 1)) / 2);
        progress.push(p.done);
      },
      onRelease: (index) => released.push(index),
    });
    for (const key of specs) expect(result.values[key]).toEqual(sync.values[key]);
    expect(progress).toEqual(Array.from({ length: (K * (K + 1)) / 2 }, (_, k) => k + 1));
    expect(released.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('stops when aborted, releasing everything, and rejects with E_CANCELLED', async () => {
    const controller = new AbortController();
    const released: number[] = [];
    const big = Array.from({ length: 6 }, (_, k) => randomMatrix(400, 60, 10 + k));
    const promise = compareMatrix.async(['cka', 'rsa'], big, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 2) controller.abort();
      },
      onRelease: (index) => released.push(index),
    });
    await expect(promise).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(released.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const aborted = AbortSignal.abort();
    await expect(compareMatrix.async(['cka'], big, { signal: aborted })).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });

  it('throws the first failing cell from the async form too', async () => {
    const constant = { data: new Float64Array(N * 4).fill(3), rows: N, cols: 4 };
    await expect(compareMatrix.async(['angular-shape'], [reps[0]!, constant, reps[2]!])).rejects.toMatchObject({ code: 'E_DEGENERATE' });
  });

  it('refuses bad input with typed errors before computing anything', () => {
    const short = randomMatrix(N - 1, 3, 9);
    const shape = errorOf(() => compareMatrix(['cka'], { a: reps[0]!, b: reps[1]!, c: short }));
    expect(shape.code).toBe('E_SHAPE');
    expect(shape.message).toContain("'a' and 'c' have 60 and 59 rows");
    expect(errorOf(() => compareMatrix(['cka'], [])).code).toBe('E_SHAPE');
    expect(errorOf(() => compareMatrix([], reps)).code).toBe('E_TYPE');
    expect(errorOf(() => compareMatrix(['cka'], 'x' as never)).code).toBe('E_TYPE');
    expect(errorOf(() => compareMatrix(['ckaa'], reps)).code).toBe('E_UNKNOWN_MEASURE');
    expect(errorOf(() => compareMatrix(['cka', 'cka'], reps)).code).toBe('E_OPTION');
    expect(errorOf(() => compareMatrix([{ id: 'cka', options: { kernel: 'cubic' } as never }], reps)).code).toBe('E_OPTION');
    expect(errorOf(() => compareMatrix(['fleiss-kappa'], reps)).code).toBe('E_TYPE');
    expect(errorOf(() => compareMatrix(['rsa'], [randomMatrix(2, 3, 1), randomMatrix(2, 3, 2)])).code).toBe('E_TOO_FEW_ROWS');
    expect(errorOf(() => compareMatrix(['cka'], reps, { pairs: [[0, 5]] })).message).toContain('[0, 4]');
    expect(errorOf(() => compareMatrix(['cka'], reps, { pairs: [[0.5, 1]] as never })).code).toBe('E_OPTION');
    expect(errorOf(() => compareMatrix(['cka'], reps, { errors: 'ignore' as never })).code).toBe('E_OPTION');
    expect(errorOf(() => compareMatrix(['cka'], reps, { onProgress: 1 as never })).message).toContain('onProgress');
    const nonFinite = { data: new Float64Array(N * 2).fill(NaN), rows: N, cols: 2 };
    expect(errorOf(() => compareMatrix(['cka'], [reps[0]!, nonFinite])).code).toBe('E_NONFINITE');
  });
});

