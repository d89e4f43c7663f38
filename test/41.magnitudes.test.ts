// Magnitudes: entries far from 1 (1e-300 … 1e308) give the values of moderate inputs, scaled as the
// measure scales — never a hang, a wrong number or an internal error (the core computes such inputs on
// power-of-two rescaled copies, native/core/representation.hpp).
import { describe, expect, it } from 'vitest';

import { type Barcode, NnsimError, compare, fitAffineMap, listMeasures, persistence } from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { runIsolated } from './helpers/isolated.js';
import { randomMatrix } from './helpers/random.js';

const scaled = (m: Matrix, s: number): Matrix => ({ ...m, data: m.data.map((v) => v * s) });
const relativeError = (got: number, want: number): number => Math.abs(got - want) / Math.max(Math.abs(want), Number.MIN_VALUE);

const N = 40;
const X = randomMatrix(N, 5, 1);
const Y = randomMatrix(N, 7, 2);
const LABELS = Int32Array.from({ length: N }, (_, i) => i % 4);

function optionsFor(id: string): Record<string, unknown> {
  if (id === 'tolerance-difference' || id === 'knn-modularity-difference') return { labels: LABELS };
  if (id === 'riemannian') return { regularization: 0.01 }; // N > D: the kernels need it
  if (id === 'geometry-score') return { repetitions: 10 };
  return {};
}

// The measures that are not invariant to isotropic scaling, with how they scale when both inputs are
// multiplied by s (default options): m(sX, sY) = s^degree · m(X, Y).
const DEGREE: Record<string, number> = {
  procrustes: 1,
  'permutation-procrustes': 1,
  'soft-matching': 1,
  'rsm-norm-difference': 1,
  'magnitude-difference': 1,
  riemannian: 0,
};

const NATIVE = listMeasures({ domain: 'representational' });

describe('magnitudes: huge entries never hang LAPACK', () => {
  it('procrustes and aligned-cosine on entries ~1e154 return their scale-free values (LAPACK looped for ever)', () => {
    const run = runIsolated(
      `const X = { data: Float64Array.from({ length: 6 }, (_, i) => Math.sin(i + 1) * 1e154), rows: 6, cols: 1 };
       const Y = { data: Float64Array.from({ length: 90 }, (_, i) => Math.cos(3 * i + 1) * 1e154), rows: 6, cols: 15 };
       const unit = (m) => ({ ...m, data: m.data.map((v) => v / 1e154) });
       report({
         procrustes: [nnsim.compare('procrustes', X, Y), nnsim.compare('procrustes', unit(X), unit(Y))],
         alignedCosine: [nnsim.compare('aligned-cosine', X, Y), nnsim.compare('aligned-cosine', unit(X), unit(Y))],
         async: await nnsim.compare.async('procrustes', X, Y),
       });`,
      60_000,
    );
    expect(run.timedOut, run.stderr).toBe(false);
    const { procrustes, alignedCosine, async } = run.result as Record<string, number[] | number>;
    const [p, pUnit] = procrustes as number[];
    expect(relativeError(p!, pUnit! * 1e154)).toBeLessThan(1e-12);
    expect(async).toBe(p);
    const [c, cUnit] = alignedCosine as number[];
    expect(Math.abs(c! - cUnit!)).toBeLessThan(1e-12);
  });

  it('entries of ±1e308 give a number or a typed numerical error for every measure, never E_INTERNAL', () => {
    const ids = NATIVE.map((m) => m.id);
    const run = runIsolated(
      `const ids = ${JSON.stringify(ids)};
       const labels = Int32Array.from({ length: 40 }, (_, i) => i % 4);
       let s = 7;
       const uniform = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
       const huge = (cols) => ({ data: Float64Array.from({ length: 40 * cols }, () => uniform() * 1e308), rows: 40, cols });
       const a = huge(5), b = huge(7);
       const out = {};
       for (const id of ids) {
         const options = id === 'tolerance-difference' || id === 'knn-modularity-difference' ? { labels }
           : id === 'riemannian' ? { regularization: 0.01 } : id === 'geometry-score' ? { repetitions: 10 } : {};
         try { out[id] = nnsim.compare(id, a, b, options); } catch (e) { out[id] = { code: e.code, message: e.message }; }
       }
       report(out);`,
      120_000,
    );
    expect(run.timedOut, run.stderr).toBe(false);
    for (const [id, outcome] of Object.entries(run.result as Record<string, number | { code: string; message: string }>)) {
      if (typeof outcome === 'number') {
        expect(Number.isFinite(outcome), id).toBe(true);
      } else {
        // A value beyond the double range (e.g. a distance of 1e308-sized rows) is E_NUMERICAL.
        expect([id, outcome.code]).toEqual([id, 'E_NUMERICAL']);
      }
    }
  });
});

describe('magnitudes: values at extreme scales', () => {
  for (const info of NATIVE) {
    const { id } = info;
    const invariant = info.invariances.includes('isotropic-scaling');
    it(`${id}: at scales 1e-300, 1e200 and 2^1000 the value scales as the measure does`, () => {
      const options = optionsFor(id);
      const base = compare(id, X, Y, options);
      for (const s of [1e-300, 1e200, 2 ** 1000]) {
        const value = compare(id, scaled(X, s), scaled(Y, s), options);
        let want: number;
        if (invariant) want = base;
        else if (id in DEGREE) want = base * s ** DEGREE[id]!;
        // Uniformity is the log-mean of exp(−t‖xᵢ − xⱼ‖²): at these scales every off-diagonal term is
        // exp(0) = 1 (tiny) or 0 (huge) for both inputs, so their difference is 0.
        else if (id === 'uniformity-difference') want = 0;
        else throw new Error(`${id}: say how it scales`);
        if (want === 0) expect(value, `${id} at ${s}`).toBe(0);
        else expect(relativeError(value, want), `${id} at ${s}: ${value} vs ${want}`).toBeLessThan(1e-9);
      }
      if (invariant) {
        // Each input at its own extreme scale.
        expect(relativeError(compare(id, scaled(X, 1e-300), scaled(Y, 1e250), options), base), id).toBeLessThan(1e-9);
      }
    });
  }

  it('a homogeneous measure brings inputs at different scales to one, and refuses magnitudes 2^400 apart', () => {
    const want = 1e200 * compare('procrustes', X, scaled(Y, 1e-50));
    expect(relativeError(compare('procrustes', scaled(X, 1e200), scaled(Y, 1e150)), want)).toBeLessThan(1e-12);
    try {
      compare('procrustes', scaled(X, 1e300), scaled(Y, 1e-300));
      expect.unreachable('procrustes of inputs 1e600 apart');
    } catch (e) {
      expect(e).toBeInstanceOf(NnsimError);
      expect((e as NnsimError).code).toBe('E_NUMERICAL');
      expect((e as NnsimError).message).toMatch(/2\^400/);
    }
  });

  it('persistence of a point cloud at 1e200 and 1e-300: the bars of the unit cloud, scaled (threshold too)', () => {
    const points = randomMatrix(30, 3, 5);
    const expectScaled = (got: Barcode[], want: Barcode[], s: number): void => {
      expect(got.map((g) => g.bars.length)).toEqual(want.map((w) => w.bars.length));
      got.forEach((g, dim) =>
        g.bars.forEach(([birth, death], i) => {
          const [b, d] = want[dim]!.bars[i]!;
          expect(b === 0 ? birth : relativeError(birth, b * s)).toBeLessThan(1e-12);
          if (d === Infinity) expect(death).toBe(Infinity);
          else expect(relativeError(death, d * s)).toBeLessThan(1e-12);
        }),
      );
    };
    for (const s of [1e200, 1e-300]) {
      expectScaled(persistence(scaled(points, s), { input: 'points' }), persistence(points, { input: 'points' }), s);
      expectScaled(
        persistence(scaled(points, s), { input: 'points', threshold: 1.5 * s }),
        persistence(points, { input: 'points', threshold: 1.5 }),
        s,
      );
    }
  });

  it('the stitching fit of inputs at extreme scales is the unit fit, scaled (a ridge in the inputs\' units)', () => {
    const a = randomMatrix(50, 4, 6);
    const b = randomMatrix(50, 3, 7);
    // fit(sA, tB, λs²) = (t/s)·W and t·bias of fit(A, B, λ).
    for (const [s, t, ridge] of [[1e200, 1e180, 0], [1e150, 1e170, 0.5]] as const) {
      const unit = fitAffineMap(a, b, ridge);
      const fit = fitAffineMap(scaled(a, s), scaled(b, t), ridge * s * s);
      fit.weights.forEach((w, k) => expect(relativeError(w, (unit.weights[k]! * t) / s)).toBeLessThan(1e-10));
      fit.bias.forEach((v, k) => expect(relativeError(v, unit.bias[k]! * t)).toBeLessThan(1e-10));
    }
  });
});
