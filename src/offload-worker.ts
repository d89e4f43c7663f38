/**
 * Worker-thread entry of offload.ts: receives a JS engine's task (shapes first, then the values in
 * chunks), computes its value off the main thread and posts back the value or the typed error.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { NnsimError } from './errors.js';
import type { Matrix } from './matrix.js';
import type { OffloadMessage, OffloadReply, StreamedMatrix, StreamedTask } from './offload.js';
import { getDefinition } from './registry.js';

const task = workerData as StreamedTask;
const shapes = task.kind === 'pair' ? [task.a, task.b] : task.models;
const matrices: Matrix[] = shapes.map((s: StreamedMatrix) => ({ ...s, data: new Float64Array(s.rows * s.cols) }));

function compute(): number {
  const engine = getDefinition(task.id).engine;
  if (engine.kind !== 'js') throw new NnsimError('E_INTERNAL', `${task.id} is not a JS measure`);
  const value =
    task.kind === 'pair' ? engine.compute(matrices[0]!, matrices[1]!, task.options) : engine.computeGroup?.(matrices, task.options);
  if (typeof value !== 'number') throw new NnsimError('E_INTERNAL', `${task.id}: the engine did not return a number here`);
  return value;
}

parentPort!.on('message', (message: OffloadMessage) => {
  if (!('start' in message)) {
    matrices[message.index]!.data.set(message.values, message.offset);
    return;
  }
  let reply: OffloadReply;
  try {
    reply = { value: compute() };
  } catch (error) {
    const e = error instanceof NnsimError ? error : new NnsimError('E_INTERNAL', String(error));
    reply = { error: { code: e.code, message: e.message } };
  }
  parentPort!.postMessage(reply);
  parentPort!.close();
});
