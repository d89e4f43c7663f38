#!/usr/bin/env node
// Dev-only (not part of npm test; needs Python with numpy and torch): runs
// examples/python/save_activations.py on its small CNN and on a user's model file (token and Conv1d
// layers) and checks what it writes against nnsim's own reshapes of the raw activations: --pool flatten /
// pool / pool:HxW in the script must equal nnsim's --reshape flatten / pool / pool:HxW of the --pool none
// file (which declares its layouts), and `nnsim pairwise` must read the files without any --layout.
//
// Usage: npm run build:ts && node scripts/check-save-activations.mjs [python]   (default /usr/bin/python3)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openModel, toRepresentation } from '../dist/io/load.js';

const root = join(import.meta.dirname, '..');
const python = process.argv[2] ?? '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'nnsim-save-activations-'));
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: dir });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout.trim();
};

run(python, ['-c', "import numpy as np; r = np.random.default_rng(0); np.save('images.npy', r.normal(size=(40, 1, 8, 8)).astype('float32')); np.save('sequences.npy', r.normal(size=(40, 6, 4)).astype('float32'))"]);
// A user's model file (the path/to/file.py:NAME form): token activations (N × T × C) and Conv1d ones (N × C × T).
writeFileSync(
  join(dir, 'models.py'),
  [
    'import torch.nn as nn',
    'class Tokens(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.embed = nn.Linear(4, 8)',
    '        self.block = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)',
    '    def forward(self, x):',
    '        return self.block(self.embed(x))',
    'class Signal(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.conv = nn.Conv1d(6, 5, 3)',
    '    def forward(self, x):',
    '        return self.conv(x)',
    '',
  ].join('\n'),
);
const script = join(root, 'examples', 'python', 'save_activations.py');
const configs = [
  { tag: 'cnn', args: ['--model', 'small-cnn', '--inputs', 'images.npy', '--layers', 'conv.|fc1'], grid: 'pool:3x3' },
  { tag: 'tokens', args: ['--model', 'models.py:Tokens', '--inputs', 'sequences.npy', '--layers', 'embed|block'], grid: 'pool:4' },
  { tag: 'signal', args: ['--model', 'models.py:Signal', '--inputs', 'sequences.npy', '--layers', 'conv', '--layout-3d', 'nct'], grid: 'pool:3' },
];
let worst = 0;
for (const { tag, args, grid } of configs) {
  const files = {};
  for (const pool of ['none', 'flatten', 'pool', grid]) {
    const out = join(dir, `${tag}-${pool.replace(':', '-')}.npz`);
    console.log(run(python, [script, ...args, '--pool', pool, '--batch-size', '16', '--out', out]));
    files[pool] = Object.fromEntries(openModel(out).layers.map((e) => [e.name, e]));
  }
  for (const reshape of ['flatten', 'pool', grid]) {
    for (const [name, raw] of Object.entries(files.none)) {
      const mine = toRepresentation(raw, { reshape });
      const theirs = toRepresentation(files[reshape][name]);
      if (mine.rows !== theirs.rows || mine.cols !== theirs.cols) throw new Error(`${tag} ${name} ${reshape}: ${mine.rows}×${mine.cols} vs ${theirs.rows}×${theirs.cols}`);
      for (let k = 0; k < mine.data.length; k++) worst = Math.max(worst, Math.abs(mine.data[k] - theirs.data[k]) / (1 + Math.abs(mine.data[k])));
    }
  }
}
console.log(`largest relative difference between the script's pooling (float32, torch) and nnsim's: ${worst.toExponential(2)}`);
if (worst > 1e-5) throw new Error('the script and nnsim disagree');
console.log(run(process.execPath, [join(root, 'dist', 'cli.js'), 'pairwise', join(dir, 'cnn-none.npz'), join(dir, 'cnn-pool-3x3.npz'), '--reshape', 'pool', '-m', 'cka', '--out', join(dir, 'report')]));
console.log('ok');
