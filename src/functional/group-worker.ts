/**
 * Worker-thread entry of compareGroup.async: computes one group measure off the main thread (Rashomon
 * capacity over many models and inputs runs for seconds) and posts back the value or the typed error.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { NnsimError } from '../errors.js';
import { compareGroup } from './group.js';

const { id, outputs, options } = workerData as { id: string; outputs: unknown[]; options?: object };
try {
  parentPort!.postMessage({ value: compareGroup(id, outputs, options) });
} catch (error) {
  const e = error instanceof NnsimError ? error : new NnsimError('E_INTERNAL', String(error));
  parentPort!.postMessage({ error: { code: e.code, message: e.message } });
}
