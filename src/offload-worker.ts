/**
 * Worker-thread entry of offload.ts: computes one JS engine's value off the main thread and posts back
 * the value or the typed error.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { NnsimError } from './errors.js';
import type { OffloadReply, OffloadTask } from './offload.js';
import { getDefinition } from './registry.js';

function compute(task: OffloadTask): number {
  const engine = getDefinition(task.id).engine;
  if (engine.kind !== 'js') throw new NnsimError('E_INTERNAL', `${task.id} is not a JS measure`);
  const value = task.kind === 'pair' ? engine.compute(task.a, task.b, task.options) : engine.computeGroup?.(task.models, task.options);
  if (typeof value !== 'number') throw new NnsimError('E_INTERNAL', `${task.id}: the engine did not return a number here`);
  return value;
}

let reply: OffloadReply;
try {
  reply = { value: compute(workerData as OffloadTask) };
} catch (error) {
  const e = error instanceof NnsimError ? error : new NnsimError('E_INTERNAL', String(error));
  reply = { error: { code: e.code, message: e.message } };
}
parentPort!.postMessage(reply);
