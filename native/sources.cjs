// Prints the source list of native/sources.txt for binding.gyp (`<!@(node native/sources.cjs)`).
// Usage: node native/sources.cjs [core|binding|all]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const which = process.argv[2] || 'all';
const sources = fs
  .readFileSync(path.join(__dirname, 'sources.txt'), 'utf8')
  .split(/\r?\n/)
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))
  .filter((line) => which === 'all' || line.startsWith(`native/${which}/`));
// gyp resolves paths relative to binding.gyp, which sits at the package root.
process.stdout.write(sources.map((s) => path.relative(root, path.join(root, s))).join('\n') + '\n');
