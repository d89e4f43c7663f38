/**
 * Work off the event loop for the TypeScript engines (functional measures). Their async forms run the
 * computation on a worker thread (worker_threads) when the input holds more than a small number of
 * values, or always for engines whose cost does not follow the input size (iterative ones); the worker
 * is terminated at once when the call is aborted or times out. Options that are functions (user
 * callbacks) cannot cross threads: such calls run where the caller's code runs.
 */
import { Worker } from 'node:worker_threads';

import { type ErrorCode, NnsimError } from './errors.js';
import type { Matrix } from './matrix.js';
import type { JsEngine } from './measure-types.js';
import type { ResolvedOptions } from './options.js';
import { onStop, stopReason } from './runtime.js';

/** A JS engine's computation as it crosses to the worker: validated inputs and resolved options. */
export type OffloadTask =
  | { readonly kind: 'pair'; readonly id: string; readonly a: Matrix; readonly b: Matrix; readonly options: ResolvedOptions }
  | { readonly kind: 'group'; readonly id: string; readonly models: readonly Matrix[]; readonly options: ResolvedOptions };

/** What the worker posts back. */
export type OffloadReply = { value: number } | { error: { code: ErrorCode; message: string } };

/** From this many input values on, async JS computations run on a worker (below, a worker costs more than it saves). */
const DEFAULT_THRESHOLD = 50_000;
let threshold = DEFAULT_THRESHOLD;

/** @internal For tests: the size from which work is offloaded (Infinity: never; undefined: the default). */
export function setOffloadThreshold(values: number | undefined): void {
  threshold = values ?? DEFAULT_THRESHOLD;
}

/** Whether an async computation of `engine` on `values` input values with these options goes to a worker. */
export function shouldOffload(engine: JsEngine, values: number, options: ResolvedOptions): boolean {
  if (options.functions !== undefined || threshold === Infinity) return false;
  return engine.offload === 'always' || values >= threshold;
}

/** The number of values a task's inputs hold. */
export function inputValues(matrices: readonly Matrix[]): number {
  return matrices.reduce((sum, m) => sum + m.data.length, 0);
}

// The compiled worker entry. Under the test runner this module is TypeScript source, and the worker
// runs the build of the same code in dist/ (npm test builds it first).
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../dist/offload-worker.js', import.meta.url)
    : new URL('./offload-worker.js', import.meta.url);
}

/** A matrix as the worker receives it: its shape now, its values in chunks (see runOnWorker). */
export interface StreamedMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly hard?: Int32Array;
}

/** The task with every matrix replaced by its shape. */
export type StreamedTask =
  | { readonly kind: 'pair'; readonly id: string; readonly a: StreamedMatrix; readonly b: StreamedMatrix; readonly options: ResolvedOptions }
  | { readonly kind: 'group'; readonly id: string; readonly models: readonly StreamedMatrix[]; readonly options: ResolvedOptions };

/** Messages to the worker: a chunk of matrix `index`'s values at `offset`, then `start`. */
export type OffloadMessage = { index: number; offset: number; values: Float64Array } | { start: true };

const CHUNK = 1 << 17; // values per message (1 MB)
const SLICE_MS = 2; // main-thread time between two yields to the event loop

function streamed(m: Matrix): StreamedMatrix {
  const hard = (m as { hard?: Int32Array }).hard;
  return hard === undefined ? { rows: m.rows, cols: m.cols } : { rows: m.rows, cols: m.cols, hard };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs `task` on a new worker thread. Its inputs are copied to the worker in 1 MB chunks, yielding to
 * the event loop every few milliseconds, so even a large input never holds up timers for long (a
 * buffer transferred meanwhile fails the call with E_DETACHED). Settles with the value or the typed
 * error the worker posts; when `stop` aborts, the worker is terminated and the promise rejects with the
 * stop reason (E_CANCELLED, E_TIMEOUT).
 */
export function runOnWorker(task: OffloadTask, stop: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    if (stop.aborted) {
      reject(stopReason(stop));
      return;
    }
    const matrices = task.kind === 'pair' ? [task.a, task.b] : [...task.models];
    const shapes: StreamedTask =
      task.kind === 'pair'
        ? { kind: 'pair', id: task.id, a: streamed(task.a), b: streamed(task.b), options: task.options }
        : { kind: 'group', id: task.id, models: task.models.map(streamed), options: task.options };
    const worker = new Worker(workerUrl(), { workerData: shapes });
    let done = false;
    const finish = (outcome: () => void): void => {
      if (done) return;
      done = true;
      removeStop();
      void worker.terminate();
      outcome();
    };
    const removeStop = onStop(stop, () => finish(() => reject(stopReason(stop))));
    worker.once('message', (reply: OffloadReply) =>
      finish(() =>
        'error' in reply
          ? reject(new NnsimError(reply.error.code, reply.error.message, { measure: task.id }))
          : resolve(reply.value),
      ),
    );
    worker.once('error', (error) =>
      finish(() =>
        reject(new NnsimError('E_INTERNAL', `${task.id}: the worker thread failed: ${error.message}`, { measure: task.id, cause: error })),
      ),
    );
    worker.once('exit', (code) =>
      finish(() => reject(new NnsimError('E_INTERNAL', `${task.id}: the worker thread exited (code ${code})`, { measure: task.id }))),
    );
    void (async () => {
      let sliceStart = performance.now();
      for (const [index, m] of matrices.entries()) {
        for (let offset = 0; offset < m.data.length; offset += CHUNK) {
          if (done) return;
          if (m.data.length !== m.rows * m.cols) {
            throw new NnsimError('E_DETACHED', `${task.id}: an input's buffer was detached (transferred) during the call`);
          }
          const values = m.data.slice(offset, offset + CHUNK);
          worker.postMessage({ index, offset, values } satisfies OffloadMessage, [values.buffer]);
          if (performance.now() - sliceStart > SLICE_MS) {
            await nextTurn();
            sliceStart = performance.now();
          }
        }
      }
      if (!done) worker.postMessage({ start: true } satisfies OffloadMessage);
    })().catch((error: unknown) => finish(() => reject(error)));
  });
}
