// compare / compareMany / async: shared work, results keyed by id, errors, progress, cancellation.
import { describe, expect, it } from 'vitest';

import {
  NnsimError,
  angularShape,
  cka,
  compare,
  compareAsync,
  compareMany,
  configure,
  getConfig,
  measures,
  prepare,
  procrustes,
} from '../src/index.js';
import { randomMatrix, relatedMatrix } from './helpers/random.js';
import { errorOf } from './helpers/errors.js';

const a = randomMatrix(120, 12, 1);
const b = relatedMatrix(a, 9, 2);

describe('compare', () => {
  it('agrees with the named exports and the measures object', () => {
    expect(cka(a, b)).toBe(compare('cka', a, b));
    expect(procrustes(a, b, { normalize: true })).toBe(compare('procrustes', a, b, { normalize: true }));
    expect(angularShape(a, b)).toBe(measures.angularShape(a, b));
  });

  it('accepts row arrays, Float32Array and prepared representations alike', () => {
    const rows = Array.from({ length: a.rows }, (_, i) => Array.from(a.data.subarray(i * a.cols, (i + 1) * a.cols)));
    expect(compare('cka', rows, b)).toBeCloseTo(compare('cka', a, b), 14);
    const f32 = { data: Float32Array.from(a.data), rows: a.rows, cols: a.cols };
    expect(compare('cka', f32, b)).toBeCloseTo(compare('cka', a, b), 5);
    const pa = prepare(a);
    expect(compare('cka', pa, b)).toBe(compare('cka', a, b));
  });

  it('gives typed errors for bad calls', () => {
    expect(errorOf(() => compare('ckaa', a, b)).message).toContain("did you mean 'cka'");
    expect(errorOf(() => compare('cka', a, randomMatrix(119, 9, 3))).code).toBe('E_SHAPE');
    expect(errorOf(() => compare('cka', randomMatrix(1, 5, 1), randomMatrix(1, 5, 2))).code).toBe('E_TOO_FEW_ROWS');
    expect(errorOf(() => compare('cka', a, b, { kernal: 'linear' } as never)).message).toContain("did you mean 'kernel'");
    expect(errorOf(() => compare('cka', a, b, { kernel: 'cubic' } as never)).code).toBe('E_OPTION');
    expect(errorOf(() => compare('procrustes', a, b, { normalize: 1 } as never)).code).toBe('E_OPTION');
    expect(errorOf(() => compare('cka', a, b, 'linear' as never)).code).toBe('E_OPTION');
    expect(errorOf(() => compare(42 as never, a, b)).code).toBe('E_TYPE');
    const constant = { data: new Float64Array(120 * 3).fill(1), rows: 120, cols: 3 };
    const degenerate = errorOf(() => compare('angular-shape', constant, b));
    expect(degenerate.code).toBe('E_DEGENERATE');
    expect(degenerate.measure).toBe('angular-shape');
  });
});

describe('compareMany', () => {
  it('returns one value per key, equal to the single calls', () => {
    const results = compareMany(
      ['cka', 'procrustes', { id: 'procrustes', options: { normalize: true }, key: 'procrustes-normalized' }, 'angular-shape'],
      a,
      b,
    );
    expect(Object.keys(results)).toEqual(['cka', 'procrustes', 'procrustes-normalized', 'angular-shape']);
    // Shared work may take another BLAS path (one joint product of [X Y] for CKA, whose XᵀY block the
    // Procrustes measures then reuse), so the values agree to rounding, not bit for bit.
    const same = (x: number | undefined, y: number): void => expect(Math.abs(x! - y)).toBeLessThanOrEqual(1e-13 * Math.abs(y));
    same(results.cka, compare('cka', a, b));
    same(results.procrustes, compare('procrustes', a, b));
    same(results['procrustes-normalized'], compare('procrustes', a, b, { normalize: true }));
    same(results['angular-shape'], compare('angular-shape', a, b));
  });

  it('throws the first failure by default, or returns failures as values', () => {
    const constant = { data: new Float64Array(120 * 3).fill(1), rows: 120, cols: 3 };
    expect(errorOf(() => compareMany(['procrustes', 'cka'], constant, b)).code).toBe('E_DEGENERATE');
    const outcomes = compareMany(['procrustes', 'cka'], constant, b, { errors: 'return' });
    expect(typeof outcomes.procrustes).toBe('number');
    expect((outcomes.cka as NnsimError).code).toBe('E_DEGENERATE');
    expect(errorOf(() => compareMany(['cka', 'cka'], a, b)).code).toBe('E_OPTION');
  });
});

describe('async', () => {
  it('computes the same values off the event loop', async () => {
    expect(await compareAsync('procrustes', a, b, { normalize: true })).toBe(compare('procrustes', a, b, { normalize: true }));
    expect(await compare.async('cka', a, b)).toBe(compare('cka', a, b));
    expect(await cka.async(a, b)).toBe(cka(a, b));
    expect(await compareMany.async(['cka', 'angular-shape'], a, b)).toEqual(compareMany(['cka', 'angular-shape'], a, b));
  });

  it('reports progress per measure, ending at 1', async () => {
    const seen: number[] = [];
    await compareMany.async(['cka', 'procrustes', 'angular-shape'], a, b, { onProgress: (p) => seen.push(p.fraction) });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.at(-1)).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  });

  it('rejects with E_CANCELLED when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(compare.async('cka', a, b, {}, { signal: controller.signal })).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });

  it('runs concurrent calls through the scheduler without changing results', async () => {
    const big = randomMatrix(600, 64, 9);
    const other = relatedMatrix(big, 48, 10);
    const expected = compare('cka', big, other);
    const before = getConfig();
    configure({ concurrency: 2 });
    expect(getConfig().blasThreads).toBe(Math.max(1, Math.floor(before.threads / 2)));
    const values = await Promise.all(Array.from({ length: 6 }, () => compare.async('cka', big, other)));
    for (const v of values) expect(v).toBeCloseTo(expected, 12);
    configure({ concurrency: before.concurrency });
    expect(getConfig().blasThreads).toBe(before.threads);
  });

  it('a queued call aborted before it starts never runs', async () => {
    const big = randomMatrix(800, 96, 11);
    const controller = new AbortController();
    const first = compare.async('cka', big, big);
    const second = compare.async('cka', big, big, {}, { signal: controller.signal });
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(await first).toBeCloseTo(1, 12);
  });

  it('honours OPENBLAS_NUM_THREADS, and configure({ threads }) overrides it', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `import { configure, getConfig } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const before = getConfig().blasThreads; configure({ threads: 2 }); console.log(before, getConfig().blasThreads);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    });
    expect(run.stderr).toBe('');
    const [fromEnv, configured] = run.stdout.trim().split(' ').map(Number);
    expect(fromEnv).toBe(1);
    expect(configured).toBe(Math.min(2, getConfig().cores));
  });

  it('validates configure()', () => {
    expect(errorOf(() => configure({ threads: 0 })).code).toBe('E_OPTION');
    expect(errorOf(() => configure({ concurrency: 1.5 })).code).toBe('E_OPTION');
    const typo = errorOf(() => configure({ thread: 2 } as never));
    expect(typo.code).toBe('E_OPTION');
    expect(typo.message).toContain("did you mean 'threads'");
    expect(errorOf(() => configure(null as never)).code).toBe('E_OPTION');
  });
});

describe('errors from the native core are NnsimError instances on every path', () => {
  it('a prepared input whose buffer was transferred: compare, compareMany and async all throw instanceof NnsimError', async () => {
    const data = Float64Array.from(randomMatrix(30, 4, 11).data);
    const p = prepare({ data, rows: 30, cols: 4 });
    const other = randomMatrix(30, 3, 12);
    expect(compare('cka', p, other)).toBeGreaterThan(0); // the native handle now views `data`
    structuredClone(data.buffer, { transfer: [data.buffer] });
    for (const call of [
      () => compare('cka', p, other),
      () => compareMany(['cka', 'procrustes'], p, other),
      () => cka(p, other),
    ]) {
      expect(errorOf(call).code).toBe('E_DETACHED');
    }
    await expect(compare.async('cka', p, other)).rejects.toBeInstanceOf(NnsimError);
  });

  it('per-measure failures of the core name their measure', () => {
    const constant = Array.from({ length: 20 }, () => [1, 2, 3]);
    const outcomes = compareMany(['cka', 'procrustes'], constant, randomMatrix(20, 3, 13), { errors: 'return' });
    expect(outcomes.cka).toBeInstanceOf(NnsimError);
    expect(outcomes.cka).toMatchObject({ code: 'E_DEGENERATE', measure: 'cka' });
  });
});

describe('memory in long synchronous loops', () => {
  // ObjectWrap finalizers only run when the event loop turns: compare() must free what it prepared
  // itself (N × N distance matrices, k-NN lists, SVDs) before it returns, or a loop of thousands of
  // comparisons holds all of them.
  it('a loop of compare() calls does not accumulate native memory', () => {
    const x = randomMatrix(1200, 16, 31);
    const y = randomMatrix(1200, 12, 32);
    compare('knn-jaccard', x, y); // warm up allocator pools
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 25; i++) {
      compare('knn-jaccard', x, y);
      compareMany(['rsa', 'cka'], x, y);
    }
    const grown = (process.memoryUsage().rss - before) / 1e6;
    // Without the release each iteration keeps ≈ 5 N × N matrices (≈ 58 MB): > 1.4 GB in total.
    expect(grown).toBeLessThan(300);
  });

  it('representations the caller prepared keep working (and keep their caches) after compare()', async () => {
    const px = prepare(randomMatrix(200, 8, 33));
    const py = prepare(randomMatrix(200, 6, 34));
    const first = compare('knn-jaccard', px, py);
    expect(compare('knn-jaccard', px, py)).toBe(first);
    expect(await compare.async('knn-jaccard', px, py)).toBe(first);
    expect(compareMany(['knn-jaccard', 'cka'], px, py)['knn-jaccard']).toBe(first);
    px.release(); // frees the caches; the representation stays usable and recomputes on demand
    expect(compare('knn-jaccard', px, py)).toBe(first);
  });

  it('an aborted async call frees its inputs only after the worker has finished', async () => {
    const x = randomMatrix(1500, 24, 35);
    const y = randomMatrix(1500, 20, 36);
    const controller = new AbortController();
    const pending = compare.async('rsa', x, y, {}, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'E_CANCELLED' });
    // The process is still healthy and the next comparison works.
    expect(Number.isFinite(await compare.async('rsa', x, y))).toBe(true);
  });
});
