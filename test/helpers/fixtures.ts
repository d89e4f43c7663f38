/** Loading of the JSON fixtures in test/fixtures (copied from ../shared/reference or written by scripts/). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Matrix } from '../../src/matrix.js';

export const fixturesDir = join(import.meta.dirname, '..', 'fixtures');

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(fixturesDir, name), 'utf8')) as T;
}

/** A row-array matrix as a Matrix. */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]!.length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, i) => row.forEach((v, j) => (data[i * cols + j] = v)));
  return { data, rows: rows.length, cols };
}

export type ResiValue = number | { error: string } | { nonfinite: string };

export interface ResiCase {
  id: string;
  description: string;
  N: number;
  D1: number;
  D2: number;
  R: number[][];
  Rp: number[][];
  results: Record<string, ResiValue>;
  results_swapped: Record<string, ResiValue>;
  ill_conditioned?: Record<string, unknown>;
  ill_conditioned_swapped?: Record<string, unknown>;
}

export interface ResiFunctionalCase {
  id: string;
  description: string;
  N: number;
  C: number;
  logits_a: number[][];
  logits_b: number[][];
  labels: number[];
  acc_a: number;
  acc_b: number;
  results: Record<string, ResiValue>;
  extra: Record<string, number>;
}

export interface ResiFile {
  cases: ResiCase[];
  functional_cases: ResiFunctionalCase[];
}

export const resi = readFixture<ResiFile>('resi-cases.json');

/** The parity tolerance of the spec: |got − want| ≤ 1e-9 · max(1, |want|). */
export function withinParity(got: number, want: number, tolerance = 1e-9): boolean {
  return Math.abs(got - want) <= tolerance * Math.max(1, Math.abs(want));
}
