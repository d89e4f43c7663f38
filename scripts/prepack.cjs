#!/usr/bin/env node
// npm prepack hook (npm pack, npm publish): refuses to pack a package whose entry points are not built
// (dist/ comes from `npm run build:ts`, which npm ci runs through `prepare`), and says which prebuilt
// addons go into the tarball — without one, every install of it builds from source.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** The files package.json promises to consumers (main, types, bin, exports). */
function entryPoints() {
  const files = new Set([pkg.main, pkg.types, ...Object.values(pkg.bin ?? {})]);
  const walk = (value) => {
    if (typeof value === 'string') files.add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(pkg.exports);
  return [...files].filter((f) => typeof f === 'string');
}

/** prebuilds/<platform>-<arch>/ folders that hold an addon, with their files. */
function prebuilds() {
  const dir = path.join(root, 'prebuilds');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((tuple) => ({ tuple, files: fs.readdirSync(path.join(dir, tuple)) }))
    .filter(({ files }) => files.some((f) => f.endsWith('.node')));
}

const missing = entryPoints().filter((f) => !fs.existsSync(path.join(root, f)));
if (missing.length > 0) {
  console.error(
    `nnsim prepack: refusing to pack: ${missing.join(', ')} missing. Build dist/ first: \`npm ci\` (its prepare step runs ` +
      '`npm run build:ts`) or `npm run build:ts`.',
  );
  process.exit(1);
}
const found = prebuilds();
if (found.length === 0) {
  console.error(
    'nnsim prepack: no prebuilt addon in prebuilds/: every install of this tarball builds from source (needs a C++ ' +
      'compiler, OpenBLAS and LAPACKE). `npm run build:prebuild` and `npm run build:prebuild:arm64` make them.',
  );
} else {
  console.error(`nnsim prepack: prebuilt addons included for ${found.map(({ tuple }) => tuple).join(', ')}; other platforms build from source.`);
}
