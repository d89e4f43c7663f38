// Benchmark of inputs of any size: float32 in place, precision 'single', the joint product of [X Y], and
// `nnsim compare` streaming files. Every timed side runs in a child process with OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE removed from its environment (users' machines do not set them), so each OpenBLAS picks
// its kernels for this CPU itself; the tables say which it picked.
//   npm run bench:streaming                    library (5000 and 10000 × 768) and CLI (N = 1e4, 1e5, 1e6)
//   npm run bench:streaming -- --library       only the library tables (--rounds R: alternations, default 3)
//   npm run bench:streaming -- --cli 10000,100000   only the CLI table, for these N
// Needs build-core/nnsim_core_bench (npm run test:core builds it) for the BLAS floors, python3 with numpy
// for the baselines, /usr/bin/time for the peak RSS of the CLI runs. Writes bench/results/streaming.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { formatSeconds as format, median, normalFrom, seeded } from './common.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const D = 768;

/** The environment of every timed child: the user's, without this machine's OpenBLAS overrides. */
function cleanEnv() {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

// ------------------------------------------------------------------------------------------ children

function pair(n, d, seed, Type) {
  const normal = normalFrom(seeded(seed));
  const a = new Type(n * d);
  for (let i = 0; i < a.length; i++) a[i] = 0.5 + normal();
  // B = tanh(A W / 3) + noise through a small random projection (keeps generation fast in JS).
  const k = 16;
  const w = Float64Array.from({ length: d * k }, () => normal());
  const v = Float64Array.from({ length: k * d }, () => normal() / Math.sqrt(k));
  const b = new Type(n * d);
  const h = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    h.fill(0);
    for (let p = 0; p < d; p++) for (let q = 0; q < k; q++) h[q] += a[i * d + p] * w[p * k + q] / Math.sqrt(d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += h[q] * v[q * d + j];
      b[i * d + j] = Math.tanh(s) + 0.3 * normal();
    }
  }
  return [{ data: a, rows: n, cols: d }, { data: b, rows: n, cols: d }];
}

function timeIt(fn, repetitions) {
  const times = [];
  for (let r = 0; r < repetitions; r++) {
    globalThis.gc?.();
    const t = performance.now();
    fn();
    times.push((performance.now() - t) / 1000);
  }
  return median(times);
}

async function child(mode, n) {
  const { compare, getConfig } = await import('../dist/index.js');
  // Many repetitions: a call takes 0.1–0.3 s and this kind of machine drifts by ±10 % within seconds.
  const reps = n > 5000 ? 11 : 15;
  if (mode === 'double') {
    const [a, b] = pair(n, D, 1, Float64Array);
    compare('cka', a, b);
    return { blas: getConfig().blas, cka: timeIt(() => compare('cka', a, b), reps), procrustes: timeIt(() => compare('procrustes', a, b), reps) };
  }
  if (mode === 'single') {
    const [a, b] = pair(n, D, 1, Float32Array);
    compare('cka', a, b);
    return {
      blas: getConfig().blas,
      cka32: timeIt(() => compare('cka', a, b), reps),
      cka32single: timeIt(() => compare('cka', a, b, {}, { precision: 'single' }), reps),
      error: Math.abs(compare('cka', a, b, {}, { precision: 'single' }) / compare('cka', a, b) - 1),
    };
  }
  if (mode === 'error') {
    // Relative difference of precision 'single' from double on float32 input, for the feature-space measures.
    const { compareMany } = await import('../dist/index.js');
    const [a, b] = pair(n, D, 2, Float32Array);
    const ids = ['cka', 'procrustes', 'angular-shape', 'bures'];
    const double = compareMany(ids, a, b);
    const single = compareMany(ids, a, b, { precision: 'single' });
    return Object.fromEntries(ids.map((id) => [id, Math.abs(single[id] / double[id] - 1)]));
  }
  // mode 'rss': peak RSS added by one CKA of in-memory float32 input, in place vs copied to float64 first.
  const [a, b] = pair(n, D, 1, Float32Array);
  const peak = () => process.resourceUsage().maxRSS * 1024;
  const before = peak();
  compare('cka', a, b);
  const inPlace = peak() - before;
  const widened = [a, b].map((m) => ({ data: Float64Array.from(m.data), rows: m.rows, cols: m.cols }));
  compare('cka', widened[0], widened[1]);
  return { inPlace, copied: peak() - before - inPlace, inputBytes: 2 * n * D * 4 };
}

// ------------------------------------------------------------------------------------------- parent

function runChild(mode, n) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', mode, String(n)], {
    env: cleanEnv(),
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`child ${mode} ${n} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

function coreFloor(n, block) {
  const exe = join(root, 'build-core', 'nnsim_core_bench');
  if (!existsSync(exe)) return undefined;
  const args = ['floor', String(n), String(D), ...(block ? [String(block), '1'] : ['0', '7'])];
  return JSON.parse(execFileSync(exe, args, { env: cleanEnv(), encoding: 'utf8' }).trim());
}

function numpy(sizes) {
  if (spawnSync('python3', ['-c', 'import numpy'], { env: cleanEnv() }).status !== 0) return undefined;
  const job = { seed: 1, cases: sizes.map((n) => ({ n, d: D, repetitions: n > 5000 ? 11 : 15 })) };
  const out = execFileSync('python3', [join(root, 'bench', 'numpy_streaming.py')], { input: JSON.stringify(job), env: cleanEnv(), encoding: 'utf8' });
  return JSON.parse(out);
}

const ratio = (x, y) => (x === undefined || y === undefined ? '—' : `${(x / y).toFixed(2)}×`);
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const coreName = (config) => /(\w+) MAX_THREADS/.exec(config ?? '')?.[1] ?? '?';

/** Median of each numeric field over the rounds (non-numeric fields from the first round). */
function medianOf(rounds) {
  if (rounds.some((r) => r === undefined)) return undefined;
  const out = { ...rounds[0] };
  for (const [key, value] of Object.entries(rounds[0])) {
    if (typeof value === 'number') out[key] = median(rounds.map((r) => r[key]));
  }
  return out;
}

/**
 * The floor, nnsim and NumPy measured in alternation, `rounds` times, medians kept: on a shared machine a
 * change of load then affects every side alike instead of whichever happened to run during it.
 */
function alternate(rounds, sides) {
  const samples = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) for (const [key, run] of Object.entries(sides)) samples[key].push(run());
  return samples;
}

function library(results) {
  const sizes = [5000, 10000];
  const roundsAt = process.argv.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(process.argv[roundsAt + 1]) : 3;
  const measured = alternate(rounds, {
    numpy: () => numpy(sizes),
    floors: () => Object.fromEntries(sizes.map((n) => [n, coreFloor(n)])),
    double: () => Object.fromEntries(sizes.map((n) => [n, runChild('double', n)])),
    single: () => runChild('single', 10000),
  });
  const npRounds = measured.numpy;
  const np = npRounds[0] && { ...npRounds[0], cases: sizes.map((n) => medianOf(npRounds.map((r) => r.cases.find((c) => c.n === n)))) };
  const floorAt = (n) => medianOf(measured.floors.map((f) => f[n]));
  const oursAt = (n) => medianOf(measured.double.map((d) => d[n]));
  const rows = [];
  console.log(`\n### Double precision, float64 input, D = ${D}\n`);
  console.log('| N × D | measure | BLAS floor | nnsim | nnsim / floor | NumPy float64 | NumPy / nnsim |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const n of sizes) {
    const floor = floorAt(n);
    const ours = oursAt(n);
    const theirs = np?.cases.find((c) => c.n === n);
    rows.push({ n, floor, ours, theirs });
    console.log(`| ${n} × ${D} | cka | ${format(floor?.jointDsyrkSeconds)} | ${format(ours.cka)} | ${ratio(ours.cka, floor?.jointDsyrkSeconds)} | ${format(theirs?.cka64)} | ${ratio(theirs?.cka64, ours.cka)} |`);
    console.log(`| ${n} × ${D} | procrustes | ${format(floor?.procrustesFloorSeconds)} | ${format(ours.procrustes)} | ${ratio(ours.procrustes, floor?.procrustesFloorSeconds)} | ${format(theirs?.procrustes64)} | ${ratio(theirs?.procrustes64, ours.procrustes)} |`);
  }
  for (const { n, floor, theirs } of rows) {
    if (!floor || !theirs?.products64) continue;
    console.log(
      `\nN = ${n}: NumPy's three products alone (xᵀx, yᵀy, xᵀy of centred inputs, its own BLAS) take ${format(theirs.products64)}, ` +
        `${ratio(theirs.products64, floor.jointDsyrkSeconds)} the dsyrk floor; NumPy's own joint product zᵀz of the centred [X Y] ` +
        `${format(theirs.joint64)}, ${ratio(theirs.joint64, floor.jointDsyrkSeconds)} the floor; its whole CKA ${ratio(theirs.cka64, floor.jointDsyrkSeconds)}. ` +
        `1.25× faster than NumPy would be ${format(theirs.cka64 / 1.25)}, ${ratio(theirs.cka64 / 1.25, floor.jointDsyrkSeconds)} the floor.`,
    );
    console.log(
      `N = ${n}: NumPy's Procrustes arithmetic alone (xᵀy of centred inputs and its singular values) takes ` +
        `${format(theirs.procrustesFloor64)}, ${ratio(theirs.procrustesFloor64, floor.procrustesFloorSeconds)} nnsim's Procrustes floor; ` +
        `1.25× faster than NumPy's Procrustes would be ${ratio(theirs.procrustes64 / 1.25, floor.procrustesFloorSeconds)} the floor.`,
    );
  }
  console.log(
    `\nFloors: CKA = one dsyrk of the centred N × ${2 * D} [X Y]; Procrustes = dgemm XᵀY + singular values of the ${D} × ${D} result ` +
      `(C++ core bench, same run). Kernels: nnsim and the floors ${coreName(rows[0]?.ours.blas)} (Debian OpenBLAS), NumPy ${np?.numpy ?? '—'} ${np?.core ?? '—'} (its bundled OpenBLAS).`,
  );
  console.log(`\n### Float32 input, CKA, N × D = 10000 × ${D}\n`);
  const n = 10000;
  const single = medianOf(measured.single);
  const floor = floorAt(n);
  const theirs = np?.cases.find((c) => c.n === n);
  console.log('| | time | NumPy float64 / this | NumPy float32 / this |');
  console.log('|---|---:|---:|---:|');
  console.log(`| ssyrk floor | ${format(floor?.jointSsyrkSeconds)} | ${ratio(theirs?.cka64, floor?.jointSsyrkSeconds)} | ${ratio(theirs?.cka32, floor?.jointSsyrkSeconds)} |`);
  console.log(`| nnsim, default (double) | ${format(single.cka32)} | ${ratio(theirs?.cka64, single.cka32)} | ${ratio(theirs?.cka32, single.cka32)} |`);
  console.log(`| nnsim, precision: 'single' | ${format(single.cka32single)} | ${ratio(theirs?.cka64, single.cka32single)} | ${ratio(theirs?.cka32, single.cka32single)} |`);
  console.log(`| NumPy float64 | ${format(theirs?.cka64)} | | |`);
  console.log(`| NumPy float32 (\`x.T @ y\`) | ${format(theirs?.cka32)} | | |`);
  if (theirs?.products32 && floor) {
    console.log(
      `\nNumPy's three float32 products alone take ${format(theirs.products32)} (${ratio(theirs.products32, floor.jointSsyrkSeconds)} the ssyrk floor), ` +
        `its joint product zᵀz ${format(theirs.joint32)} (${ratio(theirs.joint32, floor.jointSsyrkSeconds)}); ` +
        `1.2× faster than NumPy's float32 CKA would be ${format(theirs.cka32 / 1.2)}, ${ratio(theirs.cka32 / 1.2, floor.jointSsyrkSeconds)} the floor.`,
    );
  }
  console.log(`\nRelative difference of the single-precision CKA from double: ${single.error.toExponential(1)}.`);
  const errors = runChild('error', 100000);
  console.log(
    `At N = 100000 × ${D} (float32 input): ` + Object.entries(errors).map(([id, e]) => `${id} ${e.toExponential(1)}`).join(', ') + '.',
  );
  const rss = runChild('rss', n);
  console.log(
    `Peak RSS added by one CKA of the two float32 inputs (${mb(rss.inputBytes)}): ${mb(rss.inPlace)} read in place, ` +
      `${mb(rss.copied)} more when they are first copied to float64 (what a Float32Array cost before).`,
  );
  results.library = { rounds, rows, single, rss, errors, numpy: np && { version: np.numpy, core: np.core } };
}

function cli(results, sizes) {
  const dir = join(os.tmpdir(), 'nnsim-stream-bench');
  mkdirSync(dir, { recursive: true });
  const table = [];
  console.log(`\n### \`nnsim compare\` on two float32 .npy files of N × ${D}: cka + procrustes + cca-mean\n`);
  console.log('| N | file size (each) | wall time | peak RSS | BLAS floor (same blocks) | wall / floor |');
  console.log('|---:|---:|---:|---:|---:|---:|');
  for (const n of sizes) {
    const a = join(dir, `a-${n}.npy`);
    const b = join(dir, `b-${n}.npy`);
    if (!existsSync(a) || !existsSync(b)) execFileSync('python3', [join(root, 'bench', 'write_arrays.py'), String(n), String(D), a, b]);
    const args = ['-f', '%e %M', process.execPath, join(root, 'dist', 'cli.js'), 'compare', a, b, '-m', 'cka,procrustes,cca-mean', '--stream', '--json'];
    const run = spawnSync('/usr/bin/time', args, { env: cleanEnv(), encoding: 'utf8', maxBuffer: 1 << 24 });
    if (run.status !== 0) throw new Error(`nnsim compare failed: ${run.stderr}`);
    const [wall, rssKb] = run.stderr.trim().split('\n').at(-1).split(' ').map(Number);
    const out = JSON.parse(run.stdout);
    const floor = coreFloor(n, out.streamed.blockRows);
    const row = { n, wall, rss: rssKb * 1024, floor: floor?.jointDsyrkSeconds, values: out.values, blocks: out.streamed };
    table.push(row);
    console.log(`| ${n} | ${mb(n * D * 4)} | ${format(wall)} | ${mb(row.rss)} | ${format(row.floor)} | ${ratio(wall, row.floor)} |`);
  }
  console.log(
    `\nFloor: the dsyrk of a centred [X Y] block of the same rows (float64, already in memory) repeated over N rows — ` +
      'the arithmetic alone, without reading, converting or checking the files.',
  );
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  results.cli = table;
}

async function main() {
  const at = process.argv.indexOf('--child');
  if (at >= 0) {
    console.log(JSON.stringify(await child(process.argv[at + 1], Number(process.argv[at + 2]))));
    return;
  }
  const results = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg() };
  const only = process.argv.indexOf('--cli');
  if (!process.argv.includes('--cli')) library(results);
  if (!process.argv.includes('--library')) {
    const sizes = only >= 0 && process.argv[only + 1] && !process.argv[only + 1].startsWith('--') ? process.argv[only + 1].split(',').map(Number) : [10000, 100000, 1000000];
    cli(results, sizes);
  }
  // A partial run (--library or --cli) keeps the other part of the previous results; `measured` dates each part.
  const file = join(root, 'bench', 'results', 'streaming.json');
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  results.measured = {};
  for (const part of ['library', 'cli']) {
    if (results[part] !== undefined) results.measured[part] = results.date;
    else if (previous[part] !== undefined) {
      results[part] = previous[part];
      results.measured[part] = previous.measured?.[part] ?? previous.date;
    }
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 1) + '\n');
  console.log(`\nLoad average during the run: ${os.loadavg().map((v) => v.toFixed(1)).join(', ')} (${os.cpus().length} cores).`);
}

await main();
