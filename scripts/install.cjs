#!/usr/bin/env node
// npm install hook: use a prebuilt addon when one loads on this machine; otherwise build from source
// with node-gyp (binding.gyp) against the system OpenBLAS and LAPACKE (macOS: Homebrew OpenBLAS or
// Apple's Accelerate; Windows: OpenBLAS in OpenBLAS_DIR), and say clearly what to install when they are
// missing. Set NNSIM_BUILD_FROM_SOURCE=1 to skip the prebuilds.
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

const multiarch = `${process.arch === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu`;
const includeDirs = ['/usr/include', '/usr/local/include', '/usr/include/openblas', `/usr/include/${multiarch}`,
  `/usr/include/${multiarch}/openblas-pthread`];
const libDirs = [`/usr/lib/${multiarch}`, `/usr/lib/${multiarch}/openblas-pthread`, '/usr/lib64', '/usr/lib', '/usr/local/lib'];

const exists = (dirs, name) => dirs.some((d) => fs.existsSync(path.join(sysroot, d, name)));
const hasCommand = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

/** What the source build lacks on this platform, and how to install it (text lines). */
function missingRequirements(platform) {
  const missing = [];
  if (platform === 'win32') {
    // Untested: binding.gyp links OpenBLAS_DIR/lib/libopenblas.lib (an OpenBLAS built with LAPACKE).
    const dir = process.env.OpenBLAS_DIR;
    if (!dir || !fs.existsSync(path.join(dir, 'lib', 'libopenblas.lib'))) missing.push('OpenBLAS with LAPACKE (OpenBLAS_DIR\\lib\\libopenblas.lib)');
    return {
      missing,
      howTo: [
        '  Windows (untested): install Visual Studio Build Tools with the C++ workload and an OpenBLAS build that',
        '  includes LAPACKE (for example the OpenBLAS release archive for x64), then set OpenBLAS_DIR to its folder.',
        '  Or run nnsim in WSL2, where the Linux x64 prebuilt binary works without any of this.',
      ],
    };
  }
  if (!hasCommand('c++') && !hasCommand('g++') && !hasCommand('clang++')) missing.push('a C++17 compiler');
  if (platform === 'darwin') {
    // Accelerate is part of macOS: only the compiler can be missing (Homebrew OpenBLAS is optional).
    return { missing, howTo: ['  macOS: xcode-select --install   (optional: brew install openblas, used instead of Accelerate)'] };
  }
  if (!exists(includeDirs, 'cblas.h') || !exists(libDirs, 'libopenblas.so')) missing.push('OpenBLAS (cblas.h, libopenblas.so)');
  if (!exists(includeDirs, 'lapacke.h') || !exists(libDirs, 'liblapacke.so')) missing.push('LAPACKE (lapacke.h, liblapacke.so)');
  return {
    missing,
    howTo: [
      '  Debian/Ubuntu:  sudo apt-get install -y build-essential libopenblas-dev liblapacke-dev',
      '  Fedora/RHEL:    sudo dnf install -y gcc-c++ openblas-devel lapack-devel',
    ],
  };
}

/**
 * npm installs a git dependency by running `npm install` in a temporary clone, packing the clone and
 * installing the packed copy (whose install script builds the addon). Building in the clone as well
 * would build it twice; the clone is recognisable by the variable npm's fetcher (pacote) sets for the
 * preparation and by not sitting in a node_modules folder.
 */
function preparingGitDependency() {
  return Boolean(process.env._PACOTE_NO_PREPARE_) && path.basename(path.dirname(root)) !== 'node_modules';
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
  if (preparingGitDependency()) {
    console.log('nnsim: preparing a git checkout for packing; the addon is built when the packed copy is installed');
    return 0;
  }
  if (!process.env.NNSIM_BUILD_FROM_SOURCE) {
    const prebuild = loadablePrebuild();
    if (prebuild) {
      console.log(`nnsim: using prebuilt ${path.relative(root, prebuild)}`);
      return 0;
    }
  }
  const platform = process.env.NNSIM_PLATFORM || process.platform;
  const { missing, howTo } = missingRequirements(platform);
  if (missing.length > 0) {
    console.error(
      [
        '',
        `nnsim: no prebuilt binary loads on this machine (${platform}-${process.arch}, Node-API; prebuilt: linux-x64 and`,
        `linux-arm64 with glibc), so it must be built from source, but these build requirements are missing:`,
        `${missing.join('; ')}. Install them and run \`npm install\` again:`,
        ...howTo,
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
