#!/usr/bin/env node
// Proves that the published package runs without a system BLAS:
//  1. stage the package as npm would publish it (npm pack), build its prebuild there (npm run prebuild:
//     OpenBLAS + LAPACKE static, libgfortran/libquadmath beside the addon) and pack it again;
//  2. install the tarball into an empty project (npm install <tarball>);
//  3. check the addon's dynamic section: no BLAS/LAPACK library is NEEDED, RPATH is $ORIGIN, and ldd
//     resolves the Fortran runtime inside the package;
//  4. run a comparison in a private mount namespace (unshare -m) where every system copy of OpenBLAS,
//     BLAS, LAPACK, LAPACKE, libgfortran and libquadmath is replaced by /dev/null (bind mounts) and
//     LD_LIBRARY_PATH points to an empty folder. A control dlopen of the system libopenblas must fail
//     there (so the hiding works), the package must still load and compute, and /proc/self/maps must
//     show no BLAS/LAPACK library mapped and the Fortran runtime mapped from the package only.
// Usage: node scripts/package-test.cjs [--keep]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const keep = process.argv.includes('--keep');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nnsim-package-'));
const tuple = `${process.platform}-${process.arch}`;
let failures = 0;

function step(title) {
  console.log(`\n== ${title}`);
}
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
}
function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
  }
  return r.stdout;
}

function packInto(dir, cwd) {
  const out = run('npm', ['pack', '--json', '--pack-destination', dir], { cwd });
  const json = out.slice(out.indexOf('['));
  return path.join(dir, JSON.parse(json)[0].filename);
}

try {
  step('stage the package and build its prebuild');
  run('npm', ['run', 'build:ts'], { cwd: root });
  const stageTar = packInto(work, root);
  const stage = path.join(work, 'stage');
  fs.mkdirSync(stage);
  run('tar', ['-xzf', stageTar, '-C', stage, '--strip-components=1']);
  fs.rmSync(path.join(stage, 'prebuilds'), { recursive: true, force: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  run(process.execPath, [path.join(stage, 'scripts', 'prebuild.cjs')], { cwd: stage, stdio: 'inherit' });
  fs.unlinkSync(path.join(stage, 'node_modules'));
  fs.rmSync(path.join(stage, 'build'), { recursive: true, force: true });
  const tarball = packInto(work, stage);
  const listing = run('tar', ['-tzf', tarball]);
  for (const f of ['nnsim.glibc.node', 'libgfortran.so.5', 'libquadmath.so.0', 'licenses/OpenBLAS.txt', 'licenses/LAPACKE.txt',
    'licenses/libgfortran.txt', 'licenses/libquadmath.txt']) {
    check(listing.includes(`package/prebuilds/${tuple}/${f}`), `tarball contains prebuilds/${tuple}/${f}`);
  }
  console.log(`tarball: ${tarball} (${(fs.statSync(tarball).size / 1e6).toFixed(1)} MB)`);

  step('install the tarball into an empty project');
  const consumer = path.join(work, 'consumer');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const installLog = run('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: consumer });
  console.log(installLog.trim());
  const pkgDir = path.join(consumer, 'node_modules', 'nnsim');
  const prebuildDir = path.join(pkgDir, 'prebuilds', tuple);
  check(!fs.existsSync(path.join(pkgDir, 'build')), 'npm install built nothing from source (no build/ folder)');
  const addon = path.join(prebuildDir, 'nnsim.glibc.node');

  step('dynamic section and ldd');
  const dynamic = run('readelf', ['-d', addon]);
  const needed = [...dynamic.matchAll(/NEEDED.*\[(.+)\]/g)].map((m) => m[1]);
  console.log(`NEEDED: ${needed.join(', ')}`);
  check(!needed.some((n) => /blas|lapack/i.test(n)), 'no BLAS/LAPACK/LAPACKE library is NEEDED (linked statically)');
  check(/R(UN)?PATH.*\$ORIGIN/.test(dynamic), 'RPATH is $ORIGIN');
  const ldd = run('ldd', [addon]);
  for (const lib of ['libgfortran.so.5', 'libquadmath.so.0']) {
    const line = ldd.split('\n').find((l) => l.includes(lib)) ?? '';
    check(line.includes(prebuildDir), `ldd resolves ${lib} inside the package (${line.trim()})`);
  }

  step('run with the system BLAS/LAPACK/Fortran libraries hidden');
  const script = path.join(consumer, 'probe.mjs');
  fs.writeFileSync(
    script,
    `import { readFileSync } from 'node:fs';
const kind = process.argv[2];
if (kind === 'control') {
  try { process.dlopen({ exports: {} }, process.argv[3]); console.log(JSON.stringify({ loaded: true })); }
  catch (e) { console.log(JSON.stringify({ loaded: false, error: String(e.message).split('\\n')[0] })); }
} else {
  const { compare, getConfig } = await import('nnsim');
  const n = 300, d = 40;
  let s = 7; const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const a = { data: Float64Array.from({ length: n * d }, rnd), rows: n, cols: d };
  const b = { data: Float64Array.from({ length: n * d }, rnd), rows: n, cols: d };
  const values = { cka: compare('cka', a, b), procrustes: compare('procrustes', a, b), angular: compare('angular-shape', a, b),
    async: await compare.async('cka', a, b) };
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5]).filter((p) => p && p.includes('.so'));
  console.log(JSON.stringify({ values, libraries: [...new Set(maps)], blas: getConfig().blas }));
}
`,
  );
  const hide = [];
  const libDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu/openblas-pthread', '/lib/x86_64-linux-gnu',
    '/usr/lib64', '/usr/lib', '/usr/local/lib'];
  for (const dir of libDirs) {
    let entries = [];
    try { entries = fs.readdirSync(dir); } catch { continue; }
    for (const e of entries) {
      if (!/^lib(open)?blas|^liblapack|^libgfortran|^libquadmath/.test(e)) continue;
      const real = fs.realpathSync(path.join(dir, e));
      if (!hide.includes(real) && fs.statSync(real).isFile()) hide.push(real);
    }
  }
  console.log(`hiding ${hide.length} files:\n  ${hide.join('\n  ')}`);
  const systemBlas = ['/usr/lib/x86_64-linux-gnu/libopenblas.so.0', '/usr/lib/x86_64-linux-gnu/libblas.so.3']
    .find((f) => fs.existsSync(f));
  const emptyDir = path.join(work, 'empty-lib');
  fs.mkdirSync(emptyDir);
  const mounts = hide.map((f) => `mount --bind /dev/null '${f}'`).join(' && ');
  const inNamespace = (args) =>
    spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
      `${mounts || 'true'} && LD_LIBRARY_PATH='${emptyDir}' exec node ${args}`], { cwd: consumer, encoding: 'utf8' });
  const unshareWorks = spawnSync('unshare', ['--mount', 'true']).status === 0;
  check(unshareWorks, 'a private mount namespace is available (unshare -m)');
  if (unshareWorks) {
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
    for (const lib of ['libgfortran.so.5', 'libquadmath.so.0']) {
      const mapped = libs.filter((l) => path.basename(l) === lib);
      check(mapped.length === 1 && mapped[0].startsWith(prebuildDir), `${lib} is mapped from the package (${mapped.join(', ')})`);
    }
    const v = result.values ?? {};
    check(v.cka > 0 && v.cka < 1 && v.cka === v.async && v.procrustes > 0 && v.angular > 0, 'the values are sane');
    // The same numbers as this checkout's own build.
    const expected = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', `
        import { compare } from ${JSON.stringify(path.join(root, 'dist', 'index.js'))};
        const n = 300, d = 40;
        let s = 7; const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
        const a = { data: Float64Array.from({ length: n * d }, rnd), rows: n, cols: d };
        const b = { data: Float64Array.from({ length: n * d }, rnd), rows: n, cols: d };
        console.log(JSON.stringify({ cka: compare('cka', a, b), procrustes: compare('procrustes', a, b) }));`], { encoding: 'utf8' }),
    );
    check(Math.abs(expected.cka - v.cka) < 1e-12 && Math.abs(expected.procrustes - v.procrustes) < 1e-9 * expected.procrustes,
      'the values equal those of the development build');
  }
} catch (error) {
  console.error(error);
  failures++;
} finally {
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
console.log(failures === 0 ? '\npackage test passed' : `\npackage test: ${failures} failure(s)`);
process.exit(failures === 0 ? 0 : 1);
