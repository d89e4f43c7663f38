// Activation tensors → matrices: every reshape (flatten, positions, global and adaptive average pooling)
// of 4-D and 3-D tensors in both layouts against NumPy and torch.nn.functional.adaptive_avg_pool2d/1d
// (test/fixtures/tensor, written by scripts/tensor_fixtures.py), the refusals that keep a conv layer from
// being misread, and the command line on layers of different ranks with declared layouts and sample ids.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { compare, fromTensor, type Layout, type Reshape } from '../src/index.js';
import { openArray, openModel, toRepresentation } from '../src/io/load.js';
import { planTensor, transformSamples } from '../src/io/tensor.js';
import { ensureBuilt, expectOneLineError, nnsim, tmp, ROOT } from './helpers/cli.js';
import { errorOf } from './helpers/errors.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'tensor');
const fixture = (name: string): string => join(FIXTURES, name);

interface Reshaped {
  shape: [number, number];
  values: number[];
}
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as {
  tensors: Record<string, { files: Record<string, string>; shape: number[]; reshapes: Record<string, Reshaped> }>;
  cka: { positions: number; pool: number; 'positions-misread': number };
  pairwise: { layers: string[]; cka: number[][] };
};

function maxDifference(got: ArrayLike<number>, want: readonly number[]): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got[k]! - want[k]!));
  return worst;
}

/** The tensor of a fixture file in its own layout, as float32 data (as frameworks hand it over). */
function tensorOf(file: string): { data: Float32Array; shape: number[] } {
  const entry = openArray(fixture(file));
  return { data: Float32Array.from(entry.decode()), shape: [...entry.shape] };
}

describe('fromTensor', () => {
  for (const [name, tensor] of Object.entries(expected.tensors)) {
    for (const [layout, file] of Object.entries(tensor.files)) {
      it(`${name} in ${layout}: every reshape equals NumPy / PyTorch`, () => {
        const { data, shape } = tensorOf(file);
        for (const [reshape, want] of Object.entries(tensor.reshapes)) {
          const m = fromTensor(data, shape, { layout: layout as Layout, reshape: reshape as Reshape });
          expect([m.rows, m.cols], `${reshape}`).toEqual(want.shape);
          const worst = maxDifference(m.data, want.values);
          // Moves are exact; pooled means differ from PyTorch's float64 only by summation order.
          if (reshape === 'flatten' || reshape === 'positions') expect(worst, reshape).toBe(0);
          else expect(worst, reshape).toBeLessThan(1e-14);
        }
      });
    }
  }

  it('takes Float64Array, Float32Array and number[] alike, and uses a float64 matrix in place', () => {
    const { data, shape } = tensorOf('conv-nhwc.npy');
    const f64 = Float64Array.from(data);
    const want = fromTensor(data, shape, { layout: 'nhwc', reshape: 'pool:3x2' });
    expect(Array.from(fromTensor(f64, shape, { layout: 'nhwc', reshape: 'pool:3x2' }).data)).toEqual(Array.from(want.data));
    expect(Array.from(fromTensor(Array.from(data), shape, { layout: 'nhwc', reshape: 'pool:3x2' }).data)).toEqual(Array.from(want.data));
    // Channels-last flatten and positions are the data itself: no copy.
    expect(fromTensor(f64, shape, { layout: 'nhwc', reshape: 'flatten' }).data).toBe(f64);
    expect(fromTensor(f64, shape, { layout: 'nhwc', reshape: 'positions' }).data).toBe(f64);
    expect(fromTensor(f64, shape, { layout: 'nhwc', reshape: 'pool' }).data).not.toBe(f64);
    const fc = new Float64Array(12).fill(1);
    const m = fromTensor(fc, [3, 4]);
    expect([m.data === fc, m.rows, m.cols]).toEqual([true, 3, 4]);
    expect([fromTensor(new Float32Array(3), [3]).cols]).toEqual([1]);
  });

  it('runs block by block with the same result (transformSamples)', () => {
    const { data, shape } = tensorOf('conv-nchw.npy');
    for (const reshape of ['flatten', 'positions', 'pool', 'pool:3x2'] as const) {
      const plan = planTensor(shape, { layout: 'nchw', reshape });
      const whole = fromTensor(data, shape, { layout: 'nchw', reshape });
      const out = new Float64Array(plan.rows * plan.cols);
      // Samples 0–1, then 2–4, each block written at its offset.
      transformSamples(plan, data.subarray(0, 2 * plan.inputPerSample), 2, out, 0);
      transformSamples(plan, data.subarray(2 * plan.inputPerSample), 3, out, 2 * plan.outputPerSample);
      expect(Array.from(out), reshape).toEqual(Array.from(whole.data));
    }
  });

  it('refuses a 4-D or 3-D array without a layout, naming PyTorch’s and TensorFlow’s', () => {
    const { data, shape } = tensorOf('conv-nchw.npy');
    const noLayout = errorOf(() => fromTensor(data, shape, { reshape: 'pool' }));
    expect(noLayout.code).toBe('E_SHAPE');
    expect(noLayout.message).toMatch(/\{ layout: 'nchw' \} for N × C × H × W \(PyTorch, ONNX\) or \{ layout: 'nhwc' \} for N × H × W × C \(TensorFlow/);
    const tokens = tensorOf('tokens-ntc.npy');
    expect(errorOf(() => fromTensor(tokens.data, tokens.shape, { reshape: 'pool' })).message).toMatch(/'nct'.*'ntc'.*transformer tokens/);
    const noReshape = errorOf(() => fromTensor(data, shape, { layout: 'nchw' }));
    expect([noReshape.code, noReshape.message]).toEqual(['E_SHAPE', expect.stringMatching(/flatten.*positions.*pool.*pool:HxW/)]);
    expect(errorOf(() => fromTensor(data, shape, { layout: 'ntc', reshape: 'pool' })).message).toMatch(/'ntc' is for 3-D arrays but this one is 4-D/);
    expect(errorOf(() => fromTensor(new Float64Array(6), [2, 3], { layout: 'nchw' })).code).toBe('E_SHAPE');
    expect(errorOf(() => fromTensor(new Float64Array(32), [2, 2, 2, 2, 2], { layout: 'nchw', reshape: 'pool' })).message).toMatch(/5 dimensions/);
  });

  it('refuses malformed options, data and shapes with typed errors', () => {
    const { data, shape } = tensorOf('conv-nchw.npy');
    const code = (options: object): string => errorOf(() => fromTensor(data, shape, options as never)).code;
    expect(code({ layout: 'NCHW', reshape: 'pool' })).toBe('E_OPTION');
    for (const reshape of ['pool:0', 'pool:3x', 'pool:x3', 'pool:2x2x2', 'squash', 'pool:99999']) expect(code({ layout: 'nchw', reshape }), reshape).toBe('E_OPTION');
    expect(code({ layout: 'nchw', reshape: 'pool', reshap: 'x' })).toBe('E_OPTION');
    const tokens = tensorOf('tokens-nct.npy');
    expect(errorOf(() => fromTensor(tokens.data, tokens.shape, { layout: 'nct', reshape: 'pool:2x2' })).message).toMatch(/use 'pool:2'/);
    expect(errorOf(() => fromTensor(data.subarray(1), shape, { layout: 'nchw', reshape: 'pool' })).code).toBe('E_SHAPE');
    expect(errorOf(() => fromTensor(data, [5, 3, 7, 0], { layout: 'nchw', reshape: 'pool' })).code).toBe('E_SHAPE');
    expect(errorOf(() => fromTensor(data, [5, 3, -7, 5] as never, { layout: 'nchw', reshape: 'pool' })).code).toBe('E_TYPE');
    expect(errorOf(() => fromTensor('x' as never, shape, { layout: 'nchw', reshape: 'pool' })).code).toBe('E_TYPE');
    const bad = Float32Array.from(data);
    bad[1 * 105 + 0 * 35 + 2 * 5 + 4] = Infinity; // index (1, 0, 2, 4) of 5 × 3 × 7 × 5
    const nonFinite = errorOf(() => fromTensor(bad, shape, { layout: 'nchw', reshape: 'pool' }));
    expect([nonFinite.code, nonFinite.message]).toEqual(['E_NONFINITE', 'tensor has Infinity at index (1, 0, 2, 4)']);
    // Finite values whose mean overflows float64.
    const huge = new Float64Array(2 * 2 * 2 * 2).fill(1.5e308);
    expect(errorOf(() => fromTensor(huge, [2, 2, 2, 2], { layout: 'nchw', reshape: 'pool' })).message).toMatch(/overflows at row 0, column 0/);
    expect(errorOf(() => fromTensor([1, 2, 'x', 4] as never, [2, 2])).message).toMatch(/tensor data\[2\]/);
  });
});

describe('files', () => {
  it('read a .npy conv layer with a layout as fromTensor does, in both layouts', () => {
    const want = expected.tensors.conv!.reshapes;
    for (const [layout, file] of Object.entries(expected.tensors.conv!.files)) {
      const entry = openArray(fixture(file));
      for (const reshape of ['flatten', 'pool', 'pool:4x4'] as const) {
        const m = toRepresentation(entry, { layouts: { 4: layout as Layout }, reshape });
        expect(maxDifference(m.data, want[reshape]!.values), `${file} ${reshape}`).toBeLessThan(1e-14);
      }
    }
  });

  it('hold layers of different ranks, their declared layouts and sample ids (.safetensors and .npz)', () => {
    for (const file of ['model-a.safetensors', 'model-b.npz']) {
      const { layers, ids } = openModel(fixture(file));
      expect(layers.map((l) => [l.name, l.shape.length]), file).toEqual([
        ['conv', 4],
        ['fc', 2],
        ['tokens', 3],
      ]);
      expect(Array.from(ids!.decode()), file).toEqual(Array.from({ length: 16 }, (_, i) => 100 + i));
      const shapes = layers.map((l) => {
        const m = toRepresentation(l, { reshape: 'pool' });
        return [m.rows, m.cols];
      });
      expect(shapes, file).toEqual([
        [16, 4],
        [16, file === 'model-a.safetensors' ? 7 : 3],
        [16, 6],
      ]);
    }
    // One layer picked out of a .npz still sees the file's metadata.
    expect(toRepresentation(openArray(`${fixture('model-b.npz')}#conv`), { reshape: 'pool' }).cols).toBe(4);
  });
});

describe('command line', () => {
  beforeAll(ensureBuilt);

  const cka = (args: string[]): number => {
    const r = nnsim(['compare', ...args, '-m', 'cka', '--json']);
    expect(r.status, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { values: { cka: number } }).values.cka;
  };

  it('compares conv layers with the layout of each file', () => {
    const a = fixture('layer-a-nchw.npy');
    expect(cka([a, fixture('layer-b-nchw.npy'), '--layout', 'nchw', '--reshape', 'positions'])).toBeCloseTo(expected.cka.positions, 12);
    expect(cka([a, fixture('layer-b-nhwc.npy'), '--layout', 'a=nchw,b=nhwc', '--reshape', 'positions'])).toBeCloseTo(expected.cka.positions, 12);
    expect(cka([a, fixture('layer-b-nhwc.npy'), '--layout', 'a=nchw', '--layout', 'b=nhwc', '--reshape', 'pool'])).toBeCloseTo(expected.cka.pool, 12);
    // What the wrong layout gives: a plausible number that is not the answer.
    const misread = cka([a, fixture('layer-b-nchw.npy'), '--layout', 'nhwc', '--reshape', 'positions']);
    expect(misread).toBeCloseTo(expected.cka['positions-misread'], 12);
    expect(Math.abs(misread - expected.cka.positions)).toBeGreaterThan(0.1);
  });

  it('refuses 4-D arrays without a layout, and contradictory layouts, with one line', () => {
    const a = fixture('layer-a-nchw.npy');
    expectOneLineError(
      nnsim(['compare', a, fixture('layer-b-nchw.npy'), '--reshape', 'pool']),
      /is 4-D \(24 × 6 × 5 × 4\); say which dimension holds the channels: --layout nchw for N × C × H × W \(PyTorch, ONNX\) or --layout nhwc for N × H × W × C \(TensorFlow.*\[E_SHAPE\]/,
    );
    expectOneLineError(nnsim(['compare', a, a, '--layout', 'nchw']), /--reshape flatten, --reshape positions, --reshape pool, --reshape pool:HxW/);
    expectOneLineError(nnsim(['compare', a, a, '--layout', 'nchw', '--reshape', 'pool:0']), /--reshape must be/);
    expectOneLineError(nnsim(['compare', a, a, '--layout', 'nchv', '--reshape', 'pool']), /unknown layout 'nchv'/);
    expectOneLineError(nnsim(['compare', a, a, '--layout', 'nchw,nhwc', '--reshape', 'pool']), /two layouts for the 4-D arrays of A/);
    const tokens = fixture('tokens-ntc.npy');
    expectOneLineError(nnsim(['compare', tokens, tokens, '--layout', 'nchw', '--reshape', 'pool']), /is 3-D \(4 × 7 × 3\) but --layout nchw is for 4-D arrays; .*--layout ntc for N × T × C/);
    expectOneLineError(
      nnsim(['pairwise', fixture('model-a.safetensors'), fixture('model-b.npz'), '--layout', 'b=nchw', '--reshape', 'pool', '--out', tmp()]),
      /model-b\.npz#conv: the file declares layout 'nhwc' .* but --layout says 'nchw'/,
    );
  });

  it('sweeps files whose layers have different ranks, each with its own layout', () => {
    const out = join(tmp(), 'report');
    const r = nnsim(['pairwise', fixture('model-a.safetensors'), fixture('model-b.npz'), '--reshape', 'pool', '-m', 'cka', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      a: { layers: { name: string; shape: number[] }[] };
      b: { layers: { name: string }[] };
      values: { cka: number[][] };
    };
    expect(results.a.layers.map((l) => l.name)).toEqual(expected.pairwise.layers);
    expect(results.b.layers.map((l) => l.name)).toEqual(expected.pairwise.layers);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) expect(results.values.cka[i]![j], `${i},${j}`).toBeCloseTo(expected.pairwise.cka[i]![j]!, 12);
    }
    // The library on the same files gives the same cells.
    const pooled = (file: string) => openModel(fixture(file)).layers.map((l) => toRepresentation(l, { reshape: 'pool' }));
    const [a, b] = [pooled('model-a.safetensors'), pooled('model-b.npz')];
    expect(compare('cka', a[0]!, b[2]!)).toBe(results.values.cka[0]![2]);
  });

  it('refuses models whose sample ids differ', () => {
    expectOneLineError(
      nnsim(['pairwise', fixture('model-a.safetensors'), fixture('model-b-other-ids.npz'), '--reshape', 'pool', '--out', tmp()]),
      /#ids and .*#ids differ at row 3 \(103 vs 999\); rows are inputs/,
    );
  });
});
