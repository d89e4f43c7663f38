/**
 * Input-sharded runs of `nnsim compare`: shard i of n reads only its contiguous block of rows
 * (inputShardRange) and writes the accumulator state of those rows (`--input-shard i/n --state FILE`);
 * `nnsim merge` adds the n states — all present, each once, of one job — into the statistics of all N
 * rows and prints the values a single streamed run prints. The merge is exact: the states hold
 * sums, co-moments and minibatch HSIC sums, combined by the accumulator's own merge.
 */
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

import type { StreamedCompare } from './cli-streaming.js';
import { NnsimError } from './errors.js';
import type { ArrayView } from './io/load.js';
import { safetensorsHeader } from './io/rows.js';
import { jsonDocument, nnsimVersion } from './json-output.js';
import { effectiveProperties, getMeasure } from './registry.js';
import { type ShardSpec, fileSignature, filesOf, hashJson } from './shards.js';
import { type Accumulator, accumulatorFromBuffer, stateMetadata } from './streaming.js';

export const INPUT_SHARD_USAGE = `--input-shard I/N read only input shard I of N (0-based; 'auto' in a Slurm array or Kubernetes Indexed
                  Job): a contiguous block of about 1/N of the rows, whole minibatches for minibatch CKA;
                  needs --state, and measures that stream
--state FILE      write the streamed statistics of the rows read to FILE (.safetensors); 'nnsim merge'
                  adds the N shards' states into the values of all rows`;

/** The metadata key of a shard's job description in its state file. */
const JOB_KEY = 'nnsim.inputShard';

/** What a state file records of the run that wrote it (identical in every shard of one job but for shard and range). */
interface ShardJob {
  readonly nnsimVersion: string;
  readonly fingerprint: string;
  readonly shard: ShardSpec;
  readonly range: readonly [number, number];
  readonly samples: number;
  readonly files: readonly { readonly file: string; readonly size: number; readonly head: string }[];
}

/**
 * Writes the state of a streamed compare (all rows, or one input shard) to `path`, with the job's
 * fingerprint: nnsim version, the two files (name, size, hash of their ends), how they are viewed, the
 * measures with their options, the precision, N and the shard count.
 */
export function writeState(
  path: string,
  paths: readonly [string, string],
  streamed: StreamedCompare,
  shard: ShardSpec | undefined,
  views: { readonly a?: ArrayView; readonly b?: ArrayView },
  samples: number,
): ShardJob {
  const version = nnsimVersion();
  const files = paths.map((p) => ({ file: basename(p), ...fileSignature(p) }));
  const effective = shard ?? { index: 0, count: 1 };
  const acc = streamed.accumulator;
  const fingerprint = hashJson({
    nnsimVersion: version,
    files,
    views,
    measures: acc.measures,
    precision: acc.precision,
    samples,
    shards: effective.count,
  });
  const job: ShardJob = { nnsimVersion: version, fingerprint, shard: effective, range: streamed.range, samples, files };
  writeFileSync(path, acc.toBuffer({ [JOB_KEY]: JSON.stringify(job) }));
  return job;
}

/**
 * Whether `path` is a state file written by --state (an nnsim accumulator state), judged by its header
 * alone (the statistics are read once, by the merge).
 */
export function isStateFile(path: string): boolean {
  if (!path.endsWith('.safetensors')) return false;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    stateMetadata(safetensorsHeader(fd, path, size), size);
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The state files among `args` (files, or folders whose .safetensors files are states). */
export function statePaths(args: readonly string[]): string[] {
  return filesOf(
    args,
    (name, path) => name.endsWith('.safetensors') && isStateFile(path),
    (folder) => new NnsimError('E_FILE', `${folder}: holds no state files; give the files that 'nnsim compare --input-shard i/n --state FILE' wrote`),
  );
}

function readShard(path: string): { job: ShardJob; accumulator: Accumulator } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new NnsimError('E_FILE', `${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path`);
  }
  let job: ShardJob;
  let accumulator: Accumulator;
  try {
    const text = stateMetadata(bytes)[JOB_KEY];
    if (text === undefined) throw new Error(`it has no '${JOB_KEY}' entry (it was not written by nnsim compare --state)`);
    job = JSON.parse(text) as ShardJob;
    if (!Number.isInteger(job?.shard?.index) || !Number.isInteger(job?.shard?.count) || typeof job.fingerprint !== 'string') {
      throw new Error(`its '${JOB_KEY}' entry is damaged`);
    }
    accumulator = accumulatorFromBuffer(bytes);
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^not a usable accumulator state: /, '') : String(error);
    throw new NnsimError('E_FILE', `${path}: is not a usable input-shard state: ${message}; re-run its shard`);
  }
  return { job, accumulator };
}

/** The merged accumulator of a complete set of input-shard states, in shard order. */
export function mergeStates(paths: readonly string[]): { accumulator: Accumulator; job: ShardJob; count: number } {
  if (paths.length === 0) throw new NnsimError('E_FILE', 'merge needs the state files of the input shards');
  const shards = paths.map((path) => ({ path, ...readShard(path) }));
  const first = shards[0]!;
  const count = first.job.shard.count;
  const byIndex = new Map<number, (typeof shards)[number]>();
  for (const s of shards) {
    if (s.job.fingerprint !== first.job.fingerprint) {
      const why = s.job.nnsimVersion !== first.job.nnsimVersion
        ? `nnsim ${s.job.nnsimVersion} vs ${first.job.nnsimVersion}`
        : JSON.stringify(s.job.files) !== JSON.stringify(first.job.files)
          ? 'other input files'
          : s.job.shard.count !== count
            ? `${s.job.shard.count} shards vs ${count}`
            : 'other measures, options, views or precision';
      throw new NnsimError('E_FILE', `${s.path}: comes from a different job than ${first.path} (${why}); merge the states of one run only`);
    }
    const other = byIndex.get(s.job.shard.index);
    if (other) throw new NnsimError('E_FILE', `${other.path} and ${s.path} both hold input shard ${s.job.shard.index} of ${count}; remove one and merge again`);
    byIndex.set(s.job.shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new NnsimError(
      'E_FILE',
      `input shard ${missing[0]} of ${count} is missing (${missing.length} missing; have: ${[...byIndex.keys()].sort((x, y) => x - y).join(', ')}); run it with --input-shard ${missing[0]}/${count}, then merge again`,
    );
  }
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i)!);
  const accumulator = ordered[0]!.accumulator;
  for (const s of ordered.slice(1)) accumulator.merge(s.accumulator);
  return { accumulator, job: first.job, count };
}

/**
 * `nnsim merge STATE…`: merges the input shards' states and prints the values as `nnsim compare`
 * prints them (text, or the compare JSON document with `inputShards`). Returns the exit code.
 */
export function printMergedStates(paths: readonly string[], json: boolean, out: (text: string) => void): number {
  const { accumulator, job, count } = mergeStates(paths);
  const outcomes = accumulator.result({ errors: 'return' });
  const [fa, fb] = job.files;
  const sides = { a: { source: fa!.file, rows: accumulator.rows, cols: accumulator.colsA }, b: { source: fb!.file, rows: accumulator.rows, cols: accumulator.colsB } };
  const failed = accumulator.measures.filter((m) => typeof outcomes[m.key] !== 'number');
  if (json) {
    out(
      jsonDocument('compare', {
        ...sides,
        inputShards: { count, samples: job.samples },
        values: Object.fromEntries(accumulator.measures.map((m) => [m.key, typeof outcomes[m.key] === 'number' ? outcomes[m.key] : null])),
        errors: Object.fromEntries(failed.map((m) => [m.key, { code: (outcomes[m.key] as NnsimError).code, message: (outcomes[m.key] as NnsimError).message }])),
      }),
    );
  } else {
    out(`A: ${sides.a.source} (${sides.a.rows} × ${sides.a.cols})   B: ${sides.b.source} (${sides.b.rows} × ${sides.b.cols})   merged from ${count} input shards`);
    const width = Math.max(...accumulator.measures.map((m) => m.key.length), 7);
    for (const m of accumulator.measures) {
      const o = outcomes[m.key]!;
      const { kind } = effectiveProperties(getMeasure(m.id), m.options);
      out(`${m.key.padEnd(width)}  ${kind.padEnd(10)}  ${typeof o === 'number' ? String(o) : `error ${o.code}: ${o.message}`}`);
    }
  }
  return failed.length > 0 ? 1 : 0;
}
