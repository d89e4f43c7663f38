#!/usr/bin/env node
// npm run test:sanitize: the C++ core under AddressSanitizer + UndefinedBehaviorSanitizer (clang,
// build-sanitize/): its unit tests, then each libFuzzer harness of native/fuzz/ — first over its committed
// corpus (native/fuzz/corpus/<name>/, a regression run), then fuzzing for a bounded time. Any sanitizer
// report, crash, uncaught exception or timeout fails the run and leaves the input in
// build-sanitize/fuzz-artifacts/ with the command that replays it.
//
// Environment: NNSIM_FUZZ_SECONDS, the fuzzing time of all harnesses together (default 140, shared in
// proportion to the budgets below; 0 = corpus replay only); NNSIM_FUZZ_SEED (default 1).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const buildDir = path.join(root, 'build-sanitize');
const artifacts = path.join(buildDir, 'fuzz-artifacts');
// Seconds of fuzzing per harness at the default scale (the measure runner has the most paths).
const BUDGETS = { measures_fuzzer: 90, persistence_fuzzer: 30, affine_fit_fuzzer: 20 };

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(0);

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function fail(message) {
  console.error(`test:sanitize: ${message}`);
  process.exit(1);
}

if (spawnSync('clang++', ['--version']).status !== 0) {
  fail('needs clang and its sanitizer/libFuzzer runtimes (Debian: sudo apt-get install -y clang libclang-rt-14-dev)');
}

const env = {
  ...process.env,
  CC: 'clang',
  CXX: 'clang++',
  // One BLAS thread: the harnesses run small inputs, and reports stay deterministic.
  OPENBLAS_NUM_THREADS: '1',
  ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
};

const configure = ['-S', root, '-B', buildDir, '-DNNSIM_CORE_TESTS=ON', '-DNNSIM_SANITIZE=ON', '-DNNSIM_FUZZ=ON', '-DCMAKE_BUILD_TYPE=RelWithDebInfo'];
if (run('cmake', configure, { env }) !== 0) fail('cmake configure failed');
if (run('cmake', ['--build', buildDir, '-j', String(os.availableParallelism())], { env }) !== 0) fail('build failed');
console.log(`test:sanitize: built in ${seconds()} s`);

if (run(path.join(buildDir, 'nnsim_core_test'), [], { env, stdio: ['ignore', 'pipe', 'inherit'] }) !== 0) {
  // Rerun with output so the failing checks are visible.
  run(path.join(buildDir, 'nnsim_core_test'), [], { env });
  fail('the core tests failed under ASan/UBSan');
}
console.log(`test:sanitize: core tests clean under ASan/UBSan (${seconds()} s)`);

const total = Object.values(BUDGETS).reduce((sum, b) => sum + b, 0);
const scale = process.env.NNSIM_FUZZ_SECONDS === undefined ? 1 : Number(process.env.NNSIM_FUZZ_SECONDS) / total;
if (!(scale >= 0)) fail(`NNSIM_FUZZ_SECONDS must be a number of seconds, got '${process.env.NNSIM_FUZZ_SECONDS}'`);
const seed = process.env.NNSIM_FUZZ_SEED ?? '1';
fs.mkdirSync(artifacts, { recursive: true });
for (const [name, budget] of Object.entries(BUDGETS)) {
  const binary = path.join(buildDir, name);
  const corpus = path.join(root, 'native', 'fuzz', 'corpus', name.replace(/_fuzzer$/, ''));
  const common = ['-timeout=20', '-rss_limit_mb=3072', `-artifact_prefix=${artifacts}${path.sep}${name}-`, '-print_final_stats=0'];
  // Regression: every committed input once.
  if (run(binary, [...common, '-runs=0', corpus], { env }) !== 0) fail(`${name} fails on its committed corpus (see above)`);
  const time = Math.round(budget * scale);
  if (time > 0) {
    // New inputs go to a scratch corpus (listed first); the committed one is only read.
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `nnsim-${name}-`));
    const status = run(binary, [...common, `-max_total_time=${time}`, `-seed=${seed}`, '-max_len=1024', '-len_control=0', scratch, corpus], { env });
    fs.rmSync(scratch, { recursive: true, force: true });
    if (status !== 0) {
      fail(`${name} found a failure; the input is in ${artifacts}; replay it with: ${path.relative(root, binary)} <that file> (NNSIM_FUZZ_PRINT=1 prints a measure input)`);
    }
  }
  console.log(`test:sanitize: ${name} clean (${time} s of fuzzing; ${seconds()} s so far)`);
}
console.log(`test:sanitize: all clean in ${seconds()} s`);
