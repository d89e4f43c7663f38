// Topology bench: nnsim's `persistence` against Debian's ripser binary on the same distance matrices
// (random 3-D clouds, N ∈ {200, 500, 1000}, dims 0–1), side by side; then RTD at ReSi's defaults
// (10 trials × 500 rows), IMD and the geometry score on 2000 × 256 inputs.
//   npm run build:ts && npm run bench:topology        (needs /usr/bin/ripser)
// ripser is timed as a process (reading its text input included; the file is written beforehand);
// nnsim's time includes the binding's validation and copy of the matrix.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

import { compare, persistence } from '../dist/index.js';
import { median, seeded } from './common.mjs';

function gaussianMatrix(rows, cols, seed) {
  const u = seeded(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return { data, rows, cols };
}

function distances(points) {
  const { rows: n, cols: d } = points;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const diff = points.data[i * d + c] - points.data[j * d + c];
        s += diff * diff;
      }
      out[i * n + j] = out[j * n + i] = Math.sqrt(s);
    }
  }
  return { data: out, rows: n, cols: n };
}

const runs = 3;
const dir = mkdtempSync(join(os.tmpdir(), 'nnsim-topology-bench-'));
console.log(
  `# persistence vs ripser (dims 0–1, median of ${runs}) — \`npm run bench:topology\`, ` +
    `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load ${os.loadavg()[0].toFixed(1)}, ${new Date().toISOString().slice(0, 10)}\n`,
);
console.log('| N | nnsim (s) | ripser (s) | nnsim / ripser | H1 bars (nnsim / ripser) |');
console.log('|---|---|---|---|---|');
for (const n of [200, 500, 1000]) {
  const d = distances(gaussianMatrix(n, 3, n));
  const file = join(dir, `d${n}.txt`);
  const lines = [];
  for (let i = 1; i < n; i++) lines.push(Array.from(d.data.subarray(i * n, i * n + i)).join(','));
  writeFileSync(file, lines.join('\n') + '\n');
  const ours = [];
  const theirs = [];
  let bars = 0;
  let ripserBars = 0;
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    bars = persistence(d)[1].bars.length;
    ours.push((performance.now() - t) / 1000);
    t = performance.now();
    const out = spawnSync('/usr/bin/ripser', ['--format', 'lower-distance', '--dim', '1', file], { encoding: 'utf8' });
    theirs.push((performance.now() - t) / 1000);
    if (out.status !== 0) throw new Error(`ripser failed: ${out.stderr}`);
    ripserBars = out.stdout.split('persistence intervals in dim 1:')[1].split('\n').filter((l) => l.trim().startsWith('[')).length;
  }
  const a = median(ours);
  const b = median(theirs);
  console.log(`| ${n} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)} | ${bars} / ${ripserBars} |`);
}
rmSync(dir, { recursive: true, force: true });

const x = gaussianMatrix(2000, 256, 1);
const y = gaussianMatrix(2000, 256, 2);
const t = performance.now();
const value = compare('rtd', x, y, { trials: 10, batch: 500, seed: 0 });
console.log(`\n# RTD at ReSi's defaults (10 trials × 500 rows), 2000 × 256 inputs: ${((performance.now() - t) / 1000).toFixed(2)} s (value ${value.toFixed(4)})`);
for (const [id, options] of [
  ['imd', {}],
  ['imd', { iterations: 8000 }],
  ['geometry-score', {}],
]) {
  const start = performance.now();
  const v = compare(id, x, y, { ...options, seed: 0 });
  console.log(`# ${id} ${JSON.stringify(options)} on 2000 × 256: ${((performance.now() - start) / 1000).toFixed(2)} s (value ${v.toPrecision(4)})`);
}
