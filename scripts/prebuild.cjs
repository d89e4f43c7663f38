#!/usr/bin/env node
// npm run prebuild: writes prebuilds/<platform>-<arch>/ with
//   nnsim.glibc.node      the addon (Node-API), OpenBLAS + LAPACKE linked in statically
//   libgfortran.so.5      Fortran runtime that OpenBLAS's LAPACK needs, found through RPATH $ORIGIN
//   libquadmath.so.0      its dependency
//   licenses/             licence texts of everything bundled
// node-gyp-build loads it at run time; no compiler or system BLAS is needed on the user's machine.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const tuple = `${process.platform}-${process.arch}`;
// Outside build/: cmake-js rebuild wipes that folder.
const artifacts = fs.mkdtempSync(path.join(os.tmpdir(), 'nnsim-prebuild-'));

// Licence texts, from the Debian packages the bundled code comes from.
const licenseSources = {
  'OpenBLAS.txt': ['/usr/share/doc/libopenblas0-pthread/copyright', '/usr/share/doc/libopenblas-pthread-dev/copyright'],
  'LAPACKE.txt': ['/usr/share/doc/liblapacke/copyright', '/usr/share/doc/liblapacke-dev/copyright'],
  'libgfortran.txt': ['/usr/share/doc/libgfortran5/copyright'],
  'libquadmath.txt': ['/usr/share/doc/libquadmath0/copyright'],
};

fs.mkdirSync(path.join(artifacts, 'licenses'), { recursive: true });
for (const [name, candidates] of Object.entries(licenseSources)) {
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) {
    console.error(`prebuild: licence text for ${name} not found (looked in ${candidates.join(', ')})`);
    process.exit(1);
  }
  fs.copyFileSync(found, path.join(artifacts, 'licenses', name));
}
fs.writeFileSync(
  path.join(artifacts, 'licenses', 'README.txt'),
  'The nnsim addon in this folder links OpenBLAS and LAPACKE statically and ships the GNU Fortran\n' +
    'runtime (libgfortran, libquadmath) beside it. Their licences follow, as distributed by Debian.\n',
);

fs.rmSync(path.join(root, 'prebuilds', tuple), { recursive: true, force: true });
const prebuildify = require.resolve('prebuildify/bin.js', { paths: [root] });
const result = spawnSync(
  process.execPath,
  [prebuildify, '--napi', '--strip', '--tag-libc', '--node-gyp', path.join(__dirname, 'prebuild-backend.cjs'),
    '--artifacts', artifacts],
  { cwd: root, stdio: 'inherit' },
);
fs.rmSync(artifacts, { recursive: true, force: true });
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`prebuild: wrote ${path.relative(root, path.join(root, 'prebuilds', tuple))}:`);
for (const f of fs.readdirSync(path.join(root, 'prebuilds', tuple))) console.log(`  ${f}`);
