/**
 * Activation tensors → N × D matrices. A conv layer's output is 4-D and a transformer's is 3-D, and
 * frameworks store them in different orders: PyTorch and ONNX put channels first (N × C × H × W,
 * N × C × T for 1-D convolutions), TensorFlow/Keras and JAX/Flax put them last (N × H × W × C), and
 * token activations of transformers are N × T × C (channels last). Reading one order as the other
 * gives wrong numbers without any error, so a 3-D/4-D tensor needs a stated layout; nothing is guessed.
 *
 * Every reshape produces the same matrix for the same activations in either layout:
 *   flatten     N × (P·C)    features ordered (position, channel), i.e. channels last: entry
 *                            (n, (h·W + w)·C + c) is channel c at (h, w). For NCHW input that is NumPy's
 *                            x.transpose(0, 2, 3, 1).reshape(N, -1), for NHWC plain x.reshape(N, -1).
 *   positions   (N·P) × C    one row per input and position (rows ordered n, h, w): ReSi's treatment of
 *                            conv layers as N·H·W samples of C channels.
 *   pool        N × C        global average pooling over the P positions (or tokens).
 *   pool:HxW    N × (h·w·C)  adaptive average pooling to an h × w grid, then flatten (channels last).
 *                            Bin i of a dimension of length L covers [floor(i·L/h), ceil((i+1)·L/h)),
 *                            the rule of PyTorch's adaptive_avg_pool2d, so layers of different
 *                            resolution become comparable on a common grid. pool:K is K × K (4-D) or
 *                            K bins (3-D).
 * (P = H·W positions, or T tokens.) 1-D and 2-D arrays are already matrices and pass unchanged.
 *
 * The transforms are functions of (typed array, shape) that write one float64 result: a float32 input
 * is converted while it is reshaped (never copied to float64 first), and a float64 input already in
 * the result's order is used in place. They work sample by sample, so a reader can run them on blocks
 * of rows ({@link transformSamples}).
 */
import { NnsimError, invalidParameter } from '../errors.js';
import type { Matrix } from '../matrix.js';

/** Memory order of a 4-D (nchw, nhwc) or 3-D (nct, ntc) activation tensor. */
export type Layout = 'nchw' | 'nhwc' | 'nct' | 'ntc';

/** What each layout is: its rank, where the channels are, and who writes it. */
export const LAYOUTS: Readonly<Record<Layout, { readonly rank: 3 | 4; readonly channelsFirst: boolean; readonly shape: string; readonly usedBy: string }>> = {
  nchw: { rank: 4, channelsFirst: true, shape: 'N × C × H × W', usedBy: 'PyTorch, ONNX' },
  nhwc: { rank: 4, channelsFirst: false, shape: 'N × H × W × C', usedBy: 'TensorFlow/Keras, JAX/Flax' },
  nct: { rank: 3, channelsFirst: true, shape: 'N × C × T', usedBy: 'PyTorch Conv1d' },
  ntc: { rank: 3, channelsFirst: false, shape: 'N × T × C', usedBy: 'transformer tokens, Keras Conv1D' },
};

/** How a 3-D/4-D tensor becomes a matrix: 'flatten' | 'positions' | 'pool' | 'pool:HxW' | 'pool:K'. */
export type Reshape = 'flatten' | 'positions' | 'pool' | `pool:${number}` | `pool:${number}x${number}`;

export interface TensorOptions {
  /** Memory order of a 3-D/4-D tensor (required for them; ignored for 1-D/2-D arrays). */
  readonly layout?: Layout;
  /** How a 3-D/4-D tensor becomes N × D (required for them; ignored for 1-D/2-D arrays). */
  readonly reshape?: Reshape;
}

/** A checked tensor → matrix transform: everything but the data. */
export interface TensorPlan {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** The result: rows × cols. */
  readonly rows: number;
  readonly cols: number;
  /** Values one sample (index along dimension 0) has in the input and in the output. */
  readonly inputPerSample: number;
  readonly outputPerSample: number;
  /** Internal: channels, spatial size (a 3-D tensor is H = T, W = 1), grid, channel position. */
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly gridHeight: number;
  readonly gridWidth: number;
  readonly channelsFirst: boolean;
  /** True when the output is the input itself in the same order (flatten/positions of channels-last data). */
  readonly identity: boolean;
}

const MAX_GRID = 4096;
/** Channels moved together by the channels-first → channels-last transpose (fits in L1 as streams). */
const TRANSPOSE_BAND = 16;

/** How a message names a choice: `{ layout: 'nchw' }` in the library, `--layout nchw` on the command line. */
export interface Wording {
  layout(name: string): string;
  reshape(name: string): string;
}
const LIBRARY_WORDING: Wording = { layout: (name) => `{ layout: '${name}' }`, reshape: (name) => `{ reshape: '${name}' }` };

function isLayout(value: unknown): value is Layout {
  return typeof value === 'string' && Object.hasOwn(LAYOUTS, value);
}

/** Parses a reshape name; `pool:7x7`, `pool:4` included. Returns undefined when it is not one. */
export function parseReshape(value: unknown): { kind: 'flatten' | 'positions' | 'pool' | 'grid'; grid?: readonly number[] } | undefined {
  if (value === 'flatten' || value === 'positions' || value === 'pool') return { kind: value };
  if (typeof value !== 'string') return undefined;
  const m = /^pool:([1-9]\d{0,3})(?:x([1-9]\d{0,3}))?$/.exec(value);
  if (!m) return undefined;
  const grid = m[2] === undefined ? [Number(m[1])] : [Number(m[1]), Number(m[2])];
  if (grid.some((g) => g > MAX_GRID)) return undefined;
  return { kind: 'grid', grid };
}

export const RESHAPE_CHOICES = "'flatten', 'positions', 'pool' or 'pool:HxW' (e.g. 'pool:4x4')";

/** A one-line hint naming each layout of this rank, who uses it, and how to say it. */
export function layoutHint(rank: number, wording: Wording = LIBRARY_WORDING): string {
  const options = (Object.entries(LAYOUTS) as [Layout, (typeof LAYOUTS)[Layout]][]).filter(([, l]) => l.rank === rank);
  return options.map(([name, l]) => `${wording.layout(name)} for ${l.shape} (${l.usedBy})`).join(' or ');
}

/**
 * Checks a tensor's shape against the options and returns the transform (no data needed): a caller
 * can refuse a file, or check that two files have the same N, before decoding anything.
 */
export function planTensor(shape: readonly number[], options: TensorOptions = {}, source = 'tensor', wording: Wording = LIBRARY_WORDING): TensorPlan {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw invalidParameter('E_TYPE', `${source} shape`, 'an array of non-negative integers', shape);
  }
  const rank = shape.length;
  if (rank === 0) throw new NnsimError('E_SHAPE', `${source}: is a scalar; a representation is an N × D array (rows = inputs)`);
  if (shape.some((d) => d === 0)) throw new NnsimError('E_SHAPE', `${source}: is empty (shape (${shape.join(', ')}))`);
  const { layout, reshape } = options;
  if (layout !== undefined && !isLayout(layout)) {
    throw new NnsimError('E_OPTION', `${source}: unknown layout ${JSON.stringify(layout)}; use one of ${Object.keys(LAYOUTS).join(', ')}`);
  }
  const parsed = reshape === undefined ? undefined : parseReshape(reshape);
  if (reshape !== undefined && !parsed) {
    throw new NnsimError('E_OPTION', `${source}: unknown reshape ${JSON.stringify(reshape)}; use ${RESHAPE_CHOICES}`);
  }
  const product = shape.reduce((p, d) => p * d, 1);
  if (rank <= 2) {
    if (layout !== undefined) {
      throw new NnsimError('E_SHAPE', `${source}: layout '${layout}' is for ${LAYOUTS[layout].rank}-D arrays but this one is ${rank}-D (${shape.join(' × ')}); drop the layout`);
    }
    const rows = shape[0]!;
    const cols = rank === 2 ? shape[1]! : 1;
    return plan(shape, rows, cols, { channels: cols, height: 1, width: 1, gridHeight: 1, gridWidth: 1, channelsFirst: false, identity: true });
  }
  if (rank > 4) {
    throw new NnsimError('E_SHAPE', `${source}: has ${rank} dimensions (${shape.join(' × ')}); nnsim reads up to 4 (N × C × H × W): reshape it to one of those before saving`);
  }
  const dims = shape.join(' × ');
  if (layout === undefined) {
    throw new NnsimError(
      'E_SHAPE',
      `${source}: is ${rank}-D (${dims}); say which dimension holds the channels: ${layoutHint(rank, wording)}`,
    );
  }
  if (LAYOUTS[layout].rank !== rank) {
    throw new NnsimError('E_SHAPE', `${source}: layout '${layout}' is for ${LAYOUTS[layout].rank}-D arrays but this one is ${rank}-D (${dims}); use ${layoutHint(rank, wording)}`);
  }
  if (!parsed) {
    throw new NnsimError(
      'E_SHAPE',
      `${source}: is ${rank}-D (${dims}); say how it becomes N × D: ${['flatten', 'positions', 'pool', 'pool:HxW'].map(wording.reshape).join(', ')} (adaptive average pooling to an H × W grid)`,
    );
  }
  const channelsFirst = LAYOUTS[layout].channelsFirst;
  const n = shape[0]!;
  const channels = channelsFirst ? shape[1]! : shape[rank - 1]!;
  const spatial = channelsFirst ? shape.slice(2) : shape.slice(1, rank - 1);
  const height = spatial[0]!;
  const width = spatial[1] ?? 1;
  const positions = height * width;
  let grid: readonly number[];
  if (parsed.kind === 'grid') {
    const g = parsed.grid!;
    if (rank === 3 && g.length === 2) {
      throw new NnsimError('E_OPTION', `${source}: '${reshape}' pools to a 2-D grid but a ${rank}-D tensor has one spatial dimension; use 'pool:${g[0]}'`);
    }
    grid = rank === 4 && g.length === 1 ? [g[0]!, g[0]!] : g;
  } else if (parsed.kind === 'pool') grid = [1, 1];
  else grid = [height, width];
  const gridHeight = grid[0]!;
  const gridWidth = grid[1] ?? 1;
  const cells = gridHeight * gridWidth;
  const rows = parsed.kind === 'positions' ? n * positions : n;
  const cols = parsed.kind === 'positions' ? channels : cells * channels;
  if (rows > 0x7fffffff || cols > 0x7fffffff || !Number.isSafeInteger(n * cells * channels)) {
    throw new NnsimError('E_SHAPE', `${source}: ${rows} × ${cols} is too large`);
  }
  const unpooled = parsed.kind === 'flatten' || parsed.kind === 'positions';
  return plan(shape, rows, cols, {
    channels,
    height,
    width,
    gridHeight,
    gridWidth,
    channelsFirst,
    identity: unpooled && !channelsFirst,
  });

  function plan(
    s: readonly number[],
    rows: number,
    cols: number,
    rest: Omit<TensorPlan, 'shape' | 'rows' | 'cols' | 'inputPerSample' | 'outputPerSample'>,
  ): TensorPlan {
    if (rows > 0x7fffffff || cols > 0x7fffffff) throw new NnsimError('E_SHAPE', `${source}: ${rows} × ${cols} is too large`);
    return { shape: s, rows, cols, inputPerSample: product / s[0]!, outputPerSample: (rows * cols) / s[0]!, ...rest };
  }
}

/**
 * The transform of `count` consecutive samples: `input` holds count × plan.inputPerSample values (in
 * the tensor's order), and count × plan.outputPerSample results are written to `output` from
 * `outputOffset` on. Sums are accumulated in float64.
 */
export function transformSamples(
  plan: TensorPlan,
  input: Float64Array | Float32Array | ArrayLike<number>,
  count: number,
  output: Float64Array,
  outputOffset = 0,
): void {
  const { channels: C, height: H, width: W, gridHeight: GH, gridWidth: GW, channelsFirst } = plan;
  const P = H * W;
  if (plan.identity) {
    // Same order: one converting copy (typed-array set converts float32 → float64 natively).
    const total = count * plan.inputPerSample;
    output.set(ArrayBuffer.isView(input) ? input.subarray(0, total) : Array.prototype.slice.call(input, 0, total), outputOffset);
    return;
  }
  // Bin boundaries of adaptive average pooling (PyTorch's rule), per grid row and column.
  const rowStart = new Int32Array(GH);
  const rowEnd = new Int32Array(GH);
  const colStart = new Int32Array(GW);
  const colEnd = new Int32Array(GW);
  for (let i = 0; i < GH; i++) {
    rowStart[i] = Math.floor((i * H) / GH);
    rowEnd[i] = Math.ceil(((i + 1) * H) / GH);
  }
  for (let j = 0; j < GW; j++) {
    colStart[j] = Math.floor((j * W) / GW);
    colEnd[j] = Math.ceil(((j + 1) * W) / GW);
  }
  // Bins of one element each (flatten, positions, or a grid the size of the input): a transpose.
  const unpooled = channelsFirst && GH === H && GW === W;
  for (let s = 0; s < count; s++) {
    const inBase = s * plan.inputPerSample;
    const outBase = outputOffset + s * plan.outputPerSample;
    if (unpooled) {
      // Channels first → channels last, out[p, c] = in[c, p], in bands of TRANSPOSE_BAND channels: the
      // band's rows are read as parallel sequential streams and each output row is written in runs.
      for (let c0 = 0; c0 < C; c0 += TRANSPOSE_BAND) {
        const c1 = Math.min(C, c0 + TRANSPOSE_BAND);
        for (let p = 0; p < P; p++) {
          const row = outBase + p * C;
          for (let c = c0; c < c1; c++) output[row + c] = input[inBase + c * P + p]!;
        }
      }
      continue;
    }
    for (let gi = 0; gi < GH; gi++) {
      for (let gj = 0; gj < GW; gj++) {
        const cell = outBase + (gi * GW + gj) * C;
        const h0 = rowStart[gi]!;
        const h1 = rowEnd[gi]!;
        const w0 = colStart[gj]!;
        const w1 = colEnd[gj]!;
        const size = (h1 - h0) * (w1 - w0);
        if (channelsFirst) {
          for (let c = 0; c < C; c++) {
            const plane = inBase + c * P;
            let sum = 0;
            for (let h = h0; h < h1; h++) {
              const row = plane + h * W;
              for (let w = w0; w < w1; w++) sum += input[row + w]!;
            }
            output[cell + c] = sum / size;
          }
        } else {
          for (let c = 0; c < C; c++) output[cell + c] = 0;
          for (let h = h0; h < h1; h++) {
            for (let w = w0; w < w1; w++) {
              const at = inBase + (h * W + w) * C;
              for (let c = 0; c < C; c++) output[cell + c]! += input[at + c]!;
            }
          }
          for (let c = 0; c < C; c++) output[cell + c]! /= size;
        }
      }
    }
  }
}

/** Applies a plan to a whole tensor; a float64 input already in the result's order is returned as is. */
export function applyTensorPlan(plan: TensorPlan, data: Float64Array | Float32Array | ArrayLike<number>): Matrix {
  const n = plan.shape[0]!;
  if (plan.identity && data instanceof Float64Array) return { data, rows: plan.rows, cols: plan.cols };
  const out = new Float64Array(plan.rows * plan.cols);
  transformSamples(plan, data, n, out, 0);
  return { data: out, rows: plan.rows, cols: plan.cols };
}

/** Tensor index (n, c, h, w …) of flat position k of a C-order array. */
function tensorIndex(k: number, shape: readonly number[]): string {
  const index = new Array<number>(shape.length);
  let rest = k;
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return index.join(', ');
}

/**
 * A matrix from an activation tensor in C (row-major) order:
 *
 *   fromTensor(convOut, [N, C, H, W], { layout: 'nchw', reshape: 'pool' })       // N × C
 *   fromTensor(tokens, [N, T, C], { layout: 'ntc', reshape: 'positions' })       // (N·T) × C
 *   fromTensor(convOut, [N, H, W, C], { layout: 'nhwc', reshape: 'pool:4x4' })   // N × (16·C)
 *
 * 3-D and 4-D tensors need both a layout and a reshape (E_SHAPE names the choices otherwise); 1-D and
 * 2-D arrays are returned as N × 1 / N × D. The result is a new Float64Array, except for a Float64Array
 * already in the result's order (2-D, or channels-last flatten/positions), which is used in place.
 */
export function fromTensor(data: Float64Array | Float32Array | readonly number[], shape: readonly number[], options: TensorOptions = {}): Matrix {
  if (options === null || typeof options !== 'object') throw invalidParameter('E_TYPE', 'fromTensor options', 'an object { layout, reshape }', options);
  for (const key of Object.keys(options)) {
    if (key !== 'layout' && key !== 'reshape') throw new NnsimError('E_OPTION', `fromTensor: unknown option '${key}'; the options are layout and reshape`);
  }
  if (!(data instanceof Float64Array) && !(data instanceof Float32Array) && !Array.isArray(data)) {
    throw invalidParameter('E_TYPE', 'fromTensor data', 'a Float64Array, Float32Array or number[]', data);
  }
  if (typeof SharedArrayBuffer !== 'undefined' && ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
    throw new NnsimError('E_SHARED_BUFFER', 'fromTensor data lives in a SharedArrayBuffer; copy it into an ArrayBuffer first');
  }
  const plan = planTensor(shape, options, 'tensor');
  const length = (data as ArrayLike<number>).length;
  const count = shape.reduce((p, d) => p * d, 1);
  if (length !== count) {
    throw new NnsimError('E_SHAPE', `tensor: shape (${shape.join(', ')}) has ${count} elements but data has ${length}`);
  }
  if (Array.isArray(data)) {
    for (let k = 0; k < length; k++) {
      if (typeof data[k] !== 'number') throw invalidParameter('E_TYPE', `tensor data[${k}]`, 'a number', data[k]);
    }
  }
  const matrix = applyTensorPlan(plan, data);
  // NaN/±Inf reach the result (a mean of values with one of them is one of them), which is at most as
  // large as the input: it is checked there, and the input is searched only to name the culprit.
  const out = matrix.data;
  for (let k = 0; k < out.length; k++) {
    if (out[k]! - out[k]! !== 0) {
      const values = data as ArrayLike<number>;
      for (let j = 0; j < length; j++) {
        const v = values[j]!;
        if (v - v !== 0) throw new NnsimError('E_NONFINITE', `tensor has ${Number.isNaN(v) ? 'NaN' : v} at index (${tensorIndex(j, shape)})`);
      }
      throw new NnsimError('E_NONFINITE', `tensor: the average over positions overflows at row ${Math.floor(k / matrix.cols)}, column ${k % matrix.cols}; scale the activations down`);
    }
  }
  return matrix;
}
