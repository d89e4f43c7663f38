// nnsim benchmark: the first measures against pure JS (ml-matrix) and NumPy, N ∈ {1000, 5000, 10000},
// D ∈ {128, 768}, plus linear CKA against the BLAS work it needs (C++ core bench).
//   npm run bench              full grid (several minutes: pure JS is slow at 10000 × 768)
//   npm run bench -- --quick   N ∈ {1000, 5000}, D = 128 only
// Prints Markdown tables (medians, ratios) and writes bench/results/latest.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { formatSeconds as format, normalFrom, seeded, time as timeWithin } from './common.mjs';
import { compare, compareMany, getConfig } from '../dist/index.js';
import { pureJs, toMlMatrix } from './pure-js.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const sizes = quick
  ? [[1000, 128], [5000, 128]]
  : [[1000, 128], [1000, 768], [5000, 128], [5000, 768], [10000, 128], [10000, 768]];
const measures = ['cka', 'procrustes', 'angular-shape'];
/** Median wall time: at least 3 runs, more while 2 s last (at most 15), unless told otherwise. */
const time = (fn, options = {}) => timeWithin(fn, { min: 3, max: 15, budget: 2, ...options });

function pair(n, d, seed) {
  const random = seeded(seed);
  const normal = normalFrom(random);
  const a = new Float64Array(n * d).map(() => 0.5 + normal());
  const w = new Float64Array(d * d).map(() => normal());
  const b = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const v = a[i * d + k];
      for (let j = 0; j < d; j++) b[i * d + j] += v * w[k * d + j];
    }
  }
  for (let i = 0; i < b.length; i++) b[i] = Math.tanh(b[i] / 3) + 0.3 * normal();
  return [{ data: a, rows: n, cols: d }, { data: b, rows: n, cols: d }];
}

function numpyTimes() {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const job = { seed: 1, cases: sizes.map(([n, d]) => ({ n, d, measures, repetitions: n * d > 2e6 ? 3 : 5 })) };
  const out = execFileSync('python3', [join(root, 'bench', 'numpy_reference.py')], { input: JSON.stringify(job), encoding: 'utf8' });
  return JSON.parse(out);
}

function coreBench(n, d) {
  const exe = join(root, 'build-core', 'nnsim_core_bench');
  if (!existsSync(exe)) {
    execFileSync('cmake', ['-S', root, '-B', join(root, 'build-core'), '-DNNSIM_CORE_TESTS=ON'], { stdio: 'ignore' });
    execFileSync('cmake', ['--build', join(root, 'build-core'), '-j', String(os.availableParallelism())], { stdio: 'ignore' });
  }
  return JSON.parse(execFileSync(exe, [String(n), String(d), '3'], { encoding: 'utf8' }));
}

const config = getConfig();
console.log(`# nnsim benchmark — ${new Date().toISOString().slice(0, 10)}`);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.availableParallelism()}, ${config.blas}, BLAS threads ${config.blasThreads}`);
console.log(`node ${process.version}; command: npm run bench${quick ? ' -- --quick' : ''}\n`);

const numpy = numpyTimes();
const rows = [];
for (const [n, d] of sizes) {
  const [a, b] = pair(n, d, n + d);
  const ma = toMlMatrix(a);
  const mb = toMlMatrix(b);
  for (const id of measures) {
    const nnsimSeconds = time(() => compare(id, a, b));
    const jsBudget = n * d > 2e6 ? { min: 1, max: 3, budget: 60 } : { min: 3, max: 7, budget: 10 };
    let jsValue;
    const jsSeconds = time(() => (jsValue = pureJs[id](ma, mb)), jsBudget);
    const value = compare(id, a, b);
    const np = numpy?.results.find((r) => r.n === n && r.d === d && r.measure === id)?.seconds;
    rows.push({ n, d, measure: id, nnsim: nnsimSeconds, pureJs: jsSeconds, numpy: np, agreement: Math.abs(jsValue - value) / Math.max(1, Math.abs(value)) });
    console.error(`  ${n}×${d} ${id}: nnsim ${format(nnsimSeconds)}, pure JS ${format(jsSeconds)}${np ? `, NumPy ${format(np)}` : ''}`);
  }
}

console.log('## nnsim vs pure JS (ml-matrix) and NumPy — median wall time per call\n');
console.log(`| N × D | measure | nnsim | pure JS | JS / nnsim | NumPy ${numpy ? numpy.numpy : ''} | NumPy / nnsim |`);
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.n} × ${r.d} | ${r.measure} | ${format(r.nnsim)} | ${format(r.pureJs)} | ${(r.pureJs / r.nnsim).toFixed(1)}× | ` +
      `${r.numpy ? format(r.numpy) : '—'} | ${r.numpy ? `${(r.numpy / r.nnsim).toFixed(1)}×` : '—'} |`,
  );
}
const worst = Math.max(...rows.map((r) => r.agreement));
console.log(`\nLargest relative difference between nnsim and the pure-JS values: ${worst.toExponential(1)}.`);

// Shared work: compareMany of the three versus three separate calls.
const [sa, sb] = pair(5000, 768, 7);
const separate = time(() => measures.forEach((id) => compare(id, sa, sb)));
const together = time(() => compareMany(measures, sa, sb));
console.log(`\n## Shared work (5000 × 768): compareMany([${measures.join(', ')}]) ${format(together)} vs three compare() calls ${format(separate)} (${(separate / together).toFixed(2)}×)`);

// Linear CKA against its BLAS floor (C++ core bench: one dsyrk of the centred [X Y]; see bench/streaming.mjs).
const floor = coreBench(10000, 768);
const [ca, cb] = pair(10000, 768, 3);
const ckaNode = time(() => compare('cka', ca, cb), { min: 3, max: 7, budget: 10 });
console.log('\n## Linear CKA at 10000 × 768 against the GEMM/SYRK work it needs\n');
console.log('| BLAS floor (dsyrk of [X Y]) | CKA in the core | CKA from Node (incl. validation) | Node / floor |');
console.log('|---:|---:|---:|---:|');
console.log(`| ${format(floor.floorSeconds)} (${floor.floorGflops} GFLOP/s) | ${format(floor.ckaSeconds)} | ${format(ckaNode)} | ${(ckaNode / floor.floorSeconds).toFixed(2)}× |`);

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', quick ? 'latest-quick.json' : 'latest.json'),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, blas: config.blas, threads: config.blasThreads, rows, floor, ckaNode, separate, together, numpy: numpy?.numpy }, null, 2) + '\n',
);
