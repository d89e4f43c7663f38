/**
 * Threads and scheduling. The BLAS pool uses every core by default (or OPENBLAS_NUM_THREADS when set);
 * async comparisons are queued in JS so that at most `concurrency` run at once, each with
 * floor(threads / concurrency) BLAS threads — concurrent calls never oversubscribe the cores, and a
 * queued call does not occupy a libuv thread while it waits.
 */
import { NnsimError, describeValue, invalidParameter } from './errors.js';
import { nativeAddon } from './native.js';
import { rejectUnknownKeys } from './options.js';

export interface RuntimeConfig {
  /** Total threads nnsim may use (BLAS threads × concurrency). */
  readonly threads: number;
  /** Async comparisons allowed to run at the same time. */
  readonly concurrency: number;
  /** BLAS threads each running comparison gets. */
  readonly blasThreads: number;
  /** CPU cores OpenBLAS detected. */
  readonly cores: number;
  /** OpenBLAS build configuration. */
  readonly blas: string;
  /**
   * Most bytes of working memory one comparison may use: a measure whose memory estimate (see
   * estimateMemory) is larger is refused with E_OUT_OF_MEMORY before anything is allocated. Default:
   * 75% of the machine's memory, or of the container's cgroup limit when that is lower.
   */
  readonly memoryLimit: number;
}

let threads: number | undefined;
let concurrency = 1;
let active = 0;
const waiting: Array<() => void> = [];

function initialThreads(): number {
  if (threads === undefined) threads = nativeAddon().getThreads();
  return threads;
}

function applyBlasThreads(): void {
  nativeAddon().setThreads(Math.max(1, Math.floor(initialThreads() / concurrency)));
}

function checkCount(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new NnsimError('E_OPTION', `Expected an integer in [1, ${max}] for ${name} but received ${String(value)}`);
  }
  return value;
}

/**
 * Sets the thread budget, how many async comparisons may run at once, and/or the memory limit of one
 * comparison (bytes; Infinity turns the check off). Unknown keys are E_OPTION.
 */
export function configure(options: { threads?: number; concurrency?: number; memoryLimit?: number }): RuntimeConfig {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new NnsimError('E_OPTION', `Expected an options object for configure() but received ${describeValue(options)}`);
  }
  rejectUnknownKeys({ name: 'configure()' }, options, ['threads', 'concurrency', 'memoryLimit']);
  const memoryLimit = options.memoryLimit;
  if (memoryLimit !== undefined && (typeof memoryLimit !== 'number' || Number.isNaN(memoryLimit) || memoryLimit <= 0)) {
    throw invalidParameter('E_OPTION', 'memoryLimit', 'a positive number of bytes (or Infinity)', memoryLimit);
  }
  if (options.threads !== undefined) threads = checkCount(options.threads, 'threads', 4096);
  if (options.concurrency !== undefined) concurrency = checkCount(options.concurrency, 'concurrency', 1024);
  if (memoryLimit !== undefined) nativeAddon().setMemoryLimit(memoryLimit);
  applyBlasThreads();
  startWaiting();
  return getConfig();
}

export function getConfig(): RuntimeConfig {
  const info = nativeAddon().blasInfo();
  return {
    threads: initialThreads(),
    concurrency,
    blasThreads: info.threads,
    cores: info.cores,
    blas: info.config,
    memoryLimit: nativeAddon().getMemoryLimit(),
  };
}

function startWaiting(): void {
  while (active < concurrency && waiting.length > 0) {
    active++;
    waiting.shift()!();
  }
}

/**
 * Runs `task` when a slot is free. A task aborted while it waits is removed from the queue and
 * rejects with E_CANCELLED.
 */
export function schedule<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) return Promise.reject(cancelled());
  if (threads === undefined) applyBlasThreads();
  return new Promise<T>((resolve, reject) => {
    const start = (): void => {
      signal?.removeEventListener('abort', onAbort);
      task()
        .then(resolve, reject)
        .finally(() => {
          active--;
          startWaiting();
        });
    };
    const onAbort = (): void => {
      const index = waiting.indexOf(start);
      if (index >= 0) {
        waiting.splice(index, 1);
        reject(cancelled());
      }
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    waiting.push(start);
    startWaiting();
  });
}

export function cancelled(): NnsimError {
  return new NnsimError('E_CANCELLED', 'the computation was cancelled');
}
