// Fuzzing the file readers (.npy, .npz, .safetensors): valid files, generated and from numpy, mutated
// byte-wise and structurally (sizes, offsets and counts overwritten with boundary values, slices copied
// over other parts, truncation, trailing bytes). Every outcome must be arrays whose decoded data has
// exactly the elements their shape promises — never more than the file can hold (for .npz: than
// deflate can produce from it) — or a one-line NnsimError E_FILE/E_NONFINITE; anything else is a finding,
// reported with the seed and the input. Fixed seed in `npm test`; NNSIM_FUZZ_ITERATIONS for long runs.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { NnsimError } from '../src/index.js';
import { readNpy } from '../src/io/npy.js';
import { readNpz } from '../src/io/npz.js';
import { encodeSafetensors, readSafetensors } from '../src/io/safetensors.js';
import { fuzzIterations, fuzzRandom, fuzzTimeout } from './helpers/fuzz.js';
import { npyBytes, zipBytes } from './helpers/zip.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'io');

type Kind = 'npy' | 'npz' | 'safetensors';

const { seed, random, int, pick, chance } = fuzzRandom(20261206);

function randomValues(count: number): Float64Array {
  return Float64Array.from({ length: count }, () => (chance(0.3) ? int(-3, 3) : (random() - 0.5) * 10 ** int(-5, 5)));
}

function randomShape(): number[] {
  return Array.from({ length: int(1, 3) }, () => int(1, 5));
}

/** Valid files to start from: numpy's own (test/fixtures/io) and generated ones. */
function seeds(): Record<Kind, Uint8Array[]> {
  const files = readdirSync(FIXTURES);
  const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));
  const out: Record<Kind, Uint8Array[]> = {
    npy: files.filter((f) => f.endsWith('.npy') && f !== 'object.npy').map(read),
    npz: files.filter((f) => f.endsWith('.npz')).map(read),
    safetensors: files.filter((f) => f.endsWith('.safetensors')).map(read),
  };
  for (let k = 0; k < 12; k++) {
    const shape = randomShape();
    const count = shape.reduce((p, d) => p * d, 1);
    out.npy.push(npyBytes(shape, randomValues(count)));
    out.npz.push(
      zipBytes(
        Array.from({ length: int(1, 3) }, (_, e) => {
          const s = randomShape();
          return { name: `layer${e}.npy`, data: npyBytes(s, randomValues(s.reduce((p, d) => p * d, 1))), method: pick([0, 8] as const) };
        }),
      ),
    );
    const tensors: Record<string, { dtype: 'F64'; shape: number[]; data: Float64Array }> = {};
    for (let e = 0; e < int(1, 3); e++) {
      const s = randomShape();
      tensors[`t${e}`] = { dtype: 'F64', shape: s, data: randomValues(s.reduce((p, d) => p * d, 1)) };
    }
    out.safetensors.push(encodeSafetensors(tensors));
  }
  return out;
}

const INTERESTING = [0, 1, 2, 7, 8, 22, 30, 46, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** One to four mutations of a copy of `good`. */
function mutate(good: Uint8Array): Uint8Array {
  let bytes = good.slice();
  for (let m = int(1, 4); m > 0; m--) {
    const at = int(0, Math.max(0, bytes.length - 1));
    switch (int(0, 7)) {
      case 0: // a random byte
        bytes[at] = int(0, 255);
        break;
      case 1: // a flipped bit
        bytes[at] = bytes[at]! ^ (1 << int(0, 7));
        break;
      case 2: // a boundary value, or a size/offset relative to the file, as a 16/32/64-bit little-endian field
      case 3: {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const value = chance(0.3) ? (bytes.length + int(-64, 64)) >>> 0 : pick(INTERESTING);
        const width = pick([2, 4, 4, 8]);
        if (at + width > bytes.length) break;
        if (width === 2) view.setUint16(at, value & 0xffff, true);
        else if (width === 4) view.setUint32(at, value, true);
        else view.setBigUint64(at, BigInt(value) * BigInt(chance(0.2) ? 0x100000000 : 1), true);
        break;
      }
      case 4: {
        // a slice copied over another place (duplicated headers, records pointing at each other's data)
        const from = int(0, bytes.length - 1);
        const length = int(1, Math.min(64, bytes.length - from));
        bytes.copyWithin(at, from, from + length);
        break;
      }
      case 5: // truncation
        bytes = bytes.subarray(0, int(0, bytes.length));
        break;
      case 6: {
        // trailing or inserted bytes
        const extra = Uint8Array.from({ length: int(1, 64) }, () => int(0, 255));
        const out = new Uint8Array(bytes.length + extra.length);
        out.set(bytes.subarray(0, at));
        out.set(extra, at);
        out.set(bytes.subarray(at), at + extra.length);
        bytes = out;
        break;
      }
      default: {
        // header text: a digit or punctuation in the first 200 bytes (shapes, dtypes, offsets in JSON)
        const position = int(0, Math.min(200, bytes.length) - 1);
        bytes[position] = pick([0x30, 0x31, 0x39, 0x2d, 0x2c, 0x28, 0x29, 0x5b, 0x5d, 0x22, 0x27, 0x65]);
      }
    }
    if (bytes.length === 0) break;
  }
  return bytes;
}

function read(kind: Kind, bytes: Uint8Array): number {
  const entries = kind === 'npy' ? [readNpy(bytes, 'f.npy', 'f')] : kind === 'npz' ? readNpz(bytes, 'f.npz') : readSafetensors(bytes, 'f.safetensors');
  // Decoded elements are bounded by what the file can hold (each element takes ≥ 1 byte), for .npz
  // after deflate's largest expansion.
  const limit = kind === 'npz' ? 1032 * bytes.length + 64 : bytes.length;
  let total = 0;
  for (const entry of entries) {
    const count = entry.shape.reduce((p, d) => p * d, 1);
    const data = entry.decode();
    if (data.length !== count) throw new Error(`decoded ${data.length} elements for shape (${entry.shape.join(', ')})`);
    total += count;
    if (total > limit) throw new Error(`decoded ${total} elements from a file of ${bytes.length} bytes`);
  }
  return entries.length;
}

describe(`file readers under fuzzing (seed ${seed})`, () => {
  const pool = seeds();
  const iterations = fuzzIterations(10000);

  it(
    `${iterations} mutated files: arrays with exactly their promised data, or a one-line E_FILE / E_NONFINITE`,
    async () => {
      const outcomes: Record<Kind, { read: number; refused: number }> = {
        npy: { read: 0, refused: 0 },
        npz: { read: 0, refused: 0 },
        safetensors: { read: 0, refused: 0 },
      };
      for (let trial = 0; trial < iterations; trial++) {
        // Long runs let the test runner's own messages through now and then.
        if (trial % 5000 === 4999) await new Promise((resolve) => setImmediate(resolve));
        const kind = pick(['npy', 'npz', 'safetensors'] as const);
        const bytes = mutate(pick(pool[kind]));
        try {
          read(kind, bytes);
          outcomes[kind].read++;
        } catch (error) {
          const reproduce = () =>
            `${kind} trial ${trial} (NNSIM_FUZZ_SEED=${seed}): ${String(error)}\n  input (base64): ${Buffer.from(bytes).toString('base64')}`;
          if (!(error instanceof NnsimError)) throw new Error(reproduce());
          if (!['E_FILE', 'E_NONFINITE'].includes(error.code) || error.message.includes('\n')) throw new Error(reproduce());
          outcomes[kind].refused++;
        }
      }
      // Both outcomes are reached for every format (the mutations are neither all harmless nor all fatal).
      for (const [kind, o] of Object.entries(outcomes)) {
        expect(o.read, kind).toBeGreaterThan(iterations / 500);
        expect(o.refused, kind).toBeGreaterThan(iterations / 20);
      }
    },
    fuzzTimeout(60_000),
  );
});
