/**
 * Input-sharded compare: `nnsim compare A B --input-shard i/n --state FILE` per shard, `nnsim merge
 * STATE…` = the single streamed run; shards hold whole minibatches; every refusal is one line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { accumulatorFromBuffer, createAccumulator, stateMetadata } from '../src/index.js';
import { float32Elements } from '../src/io/array.js';
import { inputShardRange } from '../src/shards.js';
import { ensureBuilt, expectOneLineError, nnsim, tmp } from './helpers/cli.js';
import { errorOf } from './helpers/errors.js';
import { rng } from './helpers/random.js';

beforeAll(ensureBuilt);

function writeNpy(dir: string, name: string, data: Float32Array, rows: number, cols: number): string {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const preamble = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, header.length & 0xff, header.length >> 8])]);
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat([preamble, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  return path;
}

/** Two related float32 inputs of N rows (6 and 4 columns, means away from 0). */
function files(dir: string, rows: number): [string, string] {
  const random = rng(3);
  const a = Float32Array.from({ length: rows * 6 }, () => 2 + random());
  const b = Float32Array.from({ length: rows * 4 }, (_, k) => a[Math.floor(k / 4) * 6 + (k % 4)]! * 0.5 + random());
  return [writeNpy(dir, 'a.npy', a, rows, 6), writeNpy(dir, 'b.npy', b, rows, 4)];
}

const jsonValues = (stdout: string): Record<string, number> => (JSON.parse(stdout) as { values: Record<string, number> }).values;

describe('inputShardRange', () => {
  it('splits N rows into contiguous, ordered, nearly even shards of whole units', () => {
    for (const [total, count, align] of [
      [10, 3, 1],
      [3001, 4, 256],
      [1000, 7, 10],
      [5, 5, 1],
    ] as const) {
      const ranges = Array.from({ length: count }, (_, index) => inputShardRange(total, { index, count }, align));
      expect(ranges[0]![0]).toBe(0);
      expect(ranges[count - 1]![1]).toBe(total);
      ranges.forEach(([begin, end], i) => {
        expect(end).toBeGreaterThan(begin);
        if (i > 0) expect(begin).toBe(ranges[i - 1]![1]);
        expect(begin % align).toBe(0);
      });
    }
    expect(errorOf(() => inputShardRange(3, { index: 0, count: 4 })).code).toBe('E_OPTION');
    expect(errorOf(() => inputShardRange(1000, { index: 0, count: 5 }, 256)).message).toMatch(/at most 4 shards/);
  });
});

describe('nnsim compare --input-shard / nnsim merge STATE…', () => {
  const MEASURES = ['-m', 'cka,procrustes,cca-mean,magnitude-difference'];

  it('the merged shards give the single streamed run (any shard count), in text and JSON', () => {
    const dir = tmp();
    const [fa, fb] = files(dir, 2500);
    const single = nnsim(['compare', fa, fb, ...MEASURES, '--stream', '--json']);
    expect(single.status, single.stderr).toBe(0);
    const want = jsonValues(single.stdout);
    for (const count of [1, 3, 7]) {
      const states = Array.from({ length: count }, (_, i) => {
        const state = join(dir, `n${count}-s${i}.safetensors`);
        const r = nnsim(['compare', fa, fb, ...MEASURES, '--input-shard', `${i}/${count}`, '--state', state]);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toMatch(new RegExp(`input shard ${i} of ${count}|all 2500 rows`));
        return state;
      });
      // Given in reverse order: merged in shard order all the same.
      const merged = nnsim(['merge', ...states.reverse(), '--json']);
      expect(merged.status, merged.stderr).toBe(0);
      const got = jsonValues(merged.stdout);
      for (const [key, value] of Object.entries(want)) expect(Math.abs(got[key]! - value), `${key}, ${count} shards`).toBeLessThanOrEqual(1e-12 * Math.abs(value));
    }
    const text = nnsim(['merge', join(dir, 'n3-s0.safetensors'), join(dir, 'n3-s1.safetensors'), join(dir, 'n3-s2.safetensors')]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/merged from 3 input shards/);
    expect(text.stdout).toMatch(/^cka\s+similarity\s+0\.\d+$/m);
  });

  it('minibatch CKA: shards hold whole minibatches, so the merge is the single run', () => {
    const dir = tmp();
    const [fa, fb] = files(dir, 3001);
    const flags = ['-m', 'cka', '--option', 'cka.estimator=minibatch', '--option', 'cka.batch=256'];
    const want = jsonValues(nnsim(['compare', fa, fb, ...flags, '--stream', '--json']).stdout).cka!;
    const states = [0, 1, 2, 3].map((i) => {
      const state = join(dir, `s${i}.safetensors`);
      const r = nnsim(['compare', fa, fb, ...flags, '--input-shard', `${i}/4`, '--state', state]);
      expect(r.status, r.stderr).toBe(0);
      const [, begin] = /rows (\d+) …/.exec(r.stderr)!;
      expect(Number(begin) % 256).toBe(0);
      return state;
    });
    const got = jsonValues(nnsim(['merge', dir, '--json']).stdout).cka!;
    expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.abs(want));
    expect(states).toHaveLength(4);
  });

  it('refuses incomplete, repeated, foreign and damaged states, and bad flags, in one line each', () => {
    const dir = tmp();
    const [fa, fb] = files(dir, 600);
    const shard = (i: number, n: number, name: string, extra: string[] = []): string => {
      const state = join(dir, name);
      const r = nnsim(['compare', fa, fb, '-m', 'cka,procrustes', ...extra, '--input-shard', `${i}/${n}`, '--state', state]);
      expect(r.status, r.stderr).toBe(0);
      return state;
    };
    const s0 = shard(0, 3, 's0.safetensors');
    const s1 = shard(1, 3, 's1.safetensors');
    const s2 = shard(2, 3, 's2.safetensors');
    const other = shard(2, 3, 'other.safetensors', ['--precision', 'single']);
    expectOneLineError(nnsim(['merge', s0, s1]), /input shard 2 of 3 is missing.*--input-shard 2\/3/);
    expectOneLineError(nnsim(['merge', s0, s1, s1, s2]), /both hold input shard 1 of 3/);
    expectOneLineError(nnsim(['merge', s0, s1, other]), /different job/);
    const damaged = join(dir, 'damaged.safetensors');
    writeFileSync(damaged, readFileSync(s2).subarray(0, 200));
    expectOneLineError(nnsim(['merge', s0, s1, damaged]), /damaged\.safetensors: is not a usable input-shard state/);
    expectOneLineError(nnsim(['merge', s0, s1, s2, '--out', dir]), /takes no --out/);
    expectOneLineError(nnsim(['compare', fa, fb, '-m', 'cka', '--input-shard', '0/3']), /--input-shard needs --state/);
    expectOneLineError(nnsim(['compare', fa, fb, '-m', 'cka', '--input-shard', '3/3', '--state', join(dir, 'x.safetensors')]), /--input-shard 3\/3: shard index 3 is out of range/);
    expectOneLineError(nnsim(['compare', fa, fb, '-m', 'cka', '--input-shard', '0/3', '--state', join(dir, 'x.safetensors'), '--rows', '100']), /--state writes the statistics of streamed rows/);
    expectOneLineError(nnsim(['compare', fa, fb, '-m', 'knn-jaccard', '--input-shard', '0/3', '--state', join(dir, 'x.safetensors')]), /E_NOT_STREAMABLE/);
  });
});

describe('state buffers and float32 data read from Node Buffers (whose slice() is a view, not a copy)', () => {
  it('accumulatorFromBuffer reads a state held in a Buffer at any offset, with the caller\'s metadata', () => {
    const random = rng(9);
    const acc = createAccumulator(['cka'], { colsA: 3, colsB: 2 });
    acc.push({ data: Float64Array.from({ length: 30 }, random), rows: 10, cols: 3 }, { data: Float64Array.from({ length: 20 }, random), rows: 10, cols: 2 });
    const bytes = acc.toBuffer({ note: 'shard 1' });
    expect(stateMetadata(bytes).note).toBe('shard 1');
    const inBuffer = Buffer.alloc(bytes.length + 5);
    Buffer.from(bytes).copy(inBuffer, 5);
    expect(accumulatorFromBuffer(inBuffer.subarray(5)).result().cka).toBe(acc.result().cka);
    expect(accumulatorFromBuffer(Buffer.from(bytes)).result().cka).toBe(acc.result().cka);
    expect(errorOf(() => acc.toBuffer({ format: 'x' })).code).toBe('E_OPTION');
    // The header alone is enough to read the metadata (what `nnsim merge DIR` reads to find the states);
    // less than the header is refused.
    const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(stateMetadata(bytes.subarray(0, headerEnd), bytes.length)).toEqual(stateMetadata(bytes));
    expect(errorOf(() => stateMetadata(bytes.subarray(0, headerEnd - 1), bytes.length)).code).toBe('E_STATE');
  });

  it('float32Elements copies unaligned float32 data out of a Buffer correctly', () => {
    const values = Float32Array.from([1.5, -2.25, 3.125, 8]);
    const file = Buffer.alloc(64 + 13, 7);
    Buffer.from(values.buffer).copy(file, 13);
    expect(Array.from(float32Elements(file.subarray(13), 4, 'x', [4]))).toEqual(Array.from(values));
  });
});
