// npm run docs: regenerates the README's measure table from the registry (dist/).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { withMeasuresTable } from '../dist/docs.js';

const readmePath = join(import.meta.dirname, '..', 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = withMeasuresTable(before);
writeFileSync(readmePath, after);
console.log(before === after ? 'README measure table already up to date' : 'README measure table updated');
