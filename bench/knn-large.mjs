// k-NN measures at large N: knn-jaccard (blocked exact k-NN, never an N × N matrix) at N up to 100 000,
// D = 256, with wall time and peak RSS. Each N runs in a fresh process so its peak RSS is its own.
//   npm run build:ts && npm run bench:knn [-- --n 10000,30000,100000 --d 256 --k 10 --metric cosine]
// Prints a Markdown table and writes bench/results/knn-large.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { formatSeconds, normalFrom, seeded } from './common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '10000,30000,100000' },
    d: { type: 'string', default: '256' },
    k: { type: 'string', default: '10' },
    metric: { type: 'string', default: 'cosine' },
    child: { type: 'string' },
  },
});
const D = Number(args.d);
const options = { k: Number(args.k), metric: args.metric };

if (args.child !== undefined) {
  // One run: two related N × D inputs, one knn-jaccard comparison; RSS before and at the peak.
  const { compare, estimateMemory, getConfig } = await import('../dist/index.js');
  const N = Number(args.child);
  const normal = normalFrom(seeded(7));
  const a = { data: new Float64Array(N * D), rows: N, cols: D };
  const b = { data: new Float64Array(N * D), rows: N, cols: D };
  for (let i = 0; i < a.data.length; i++) a.data[i] = normal();
  for (let i = 0; i < b.data.length; i++) b.data[i] = Math.tanh(0.8 * a.data[i] + 0.5 * normal());
  const inputs = process.memoryUsage().rss;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const value = compare('knn-jaccard', a, b, options);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    JSON.stringify({ n: N, seconds, cpuSeconds, value, inputs, peak, estimate: estimateMemory('knn-jaccard', N, D, D, options), threads: getConfig().blasThreads }),
  );
  process.exit(0);
}

const { getConfig } = await import('../dist/index.js');
const config = getConfig();
const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
console.log(`# knn-jaccard at large N, D = ${D}, k = ${options.k}, ${options.metric} — ${new Date().toISOString().slice(0, 10)}`);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.availableParallelism()}, ${config.blas}, BLAS threads ${config.blasThreads}`);
console.log(`node ${process.version}; command: npm run bench:knn -- --n ${args.n} --d ${D}\n`);
console.log('| N | time | CPU time (all threads) | peak RSS | RSS of the two inputs | working memory (peak − inputs) | estimate | one N × N matrix |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
const rows = [];
for (const n of args.n.split(',').map(Number)) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(n), '--d', String(D), '--k', args.k, '--metric', args.metric], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`N = ${n} failed: ${run.stderr}`);
  const r = JSON.parse(run.stdout.trim().split('\n').pop());
  rows.push(r);
  console.log(
    `| ${n} | ${formatSeconds(r.seconds)} | ${formatSeconds(r.cpuSeconds)} | ${mb(r.peak)} | ${mb(r.inputs)} | ${mb(r.peak - r.inputs)} | ${mb(r.estimate)} | ${mb(8 * n * n)} |`,
  );
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'knn-large.json'),
  JSON.stringify({ date: new Date().toISOString(), d: D, options, blas: config.blas, threads: config.blasThreads, rows }, null, 2) + '\n',
);
