// nnsim matrix --permutations/--bootstrap/--seed end to end: per-cell p, q and intervals equal the
// library's (compareMatrix with the same names and seed), the CSV columns, the report's tooltips and
// hatched null cells; two shards merged equal one run byte for byte (q computed after the merge); bad
// flags are usage or typed errors.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { cellSeed, compareMatrix, permutationTest } from '../src/index.js';
import { encodeSafetensors } from '../src/io/safetensors.js';
import type { Matrix } from '../src/matrix.js';
import { ensureBuilt, expectOneLineError, nnsim, tmp } from './helpers/cli.js';
import { randomMatrix, relatedMatrix } from './helpers/random.js';

const N = 40;
const base = randomMatrix(N, 6, 21);
// a, b, d share a signal; c is independent of them.
const models: Record<string, Matrix> = { a: base, b: relatedMatrix(base, 8, 22), c: randomMatrix(N, 5, 23), d: relatedMatrix(base, 7, 24) };

interface Inference {
  permutations: number;
  bootstrap: number;
  seed: number;
  fdr: number;
  tests: Record<string, number>;
  values: Record<string, Record<string, (number | null)[][]>>;
  errors: unknown[];
  skipped: { measure: string; part: string; code: string }[];
}

let files: string[] = [];
const job = (): string[] => [...files, '-m', 'cka,pwcca', '--permutations', '99', '--bootstrap', '20', '--seed', '3', '--no-png'];

beforeAll(() => {
  ensureBuilt();
  const dir = tmp();
  files = Object.entries(models).map(([name, m]) => {
    const path = join(dir, `${name}.safetensors`);
    writeFileSync(path, encodeSafetensors({ act: { dtype: 'F64', shape: [m.rows, m.cols], data: m.data } } as Parameters<typeof encodeSafetensors>[0]));
    return path;
  });
});

describe('nnsim matrix with inference', () => {
  it('writes the library’s p, q and intervals per cell, the CSV columns, tooltips and hatched null cells', () => {
    const out = tmp();
    const r = nnsim(['matrix', ...job(), '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { inference: Inference };
    const { inference } = results;
    expect(inference).toMatchObject({ permutations: 99, bootstrap: 20, seed: 3, fdr: 0.05, tests: { cka: 6, pwcca: 12 }, errors: [], skipped: [] });
    const library = compareMatrix(['cka', 'pwcca'], models, { permutations: 99, bootstrap: 20, seed: 3 });
    for (const key of ['cka', 'pwcca']) {
      for (const name of ['pValue', 'qValue', 'lower', 'upper', 'standardError']) {
        const grid = inference.values[key]![name]!;
        grid.forEach((row, i) => row.forEach((v, j) => expect(v ?? NaN, `${key} ${name} ${i} ${j}`).toBe(library.extras![key]![name]![i * 4 + j])));
      }
    }
    const q = inference.values.cka!.qValue!;
    expect(q[0]![1]).toBeLessThan(0.05);
    expect(q[0]![2]).toBeGreaterThan(0.05);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('measure,row,col,value,pValue,qValue,lower,upper,standardError');
    expect(csv[1]).toBe('cka,a,a,1,,,,,');
    expect(csv[2]).toBe(['cka', 'a', 'b', library.values.cka![1], ...['pValue', 'qValue', 'lower', 'upper', 'standardError'].map((n) => library.extras!.cka![n]![1])].join(','));
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const cell = (row: string, col: string): string => new RegExp(`<title>model ${row} × model ${col}: [^<]*</title><rect[^>]*/>(<path[^>]*>)?`).exec(html)![0];
    expect(cell('a', 'b')).toMatch(/: 0\.\d+; \[0\.\d+, 0\.\d+\], p = 0\.01, q = 0\.0\d+<\/title>/);
    // The independent model's cells are hatched, the dependent pair's are not.
    expect(cell('a', 'c')).toMatch(/stroke-opacity="0\.7"/);
    expect(cell('c', 'a')).toMatch(/stroke-opacity="0\.7"/);
    expect(cell('a', 'b')).not.toMatch(/<path/);
    expect(html).toContain('hatched: not different from a random pairing of the inputs (Benjamini–Hochberg q &gt; 0.05 over the 6 cells tested)');
    expect(html).toContain('over the 12 cells tested');
    expect(html).toContain('<b>Hatched cells are not different from a random pairing</b>');
  });

  it('merges two shards into the files of one run, q-values computed after the merge', () => {
    const single = tmp();
    expect(nnsim(['matrix', ...job(), '--fdr', '0.2', '--out', single]).status).toBe(0);
    const parts = tmp();
    for (let i = 0; i < 2; i++) expect(nnsim(['matrix', ...job(), '--fdr', '0.2', '--shard', `${i}/2`, '--out', parts]).status).toBe(0);
    const part = JSON.parse(readFileSync(join(parts, 'part-0-of-2.json'), 'utf8')) as { cells: Record<string, unknown>[] };
    expect(part.cells.some((c) => typeof c.pValue === 'number' && typeof c.lower === 'number')).toBe(true);
    expect(part.cells.some((c) => 'qValue' in c)).toBe(false);
    const merged = tmp();
    const r = nnsim(['merge', parts, '--out', merged]);
    expect(r.status, r.stderr).toBe(0);
    for (const file of ['results.json', 'results.csv']) expect(readFileSync(join(merged, file), 'utf8'), file).toBe(readFileSync(join(single, file), 'utf8'));
    expect(readFileSync(join(merged, 'results.json'), 'utf8')).toMatch(/"fdr": 0\.2/);
  });

  it('lists measures without a permutation test and refuses bad flags', () => {
    const out = tmp();
    const r = nnsim(['matrix', ...files.slice(0, 2), '-m', 'magnitude-difference', '--permutations', '9', '--bootstrap', '9', '--no-png', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^nnsim: note: magnitude-difference: no permutation test \(E_OPTION: .*re-pairing the inputs does not change it/);
    const skipped = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { inference: Inference }).inference.skipped;
    expect(skipped.map((s) => [s.measure, s.part, s.code])).toEqual([['magnitude-difference', 'permutation', 'E_OPTION']]);
    const two = [...files.slice(0, 2), '-m', 'cka', '--out', tmp()];
    const usage = (args: string[], pattern: RegExp): void => {
      const bad = nnsim(['matrix', ...two, ...args]);
      expect(bad.status, bad.stderr).toBe(2);
      expectOneLineError(bad, pattern);
    };
    usage(['--permutations', 'many'], /--permutations expects a whole number; got 'many'/);
    usage(['--permutations', '10', '--seed', '1.5'], /--seed expects a whole number; got '1\.5'/);
    usage(['--seed', '1'], /--seed needs --permutations or --bootstrap/);
    usage(['--bootstrap', '10', '--fdr', '0.1'], /--fdr .*add --permutations N/);
    usage(['--permutations', '10', '--fdr', '1'], /--fdr expects a level in \(0, 1\)/);
    expectOneLineError(nnsim(['matrix', ...two, '--permutations', '0']), /'permutations' of nnsim matrix .*received number 0 \[E_OPTION\]/);
    expectOneLineError(nnsim(['matrix', ...two, '--bootstrap', '2000000']), /'resamples' of bootstrap of nnsim matrix .*\[E_OPTION\]/);
    expectOneLineError(nnsim(['matrix', ...two, '--permutations', '10', '--seed', String(2 ** 53)]), /'seed' of nnsim matrix .*\[E_OPTION\]/);
  });
});

describe('nnsim pairwise with inference', () => {
  it('tests every layer pair with the library’s numbers, hatches the independent ones', () => {
    const dir = tmp();
    const other = randomMatrix(N, 4, 31);
    const write = (name: string, layers: Record<string, Matrix>): string => {
      const tensors: Record<string, unknown> = {};
      for (const [layer, m] of Object.entries(layers)) tensors[layer] = { dtype: 'F64', shape: [m.rows, m.cols], data: m.data };
      const path = join(dir, `${name}.safetensors`);
      writeFileSync(path, encodeSafetensors(tensors as Parameters<typeof encodeSafetensors>[0]));
      return path;
    };
    const layersA = { l1: base, l2: other };
    const layersB = { l1: models.b!, l2: randomMatrix(N, 5, 32) };
    const out = tmp();
    const r = nnsim(['pairwise', write('A', layersA), write('B', layersB), '-m', 'cka', '--permutations', '99', '--bootstrap', '20', '--seed', '5', '--no-png', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { inference: Inference };
    const { values, tests } = results.inference;
    expect(tests).toEqual({ cka: 4 });
    const names = ['l1', 'l2'] as const;
    names.forEach((la, i) =>
      names.forEach((lb, j) => {
        const p = permutationTest('cka', layersA[la], layersB[lb], { permutations: 99, seed: cellSeed(5, la, lb) });
        expect(values.cka!.pValue![i]![j]).toBe(p.pValue);
      }),
    );
    expect(values.cka!.qValue![0]![0]).toBeLessThan(0.05);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('measure,layerA,layerB,value,pValue,qValue,lower,upper,standardError');
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const cell = (la: string, lb: string): string => new RegExp(`<title>A ${la} × B ${lb}: [^<]*</title><rect[^>]*/>(<path[^>]*>)?`).exec(html)![0];
    expect(cell('l1', 'l1')).toMatch(/; \[0\.\d+, 0\.\d+\], p = 0\.01, q = 0\.0\d+<\/title>/);
    expect(cell('l1', 'l1')).not.toMatch(/<path/);
    expect(cell('l2', 'l1')).toMatch(/stroke-opacity="0\.7"/);
    expect(cell('l1', 'l2')).toMatch(/stroke-opacity="0\.7"/);
    expect(html).toContain('over the 4 cells tested');
    expectOneLineError(nnsim(['pairwise', join(dir, 'A.safetensors'), join(dir, 'B.safetensors'), '--fdr', '0.1', '--out', tmp()]), /--fdr .*add --permutations N/);
  });
});
