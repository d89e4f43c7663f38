// Same number as other libraries: every row of the README table "Same number as other libraries" is
// backed by values that library's own code computed on the demo activations (scripts/peer_parity.py
// writes test/fixtures/peer-parity.json). Each case computes the row's nnsim call, applies its
// transform and checks |got − value| ≤ tolerance·max(1, |value|); the stochastic msid row compares
// means over seeds within their standard errors.
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { compare } from '../src/index.js';
import { openArray, toRepresentation } from '../src/io/load.js';
import type { Matrix } from '../src/matrix.js';
import { readFixture } from './helpers/fixtures.js';

interface PeerCase {
  x: string;
  y: string;
  rows?: number;
  value: number;
  /** Not the same number: the relative difference is at least this (backs a caveat of the table). */
  differsBy?: number;
  /** The peer adds 1e-6 to its denominator: its value is nnsim's divided by (1 + denominatorShift). */
  denominatorShift?: number;
}

interface PeerRow {
  id: string;
  peer: string;
  call: string;
  measure: string;
  options: Record<string, unknown>;
  transform: keyof typeof TRANSFORMS | null;
  tolerance: number | null;
  /** false: a peer call with no nnsim equivalent (named below the table); every case differs. */
  equivalent?: boolean;
  /** A stochastic peer: `value` is the mean of `draws` runs with standard deviation `sd`. */
  statistical?: { draws: number; sd: number };
  cases: PeerCase[];
}

interface PeerFixture {
  peers: Record<string, { repository?: string; commit?: string | null; version?: string }>;
  rows: PeerRow[];
}

/** nnsim's value → the peer's convention (the README table's transforms). */
const TRANSFORMS = {
  '1-x': (v: number) => 1 - v,
  'x^2': (v: number) => v * v,
  'd^2/2': (v: number) => (v * v) / 2,
  '1-x^2': (v: number) => 1 - v * v,
  arccos: (v: number) => Math.acos(v),
  '2/pi*arccos': (v: number) => (2 / Math.PI) * Math.acos(v),
} as const;

const fixture = readFixture<PeerFixture>('peer-parity.json');
const root = join(import.meta.dirname, '..');

const loaded = new Map<string, Matrix>();
function input(path: string, rows?: number): Matrix {
  const key = `${path}:${rows ?? ''}`;
  let m = loaded.get(key);
  if (!m) {
    const full = toRepresentation(openArray(join(root, path)));
    const n = rows ?? full.rows;
    m = { data: full.data.subarray(0, n * full.cols), rows: n, cols: full.cols };
    loaded.set(key, m);
  }
  return m;
}

function nnsimValue(row: PeerRow, c: PeerCase, options: Record<string, unknown> = row.options): number {
  const value = compare(row.measure, input(c.x, c.rows), input(c.y, c.rows), options) as number;
  return row.transform ? TRANSFORMS[row.transform](value) : value;
}

const relativeError = (got: number, want: number) => Math.abs(got - want) / Math.max(1, Math.abs(want));

describe('same number as other libraries', () => {
  it('names the code behind every row', () => {
    expect(fixture.rows.length).toBeGreaterThan(40);
    for (const row of fixture.rows) {
      const peer = fixture.peers[row.peer];
      expect(peer, row.id).toBeDefined();
      expect(peer!.commit ?? peer!.version, row.id).toBeTruthy();
      expect(row.cases.length, row.id).toBeGreaterThan(0);
      if (row.statistical) expect(row.statistical.draws, row.id).toBeGreaterThan(1);
      else if (row.equivalent === false) expect(row.cases.every((c) => c.differsBy !== undefined), row.id).toBe(true);
      else expect(row.tolerance, row.id).toBeGreaterThan(0);
    }
  });

  for (const row of fixture.rows.filter((r) => !r.statistical)) {
    it(`${row.peer}: ${row.id}`, () => {
      for (const c of row.cases) {
        const got = nnsimValue(row, c);
        const error = relativeError(got, c.value);
        const what = `${row.call} on ${c.x}, ${c.y}: nnsim ${got}, ${row.peer} ${c.value}`;
        if (c.differsBy !== undefined) {
          expect(error, what).toBeGreaterThanOrEqual(c.differsBy);
          continue;
        }
        expect(error, what).toBeLessThanOrEqual(row.tolerance!);
        // The documented epsilon accounts for the whole difference.
        if (c.denominatorShift !== undefined) expect(relativeError(got / (1 + c.denominatorShift), c.value), what).toBeLessThan(1e-9);
      }
    });
  }

  for (const row of fixture.rows.filter((r) => r.statistical)) {
    it(`${row.peer}: ${row.id} (over seeds)`, () => {
      const { draws, sd } = row.statistical!;
      for (const c of row.cases) {
        const values = Array.from({ length: 40 }, (_, seed) => nnsimValue(row, c, { ...row.options, seed }));
        const mean = values.reduce((a, b) => a + b) / values.length;
        const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
        const standardError = Math.sqrt(variance / values.length + (sd * sd) / draws);
        const z = Math.abs(mean - c.value) / standardError;
        // equivalent: false states that the means differ; otherwise they must agree.
        if (row.equivalent === false) expect(z, `${row.call}: nnsim mean ${mean}, ${row.peer} ${c.value}`).toBeGreaterThan(3);
        else expect(z, `${row.call}: nnsim mean ${mean}, ${row.peer} ${c.value}`).toBeLessThan(3);
      }
    });
  }
});
