// Every representational measure at N = 2000, D = 256 (issue 3): nnsim next to a pure-JS baseline
// (bench/baselines/<family>.mjs, straightforward JS written for this comparison), and compareMany over
// all of them against the sum of separate compare() calls (shared intermediates).
//   npm run bench:measures [-- --n 2000 --d 256]
// Prints a Markdown table and writes bench/results/measures.json.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { compare, compareMany, getConfig, listMeasures } from '../dist/index.js';
import { formatSeconds as format, normalFrom, seeded, time } from './common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { n: { type: 'string', default: '2000' }, d: { type: 'string', default: '256' } } });
const N = Number(args.n);
const D = Number(args.d);

const random = seeded(42);
const normal = normalFrom(random);
const a = { data: new Float64Array(N * D).map(() => 0.5 + normal()), rows: N, cols: D };
const b = { data: new Float64Array(N * D), rows: N, cols: D };
for (let i = 0; i < b.data.length; i++) b.data[i] = Math.tanh(a.data[i] * 0.8 + 0.5 * normal());
const labels = Int32Array.from({ length: N }, () => Math.floor(random() * 10));

// Pure-JS baselines, one module per family: { [id]: (a, b, options) => number }.
const baselines = {};
const baselineDir = join(root, 'bench', 'baselines');
if (existsSync(baselineDir)) {
  for (const file of readdirSync(baselineDir).filter((f) => f.endsWith('.mjs'))) {
    const mod = await import(pathToFileURL(join(baselineDir, file)).href);
    Object.assign(baselines, mod.default ?? mod.baselines ?? {});
  }
}

const measures = listMeasures({ domain: 'representational' }).filter((m) => m.family !== 'topology' && m.arity === 'pair');
// Options a measure needs on these inputs (N > D): riemannian compares SPD kernels XXᵀ, singular when N > D.
const BENCH_OPTIONS = { riemannian: { regularization: 0.01 } };
const optionsFor = (m) => ({ ...(BENCH_OPTIONS[m.id] ?? {}), ...(m.requires.includes('labels') ? { labels } : {}) });
const config = getConfig();
console.log(`# nnsim measures at N = ${N}, D = ${D} — ${new Date().toISOString().slice(0, 10)}`);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.availableParallelism()}, ${config.blas}, BLAS threads ${config.blasThreads}`);
console.log(`node ${process.version}; command: npm run bench:measures\n`);
console.log('| measure | kind | nnsim | pure JS | JS / nnsim | |nnsim − JS| |');
console.log('|---|---|---:|---:|---:|---:|');
// All nnsim timings first, then the pure-JS baselines: a baseline leaves V8 with a large heap whose
// background sweeping would otherwise run during the next nnsim measurement (2 cores).
const values = new Map();
const nnsimSeconds = new Map();
let separate = 0;
for (const m of measures) {
  const options = optionsFor(m);
  values.set(m.id, compare(m.id, a, b, options));
  const seconds = time(() => compare(m.id, a, b, options));
  nnsimSeconds.set(m.id, seconds);
  separate += seconds;
}
const specs = measures.map((m) => ({ id: m.id, options: optionsFor(m) }));
const together = time(() => compareMany(specs, a, b), { budget: 10, max: 5 });

const rows = [];
for (const m of measures) {
  const options = optionsFor(m);
  const value = values.get(m.id);
  const seconds = nnsimSeconds.get(m.id);
  const baseline = baselines[m.id];
  let jsSeconds;
  let difference;
  if (baseline) {
    const jsValue = baseline(a, b, options);
    difference = Math.abs(jsValue - value) / Math.max(1, Math.abs(value));
    jsSeconds = time(() => baseline(a, b, options), { budget: 10, max: 3 });
  }
  rows.push({ id: m.id, seconds, jsSeconds, difference });
  console.log(
    `| \`${m.id}\` | ${m.kind} | ${format(seconds)} | ${format(jsSeconds)} | ` +
      `${jsSeconds ? `${(jsSeconds / seconds).toFixed(1)}×` : '—'} | ${difference === undefined ? '—' : difference.toExponential(1)} |`,
  );
}
console.log(`\ncompareMany over all ${measures.length} measures: ${format(together)}; sum of the separate compare() calls: ${format(separate)} (${(separate / together).toFixed(2)}× less work shared).`);
const missing = measures.filter((m) => !baselines[m.id]).map((m) => m.id);
if (missing.length) console.log(`No pure-JS baseline for: ${missing.join(', ')}.`);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'measures.json'),
  JSON.stringify({ date: new Date().toISOString(), n: N, d: D, blas: config.blas, threads: config.blasThreads, rows, together, separate }, null, 2) + '\n');
