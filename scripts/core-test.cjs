#!/usr/bin/env node
// npm run test:core: builds the Node-free core with its C++ unit tests (CMake, build-core/) and runs them.
// --lapack-fortran (npm run test:core:fortran): the same against nnsim's LAPACKE adapter over the Fortran
// LAPACK interface (native/compat, what macOS's Accelerate build uses), in build-core-fortran/.
'use strict';
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const fortran = process.argv.includes('--lapack-fortran');
const buildDir = path.join(root, fortran ? 'build-core-fortran' : 'build-core');
function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
run('cmake', ['-S', root, '-B', buildDir, '-DNNSIM_CORE_TESTS=ON', '-DCMAKE_BUILD_TYPE=Release', `-DNNSIM_LAPACK_FORTRAN=${fortran ? 'ON' : 'OFF'}`]);
run('cmake', ['--build', buildDir, '-j', String(os.availableParallelism())]);
run(path.join(buildDir, 'nnsim_core_test'), []);
