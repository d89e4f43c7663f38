#!/usr/bin/env node
// prebuildify calls this in place of node-gyp (`--node-gyp`): prebuilds are made by cmake-js with
// OpenBLAS and LAPACKE linked statically and the Fortran runtime copied beside the addon. The
// Node-API target version prebuildify passes is ignored: a Node-API addon is ABI-stable.
'use strict';
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = process.cwd();
const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root, path.join(__dirname, '..')] });
const debug = process.argv.includes('--debug');
const args = [cmakeJs, 'rebuild', '--CDNNSIM_STATIC_BLAS=ON', ...(debug ? ['--debug'] : [])];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
