// compareMatrix with permutations/bootstrap: every off-diagonal cell equals permutationTest/bootstrap run
// on that pair with the cell's seed, q-values equal benjaminiHochberg over the measure's family, any
// subset of the pairs (a shard) gives the same numbers, the async form agrees and can be cancelled,
// measures without inference are listed (or refused), and bad options are typed errors.
import { afterEach, describe, expect, it } from 'vitest';

import { benjaminiHochberg, bootstrap, cellSeed, compareMatrix, configure, matrixQValues, permutationTest } from '../src/index.js';
import { errorOf } from './helpers/errors.js';
import { randomMatrix, relatedMatrix } from './helpers/random.js';

const N = 40;
const base = randomMatrix(N, 6, 11);
// 0, 1, 2 share a signal; 3 is independent of them.
const reps = [base, relatedMatrix(base, 8, 12), relatedMatrix(base, 5, 13), randomMatrix(N, 7, 14)];
const K = reps.length;
const inference = { permutations: 39, bootstrap: 25, seed: 7 };

afterEach(() => configure({ concurrency: 1 }));

describe('compareMatrix inference', () => {
  const result = compareMatrix(['cka', 'pwcca'], reps, inference);

  it('gives each off-diagonal cell the permutationTest and bootstrap of its pair with the cell seed', () => {
    expect(result.inference).toMatchObject({ permutations: 39, bootstrap: { resamples: 25, level: 0.95, method: 'percentile' }, seed: 7 });
    expect(result.inference!.errors).toEqual([]);
    expect(result.inference!.skipped).toEqual([]);
    for (const m of result.measures) {
      const extras = result.extras![m.key]!;
      expect(Object.keys(extras).sort()).toEqual(['lower', 'pValue', 'qValue', 'standardError', 'upper']);
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          const c = i * K + j;
          if (i === j) {
            for (const grid of Object.values(extras)) expect(grid[c]).toBeNaN();
            continue;
          }
          // A symmetric measure is tested once per unordered pair, with the seed of (row < col).
          const [r, s] = m.symmetric && j < i ? [j, i] : [i, j];
          const seed = cellSeed(7, String(r), String(s));
          const p = permutationTest(m.id as 'cka', reps[r]!, reps[s]!, { permutations: 39, seed });
          const b = bootstrap(m.id as 'cka', reps[r]!, reps[s]!, { resamples: 25, seed });
          expect(extras.pValue![c]).toBe(p.pValue);
          expect(extras.lower![c]).toBeCloseTo(b.lower, 12);
          expect(extras.upper![c]).toBeCloseTo(b.upper, 12);
          expect(extras.standardError![c]).toBeCloseTo(b.standardError, 12);
        }
      }
    }
    // Dependent pairs are significant, the independent representation is not.
    expect(result.extras!.cka!.pValue![0 * K + 1]).toBe(1 / 40);
    expect(result.extras!.cka!.pValue![0 * K + 3]).toBeGreaterThan(0.05);
  });

  it('adjusts the p-values by Benjamini–Hochberg over the off-diagonal cells, each unordered pair once when symmetric', () => {
    for (const m of result.measures) {
      const p = result.extras![m.key]!.pValue!;
      const grid = Array.from({ length: K }, (_, i) =>
        Array.from({ length: K }, (_, j) => (i === j || (m.symmetric && j < i) ? null : p[i * K + j]!)),
      );
      const bh = benjaminiHochberg(grid);
      expect(result.inference!.tests[m.key]).toBe(m.symmetric ? (K * (K - 1)) / 2 : K * (K - 1));
      expect(bh.tests).toBe(result.inference!.tests[m.key]);
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) {
          const q = result.extras![m.key]!.qValue![i * K + j]!;
          if (i === j) expect(q).toBeNaN();
          else expect(q).toBe(bh.adjusted[m.symmetric ? Math.min(i, j) : i]![m.symmetric ? Math.max(i, j) : j]);
        }
      }
    }
    expect(result.inference!.family).toMatch(/Benjamini–Hochberg .* off-diagonal .* symmetric/);
    // matrixQValues is the function the CLI's merge applies to merged p-values.
    expect(matrixQValues(result.extras!.pwcca!.pValue!, K, false).qValues).toEqual(result.extras!.pwcca!.qValue);
  });

  it('gives a cell the same numbers whichever other cells run (a shard), and sync = async', async () => {
    const shard = compareMatrix(['cka', 'pwcca'], reps, { ...inference, pairs: [[1, 3], [2, 0]] });
    for (const key of ['cka', 'pwcca']) {
      for (const name of ['pValue', 'lower', 'upper']) {
        for (const [i, j] of [[1, 3], [3, 1], [0, 2], [2, 0]] as const) {
          expect(shard.extras![key]![name]![i * K + j]).toBe(result.extras![key]![name]![i * K + j]);
        }
        expect(shard.extras![key]![name]![0 * K + 1]).toBeNaN();
      }
    }
    configure({ concurrency: 2 });
    const progress: number[] = [];
    const async = await compareMatrix.async(['cka', 'pwcca'], reps, { ...inference, onProgress: (p) => progress.push(p.done) });
    expect(progress).toHaveLength((K * (K + 1)) / 2);
    for (const key of ['cka', 'pwcca']) {
      for (const name of ['pValue', 'qValue', 'lower', 'upper', 'standardError']) {
        expect(async.extras![key]![name]).toEqual(result.extras![key]![name]);
      }
    }
  });

  it('stops with E_CANCELLED when aborted during the inference', async () => {
    const controller = new AbortController();
    const running = compareMatrix.async(['procrustes'], reps, {
      permutations: 200_000,
      onProgress: () => undefined,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    await expect(running).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('skips the permutation test of unpaired measures and lists measures with matrix options (or throws)', () => {
    const r = compareMatrix(['magnitude-difference', 'cka'], reps.slice(0, 2), { permutations: 9, bootstrap: 9 });
    expect(r.inference!.skipped.map((s) => [s.measure, s.part, s.error.code])).toEqual([['magnitude-difference', 'permutation', 'E_OPTION']]);
    expect(r.extras!['magnitude-difference']!.pValue![1]).toBeNaN();
    expect(r.extras!['magnitude-difference']!.lower![1]).toBeLessThanOrEqual(r.extras!['magnitude-difference']!.upper![1]!);
    expect(r.inference!.tests['magnitude-difference']).toBe(0);
    const inputSimilarity = randomMatrix(N, N, 3);
    for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) inputSimilarity.data[i * N + j] = inputSimilarity.data[j * N + i]!;
    const dcka = [{ id: 'dcka', options: { inputSimilarity } }, 'cka'] as const;
    expect(errorOf(() => compareMatrix(dcka, reps.slice(0, 2), { bootstrap: 9 })).code).toBe('E_OPTION');
    const listed = compareMatrix(dcka, reps.slice(0, 2), { bootstrap: 9, errors: 'return' });
    expect(listed.inference!.skipped.map((s) => [s.measure, s.part, s.error.code])).toEqual([['dcka', 'bootstrap', 'E_OPTION']]);
    expect(listed.extras!.dcka).toBeUndefined();
    expect(Number.isFinite(listed.values.dcka![1])).toBe(true);
    expect(Number.isFinite(listed.extras!.cka!.lower![1])).toBe(true);
  });

  it('records a failing cell inference per cell (errors: return) or throws it', () => {
    // BCa is refused for a measure that subsamples: a typed error for each tested cell.
    const options = { bootstrap: { resamples: 9, method: 'bca' as const }, errors: 'return' as const };
    const r = compareMatrix(['knn-jaccard', 'cka'], reps.slice(0, 3), options);
    expect(r.inference!.errors.map((e) => [e.measure, e.row, e.col, e.error.code])).toEqual([
      ['knn-jaccard', 0, 1, 'E_OPTION'],
      ['knn-jaccard', 0, 2, 'E_OPTION'],
      ['knn-jaccard', 1, 0, 'E_OPTION'],
      ['knn-jaccard', 1, 2, 'E_OPTION'],
      ['knn-jaccard', 2, 0, 'E_OPTION'],
      ['knn-jaccard', 2, 1, 'E_OPTION'],
    ]);
    expect(Number.isFinite(r.extras!.cka!.lower![1])).toBe(true);
    expect(errorOf(() => compareMatrix(['knn-jaccard'], reps.slice(0, 2), { bootstrap: { method: 'bca' } })).code).toBe('E_OPTION');
  });

  it('refuses bad inference options with E_OPTION before computing anything', () => {
    const bad: object[] = [
      { permutations: 0 },
      { permutations: 2_000_000 },
      { permutations: 1.5 },
      { bootstrap: -1 },
      { bootstrap: { resamples: 10, seed: 1 } },
      { bootstrap: { level: 1 } },
      { permutations: 10, seed: 1.5 },
      { permutations: 10, seed: -1 },
      { bootstrap: 10, seed: '1' },
    ];
    for (const options of bad) {
      const error = errorOf(() => compareMatrix(['cka'], reps, options));
      expect(error.code, JSON.stringify(options)).toBe('E_OPTION');
    }
    expect(errorOf(() => compareMatrix(['cka'], reps, { permutations: 0 })).message).toMatch(/'permutations' of compareMatrix/);
  });

  it('derives cell seeds from the seed and the two names only', () => {
    expect(cellSeed(1, 'a', 'b')).toBe(cellSeed(1, 'a', 'b'));
    expect(cellSeed(1, 'a', 'b')).not.toBe(cellSeed(1, 'b', 'a'));
    expect(cellSeed(1, 'a', 'b')).not.toBe(cellSeed(2, 'a', 'b'));
    for (const s of [cellSeed(0, '0', '1'), cellSeed(2 ** 53 - 1, 'x', 'y')]) {
      expect(Number.isInteger(s) && s >= 0 && s < 2 ** 52).toBe(true);
    }
  });
});
