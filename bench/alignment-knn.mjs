// Mutual k-NN and CKNNA (Huh et al. 2024) against the authors' PyTorch code on the CPU, same inputs, one
// run: N = 1024 (their setting) and N = 20 000, D = 768, k = 10. The authors' code runs in float32 as
// their pipeline does (bench/platonic_reference.py, with F.normalize of the rows timed in); nnsim gets
// the same float32 values as float64. Writes bench/results/alignment-knn.json.
//   npm run build:ts && npm run bench:alignment-knn -- --repo /tmp/platonic-rep [--sizes 1024,10000,20000]
// Needs /usr/bin/python3 with torch (Debian python3-torch) and a checkout of the authors' platonic-rep.
// Each side runs only when its estimated peak memory fits into 85 % of MemAvailable (the authors' CKNNA
// keeps about twelve N × N float32 matrices alive; a skipped cell says so in the table).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { compare, compareMany } from '../dist/index.js';
import { formatSeconds, median, normalFrom, seeded } from './common.mjs';

const { values: args } = parseArgs({
  options: {
    repo: { type: 'string', default: process.env.PLATONIC_REP ?? '/tmp/platonic-rep' },
    sizes: { type: 'string', default: '1024,20000' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const root = join(import.meta.dirname, '..');
const D = 768;
const K = 10;
const sizes = args.sizes.split(',').map(Number);

/** Related float32 inputs: A = Z·W₁ + noise, B = tanh(Z·W₂) + noise, from a 64-dimensional latent Z. */
function inputs(n, seed) {
  const normal = normalFrom(seeded(seed));
  const latent = Float32Array.from({ length: n * 64 }, normal);
  const w1 = Float32Array.from({ length: 64 * D }, () => normal() / 8);
  const w2 = Float32Array.from({ length: 64 * D }, () => normal() / 8);
  const a = new Float32Array(n * D);
  const b = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < D; j++) {
      let s1 = 0;
      let s2 = 0;
      for (let l = 0; l < 64; l++) {
        s1 += latent[i * 64 + l] * w1[l * D + j];
        s2 += latent[i * 64 + l] * w2[l * D + j];
      }
      a[i * D + j] = s1 + 0.5 * normal();
      b[i * D + j] = Math.tanh(s2) + 0.5 * normal();
    }
  }
  return { a, b };
}

/** A float32 .npy (format 1.0, C order). */
function writeNpy(path, data, rows, cols) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

function availableBytes() {
  const line = readFileSync('/proc/meminfo', 'utf8').split('\n').find((l) => l.startsWith('MemAvailable:'));
  return line ? Number(line.split(/\s+/)[1]) * 1024 : os.freemem();
}

/** Peak bytes, estimated from the N × N matrices each side keeps alive. */
const PEAK = {
  nnsim: (n) => 2 * 2 * 8 * n * n, // per input: the cosine similarities and the distances (float64)
  mutual_knn: (n) => 7 * 4 * n * n, // their Gram, argsort (int64 values + indices, both inputs), masks
  cknna: (n) => 12 * 4 * n * n, // K, L, their clones, three masks, masked kernels, hsic_unbiased's copies
};

function fits(side, n) {
  const need = PEAK[side](n);
  const have = availableBytes();
  return { ok: need < 0.85 * have, need, have };
}

function gigabytes(bytes) {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function timeNnsim(fn, repetitions) {
  const times = [];
  let value;
  for (let r = 0; r < repetitions; r++) {
    globalThis.gc?.();
    const t = performance.now();
    value = fn();
    times.push((performance.now() - t) / 1000);
  }
  return { seconds: median(times), value };
}

const dir = mkdtempSync(join(os.tmpdir(), 'nnsim-alignment-bench-'));
const rows = [];
const versions = { node: process.version, nnsim: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version };
try {
  for (const n of sizes) {
    const repetitions = n <= 4096 ? 5 : 1;
    const { a, b } = inputs(n, n);
    const fa = { data: Float64Array.from(a), rows: n, cols: D };
    const fb = { data: Float64Array.from(b), rows: n, cols: D };
    const nnsim = {};
    const fitsNnsim = fits('nnsim', n);
    if (fitsNnsim.ok) {
      nnsim.mutual_knn = timeNnsim(() => compare('mutual-knn', fa, fb, { k: K }), repetitions);
      nnsim.cknna = timeNnsim(() => compare('cknna', fa, fb, { k: K, epsilon: 1e-6 }), repetitions);
      nnsim.both = timeNnsim(() => compareMany(['mutual-knn', { id: 'cknna', options: { epsilon: 1e-6 } }], fa, fb), repetitions);
    }
    const pathA = join(dir, `a-${n}.npy`);
    const pathB = join(dir, `b-${n}.npy`);
    writeNpy(pathA, a, n, D);
    writeNpy(pathB, b, n, D);
    const authors = {};
    for (const measure of ['mutual_knn', 'cknna']) {
      const check = fits(measure, n);
      if (!check.ok) {
        authors[measure] = { skipped: `needs ~${gigabytes(check.need)}, ${gigabytes(check.have)} available` };
        continue;
      }
      const job = { repo: args.repo, a: pathA, b: pathB, k: K, measures: [measure], repetitions: n <= 4096 ? 3 : 1 };
      const out = JSON.parse(execFileSync(args.python, [join(root, 'bench', 'platonic_reference.py')], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 20 }));
      Object.assign(versions, { torch: out.torch, numpy: out.numpy, platonicRep: out.commit, torchThreads: out.threads });
      authors[measure] = out.results[0];
    }
    for (const measure of ['mutual_knn', 'cknna']) {
      const mine = nnsim[measure];
      const theirs = authors[measure];
      rows.push({
        n,
        d: D,
        k: K,
        measure: measure === 'mutual_knn' ? 'mutual-knn' : 'cknna',
        nnsim: mine?.seconds,
        nnsimValue: mine?.value,
        nnsimSkipped: mine ? undefined : `needs ~${gigabytes(fitsNnsim.need)}, ${gigabytes(fitsNnsim.have)} available`,
        authors: theirs?.seconds,
        authorsValue: theirs?.value,
        authorsSkipped: theirs?.skipped,
        ratio: mine && theirs?.seconds ? theirs.seconds / mine.seconds : undefined,
      });
    }
    if (nnsim.both) rows.push({ n, d: D, k: K, measure: 'compareMany(mutual-knn, cknna)', nnsim: nnsim.both.seconds });
    rmSync(pathA);
    rmSync(pathB);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const load = os.loadavg().map((v) => v.toFixed(1)).join(' ');
console.log(`\n${os.cpus().length} cores, load average ${load}; ${JSON.stringify(versions)}\n`);
console.log('| N × D | measure | nnsim | authors (PyTorch, CPU) | authors / nnsim | |Δ value| |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of rows) {
  const authors = r.authorsSkipped ? `not run (${r.authorsSkipped})` : formatSeconds(r.authors);
  const mine = r.nnsimSkipped ? `not run (${r.nnsimSkipped})` : formatSeconds(r.nnsim);
  const delta = r.nnsimValue !== undefined && r.authorsValue !== undefined ? Math.abs(r.nnsimValue - r.authorsValue).toExponential(1) : '—';
  console.log(`| ${r.n} × ${r.d} | ${r.measure} | ${mine} | ${r.measure.startsWith('compareMany') ? '—' : authors} | ${r.ratio ? `${r.ratio.toFixed(1)}×` : '—'} | ${delta} |`);
}
writeFileSync(
  join(root, 'bench', 'results', 'alignment-knn.json'),
  JSON.stringify({ date: new Date().toISOString(), cores: os.cpus().length, loadAverage: os.loadavg(), versions, rows }, null, 1) + '\n',
);
