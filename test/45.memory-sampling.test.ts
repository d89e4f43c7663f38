// Memory is checked before it is spent: every measure's working-memory estimate (declared next to its
// kernel in the core), the configurable limit, and E_OUT_OF_MEMORY for an N × N measure at N = 200 000
// before anything the size of N² is allocated. Random row subsets (sampleRows/takeRows) are the same on
// every platform: the indices are pinned by a Python port of the core's generator
// (scripts/sampling_reference.py → fixtures/sampling-reference.json).
import { afterEach, describe, expect, it } from 'vitest';

import { compare, configure, estimateMemory, getConfig, getMeasure, listMeasures, sampleRows, takeRows } from '../src/index.js';
import { availableMemory, DEFAULT_MEMORY_SHARE } from '../src/native.js';
import { errorOf } from './helpers/errors.js';
import { readFixture } from './helpers/fixtures.js';
import { randomMatrix } from './helpers/random.js';

const initialLimit = getConfig().memoryLimit;
afterEach(() => {
  configure({ memoryLimit: initialLimit });
});

describe('memory estimates', () => {
  it('exist for every measure, grow with N, and are what getMeasure(id).estimateMemory reports', () => {
    for (const m of listMeasures().filter((info) => info.arity === 'pair')) {
      const labels = m.requires.includes('labels') ? { labels: Array.from({ length: 50 }, (_, i) => i % 3) } : {};
      const small = estimateMemory(m.id, 50, 8, 6, labels);
      expect(small, m.id).toBeGreaterThan(0);
      expect(getMeasure(m.id).estimateMemory!(50, 8, 6, labels), m.id).toBe(small);
      if (m.domain !== 'representational') continue;
      const largeLabels = m.requires.includes('labels') ? { labels: Array.from({ length: 5000 }, (_, i) => i % 3) } : {};
      expect(estimateMemory(m.id, 5000, 8, 6, largeLabels), m.id).toBeGreaterThanOrEqual(small);
    }
  });

  it('are quadratic in N for N × N measures and linear for k-NN lists and feature-space measures', () => {
    const ratio = (id: string, options?: object): number => estimateMemory(id, 40000, 64, 64, options) / estimateMemory(id, 20000, 64, 64, options);
    for (const id of ['rsa', 'distance-correlation', 'rsm-norm-difference', 'uniformity-difference']) expect(ratio(id), id).toBeGreaterThan(3.5);
    expect(ratio('cka', { kernel: 'rbf' })).toBeGreaterThan(3.5);
    for (const id of ['knn-jaccard', 'rank-similarity', 'second-order-cosine', 'intrinsic-dimension-difference', 'imd', 'cka']) {
      expect(ratio(id), id).toBeLessThan(2.2);
    }
    // k-NN lists of 100 000 inputs: far below the 80 GB of one N × N matrix.
    expect(estimateMemory('knn-jaccard', 100000, 256)).toBeLessThan(1e9);
    expect(estimateMemory('knn-jaccard', 10000, 64, 64, { k: 100 })).toBeGreaterThan(estimateMemory('knn-jaccard', 10000, 64, 64, { k: 10 }));
  });

  it('validate their arguments', () => {
    expect(errorOf(() => estimateMemory('no-such-measure', 10, 2)).code).toBe('E_UNKNOWN_MEASURE');
    expect(errorOf(() => estimateMemory('cka', 0, 2)).code).toBe('E_SHAPE');
    expect(errorOf(() => estimateMemory('cka', 10, '2' as never)).code).toBe('E_TYPE');
    expect(errorOf(() => estimateMemory('knn-jaccard', 10, 2, 2, { k: 0 })).code).toBe('E_OPTION');
  });
});

describe('the memory limit', () => {
  it('defaults to a share of the machine’s (or the cgroup’s) memory and can be changed', () => {
    expect(initialLimit).toBe(Math.floor(DEFAULT_MEMORY_SHARE * availableMemory()));
    expect(configure({ memoryLimit: 2e9 }).memoryLimit).toBe(2e9);
    expect(getConfig().memoryLimit).toBe(2e9);
    expect(configure({ memoryLimit: Infinity }).memoryLimit).toBe(Infinity);
    for (const bad of [0, -1, Number.NaN, '1e9']) expect(errorOf(() => configure({ memoryLimit: bad as never })).code).toBe('E_OPTION');
    expect(getConfig().memoryLimit).toBe(Infinity);  // a refused value changes nothing
  });

  it('refuses an N × N measure at N = 200 000 with E_OUT_OF_MEMORY before allocating, in well under a second', () => {
    configure({ memoryLimit: 16e9 });
    const n = 200000;
    const x = { data: Float64Array.from({ length: n * 2 }, (_, i) => (i * 7919) % 101), rows: n, cols: 2 };
    const rss = process.memoryUsage().rss;
    for (const id of ['rsa', 'distance-correlation', 'rsm-norm-difference', 'uniformity-difference']) {
      const start = performance.now();
      const error = errorOf(() => compare(id, x, x));
      expect(error.code, id).toBe('E_OUT_OF_MEMORY');
      expect(performance.now() - start, id).toBeLessThan(1000);
      expect(error.message).toMatch(/needs about [\d.]+ (GB|TB)/);
      expect(error.message).toContain('--rows N --seed S');
      expect(error.message).toContain('configure({ memoryLimit })');
    }
    // One 200 000² matrix would be 320 GB; nothing of the kind was touched.
    expect(process.memoryUsage().rss - rss).toBeLessThan(200e6);
  });

  it('applies to every comparison, async ones included, and lets those that fit run', async () => {
    const a = randomMatrix(1000, 10, 1);
    const b = randomMatrix(1000, 12, 2);
    configure({ memoryLimit: estimateMemory('rsa', 1000, 10, 12) - 1 });
    expect(errorOf(() => compare('rsa', a, b)).code).toBe('E_OUT_OF_MEMORY');
    await expect(compare.async('rsa', a, b)).rejects.toMatchObject({ code: 'E_OUT_OF_MEMORY' });
    expect(Number.isFinite(compare('cka', a, b))).toBe(true);
    expect(Number.isFinite(compare('knn-jaccard', a, b))).toBe(true);
    configure({ memoryLimit: estimateMemory('rsa', 1000, 10, 12) });
    expect(Number.isFinite(compare('rsa', a, b))).toBe(true);
  });
});

interface SamplingCase {
  n: number;
  rows: number;
  seed: number;
  labels?: number[];
  indices: number[];
}

describe('sampleRows and takeRows', () => {
  const reference = readFixture<{ cases: SamplingCase[] }>('sampling-reference.json');

  it('choose the rows the Python port of the core’s generator chooses', () => {
    for (const c of reference.cases) {
      expect(Array.from(sampleRows(c.n, { rows: c.rows, seed: c.seed, labels: c.labels })), JSON.stringify(c)).toEqual(c.indices);
    }
  });

  it('return sorted distinct indices, stratified by class in proportion to its size', () => {
    const labels = Int32Array.from({ length: 1000 }, (_, i) => (i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2));
    const chosen = sampleRows(1000, { rows: 101, seed: 5, labels });
    expect(chosen.length).toBe(101);
    for (let k = 1; k < chosen.length; k++) expect(chosen[k]!).toBeGreaterThan(chosen[k - 1]!);
    const counts = [0, 0, 0];
    for (const i of chosen) counts[labels[i]!]!++;
    // 101·(0.6, 0.3, 0.1) = (60.6, 30.3, 10.1): floors 60, 30, 10 and the leftover row to the largest remainder.
    expect(counts).toEqual([61, 30, 10]);
    expect(Array.from(sampleRows(1000, { rows: 50, seed: 1 }))).not.toEqual(Array.from(sampleRows(1000, { rows: 50, seed: 2 })));
    expect(Array.from(sampleRows(5, { rows: 9 }))).toEqual([0, 1, 2, 3, 4]);
    for (const bad of [{ rows: 0 }, { rows: 2.5 }, { rows: 3, seed: -1 }, { rows: 3, labels: [0, 1] }]) {
      expect(['E_OPTION', 'E_LABELS']).toContain(errorOf(() => sampleRows(10, bad)).code);
    }
  });

  it('take the same rows of two representations, so a subset compares like the full inputs restricted to it', () => {
    const a = randomMatrix(400, 6, 3);
    const b = randomMatrix(400, 5, 4);
    const rows = sampleRows(400, { rows: 120, seed: 9 });
    const sa = takeRows(a, rows);
    expect(sa.rows).toBe(120);
    expect(Array.from(sa.data.subarray(6, 12))).toEqual(Array.from(a.data.subarray(rows[1]! * 6, rows[1]! * 6 + 6)));
    const manual = (m: typeof a) => Array.from(rows, (i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
    expect(compare('rsa', sa, takeRows(b, rows))).toBe(compare('rsa', manual(a), manual(b)));
    expect(errorOf(() => takeRows(a, [400])).code).toBe('E_SHAPE');
    expect(errorOf(() => takeRows(a, [])).code).toBe('E_SHAPE');
  });
});
