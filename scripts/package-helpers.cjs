// Steps shared by the packaging tests (scripts/package-test.cjs, scripts/arm64-test.cjs): pack the
// package as npm would publish it with freshly built prebuilds, install the tarball into an empty
// project, read what an addon needs from the system, and report checks.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');

/** Prints steps and checks; counts failures. */
function reporter() {
  let failures = 0;
  return {
    step(title) {
      console.log(`\n== ${title}`);
    },
    check(ok, what) {
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
      if (!ok) failures++;
    },
    skip(what) {
      console.log(`skip ${what}`);
    },
    fail(error) {
      console.error(error);
      failures++;
    },
    get failures() {
      return failures;
    },
  };
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  }
  return r.stdout;
}

function packInto(dir, cwd, extra = []) {
  const out = run('npm', ['pack', '--json', '--pack-destination', dir, ...extra], { cwd });
  return path.join(dir, JSON.parse(out.slice(out.indexOf('[')))[0].filename);
}

/**
 * The package as npm would publish it, with prebuilds for `arches` built in a staged copy (the
 * checkout's own build/ and prebuilds/ are not used): returns the tarball's path.
 */
function stagePackage(work, arches) {
  const stageTar = packInto(work, root);
  const stage = path.join(work, 'stage');
  fs.mkdirSync(stage);
  run('tar', ['-xzf', stageTar, '-C', stage, '--strip-components=1']);
  fs.rmSync(stageTar);
  fs.rmSync(path.join(stage, 'prebuilds'), { recursive: true, force: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  for (const arch of arches) {
    run(process.execPath, [path.join(stage, 'scripts', 'prebuild.cjs'), '--arch', arch], { cwd: stage, stdio: 'inherit' });
  }
  fs.unlinkSync(path.join(stage, 'node_modules'));
  // The staged copy has no sources to rebuild dist/ from: pack it as it is.
  return packInto(work, stage, ['--ignore-scripts']);
}

/** An empty project with the tarball installed (and the probe script beside it). */
function installInto(work, tarball, extra = []) {
  const consumer = path.join(work, 'consumer');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const log = run('npm', ['install', '--no-audit', '--no-fund', ...extra, tarball], { cwd: consumer });
  fs.copyFileSync(path.join(__dirname, 'package-probe.mjs'), path.join(consumer, 'probe.mjs'));
  return { consumer, log, pkgDir: path.join(consumer, 'node_modules', 'nnsim') };
}

/** The comparison of scripts/package-probe.mjs on this checkout's development build (dist/, build/). */
function developmentValues() {
  const out = run(process.execPath, [path.join(__dirname, 'package-probe.mjs'), 'probe', path.join(root, 'dist', 'index.js')]);
  return JSON.parse(out.trim().split('\n').pop()).values;
}

/** The probe's values are plausible: CKA in (0, 1), the same synchronously and asynchronously, distances > 0. */
function saneValues(v) {
  return v.cka > 0 && v.cka < 1 && v.cka === v.async && v.procrustes > 0 && v.angular > 0;
}

/** Removes the work folder (unless --keep), prints the summary line and exits with the test's status. */
function finish(name, report, work, keep) {
  if (!keep) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
  console.log(report.failures === 0 ? `\n${name} passed` : `\n${name}: ${report.failures} failure(s)`);
  process.exit(report.failures === 0 ? 0 : 1);
}

/** The values a prebuild computes equal the development build's, to rounding. */
function sameValues(got, want) {
  return ['cka', 'procrustes', 'angular'].every((k) => Math.abs(got[k] - want[k]) <= 1e-10 * Math.max(1, Math.abs(want[k])));
}

/**
 * The minimum glibc and libstdc++ a prebuild needs, as the README states them for `tuple`: its line
 * in the README's platform table names them ("glibc ≥ 2.34", "GLIBCXX_3.4.29").
 */
function readmeStates(tuple, needs) {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const line = readme.split('\n').find((l) => l.startsWith(`| ${tuple} `) || l.startsWith(`| \`${tuple}\``)) ?? '';
  return line.includes(`glibc ≥ ${needs.GLIBC?.version}`) && line.includes(`GLIBCXX_${needs.GLIBCXX?.version}`);
}

module.exports = {
  developmentValues, finish, installInto, packInto, readmeStates, reporter, root, run, sameValues, saneValues, stagePackage,
};
