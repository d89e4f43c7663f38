/**
 * Sharded matrix runs: the pairs of a K × K matrix split into n deterministic, cost-balanced shards
 * that separate processes (a Slurm array job, a Kubernetes Indexed Job) compute independently, each
 * writing a part file that `nnsim merge` checks and combines into exactly what one run writes.
 *
 * Cost model (in multiply-adds; only the ratios matter). For N inputs and representation i of D_i
 * features:
 *   - a pair (i, j), i ≠ j, costs N·D_i·D_j: the cross product XᵢᵀXⱼ, the dominant term of the
 *     feature-space measures (CKA, Procrustes, the CCA family …; what follows it works on D_i × D_j);
 *   - preparing representation i costs N·D_i²: its covariance or Gram factor, centring and SVD — paid
 *     once by every shard that uses i (it is that shard's first pair of i: i with itself), so the
 *     diagonal cell (i, i) costs nothing more in the shard that prepares i anyway.
 * Pairs are assigned from the most expensive down (ties in row-major order) to the shard whose load
 * grows least — its load plus the pair plus the preparation of the representations it does not hold
 * yet — the lowest index on ties. Sharing representations keeps preparation from being repeated; the
 * load term keeps the shards even. The same inputs give the same plan in every process.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { NnsimError } from './errors.js';

export interface ShardSpec {
  /** 0-based. */
  readonly index: number;
  readonly count: number;
}

/** Largest shard count accepted (a Slurm array is limited to MaxArraySize, 1001 by default). */
export const MAX_SHARDS = 100_000;

function shardError(message: string): NnsimError {
  return new NnsimError('E_OPTION', message);
}

/**
 * `--shard i/n` (0-based), or `auto`: Slurm array jobs (SLURM_ARRAY_TASK_ID relative to
 * SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT), else a Kubernetes Indexed Job
 * (JOB_COMPLETION_INDEX, of NNSIM_SHARD_COUNT).
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env, flag = '--shard'): ShardSpec {
  try {
    return parseShardText(text, env);
  } catch (error) {
    if (flag === '--shard' || !(error instanceof NnsimError)) throw error;
    throw shardError(error.message.replaceAll('--shard', flag));
  }
}

function parseShardText(text: string, env: NodeJS.ProcessEnv): ShardSpec {
  if (text === 'auto') {
    const set = (name: string): boolean => env[name] !== undefined && env[name] !== '';
    if (set('SLURM_ARRAY_TASK_ID')) {
      const id = Number(env.SLURM_ARRAY_TASK_ID);
      const min = Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
      const count = Number(env.SLURM_ARRAY_TASK_COUNT);
      const step = Number(env.SLURM_ARRAY_TASK_STEP ?? 1);
      if (![id, min, count].every(Number.isInteger) || step !== 1) {
        throw shardError(
          `--shard auto: SLURM_ARRAY_TASK_ID=${env.SLURM_ARRAY_TASK_ID}, SLURM_ARRAY_TASK_MIN=${env.SLURM_ARRAY_TASK_MIN}, SLURM_ARRAY_TASK_COUNT=${env.SLURM_ARRAY_TASK_COUNT}, SLURM_ARRAY_TASK_STEP=${env.SLURM_ARRAY_TASK_STEP} do not describe a contiguous array; submit with sbatch --array=0-(n-1)`,
        );
      }
      return checked(id - min, count, `--shard auto (Slurm task ${id} of --array=${min}-${min + count - 1})`);
    }
    if (set('JOB_COMPLETION_INDEX')) {
      const index = Number(env.JOB_COMPLETION_INDEX);
      const count = Number(env.NNSIM_SHARD_COUNT);
      if (!set('NNSIM_SHARD_COUNT') || !Number.isInteger(count)) {
        throw shardError('--shard auto in a Kubernetes Indexed Job needs NNSIM_SHARD_COUNT (the number of completions) in the environment');
      }
      return checked(index, count, `--shard auto (JOB_COMPLETION_INDEX=${env.JOB_COMPLETION_INDEX})`);
    }
    throw shardError('--shard auto needs SLURM_ARRAY_TASK_ID (a Slurm array job) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); elsewhere give --shard i/n');
  }
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw shardError(`--shard expects i/n (0-based: 0/4 … 3/4) or auto; got '${text}'`);
  return checked(Number(match[1]), Number(match[2]), `--shard ${text}`);
}

function checked(index: number, count: number, what: string): ShardSpec {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SHARDS) {
    throw shardError(`${what}: the number of shards must be between 1 and ${MAX_SHARDS}; got ${count}`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw shardError(`${what}: shard index ${index} is out of range; with ${count} shards the index is 0 … ${count - 1}`);
  }
  return { index, count };
}

/** The unordered pairs (i ≤ j) of each of `count` shards; `cols` are the representations' D, `rows` their N. */
export function planShards(cols: readonly number[], rows: number, count: number): [number, number][][] {
  const k = cols.length;
  const prep = cols.map((d) => rows * d * d);
  const pairs: { i: number; j: number; cost: number }[] = [];
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) pairs.push({ i, j, cost: i === j ? 0 : rows * cols[i]! * cols[j]! });
  // Most expensive first; a stable sort keeps row-major order among equal costs.
  pairs.sort((x, y) => y.cost - x.cost);
  const load = new Array<number>(count).fill(0);
  const holds = Array.from({ length: count }, () => new Set<number>());
  const out: [number, number][][] = Array.from({ length: count }, () => []);
  for (const p of pairs) {
    let best = 0;
    let bestLoad = Infinity;
    for (let s = 0; s < count; s++) {
      let added = p.cost;
      if (!holds[s]!.has(p.i)) added += prep[p.i]!;
      if (p.j !== p.i && !holds[s]!.has(p.j)) added += prep[p.j]!;
      if (load[s]! + added < bestLoad) {
        bestLoad = load[s]! + added;
        best = s;
      }
    }
    load[best] = bestLoad;
    holds[best]!.add(p.i).add(p.j);
    out[best]!.push([p.i, p.j]);
  }
  for (const list of out) list.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return out;
}

/** Size and a hash of the first and last 64 KiB of a file (its header, and enough data to tell files apart). */
export function fileSignature(path: string): { size: number; head: string } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const hash = createHash('sha256');
    const window = 64 * 1024;
    const first = Buffer.alloc(Math.min(window, size));
    readSync(fd, first, 0, first.length, 0);
    hash.update(first);
    if (size > window) {
      const last = Buffer.alloc(Math.min(window, size - window));
      readSync(fd, last, 0, last.length, size - last.length);
      hash.update(last);
    }
    return { size, head: hash.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** SHA-256 of a value's JSON text (objects as written: callers build them in a fixed key order). */
export function hashJson(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * The rows [begin, end) of input shard `shard` of `total` rows: contiguous, in order, as even as whole
 * units of `align` rows allow (minibatch CKA needs whole minibatches in every shard, so that the merged
 * minibatches are those of a single run). E_OPTION when a shard would hold no rows.
 */
export function inputShardRange(total: number, shard: ShardSpec, align = 1): [number, number] {
  const units = Math.ceil(total / align);
  if (shard.count > units) {
    const unit = align === 1 ? 'row' : `minibatch of ${align} rows`;
    throw shardError(`--input-shard ${shard.index}/${shard.count}: ${total} rows give at most ${units} shards (each needs at least one ${unit}); use fewer shards`);
  }
  const begin = Math.floor((shard.index * units) / shard.count) * align;
  const end = Math.min(total, Math.floor(((shard.index + 1) * units) / shard.count) * align);
  return [begin, end];
}

/**
 * The files `args` name, each folder among them replaced by its files that `accept` (sorted by name,
 * numbers in numeric order); `empty(folder)` is thrown for a folder without any.
 */
export function filesOf(args: readonly string[], accept: (name: string, path: string) => boolean, empty: (folder: string) => Error): string[] {
  const out: string[] = [];
  for (const arg of args) {
    let folder = false;
    try {
      folder = statSync(arg).isDirectory();
    } catch {
      folder = false;
    }
    if (!folder) {
      out.push(arg);
      continue;
    }
    const found = readdirSync(arg)
      .sort((x, y) => x.localeCompare(y, 'en', { numeric: true }))
      .filter((name) => accept(name, join(arg, name)));
    if (found.length === 0) throw empty(arg);
    out.push(...found.map((name) => join(arg, name)));
  }
  return out;
}
