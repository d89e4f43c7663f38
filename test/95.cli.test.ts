// The command line and its file readers: .npy/.npz/.safetensors against numpy's own values
// (test/fixtures/io, written by scripts/cli_fixtures.py), malformed files refused with one-line typed
// errors, fuzzed headers, and the real binary (node dist/cli.js) end to end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { NnsimError } from '../src/index.js';
import { openArray, openLayers, toRepresentation } from '../src/io/load.js';
import { readNpy } from '../src/io/npy.js';
import { readNpz } from '../src/io/npz.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { rng } from './helpers/random.js';

const FIXTURES = join(__dirname, 'fixtures', 'io');
const fixture = (name: string): string => join(FIXTURES, name);

interface Expected {
  shape: number[];
  values: number[];
}
const manifest = JSON.parse(readFileSync(fixture('manifest.json'), 'utf8')) as {
  npy: (Expected & { file: string })[];
  npz: { file: string; arrays: Record<string, Expected> }[];
  safetensors: { file: string; arrays: Record<string, Expected> }[];
};

function errorOf(f: () => unknown): NnsimError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NnsimError);
    return e as NnsimError;
  }
  throw new Error('expected an NnsimError');
}

function expectValues(got: Float64Array, want: Expected): void {
  expect(got.length).toBe(want.values.length);
  // numpy's float64 view of the same bits: exact equality.
  expect(Array.from(got)).toEqual(want.values);
}

describe('readers', () => {
  it('read every .npy dtype, byte order, memory order and version as numpy does', () => {
    expect(manifest.npy.length).toBeGreaterThan(20);
    for (const want of manifest.npy) {
      const entry = openArray(fixture(want.file));
      expect(entry.shape, want.file).toEqual(want.shape);
      expectValues(entry.decode(), want);
    }
  });

  it('read stored and deflated .npz archives', () => {
    for (const archive of manifest.npz) {
      const entries = openLayers(fixture(archive.file));
      expect(entries.map((e) => e.name)).toEqual(['layer1', 'layer2', 'layer10']);
      for (const entry of entries) {
        expect(entry.shape).toEqual(archive.arrays[entry.name]!.shape);
        expectValues(entry.decode(), archive.arrays[entry.name]!);
      }
      expect(openArray(`${fixture(archive.file)}#layer2`).shape).toEqual([12, 4]);
    }
  });

  it('read .safetensors tensors of every float and integer dtype', () => {
    const file = manifest.safetensors[0]!;
    const entries = openLayers(fixture(file.file));
    expect(entries.map((e) => e.name)).toEqual(['head.bf16', 'head.f16', 'head.f64', 'head.i32', 'layer1', 'layer2', 'layer10']);
    for (const entry of entries) expectValues(entry.decode(), file.arrays[entry.name]!);
    expect(openArray(`${fixture(file.file)}#head.f64`).dtype).toBe('float64');
  });

  it('read a folder of per-layer files in natural order', () => {
    expect(openLayers(fixture('model-a')).map((e) => e.name)).toEqual(['layer1', 'layer2', 'layer10']);
  });

  it('make matrices of 3-D/4-D arrays only with an explicit reshape', () => {
    const cube = openArray(fixture('cube.npy'));
    const error = errorOf(() => toRepresentation(cube));
    expect(error.code).toBe('E_SHAPE');
    expect(error.message).toContain('--reshape');
    const flat = toRepresentation(cube, 'flatten');
    expect([flat.rows, flat.cols]).toEqual([4, 6]);
    const positions = toRepresentation(cube, 'positions');
    expect([positions.rows, positions.cols]).toEqual([8, 3]);
    expect(Array.from(positions.data)).toEqual(Array.from(flat.data));
    // Fortran-ordered 3-D data is reordered to C order first.
    expect(Array.from(toRepresentation(openArray(fixture('cube-fortran.npy')), 'flatten').data)).toEqual(Array.from(flat.data));
    const t4 = toRepresentation(openArray(fixture('tensor4.npy')), 'positions');
    expect([t4.rows, t4.cols]).toEqual([12, 2]);
    const vector = toRepresentation(openArray(fixture('x-1d.npy')));
    expect([vector.rows, vector.cols]).toEqual([6, 1]);
  });

  it('refuse pickles, NaN, unknown names and wrong files with E_FILE / E_NONFINITE', () => {
    expect(errorOf(() => openArray(fixture('object.npy'))).message).toContain('never loads');
    const nan = errorOf(() => openArray(fixture('nan.npy')).decode());
    expect(nan.code).toBe('E_NONFINITE');
    expect(nan.message).toContain('index (2, 1)');
    expect(errorOf(() => openArray(`${fixture('layers-stored.npz')}#layer3`)).message).toContain('layer1, layer2, layer10');
    expect(errorOf(() => openArray(`${fixture('model.safetensors')}#nope`)).code).toBe('E_FILE');
    expect(errorOf(() => openArray(fixture('layers-stored.npz'))).message).toContain('#layer1');
    expect(errorOf(() => openArray(fixture('missing.npy'))).message).toContain('no such file');
    expect(errorOf(() => openArray(fixture('manifest.json'))).message).toContain('unknown file type');
  });
});

/** Malformed variants of a valid v1 .npy of shape (6, 4) float64. */
function malformedNpy(): Record<string, { bytes: Uint8Array; message: RegExp }> {
  const good = new Uint8Array(readFileSync(fixture('x-f8-le.npy')));
  const headerLength = good[8]! | (good[9]! << 8);
  const header = new TextDecoder().decode(good.subarray(10, 10 + headerLength));
  const withHeader = (text: string): Uint8Array => {
    const padded = text.padEnd(headerLength - 1, ' ') + '\n';
    const out = good.slice();
    out.set(new TextEncoder().encode(padded), 10);
    return out;
  };
  const longHeader = good.slice(0, 64);
  longHeader[8] = 0xff;
  longHeader[9] = 0xff;
  return {
    truncated: { bytes: good.subarray(0, good.length - 7), message: /truncated/ },
    'header longer than file': { bytes: longHeader, message: /header claims 65535 bytes/ },
    'shape product overflow': {
      bytes: withHeader(header.replace('(6, 4)', '(4294967296, 4294967296, 4294967296)')),
      message: /more elements than can be addressed/,
    },
    'huge shape': { bytes: withHeader(header.replace('(6, 4)', '(600000000, 4000)')), message: /truncated/ },
    'unknown dtype': { bytes: withHeader(header.replace("'<f8'", "'<c16'")), message: /unsupported dtype '<c16'/ },
    'object dtype': { bytes: withHeader(header.replace("'<f8'", "'|O'")), message: /pickle/ },
    'bad magic': { bytes: good.map((b, i) => (i === 1 ? 0 : b)), message: /not a \.npy file/ },
  };
}

describe('malformed files', () => {
  it('are refused with one line that says what is wrong', () => {
    for (const [what, { bytes, message }] of Object.entries(malformedNpy())) {
      const error = errorOf(() => readNpy(bytes, 'bad.npy', 'bad').decode());
      expect(error.code, what).toBe('E_FILE');
      expect(error.message, what).toMatch(message);
      expect(error.message).not.toContain('\n');
    }
  });

  it('never throw anything but NnsimError on fuzzed headers', () => {
    const random = rng(7);
    const targets: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
      ['npy', new Uint8Array(readFileSync(fixture('x-f4-be-fortran.npy'))), (b) => readNpy(b, 'f.npy', 'f').decode()],
      ['npy-v3', new Uint8Array(readFileSync(fixture('x-v3.npy'))), (b) => readNpy(b, 'f.npy', 'f').decode()],
      ['npz-stored', new Uint8Array(readFileSync(fixture('layers-stored.npz'))), (b) => readNpz(b, 'f.npz').map((e) => e.decode())],
      ['npz-deflated', new Uint8Array(readFileSync(fixture('layers-deflated.npz'))), (b) => readNpz(b, 'f.npz').map((e) => e.decode())],
      ['safetensors', new Uint8Array(readFileSync(fixture('model.safetensors'))), (b) => readSafetensors(b, 'f.safetensors').map((e) => e.decode())],
    ];
    const counts: Record<string, { ok: number; refused: number }> = {};
    for (const [name, good, read] of targets) {
      counts[name] = { ok: 0, refused: 0 };
      // Mutations concentrate on the header (first 160 bytes) and on the zip directory at the end.
      for (let trial = 0; trial < 1500; trial++) {
        const bytes = good.slice();
        const kind = trial % 5;
        const mutations = 1 + Math.floor(random() * 4);
        for (let m = 0; m < mutations; m++) {
          const region = kind === 4 ? bytes.length - 1 - Math.floor(random() * Math.min(120, bytes.length)) : Math.floor(random() * Math.min(160, bytes.length));
          if (kind === 0) bytes[region] = Math.floor(random() * 256);
          else if (kind === 1) bytes[region] = (bytes[region]! ^ (1 << Math.floor(random() * 8))) & 0xff;
          else if (kind === 2) bytes[region] = [0, 0xff, 0x7f, 0x80, 0x28, 0x29, 0x2c, 0x27][Math.floor(random() * 8)]!;
          else bytes[region] = Math.floor(random() * 256);
        }
        const input = kind === 3 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes;
        try {
          read(input);
          counts[name]!.ok++;
        } catch (error) {
          if (!(error instanceof NnsimError)) throw new Error(`${name} trial ${trial}: ${String(error)}`);
          expect(['E_FILE', 'E_NONFINITE']).toContain(error.code);
          expect(error.message).not.toContain('\n');
          counts[name]!.refused++;
        }
      }
      expect(counts[name]!.refused, name).toBeGreaterThan(100);
    }
  });
});

