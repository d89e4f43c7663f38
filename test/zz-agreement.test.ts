import { it } from 'vitest';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { compare } from '../src/index.js';
import { openArray, toRepresentation } from '../src/io/load.js';
const T: Record<string, (v: number) => number> = { '1-x': (v) => 1 - v, 'x^2': (v) => v * v, 'd^2/2': (v) => (v * v) / 2, '1-x^2': (v) => 1 - v * v, arccos: Math.acos, '2/pi*arccos': (v) => (2 / Math.PI) * Math.acos(v) };
it('agreement', () => {
  const root = join(import.meta.dirname, '..');
  const fx = JSON.parse(readFileSync(join(root, 'test/fixtures/peer-parity.json'), 'utf8'));
  const out: string[] = [];
  for (const row of fx.rows) {
    if (row.statistical) continue;
    let worst = 0; const diffs: string[] = [];
    for (const c of row.cases) {
      const load = (p: string) => { const m = toRepresentation(openArray(join(root, p))); const n = c.rows ?? m.rows; return { data: m.data.subarray(0, n * m.cols), rows: n, cols: m.cols }; };
      let v = compare(row.measure, load(c.x), load(c.y), row.options) as number;
      if (row.transform) v = T[row.transform]!(v);
      const e = Math.abs(v - c.value) / Math.max(1, Math.abs(c.value));
      if (c.differsBy !== undefined) diffs.push(e.toExponential(1)); else worst = Math.max(worst, e);
    }
    out.push(`${row.id}\t${row.tolerance}\t${row.cases.filter((c: any) => c.differsBy === undefined).length ? worst.toExponential(1) : '-'}\t${diffs.join(',')}`);
  }
  writeFileSync('/tmp/peers/agreement.tsv', out.join('\n') + '\n');
});
