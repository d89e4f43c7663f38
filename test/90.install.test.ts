// The install script: without a loadable prebuild and without the system libraries it stops with one
// clear message naming the packages to install (and builds nothing).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '..', 'scripts', 'install.cjs');

describe('scripts/install.cjs', () => {
  it('names the missing packages when it would have to build without OpenBLAS/LAPACKE', () => {
    const emptySysroot = mkdtempSync(join(tmpdir(), 'nnsim-sysroot-'));
    const result = spawnSync(process.execPath, [script], {
      encoding: 'utf8',
      env: { ...process.env, NNSIM_BUILD_FROM_SOURCE: '1', NNSIM_SYSROOT: emptySysroot },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('OpenBLAS (cblas.h, libopenblas.so)');
    expect(result.stderr).toContain('LAPACKE (lapacke.h, liblapacke.so)');
    expect(result.stderr).toContain('sudo apt-get install -y build-essential libopenblas-dev liblapacke-dev');
    expect(result.stdout).not.toContain('building the native addon');
  });
});
