#!/usr/bin/env node
// npm install hook: use a prebuilt addon when one loads on this machine; otherwise build from source
// with node-gyp (binding.gyp) against the system OpenBLAS and LAPACKE, and say clearly what to install
// when they are missing. Set NNSIM_BUILD_FROM_SOURCE=1 to skip the prebuilds.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const tuple = `${process.platform}-${process.arch}`;
// Prefix for the system folders searched for headers and libraries (a sysroot; also used by tests).
const sysroot = process.env.NNSIM_SYSROOT || '/';

function loadablePrebuild() {
  const dir = path.join(root, 'prebuilds', tuple);
  let files = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.node'));
  } catch {
    return undefined;
  }
  for (const file of files) {
    try {
      require(path.join(dir, file));
      return path.join(dir, file);
    } catch (error) {
      console.warn(`nnsim: prebuilt ${file} does not load here (${String(error.message).split('\n')[0]})`);
    }
  }
  return undefined;
}

const includeDirs = [
  '/usr/include',
  '/usr/local/include',
  '/usr/include/openblas',
  `/usr/include/${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu`,
  `/usr/include/${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu/openblas-pthread`,
];
const libDirs = [
  `/usr/lib/${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu`,
  `/usr/lib/${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu/openblas-pthread`,
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
];

const exists = (dirs, name) => dirs.some((d) => fs.existsSync(path.join(sysroot, d, name)));
const hasCommand = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

function missingRequirements() {
  const missing = [];
  if (!hasCommand('c++') && !hasCommand('g++') && !hasCommand('clang++')) missing.push('a C++17 compiler');
  if (!exists(includeDirs, 'cblas.h') || !exists(libDirs, 'libopenblas.so')) missing.push('OpenBLAS (cblas.h, libopenblas.so)');
  if (!exists(includeDirs, 'lapacke.h') || !exists(libDirs, 'liblapacke.so')) missing.push('LAPACKE (lapacke.h, liblapacke.so)');
  return missing;
}

function nodeGypCommand() {
  if (process.env.npm_config_node_gyp && fs.existsSync(process.env.npm_config_node_gyp)) {
    return [process.execPath, process.env.npm_config_node_gyp];
  }
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    // npm bundles node-gyp; outside an npm lifecycle, find the copy beside this node's npm.
    const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules',
      'node-gyp', 'bin', 'node-gyp.js');
    if (fs.existsSync(bundled)) return [process.execPath, bundled];
    return ['npx', '--yes', 'node-gyp'];
  }
}

function main() {
  if (!process.env.NNSIM_BUILD_FROM_SOURCE) {
    const prebuild = loadablePrebuild();
    if (prebuild) {
      console.log(`nnsim: using prebuilt ${path.relative(root, prebuild)}`);
      return 0;
    }
  }
  const missing = missingRequirements();
  if (missing.length > 0) {
    console.error(
      [
        '',
        `nnsim: no prebuilt binary loads on this machine (${tuple}, Node-API), so it must be built from source,`,
        `but these build requirements are missing: ${missing.join('; ')}.`,
        'Install them and run `npm install` again:',
        '  Debian/Ubuntu:  sudo apt-get install -y build-essential libopenblas-dev liblapacke-dev',
        '  Fedora/RHEL:    sudo dnf install -y gcc-c++ openblas-devel lapack-devel',
        '',
      ].join('\n'),
    );
    return 1;
  }
  const [cmd, ...args] = nodeGypCommand();
  args.push('rebuild');
  // Build against the headers of the running node when they are installed beside it (no download).
  const nodePrefix = path.join(path.dirname(process.execPath), '..');
  const localHeaders = fs.existsSync(path.join(nodePrefix, 'include', 'node', 'node_api.h'));
  if (!process.env.npm_config_nodedir && localHeaders) args.push(`--nodedir=${nodePrefix}`);
  console.log('nnsim: building the native addon from source (node-gyp)…');
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

process.exitCode = main();
