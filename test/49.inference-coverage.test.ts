// Bootstrap intervals cover closed-form population values at their nominal rate (fixed seeds: every run
// is the same). 200 replications at N = 2000 with 400 resamples each: the slowest inference test (tens of
// seconds on a quiet 2-core machine), in a file of its own so that it runs beside the others.
import { describe, expect, it } from 'vitest';

import { bootstrap } from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { gaussian, rng } from './helpers/random.js';

/**
 * x ~ N(0, diag(1, 2, 3)); y_j = s_j (ρ_j x_j / √σ_j + √(1 − ρ_j²) e_j) with s = (1, 2, 1): the canonical
 * correlations are ρ, and Σxx = diag(1, 2, 3), Σyy = diag(1, 4, 1), Σxy = diag(ρ_j √σ_j s_j).
 */
const RHO = [0.8, 0.5, 0.3];
const SIGMA_X = [1, 2, 3];
const SCALE_Y = [1, 2, 1];

function gaussianPair(seed: number, n: number): { a: Matrix; b: Matrix } {
  const normal = gaussian(rng(seed));
  const p = RHO.length;
  const a = new Float64Array(n * p);
  const b = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const z = normal();
      a[i * p + j] = z * Math.sqrt(SIGMA_X[j]!);
      b[i * p + j] = SCALE_Y[j]! * (RHO[j]! * z + Math.sqrt(1 - RHO[j]! ** 2) * normal());
    }
  }
  return { a: { data: a, rows: n, cols: p }, b: { data: b, rows: n, cols: p } };
}

/** Linear CKA of the population: ‖Σxy‖²_F / (‖Σxx‖_F ‖Σyy‖_F) (Kornblith et al. 2019, Eq. 4, as N → ∞). */
const POPULATION_CKA =
  RHO.reduce((s, r, j) => s + (r * Math.sqrt(SIGMA_X[j]!) * SCALE_Y[j]!) ** 2, 0) /
  (Math.hypot(...SIGMA_X) * Math.hypot(...SCALE_Y.map((s) => s * s)));
/** Mean canonical correlation of the population. */
const POPULATION_CCA = RHO.reduce((s, r) => s + r, 0) / RHO.length;

describe('coverage: 95 % intervals at N = 2000, 200 replications, closed-form population values', () => {
  // cka: the unbiased estimator (Song et al. 2012; the biased one is biased upwards by about
  // tr Σxx tr Σyy / (N ‖Σxx‖_F ‖Σyy‖_F), and more so on resamples with repeated rows). Its metadata
  // resamples it by subsampling (a U-statistic pairs a duplicated row with its copy), so this checks the
  // subsampling interval. cca-mean: the mean sample canonical correlation, percentile bootstrap.
  // 400 resamples per interval.
  for (const [id, population, options] of [
    ['cka', POPULATION_CKA, { estimator: 'unbiased' }],
    ['cca-mean', POPULATION_CCA, {}],
  ] as const) {
    it(`${id} (population ${population.toFixed(4)}): covered in 93–97 % of replications`, { timeout: 900_000 }, async () => {
      let covered = 0;
      for (let r = 0; r < 200; r++) {
        const { a, b } = gaussianPair(700 + r, 2000);
        // The async form leaves the test worker's event loop free over the minutes this takes.
        const out = await bootstrap.async(id, a, b, { resamples: 400, seed: r, measureOptions: options });
        if (out.lower <= population && population <= out.upper) covered++;
      }
      expect(covered / 200).toBeGreaterThanOrEqual(0.93);
      expect(covered / 200).toBeLessThanOrEqual(0.97);
    });
  }
});

