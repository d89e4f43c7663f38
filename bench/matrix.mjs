// Many pairs at once: `nnsim matrix` against the loop users write today (bench/matrix_numpy.py, ReSi
// style: per pair centre, X.T @ Y, SVD — nothing reused across pairs), in the same run.
//
//   1. every layer pair of two 24-layer models (N = 5000, D = 768), cka + procrustes + cca-mean:
//      `nnsim matrix A B --all-layers` (48 rows, 1176 pairs with the diagonal) against the NumPy loop
//      on the same pairs (timed on the first --numpy-pairs of them and scaled: every pair costs the same);
//   2. K = 32 models of one layer each: time and peak memory (RSS) of `nnsim matrix`;
//   3. the job of (1) in 4 shards, one after another, then `nnsim merge`: per-shard times and whether
//      results.json equals the single run's byte for byte (test/98.slurm.test.ts runs shards on Slurm).
//
// Usage: node bench/matrix.mjs [--n 5000] [--d 768] [--layers 24] [--models 32] [--numpy-pairs 40]
//        [--shards 4] [--threads T] [--skip-models] [--skip-shards]
// Needs python3 with NumPy (it also writes the data: float32 .npy files, cached in the temp folder).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const { values: flags } = parseArgs({
  options: {
    n: { type: 'string', default: '5000' },
    d: { type: 'string', default: '768' },
    layers: { type: 'string', default: '24' },
    models: { type: 'string', default: '32' },
    'numpy-pairs': { type: 'string', default: '40' },
    shards: { type: 'string', default: '4' },
    'skip-models': { type: 'boolean' },
    'skip-shards': { type: 'boolean' },
    threads: { type: 'string' },
  },
});
// --threads T: OPENBLAS_NUM_THREADS for nnsim and NumPy alike (on a loaded machine 1 thread each keeps
// busy-waiting BLAS threads from distorting the comparison).
if (flags.threads !== undefined) process.env.OPENBLAS_NUM_THREADS = flags.threads;
const N = Number(flags.n);
const D = Number(flags.d);
const LAYERS = Number(flags.layers);
const MODELS = Number(flags.models);
const NUMPY_PAIRS = Number(flags['numpy-pairs']);
const SHARDS = Number(flags.shards);
const MEASURES = ['cka', 'procrustes', 'cca-mean'];

function fail(message) {
  console.error(`bench/matrix.mjs: ${message}`);
  process.exit(1);
}

if (!existsSync(CLI)) fail('dist/cli.js is missing: run npm run build:ts first');
if (spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status !== 0) fail('needs python3 with numpy');

const data = join(tmpdir(), `nnsim-bench-matrix-${N}x${D}x${LAYERS}`);
if (!existsSync(join(data, 'model-b', `layer${String(LAYERS - 1).padStart(2, '0')}.npy`))) {
  console.error(`writing 2 × ${LAYERS} layers of ${N} × ${D} (float32) to ${data} …`);
  const r = spawnSync('python3', [join(ROOT, 'bench', 'matrix_numpy.py'), 'generate', data, String(N), String(D), String(LAYERS), '1'], { stdio: 'inherit' });
  if (r.status !== 0) fail('data generation failed');
}
const layerFiles = (model) => readdirSync(join(data, model)).filter((f) => f.endsWith('.npy')).sort().map((f) => join(data, model, f));
const rows = [...layerFiles('model-a'), ...layerFiles('model-b')];

/** Runs the CLI under /usr/bin/time: wall and CPU seconds (user + system), peak RSS (MiB). */
function timedCli(args, env = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', process.execPath, CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) fail(`nnsim ${args.join(' ')} failed: ${r.stderr}`);
  const [seconds, kib, user, system] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { seconds, cpu: user + system, peakMiB: kib / 1024, stdout: r.stdout };
}

function numpyLoop(files, pairs) {
  const dir = mkdtempSync(join(tmpdir(), 'nnsim-bench-numpy-'));
  const job = join(dir, 'job.json');
  writeFileSync(job, JSON.stringify({ files, pairs }));
  const r = spawnSync('python3', [join(ROOT, 'bench', 'matrix_numpy.py'), 'run', job], { encoding: 'utf8', maxBuffer: 1 << 28 });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) fail(`NumPy loop failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const allPairs = (k) => {
  const out = [];
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) out.push([i, j]);
  return out;
};

const fmt = (s) => (s >= 100 ? `${s.toFixed(0)} s` : `${s.toFixed(1)} s`);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`;
const threads = process.env.OPENBLAS_NUM_THREADS ?? `all (${cpus().length})`;
const report = { date: new Date().toISOString().slice(0, 10), machine, threads, n: N, d: D, layers: LAYERS, measures: MEASURES };
console.log(`nnsim matrix benchmark — ${report.date}, ${machine}, BLAS threads: ${threads}; N = ${N}, D = ${D}, measures ${MEASURES.join(' + ')}\n`);

// 1. All layer pairs of two models.
const work = mkdtempSync(join(tmpdir(), 'nnsim-bench-out-'));
const single = join(work, 'single');
const k = rows.length;
const pairs = allPairs(k);
const nnsimRun = timedCli(['matrix', join(data, 'model-a'), join(data, 'model-b'), '--all-layers', '-m', MEASURES.join(','), '--out', single, '--no-png', '--quiet']);
const timedPairs = pairs.slice(0, Math.min(NUMPY_PAIRS, pairs.length));
const numpy = numpyLoop(rows, timedPairs);
const numpyFull = (numpy.seconds / timedPairs.length) * pairs.length;
const numpyFullCpu = (numpy.cpu / timedPairs.length) * pairs.length;
const results = JSON.parse(readFileSync(join(single, 'results.json'), 'utf8'));
let maxDiff = 0;
timedPairs.forEach(([i, j], p) => {
  for (const m of MEASURES) maxDiff = Math.max(maxDiff, Math.abs(results.values[m][i][j] - numpy.values[p][m]) / Math.max(1, Math.abs(numpy.values[p][m])));
});
report.twoModels = {
  rows: k,
  pairs: pairs.length,
  nnsimSeconds: nnsimRun.seconds,
  nnsimCpuSeconds: nnsimRun.cpu,
  nnsimPeakMiB: nnsimRun.peakMiB,
  numpyPairsTimed: timedPairs.length,
  numpySeconds: numpy.seconds,
  numpyCpuSeconds: numpy.cpu,
  numpyFullSeconds: numpyFull,
  numpyFullCpuSeconds: numpyFullCpu,
  speedup: numpyFull / nnsimRun.seconds,
  cpuSpeedup: numpyFullCpu / nnsimRun.cpu,
  maxRelativeDifference: maxDiff,
  numpy: numpy.numpy,
};
// Wall time, and CPU time (user + system): on a loaded machine the CPU times are the steadier ratio.
console.log(`| job | pairs | nnsim matrix: wall (CPU) | peak RSS | NumPy loop (ReSi style): wall (CPU) | NumPy / nnsim: wall (CPU) |`);
console.log(`|---|---:|---:|---:|---:|---:|`);
console.log(
  `| 2 models × ${LAYERS} layers, --all-layers (${k} rows) | ${pairs.length} | ${fmt(nnsimRun.seconds)} (${fmt(nnsimRun.cpu)}) | ${nnsimRun.peakMiB.toFixed(0)} MiB | ${fmt(numpyFull)} (${fmt(numpyFullCpu)})${
    timedPairs.length < pairs.length ? `, scaled from ${timedPairs.length} pairs` : ''
  } | **${(numpyFull / nnsimRun.seconds).toFixed(1)}× (${(numpyFullCpu / nnsimRun.cpu).toFixed(1)}×)** |`,
);

// 2. K models of one layer each (the layers as .npy files stand for K models).
if (!flags['skip-models']) {
  const models = rows.slice(0, MODELS);
  const out = join(work, 'models');
  const run = timedCli(['matrix', ...models, '-m', MEASURES.join(','), '--out', out, '--no-png', '--quiet']);
  const kPairs = (models.length * (models.length + 1)) / 2;
  const perPair = numpy.seconds / timedPairs.length;
  const perPairCpu = numpy.cpu / timedPairs.length;
  report.models = {
    k: models.length,
    pairs: kPairs,
    nnsimSeconds: run.seconds,
    nnsimCpuSeconds: run.cpu,
    nnsimPeakMiB: run.peakMiB,
    numpyScaledSeconds: perPair * kPairs,
    numpyScaledCpuSeconds: perPairCpu * kPairs,
  };
  const raw = (models.length * N * D * 8) / 2 ** 20;
  console.log(
    `| ${models.length} models × 1 layer | ${kPairs} | ${fmt(run.seconds)} (${fmt(run.cpu)}) | ${run.peakMiB.toFixed(0)} MiB (float64 data: ${raw.toFixed(0)} MiB) | ${fmt(
      perPair * kPairs,
    )} (${fmt(perPairCpu * kPairs)}), scaled | ${((perPair * kPairs) / run.seconds).toFixed(1)}× (${((perPairCpu * kPairs) / run.cpu).toFixed(1)}×) |`,
  );
}
console.log(`\nValues: nnsim and NumPy agree to ${maxDiff.toExponential(1)} (largest relative difference over the timed pairs). NumPy ${numpy.numpy}.`);

// 3. Shards, one after another, then merge.
if (!flags['skip-shards']) {
  const parts = join(work, 'parts');
  const shardTimes = [];
  for (let i = 0; i < SHARDS; i++) {
    shardTimes.push(timedCli(['matrix', join(data, 'model-a'), join(data, 'model-b'), '--all-layers', '-m', MEASURES.join(','), '--shard', `${i}/${SHARDS}`, '--out', parts, '--quiet']).seconds);
  }
  const merged = join(work, 'merged');
  const merge = timedCli(['merge', parts, '--out', merged, '--no-png', '--quiet']);
  const identical = readFileSync(join(merged, 'results.json'), 'utf8') === readFileSync(join(single, 'results.json'), 'utf8');
  report.shards = { count: SHARDS, seconds: shardTimes, mergeSeconds: merge.seconds, identical };
  console.log(
    `\n${SHARDS} shards: ${shardTimes.map(fmt).join(', ')} (slowest/fastest ${(Math.max(...shardTimes) / Math.min(...shardTimes)).toFixed(2)}; sum ${fmt(
      shardTimes.reduce((s, t) => s + t, 0),
    )} vs ${fmt(nnsimRun.seconds)} in one run); merge ${fmt(merge.seconds)}; merged results.json ${identical ? 'equals' : 'DIFFERS FROM'} the single run's byte for byte.`,
  );
}
rmSync(work, { recursive: true, force: true });
writeFileSync(join(ROOT, 'bench', 'results', 'matrix.json'), JSON.stringify(report, null, 1) + '\n');
