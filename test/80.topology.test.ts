// Topology family: Vietoris–Rips persistence against Debian's ripser (fixtures written by
// scripts/topology_reference.py), known topology of simple clouds, and the RTD / IMD / geometry-score
// measures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { compare, persistence, type Barcode } from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { nativeAddon } from '../src/native.js';
import { multiply, randomMatrix, randomOrthogonal } from './helpers/random.js';

interface PersistenceCase {
  name: string;
  points: number[][];
  threshold: number | null;
  squared: boolean;
  bars: [number, number | 'inf'][][];
}

interface Fixture {
  persistence: PersistenceCase[];
  rtd: { a: number[][]; b: number[][]; h1ab: number; h1ba: number; rtd: number }[];
  imdExact: { a: number[][]; b: number[][]; k: number; score: number };
  rtdSeeded: { a: number[][]; b: number[][]; trials: number; batch: number; seed: number; rtd: number };
  imdSeeded: {
    a: number[][];
    b: number[][];
    k: number;
    lanczosSteps: number;
    iterations: number;
    seed: number;
    score: number;
  };
}

interface GeometryScoreFixture {
  a: number[][];
  b: number[][];
  options: Record<string, number>;
  score: number;
}

const geometryFixture = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'topology-geometry-score.json'), 'utf8'),
) as GeometryScoreFixture;

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'topology-persistence.json'), 'utf8'),
) as Fixture;

/** Squared Euclidean distances, coordinates summed left to right exactly as the reference script does. */
function squaredDistances(points: readonly (readonly number[])[]): Float64Array {
  const n = points.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < points[i]!.length; c++) {
        const diff = points[i]![c]! - points[j]![c]!;
        s = s + diff * diff;
      }
      d[i * n + j] = s;
    }
  }
  return d;
}

function sortedBars(barcode: Barcode): [number, number][] {
  return [...barcode.bars].map(([b, e]) => [b, e] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

function expectSameBars(actual: [number, number][], expected: [number, number][], label: string): void {
  expect(actual.length, `${label}: number of bars`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const [b, e] = expected[i]!;
    const [ab, ae] = actual[i]!;
    expect(Math.abs(ab - b), `${label} bar ${i} birth`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
    if (e === Infinity) expect(ae, `${label} bar ${i} death`).toBe(Infinity);
    else expect(Math.abs(ae - e), `${label} bar ${i} death`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(e)));
  }
}

function expectedBars(c: PersistenceCase, dim: number, map: (v: number) => number = (v) => v): [number, number][] {
  return c.bars[dim]!.map(([b, e]) => [map(b), e === 'inf' ? Infinity : map(e)] as [number, number]).sort(
    (x, y) => x[0] - y[0] || x[1] - y[1],
  );
}

function lengths(barcode: Barcode): number[] {
  return barcode.bars.map(([b, e]) => e - b).sort((x, y) => y - x);
}

describe('persistence: barcodes equal ripser’s', () => {
  for (const c of fixture.persistence) {
    it(`${c.name} (N = ${c.points.length})`, () => {
      const n = c.points.length;
      const squared = squaredDistances(c.points);
      const options = c.threshold === null ? {} : { threshold: c.threshold };
      if (c.squared) {
        // The fixture holds the barcode of the squared distances (integers, exact in ripser's floats).
        const bars = persistence({ data: squared, rows: n, cols: n }, options);
        for (const dim of [0, 1]) expectSameBars(sortedBars(bars[dim]!), expectedBars(c, dim), `${c.name} H${dim}`);
        // Rips barcodes commute with the monotone map d -> sqrt(d).
        const euclidean = squared.map(Math.sqrt);
        const rootOptions = c.threshold === null ? {} : { threshold: Math.sqrt(c.threshold) };
        const roots = persistence({ data: euclidean, rows: n, cols: n }, rootOptions);
        for (const dim of [0, 1]) {
          expectSameBars(sortedBars(roots[dim]!), expectedBars(c, dim, Math.sqrt), `${c.name} sqrt H${dim}`);
        }
      } else {
        const euclidean = squared.map(Math.sqrt);
        const bars = persistence({ data: euclidean, rows: n, cols: n }, options);
        for (const dim of [0, 1]) expectSameBars(sortedBars(bars[dim]!), expectedBars(c, dim), `${c.name} H${dim}`);
      }
    });
  }

  it('the async form gives the same barcode', async () => {
    const c = fixture.persistence.find((x) => x.name === 'torus')!;
    const n = c.points.length;
    const d = { data: squaredDistances(c.points), rows: n, cols: n };
    const sync = persistence(d);
    const later = await persistence.async(d);
    for (const dim of [0, 1]) expect(sortedBars(later[dim]!)).toEqual(sortedBars(sync[dim]!));
  });

  it('a point cloud input gives the barcode of its Euclidean distances', () => {
    const c = fixture.persistence.find((x) => x.name === 'circle-euclidean')!;
    const bars = persistence(c.points, { input: 'points' });
    const expected = expectedBars(c, 1);
    const actual = sortedBars(bars[1]!);
    expect(actual.length).toBe(expected.length);
    actual.forEach(([b, e], i) => {
      expect(b).toBeCloseTo(expected[i]![0], 12);
      expect(e).toBeCloseTo(expected[i]![1], 12);
    });
  });

  it('the async form can be cancelled', async () => {
    const c = fixture.persistence.find((x) => x.name === 'random-1000')!;
    const n = c.points.length;
    const controller = new AbortController();
    const pending = persistence.async({ data: squaredDistances(c.points), rows: n, cols: n }, {}, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });

  it('maxDim 0 returns only dimension 0', () => {
    const bars = persistence([[0, 1], [1, 0]], { maxDim: 0 });
    expect(bars.length).toBe(1);
    expect(bars[0]!.bars).toEqual([[0, 1], [0, Infinity]]);
  });
});

describe('persistence: known topology', () => {
  const circle = (n: number, cx = 0, r = 1): number[][] =>
    Array.from({ length: n }, (_, i) => [cx + r * Math.cos((2 * Math.PI * i) / n), r * Math.sin((2 * Math.PI * i) / n)]);

  it('a circle has one long H1 bar', () => {
    const h1 = lengths(persistence(circle(50), { input: 'points' })[1]!);
    expect(h1[0]).toBeGreaterThan(1);
    expect(h1[1] ?? 0).toBeLessThan(0.1);
  });

  it('two circles have two long H1 bars and two components at a small scale', () => {
    const points = [...circle(40), ...circle(40, 5, 1.5)];
    const [h0, h1] = persistence(points, { input: 'points' });
    const l1 = lengths(h1!);
    expect(l1[1]).toBeGreaterThan(1);
    expect(l1[2] ?? 0).toBeLessThan(0.1);
    const longH0 = h0!.bars.filter(([, e]) => e > 1).length;
    expect(longH0).toBe(2); // the component that dies when the circles join, and the essential one
  });

  it('a random cloud has no long H1 bar', () => {
    let s = 12345;
    const random = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
    const points = Array.from({ length: 200 }, () => [random(), random(), random()]);
    const h1 = lengths(persistence(points, { input: 'points' })[1]!);
    expect(h1[0] ?? 0).toBeLessThan(0.15);
  });

  it('below the threshold a cycle stays open (essential H1) and components stay apart', () => {
    const [h0, h1] = persistence(circle(12), { input: 'points', threshold: 0.6 });
    expect(h1!.bars.filter(([, e]) => e === Infinity).length).toBe(1);
    expect(h0!.bars.filter(([, e]) => e === Infinity).length).toBe(1);
    const [h0b] = persistence(circle(12), { input: 'points', threshold: 0.1 });
    expect(h0b!.bars.length).toBe(12);
  });
});

describe('persistence: input validation', () => {
  const codeOf = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return undefined;
  };

  it('rejects non-distance matrices with typed errors', () => {
    expect(codeOf(() => persistence({ data: new Float64Array(6), rows: 2, cols: 3 }))).toBe('E_SHAPE');
    expect(codeOf(() => persistence([[0, 1], [2, 0]]))).toBe('E_DEGENERATE');
    expect(codeOf(() => persistence([[0, -1], [-1, 0]]))).toBe('E_DEGENERATE');
    expect(codeOf(() => persistence([[1, 1], [1, 0]]))).toBe('E_DEGENERATE');
    expect(codeOf(() => persistence([[0, NaN], [NaN, 0]]))).toBe('E_NONFINITE');
    expect(codeOf(() => persistence([[0, 1], [1, 0]], { maxDim: 2 as 1 }))).toBe('E_OPTION');
    expect(codeOf(() => persistence([[0, 1], [1, 0]], { threshold: -1 }))).toBe('E_OPTION');
    expect(codeOf(() => persistence([[0, 1], [1, 0]], { bogus: 1 } as object))).toBe('E_OPTION');
  });

  it('the raw binding validates too', () => {
    const addon = nativeAddon();
    const asymmetric = Float64Array.from([0, 1, 2, 0]);
    expect(codeOf(() => addon.persistence(asymmetric, 2, 2, {}))).toBe('E_DEGENERATE');
    expect(codeOf(() => addon.persistence(Float64Array.from([0, 1, 1]), 1, 3, {}))).toBe('E_SHAPE');
    expect(codeOf(() => addon.persistence(Float64Array.from([0, 1, 1, 0]), 2, 2, { maxDim: 3 }))).toBe('E_OPTION');
    expect(codeOf(() => addon.persistence(Float64Array.from([0, 1, 1, 0]), 2, 2, { input: 'x' }))).toBe('E_OPTION');
    expect(codeOf(() => addon.persistence(Float64Array.from([0, 1, 1, 0]), 2, 2, 'x' as unknown as Record<string, number>))).toBe('E_OPTION');
    expect(codeOf(() => addon.persistence([0, 1, 1, 0] as unknown as Float64Array, 2, 2, {}))).toBe('E_TYPE');
    const points = Float64Array.from([0, 0, NaN, 1]);
    expect(codeOf(() => addon.persistence(points, 2, 2, { input: 'points' }))).toBe('E_NONFINITE');
    const fakeControl = { cancel() {}, cancelled: false };
    expect(codeOf(() => addon.persistenceAsync(Float64Array.from([0, 1, 1, 0]), 2, 2, {}, fakeControl))).toBe('E_TYPE');
  });
});

describe('rtd', () => {
  const gaussian = (rows: number, cols: number, seed: number): Matrix => randomMatrix(rows, cols, seed);

  it('one trial over all rows equals the H1 sums of ripser on the same cross matrices', () => {
    for (const c of fixture.rtd) {
      const value = compare('rtd', c.a, c.b, { trials: 1, batch: c.a.length });
      expect(Math.abs(value - c.rtd) / c.rtd).toBeLessThan(1e-9);
    }
  });

  it('several subsampled trials equal the reference drawn with the same seeded subsets (ripser)', () => {
    const { a, b, trials, batch, seed, rtd } = fixture.rtdSeeded;
    expect(Math.abs(compare('rtd', a, b, { trials, batch, seed }) - rtd) / rtd).toBeLessThan(1e-9);
  });

  it('RTD(X, X) = 0 and the value is symmetric', () => {
    const x = gaussian(80, 6, 1);
    const y = gaussian(80, 4, 2);
    expect(compare('rtd', x, x, { trials: 3, batch: 40, seed: 5 })).toBe(0);
    expect(compare('rtd', x, y, { trials: 3, batch: 40, seed: 5 })).toBe(compare('rtd', y, x, { trials: 3, batch: 40, seed: 5 }));
  });

  it('is deterministic per seed and varies with the seed when subsampling', () => {
    const x = gaussian(120, 5, 3);
    const y = gaussian(120, 5, 4);
    const a = compare('rtd', x, y, { trials: 2, batch: 50, seed: 11 });
    expect(compare('rtd', x, y, { trials: 2, batch: 50, seed: 11 })).toBe(a);
    expect(compare('rtd', x, y, { trials: 2, batch: 50, seed: 12 })).not.toBe(a);
  });

  it('grows with the noise added to one representation (mean over seeds)', () => {
    const x = gaussian(100, 8, 7);
    const means = [0.05, 0.3, 1.5].map((noise) => {
      let total = 0;
      for (const seed of [1, 2, 3]) {
        const e = gaussian(100, 8, 100 + seed);
        const y = { ...x, data: x.data.map((v, i) => v + noise * e.data[i]!) };
        total += compare('rtd', x, y, { trials: 2, batch: 60, seed });
      }
      return total / 3;
    });
    expect(means[0]).toBeLessThan(means[1]!);
    expect(means[1]).toBeLessThan(means[2]!);
  });

  it('reports progress over trials in its async form', async () => {
    const x = gaussian(90, 5, 8);
    const y = gaussian(90, 5, 9);
    const seen: number[] = [];
    const value = await compare.async('rtd', x, y, { trials: 4, batch: 30, seed: 1 }, { onProgress: (p) => seen.push(p.done) });
    expect(value).toBe(compare('rtd', x, y, { trials: 4, batch: 30, seed: 1 }));
    expect(seen.length).toBeGreaterThanOrEqual(4);
  });

  it('rejects degenerate inputs with typed errors', () => {
    const same = { data: new Float64Array(20 * 3).fill(1), rows: 20, cols: 3 };
    expect(() => compare('rtd', same, gaussian(20, 3, 1))).toThrow(expect.objectContaining({ code: 'E_DEGENERATE' }));
    expect(() => compare('rtd', gaussian(2, 3, 1), gaussian(2, 3, 2))).toThrow(expect.objectContaining({ code: 'E_TOO_FEW_ROWS' }));
    expect(() => compare('rtd', gaussian(10, 3, 1), gaussian(10, 3, 2), { trials: 0 })).toThrow(
      expect.objectContaining({ code: 'E_OPTION' }),
    );
  });
});

describe('imd', () => {
  const rotate = (m: Matrix, seed: number): Matrix => multiply(m, randomOrthogonal(m.cols, seed));

  it('IMD(X, X) = 0, IMD(X, XQ) ≈ 0, and unrelated data score higher', () => {
    const x = randomMatrix(300, 8, 1);
    const unrelated = randomMatrix(300, 2, 2);
    const self = compare('imd', x, x, { seed: 3 });
    expect(self).toBe(0);
    expect(compare('imd', x, rotate(x, 4), { seed: 3 })).toBeLessThan(1e-6);
    const other = compare('imd', x, unrelated, { seed: 3 });
    expect(other).toBeGreaterThan(1);
  });

  it('converges to the score of the exact heat traces (scipy eigh fixture)', () => {
    const { a, b, k, score } = fixture.imdExact;
    // 4000 start vectors: the Hutchinson error of the reduced-variance estimate is a few percent.
    const value = compare('imd', a, b, { k, iterations: 4000, seed: 0 });
    expect(Math.abs(value - score) / score).toBeLessThan(0.06);
  });

  it('equals msid’s estimator run on the same seeded start vectors (numpy fixture)', () => {
    const { a, b, score, ...options } = fixture.imdSeeded;
    expect(Math.abs(compare('imd', a, b, options) - score) / score).toBeLessThan(1e-9);
  });

  it('is symmetric and deterministic per seed', () => {
    const x = randomMatrix(200, 5, 5);
    const y = randomMatrix(200, 3, 6);
    const v = compare('imd', x, y, { seed: 9 });
    expect(compare('imd', y, x, { seed: 9 })).toBe(v);
    expect(compare('imd', x, y, { seed: 9 })).toBe(v);
    expect(compare('imd', x, y, { seed: 10 })).not.toBe(v);
  });

  it('reports progress over blocks of start vectors and validates options', async () => {
    const x = randomMatrix(60, 4, 7);
    const y = randomMatrix(60, 4, 8);
    const seen: number[] = [];
    await compare.async('imd', x, y, { iterations: 300 }, { onProgress: (p) => seen.push(p.fraction) });
    expect(seen.length).toBeGreaterThan(5);
    expect(() => compare('imd', x, y, { k: 60 })).toThrow(expect.objectContaining({ code: 'E_TOO_FEW_ROWS' }));
    expect(() => compare('imd', x, y, { lanczosSteps: 0 })).toThrow(expect.objectContaining({ code: 'E_OPTION' }));
    const same = { data: new Float64Array(60 * 4).fill(3), rows: 60, cols: 4 };
    expect(() => compare('imd', same, y)).toThrow(expect.objectContaining({ code: 'E_DEGENERATE' }));
  });
});

describe('geometry-score', () => {
  const circle = (n: number, seed: number): Matrix => {
    const noise = randomMatrix(n, 2, seed, 0.03);
    const data = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      data[2 * i] = Math.cos((2 * Math.PI * i) / n) + noise.data[2 * i]!;
      data[2 * i + 1] = Math.sin((2 * Math.PI * i) / n) + noise.data[2 * i + 1]!;
    }
    return { data, rows: n, cols: 2 };
  };
  const options = { gamma: 0.1, repetitions: 8, landmarks: 32, seed: 4 };

  it('equals GUDHI’s witness complexes + geometry-score’s RLT on the same seeded landmarks', () => {
    const { a, b, options, score } = geometryFixture;
    expect(Math.abs(compare('geometry-score', a, b, options) - score) / score).toBeLessThan(1e-9);
  });

  it('identical inputs give 0 with a shared seed; the value is symmetric and deterministic', () => {
    const x = circle(200, 1);
    const y = randomMatrix(200, 2, 2);
    expect(compare('geometry-score', x, x, options)).toBe(0);
    const v = compare('geometry-score', x, y, options);
    expect(compare('geometry-score', y, x, options)).toBe(v);
    expect(compare('geometry-score', x, y, options)).toBe(v);
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThanOrEqual(2);
  });

  it('two noisy circles are closer than a circle and a blob', () => {
    const a = circle(200, 3);
    const b = circle(200, 4);
    const blob = randomMatrix(200, 2, 5);
    expect(compare('geometry-score', a, b, options)).toBeLessThan(compare('geometry-score', a, blob, options));
  });

  it('runs with the reference default gamma (tiny at small N, yet the α = 0 witness complex can have cycles)', () => {
    const v = compare('geometry-score', circle(60, 6), randomMatrix(60, 3, 7), { repetitions: 3 });
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(2);
  });

  it('reports progress and rejects degenerate inputs', async () => {
    const seen: number[] = [];
    await compare.async('geometry-score', circle(80, 8), circle(80, 9), { ...options, repetitions: 5 }, {
      onProgress: (p) => seen.push(p.done),
    });
    expect(seen.length).toBeGreaterThanOrEqual(5);
    const same = { data: new Float64Array(40).fill(2), rows: 20, cols: 2 };
    expect(() => compare('geometry-score', same, circle(20, 1), options)).toThrow(expect.objectContaining({ code: 'E_DEGENERATE' }));
    expect(() => compare('geometry-score', circle(20, 1), circle(20, 2), { gamma: 0 })).toThrow(
      expect.objectContaining({ code: 'E_OPTION' }),
    );
  });
});
