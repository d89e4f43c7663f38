/**
 * compareGroup(id, outputs, options): group functional measures over K ≥ 2 models' outputs on the
 * same N inputs (fleiss-kappa, ambiguity, discrepancy, label-entropy, prediction-difference,
 * rashomon-capacity).
 */
import { Worker } from 'node:worker_threads';

import { type ErrorCode, NnsimError } from '../errors.js';
import { type OptionsOf, resolveOptions } from '../options.js';
import { type MeasureId, getDefinition } from '../registry.js';
import { cancelled, schedule } from '../runtime.js';
import { classCount, toModelList } from './inputs.js';

/** One model's outputs: an N × C matrix (`{ data, rows, cols }` or rows) or a vector of N predicted labels. */
export type ModelOutputsInput = unknown;

/**
 * Computes a group measure of K ≥ 2 models. Throws NnsimError: E_TYPE for a pair measure or a
 * non-array, E_SHAPE for K < 2 or mismatched N or C, E_LABELS, E_PROBABILITIES, E_OPTION …
 */
export function compareGroup(id: MeasureId | (string & {}), outputs: readonly ModelOutputsInput[], options?: object): number {
  const definition = getDefinition(id);
  const engine = definition.engine;
  if (definition.arity !== 'group' || engine.kind !== 'js' || !engine.computeGroup) {
    throw new NnsimError('E_TYPE', `measure '${definition.id}' compares two models; use compare(id, a, b)`, {
      measure: definition.id,
    });
  }
  const models = toModelList(outputs, definition.id);
  classCount(models, definition.id);
  const resolved = resolveOptions(definition.id, definition.options, options as OptionsOf<typeof definition.options>, models[0]!.rows);
  const value = engine.computeGroup(models, resolved);
  if (!Number.isFinite(value)) {
    throw new NnsimError('E_NUMERICAL', `${definition.id}: produced a non-finite value`, { measure: definition.id });
  }
  return value;
}

/** Below this many output values a group measure is cheaper than starting a worker thread. */
const WORKER_THRESHOLD = 200_000;

function outputSize(outputs: readonly ModelOutputsInput[]): number {
  let size = 0;
  for (const o of outputs) {
    const data = (o as { data?: ArrayLike<number> } | null)?.data ?? (o as ArrayLike<number> | null);
    size += typeof data?.length === 'number' ? data.length : 0;
  }
  return size;
}

function hasFunction(options: object | undefined): boolean {
  return options !== undefined && options !== null && Object.values(options).some((v) => typeof v === 'function');
}

// The compiled worker entry. Under the test runner this module is TypeScript source, and the worker
// runs the build of the same code in dist/ (npm test builds it first).
function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/functional/group-worker.js', import.meta.url)
    : new URL('./group-worker.js', import.meta.url);
}

function inWorker(id: string, outputs: readonly ModelOutputsInput[], options: object | undefined, signal?: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const worker = new Worker(workerUrl(), { workerData: { id, outputs, options } });
    const onAbort = (): void => {
      void worker.terminate();
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => signal?.removeEventListener('abort', onAbort);
    worker.once('message', (message: { value?: number; error?: { code: ErrorCode; message: string } }) => {
      settle();
      if (message.error) reject(new NnsimError(message.error.code, message.error.message, { measure: id }));
      else resolve(message.value!);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settle();
      reject(new NnsimError('E_INTERNAL', `${id}: the worker thread failed: ${error.message}`, { measure: id, cause: error }));
    });
  });
}

/**
 * compareGroup() off the event loop: large inputs run on a worker thread (abortable), small ones — and
 * calls with function-valued options, which cannot cross threads — run inline, queued like the other
 * async entry points.
 */
export async function compareGroupAsync(
  id: MeasureId | (string & {}),
  outputs: readonly ModelOutputsInput[],
  options?: object,
  run: { signal?: AbortSignal } = {},
): Promise<number> {
  getDefinition(id); // an unknown id is reported before anything is started
  const offload = Array.isArray(outputs) && outputSize(outputs) >= WORKER_THRESHOLD && !hasFunction(options);
  return schedule(async () => {
    if (run.signal?.aborted) throw cancelled();
    return offload ? inWorker(id, outputs, options, run.signal) : compareGroup(id, outputs, options);
  }, run.signal);
}
