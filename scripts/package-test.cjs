#!/usr/bin/env node
// Proves that the published package runs without a system BLAS:
//  1. stage the package as npm would publish it (npm pack), build its prebuild there (npm run
//     build:prebuild: OpenBLAS + LAPACKE static, the Fortran runtime beside the addon) and pack it again;
//  2. install the tarball into an empty project (npm install <tarball>);
//  3. check the addon's dynamic section: no BLAS/LAPACK library is NEEDED, RPATH is $ORIGIN, ldd
//     resolves the Fortran runtime inside the package, and the README states the glibc/libstdc++
//     versions it needs;
//  4. run a comparison in a private mount namespace (unshare -m; for a normal user unshare -rm, a user
//     namespace, where the kernel allows it) where every system copy of OpenBLAS, BLAS, LAPACK, LAPACKE,
//     libgfortran and libquadmath is replaced by /dev/null (bind mounts) and LD_LIBRARY_PATH points to
//     an empty folder. A control dlopen of the system libopenblas must fail there (so the hiding works),
//     the package must still load and compute the development build's values, and /proc/self/maps must
//     show no BLAS/LAPACK library mapped and the Fortran runtime mapped from the package only. Without
//     any mount namespace this step is skipped with a message; the rest still runs.
// Usage: node scripts/package-test.cjs [--keep]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const {
  developmentValues, finish, installInto, readmeStates, reporter, run, sameValues, saneValues, stagePackage,
} = require('./package-helpers.cjs');
const { requiredVersions } = require('./prebuild.cjs');

const keep = process.argv.includes('--keep');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nnsim-package-'));
const tuple = `${process.platform}-${process.arch}`;
const triple = `${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu`;
const report = reporter();
const { step, check, skip, fail } = report;

/** How to enter a private mount namespace here: as root, or through a user namespace; undefined if neither. */
function mountNamespace() {
  if (spawnSync('unshare', ['--mount', 'true']).status === 0) return ['--mount'];
  if (spawnSync('unshare', ['--map-root-user', '--mount', 'true']).status === 0) return ['--map-root-user', '--mount'];
  return undefined;
}

try {
  step('stage the package and build its prebuild');
  run('npm', ['run', 'build:ts'], { cwd: path.join(__dirname, '..') });
  const tarball = stagePackage(work, [process.arch]);
  const listing = run('tar', ['-tzf', tarball]);
  const runtime = process.arch === 'x64' ? ['libgfortran.so.5', 'libquadmath.so.0'] : ['libgfortran.so.5'];
  for (const f of ['nnsim.glibc.node', ...runtime, 'licenses/OpenBLAS.txt', 'licenses/LAPACKE.txt', 'licenses/libgfortran.txt']) {
    check(listing.includes(`package/prebuilds/${tuple}/${f}`), `tarball contains prebuilds/${tuple}/${f}`);
  }
  check(listing.includes('package/dist/index.js') && listing.includes('package/dist/cli.js'), 'tarball contains dist/');
  console.log(`tarball: ${tarball} (${(fs.statSync(tarball).size / 1e6).toFixed(1)} MB)`);

  step('install the tarball into an empty project');
  const { consumer, log, pkgDir } = installInto(work, tarball);
  console.log(log.trim());
  const prebuildDir = path.join(pkgDir, 'prebuilds', tuple);
  check(!fs.existsSync(path.join(pkgDir, 'build')), 'npm install built nothing from source (no build/ folder)');
  check(fs.existsSync(path.join(consumer, 'node_modules', '.bin', 'nnsim')), 'the nnsim command is installed');
  const addon = path.join(prebuildDir, 'nnsim.glibc.node');

  step('dynamic section, ldd and symbol versions');
  const dynamic = run('readelf', ['-d', addon]);
  const needed = [...dynamic.matchAll(/NEEDED.*\[(.+)\]/g)].map((m) => m[1]);
  console.log(`NEEDED: ${needed.join(', ')}`);
  check(!needed.some((n) => /blas|lapack/i.test(n)), 'no BLAS/LAPACK/LAPACKE library is NEEDED (linked statically)');
  check(/R(UN)?PATH.*\$ORIGIN/.test(dynamic), 'RPATH is $ORIGIN');
  const ldd = run('ldd', [addon]);
  for (const lib of runtime) {
    const line = ldd.split('\n').find((l) => l.includes(lib)) ?? '';
    check(line.includes(prebuildDir), `ldd resolves ${lib} inside the package (${line.trim()})`);
  }
  const needs = requiredVersions('objdump', [addon, ...runtime.map((lib) => path.join(prebuildDir, lib))]);
  check(readmeStates(tuple, needs), `the README states what ${tuple} needs: glibc ≥ ${needs.GLIBC?.version}, GLIBCXX_${needs.GLIBCXX?.version}`);

  step('run with the system BLAS/LAPACK/Fortran libraries hidden');
  const script = path.join(consumer, 'probe.mjs');
  const hide = [];
  const libDirs = [`/usr/lib/${triple}`, `/usr/lib/${triple}/openblas-pthread`, `/lib/${triple}`, '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  for (const dir of libDirs) {
    let entries = [];
    try { entries = fs.readdirSync(dir); } catch { continue; }
    for (const e of entries) {
      if (!/^lib(open)?blas|^liblapack|^libgfortran|^libquadmath/.test(e)) continue;
      const real = fs.realpathSync(path.join(dir, e));
      if (!hide.includes(real) && fs.statSync(real).isFile()) hide.push(real);
    }
  }
  const namespace = mountNamespace();
  if (!namespace) {
    skip('the hidden-library run: no private mount namespace is available to this user (`unshare -m` needs root, and ' +
      '`unshare -rm` needs unprivileged user namespaces, which this kernel or container does not allow). Run ' +
      '`npm run test:package` as root to include it.');
  } else {
    console.log(`namespace: unshare ${namespace.join(' ')}; hiding ${hide.length} files:\n  ${hide.join('\n  ')}`);
    const systemBlas = [`/usr/lib/${triple}/libopenblas.so.0`, `/usr/lib/${triple}/libblas.so.3`].find((f) => fs.existsSync(f));
    const emptyDir = path.join(work, 'empty-lib');
    fs.mkdirSync(emptyDir);
    const mounts = hide.map((f) => `mount --bind /dev/null '${f}'`).join(' && ');
    const inNamespace = (args) =>
      spawnSync('unshare', [...namespace, '--propagation', 'private', 'sh', '-c',
        `${mounts || 'true'} && LD_LIBRARY_PATH='${emptyDir}' exec '${process.execPath}' ${args}`], { cwd: consumer, encoding: 'utf8' });
    if (systemBlas) {
      const control = inNamespace(`'${script}' control '${systemBlas}'`);
      const c = JSON.parse(control.stdout.trim() || '{}');
      check(c.loaded === false, `control: the system ${path.basename(systemBlas)} cannot be loaded there (${c.error ?? control.stderr.trim()})`);
    }
    const probe = inNamespace(`'${script}' probe`);
    if (probe.status !== 0) console.error(probe.stdout, probe.stderr);
    check(probe.status === 0, 'nnsim loads and computes with the system libraries hidden');
    const result = JSON.parse(probe.stdout.trim().split('\n').pop() || '{}');
    console.log(`values: ${JSON.stringify(result.values)}`);
    const libs = result.libraries ?? [];
    const blasLibs = libs.filter((l) => /blas|lapack/i.test(path.basename(l)));
    check(blasLibs.length === 0, `no BLAS/LAPACK shared library is mapped in the process (${blasLibs.join(', ') || 'none'})`);
    for (const lib of runtime) {
      const mapped = libs.filter((l) => path.basename(l) === lib);
      check(mapped.length === 1 && mapped[0].startsWith(prebuildDir), `${lib} is mapped from the package (${mapped.join(', ')})`);
    }
    const v = result.values ?? {};
    check(saneValues(v), 'the values are sane');
    check(sameValues(v, developmentValues()), 'the values equal those of the development build');
  }
} catch (error) {
  fail(error);
}
finish('package test', report, work, keep);
