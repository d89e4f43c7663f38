// Permutation tests against the NumPy loop users run (bench/inference_numpy.py: permute the rows of Y,
// recompute the measure from scratch, repeat), same data, same run:
//   cka at N = 5000, D = 768 (and its floor, one X_cᵀ P Y_c product per permutation),
//   rsa at N = 2000 (D = 256), knn-jaccard at N = 5000 (D = 128).
//   npm run build:ts && node --expose-gc bench/inference.mjs [--permutations 1000] [--numpy-permutations 5]
// nnsim runs all `--permutations`; NumPy's loop is timed on `--numpy-permutations` permutations per measure
// (median) and scaled to the same count: it costs the same for every permutation. Needs /usr/bin/python3
// with numpy and scipy. Prints a Markdown table.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { getConfig, permutationTest } from '../dist/index.js';
import { formatSeconds, normalFrom, seeded } from './common.mjs';

const { values: args } = parseArgs({
  options: { permutations: { type: 'string', default: '1000' }, 'numpy-permutations': { type: 'string', default: '5' } },
});
const P = Number(args.permutations);
const K = Number(args['numpy-permutations']);

const CASES = [
  { name: 'cka 5000 × 768', measure: 'cka', n: 5000, da: 768, db: 768 },
  { name: 'rsa 2000 × 256', measure: 'rsa', n: 2000, da: 256, db: 256 },
  { name: 'knn-jaccard 5000 × 128', measure: 'knn-jaccard', n: 5000, da: 128, db: 128 },
];

const dir = mkdtempSync(join(os.tmpdir(), 'nnsim-inference-bench-'));
const normal = normalFrom(seeded(7));
const inputs = {};
for (const c of CASES) {
  // B = tanh(A W / √D) + noise: related, so the measures are away from their null.
  const a = new Float64Array(c.n * c.da).map(() => normal());
  const w = new Float64Array(c.da * c.db).map(() => normal() / Math.sqrt(c.da));
  const b = new Float64Array(c.n * c.db);
  for (let i = 0; i < c.n; i++) {
    for (let j = 0; j < c.da; j++) {
      const v = a[i * c.da + j];
      if (v === 0) continue;
      for (let k = 0; k < c.db; k++) b[i * c.db + k] += v * w[j * c.db + k];
    }
    for (let k = 0; k < c.db; k++) b[i * c.db + k] = Math.tanh(b[i * c.db + k]) + 0.5 * normal();
  }
  inputs[c.name] = { a: { data: a, rows: c.n, cols: c.da }, b: { data: b, rows: c.n, cols: c.db } };
  writeFileSync(join(dir, `${c.measure}-a.f64`), new Uint8Array(a.buffer));
  writeFileSync(join(dir, `${c.measure}-b.f64`), new Uint8Array(b.buffer));
}
const spec = {
  cases: CASES.map((c) => ({ ...c, a: join(dir, `${c.measure}-a.f64`), b: join(dir, `${c.measure}-b.f64`), count: K })),
};
writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
const numpy = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'inference_numpy.py'), join(dir, 'spec.json')], {
  encoding: 'utf8',
  maxBuffer: 1 << 24,
});
rmSync(dir, { recursive: true, force: true });
const reference = numpy.status === 0 ? JSON.parse(numpy.stdout) : undefined;
if (!reference) console.error(`NumPy side not run: ${numpy.stderr || numpy.error}`);

const config = getConfig();
console.log(`${P} permutations; ${os.cpus()[0]?.model ?? 'cpu'}, ${config.threads} threads, ${config.blas}; NumPy ${reference?.numpy ?? '—'} (loop timed on ${K} permutations and scaled)`);
console.log('| measure | N × D | nnsim (path) | NumPy loop | NumPy / nnsim | floor: one GEMM per permutation | nnsim / floor | |nnsim − NumPy| value |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const c of CASES) {
  const { a, b } = inputs[c.name];
  globalThis.gc?.();
  const start = performance.now();
  const result = permutationTest(c.measure, a, b, { permutations: P, seed: 1 });
  const ours = (performance.now() - start) / 1000;
  const theirs = reference?.cases[c.name];
  const loop = theirs ? theirs.naive * P : undefined;
  const floor = theirs?.floor !== undefined ? theirs.floor * P : undefined;
  console.log(
    `| ${c.measure} | ${c.n} × ${c.da} | ${formatSeconds(ours)} (${result.method}) | ${formatSeconds(loop)} | ${loop ? (loop / ours).toFixed(1) + '×' : '—'} | ` +
      `${floor ? formatSeconds(floor) : '—'} | ${floor ? (ours / floor).toFixed(2) : '—'} | ${theirs ? Math.abs(theirs.value - result.value).toExponential(1) : '—'} |`,
  );
}
