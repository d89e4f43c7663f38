// Installing: the install script (prebuild or source build, with one clear message when the build
// requirements are missing), the prepack check, and package.json's npm hooks.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const script = join(ROOT, 'scripts', 'install.cjs');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  os?: string[];
  main: string;
  types: string;
  bin: Record<string, string>;
};

/** A copy of one script of the package in a fresh folder laid out as `relative` (e.g. node_modules/nnsim). */
function packageCopy(relative: string, file: string): { dir: string; script: string } {
  const dir = join(mkdtempSync(join(tmpdir(), 'nnsim-install-')), relative);
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(ROOT, 'scripts', file), join(dir, 'scripts', file));
  return { dir, script: join(dir, 'scripts', file) };
}

describe('scripts/install.cjs', () => {
  const emptySysroot = mkdtempSync(join(tmpdir(), 'nnsim-sysroot-'));

  it('names the missing packages when it would have to build without OpenBLAS/LAPACKE', () => {
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

  it('says what a Windows source build needs (OpenBLAS_DIR) instead of failing in the compiler', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NNSIM_BUILD_FROM_SOURCE: '1', NNSIM_PLATFORM: 'win32' };
    delete env.OpenBLAS_DIR;
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8', env });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('OpenBLAS_DIR');
    expect(result.stderr).toContain('WSL2');
  });

  it('builds nothing in the temporary clone npm prepares for a git dependency, but does in the installed copy', () => {
    const env = { ...process.env, _PACOTE_NO_PREPARE_: 'git+file:///x/nnsim.git#abc', NNSIM_BUILD_FROM_SOURCE: '1', NNSIM_SYSROOT: emptySysroot };
    const clone = packageCopy('git-clone', 'install.cjs');
    const prepared = spawnSync(process.execPath, [clone.script], { cwd: clone.dir, encoding: 'utf8', env });
    expect(prepared.status, prepared.stderr).toBe(0);
    expect(prepared.stdout).toContain('the addon is built when the packed copy is installed');
    // Installed into a project (…/node_modules/nnsim): the same variable does not stop the build.
    const installed = packageCopy(join('project', 'node_modules', 'nnsim'), 'install.cjs');
    const built = spawnSync(process.execPath, [installed.script], { cwd: installed.dir, encoding: 'utf8', env });
    expect(built.status).toBe(1);
    expect(built.stderr).toContain('build requirements are missing');
  });
});

describe('scripts/prepack.cjs', () => {
  it('refuses to pack without dist/, and says whether prebuilds are included', () => {
    const { dir, script: prepack } = packageCopy('pkg', 'prepack.cjs');
    const refused = spawnSync(process.execPath, [prepack], { encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('refusing to pack');
    expect(refused.stderr).toContain('dist/index.js');
    for (const entry of [pkg.main, pkg.types, ...Object.values(pkg.bin)]) {
      mkdirSync(dirname(join(dir, entry)), { recursive: true });
      writeFileSync(join(dir, entry), '');
    }
    const sourceOnly = spawnSync(process.execPath, [prepack], { encoding: 'utf8' });
    expect(sourceOnly.status, sourceOnly.stderr).toBe(0);
    expect(sourceOnly.stderr).toContain('no prebuilt addon');
    mkdirSync(join(dir, 'prebuilds', 'linux-x64'), { recursive: true });
    writeFileSync(join(dir, 'prebuilds', 'linux-x64', 'nnsim.glibc.node'), '');
    const withPrebuild = spawnSync(process.execPath, [prepack], { encoding: 'utf8' });
    expect(withPrebuild.status).toBe(0);
    expect(withPrebuild.stderr).toContain('prebuilt addons included for linux-x64');
  });
});

describe('package.json', () => {
  it('runs no script as an accidental npm hook, restricts no platform and builds dist/ on prepare', () => {
    const names = Object.keys(pkg.scripts);
    for (const name of names) {
      const hook = /^(pre|post)(.+)$/.exec(name);
      // "prebuild" next to "build" would run on every `npm run build`.
      if (hook) expect(names, `${name} is a hook of '${hook[2]}'`).not.toContain(hook[2]);
    }
    expect(pkg.os).toBeUndefined();
    expect(pkg.scripts.prepare).toContain('tsconfig.build.json');
    expect(pkg.scripts.prepack).toContain('prepack.cjs');
  });
});
