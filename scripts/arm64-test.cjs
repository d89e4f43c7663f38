#!/usr/bin/env node
// The linux-arm64 prebuild, cross-compiled on an x64 Debian machine and run under qemu-user:
//  1. stage the package as npm would publish it with a linux-arm64 prebuild only (build:prebuild:arm64:
//     Debian's crossbuild-essential-arm64 and libopenblas-dev:arm64/liblapacke-dev:arm64) and install
//     the tarball into an empty project (scripts ignored: this x64 machine cannot load the addon);
//  2. check the addon: an AArch64 ELF, no BLAS/LAPACK library NEEDED, RPATH $ORIGIN, the glibc/libstdc++
//     versions it needs stated in the README;
//  3. run the packaging test's comparison with Debian's arm64 Node.js 18 (its packages fetched with
//     `apt-get download` and unpacked with `dpkg-deb -x`, no install) under qemu-aarch64-static: the
//     addon loads, and its values equal the x64 development build's to rounding.
// Skips (exit 0, with a message) when the cross toolchain, the arm64 OpenBLAS or qemu is missing; .ci/run
// installs them. Usage: node scripts/arm64-test.cjs [--keep]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const {
  developmentValues, finish, installInto, readmeStates, reporter, root, run, sameValues, saneValues, stagePackage,
} = require('./package-helpers.cjs');
const { crossRequirements, requiredVersions } = require('./prebuild.cjs');

const keep = process.argv.includes('--keep');
const report = reporter();
const { step, check, fail } = report;

function qemu() {
  return ['qemu-aarch64-static', 'qemu-aarch64'].find((q) => spawnSync(q, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** Packages (name:arm64) that Debian's arm64 nodejs needs at run time: its Depends, two levels deep. */
function nodePackages() {
  const seen = new Set();
  let frontier = ['nodejs:arm64'];
  for (let depth = 0; depth < 3 && frontier.length > 0; depth++) {
    const next = [];
    for (const pkg of frontier) {
      if (seen.has(pkg)) continue;
      seen.add(pkg);
      const out = run('apt-cache', ['depends', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks',
        '--no-replaces', '--no-enhances', pkg]);
      let virtual = false;
      for (const line of out.split('\n')) {
        const dep = /^\s+\|?Depends: (<)?([^>\s]+)>?/.exec(line);
        if (dep) {
          virtual = Boolean(dep[1]);
          if (!virtual && dep[2].endsWith(':arm64')) next.push(dep[2]);
        } else if (virtual && /^ {4}\S/.test(line)) {
          // The package that provides a virtual dependency (Debian's node loads acorn, undici and
          // cjs-module-lexer from /usr/share/nodejs): architecture-independent, not followed further.
          seen.add(line.trim());
          virtual = false;
        }
      }
    }
    frontier = next;
  }
  return [...seen];
}

/** Debian's arm64 Node.js unpacked into a folder (cached in node_modules/.cache); returns that folder. */
function arm64Node() {
  const cache = path.join(root, 'node_modules', '.cache', 'nnsim-arm64-node');
  const sysroot = path.join(cache, 'root');
  if (fs.existsSync(path.join(sysroot, 'usr', 'bin', 'node'))) return sysroot;
  fs.rmSync(cache, { recursive: true, force: true });
  const debs = path.join(cache, 'debs');
  fs.mkdirSync(debs, { recursive: true });
  const packages = nodePackages();
  console.log(`apt-get download ${packages.join(' ')}`);
  const download = spawnSync('apt-get', ['download', ...packages], { cwd: debs, encoding: 'utf8' });
  if (download.status !== 0) {
    throw new Error(`apt-get download failed (${download.stderr.trim().split('\n').pop()}); Debian's arm64 package lists are ` +
      'needed: sudo dpkg --add-architecture arm64 && sudo apt-get update');
  }
  for (const deb of fs.readdirSync(debs)) run('dpkg-deb', ['-x', path.join(debs, deb), sysroot]);
  return sysroot;
}

const missing = process.platform === 'linux' && process.arch === 'x64' ? crossRequirements('arm64') : ['an x64 Linux host'];
const emulator = qemu();
if (missing.length > 0 || !emulator) {
  console.log(`arm64 test skipped: missing ${[...missing, ...(emulator ? [] : ['qemu-user-static'])].join(', ')} ` +
    '(Debian: sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo apt-get install -y crossbuild-essential-arm64 ' +
    'libopenblas-dev:arm64 liblapacke-dev:arm64 qemu-user-static)');
  process.exit(0);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nnsim-arm64-'));
try {
  step('stage the package with a cross-compiled linux-arm64 prebuild and install it');
  run('npm', ['run', 'build:ts'], { cwd: root });
  const tarball = stagePackage(work, ['arm64']);
  const listing = run('tar', ['-tzf', tarball]);
  for (const f of ['nnsim.glibc.node', 'libgfortran.so.5', 'licenses/OpenBLAS.txt', 'licenses/libgfortran.txt']) {
    check(listing.includes(`package/prebuilds/linux-arm64/${f}`), `tarball contains prebuilds/linux-arm64/${f}`);
  }
  const { consumer, pkgDir } = installInto(work, tarball, ['--ignore-scripts']);
  const prebuildDir = path.join(pkgDir, 'prebuilds', 'linux-arm64');
  const addon = path.join(prebuildDir, 'nnsim.glibc.node');

  step('the addon');
  check(/Machine:\s+AArch64/.test(run('aarch64-linux-gnu-readelf', ['-h', addon])), 'an AArch64 ELF file');
  const dynamic = run('aarch64-linux-gnu-readelf', ['-d', addon]);
  const needed = [...dynamic.matchAll(/NEEDED.*\[(.+)\]/g)].map((m) => m[1]);
  console.log(`NEEDED: ${needed.join(', ')}`);
  check(!needed.some((n) => /blas|lapack/i.test(n)), 'no BLAS/LAPACK/LAPACKE library is NEEDED (linked statically)');
  check(/R(UN)?PATH.*\$ORIGIN/.test(dynamic), 'RPATH is $ORIGIN');
  const needs = requiredVersions('aarch64-linux-gnu-objdump', [addon, path.join(prebuildDir, 'libgfortran.so.5')]);
  check(readmeStates('linux-arm64', needs), `the README states what linux-arm64 needs: glibc ≥ ${needs.GLIBC?.version}, GLIBCXX_${needs.GLIBCXX?.version}`);

  step(`run it with Debian's arm64 Node.js under ${emulator}`);
  const sysroot = arm64Node();
  const env = { ...process.env, QEMU_LD_PREFIX: sysroot };
  const node = path.join(sysroot, 'usr', 'bin', 'node');
  const probe = spawnSync(emulator, [node, path.join(consumer, 'probe.mjs'), 'probe'], { cwd: consumer, env, encoding: 'utf8' });
  if (probe.status !== 0) console.error(probe.stdout, probe.stderr);
  check(probe.status === 0, 'nnsim loads and computes on arm64');
  const result = JSON.parse(probe.stdout.trim().split('\n').pop() || '{}');
  console.log(`node ${result.node} (${result.arch}), BLAS: ${result.blas}\nvalues: ${JSON.stringify(result.values)}`);
  check(result.arch === 'arm64', 'the process is arm64');
  const fortran = (result.libraries ?? []).filter((l) => path.basename(l) === 'libgfortran.so.5');
  check(fortran.length === 1 && fortran[0].startsWith(prebuildDir), `libgfortran.so.5 is mapped from the package (${fortran.join(', ')})`);
  const v = result.values ?? {};
  check(saneValues(v), 'the values are sane');
  const x64 = developmentValues();
  console.log(`x64 development build: ${JSON.stringify(x64)}`);
  check(sameValues(v, x64), 'the values equal the x64 build\'s to rounding (1e-10 relative)');
} catch (error) {
  fail(error);
}
finish('arm64 test', report, work, keep);
