// `nnsim extract`: intermediate outputs of a tiny ONNX CNN (test/fixtures/onnx, exported from PyTorch by
// scripts/onnx_fixture.py) run on onnxruntime-node, against the activations PyTorch's forward hooks saw
// (to 1e-5), in batches with a partial last batch and for a model whose batch dimension is fixed; the
// file it writes (ids, declared layouts) feeding `nnsim pairwise`; malformed models; and the one-line
// message when the optional onnxruntime-node is not installed.
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { NnsimError } from '../src/errors.js';
import { openArray, openModel } from '../src/io/load.js';
import { parseOnnx } from '../src/io/onnx.js';
import { ROOT, ensureBuilt, expectOneLineError, nnsim, tmp } from './helpers/cli.js';
import { errorOf } from './helpers/errors.js';
import { rng } from './helpers/random.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'onnx');
const fixture = (name: string): string => join(FIXTURES, name);
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as {
  nodes: { name: string; op: string; output: string; shape: number[]; array: string }[];
};
const reference = (node: { array: string }): Float64Array => openArray(`${fixture('expected.npz')}#${node.array}`).decode();

beforeAll(ensureBuilt);

/** Runs extract and returns the written file's tensors by name. */
function extract(model: string, extra: string[]): { stdout: string; tensors: ReturnType<typeof openModel>; path: string } {
  const path = join(tmp(), 'acts.safetensors');
  const r = nnsim(['extract', fixture(model), '--input', fixture('inputs.npy'), '--out', path, ...extra]);
  expect(r.status, r.stderr).toBe(0);
  return { stdout: r.stdout, tensors: openModel(path), path };
}

function maxDifference(got: Float64Array, want: Float64Array): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got[k]! - want[k]!));
  return worst;
}

describe('nnsim extract', () => {
  it('has its own help', () => {
    const r = nnsim(['extract', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^nnsim extract MODEL\.onnx --input FILE --layers REGEX --out FILE\.safetensors/);
    expect(r.stdout).toContain('npm install onnxruntime-node');
  });

  it('lists the nodes of a model', () => {
    const r = nnsim(['extract', fixture('tiny-cnn.onnx'), '--list']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('inputs: image (batch × 1 × 8 × 8)');
    for (const node of expected.nodes) expect(r.stdout).toMatch(new RegExp(`${node.op} +${node.name}  → ${node.output}`));
  });

  it('writes every selected node output as PyTorch computed it, in batches', () => {
    // 10 inputs in batches of 3: the last batch holds one input.
    const { tensors, stdout } = extract('tiny-cnn.onnx', ['--layers', '.', '--batch', '3']);
    expect(stdout).toMatch(/wrote .*acts\.safetensors \(10 tensors, 10 inputs: \/0\/Conv 4×8×8 nchw, /);
    const byName = new Map(tensors.layers.map((t) => [t.name, t]));
    for (const node of expected.nodes) {
      // Tensors are named after their node; the model's own output keeps the node's name too.
      const t = byName.get(node.name)!;
      expect(t, node.name).toBeDefined();
      expect(t.shape, node.name).toEqual(node.shape);
      expect(maxDifference(t.decode(), reference(node)), node.name).toBeLessThan(1e-5);
      // Conv-family outputs (and what elementwise ops make of them) are declared N × C × H × W.
      expect(t.metadata?.[`layout.${node.name}`], node.name).toBe(node.shape.length === 4 ? 'nchw' : undefined);
    }
    expect(Array.from(tensors.ids!.decode())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('fills up the last batch of a model with a fixed batch size', () => {
    const { tensors } = extract('tiny-cnn-fixed.onnx', ['--layers', 'Relu$']);
    expect(tensors.layers.map((t) => t.name)).toEqual(['/1/Relu', '/4/Relu', '/8/Relu']);
    for (const t of tensors.layers) {
      const node = expected.nodes.find((n) => n.name === t.name)!;
      expect(t.shape[0]).toBe(10);
      expect(maxDifference(t.decode(), reference(node)), t.name).toBeLessThan(1e-5);
    }
    expectOneLineError(
      nnsim(['extract', fixture('tiny-cnn-fixed.onnx'), '--input', fixture('inputs.npy'), '--layers', 'Relu', '--batch', '3', '--out', join(tmp(), 'x.safetensors')]),
      /--batch 3: the batch dimension of .* is fixed to 4/,
    );
  });

  it('writes a file that nnsim pairwise reads with its declared layouts and ids', () => {
    const dir = tmp();
    const ids = fixture('ids.npy');
    const { tensors, path } = extract('tiny-cnn.onnx', ['--layers', 'Relu|Pool', '--ids', ids]);
    expect(Array.from(tensors.ids!.decode())).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    const out = join(dir, 'report');
    const r = nnsim(['pairwise', path, path, '--reshape', 'pool', '-m', 'cka', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { a: { layers: { name: string }[] }; values: { cka: number[][] } };
    expect(results.a.layers.map((l) => l.name)).toEqual(['/1/Relu', '/2/MaxPool', '/4/Relu', '/5/GlobalAveragePool', '/8/Relu']);
    for (let i = 0; i < 5; i++) expect(results.values.cka[i]![i]).toBeCloseTo(1, 10);
  });

  it('refuses mistakes with one line', () => {
    const out = join(tmp(), 'x.safetensors');
    const run = (args: string[]) => nnsim(['extract', ...args]);
    const base = [fixture('tiny-cnn.onnx'), '--input', fixture('inputs.npy')];
    expectOneLineError(run([...base, '--layers', 'NoSuchNode', '--out', out]), /no node of .* matches \/NoSuchNode\/; 'nnsim extract tiny-cnn\.onnx --list'/);
    expectOneLineError(run([...base, '--layers', '(', '--out', out]), /--layers: not a regular expression/);
    expectOneLineError(run([...base, '--layers', 'Relu']), /extract needs --out/);
    expectOneLineError(run([...base, '--layers', 'Relu', '--out', join(tmp(), 'x.npz')]), /writes \.safetensors files/);
    expectOneLineError(run([...base, '--layers', 'Relu', '--out', out, '--batch', '0']), /--batch must be a whole number/);
    expectOneLineError(
      run([fixture('tiny-cnn.onnx'), '--input', join(ROOT, 'test', 'fixtures', 'tensor', 'conv-nchw.npy'), '--layers', 'Relu', '--out', out]),
      /conv-nchw\.npy is 5 × 3 × 7 × 5 but input 'image' of .* is batch × 1 × 8 × 8.*\[E_SHAPE\]/,
    );
    expectOneLineError(run([fixture('inputs.npy'), '--list']), /not a valid ONNX model|not an ONNX model/);
    expectOneLineError(run([fixture('missing.onnx'), '--list']), /missing\.onnx: cannot be read \(ENOENT\)/);
    const truncated = join(tmp(), 'cut.onnx');
    writeFileSync(truncated, readFileSync(fixture('tiny-cnn.onnx')).subarray(0, 900));
    expectOneLineError(run([truncated, '--input', fixture('inputs.npy'), '--layers', 'Relu', '--out', out]), /cut\.onnx: .*(malformed protobuf|not an ONNX model|cannot load).*\[E_FILE\]/);
  });

  it('says in one line how to install onnxruntime-node when it is missing', () => {
    // A copy of the built package without onnxruntime-node beside it.
    const dir = tmp();
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'nnsim', version: '0.0.0', type: 'module' }));
    mkdirSync(join(dir, 'node_modules'));
    for (const dep of ['cli-progress', 'node-gyp-build']) symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));
    const r = nnsim(['extract', fixture('tiny-cnn.onnx'), '--input', fixture('inputs.npy'), '--layers', 'Relu', '--out', join(dir, 'x.safetensors')], dir, {}, join(dir, 'dist', 'cli.js'));
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^nnsim: nnsim extract needs onnxruntime-node.*npm install onnxruntime-node.*ONNXRUNTIME_NODE_INSTALL=skip.*\[E_NATIVE_UNAVAILABLE\]$/)]);
  });
});

describe('ONNX reader', () => {
  it('reads the graph: nodes, the fed input, outputs', () => {
    const model = parseOnnx(readFileSync(fixture('tiny-cnn.onnx')), 'tiny-cnn.onnx');
    expect(model.nodes.map((n) => [n.name, n.opType, n.outputs[0]])).toEqual(expected.nodes.map((n) => [n.name, n.op, n.output]));
    expect(model.inputs).toEqual([{ name: 'image', elementType: 1, dims: ['batch', 1, 8, 8] }]);
    expect(model.outputs.map((o) => o.name)).toEqual(['logits']);
    expect(model.externalData).toBe(false);
    // Declaring outputs adds them and keeps everything else.
    const patched = parseOnnx(model.withOutputs(['/1/Relu_output_0', 'logits']), 'patched');
    expect(patched.outputs.map((o) => o.name)).toEqual(['logits', '/1/Relu_output_0']);
    expect(patched.nodes).toEqual(model.nodes);
    expect(parseOnnx(readFileSync(fixture('tiny-cnn-fixed.onnx')), 'fixed').inputs[0]!.dims).toEqual([4, 1, 8, 8]);
  });

  it('refuses corrupted models with E_FILE, never anything else', () => {
    const good = readFileSync(fixture('tiny-cnn.onnx'));
    const random = rng(7);
    let refused = 0;
    for (let trial = 0; trial < 400; trial++) {
      const bytes = new Uint8Array(good);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const cut = random() < 0.3 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes;
      try {
        parseOnnx(cut, 'fuzzed.onnx').withOutputs(['x']);
      } catch (error) {
        expect(error).toBeInstanceOf(NnsimError);
        expect((error as NnsimError).code).toBe('E_FILE');
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(20);
    expect(errorOf(() => parseOnnx(new Uint8Array([0x3a, 0x05, 1]), 'short.onnx')).message).toMatch(/malformed protobuf/);
    expect(errorOf(() => parseOnnx(new Uint8Array([0x08, 0x07]), 'nograph.onnx')).message).toMatch(/no graph/);
  });
});
