// nnsim matrix and nnsim merge, end to end on the real binary: rows from layers (--layer, --all-layers,
// --include/--exclude, labels and scalars skipped), the values against the library, the reductions by
// their definitions, ids and N checks, failed cells, the report's figures; shards merged into the
// byte-identical files of one run, and every way a set of parts can be wrong.
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { compare, compareMatrix } from '../src/index.js';
import { openModel, toRepresentation } from '../src/io/load.js';
import { encodeSafetensors } from '../src/io/safetensors.js';
import { planShards } from '../src/shards.js';
import { ensureBuilt, expectOneLineError, nnsim, tmp } from './helpers/cli.js';
import { randomMatrix, relatedMatrix } from './helpers/random.js';
import type { Matrix } from '../src/matrix.js';

const ROOT = join(import.meta.dirname, '..');
const DEMO = ['seed-0', 'seed-1', 'shuffled-labels'].map((m) => join('data', 'demo', m));
const TENSOR = join(ROOT, 'test', 'fixtures', 'tensor');

interface Results {
  kind: string;
  inputs: number;
  rows: { name: string; model: string; layer: string; cols: number }[];
  measures: { key: string; kind: string; metric: boolean }[];
  values: Record<string, (number | null)[][]>;
  errors: { measure: string; row: string; col: string; code: string; message: string }[];
  reduced?: { method: string; models: string[]; values: Record<string, (number | null)[][]>; errors: unknown[] };
}

const readResults = (dir: string): Results => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;

/** A .safetensors model: float64 layers, and optionally ids, a label vector and a scalar beside them. */
function writeModel(path: string, layers: Record<string, Matrix>, extra: { ids?: number[]; labels?: number; scalar?: boolean } = {}): string {
  const tensors: Parameters<typeof encodeSafetensors>[0] = {};
  const t: Record<string, unknown> = tensors;
  for (const [name, m] of Object.entries(layers)) t[name] = { dtype: 'F64', shape: [m.rows, m.cols], data: m.data };
  if (extra.ids) t.ids = { dtype: 'I64', shape: [extra.ids.length], data: BigInt64Array.from(extra.ids, (v) => BigInt(v)) };
  if (extra.labels) t.labels = { dtype: 'I32', shape: [extra.labels], data: Int32Array.from({ length: extra.labels }, (_, i) => i % 3) };
  if (extra.scalar) t.step = { dtype: 'I64', shape: [], data: BigInt64Array.from([1200n]) };
  writeFileSync(path, encodeSafetensors(tensors));
  return path;
}

beforeAll(() => ensureBuilt());

describe('nnsim matrix', () => {
  it('puts every layer of every demo model in one matrix, with the library values', () => {
    const out = tmp();
    const r = nnsim(['matrix', ...DEMO, '--all-layers', '-m', 'cka,procrustes,pwcca', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*index\.html \(3 measures × 12 × 12 layers\)/);
    const results = readResults(out);
    expect(results.inputs).toBe(400);
    expect(results.rows.map((x) => x.name).slice(0, 5)).toEqual(['seed-0/hidden1', 'seed-0/hidden2', 'seed-0/hidden3', 'seed-0/logits', 'seed-1/hidden1']);
    // The library on the same decoded layers gives the same numbers bit for bit.
    const layers = DEMO.flatMap((m) => openModel(join(ROOT, m)).layers.map((e) => toRepresentation(e)));
    const library = compareMatrix(['cka', 'procrustes', 'pwcca'], layers);
    for (const key of ['cka', 'procrustes', 'pwcca']) {
      expect(results.values[key]!.flat()).toEqual([...library.values[key]!]);
    }
    expect(results.values.cka![1]![6]).toBeCloseTo(compare('cka', layers[1]!, layers[6]!), 12);
    // pwcca is asymmetric: rows are its first argument.
    expect(results.values.pwcca![0]![5]).toBeCloseTo(compare('pwcca', layers[0]!, layers[5]!), 12);
    expect(results.values.pwcca![5]![0]).toBeCloseTo(compare('pwcca', layers[5]!, layers[0]!), 12);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('measure,row,col,value');
    expect(csv).toHaveLength(1 + 3 * 144);
    // Heatmaps for every measure, an MDS map for the metric one only.
    const files = readdirSync(out);
    for (const f of ['cka.svg', 'procrustes.svg', 'pwcca.svg', 'procrustes-mds.svg', 'index.html']) expect(files).toContain(f);
    expect(files).not.toContain('cka-mds.svg');
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('classical MDS');
    expect(html).not.toMatch(/<script/);
  });

  it('picks one layer per model by name or /regex/, and refuses none or several', () => {
    const out = tmp();
    const r = nnsim(['matrix', ...DEMO, '--layer', '/hidden2/', '-m', 'cka', '--out', out, '--name', 'a', '--name', 'b', '--name', 'c']);
    expect(r.status, r.stderr).toBe(0);
    const results = readResults(out);
    expect(results.rows.map((x) => [x.name, x.layer])).toEqual([['a', 'hidden2'], ['b', 'hidden2'], ['c', 'hidden2']]);
    expectOneLineError(nnsim(['matrix', ...DEMO, '--layer', 'hidden9', '--out', tmp()]), /seed-0: no layer is named 'hidden9' \(layers: hidden1, hidden2, hidden3, logits\); pick one/);
    expectOneLineError(nnsim(['matrix', ...DEMO, '--layer', '/hidden/', '--out', tmp()]), /seed-0: 3 layers match '\/hidden\/' \(hidden1, hidden2, hidden3\); make --layer match exactly one/);
    expectOneLineError(nnsim(['matrix', ...DEMO, '--out', tmp()]), /seed-0: holds 4 layers .*pick one with --layer NAME .* or compare all with --all-layers/);
  });

  it('reduces layer × layer blocks to models × models by each definition', () => {
    const layerRun = tmp();
    expect(nnsim(['matrix', ...DEMO, '--all-layers', '-m', 'cka,procrustes', '--out', layerRun]).status).toBe(0);
    const layers = readResults(layerRun);
    const block = (key: string, a: number, b: number): number[][] =>
      [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => layers.values[key]![4 * a + i]![4 * b + j]!));
    for (const method of ['diagonal', 'max', 'mean'] as const) {
      const out = tmp();
      const r = nnsim(['matrix', ...DEMO, '--all-layers', '--reduce', method, '-m', 'cka,procrustes', '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      const results = readResults(out);
      // The layer matrix is kept as it is; the model matrix follows the definition.
      expect(results.values).toEqual(layers.values);
      expect(results.reduced!.models).toEqual(['seed-0', 'seed-1', 'shuffled-labels']);
      for (const key of ['cka', 'procrustes']) {
        for (let a = 0; a < 3; a++) {
          for (let b = 0; b < 3; b++) {
            const cells = block(key, a, b);
            const want =
              method === 'diagonal'
                ? cells.reduce((s, row, l) => s + row[l]!, 0) / 4
                : method === 'mean'
                  ? cells.flat().reduce((s, v) => s + v, 0) / 16
                  : key === 'cka'
                    ? Math.max(...cells.flat())
                    : Math.min(...cells.flat());
            expect(results.reduced!.values[key]![a]![b], `${method} ${key} ${a} ${b}`).toBeCloseTo(want, 13);
          }
        }
      }
      const files = readdirSync(out);
      expect(files).toContain('layers.csv');
      expect(files).toContain('cka-layers.svg');
      // Only the diagonal reduction keeps a metric a metric.
      expect(files.includes('procrustes-mds.svg'), method).toBe(method === 'diagonal');
    }
    expectOneLineError(nnsim(['matrix', ...DEMO, '--reduce', 'max', '--out', tmp()]), /--reduce .* add --all-layers/);
    expectOneLineError(nnsim(['matrix', ...DEMO, '--all-layers', '--reduce', 'median', '--out', tmp()]), /--reduce must be diagonal, max or mean/);
    expectOneLineError(
      nnsim(['matrix', DEMO[0]!, join(DEMO[1]!, 'hidden1.npy'), '--all-layers', '--reduce', 'diagonal', '--out', tmp()]),
      /--reduce diagonal pairs layer l .*seed-0 has 4 layers and .*hidden1\.npy 1; select as many layers in each/,
    );
  });

  it('skips labels and scalars, filters layers by name, and checks ids and N across models', () => {
    const dir = tmp();
    const base = randomMatrix(40, 6, 1);
    const ids = Array.from({ length: 40 }, (_, i) => 1000 + i);
    const a = writeModel(join(dir, 'a.safetensors'), { 'block.0': base, 'block.1': relatedMatrix(base, 5, 2), head: relatedMatrix(base, 3, 3) }, { ids, labels: 40, scalar: true });
    const b = writeModel(join(dir, 'b.safetensors'), { 'block.0': relatedMatrix(base, 7, 4), 'block.1': relatedMatrix(base, 4, 5), head: randomMatrix(40, 3, 6) }, { ids });
    const out = tmp();
    const r = nnsim(['matrix', a, b, '--all-layers', '--exclude', '^head$', '-m', 'cka', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: .*a\.safetensors: skipped labels \(shape \(40\)\), step \(a scalar\)/);
    expect(readResults(out).rows.map((x) => x.name)).toEqual(['a/block.0', 'a/block.1', 'b/block.0', 'b/block.1']);
    // pairwise takes the same selection and no longer stops at the label vector.
    const pairwise = nnsim(['pairwise', a, b, '--include', 'block', '-m', 'cka', '--out', tmp()]);
    expect(pairwise.status, pairwise.stderr).toBe(0);
    expect(pairwise.stdout).toContain('2 × 2 layers');
    // Ids: a different order is refused at the first differing position, from the file or from --ids.
    const shuffled = [...ids];
    [shuffled[7], shuffled[8]] = [shuffled[8]!, shuffled[7]!];
    const c = writeModel(join(dir, 'c.safetensors'), { 'block.0': base }, { ids: shuffled });
    expectOneLineError(nnsim(['matrix', a, b, c, '--layer', 'block.0', '--out', tmp()]), /a\.safetensors#ids and .*c\.safetensors#ids differ at row 7 \(1007 vs 1008\)/);
    const idsFile = join(dir, 'ids.safetensors');
    writeFileSync(idsFile, encodeSafetensors({ ids: { dtype: 'I64', shape: [40], data: BigInt64Array.from(ids, (v) => BigInt(v)) } }));
    const fixed = nnsim(['matrix', a, b, c, '--layer', 'block.0', '--ids', '-', '--ids', '-', '--ids', idsFile, '-m', 'cka', '--out', tmp()]);
    expect(fixed.status, fixed.stderr).toBe(0);
    expectOneLineError(nnsim(['matrix', a, b, '--layer', 'block.0', '--ids', idsFile, '--out', tmp()]), /--ids is given 1 times for 2 models/);
    // N: a model with other inputs.
    const d = writeModel(join(dir, 'd.safetensors'), { 'block.0': randomMatrix(39, 6, 9) });
    expectOneLineError(nnsim(['matrix', a, d, '--layer', 'block.0', '--out', tmp()]), /d\.safetensors#block\.0 has 39 rows but .*a\.safetensors#block\.0 has 40; rows are inputs/);
  });

  it('reads conv layers with --layout/--reshape as pairwise does', () => {
    const out = tmp();
    const models = [join(TENSOR, 'model-a.safetensors'), join(TENSOR, 'model-b.npz')];
    const r = nnsim(['matrix', ...models, '--all-layers', '--reshape', 'pool', '-m', 'cka', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const results = readResults(out);
    expect(results.rows.map((x) => [x.name, x.cols])).toEqual([
      ['model-a/conv', 4],
      ['model-a/fc', 7],
      ['model-a/tokens', 6],
      ['model-b/conv', 4],
      ['model-b/fc', 3],
      ['model-b/tokens', 6],
    ]);
    const pooled = (file: string, layer: string): Matrix => toRepresentation(openModel(join(TENSOR, file)).layers.find((l) => l.name === layer)!, { reshape: 'pool' });
    expect(results.values.cka![0]![3]).toBeCloseTo(compare('cka', pooled('model-a.safetensors', 'conv'), pooled('model-b.npz', 'conv')), 12);
    expectOneLineError(nnsim(['matrix', ...models, '--all-layers', '--out', tmp()]), /conv.*--reshape/);
    expectOneLineError(nnsim(['matrix', ...models, '--all-layers', '--layout', 'a=nchw', '--reshape', 'pool', '--out', tmp()]), /drop 'a='/);
  });

  it('keeps every other cell when some fail, and says which', () => {
    const dir = tmp();
    const base = randomMatrix(30, 5, 1);
    const flat = { data: new Float64Array(30 * 4).fill(2), rows: 30, cols: 4 };
    const files = [
      writeModel(join(dir, 'one.safetensors'), { x: base }),
      writeModel(join(dir, 'constant.safetensors'), { x: flat }),
      writeModel(join(dir, 'three.safetensors'), { x: relatedMatrix(base, 6, 2) }),
    ];
    const out = tmp();
    const r = nnsim(['matrix', ...files, '-m', 'angular-shape,magnitude-difference', '--cluster', '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^nnsim: angular-shape: 5 of 9 cells not computed \(first: one × constant, E_DEGENERATE: /)]);
    const results = readResults(out);
    expect(results.values['angular-shape']![0]![2]).toBeCloseTo(compare('angular-shape', base, relatedMatrix(base, 6, 2)), 12);
    expect(results.values['angular-shape']![1]![2]).toBeNull();
    expect(results.values['magnitude-difference']!.flat().every((v) => typeof v === 'number')).toBe(true);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('5 cell(s) not computed');
    expect(html).toContain('<code>angular-shape</code>: not clustered');
    expect(html).toMatch(/<code>magnitude-difference<\/code>: rows and columns in average-linkage clustering order; distances = the distances as they are/);
  });
});

describe('shards and merge', () => {
  const job = [...DEMO, '--all-layers', '-m', 'cka,procrustes,pwcca', '--cluster'];

  it('balance the pairs by cost and cover each exactly once', () => {
    const cols = [128, 64, 32, 10, 128, 64, 32, 10, 128, 64, 32, 10];
    const plan = planShards(cols, 400, 4);
    const all = plan.flat().map(([i, j]) => `${i},${j}`);
    expect(new Set(all).size).toBe(78);
    expect(all).toHaveLength(78);
    expect(planShards(cols, 400, 4)).toEqual(plan);
    // Loads (pairs plus the preparation of every representation a shard uses) within 25 % of each other.
    const load = plan.map((pairs) => {
      const used = new Set(pairs.flat());
      return pairs.reduce((s, [i, j]) => s + (i === j ? 0 : 400 * cols[i]! * cols[j]!), 0) + [...used].reduce((s, r) => s + 400 * cols[r]! ** 2, 0);
    });
    expect(Math.max(...load) / Math.min(...load)).toBeLessThan(1.25);
    // More shards than pairs: the extra shards are empty, not an error.
    expect(planShards([3, 3], 10, 5).filter((p) => p.length === 0)).toHaveLength(2);
  });

  it('merge four parts into the files of one run, byte for byte', () => {
    const single = tmp();
    expect(nnsim(['matrix', ...job, '--out', single]).status).toBe(0);
    const parts = tmp();
    for (let i = 0; i < 4; i++) {
      const r = nnsim(['matrix', ...job, '--shard', `${i}/4`, '--out', parts]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`part-${i}-of-4.json`);
    }
    const merged = tmp();
    const r = nnsim(['merge', parts, '--out', merged]);
    expect(r.status, r.stderr).toBe(0);
    for (const file of ['results.json', 'results.csv']) expect(readFileSync(join(merged, file), 'utf8'), file).toBe(readFileSync(join(single, file), 'utf8'));
    expect(readdirSync(merged).sort()).toEqual(readdirSync(single).sort());
    // --shard auto reads the Slurm array variables (an array 1-4 here: task 3 is shard 2 of 4).
    const auto = tmp();
    const slurm = nnsim(['matrix', ...job, '--shard', 'auto', '--out', auto], undefined, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' });
    expect(slurm.status, slurm.stderr).toBe(0);
    expect(readFileSync(join(auto, 'part-2-of-4.json'), 'utf8')).toBe(readFileSync(join(parts, 'part-2-of-4.json'), 'utf8'));
    const k8s = nnsim(['matrix', ...job, '--shard', 'auto', '--out', auto], undefined, { JOB_COMPLETION_INDEX: '1', NNSIM_SHARD_COUNT: '4' });
    expect(k8s.status, k8s.stderr).toBe(0);
    expect(readFileSync(join(auto, 'part-1-of-4.json'), 'utf8')).toBe(readFileSync(join(parts, 'part-1-of-4.json'), 'utf8'));

    // Everything that can be wrong with a set of parts: one line naming the file and what to do.
    const part = (i: number): string => join(parts, `part-${i}-of-4.json`);
    const only = (...files: string[]): string => {
      const dir = tmp();
      for (const f of files) copyFileSync(f, join(dir, f.split('/').pop()!));
      return dir;
    };
    expectOneLineError(nnsim(['merge', only(part(0), part(1), part(3)), '--out', tmp()]), /part-2-of-4\.json is missing \(1 of 4 parts missing; have: 0, 1, 3\); re-run that shard .* --shard 2\/4/);
    const twice = join(tmp(), 'part-1-of-4.json');
    copyFileSync(part(1), twice);
    expectOneLineError(nnsim(['merge', parts, twice, '--out', tmp()]), /part-1-of-4\.json and .*part-1-of-4\.json both hold part 1 of 4; remove one/);
    const other = tmp();
    expect(nnsim(['matrix', ...DEMO, '--all-layers', '-m', 'cka', '--shard', '3/4', '--out', other]).status).toBe(0);
    expectOneLineError(nnsim(['merge', part(0), part(1), part(2), join(other, 'part-3-of-4.json'), '--out', tmp()]), /part-3-of-4\.json: comes from a different job than .*part-0-of-4\.json \(measures differ\)/);
    const truncated = only(part(0), part(1), part(2), part(3));
    const text = readFileSync(part(2), 'utf8');
    writeFileSync(join(truncated, 'part-2-of-4.json'), text.slice(0, text.length / 2));
    expectOneLineError(nnsim(['merge', truncated, '--out', tmp()]), /part-2-of-4\.json: is not a complete part file .*re-run that shard .* --shard 2\/4/);
    const edited = only(part(0), part(1), part(2), part(3));
    writeFileSync(join(edited, 'part-1-of-4.json'), readFileSync(part(1), 'utf8').replace(/"value":0\.(\d)/, '"value":0.9$1'));
    expectOneLineError(nnsim(['merge', edited, '--out', tmp()]), /part-1-of-4\.json: its content does not match its checksum/);
    const stranger = only(part(0));
    writeFileSync(join(stranger, 'part-1-of-4.json'), '{"hello": 1}');
    expectOneLineError(nnsim(['merge', stranger, '--out', tmp()]), /part-1-of-4\.json: is not an nnsim matrix part file/);
    expectOneLineError(nnsim(['merge', tmp(), '--out', tmp()]), /holds no part-i-of-n\.json files/);
  });

  it('refuse shard indices out of range and environments without a shard', () => {
    expectOneLineError(nnsim(['matrix', ...job, '--shard', '4/4', '--out', tmp()]), /--shard 4\/4: shard index 4 is out of range; with 4 shards the index is 0 … 3/);
    expectOneLineError(nnsim(['matrix', ...job, '--shard', '1of4', '--out', tmp()]), /--shard expects i\/n/);
    expectOneLineError(nnsim(['matrix', ...job, '--shard', 'auto', '--out', tmp()], undefined, { SLURM_ARRAY_TASK_ID: '' , JOB_COMPLETION_INDEX: '' }), /--shard auto/);
    expectOneLineError(
      nnsim(['matrix', ...job, '--shard', 'auto', '--out', tmp()], undefined, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '4' }),
      /shard index 5 is out of range/,
    );
  });
});
