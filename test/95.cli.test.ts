// The command line and its file readers: .npy/.npz/.safetensors against numpy's own values
// (test/fixtures/io, written by scripts/cli_fixtures.py), malformed files refused with one-line typed
// errors, fuzzed headers, and the real binary (node dist/cli.js) end to end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { NnsimError, accumulatorFromBuffer, compare, compareMany, effectiveProperties, getMeasure, listMeasures, measureIds, sampleRows, takeRows } from '../src/index.js';
import { streamCompare } from '../src/cli-streaming.js';
import { summarize } from '../src/report/pairwise.js';
import { openArray, openLayers, toRepresentation, toSourceRepresentation } from '../src/io/load.js';
import { readNpy } from '../src/io/npy.js';
import { readNpz } from '../src/io/npz.js';
import { encodeSafetensors, readSafetensors } from '../src/io/safetensors.js';
import { rng } from './helpers/random.js';
import { errorOf } from './helpers/errors.js';
import { CLI, ensureBuilt, expectOneLineError, nnsim, tmp } from './helpers/cli.js';
import { npyBytes, zipBytes } from './helpers/zip.js';
import { deflateRawSync as deflateSync } from 'node:zlib';

const ROOT = join(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'io');
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

  it('write .safetensors that the reader reads back, metadata and alignment included', () => {
    const f64 = Float64Array.from([1.5, -2, 3.25, 1e300, -0, 7]);
    const f32 = Float32Array.from([0.5, -1.25]);
    const i32 = Int32Array.from([3, -4, 2147483647]);
    const bytes = encodeSafetensors(
      { a: { dtype: 'F64', shape: [2, 3], data: f64 }, b: { dtype: 'F32', shape: [2], data: f32 }, c: { dtype: 'I32', shape: [3], data: i32 } },
      { format: 'test', note: 'x' },
    );
    const headerSize = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerSize % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerSize)));
    expect(header.__metadata__).toEqual({ format: 'test', note: 'x' });
    const entries = readSafetensors(bytes, 'memory');
    expect(entries.map((e) => [e.name, e.dtype, e.shape])).toEqual([
      ['a', 'float64', [2, 3]],
      ['b', 'float32', [2]],
      ['c', 'int32', [3]],
    ]);
    expect(Array.from(entries[0]!.decode())).toEqual(Array.from(f64));
    expect(Array.from(entries[1]!.decode())).toEqual([0.5, -1.25]);
    expect(Array.from(entries[2]!.decode())).toEqual([3, -4, 2147483647]);
    expect(() => encodeSafetensors({ a: { dtype: 'F64', shape: [4], data: f64 } })).toThrow(TypeError);
  });

  it('read a folder of per-layer files in natural order', () => {
    expect(openLayers(fixture('model-a')).map((e) => e.name)).toEqual(['layer1', 'layer2', 'layer10']);
  });

  it('make matrices of 3-D/4-D arrays only with an explicit layout and reshape', () => {
    const cube = openArray(fixture('cube.npy'));
    const error = errorOf(() => toRepresentation(cube));
    expect(error.code).toBe('E_SHAPE');
    expect(error.message).toContain('--layout');
    expect(errorOf(() => toRepresentation(cube, { layouts: { 3: 'ntc' } })).message).toContain('--reshape');
    const tokens = { layouts: { 3: 'ntc' }, reshape: 'flatten' } as const;
    const flat = toRepresentation(cube, tokens);
    expect([flat.rows, flat.cols]).toEqual([4, 6]);
    const positions = toRepresentation(cube, { ...tokens, reshape: 'positions' });
    expect([positions.rows, positions.cols]).toEqual([8, 3]);
    expect(Array.from(positions.data)).toEqual(Array.from(flat.data));
    // Fortran-ordered 3-D data is reordered to C order first.
    expect(Array.from(toRepresentation(openArray(fixture('cube-fortran.npy')), tokens).data)).toEqual(Array.from(flat.data));
    const t4 = toRepresentation(openArray(fixture('tensor4.npy')), { layouts: { 4: 'nhwc' }, reshape: 'positions' });
    expect([t4.rows, t4.cols]).toEqual([12, 2]);
    const vector = toRepresentation(openArray(fixture('x-1d.npy')));
    expect([vector.rows, vector.cols]).toEqual([6, 1]);
  });

  it('refuse pickles, NaN, unknown names and wrong files with E_FILE / E_NONFINITE', () => {
    expect(errorOf(() => openArray(fixture('object.npy'))).message).toContain('never loads');
    const nan = errorOf(() => openArray(fixture('nan.npy')).decode());
    expect(nan.code).toBe('E_NONFINITE');
    expect(nan.message).toContain('index (2, 1)');
    expect(errorOf(() => openArray(fixture('inf-fortran.npy')).decode()).message).toContain('-Infinity at index (4, 2)');
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

  it('refuse zip entries that claim more than deflate can produce, before inflating', () => {
    for (const file of ['layers-deflated.npz', 'layers-stored.npz']) {
      const bytes = new Uint8Array(readFileSync(fixture(file)));
      const view = new DataView(bytes.buffer);
      // Central directory header (PK\x01\x02): uncompressed size at offset 24.
      let at = bytes.length - 22;
      while (view.getUint32(at, true) !== 0x06054b50) at--;
      const directory = view.getUint32(at + 16, true);
      expect(view.getUint32(directory, true)).toBe(0x02014b50);
      view.setUint32(directory + 24, 0xfffffff0, true);
      const error = errorOf(() => readNpz(bytes, file));
      expect(error.message).toMatch(/sizes are inconsistent \(\d+ → 4294967280 bytes\)/);
    }
  });

  it('refuse a .npy with bytes after its data (numpy.load would silently read only the first array)', () => {
    const good = new Uint8Array(readFileSync(fixture('x-f8-le.npy')));
    for (const extra of [1, 8, 200]) {
      const bytes = new Uint8Array(good.length + extra);
      bytes.set(good);
      const error = errorOf(() => readNpy(bytes, 'extra.npy', 'extra'));
      expect(error.code).toBe('E_FILE');
      expect(error.message).toMatch(new RegExp(`${extra} unexpected bytes after the data`));
      const inZip = errorOf(() => readNpz(zipBytes([{ name: 'x.npy', data: bytes }]), 'extra.npz'));
      expect(inZip.message).toMatch(/unexpected bytes after the data/);
    }
    expect(readNpy(good, 'good.npy', 'good').shape).toEqual([6, 4]);
  });

  it('refuse overlapping zip entries before inflating anything', () => {
    // 30 directory records that all point at one deflated 8 MB entry: 240 MB if each were inflated.
    const big = npyBytes([1000, 1000]);
    const shared = zipBytes([{ name: 'a.npy', data: big }, ...Array.from({ length: 30 }, (_, k) => ({ name: `b${k}.npy`, data: big, sharesLocalOf: 0 }))]);
    expect(shared.length).toBeLessThan(20_000);
    const error = errorOf(() => readNpz(shared, 'shared.npz'));
    expect(error.code).toBe('E_FILE');
    expect(error.message).toMatch(/overlap/);
    // Partial overlap: the first entry's data claims to run into the second entry's local header.
    const small = npyBytes([3, 2], Float64Array.from([1, 2, 3, 4, 5, 6]));
    const partial = zipBytes([
      { name: 'a.npy', data: small, compressedSize: deflateSync(small).length + 20 },
      { name: 'b.npy', data: small },
    ]);
    expect(errorOf(() => readNpz(partial, 'partial.npz')).message).toMatch(/overlap/);
  });

  it('check the zip directory against the file and refuse encrypted, duplicate or mismatched entries', () => {
    const small = npyBytes([3, 2], Float64Array.from([1, 2, 3, 4, 5, 6]));
    const good = zipBytes([{ name: 'a.npy', data: small }, { name: 'b.npy', data: small, method: 0 }]);
    expect(readNpz(good, 'good.npz').map((e) => [e.name, Array.from(e.decode())])).toEqual([
      ['a', [1, 2, 3, 4, 5, 6]],
      ['b', [1, 2, 3, 4, 5, 6]],
    ]);
    const cases: [string, Uint8Array, RegExp][] = [
      ['past the end', zipBytes([{ name: 'a.npy', data: small, compressedSize: 1_000_000 }]), /beyond|past|overlap/],
      ['duplicate names', zipBytes([{ name: 'a.npy', data: small }, { name: 'a.npy', data: small }]), /two entries named 'a.npy'/],
      ['stored with two sizes', zipBytes([{ name: 'a.npy', data: small, method: 0, size: small.length + 8 }]), /sizes are inconsistent/],
      ['promises less than it holds', zipBytes([{ name: 'a.npy', data: small, size: small.length - 8 }]), /more than|sizes|truncated|unexpected/],
    ];
    const encrypted = good.slice();
    const view = new DataView(encrypted.buffer);
    let directory = encrypted.length - 22;
    directory = view.getUint32(directory + 16, true);
    view.setUint16(directory + 8, 1, true);
    cases.push(['encrypted', encrypted, /encrypted/]);
    const renamed = good.slice();
    renamed[30] = 'x'.charCodeAt(0); // the first local header's name: 'x.npy' instead of 'a.npy'
    cases.push(['local name differs', renamed, /name/]);
    for (const [what, bytes, message] of cases) {
      const error = errorOf(() => readNpz(bytes, 'bad.npz').map((e) => e.decode()));
      expect(error.code, what).toBe('E_FILE');
      expect(error.message, what).toMatch(message);
    }
  });

  it('read the .npy headers inside a .npz without inflating the data, so a mismatched N is refused first', () => {
    // An 8 MB array whose deflated stream is corrupt after the first kilobytes: its header is readable,
    // its data is not. Opening it must not inflate the data; decoding it must fail with E_FILE.
    const big = npyBytes([1000, 1000]);
    const stream = deflateSync(big);
    for (let i = stream.length - 2000; i < stream.length - 10; i += 7) stream[i] = stream[i]! ^ 0x5a;
    const bytes = zipBytes([{ name: 'big.npy', data: big, stream }]);
    const [entry] = readNpz(bytes, 'big.npz');
    expect(entry!.shape).toEqual([1000, 1000]);
    expect(entry!.dtype).toBe('float64');
    expect(errorOf(() => entry!.decode()).code).toBe('E_FILE');
    const dir = tmp();
    writeFileSync(join(dir, 'big.npz'), bytes);
    expectOneLineError(nnsim(['compare', join(dir, 'big.npz'), fixture('a.npy')]), /1000 rows but .*a\.npy has 20/);
    // A header whose shape does not match the entry's size is refused from the directory, before inflating.
    const lying = zipBytes([{ name: 'x.npy', data: npyBytes([1000, 1000]), size: 80 + 1000 }]);
    expect(errorOf(() => readNpz(lying, 'lying.npz')).message).toMatch(/promises 8000000 bytes of data/);
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
      for (let trial = 0; trial < 2500; trial++) {
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


// ------------------------------------------------------------------------------------ the binary

beforeAll(ensureBuilt);

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('nnsim compare', () => {
  it('prints the same numbers as the library call', () => {
    const a = toRepresentation(openArray(fixture('a.npy')));
    const b = toRepresentation(openArray(fixture('b.npy')));
    const r = nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { values: Record<string, number>; a: { rows: number; cols: number } };
    expect(out.a).toMatchObject({ rows: 20, cols: 5 });
    const ids = Object.keys(out.values);
    expect(ids).toContain('cka');
    expect(ids).toContain('procrustes');
    expect(out.values).toEqual(compareMany(ids, a, b));
    for (const id of ids) expect(out.values[id]).toBe(compare(id, a, b));
  });

  it('passes options and picks arrays out of .npz and .safetensors files', () => {
    const r = nnsim(['compare', `${fixture('layers-deflated.npz')}#layer1`, `${fixture('model.safetensors')}#layer2`, '-m', 'procrustes,cka', '--option', 'procrustes.normalize=true', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const a = toRepresentation(openArray(`${fixture('layers-stored.npz')}#layer1`));
    const b = toRepresentation(openArray(`${fixture('model.safetensors')}#layer2`));
    const out = JSON.parse(r.stdout) as { values: Record<string, number> };
    expect(out.values.procrustes).toBe(compare('procrustes', a, b, { normalize: true }));
    expect(out.values.cka).toBe(compare('cka', a, b));
    // An option without a measure prefix goes to every selected measure that has it.
    const both = nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'procrustes', '-m', 'angular-shape', '-o', 'normalize=true', '--json']);
    const va = toRepresentation(openArray(fixture('a.npy')));
    const vb = toRepresentation(openArray(fixture('b.npy')));
    expect((JSON.parse(both.stdout) as { values: Record<string, number> }).values.procrustes).toBe(compare('procrustes', va, vb, { normalize: true }));
    const text = nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '--measure', 'cka']);
    const value = compare('cka', toRepresentation(openArray(fixture('a.npy'))), toRepresentation(openArray(fixture('b.npy'))));
    expect(text.stdout).toMatch(new RegExp(`\\ncka +similarity +${String(value).replace('.', '\\.')}\\n`));
  });

  it('reads a matrix option from a file and shows the kind under the options (angular CKA is a distance)', () => {
    const a = toRepresentation(openArray(fixture('a.npy')));
    const b = toRepresentation(openArray(fixture('b.npy')));
    const n = a.rows;
    const k0 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k0[i * n + j] = Math.exp(-((i - j) ** 2) / 8);
    const dir = tmp();
    const file = join(dir, 'inputs.safetensors');
    writeFileSync(file, encodeSafetensors({ k0: { dtype: 'F64', shape: [n, n], data: k0 } }));
    const r = nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'dcka', '-o', `dcka.inputSimilarity=${file}#k0`, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { values: Record<string, number>; measures: { options: Record<string, unknown> }[] };
    expect(out.values.dcka).toBe(compare('dcka', a, b, { inputSimilarity: { data: k0, rows: n, cols: n } }));
    expect(out.measures[0]!.options.inputSimilarity).toBe(`matrix(${n} × ${n})`);
    // Without the matrix the measure says what it needs; 'all' leaves it out.
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'dcka']), /needs option 'inputSimilarity'/);
    const angular = nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'cka', '-o', 'output=angular']);
    expect(angular.stdout).toMatch(/\ncka +distance +/);
  });

  it('passes --labels to the measures that take labels', () => {
    const measure = listMeasures().find((m) => m.domain === 'representational' && m.requires.includes('labels'));
    if (!measure) return; // none registered yet
    const labelKey = Object.entries(measure.options).find(([, spec]) => spec.type === 'labels')![0];
    const dir = join(ROOT, 'data', 'demo');
    const r = nnsim(['compare', join(dir, 'seed-0', 'hidden3.npy'), join(dir, 'seed-1', 'hidden3.npy'), '--labels', join(dir, 'labels.npy'), '-m', measure.id, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const labels = Int32Array.from(openArray(join(dir, 'labels.npy')).decode());
    const a = toRepresentation(openArray(join(dir, 'seed-0', 'hidden3.npy')));
    const b = toRepresentation(openArray(join(dir, 'seed-1', 'hidden3.npy')));
    expect((JSON.parse(r.stdout) as { values: Record<string, number> }).values[measure.id]).toBe(compare(measure.id, a, b, { [labelKey]: labels }));
    expectOneLineError(nnsim(['compare', join(dir, 'seed-0', 'hidden3.npy'), join(dir, 'seed-1', 'hidden3.npy'), '-m', measure.id]), /labels/);
  });

  it('compares a reproducible random subset with --rows N --seed S (stratified with --labels) and says so', () => {
    const dir = join(ROOT, 'data', 'demo');
    const files = [join(dir, 'seed-0', 'hidden3.npy'), join(dir, 'seed-1', 'hidden3.npy')];
    const labels = Int32Array.from(openArray(join(dir, 'labels.npy')).decode());
    const [a, b] = files.map((f) => toRepresentation(openArray(f)));
    const r = nnsim(['compare', ...files, '-m', 'knn-jaccard,knn-modularity-difference', '--labels', join(dir, 'labels.npy'), '--rows', '120', '--seed', '4', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { subset: unknown; values: Record<string, number>; a: { rows: number } };
    expect(out.subset).toEqual({ rows: 120, of: 400, seed: 4, stratified: true });
    expect(out.a.rows).toBe(120);
    const rows = sampleRows(400, { rows: 120, seed: 4, labels });
    const sa = takeRows(a!, rows);
    const sb = takeRows(b!, rows);
    const subsetLabels = Int32Array.from(rows, (i) => labels[i]!);
    expect(out.values['knn-jaccard']).toBe(compare('knn-jaccard', sa, sb));
    expect(out.values['knn-modularity-difference']).toBe(compare('knn-modularity-difference', sa, sb, { labels: subsetLabels }));
    const text = nnsim(['compare', ...files, '-m', 'rsa', '--rows', '50']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('rows: a random subset of 50 of the 400 inputs (--rows 50 --seed 0)\n');
    expect(text.stdout).toContain(String(compare('rsa', takeRows(a!, sampleRows(400, { rows: 50 })), takeRows(b!, sampleRows(400, { rows: 50 })))));
    const all = nnsim(['compare', ...files, '-m', 'cka', '--json']);
    expect((JSON.parse(all.stdout) as { subset: unknown }).subset).toBeNull();
    expectOneLineError(nnsim(['compare', ...files, '--seed', '3']), /--seed .* give --rows too/);
    expectOneLineError(nnsim(['compare', ...files, '--rows', '0']), /--rows expects an integer ≥ 1; got '0'/);
    expectOneLineError(nnsim(['compare', ...files, '--rows', '10', '--seed', 'x']), /--seed expects an integer ≥ 0/);
  });

  it('computes functional measures on output files', () => {
    const ids = ['disagreement', 'jsd', 'accuracy-difference'].filter((id) => measureIds().includes(id as never));
    if (ids.length === 0) return; // not registered
    const dir = join(ROOT, 'data', 'demo');
    const files = [join(dir, 'seed-0', 'logits.npy'), join(dir, 'shuffled-labels', 'logits.npy')];
    const r = nnsim(['compare', ...files, '-m', ids.join(','), '-o', 'input=logits', '--labels', join(dir, 'labels.npy'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const labels = Int32Array.from(openArray(join(dir, 'labels.npy')).decode());
    const [a, b] = files.map((f) => toRepresentation(openArray(f)));
    const got = (JSON.parse(r.stdout) as { values: Record<string, number> }).values;
    for (const id of ids) {
      const options = { input: 'logits', ...(getMeasure(id).requires.includes('labels') ? { labels } : {}) };
      expect(got[id], id).toBe(compare(id, a!, b!, options));
    }
  });

  it('keeps --json output valid JSON when LAPACK rejects an argument inside a measure (nothing printed to stdout)', () => {
    // At magnitude 1e154 the 8 × 3 cross product overflows; LAPACK's scaling routine then reports an
    // illegal argument (its stock error handler prints a line to stdout).
    const big = (f: (i: number) => number) => ({ dtype: 'F64' as const, shape: [8, 3], data: Float64Array.from({ length: 24 }, (_, i) => f(i) * 1e154) });
    const file = join(tmp(), 'big.safetensors');
    writeFileSync(file, encodeSafetensors({ a: big((i) => Math.sin(i + 1)), b: big((i) => Math.cos(3 * i + 1)) }));
    const r = nnsim(['compare', `${file}#a`, `${file}#b`, '-m', 'procrustes,cka,angular-shape', '--json']);
    expect(r.stdout).not.toMatch(/On entry to|Wrong parameter/);
    const out = JSON.parse(r.stdout) as { values: Record<string, number | null>; errors: Record<string, { code: string }> };
    expect(Object.keys(out.values)).toEqual(['procrustes', 'cka', 'angular-shape']);
    for (const [id, v] of Object.entries(out.values)) {
      if (v === null) expect(['E_NUMERICAL', 'E_DEGENERATE'], id).toContain(out.errors[id]!.code);
      else expect(Number.isFinite(v), id).toBe(true);
    }
  });

  it('reshapes 3-D arrays only when asked', () => {
    expectOneLineError(nnsim(['compare', fixture('cube.npy'), fixture('cube-fortran.npy')]), /--layout nct .* --layout ntc/);
    const r = nnsim(['compare', fixture('cube.npy'), fixture('cube-fortran.npy'), '--layout', 'ntc', '--reshape', 'positions', '-m', 'cka', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { values: { cka: number } }).values.cka).toBeCloseTo(1, 12);
  });

  it('refuses malformed files with one documented line', () => {
    const dir = tmp();
    const cases: [string, Uint8Array, RegExp][] = Object.entries(malformedNpy()).map(([what, { bytes, message }]) => [what, bytes, message]);
    for (const [what, bytes, message] of cases) {
      const path = join(dir, `${what.replace(/ /g, '-')}.npy`);
      writeFileSync(path, bytes);
      expectOneLineError(nnsim(['compare', path, fixture('x-f8-le.npy')]), message);
    }
    expectOneLineError(nnsim(['compare', fixture('object.npy'), fixture('b.npy')]), /pickle.*never loads.*astype/);
    expectOneLineError(nnsim(['compare', fixture('nan.npy'), fixture('x-f8-le.npy')]), /NaN at index \(2, 1\).*\[E_NONFINITE\]/);
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b-short.npy')]), /has 20 rows but .*b-short\.npy has 15.*same inputs/);
    const truncatedSt = join(dir, 'cut.safetensors');
    writeFileSync(truncatedSt, readFileSync(fixture('model.safetensors')).subarray(0, 300));
    expectOneLineError(nnsim(['compare', `${truncatedSt}#layer1`, fixture('a.npy')]), /truncated/);
    const truncatedZip = join(dir, 'cut.npz');
    writeFileSync(truncatedZip, readFileSync(fixture('layers-deflated.npz')).subarray(0, 400));
    expectOneLineError(nnsim(['compare', `${truncatedZip}#layer1`, fixture('a.npy')]), /\.npz/);
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'ckaa']), /did you mean 'cka'.*'nnsim list'/);
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'cka', '-o', 'kernal=linear']), /did you mean 'kernel'/);
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'cka', '--option', 'kernel=cubic']), /kernel/);
    expectOneLineError(nnsim(['compare', fixture('a.npy')]), /two arrays/);
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '--bogus']), /--bogus/);
    expectOneLineError(nnsim(['frobnicate']), /unknown command/);
    expectOneLineError(nnsim(['compare', fixture('cube.npy'), fixture('cube.npy'), '--reshape', 'squash']), /'flatten', 'positions', 'pool' or 'pool:HxW'/);
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'cka', '--option', 'procrustes.normalize=true']), /not selected; add --measure procrustes/);
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'procrustes', '--option', 'normalize=maybe']), /true or false/);
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '--labels', join(ROOT, 'data', 'demo', 'labels.npy')]), /400 labels but the arrays have 20 rows.*\[E_LABELS\]/);
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '--labels', fixture('a.npy')]), /labels must be one integer per input/);
  });
});

describe('nnsim pairwise', () => {
  it('writes results.json, results.csv, one SVG per measure and index.html', () => {
    const out = join(tmp(), 'report');
    const r = nnsim(['pairwise', fixture('model-a'), fixture('model-b'), '-m', 'cka', '-m', 'procrustes', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // no progress bar when stderr is not a terminal
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      a: { layers: { name: string }[] };
      values: Record<string, number[][]>;
      measures: { key: string; kind: string }[];
    };
    const names = ['layer1', 'layer2', 'layer10'];
    expect(results.a.layers.map((l) => l.name)).toEqual(names);
    expect(results.measures.map((m) => [m.key, m.kind])).toEqual([
      ['cka', 'similarity'],
      ['procrustes', 'distance'],
    ]);
    const layersA = openLayers(fixture('model-a')).map((e) => toRepresentation(e));
    const layersB = openLayers(fixture('model-b')).map((e) => toRepresentation(e));
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        expect(results.values.cka![i]![j]).toBe(compare('cka', layersA[i]!, layersB[j]!));
        expect(results.values.procrustes![i]![j]).toBe(compare('procrustes', layersA[i]!, layersB[j]!));
      }
    }
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('measure,layerA,layerB,value');
    expect(csv).toHaveLength(1 + 2 * 9);
    expect(csv[1]).toBe(`cka,layer1,layer1,${results.values.cka![0]![0]}`);
    for (const key of ['cka', 'procrustes']) {
      const svg = readFileSync(join(out, `${key}.svg`), 'utf8');
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      // The common prefix 'layer' is shown once (axis caption); each label keeps its full name on hover.
      for (const n of names) expect(svg).toContain(`<title>${n}</title>${n.slice('layer'.length)}</text>`);
      expect(svg).toContain(' · layer*</tspan>');
      expect(svg).toContain('more similar');
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src="http/); // self-contained
    expect(html.match(/<svg [^>]*class="heatmap"/g)).toHaveLength(2);
    expect(html).toContain('distance: lower = more similar');
    expect(html).toContain('similarity: higher = more similar');
  });

  it('writes results.csv that a spreadsheet cannot run: text cells starting with = + - @ tab CR are escaped, values are not', () => {
    // Tensor names are the layer names of the report: a file can carry formulas in them.
    const names = ['=HYPERLINK("http://x.invalid","y")', '+1+1', '-2+3', '@SUM(A1)', '\tlayer', '\rlayer', 'plain,comma', 'quote"d'];
    const tensors: Record<string, { dtype: 'F64'; shape: number[]; data: Float64Array }> = {};
    names.forEach((name, k) => {
      tensors[name] = { dtype: 'F64', shape: [6, 2], data: Float64Array.from({ length: 12 }, (_, i) => Math.sin(1 + 7.3 * i * (k + 1))) };
    });
    const dir = tmp();
    const file = join(dir, 'model.safetensors');
    writeFileSync(file, encodeSafetensors(tensors));
    const out = join(dir, 'report');
    const r = nnsim(['pairwise', file, file, '-m', 'rsa', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const rows = parseCsv(readFileSync(join(out, 'results.csv'), 'utf8'));
    expect(rows[0]).toEqual(['measure', 'layerA', 'layerB', 'value']);
    expect(rows).toHaveLength(1 + names.length ** 2);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { a: { layers: { name: string }[] }; values: Record<string, number[][]> };
    const order = results.a.layers.map((l) => l.name);
    expect([...order].sort()).toEqual([...names].sort());
    let negative = 0;
    for (const [k, row] of rows.slice(1).entries()) {
      const [measure, la, lb, value] = row as [string, string, string, string];
      expect(measure).toBe('rsa');
      for (const cell of [la, lb]) expect(cell, JSON.stringify(cell)).not.toMatch(/^[=+\-@\t\r]/);
      // The escape is one leading apostrophe, so the name is recovered exactly.
      const unescape = (cell: string): string => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);
      const i = Math.floor(k / names.length);
      const j = k % names.length;
      expect([unescape(la), unescape(lb)]).toEqual([order[i], order[j]]);
      expect(Number(value)).toBe(results.values.rsa![i]![j]);
      if (value.startsWith('-')) negative++;
    }
    expect(negative, 'negative values stay numbers').toBeGreaterThan(0);
  });

  it('reports each measure with its range under the options used', () => {
    expect(summarize({ key: 'jsd', id: 'jsd', options: { base: 2 } }).range).toEqual([0, 1]);
    expect(summarize({ key: 'jsd', id: 'jsd', options: {} }).range).toEqual([0, Math.LN2]);
    expect(summarize({ key: 'p', id: 'procrustes', options: { normalize: true } }).range).toEqual(effectiveProperties('procrustes', { normalize: true }).range);
  });

  it('sweeps the same random subset of every layer with --rows N --seed S', () => {
    const out = join(tmp(), 'report');
    const r = nnsim(['pairwise', fixture('model-a'), fixture('model-b'), '-m', 'cka', '--rows', '8', '--seed', '2', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('nnsim: rows: a random subset of 8 of the 12 inputs (--rows 8 --seed 2)');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { subset: unknown; values: Record<string, number[][]> };
    expect(results.subset).toEqual({ rows: 8, of: 12, seed: 2, stratified: false });
    const rows = sampleRows(12, { rows: 8, seed: 2 });
    const layersA = openLayers(fixture('model-a')).map((e) => takeRows(toRepresentation(e), rows));
    const layersB = openLayers(fixture('model-b')).map((e) => takeRows(toRepresentation(e), rows));
    expect(results.values.cka![2]![1]).toBe(compare('cka', layersA[2]!, layersB[1]!));
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('random subset of 8 of the 12 inputs');
  });

  it('draws distances so that dark still means similar', () => {
    const out = join(tmp(), 'report');
    expect(nnsim(['pairwise', fixture('model-a'), fixture('model-a'), '-m', 'procrustes,cka', '--out', out]).status).toBe(0);
    // On the diagonal a model's layer equals itself: procrustes 0 and cka 1 must both be the darkest colour of their ramp.
    const procrustes = readFileSync(join(out, 'procrustes.svg'), 'utf8');
    const cka = readFileSync(join(out, 'cka.svg'), 'utf8');
    const firstCell = (svg: string): string => /<rect x="\d+(?:\.\d+)?" y="\d+(?:\.\d+)?" width="\d+" height="\d+" fill="(rgb\([^)]*\))"/.exec(svg)![1]!;
    expect(firstCell(procrustes)).toBe('rgb(0,34,78)'); // the dark end of cividis
    expect(firstCell(cka)).toBe('rgb(68,1,84)'); // the dark end of viridis
  });

  it('compares a model with itself once per unordered pair for symmetric measures', () => {
    const asymmetric = listMeasures().find((m) => m.domain === 'representational' && !m.symmetric && m.requires.length === 0 && m.minRows <= 12);
    const ids = ['cka', 'procrustes', ...(asymmetric ? [asymmetric.id] : [])];
    const out = join(tmp(), 'report');
    const r = nnsim(['pairwise', fixture('model-a'), `${fixture('model-a')}/`, '-m', ids.join(','), '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const values = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { values: Record<string, number[][]> }).values;
    const layers = openLayers(fixture('model-a')).map((e) => toRepresentation(e));
    for (const id of ids) {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          // Mirrored cells equal the library's value of the other order (exact for symmetric measures).
          const want = getMeasure(id).symmetric && j < i ? compare(id, layers[j]!, layers[i]!) : compare(id, layers[i]!, layers[j]!);
          expect(values[id]![i]![j], `${id} ${i} ${j}`).toBe(want);
        }
      }
    }
  });

  it('sweeps the arrays of .npz and .safetensors files in natural order, checking N first', () => {
    const out = join(tmp(), 'report');
    const r = nnsim(['pairwise', fixture('layers-stored.npz'), fixture('layers-deflated.npz'), '-m', 'cka', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { values: { cka: number[][] }; b: { layers: { name: string }[] } };
    expect(results.b.layers.map((l) => l.name)).toEqual(['layer1', 'layer2', 'layer10']);
    for (let i = 0; i < 3; i++) expect(results.values.cka[i]![i]).toBeCloseTo(1, 12);
    expectOneLineError(nnsim(['pairwise', fixture('model-a'), fixture('a.npy'), '--out', out]), /has 12 rows but .*a\.npy has 20/);
    expectOneLineError(nnsim(['pairwise', fixture('model-a'), fixture('model-b')]), /--out DIR/);
  });
});

describe('nnsim list', () => {
  it('lists every registered measure with its metadata', () => {
    const r = nnsim(['list', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const document = JSON.parse(r.stdout) as {
      schema: string;
      measures: { id: string; family: string; kind: string; range: unknown[]; invariances: string[]; options: object; reference: { citation: string } }[];
    };
    expect(document.schema).toBe('nnsim/list@1');
    const listed = document.measures;
    expect(listed.map((m) => m.id)).toEqual(measureIds());
    for (const m of listed) {
      expect(m.family).toBeTruthy();
      expect(['similarity', 'distance']).toContain(m.kind);
      expect(m.range).toHaveLength(2);
      expect(Array.isArray(m.invariances)).toBe(true);
      expect(m.options).toBeTypeOf('object');
      expect(m.reference.citation).toBeTruthy();
    }
    const text = nnsim(['list']).stdout;
    for (const m of listMeasures()) expect(text).toContain(`${m.id}  ${m.name}`);
  });
});

describe('command line conventions', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  it('prints each command\'s own usage for --help, and the version for --version', () => {
    const global = nnsim(['--help']).stdout;
    for (const command of ['compare', 'pairwise', 'list', 'demo']) {
      const r = nnsim([command, '--help']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: nnsim ${command}`));
      expect(r.stdout).not.toBe(global);
    }
    expect(nnsim(['compare', '--help']).stdout).toContain('--json');
    expect(nnsim(['pairwise', '-h']).stdout).toContain('--out DIR');
    expect(global).toContain('nnsim COMMAND --help');
    for (const flag of ['--version', '-v']) expect(nnsim([flag]).stdout.trim()).toBe(version);
  });

  it('skips (and lists) the measures of -m all that the data does not allow, but fails for a named one', () => {
    // 20 inputs × 5 features: riemannian needs N ≤ D; two measures need labels.
    const r = nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'all', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { schema: string; nnsimVersion: string; values: Record<string, number>; skipped: { measure: string; code: string }[] };
    expect(out.schema).toBe('nnsim/compare@1');
    expect(out.nnsimVersion).toBe(version);
    const skipped = Object.fromEntries(out.skipped.map((s) => [s.measure, s.code]));
    expect(skipped).toMatchObject({ riemannian: 'E_DEGENERATE', 'tolerance-difference': 'E_LABELS' });
    for (const id of Object.keys(skipped)) {
      expect(out.values).not.toHaveProperty(id);
      expect(r.stderr).toContain(`nnsim: skipped ${id} (`);
    }
    expect(out.values.cka).toBe(compare('cka', toRepresentation(openArray(fixture('a.npy'))), toRepresentation(openArray(fixture('b.npy')))));
    const text = nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'all']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stderr).toContain('nnsim: skipped riemannian (E_DEGENERATE)');
    expectOneLineError(nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'riemannian']), /needs N ≤ D.*\[E_DEGENERATE\]/);
    // The same in a layer sweep: a measure undefined for every pair is left out of the report.
    const dir = join(tmp(), 'report');
    const sweep = nnsim(['pairwise', fixture('model-a'), fixture('model-b'), '-m', 'all', '--out', dir]);
    expect(sweep.status, sweep.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      schema: string;
      values: Record<string, unknown>;
      skipped: { measure: string }[];
    };
    expect(results.schema).toBe('nnsim/pairwise@1');
    expect(results.skipped.map((s) => s.measure)).toContain('riemannian');
    expect(results.values).not.toHaveProperty('riemannian');
    expect(existsSync(join(dir, 'riemannian.svg'))).toBe(false);
  });

  it('writes infinite ends of ranges as null, flagged', () => {
    const r = nnsim(['compare', fixture('a.npy'), fixture('b.npy'), '-m', 'procrustes,cka', '--json']);
    const measures = (JSON.parse(r.stdout) as { measures: { id: string; range: (number | null)[]; rangeInfinite: boolean[] }[] }).measures;
    expect(measures.find((m) => m.id === 'procrustes')).toMatchObject({ range: [0, null], rangeInfinite: [false, true] });
    expect(measures.find((m) => m.id === 'cka')).toMatchObject({ range: [0, 1], rangeInfinite: [false, false] });
    expect(r.stdout).not.toContain('Infinity');
  });

  it('leaves the terminal\'s cursor visible when Ctrl-C stops a pairwise sweep', async () => {
    if (spawnSync('script', ['--version']).status !== 0) return; // util-linux `script` gives the sweep a terminal
    // Slow enough to be interrupted: 6 × 6 layer pairs of RTD on 400 inputs.
    const dir = tmp();
    const random = rng(5);
    const layers = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`layer${i}`, { dtype: 'F64' as const, shape: [400, 16], data: Float64Array.from({ length: 400 * 16 }, () => random() - 0.5) }]),
    );
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(layers));
    const command = `'${process.execPath}' '${CLI}' pairwise model.safetensors model.safetensors -m rtd --out report`;
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait for the progress bar, then type Ctrl-C into the terminal (the line discipline sends SIGINT).
    const started = Date.now();
    while (!output.includes('nnsim pairwise [') && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
    expect(output).toContain('nnsim pairwise [');
    const interrupted = Date.now();
    child.stdin.write('\x03');
    const code = await exited;
    expect(Date.now() - interrupted).toBeLessThan(5_000);
    expect(code).not.toBe(0);
    expect(existsSync(join(dir, 'report', 'index.html'))).toBe(false); // stopped before the end
    // Every "hide cursor" (ESC [?25l) the run wrote is followed by a "show cursor" (ESC [?25h).
    expect(output.lastIndexOf('\x1b[?25l')).toBeLessThanOrEqual(output.lastIndexOf('\x1b[?25h'));
  }, 90_000);
});

describe('nnsim demo', () => {
  it('writes index.html and the heatmaps from the shipped digits models', () => {
    const cwd = tmp();
    const r = nnsim(['demo', '--out', 'demo-out'], cwd);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(join(cwd, 'demo-out', 'index.html'));
    const html = readFileSync(join(cwd, 'demo-out', 'index.html'), 'utf8');
    expect(html).toContain('UCI');
    expect(html).toContain('CC BY 4.0');
    for (const folder of ['seed-0-vs-seed-1', 'seed-0-vs-shuffled-labels']) {
      const files = readdirSync(join(cwd, 'demo-out', folder));
      expect(files).toContain('results.json');
      expect(files).toContain('cka.svg');
    }
    // The seed twins are more alike than the shuffled-label network, layer for layer (CKA on the diagonal).
    const read = (folder: string): number[][] =>
      (JSON.parse(readFileSync(join(cwd, 'demo-out', folder, 'results.json'), 'utf8')) as { values: { cka: number[][] } }).values.cka;
    const twins = read('seed-0-vs-seed-1');
    const shuffled = read('seed-0-vs-shuffled-labels');
    for (let i = 1; i < 4; i++) expect(twins[i]![i]!).toBeGreaterThan(shuffled[i]![i]!);
    // Functional measures on the logits appear exactly when the registry has some.
    const functional = listMeasures({ domain: 'functional' }).filter((m) => m.arity === 'pair');
    expect(html.includes('Functional measures on the logits')).toBe(functional.length > 0);
    if (functional.length > 0) {
      // Each is either computed (functional.json, the table) or listed as needing inputs the demo lacks.
      for (const m of functional) expect(html).toMatch(new RegExp(`<code( title="[^"]*")?>${m.id}</code>`));
      const document = JSON.parse(readFileSync(join(cwd, 'demo-out', 'functional.json'), 'utf8')) as { schema: string; results: { measure: string; value: number }[] };
      expect(document.schema).toBe('nnsim/functional@1');
      const rows = document.results;
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(Number.isFinite(r.value)).toBe(true);
      // The seed twins agree more than the shuffled-label network does with either (disagreement, if present).
      const disagreement = rows.filter((r) => r.measure === 'disagreement').map((r) => r.value);
      if (disagreement.length === 2) expect(disagreement[0]!).toBeLessThan(disagreement[1]!);
    }
  });
});

describe('nnsim compare, streamed', () => {
  /** A float32 or float64 .npy file (C order) of `m` written into `dir`. */
  function writeNpy(dir: string, name: string, data: Float32Array | Float64Array, rows: number, cols: number): string {
    return writeNpyOf(dir, name, data, [rows, cols]);
  }

  /** The same for any shape. */
  function writeNpyOf(dir: string, name: string, data: Float32Array | Float64Array, shape: readonly number[]): string {
    let header = `{'descr': '<f${data.BYTES_PER_ELEMENT}', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
    header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
    const preamble = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, header.length & 0xff, header.length >> 8])]);
    const path = join(dir, name);
    writeFileSync(path, Buffer.concat([preamble, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
    return path;
  }

  function inputs(rows: number, seed: number): { a: Float32Array; b: Float32Array } {
    const random = rng(seed);
    const a = Float32Array.from({ length: rows * 6 }, () => 2 + random());
    const b = Float32Array.from({ length: rows * 4 }, (_, k) => a[Math.floor(k / 4) * 6 + (k % 4)]! * 0.5 + random());
    return { a, b };
  }

  const MEASURES = 'cka,procrustes,cca-mean,magnitude-difference';

  it('reads row blocks and gives the in-memory values (.npy and .safetensors, float32 and float64)', () => {
    const dir = tmp();
    const { a, b } = inputs(3000, 1);
    const npyA = writeNpy(dir, 'a.npy', a, 3000, 6);
    const npyB = writeNpy(dir, 'b64.npy', Float64Array.from(b), 3000, 4);
    const safetensors = join(dir, 'b.safetensors');
    writeFileSync(safetensors, encodeSafetensors({ layer: { dtype: 'F32', shape: [3000, 4], data: b } }));
    const loaded = JSON.parse(nnsim(['compare', npyA, npyB, '-m', MEASURES, '--json']).stdout);
    expect(loaded.streamed).toBeNull();
    for (const other of [npyB, safetensors]) {
      const r = nnsim(['compare', npyA, other, '-m', MEASURES, '--stream', '--json']);
      expect(r.status, r.stderr).toBe(0);
      const streamed = JSON.parse(r.stdout);
      expect(streamed.streamed.blocks).toBe(1);
      for (const key of MEASURES.split(',')) {
        expect(Math.abs(streamed.values[key] - loaded.values[key]), key).toBeLessThanOrEqual(1e-12 * Math.abs(loaded.values[key]));
      }
    }
    // The unbiased estimator streams too (the accumulators keep the kernels' diagonal sums).
    const unbiased = ['compare', npyA, npyB, '-m', 'cka', '--option', 'estimator=unbiased', '--json'];
    const [inMemory, streamedUnbiased] = [nnsim(unbiased), nnsim([...unbiased, '--stream'])].map((r) => JSON.parse(r.stdout).values.cka);
    expect(Math.abs(streamedUnbiased - inMemory)).toBeLessThanOrEqual(1e-12 * Math.abs(inMemory));
    expect(Math.abs(inMemory - loaded.values.cka)).toBeGreaterThan(1e-6);
    const text = nnsim(['compare', npyA, npyB, '-m', 'cka', '--stream', '--precision', 'single']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/streamed in 1 blocks of 3000 rows/);
    expect(Math.abs(Number(/cka\s+similarity\s+(\S+)/.exec(text.stdout)![1]) - loaded.values.cka)).toBeLessThan(1e-5);
  });

  it('reads a range of rows (an input shard) whose state merges into the full result', () => {
    const dir = tmp();
    const { a, b } = inputs(3000, 3);
    const fa = writeNpy(dir, 'a.npy', a, 3000, 6);
    const fb = writeNpy(dir, 'b.npy', b, 3000, 4);
    const specs = () => MEASURES.split(',');
    const whole = streamCompare(fa, fb, specs, { force: true })!;
    const first = streamCompare(fa, fb, specs, { force: true, range: [0, 1200] })!;
    const second = streamCompare(fa, fb, specs, { force: true, range: [1200, 3000] })!;
    expect(first.range).toEqual([0, 1200]);
    const merged = accumulatorFromBuffer(second.accumulator.toBuffer()).merge(first.accumulator.toBuffer()).result();
    for (const key of MEASURES.split(',')) {
      const want = whole.outcomes[key] as number;
      expect(Math.abs(merged[key]! - want), key).toBeLessThanOrEqual(1e-12 * Math.abs(want));
    }
    expect(errorOf(() => streamCompare(fa, fb, specs, { force: true, range: [2000, 3001] })).code).toBe('E_SHAPE');
  });

  it('reshapes 3-D/4-D arrays block by block as --layout/--reshape say, equal to the loaded arrays', () => {
    const dir = tmp();
    const random = rng(7);
    // The same 600 conv activations (C = 3, 4 × 4) in both layouts, and a related second input.
    const nchw = Float32Array.from({ length: 600 * 3 * 16 }, () => random());
    const nhwc = new Float32Array(nchw.length);
    for (let n = 0; n < 600; n++) {
      for (let c = 0; c < 3; c++) for (let p = 0; p < 16; p++) nhwc[n * 48 + p * 3 + c] = nchw[n * 48 + c * 16 + p]!;
    }
    const other = Float32Array.from(nhwc, (v) => 0.5 * v + random());
    const fa = writeNpyOf(dir, 'a.npy', nchw, [600, 3, 4, 4]);
    const fb = writeNpyOf(dir, 'b.npy', other, [600, 4, 4, 3]);
    const views = (reshape: 'pool:2x2' | 'positions' | 'flatten') => ({
      a: { reshape, layouts: { 4: 'nchw' as const } },
      b: { reshape, layouts: { 4: 'nhwc' as const } },
    });
    const measures = () => ['cka', 'procrustes', 'cca-mean'];
    for (const reshape of ['pool:2x2', 'positions', 'flatten'] as const) {
      const loadedA = toRepresentation(openArray(fa), views(reshape).a);
      const loadedB = toRepresentation(openArray(fb), views(reshape).b);
      const want = compareMany(measures(), loadedA, loadedB);
      // Blocks of 70 samples: every block boundary falls inside the positions' rows of other samples.
      const streamed = streamCompare(fa, fb, measures, { force: true, views: views(reshape), blockRows: 70 })!;
      expect(streamed.blocks, reshape).toBe(9);
      expect(streamed.a.rows, reshape).toBe(loadedA.rows);
      for (const key of measures()) {
        expect(Math.abs((streamed.outcomes[key] as number) - want[key]!), `${reshape} ${key}`).toBeLessThanOrEqual(1e-12 * Math.abs(want[key]!));
      }
    }
    const r = nnsim(['compare', fa, fb, '-m', 'cka', '--layout', 'a=nchw,b=nhwc', '--reshape', 'pool', '--stream', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema).toMatch(/^nnsim\/compare@/);
    expect(doc.streamed).toEqual({ blocks: 1, blockRows: 600 });
    expect(doc.a).toMatchObject({ shape: [600, 3, 4, 4], rows: 600, cols: 3 });
    const pooled = compare('cka', toRepresentation(openArray(fa), { reshape: 'pool', layouts: { 4: 'nchw' } }), toRepresentation(openArray(fb), { reshape: 'pool', layouts: { 4: 'nhwc' } }));
    expect(Math.abs(doc.values.cka - pooled)).toBeLessThanOrEqual(1e-12);
    // A NaN in a streamed 4-D array is reported by its sample.
    const poisoned = Float32Array.from(nchw);
    poisoned[250 * 48 + 20] = NaN;
    expectOneLineError(
      nnsim(['compare', writeNpyOf(dir, 'nan.npy', poisoned, [600, 3, 4, 4]), fb, '-m', 'cka', '--layout', 'a=nchw,b=nhwc', '--reshape', 'positions', '--stream']),
      /nan\.npy: NaN at sample 250 .*\[E_NONFINITE\]/,
    );
  });

  it('streams only what it can: --rows and --labels load the arrays; --stream with them is a usage error', () => {
    const dir = tmp();
    const { a, b } = inputs(300, 4);
    const fa = writeNpy(dir, 'a.npy', a, 300, 6);
    const fb = writeNpy(dir, 'b.npy', b, 300, 4);
    const subset = JSON.parse(nnsim(['compare', fa, fb, '-m', 'cka', '--rows', '100', '--seed', '3', '--json']).stdout);
    expect(subset.streamed).toBeNull();
    expect(subset.subset).toMatchObject({ rows: 100, of: 300, seed: 3 });
    for (const extra of [['--rows', '100'], ['--labels', join(ROOT, 'data', 'demo', 'labels.npy')]]) {
      const r = nnsim(['compare', fa, fb, '-m', 'cka', '--stream', ...extra]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--stream reads every row/);
    }
    const help = nnsim(['compare', '--help']).stdout;
    expect(help).toMatch(/--stream/);
    expect(help).toMatch(/--precision P/);
  });

  it('keeps float32 files float32 when they are loaded instead', () => {
    const f32 = openArray(fixture('x-f4-le.npy'));
    const source = toSourceRepresentation(f32);
    expect(source.data).toBeInstanceOf(Float32Array);
    expect(Array.from(source.data)).toEqual(Array.from(f32.decode()));
    for (const other of ['x-f4-be.npy', 'x-f8-le.npy', 'x-f4-be-fortran.npy']) {
      const entry = openArray(fixture(other));
      expect(toSourceRepresentation(entry).data, other).toBeInstanceOf(Float64Array);
      expect(Array.from(toSourceRepresentation(entry).data)).toEqual(Array.from(entry.decode()));
    }
    const st = readSafetensors(readFileSync(fixture('model.safetensors')), 'model.safetensors');
    for (const entry of st) expect(Array.from(toSourceRepresentation(entry).data)).toEqual(Array.from(entry.decode()));
    const poisoned = Float32Array.from({ length: 12 }, (_, k) => (k === 7 ? NaN : k));
    const nan = errorOf(() => toSourceRepresentation(openArray(writeNpy(tmp(), 'nan32.npy', poisoned, 4, 3))));
    expect(nan.code).toBe('E_NONFINITE');
    expect(nan.message).toMatch(/NaN at index \(2, 1\)/);
  });

  it('refuses what it cannot stream, and bad files, with one-line errors', () => {
    const dir = tmp();
    const { a, b } = inputs(500, 2);
    const npyA = writeNpy(dir, 'a.npy', a, 500, 6);
    const npyB = writeNpy(dir, 'b.npy', b, 500, 4);
    expectOneLineError(nnsim(['compare', npyA, npyB, '-m', 'cka,knn-jaccard', '--stream']), /'knn-jaccard' cannot be accumulated.*--rows.*\[E_NOT_STREAMABLE\]/);
    expectOneLineError(nnsim(['compare', npyA, fixture('x-f2-le.npy'), '--stream']), /cannot be read in blocks of rows.*\[E_FILE\]/);
    expectOneLineError(nnsim(['compare', npyA, writeNpy(dir, 'short.npy', b.subarray(0, 499 * 4), 499, 4), '--stream']), /500 rows.*499.*\[E_SHAPE\]/);
    const poisoned = Float32Array.from(a);
    poisoned[321 * 6 + 5] = NaN;
    expectOneLineError(nnsim(['compare', writeNpy(dir, 'nan.npy', poisoned, 500, 6), npyB, '-m', 'cka', '--stream']), /nan\.npy: NaN at row 321, column 5.*\[E_NONFINITE\]/);
    const truncated = join(dir, 'truncated.npy');
    writeFileSync(truncated, readFileSync(npyA).subarray(0, 2000));
    expectOneLineError(nnsim(['compare', truncated, npyB, '--stream']), /truncated.*\[E_FILE\]/);
    expect(nnsim(['compare', npyA, npyB, '--precision', 'half']).status).toBe(2);
  });
});
