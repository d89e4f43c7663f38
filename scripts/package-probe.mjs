// The comparison the packaging tests run in an installed copy of nnsim (scripts/package-test.cjs,
// scripts/arm64-test.cjs). Prints one JSON line.
//   node package-probe.mjs probe [ENTRY]   values of a fixed comparison, the shared libraries mapped
//                                          into the process and the BLAS build; ENTRY is the module to
//                                          import (default: the package 'nnsim' as installed)
//   node package-probe.mjs control LIB     whether the shared library LIB can be loaded (dlopen)
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [kind, arg] = process.argv.slice(2);
if (kind === 'control') {
  try {
    process.dlopen({ exports: {} }, arg);
    console.log(JSON.stringify({ loaded: true }));
  } catch (error) {
    console.log(JSON.stringify({ loaded: false, error: String(error.message).split('\n')[0] }));
  }
} else {
  const { compare, getConfig } = await import(arg ? pathToFileURL(arg).href : 'nnsim');
  const n = 300;
  const d = 40;
  // A fixed linear congruential sequence: the same matrices on every machine and architecture.
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const a = { data: Float64Array.from({ length: n * d }, rnd), rows: n, cols: d };
  const b = { data: Float64Array.from({ length: n * d }, rnd), rows: n, cols: d };
  const values = {
    cka: compare('cka', a, b),
    procrustes: compare('procrustes', a, b),
    angular: compare('angular-shape', a, b),
    async: await compare.async('cka', a, b),
  };
  const libraries = new Set();
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const file = line.split(/\s+/)[5];
    if (file && file.includes('.so')) libraries.add(file);
  }
  console.log(JSON.stringify({ values, libraries: [...libraries], blas: getConfig().blas, arch: process.arch, node: process.version }));
}
