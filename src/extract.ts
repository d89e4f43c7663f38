/**
 * `nnsim extract`: intermediate activations of an ONNX model, written as .safetensors for `nnsim
 * pairwise`. The graph's node outputs matched by a regular expression are declared as graph outputs
 * (src/io/onnx.ts), the model runs in batches on onnxruntime-node (an optional peer dependency: it is
 * large and only this command needs it), and each output is stored N × … with an `ids` tensor and the
 * layout of every 3-D/4-D tensor whose layout the graph fixes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';

import { NnsimError } from './errors.js';
import { printable } from './io/array.js';
import { IDS, layoutKey, openArray, readIds } from './io/load.js';
import { type OnnxModel, type OnnxNode, ELEMENT_TYPES, parseOnnx } from './io/onnx.js';
import { type SafetensorsTensor, encodeSafetensors } from './io/safetensors.js';
import type { Layout } from './io/tensor.js';

type Runtime = typeof import('onnxruntime-node');

export const INSTALL_HINT =
  "nnsim extract needs onnxruntime-node, an optional dependency: install it beside nnsim with 'npm install onnxruntime-node' " +
  '(ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node where its optional CUDA download is blocked; the CPU runtime is in the package)';

/** onnxruntime-node, or E_NATIVE_UNAVAILABLE saying how to install it. */
async function loadRuntime(): Promise<Runtime> {
  try {
    const mod = (await import('onnxruntime-node')) as Runtime & { default?: Runtime };
    return mod.default ?? mod;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new NnsimError('E_NATIVE_UNAVAILABLE', INSTALL_HINT);
    throw new NnsimError('E_NATIVE_UNAVAILABLE', `onnxruntime-node could not be loaded (${(error as Error)?.message ?? String(error)}); reinstall it`);
  }
}

/**
 * ONNX operators whose inputs and outputs are channels first by definition (N × C × H × W, N × C × T),
 * and operators that keep the layout of their input (elementwise and normalisation).
 */
const CHANNELS_FIRST_OPS = new Set([
  'Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool',
  'GlobalMaxPool', 'GlobalLpPool', 'BatchNormalization', 'InstanceNormalization', 'LRN', 'DepthToSpace', 'SpaceToDepth',
]);
const LAYOUT_PRESERVING_OPS = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'Tanh', 'Clip', 'Elu', 'Selu', 'Celu', 'Softplus', 'Softsign', 'HardSigmoid',
  'HardSwish', 'Gelu', 'Mish', 'ThresholdedRelu', 'Shrink', 'Dropout', 'Identity', 'Cast', 'Add', 'Sub', 'Mul', 'Div', 'Pow',
  'Sqrt', 'Abs', 'Neg', 'Exp', 'Log', 'Erf', 'Max', 'Min', 'Sum', 'Mean', 'Pad',
]);

/** Values known to be channels first, following the graph in its (topological) order. */
function channelsFirstValues(nodes: readonly OnnxNode[]): Set<string> {
  const known = new Set<string>();
  for (const node of nodes) {
    if (CHANNELS_FIRST_OPS.has(node.opType) || (LAYOUT_PRESERVING_OPS.has(node.opType) && node.inputs.some((i) => known.has(i)))) {
      for (const o of node.outputs) known.add(o);
    }
  }
  return known;
}

/** One value to extract: the graph value and the tensor name it gets in the file. */
interface Selected {
  readonly value: string;
  readonly tensor: string;
  readonly node: OnnxNode;
}

/** The node outputs whose node name or output name matches `pattern`, in graph order. */
export function selectOutputs(model: OnnxModel, pattern: RegExp): Selected[] {
  const names = new Map<string, number>();
  for (const n of model.nodes) names.set(n.name, (names.get(n.name) ?? 0) + 1);
  const values = new Set(model.nodes.flatMap((n) => n.outputs));
  const selected: Selected[] = [];
  for (const node of model.nodes) {
    const nodeMatches = node.name !== '' && pattern.test(node.name);
    // A node's tensor is named after the node when that name is unique, names no other value, and the
    // node has one output; otherwise after the value (value names are unique in a graph).
    const byNode = node.name !== '' && names.get(node.name) === 1 && node.outputs.length === 1 && (!values.has(node.name) || node.outputs[0] === node.name);
    for (const value of node.outputs) {
      if (value === '' || !(nodeMatches || pattern.test(value))) continue;
      selected.push({ value, tensor: byNode ? node.name : value, node });
    }
  }
  return selected;
}

export interface ExtractedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
  readonly layout: Layout | undefined;
}

export interface ExtractResult {
  readonly tensors: readonly ExtractedTensor[];
  /** Selected outputs that were not written, and why. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

export interface ExtractOptions {
  readonly model: Uint8Array;
  readonly modelSource: string;
  /** The inputs: N × … in C order. */
  readonly input: { readonly data: Float64Array; readonly shape: readonly number[]; readonly source: string };
  readonly layers: RegExp;
  /** Inputs per run (default 64; a model with a fixed batch dimension dictates its own). */
  readonly batch?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

const DEFAULT_BATCH = 64;

/** Runs the model on the inputs in batches and collects the selected intermediate outputs. */
export async function extractActivations(options: ExtractOptions): Promise<ExtractResult> {
  const { input, modelSource } = options;
  const model = parseOnnx(options.model, modelSource);
  if (model.externalData) {
    throw new NnsimError('E_FILE', `${modelSource}: keeps its weights in external data files, which extract does not read; export the model into one .onnx file`);
  }
  if (model.inputs.length !== 1) {
    throw new NnsimError('E_FILE', `${modelSource}: takes ${model.inputs.length} inputs (${model.inputs.map((i) => i.name).join(', ')}); extract feeds models with one input`);
  }
  const feed = model.inputs[0]!;
  const elementType = feed.elementType === 11 ? 'float64' : feed.elementType === 1 || feed.elementType === undefined ? 'float32' : undefined;
  if (!elementType) {
    throw new NnsimError('E_FILE', `${modelSource}: input '${feed.name}' takes ${ELEMENT_TYPES[feed.elementType!] ?? `element type ${feed.elementType}`}; extract feeds float32 and float64 inputs`);
  }
  const n = input.shape[0]!;
  const dims = feed.dims;
  if (dims) {
    const fits = dims.length === input.shape.length && dims.every((d, i) => i === 0 || typeof d !== 'number' || d === input.shape[i]);
    if (!fits) {
      throw new NnsimError(
        'E_SHAPE',
        `${input.source} is ${input.shape.join(' × ')} but input '${feed.name}' of ${modelSource} is ${dims.map((d) => d ?? '?').join(' × ')}; give one input per row in the model's shape`,
      );
    }
  }
  const fixedBatch = typeof dims?.[0] === 'number' && dims[0] > 0 ? dims[0] : undefined;
  if (fixedBatch !== undefined && options.batch !== undefined && options.batch !== fixedBatch) {
    throw new NnsimError('E_OPTION', `--batch ${options.batch}: the batch dimension of ${modelSource} is fixed to ${fixedBatch}; drop --batch`);
  }
  const batch = fixedBatch ?? options.batch ?? DEFAULT_BATCH;
  const selected = selectOutputs(model, options.layers);
  if (selected.length === 0) {
    throw new NnsimError('E_OPTION', `no node of ${modelSource} matches /${options.layers.source}/; 'nnsim extract ${basename(modelSource)} --list' lists the nodes`);
  }
  const ort = await loadRuntime();
  let session;
  try {
    session = await ort.InferenceSession.create(model.withOutputs(selected.map((s) => s.value)), { graphOptimizationLevel: 'basic' });
  } catch (error) {
    throw new NnsimError('E_FILE', printable(`${modelSource}: onnxruntime cannot load the model (${firstLine(error)})`));
  }
  const perSample = input.data.length / n;
  const channelsFirst = channelsFirstValues(model.nodes);
  const outputs = new Map<string, { shape: number[]; data: Float32Array | Float64Array }>();
  const skipped = new Map<string, string>();
  try {
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      // A fixed batch dimension is filled up by repeating the last input; the extra rows are dropped.
      const rows = fixedBatch ?? count;
      const buffer = elementType === 'float64' ? new Float64Array(rows * perSample) : new Float32Array(rows * perSample);
      buffer.set(input.data.subarray(start * perSample, (start + count) * perSample));
      for (let r = count; r < rows; r++) buffer.copyWithin(r * perSample, (count - 1) * perSample, count * perSample);
      let results;
      try {
        results = await session.run({ [feed.name]: new ort.Tensor(elementType, buffer, [rows, ...input.shape.slice(1)]) }, selected.map((s) => s.value));
      } catch (error) {
        throw new NnsimError('E_FILE', printable(`${modelSource}: onnxruntime failed on inputs ${start}–${start + count - 1} of ${input.source} (${firstLine(error)})`));
      }
      for (const s of selected) {
        if (skipped.has(s.tensor)) continue;
        const t = results[s.value]!;
        const shape = t.dims.map(Number);
        if (t.type !== 'float32' && t.type !== 'float64') {
          skipped.set(s.tensor, `${t.type} values`);
          continue;
        }
        if (shape[0] !== rows) {
          skipped.set(s.tensor, `shape (${shape.join(', ')}) is not one row per input`);
          continue;
        }
        const rest = shape.slice(1);
        const size = rest.reduce((p, d) => p * d, 1);
        let out = outputs.get(s.tensor);
        if (!out) {
          out = { shape: [n, ...rest], data: t.type === 'float64' ? new Float64Array(n * size) : new Float32Array(n * size) };
          outputs.set(s.tensor, out);
        } else if (out.shape.slice(1).join() !== rest.join()) {
          throw new NnsimError('E_SHAPE', `${s.tensor}: shape per input changed between batches (${out.shape.slice(1).join(' × ')} vs ${rest.join(' × ')})`);
        }
        out.data.set((t.data as Float32Array | Float64Array).subarray(0, count * size), start * size);
      }
      options.onProgress?.(start + count, n);
    }
  } finally {
    await session.release();
  }
  const tensors: ExtractedTensor[] = [];
  for (const s of selected) {
    const out = outputs.get(s.tensor);
    if (!out || skipped.has(s.tensor)) continue;
    const rank = out.shape.length;
    const layout: Layout | undefined = channelsFirst.has(s.value) ? (rank === 4 ? 'nchw' : rank === 3 ? 'nct' : undefined) : undefined;
    tensors.push({ name: s.tensor, shape: out.shape, data: out.data, layout });
  }
  for (const t of tensors) outputs.delete(t.name);
  return { tensors, skipped: [...skipped].map(([name, reason]) => ({ name, reason })) };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.slice(0, 300);
}

/** The .safetensors file of an extraction: the tensors, `ids`, and each tensor's layout as metadata. */
export function encodeActivations(result: ExtractResult, ids: Float64Array, metadata: Readonly<Record<string, string>>): Uint8Array {
  const tensors: Record<string, SafetensorsTensor> = {};
  const meta: Record<string, string> = { ...metadata };
  for (const t of result.tensors) {
    if (t.name === IDS) throw new NnsimError('E_OPTION', `a node output is named '${IDS}', which the sample ids use; select it under another name`);
    tensors[t.name] = { dtype: t.data instanceof Float64Array ? 'F64' : 'F32', shape: t.shape, data: t.data };
    if (t.layout) meta[layoutKey(t.name)] = t.layout;
  }
  tensors[IDS] = { dtype: 'I64', shape: [ids.length], data: BigInt64Array.from(ids, (v) => BigInt(v)) };
  return encodeSafetensors(tensors, meta);
}

interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const EXTRACT_USAGE = `nnsim extract MODEL.onnx --input FILE --layers REGEX --out FILE.safetensors [--batch N] [--ids FILE] [--quiet]
nnsim extract MODEL.onnx --list

Runs an ONNX model on the inputs (FILE: .npy, .npz#name or .safetensors#name, one input per row in the
model's input shape) with onnxruntime-node and writes the outputs of every graph node whose name (or
output name) matches REGEX, N × …, to a .safetensors file with an 'ids' tensor (0 … N−1, or --ids FILE)
and the layout of conv outputs (nchw), ready for 'nnsim pairwise'. --list prints the nodes.
Needs onnxruntime-node: npm install onnxruntime-node.`;

/** What the command line lends the subcommand: its progress bar and its usage-error type (exit code 2). */
export interface CommandContext {
  progress(enabled: boolean): { update(done: number, total: number): void; stop(): void };
  usage(message: string): Error;
}

/** The `extract` subcommand; returns the exit code. */
export async function extractCommand(args: string[], io: Io, { progress, usage }: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      input: { type: 'string' },
      layers: { type: 'string' },
      out: { type: 'string' },
      batch: { type: 'string' },
      ids: { type: 'string' },
      list: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw usage(`extract needs one model file (MODEL.onnx); got ${positionals.length}. Usage: ${EXTRACT_USAGE.split('\n')[0]}`);
  const modelPath = positionals[0]!;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(modelPath);
  } catch (error) {
    throw new NnsimError('E_FILE', `${modelPath}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path`);
  }
  if (values.list) {
    const model = parseOnnx(bytes, modelPath);
    io.out(`inputs: ${model.inputs.map((i) => `${i.name} (${i.dims?.map((d) => d ?? '?').join(' × ') ?? '?'})`).join(', ')}`);
    for (const node of model.nodes) io.out(`${node.opType.padEnd(18)} ${node.name || '(unnamed)'}  → ${node.outputs.join(', ')}`);
    return 0;
  }
  for (const flag of ['input', 'layers', 'out'] as const) {
    if (values[flag] === undefined) throw usage(`extract needs --${flag}. Usage: ${EXTRACT_USAGE.split('\n')[0]}`);
  }
  if (extname(values.out!).toLowerCase() !== '.safetensors') throw usage(`--out ${values.out}: extract writes .safetensors files; name it *.safetensors`);
  let layers: RegExp;
  try {
    layers = new RegExp(values.layers!);
  } catch (error) {
    throw usage(`--layers: not a regular expression (${firstLine(error)})`);
  }
  let batch: number | undefined;
  if (values.batch !== undefined) {
    batch = Number(values.batch);
    if (!Number.isInteger(batch) || batch < 1 || batch > 1 << 20) throw usage(`--batch must be a whole number from 1 to 1048576; got '${values.batch}'`);
  }
  // The runtime is loaded before the inputs are read, so a missing install is said first.
  await loadRuntime();
  const entry = openArray(values.input!);
  if (entry.shape.length < 1 || entry.shape[0] === 0) throw new NnsimError('E_SHAPE', `${entry.source}: holds no inputs`);
  const input = { data: entry.decode(), shape: entry.shape, source: entry.source };
  const ids = values.ids !== undefined ? readIds(openArray(values.ids), entry.shape[0]!) : Float64Array.from({ length: entry.shape[0]! }, (_, i) => i);
  if (ids.some((v) => !Number.isSafeInteger(v))) throw new NnsimError('E_SHAPE', `${values.ids}: sample ids must be integers`);
  const bar = progress(!values.quiet && process.stderr.isTTY === true);
  let result: ExtractResult;
  try {
    result = await extractActivations({ model: bytes, modelSource: modelPath, input, layers, batch, onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.stop();
  }
  for (const s of result.skipped) io.err(printable(`nnsim: extract: skipped ${s.name}: ${s.reason}`));
  if (result.tensors.length === 0) throw new NnsimError('E_SHAPE', `none of the selected outputs holds one float row per input; nothing written`);
  writeFileSync(
    values.out!,
    encodeActivations(result, ids, { producer: 'nnsim extract', model: basename(modelPath), input: basename(entry.source) }),
  );
  const listed = result.tensors.map((t) => `${t.name} ${t.shape.slice(1).join('×')}${t.layout ? ` ${t.layout}` : ''}`);
  io.out(printable(`nnsim extract: wrote ${values.out} (${result.tensors.length} tensors, ${input.shape[0]} inputs: ${listed.join(', ')})`));
  return 0;
}
