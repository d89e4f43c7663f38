// Stopping: every call can be stopped — sync calls by a timeout, async ones by an AbortSignal or a
// timeout — promptly, for every measure, and a stopped call never holds up the calls queued after it.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import {
  type RunOptions,
  NnsimError,
  compare,
  compareGroup,
  compareMany,
  configure,
  createAccumulator,
  listMeasures,
  persistence,
  stitch,
} from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { settledWork } from '../src/runtime.js';
import { CLI, ensureBuilt, tmp } from './helpers/cli.js';
import { errorOf } from './helpers/errors.js';
import { runIsolated } from './helpers/isolated.js';
import { randomMatrix, uniformMatrix } from './helpers/random.js';

afterEach(() => {
  configure({ timeout: Infinity });
});

// Abort after ~50 ms; the call must settle within 100 ms of the abort. The work itself stops at its next
// cancellation point: typically 5–50 ms on a quiet 2-core machine; the bound leaves room for a loaded one.
const ABORT_AFTER = 50;
const SETTLE_WITHIN = 100;
const WORK_STOPS_WITHIN = 500;
// An accumulator's pushAsync settles only once its work has stopped (the accumulator is usable at once), so
// its bound includes the BLAS call that is running at the abort: one call does at most ~4e9 flops (a panel
// of moments.cpp), 35–70 ms on one or two cores of this 2-core machine, longer when the machine is loaded.
const PUSH_SETTLES_WITHIN = 200;

interface Stopped {
  /** 'finished' when the call completed before the abort. */
  readonly outcome: 'finished' | NnsimError;
  /** ms from the abort until the promise settled, and until the work had stopped. */
  readonly settled: number;
  readonly stopped: number;
}

async function abortDuring(start: (signal: AbortSignal) => Promise<unknown>): Promise<Stopped> {
  const controller = new AbortController();
  let abortedAt = NaN;
  const pending = start(controller.signal);
  const timer = setTimeout(() => {
    abortedAt = performance.now();
    controller.abort();
  }, ABORT_AFTER);
  let outcome: Stopped['outcome'] = 'finished';
  try {
    await pending;
    clearTimeout(timer);
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(NnsimError);
    outcome = e as NnsimError;
  }
  const settled = performance.now() - abortedAt;
  await settledWork();
  return { outcome, settled, stopped: performance.now() - abortedAt };
}

function expectPromptStop(result: Stopped, what: string, settleWithin = SETTLE_WITHIN): void {
  expect(result.outcome, `${what} finished before the abort: make its input larger`).not.toBe('finished');
  expect((result.outcome as NnsimError).code, what).toBe('E_CANCELLED');
  expect(result.settled, `${what}: settled ${result.settled.toFixed(1)} ms after the abort`).toBeLessThan(settleWithin);
  expect(result.stopped, `${what}: work stopped ${result.stopped.toFixed(1)} ms after the abort`).toBeLessThan(WORK_STOPS_WITHIN);
}

// First in the file: the test forks a child, and a fork after the tests below once hung in OpenBLAS
// 0.3.21's pre-fork handler (it stops the BLAS thread pool and joined a pool thread that never woke; a
// race known in OpenBLAS's fork handling). Before them the pool has done little work.
describe('the streamed CLI stops on a signal', () => {
  const float32 = (m: Matrix) => ({ data: Float32Array.from(m.data), rows: m.rows, cols: m.cols });

  it('nnsim compare --stream: Ctrl-C (SIGINT) ends it at once', async () => {
    ensureBuilt();
    const dir = tmp();
    const npy = (name: string, m: { data: Float32Array; rows: number; cols: number }): string => {
      let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
      header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
      const path = join(dir, name);
      writeFileSync(path, Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, header.length & 0xff, header.length >> 8]), Buffer.from(header, 'latin1'), Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength)]));
      return path;
    };
    const files = [npy('a.npy', float32(uniformMatrix(20000, 1024, 11))), npy('b.npy', float32(uniformMatrix(20000, 1024, 12)))];
    const child = spawn(process.execPath, [CLI, 'compare', ...files, '-m', 'cka,procrustes', '--stream', '--quiet'], { stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
    );
    // Node's start and the headers take some 100–300 ms; then the blocks are read and multiplied.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const sentAt = performance.now();
    expect(child.kill('SIGINT'), 'the command was still running').toBe(true);
    const { code, signal, at } = await exited;
    rmSync(dir, { recursive: true, force: true });
    expect(signal ?? code, stderr).toBe('SIGINT');
    expect(at - sentAt, 'ended after the signal (ms)').toBeLessThan(SETTLE_WITHIN);
  });
});

describe('sync calls honour a timeout', () => {
  it('options that run for minutes (geometry-score gamma 1, 1e5 repetitions, imd 1e5 iterations) stop at the timeout', () => {
    const run = runIsolated(
      `const random = (n, d, seed) => { let s = seed; return { data: Float64Array.from({ length: n * d }, () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5), rows: n, cols: d }; };
       const a = random(200, 16, 1), b = random(200, 16, 2);
       const time = (f) => { const t = performance.now(); let code = 'finished'; try { f(); } catch (e) { code = e.code; } return { code, ms: performance.now() - t }; };
       report({
         gamma: time(() => nnsim.compare('geometry-score', a, b, { gamma: 1 }, { timeout: 300 })),
         repetitions: time(() => nnsim.compare('geometry-score', a, b, { repetitions: 1e5 }, { timeout: 300 })),
         iterations: time(() => nnsim.compare('imd', a, b, { iterations: 1e5 }, { timeout: 300 })),
       });`,
      60_000,
    );
    expect(run.timedOut, run.stderr).toBe(false);
    for (const [what, { code, ms }] of Object.entries(run.result as Record<string, { code: string; ms: number }>)) {
      expect(code, what).toBe('E_TIMEOUT');
      expect(ms, what).toBeLessThan(300 + 1000);
    }
  });

  it('every sync form: compareMany (even with errors: return), compareGroup, persistence, stitch; the message names the timeout', () => {
    const a = randomMatrix(3000, 16, 1);
    const b = randomMatrix(3000, 16, 2);
    const timed = (f: () => unknown): NnsimError => {
      const start = performance.now();
      const e = errorOf(f);
      expect(performance.now() - start, e.message).toBeLessThan(100 + 1000);
      return e;
    };
    let e = timed(() => compareMany(['cka', 'rsa', 'knn-jaccard', 'rtd'], a, b, { errors: 'return', timeout: 100 }));
    expect(e.code).toBe('E_TIMEOUT');
    expect(e.message).toMatch(/timeout of 100 ms/);
    const logits = [1, 2, 3, 4, 5, 6].map((seed) => randomMatrix(2000, 20, seed, 2));
    e = timed(() => compareGroup('rashomon-capacity', logits, { input: 'logits', tolerance: 1e-14 }, { timeout: 100 }));
    expect(e.code).toBe('E_TIMEOUT');
    const points = uniformMatrix(1000, 8, 3);
    e = timed(() => persistence(points, { input: 'points' }, { timeout: 100 }));
    expect(e.code).toBe('E_TIMEOUT');
    const [x, y] = [uniformMatrix(20000, 400, 4), uniformMatrix(20000, 300, 5)];
    e = timed(() => stitch(x, y, { forward: (m: Matrix) => m }, { timeout: 30 }));
    expect(e.code).toBe('E_TIMEOUT');
    expect(e.message).toMatch(/timeout of 30 ms/);
  });

  it('configure({ timeout }) sets the default of every call; an invalid timeout is E_OPTION', () => {
    const a = randomMatrix(3000, 16, 6);
    const b = randomMatrix(3000, 16, 7);
    configure({ timeout: 100 });
    expect(errorOf(() => compare('rsa', a, b)).code).toBe('E_TIMEOUT');
    expect(compare('cka', a, b, {}, { timeout: Infinity })).toBeGreaterThan(0);
    configure({ timeout: Infinity });
    expect(errorOf(() => compare('cka', a, b, {}, { timeout: -1 })).code).toBe('E_OPTION');
    expect(errorOf(() => configure({ timeout: Number.NaN })).code).toBe('E_OPTION');
  });
});

// Inputs on which each native measure runs for a second or more on a quiet 2-core machine (N × D, D′ and
// options); `fast` marks the O(N·D) statistics, which may finish before the abort.
type Case = { rows: number; cols: number; cols2?: number; options?: Record<string, unknown>; fast?: true };
const SVD: Case = { rows: 8000, cols: 400 };
const CROSS: Case = { rows: 8000, cols: 800 };
const SQUARE: Case = { rows: 4000, cols: 32 };
const CASES: Record<string, Case> = {
  'cca-mean': SVD,
  'cca-r2': SVD,
  svcca: SVD,
  pwcca: SVD,
  procrustes: CROSS,
  'angular-shape': CROSS,
  'shape-metric': SVD,
  'linear-regression': SVD,
  'aligned-cosine': CROSS,
  'correlation-match': { rows: 1000, cols: 2000 },
  'permutation-procrustes': { rows: 1000, cols: 2000 },
  'soft-matching': { rows: 300, cols: 1000, cols2: 999 },
  'maximum-match': { rows: 2000, cols: 1000 },
  cka: { ...SQUARE, options: { kernel: 'rbf' } },
  'rsm-norm-difference': SQUARE,
  rsa: { rows: 6000, cols: 32 }, // 8.8 s to settle once
  'distance-correlation': SQUARE,
  bures: CROSS,
  'eigenspace-overlap': SVD,
  gulp: SVD,
  riemannian: { rows: 2000, cols: 64, options: { regularization: 0.01 } },
  'knn-jaccard': SQUARE,
  'second-order-cosine': SQUARE,
  'rank-similarity': SQUARE,
  'joint-rank-jaccard': SQUARE,
  'intrinsic-dimension-difference': SQUARE,
  'magnitude-difference': { ...CROSS, fast: true },
  'concentricity-difference': { ...CROSS, fast: true },
  'uniformity-difference': SQUARE,
  'tolerance-difference': { ...CROSS, options: { labels: 'labels' }, fast: true },
  'knn-modularity-difference': { ...SQUARE, options: { labels: 'labels' } },
  'neuron-modularity-difference': { rows: 500, cols: 1500 },
  'geometry-score': { rows: 200, cols: 16, options: { gamma: 1 } },
  imd: { rows: 2000, cols: 16, options: { iterations: 100000 } },
  rtd: { rows: 2000, cols: 32 },
  'mutual-knn': SQUARE,
  cknna: SQUARE,
  'cycle-knn': SQUARE,
  'lcs-knn': SQUARE,
  'edit-distance-knn': { ...SQUARE, options: { clipQuantile: 0.95 } },
  dcka: { rows: 2000, cols: 32, options: { inputSimilarity: 'kernel' } },
};

function inputsOf(c: Case): { a: Matrix; b: Matrix; options: Record<string, unknown> } {
  const options = { ...c.options };
  if (options.labels === 'labels') options.labels = Int32Array.from({ length: c.rows }, (_, i) => i % 10);
  if (options.inputSimilarity === 'kernel') {
    // A symmetric N × N input similarity (dCKA's matrix option): exp(−|i − j| / 50).
    const n = c.rows;
    const k0 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k0[i * n + j] = Math.exp(-Math.abs(i - j) / 50);
    options.inputSimilarity = { data: k0, rows: n, cols: n };
  }
  return { a: uniformMatrix(c.rows, c.cols, 1), b: uniformMatrix(c.rows, c.cols2 ?? c.cols, 2), options };
}

describe('aborting an async call settles within 100 ms, and its work stops, for every measure', () => {
  for (const { id } of listMeasures({ domain: 'representational' })) {
    it(id, async () => {
      const c = CASES[id];
      expect(c, `add ${id} to CASES`).toBeDefined();
      const { a, b, options } = inputsOf(c!);
      const result = await abortDuring((signal) => compare.async(id, a, b, options, { signal }));
      if (c!.fast && result.outcome === 'finished') return;
      expectPromptStop(result, id);
    });
  }

  // Functional measures run on a worker thread for large inputs: aborting terminates it.
  const N = 200_000;
  const C = 10;
  for (const info of listMeasures({ domain: 'functional' })) {
    if (info.id === 'stitching') continue; // its forward is the caller's code: see stitch.async below
    it(info.id, async () => {
      const rows = N;
      const options: Record<string, unknown> = {};
      if ('input' in info.options) options.input = 'logits';
      if ('labels' in info.options) options.labels = Int32Array.from({ length: rows }, (_, i) => i % C);
      const models = [1, 2, 3].map((seed) => uniformMatrix(rows, C, seed));
      const result = await abortDuring((signal) =>
        info.arity === 'group'
          ? compareGroup.async(info.id, models, options, { signal })
          : compare.async(info.id, models[0]!, models[1]!, options, { signal }),
      );
      expectPromptStop(result, info.id);
    });
  }

  it('compareMany.async, persistence.async and stitch.async', async () => {
    const { a, b } = inputsOf(SQUARE);
    expectPromptStop(
      await abortDuring((signal) => compareMany.async(['cka', 'rsa', { id: 'jsd', options: { input: 'logits' } }], a, b, { signal })),
      'compareMany.async',
    );
    expectPromptStop(
      await abortDuring((signal) => persistence.async(uniformMatrix(1500, 8, 3), { input: 'points' }, { signal })),
      'persistence.async',
    );
    let forwardCalls = 0;
    const forward = (m: Matrix): Matrix => {
      forwardCalls++;
      return m;
    };
    expectPromptStop(
      await abortDuring((signal) => stitch.async(uniformMatrix(20000, 400, 4), uniformMatrix(20000, 300, 5), { forward }, { signal })),
      'stitch.async',
    );
    expect(forwardCalls, 'forward is not run after an aborted fit').toBe(0);
  });
});

describe('async timeouts and the queue', () => {
  it('a timeout stops an async call like an abort (E_TIMEOUT), counted from when it starts running', async () => {
    const { a, b, options } = inputsOf(CASES['geometry-score']!);
    const start = performance.now();
    const e = await compare.async('geometry-score', a, b, options, { timeout: 200 }).then(
      () => undefined,
      (error: unknown) => error as NnsimError,
    );
    expect(e?.code).toBe('E_TIMEOUT');
    expect(performance.now() - start).toBeLessThan(200 + SETTLE_WITHIN);
    await settledWork();
  });

  it('a stuck or long call never blocks the calls queued behind it: an abort gives its slot away at once', async () => {
    configure({ concurrency: 1 });
    const big = inputsOf(CASES.rsa!);
    const small = inputsOf({ rows: 50, cols: 4 });
    const controller = new AbortController();
    const long = compare.async('rsa', big.a, big.b, {}, { signal: controller.signal });
    const queued = compare.async('cka', small.a, small.b);
    await new Promise((resolve) => setTimeout(resolve, ABORT_AFTER));
    const abortedAt = performance.now();
    controller.abort();
    await expect(long).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(await queued).toBe(compare('cka', small.a, small.b));
    expect(performance.now() - abortedAt).toBeLessThan(SETTLE_WITHIN + 100);
    await settledWork();
  });
});

describe('a throwing onProgress stops the call, which rejects with the callback\'s error', () => {
  const boom = new Error('progress callback failed');
  const onProgress: RunOptions['onProgress'] = () => {
    throw boom;
  };

  it('native measures', async () => {
    const { a, b } = inputsOf({ rows: 1000, cols: 16 });
    const start = performance.now();
    await expect(compare.async('rtd', a, b, { trials: 1000 }, { onProgress })).rejects.toBe(boom);
    await settledWork();
    expect(performance.now() - start, 'the work stopped at the first progress report').toBeLessThan(5000);
  });

  it('functional measures, and a mix of both', async () => {
    const a = randomMatrix(100, 5, 1);
    const b = randomMatrix(100, 5, 2);
    await expect(compare.async('jsd', a, b, { input: 'logits' }, { onProgress })).rejects.toBe(boom);
    const jsd = { id: 'jsd', options: { input: 'logits' } } as const;
    await expect(compareMany.async(['disagreement', jsd], a, b, { onProgress })).rejects.toBe(boom);
    await expect(compareMany.async(['cka', 'disagreement'], a, b, { onProgress })).rejects.toBe(boom);
  });
});

// The blocked second moments (one dsyrk of [X Y] per block of rows, split into panels of columns, in
// float64 or float32) and the accumulators built on them: every path that can run for seconds.
describe('feature-space products stop within 100 ms, accumulator pushes within 200 ms', () => {
  const float32 = (m: Matrix) => ({ data: Float32Array.from(m.data), rows: m.rows, cols: m.cols });
  const a = float32(uniformMatrix(20000, 1024, 11));
  const b = float32(uniformMatrix(20000, 1024, 12));

  for (const precision of ['double', 'single'] as const) {
    it(`linear CKA of float32 inputs (the joint product, precision '${precision}')`, async () => {
      const result = await abortDuring((signal) => compare.async('cka', a, b, {}, { signal, precision }));
      expectPromptStop(result, `cka ${precision}`);
    });
  }

  it('an accumulator push, and a later push after the abort adds what the stopped one did not', async () => {
    for (const precision of ['double', 'single'] as const) {
      const acc = createAccumulator(['cka', 'procrustes'], { colsA: 1024, colsB: 1024, precision });
      const result = await abortDuring((signal) => acc.pushAsync(a, b, { signal }));
      expectPromptStop(result, `pushAsync ${precision}`, PUSH_SETTLES_WITHIN);
      expect(acc.rows, 'an aborted push adds nothing').toBe(0);
      // Settled means stopped: the accumulator is usable at once.
      acc.push({ data: a.data.subarray(0, 1024 * 100), rows: 100, cols: 1024 }, { data: b.data.subarray(0, 1024 * 100), rows: 100, cols: 1024 });
      expect(acc.rows).toBe(100);
    }
  });
});
