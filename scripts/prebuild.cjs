#!/usr/bin/env node
// npm run build:prebuild [-- --arch arm64]: writes prebuilds/linux-<arch>/ with
//   nnsim.glibc.node      the addon (Node-API 8), OpenBLAS + LAPACKE linked in statically, stripped
//   libgfortran.so.5      Fortran runtime that OpenBLAS's LAPACK needs, found through RPATH $ORIGIN
//   libquadmath.so.0      its dependency (x64 only: GCC has no libquadmath for arm64)
//   licenses/             licence texts of everything bundled
// node-gyp-build loads it at run time; no compiler or system BLAS is needed on the user's machine.
// --arch arm64 on an x64 Debian machine cross-compiles with Debian's cross toolchain and the arm64
// OpenBLAS (see crossRequirements below). The build goes to a temporary folder: build/ (the
// development addon) is left alone. Prints the glibc/libstdc++ symbol versions the result needs.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');

/** Debian multiarch names of the architectures nnsim makes prebuilds for. */
const TRIPLES = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
const CMAKE_PROCESSORS = { x64: 'x86_64', arm64: 'aarch64' };

function parseArch(argv) {
  const i = argv.indexOf('--arch');
  const arch = i >= 0 ? argv[i + 1] : process.arch;
  if (!TRIPLES[arch]) throw new Error(`prebuild: --arch must be one of ${Object.keys(TRIPLES).join(', ')}; got '${arch}'`);
  if (process.platform !== 'linux') throw new Error('prebuild: prebuilds are made on Linux (Debian/Ubuntu) only');
  return arch;
}

const onPath = (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;

/** The binutils/compilers for `arch`: the host's own, or Debian's cross toolchain (prefixed). */
function toolchain(arch) {
  const cross = arch !== process.arch;
  const prefix = cross ? `${TRIPLES[arch]}-` : '';
  return { cross, cc: `${prefix}gcc`, cxx: `${prefix}g++`, strip: `${prefix}strip`, objdump: `${prefix}objdump` };
}

/** What is missing to build for `arch`, as Debian install commands ([] when everything is there). */
function crossRequirements(arch) {
  const tools = toolchain(arch);
  const triple = TRIPLES[arch];
  const debArch = arch === 'x64' ? 'amd64' : 'arm64';
  const missing = [];
  if (!onPath(tools.cxx)) missing.push(tools.cross ? 'crossbuild-essential-arm64' : 'build-essential');
  if (!fs.existsSync(`/usr/lib/${triple}/openblas-pthread/libopenblas.a`)) missing.push(`libopenblas-dev${tools.cross ? `:${debArch}` : ''}`);
  if (!fs.existsSync(`/usr/lib/${triple}/liblapacke.a`)) missing.push(`liblapacke-dev${tools.cross ? `:${debArch}` : ''}`);
  return missing;
}

/** Highest symbol version of each kind (GLIBC, GLIBCXX, CXXABI, GCC) that the ELF files import. */
function requiredVersions(objdump, files) {
  const highest = {};
  for (const file of files) {
    const out = spawnSync(objdump, ['-T', file], { encoding: 'utf8' }).stdout ?? '';
    for (const line of out.split('\n')) {
      if (!line.includes('*UND*')) continue;
      const m = /\((GLIBC|GLIBCXX|CXXABI|GCC)_([0-9.]+)\)/.exec(line) ?? /\b(GLIBC|GLIBCXX|CXXABI|GCC)_([0-9.]+)\b/.exec(line);
      if (!m) continue;
      const version = m[2].split('.').map(Number);
      const current = highest[m[1]];
      if (!current || compareVersions(version, current.version) > 0) highest[m[1]] = { version, symbol: line.trim().split(/\s+/).pop() };
    }
  }
  return Object.fromEntries(Object.entries(highest).map(([k, v]) => [k, { version: v.version.join('.'), symbol: v.symbol }]));
}

function compareVersions(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

// Licence texts, from the Debian packages the bundled code comes from (the same files for every
// architecture: Debian keeps /usr/share/doc identical across multiarch packages).
function licenseSources(arch) {
  return {
    'OpenBLAS.txt': ['/usr/share/doc/libopenblas0-pthread/copyright', '/usr/share/doc/libopenblas-pthread-dev/copyright'],
    'LAPACKE.txt': ['/usr/share/doc/liblapacke/copyright', '/usr/share/doc/liblapacke-dev/copyright'],
    'libgfortran.txt': ['/usr/share/doc/libgfortran5/copyright'],
    ...(arch === 'x64' ? { 'libquadmath.txt': ['/usr/share/doc/libquadmath0/copyright'] } : {}),
  };
}

function run(cmd, args, options) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`prebuild: ${cmd} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

function main() {
  const arch = parseArch(process.argv.slice(2));
  const tools = toolchain(arch);
  const missing = crossRequirements(arch);
  if (missing.length > 0) {
    const addArch = tools.cross ? 'sudo dpkg --add-architecture arm64 && sudo apt-get update && ' : '';
    throw new Error(`prebuild: cannot build for linux-${arch}: missing ${missing.join(', ')}.\n  ${addArch}sudo apt-get install -y ${missing.join(' ')}`);
  }
  const out = path.join(root, 'prebuilds', `linux-${arch}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `nnsim-prebuild-${arch}-`));
  try {
    const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
    const args = [cmakeJs, 'rebuild', '--out', work, '--CDNNSIM_STATIC_BLAS=ON'];
    if (tools.cross) {
      args.push('--arch', arch, '--CDCMAKE_SYSTEM_NAME=Linux', `--CDCMAKE_SYSTEM_PROCESSOR=${CMAKE_PROCESSORS[arch]}`,
        `--CDCMAKE_C_COMPILER=${tools.cc}`, `--CDCMAKE_CXX_COMPILER=${tools.cxx}`);
    }
    run(process.execPath, args, { cwd: root });
    const built = path.join(work, 'Release');
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(path.join(out, 'licenses'), { recursive: true });
    const addon = path.join(out, 'nnsim.glibc.node');
    fs.copyFileSync(path.join(built, 'nnsim.node'), addon);
    run(tools.strip, ['--strip-unneeded', addon]);
    const runtime = fs.readdirSync(built).filter((f) => /\.so\.\d+$/.test(f));
    for (const lib of runtime) fs.copyFileSync(path.join(built, lib), path.join(out, lib));
    for (const [name, candidates] of Object.entries(licenseSources(arch))) {
      const found = candidates.find((c) => fs.existsSync(c));
      if (!found) throw new Error(`prebuild: licence text for ${name} not found (looked in ${candidates.join(', ')})`);
      fs.copyFileSync(found, path.join(out, 'licenses', name));
    }
    fs.writeFileSync(
      path.join(out, 'licenses', 'README.txt'),
      'The nnsim addon in this folder links OpenBLAS and LAPACKE statically and ships the GNU Fortran\n' +
        `runtime (${runtime.join(', ')}) beside it. Their licences follow, as distributed by Debian.\n`,
    );
    const needs = requiredVersions(tools.objdump, [addon, ...runtime.map((lib) => path.join(out, lib))]);
    console.log(`prebuild: wrote ${path.relative(root, out)}: ${fs.readdirSync(out).join(', ')}`);
    for (const [kind, { version, symbol }] of Object.entries(needs)) console.log(`  needs ${kind} ≥ ${version} (for example ${symbol})`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

module.exports = { TRIPLES, crossRequirements, requiredVersions, toolchain };
