// Buffers: an input's ArrayBuffer transferred (detached) while nnsim uses it is never read afterwards —
// async calls compute on their own copies, and a prepared input reports E_DETACHED on its next use.
// A transfer moves the memory to a new owner; the tests overwrite it there, so reading it would show.
import { describe, expect, it } from 'vitest';

import { NnsimError, compare, compareMany, prepare, persistence, stitch } from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { nativeAddon } from '../src/native.js';
import { errorOf } from './helpers/errors.js';
import { randomMatrix } from './helpers/random.js';

/** Transfers the buffer behind `data` away and fills it, at its new owner, with `value`. */
function transferAndOverwrite(data: Float64Array | Float32Array, value: number): void {
  const moved = structuredClone(data.buffer, { transfer: [data.buffer as ArrayBuffer] });
  (data instanceof Float32Array ? new Float32Array(moved) : new Float64Array(moved)).fill(value);
}

async function rejectionOf(promise: Promise<unknown>): Promise<NnsimError> {
  try {
    await promise;
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(NnsimError);
    return e as NnsimError;
  }
  throw new Error('expected a rejection');
}

describe('buffers transferred during a call', () => {
  it('compare.async computes on its own copy of an input transferred while it runs', async () => {
    const a = randomMatrix(1500, 32, 1);
    const b = randomMatrix(1500, 32, 2);
    const want = compare('rsa', a, b);
    const pending = compare.async('rsa', a, b);
    transferAndOverwrite(a.data, 0);
    expect(await pending).toBe(want);
  });

  it('a prepared input transferred during compareMany.async: that run finishes on its copy, the next use is E_DETACHED', async () => {
    const a = randomMatrix(800, 24, 3);
    const b = randomMatrix(800, 24, 4);
    const want = compareMany(['cka', 'knn-jaccard'], a, b);
    const prepared = prepare(a);
    const pending = compareMany.async(['cka', 'knn-jaccard'], prepared, b);
    transferAndOverwrite(a.data, NaN);
    expect(await pending).toEqual(want);
    expect(errorOf(() => compare('cka', prepared, b)).code).toBe('E_DETACHED');
    expect((await rejectionOf(compare.async('cka', prepared, b))).code).toBe('E_DETACHED');
  });

  it('a Float32Array stays float32 in the async copy (no float64 copy), and the copy is what the run reads', async () => {
    const float32 = (m: Matrix) => ({ data: Float32Array.from(m.data), rows: m.rows, cols: m.cols });
    const a = float32(randomMatrix(2000, 48, 21));
    const b = float32(randomMatrix(2000, 40, 22));
    const want = compareMany(['cka', 'procrustes', 'angular-shape'], a, b);
    const prepared = prepare(a);
    const pending = compareMany.async(['cka', 'procrustes', 'angular-shape'], prepared, b);
    transferAndOverwrite(a.data, 7);
    expect(await pending).toEqual(want);
    expect(errorOf(() => compare('cka', prepared, b)).code).toBe('E_DETACHED');
    // A prepared float32 input after an async run: its copy is float32, the float64 copy was never made.
    const c = prepare(float32(randomMatrix(300, 12, 23)));
    await compare.async('cka', c, float32(randomMatrix(300, 8, 24)));
    expect(c.nativeHandle().float64CopyBytes).toBe(300 * 12 * 8);
  });

  it('persistence.async and stitch.async read copies of their inputs', async () => {
    const points = randomMatrix(300, 3, 5);
    const want = persistence(points, { input: 'points' });
    const pending = persistence.async(points, { input: 'points' });
    transferAndOverwrite(points.data, 0);
    expect((await pending).map((d) => d.bars)).toEqual(want.map((d) => d.bars));

    const a = randomMatrix(400, 6, 6);
    const b = randomMatrix(400, 4, 7);
    const forward = (m: Matrix): Matrix => m;
    const wantFit = stitch(a, b, { forward });
    const stitched = stitch.async(a, b, { forward });
    transferAndOverwrite(a.data, 0);
    expect(Array.from((await stitched).map.weights)).toEqual(Array.from(wantFit.map.weights));
  });
});

describe('prepared inputs detect a transfer on every use', () => {
  it('a functional measure on a prepared input whose buffer was transferred: E_DETACHED, not a wrong value', () => {
    const outputs = (seed: number): Matrix => randomMatrix(1000, 10, seed);
    const a = outputs(8);
    const b = outputs(9);
    const prepared = prepare(a);
    expect(compare('disagreement', prepared, b)).toBeGreaterThan(0.5);
    transferAndOverwrite(a.data, 0);
    const e = errorOf(() => compare('disagreement', prepared, b));
    expect(e.code).toBe('E_DETACHED');
    expect(errorOf(() => compare('cka', prepared, b)).code).toBe('E_DETACHED');
  });
});

describe('the raw persistence binding', () => {
  it('reads its options before taking the data, so an option getter that transfers the data gives E_DETACHED', () => {
    // A 3-point metric space.
    const distances = new Float64Array([0, 1, 2, 1, 0, 1.5, 2, 1.5, 0]);
    const options = {
      get maxDim(): number {
        transferAndOverwrite(distances, NaN);
        return 1;
      },
    };
    let error: { code?: string } | undefined;
    try {
      nativeAddon().persistence(distances, 3, 3, options as unknown as Record<string, number>);
    } catch (e) {
      error = e as { code?: string };
    }
    expect(error?.code).toBe('E_DETACHED');
  });
});
