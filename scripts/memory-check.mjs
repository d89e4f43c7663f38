#!/usr/bin/env node
// Dev-only: checks the measures' memory estimates (estimateMemory, declared next to each kernel in the
// core) against the peak RSS each measure actually reaches. Every measurement runs in a fresh process:
// inputs allocated and touched, BLAS warmed up, then one compare(); working memory = peak RSS − RSS
// before the call. An estimate should be at or above the measurement (it is checked against the
// limit before anything is allocated) and not far above it.
//   npm run build:ts && node scripts/memory-check.mjs [--n 3000 --d 256]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '3000' }, d: { type: 'string', default: '256' }, child: { type: 'string' } },
});
const N = Number(args.n);
const D = Number(args.d);

const RUNS = [
  ['rsa', {}],
  ['rsa', { inner: 'euclidean', outer: 'kendall' }],
  ['distance-correlation', {}],
  ['rsm-norm-difference', {}],
  ['uniformity-difference', {}],
  ['cka', {}],
  ['cka', { kernel: 'rbf' }],
  ['procrustes', {}],
  ['svcca', {}],
  ['gulp', {}],
  ['correlation-match', {}],
  ['knn-jaccard', {}],
  ['second-order-cosine', {}],
  ['intrinsic-dimension-difference', { estimator: 'mle' }],
  ['imd', {}],
];

if (args.child !== undefined) {
  const { compare, estimateMemory } = await import('../dist/index.js');
  const [id, optionsText] = JSON.parse(args.child);
  let s = 12345;
  const uniform = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const make = (cols) => ({ data: Float64Array.from({ length: N * cols }, () => uniform() - 0.5), rows: N, cols });
  const a = make(D);
  const b = make(D);
  // Warm-up: loads the addon and lets OpenBLAS allocate its per-thread buffers.
  compare('cka', { data: a.data.subarray(0, 64 * D), rows: 64, cols: D }, { data: b.data.subarray(0, 64 * D), rows: 64, cols: D });
  const before = process.memoryUsage().rss;
  compare(id, a, b, optionsText);
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ estimate: estimateMemory(id, N, D, D, optionsText), measured: Math.max(0, peak - before) }));
  process.exit(0);
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
console.log(`# Memory estimates against peak RSS, N = ${N}, D = D′ = ${D} — ${new Date().toISOString().slice(0, 10)}`);
console.log(`command: node scripts/memory-check.mjs --n ${N} --d ${D}\n`);
console.log('| measure | options | estimate | measured (peak RSS − RSS before) | estimate / measured |');
console.log('|---|---|---:|---:|---:|');
for (const [id, options] of RUNS) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--n', String(N), '--d', String(D), '--child', JSON.stringify([id, options])], {
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    console.log(`| ${id} | ${JSON.stringify(options)} | failed: ${run.stderr.split('\n')[0]} | | |`);
    continue;
  }
  const r = JSON.parse(run.stdout.trim().split('\n').pop());
  console.log(`| \`${id}\` | ${JSON.stringify(options)} | ${mb(r.estimate)} | ${mb(r.measured)} | ${(r.estimate / Math.max(r.measured, 1)).toFixed(2)} |`);
}
