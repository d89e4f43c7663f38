/**
 * Threads, scheduling and time budgets. The BLAS pool uses every core by default (or
 * OPENBLAS_NUM_THREADS when set); async comparisons are queued in JS so that at most `concurrency` run
 * at once, each with floor(threads / concurrency) BLAS threads — concurrent calls never oversubscribe
 * the cores, and a queued call does not occupy a libuv thread while it waits.
 *
 * Every call can be stopped: async calls by their AbortSignal, and every call (sync or async) by a
 * `timeout` in milliseconds (a run option, or the default set by configure()). The work checks for
 * both at cancellation points every few milliseconds (native/core/run_control.hpp, checkBudget() in the
 * TypeScript engines); an aborted or timed-out async call settles at once and gives its slot to the
 * next queued call.
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
  /** Default time budget (ms) of calls that set no `timeout`; Infinity: none. */
  readonly timeout: number;
}

/** The run options of synchronous calls. */
export interface SyncRunOptions {
  /**
   * Time budget in milliseconds: past it the call throws E_TIMEOUT (checked every few milliseconds of
   * work). Default: configure({ timeout }), Infinity unless set.
   */
  timeout?: number;
}

let threads: number | undefined;
let concurrency = 1;
let defaultTimeout = Infinity;
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

function checkTimeout(value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw invalidParameter('E_OPTION', 'timeout', 'a number of milliseconds ≥ 0 (or Infinity)', value);
  }
  return value;
}

/**
 * Sets the thread budget, how many async comparisons may run at once, the default timeout (ms) of calls
 * that set none, and/or the memory limit of one comparison (bytes; Infinity turns the check off).
 * Unknown keys are E_OPTION.
 */
export function configure(options: { threads?: number; concurrency?: number; timeout?: number; memoryLimit?: number }): RuntimeConfig {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new NnsimError('E_OPTION', `Expected an options object for configure() but received ${describeValue(options)}`);
  }
  rejectUnknownKeys({ name: 'configure()' }, options, ['threads', 'concurrency', 'timeout', 'memoryLimit']);
  const memoryLimit = options.memoryLimit;
  if (memoryLimit !== undefined && (typeof memoryLimit !== 'number' || Number.isNaN(memoryLimit) || memoryLimit <= 0)) {
    throw invalidParameter('E_OPTION', 'memoryLimit', 'a positive number of bytes (or Infinity)', memoryLimit);
  }
  if (options.threads !== undefined) threads = checkCount(options.threads, 'threads', 4096);
  if (options.concurrency !== undefined) concurrency = checkCount(options.concurrency, 'concurrency', 1024);
  if (options.timeout !== undefined) defaultTimeout = checkTimeout(options.timeout);
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
    timeout: defaultTimeout,
    memoryLimit: nativeAddon().getMemoryLimit(),
  };
}

/** The timeout of a call: its own, else the configured default (E_OPTION when invalid). */
export function resolveTimeout(timeout: unknown): number {
  return timeout === undefined ? defaultTimeout : checkTimeout(timeout);
}

export function cancelled(): NnsimError {
  return new NnsimError('E_CANCELLED', 'the computation was cancelled');
}

export function timedOut(timeout: number): NnsimError {
  return new NnsimError('E_TIMEOUT', `the computation took longer than its timeout of ${timeout} ms`);
}

// The deadline (performance.now() ms) of the synchronous call running now, for checkBudget().
let deadline = Infinity;
let deadlineTimeout = Infinity;

/**
 * Runs `body` under a time budget of `timeout` ms from now: checkBudget() inside it throws E_TIMEOUT
 * once the budget is spent, and remainingTime() tells native calls how much is left. A nested budget
 * never extends the enclosing one.
 */
export function withTimeout<T>(timeout: number, body: () => T): T {
  const outer = deadline;
  const outerTimeout = deadlineTimeout;
  const mine = performance.now() + timeout;
  if (mine < deadline) {
    deadline = mine;
    deadlineTimeout = timeout;
  }
  try {
    return body();
  } finally {
    deadline = outer;
    deadlineTimeout = outerTimeout;
  }
}

/** A cancellation point of synchronous TypeScript work: E_TIMEOUT once the current budget is spent. */
export function checkBudget(): void {
  if (deadline !== Infinity && performance.now() >= deadline) throw timedOut(deadlineTimeout);
}

/**
 * A native E_TIMEOUT restated with the caller's timeout (the core was given what was left of it); other
 * errors unchanged. Call inside the withTimeout() body.
 */
export function restateTimeout(error: NnsimError): NnsimError {
  if (error.code !== 'E_TIMEOUT' || deadline === Infinity) return error;
  const { measure } = error;
  return new NnsimError('E_TIMEOUT', `${measure !== undefined ? `${measure}: ` : ''}${timedOut(deadlineTimeout).message}`, { measure });
}

/** Milliseconds left of the current budget (Infinity when there is none), for native calls. */
export function remainingTime(): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

function startWaiting(): void {
  while (active < concurrency && waiting.length > 0) {
    active++;
    waiting.shift()!();
  }
}

/** Tasks started by schedule() whose own promise has not settled yet (their work may still run). */
const running = new Set<Promise<unknown>>();

/** @internal Resolves once every task started so far has stopped (tests: work stops after an abort). */
export async function settledWork(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}

export interface ScheduleOptions {
  signal?: AbortSignal;
  /** Budget in ms from when the task starts (time in the queue does not count); default configure(). */
  timeout?: number;
}

/**
 * Runs `task` when a slot is free and settles with its result. `task` receives a signal that aborts
 * when the caller aborts or the timeout passes, and must then stop its work. The returned promise does
 * not wait for that: it rejects at once (E_CANCELLED, E_TIMEOUT) and the slot goes to the next queued
 * call, so a call that is slow to stop never holds up the others. A task aborted while it waits is
 * removed from the queue.
 */
export function schedule<T>(task: (stop: AbortSignal) => Promise<T>, options: ScheduleOptions = {}): Promise<T> {
  const { signal } = options;
  let timeout: number;
  try {
    timeout = resolveTimeout(options.timeout);
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal?.aborted) return Promise.reject(cancelled());
  if (threads === undefined) applyBlasThreads();
  return new Promise<T>((resolve, reject) => {
    const stop = new AbortController();
    let holdsSlot = false;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
      if (holdsSlot) {
        holdsSlot = false;
        active--;
        startWaiting();
      }
      outcome();
    };
    const interrupt = (error: NnsimError): void => {
      stop.abort(error);
      settle(() => reject(error));
    };
    const start = (): void => {
      holdsSlot = true;
      if (timeout !== Infinity) timer = setTimeout(() => interrupt(timedOut(timeout)), timeout);
      let work: Promise<T>;
      try {
        work = task(stop.signal);
      } catch (error) {
        work = Promise.reject(error);
      }
      running.add(work);
      work.then(
        (value) => settle(() => resolve(value)),
        (error: unknown) => settle(() => reject(error)),
      ).finally(() => running.delete(work));
    };
    const onAbort = (): void => {
      const index = waiting.indexOf(start);
      if (index >= 0) waiting.splice(index, 1);
      interrupt(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    waiting.push(start);
    startWaiting();
  });
}

/** Calls `onStop` when `stop` aborts (at once if it already has); returns the listener's remover. */
export function onStop(stop: AbortSignal, onStopped: () => void): () => void {
  if (stop.aborted) {
    onStopped();
    return () => undefined;
  }
  stop.addEventListener('abort', onStopped, { once: true });
  return () => stop.removeEventListener('abort', onStopped);
}

/** The error a stopped task should end with: the reason its stop signal was aborted with. */
export function stopReason(stop: AbortSignal): NnsimError {
  return stop.reason instanceof NnsimError ? stop.reason : cancelled();
}
