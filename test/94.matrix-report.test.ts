// The matrix report's analysis: average-linkage order against SciPy, classical MDS against NumPy's
// eigh (test/fixtures/matrix-reference.json, scripts/matrix_reference.py), distances from similarities;
// the report's files with per-cell extras and failed cells.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { averageLinkage, matrixDistances } from '../src/report/cluster.js';
import { writeMatrixReport } from '../src/report/matrix.js';
import { classicalMds, symmetricEigen } from '../src/report/mds.js';
import { errorOf } from './helpers/errors.js';
import { readFixture } from './helpers/fixtures.js';
import { rng } from './helpers/random.js';

interface ReferenceCase {
  name: string;
  distances: number[][];
  linkage: number[][];
  leaves: number[];
  eigenvalues: number[];
  axes: number[][];
}

const { cases } = readFixture<{ cases: ReferenceCase[] }>('matrix-reference.json');
const flat = (rows: number[][]): Float64Array => Float64Array.from(rows.flat());

describe('average linkage', () => {
  it('merges and orders the leaves as SciPy does', () => {
    expect(cases.length).toBe(5);
    for (const c of cases) {
      const n = c.distances.length;
      const { merges, order } = averageLinkage(flat(c.distances), n);
      expect(merges.length, c.name).toBe(n - 1);
      merges.forEach((m, s) => {
        const [left, right, height, size] = c.linkage[s]!;
        expect([m.left, m.right, m.size], `${c.name} step ${s}`).toEqual([left, right, size]);
        expect(m.height).toBeCloseTo(height!, 12);
      });
      expect(order, c.name).toEqual(c.leaves);
    }
  });

  it('keeps each cluster contiguous in the order and handles one or two points', () => {
    expect(averageLinkage(new Float64Array([0]), 1).order).toEqual([0]);
    expect(averageLinkage(new Float64Array([0, 2, 2, 0]), 2)).toEqual({ merges: [{ left: 0, right: 1, height: 2, size: 2 }], order: [0, 1] });
    expect(errorOf(() => averageLinkage(new Float64Array([0, NaN, NaN, 0]), 2)).code).toBe('E_NONFINITE');
    expect(errorOf(() => averageLinkage(new Float64Array(3), 2)).code).toBe('E_SHAPE');
  });
});

describe('distances for clustering', () => {
  it('takes distances as they are and similarities from the top of their range, symmetrised', () => {
    const sim = new Float64Array([1, 0.9, 0.2, 0.7, 1, 0.3, 0.2, 0.3, 1]);
    const d = matrixDistances(sim, 3, 'similarity', [0, 1])!;
    expect([...d.distances].map((v) => Number(v.toFixed(12)))).toEqual([0, 0.2, 0.8, 0.2, 0, 0.7, 0.8, 0.7, 0]);
    expect(d.how).toBe('1 − similarity (the top of its range), averaged over both orders');
    const unbounded = matrixDistances(new Float64Array([9, 4, 4, 9]), 2, 'similarity', [0, Infinity])!;
    expect([...unbounded.distances]).toEqual([0, 0, 0, 0]);
    expect(unbounded.how).toContain('largest similarity');
    const dist = matrixDistances(new Float64Array([0, 3, 3, 0]), 2, 'distance', [0, Infinity])!;
    expect([...dist.distances]).toEqual([0, 3, 3, 0]);
    expect(dist.how).toBe('the distances as they are');
    // A failed cell: no distances (and so no clustering) for that measure.
    expect(matrixDistances(new Float64Array([0, NaN, 3, 0]), 2, 'distance', [0, Infinity])).toBeNull();
  });
});

describe('classical MDS', () => {
  it('has the eigenvalues and axes of NumPy classical MDS (up to the sign of each axis)', () => {
    for (const c of cases) {
      const n = c.distances.length;
      const map = classicalMds(flat(c.distances), n);
      const scale = Math.max(...c.eigenvalues.map(Math.abs));
      map.eigenvalues.forEach((v, k) => expect(Math.abs(v - c.eigenvalues[k]!), `${c.name} λ${k}`).toBeLessThan(1e-10 * scale));
      [map.x, map.y].forEach((axis, k) => {
        const want = c.axes[k]!;
        const sign = Math.sign(want.reduce((s, v, i) => s + v * axis[i]!, 0)) || 1;
        axis.forEach((v, i) => expect(Math.abs(v - sign * want[i]!), `${c.name} axis ${k} point ${i}`).toBeLessThan(1e-8 * Math.sqrt(scale)));
      });
    }
  });

  it('reproduces Euclidean distances of points in the plane exactly, and says how much the axes hold', () => {
    const plane = cases.find((c) => c.name === 'plane-7')!;
    const n = plane.distances.length;
    const map = classicalMds(flat(plane.distances), n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        expect(Math.hypot(map.x[i]! - map.x[j]!, map.y[i]! - map.y[j]!)).toBeCloseTo(plane.distances[i]![j]!, 10);
      }
    }
    expect(map.explained[0] + map.explained[1]).toBeCloseTo(1, 12);
    const space = classicalMds(flat(cases.find((c) => c.name === 'space-30')!.distances), 30);
    expect(space.explained[0] + space.explained[1]).toBeLessThan(0.8);
    // The sign rule: the largest entry of each axis is positive, whatever the eigen solver returned.
    for (const axis of [space.x, space.y]) {
      const big = [...axis].reduce((b, v, i) => (Math.abs(v) > Math.abs(axis[b]!) ? i : b), 0);
      expect(axis[big]).toBeGreaterThan(0);
    }
  });

  it('diagonalises symmetric matrices to working precision', () => {
    const random = rng(3);
    const n = 9;
    const m = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i * n + j] = m[j * n + i] = random() - 0.5;
    const { values, vectors } = symmetricEigen(m, n);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let mv = 0;
        for (let j = 0; j < n; j++) mv += m[i * n + j]! * vectors[j * n + k]!;
        expect(Math.abs(mv - values[k]! * vectors[i * n + k]!)).toBeLessThan(1e-13);
      }
      if (k > 0) expect(values[k]).toBeLessThanOrEqual(values[k - 1]!);
    }
    expect(errorOf(() => classicalMds(new Float64Array([0, Infinity, Infinity, 0]), 2)).code).toBe('E_NONFINITE');
  });
});

describe('matrix report files', () => {
  it('show per-cell extras (intervals, p-values …) on hover and as CSV columns, hatched marks, failed cells with their reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnsim-matrix-report-'));
    const measure = { key: 'cka', id: 'cka', name: 'Centered kernel alignment (CKA)', family: 'rsm', kind: 'similarity' as const, range: [0, 1] as const, symmetric: true, metric: false, reference: 'Kornblith et al. 2019', options: {} };
    const names = ['=cmd', 'b', 'c'];
    const table = {
      axis: 'model' as const,
      names,
      values: { cka: [[1, 0.8, null], [0.8, 1, 0.3], [null, 0.3, 1]] },
      errors: [
        { measure: 'cka', row: '=cmd', col: 'c', code: 'E_DEGENERATE', message: 'all rows equal' },
        { measure: 'cka', row: 'c', col: '=cmd', code: 'E_DEGENERATE', message: 'all rows equal' },
      ],
      extras: { cka: { pValue: [[null, 0.002, null], [0.002, null, 0.41], [null, 0.41, null]] } },
      marks: { cka: [[false, false, false], [false, false, true], [false, true, false]] },
      markLegends: { cka: 'not distinguishable from independent data (BH, 5 %)' },
    };
    const written = writeMatrixReport(dir, { title: 'test', measures: [measure], main: table, results: { values: table.values }, cluster: true, png: false });
    expect(written.files).toEqual(['results.json', 'results.csv', 'cka.svg', 'index.html']);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<title>model =cmd × model b: 0.8; p = 0.002</title>');
    expect(html).toContain('<title>model =cmd × model c: E_DEGENERATE: all rows equal</title>');
    expect(html).toContain('<code>cka</code>: not clustered (failed cells have no distance)');
    expect(html).toContain('not distinguishable from independent data (BH, 5 %)');
    // Two hatched cells and the hatch in the legend.
    expect(html.match(/stroke-opacity="0\.7"/g)).toHaveLength(3);
    const csv = readFileSync(join(dir, 'results.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('measure,row,col,value,pValue');
    // A name a spreadsheet would run as a formula is quoted with a leading apostrophe.
    expect(csv[2]).toBe(`cka,"'=cmd",b,0.8,0.002`);
    expect(csv[3]).toBe(`cka,"'=cmd",c,,`);
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))).toMatchObject({ schema: 'nnsim/matrix@1', values: table.values });
  });
});
