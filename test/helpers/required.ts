/** The extra inputs a measure requires (its `requires`), made up for registry-driven tests. */
import type { MeasureInfo } from '../../src/measure-types.js';
import type { Matrix } from '../../src/matrix.js';
import { randomMatrix } from './random.js';

/** A symmetric N × N input-similarity matrix: the linear kernel of seeded column-centred inputs Z (N × 5). */
export function inputSimilarity(rows: number, seed = 91): Matrix {
  const z = randomMatrix(rows, 5, seed, 1, 0.5);
  const means = [0, 1, 2, 3, 4].map((j) => {
    let s = 0;
    for (let i = 0; i < rows; i++) s += z.data[i * 5 + j]!;
    return s / rows;
  });
  const data = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rows; j++) {
      let s = 0;
      for (let c = 0; c < 5; c++) s += (z.data[i * 5 + c]! - means[c]!) * (z.data[j * 5 + c]! - means[c]!);
      data[i * rows + j] = s;
    }
  }
  return { data, rows, cols: rows };
}

/**
 * Options that satisfy `info.requires` for N = rows: `labels` for measures that need labels (from
 * `labels`), and every required matrix option (inputSimilarity above).
 */
export function requiredOptions(info: MeasureInfo, rows: number, labels: (rows: number) => Int32Array): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (info.requires.includes('labels')) out.labels = labels(rows);
  for (const [key, spec] of Object.entries(info.options)) {
    if (spec.type === 'matrix' && spec.required) out[key] = inputSimilarity(rows);
  }
  return out;
}
