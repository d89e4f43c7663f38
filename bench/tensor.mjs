// Tensor reshapes: fromTensor (flatten, positions, pool, pool:4x4) on a float32 conv output of
// 256 × 64 × 32 × 32 in both layouts, against what a NumPy/PyTorch user writes for the same float64
// matrix (bench/tensor_numpy.py: transpose + reshape + astype, mean, adaptive_avg_pool2d), same data.
//   npm run build:ts && node --expose-gc bench/tensor.mjs       (the NumPy side needs /usr/bin/python3 with numpy and torch)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

import { fromTensor } from '../dist/index.js';
import { formatSeconds, normalFrom, seeded, time } from './common.mjs';

const [N, C, H, W] = [256, 64, 32, 32];
const normal = normalFrom(seeded(1));
const nchw = new Float32Array(N * C * H * W);
for (let k = 0; k < nchw.length; k++) nchw[k] = normal();
const nhwc = new Float32Array(nchw.length);
for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) nhwc[((n * H * W) + p) * C + c] = nchw[(n * C + c) * H * W + p];

const dir = mkdtempSync(join(os.tmpdir(), 'nnsim-tensor-bench-'));
const file = join(dir, 'conv.f32');
writeFileSync(file, new Uint8Array(nchw.buffer));
const numpy = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'tensor_numpy.py'), file, String(N), String(C), String(H), String(W)], { encoding: 'utf8' });
rmSync(dir, { recursive: true, force: true });
const reference = numpy.status === 0 ? JSON.parse(numpy.stdout) : undefined;
if (!reference) console.error(`NumPy side not run: ${numpy.stderr || numpy.error}`);

console.log(`float32 conv output ${N} × ${C} × ${H} × ${W} (${((nchw.length * 4) / 2 ** 20).toFixed(0)} MiB) → float64 matrix`);
console.log('| layout | reshape | result | nnsim | NumPy/PyTorch | NumPy / nnsim |');
console.log('|---|---|---|---:|---:|---:|');
for (const reshape of ['flatten', 'positions', 'pool', 'pool:4x4']) {
  for (const [layout, data] of [['nchw', nchw], ['nhwc', nhwc]]) {
    const m = fromTensor(data, layout === 'nchw' ? [N, C, H, W] : [N, H, W, C], { layout, reshape });
    const seconds = time(() => fromTensor(data, layout === 'nchw' ? [N, C, H, W] : [N, H, W, C], { layout, reshape }), { min: 3, budget: 4 });
    const theirs = reference?.[`${layout} ${reshape}`];
    console.log(
      `| ${layout} | ${reshape} | ${m.rows} × ${m.cols} | ${formatSeconds(seconds)} | ${theirs ? formatSeconds(theirs) : '—'} | ${theirs ? (theirs / seconds).toFixed(1) + '×' : '—'} |`,
    );
  }
}
