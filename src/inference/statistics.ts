/**
 * The statistics of inference, on distributions the engine computed: permutation p-values, bootstrap
 * and subsampling intervals, the Benjamini–Hochberg correction, and the normal distribution they need.
 * Pure functions, checked against SciPy (scripts/inference_reference.py).
 */
import { NnsimError, describeValue } from '../errors.js';

export type Alternative = 'greater' | 'less' | 'two-sided';

/**
 * Standard normal distribution function Φ(x), to ~1e-15 relative in both tails. |x| < 2.5: Hart's
 * rational approximation as given by West 2005 ("Better approximations to cumulative normal functions",
 * Wilmott; its relative error grows to 1e-9 further out); beyond, the tail φ(z)·R(z) with the Mills
 * ratio R from Laplace's continued fraction 1/(z + 1/(z + 2/(z + 3/(z + …)))), 100 terms.
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x);
  const e = Math.exp(-0.5 * z * z);
  let tail: number;
  if (z < 2.5) {
    let num = 3.52624965998911e-2 * z + 0.700383064443688;
    num = num * z + 6.37396220353165;
    num = num * z + 33.912866078383;
    num = num * z + 112.079291497871;
    num = num * z + 221.213596169931;
    num = num * z + 220.206867912376;
    let den = 8.83883476483184e-2 * z + 1.75566716318264;
    den = den * z + 16.064177579207;
    den = den * z + 86.7807322029461;
    den = den * z + 296.564248779674;
    den = den * z + 637.333633378831;
    den = den * z + 793.826512519948;
    den = den * z + 440.413735824752;
    tail = (e * num) / den;
  } else {
    let c = z;
    for (let k = 100; k >= 1; k--) c = z + k / c;
    tail = e / c / Math.sqrt(2 * Math.PI);
  }
  return x > 0 ? 1 - tail : tail;
}

const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function polynomial(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((sum, c) => sum * x + c, 0);
}

/**
 * Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error 1.2e-9) refined by one
 * Halley step on Φ, which brings it to double precision. Computed in the lower tail (Φ⁻¹(p) =
 * −Φ⁻¹(1 − p), and 1 − p is exact for p ≥ 1/2), where the step's Φ(x) − p does not cancel. ±Infinity at 0
 * and 1.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p > 0.5) return -normalQuantile(1 - p);
  if (p === 0) return -Infinity;
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = polynomial(ACKLAM_C, q) / (polynomial(ACKLAM_D, q) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (polynomial(ACKLAM_A, r) * q) / (polynomial(ACKLAM_B, r) * r + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/** Quantile q of ascending `sorted` with linear interpolation between order statistics (NumPy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function ascending(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * Permutation p-value with the (1 + count) / (1 + B) estimator (Phipson & Smyth 2010, "Permutation
 * p-values should never be zero"), count = null values at least as extreme as the observed one.
 * Values within 100·ε·|observed| of it count as equal (SciPy's permutation_test does the same: a
 * permutation that leaves the pairing unchanged must count, whatever its rounding). Two-sided: twice
 * the smaller one-sided p-value, at most 1.
 */
export function permutationPValue(observed: number, nullValues: ArrayLike<number>, alternative: Alternative): number {
  const gamma = Math.abs(observed) * 100 * Number.EPSILON;
  let atLeast = 0;
  let atMost = 0;
  for (let i = 0; i < nullValues.length; i++) {
    const v = nullValues[i]!;
    if (v >= observed - gamma) atLeast++;
    if (v <= observed + gamma) atMost++;
  }
  const denominator = nullValues.length + 1;
  const greater = (atLeast + 1) / denominator;
  const less = (atMost + 1) / denominator;
  if (alternative === 'greater') return greater;
  if (alternative === 'less') return less;
  return Math.min(1, 2 * Math.min(greater, less));
}

/** Sample standard deviation (n − 1 in the denominator). */
export function standardDeviation(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (values[i]! - mean) ** 2;
  return Math.sqrt(sum / (n - 1));
}

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/** Percentile interval: the (1 − level)/2 and (1 + level)/2 quantiles of the bootstrap distribution. */
export function percentileInterval(distribution: ArrayLike<number>, level: number): Interval {
  const sorted = ascending(distribution);
  return { lower: quantile(sorted, (1 - level) / 2), upper: quantile(sorted, (1 + level) / 2) };
}

/**
 * Bias-corrected and accelerated interval (Efron 1987, "Better bootstrap confidence intervals", JASA;
 * Efron & Tibshirani 1993, §14.3), as SciPy's bootstrap(method='BCa'): bias correction
 * z₀ = Φ⁻¹(share of the distribution below the estimate, ties counted half), acceleration from the
 * jackknife values θ₍ᵢ₎: a = Σ(θ̄ − θ₍ᵢ₎)³ / (6 (Σ(θ̄ − θ₍ᵢ₎)²)^{3/2}); the interval is the distribution's
 * quantiles at Φ(z₀ + (z₀ + z_α) / (1 − a (z₀ + z_α))) for z_α = Φ⁻¹((1 ∓ level)/2). The jackknife may
 * leave out groups of rows instead of single rows (the acceleration is estimated the same way).
 */
export function bcaInterval(distribution: ArrayLike<number>, estimate: number, jackknife: ArrayLike<number>, level: number): Interval {
  const sorted = ascending(distribution);
  let below = 0;
  let atOrBelow = 0;
  for (const v of sorted) {
    if (v < estimate) below++;
    if (v <= estimate) atOrBelow++;
  }
  const z0 = normalQuantile((below + atOrBelow) / (2 * sorted.length));
  if (!Number.isFinite(z0)) {
    throw new NnsimError(
      'E_DEGENERATE',
      'the BCa interval is undefined: every resampled value lies on one side of the estimate (no bias correction exists); use method \'percentile\'',
    );
  }
  let mean = 0;
  for (let i = 0; i < jackknife.length; i++) mean += jackknife[i]!;
  mean /= jackknife.length;
  let cubes = 0;
  let squares = 0;
  for (let i = 0; i < jackknife.length; i++) {
    const d = mean - jackknife[i]!;
    cubes += d * d * d;
    squares += d * d;
  }
  const a = squares > 0 ? cubes / (6 * squares ** 1.5) : 0;
  const tail = normalQuantile((1 - level) / 2);
  const adjusted = (z: number): number => {
    const shifted = z0 + z;
    return normalCdf(z0 + shifted / (1 - a * shifted));
  };
  const lowerShare = adjusted(tail);
  const upperShare = adjusted(-tail);
  if (!(lowerShare >= 0 && upperShare <= 1 && lowerShare <= upperShare)) {
    throw new NnsimError('E_DEGENERATE', `the BCa interval is undefined here (acceleration ${a}); use method 'percentile'`);
  }
  return { lower: quantile(sorted, lowerShare), upper: quantile(sorted, upperShare) };
}

/**
 * The factor that turns the spread of values on m-of-n subsamples (drawn without replacement) into the
 * spread of the value on all n rows: √(m / (n − m)), the delete-d jackknife's (Shao & Wu 1989, "A
 * general theory for jackknife variance estimation", Ann. Statist.) with d = n − m. 1 for m = n/2.
 */
export function subsampleScale(rows: number, sampleSize: number): number {
  return Math.sqrt(sampleSize / (rows - sampleSize));
}

/**
 * Subsampling interval: the deviations of the m-of-n subsample values from their mean, scaled by
 * subsampleScale, around the estimate: [θ̂ + s (q_{(1−level)/2} − θ̄*), θ̂ + s (q_{(1+level)/2} − θ̄*)].
 * The spread is that of the measure between data sets of n inputs (the delete-d jackknife's variance,
 * Shao & Wu 1989; subsampling, Politis & Romano 1994, "Large sample confidence regions based on
 * subsamples under minimal assumptions", Ann. Statist.); centring on the subsample mean removes the
 * drift of measures whose value depends on the number of inputs (k-NN overlaps at fixed k), so the
 * interval is for the measure's expected value at n inputs.
 */
export function subsampleInterval(distribution: ArrayLike<number>, estimate: number, rows: number, sampleSize: number, level: number): Interval {
  const sorted = ascending(distribution);
  const s = subsampleScale(rows, sampleSize);
  let mean = 0;
  for (const v of sorted) mean += v;
  mean /= sorted.length;
  return {
    lower: estimate + s * (quantile(sorted, (1 - level) / 2) - mean),
    upper: estimate + s * (quantile(sorted, (1 + level) / 2) - mean),
  };
}

/** Result of {@link benjaminiHochberg}: same shape as the input, null where the input had no p-value. */
export interface FalseDiscoveryControl {
  /** BH-adjusted p-values (q-values): min over j ≥ rank of m·p₍ⱼ₎/j, at most 1. */
  readonly adjusted: (number | null)[][];
  /** Whether each hypothesis is rejected at false discovery rate `alpha` (adjusted ≤ alpha). */
  readonly rejected: boolean[][];
  readonly alpha: number;
  /** m: the number of p-values (non-null cells). */
  readonly tests: number;
}

/**
 * The Benjamini–Hochberg step-up procedure (Benjamini & Hochberg 1995, "Controlling the false discovery
 * rate", J. R. Stat. Soc. B) over every p-value of a matrix (e.g. the layer × layer cells of a pairwise
 * comparison); null/undefined cells are not tests (diagonal, the mirrored half of a symmetric
 * comparison). Equals SciPy's false_discovery_control(ps, method='bh'). FDR control holds for
 * independent or positively dependent tests.
 */
export function benjaminiHochberg(
  pValues: readonly (readonly (number | null | undefined)[])[],
  options: { alpha?: number } = {},
): FalseDiscoveryControl {
  const alpha = options.alpha ?? 0.05;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1)) {
    throw new NnsimError('E_OPTION', `Expected a number in (0, 1) for alpha of benjaminiHochberg but received ${describeValue(alpha)}`);
  }
  if (!Array.isArray(pValues)) {
    throw new NnsimError('E_TYPE', `Expected a matrix (array of rows) of p-values but received ${describeValue(pValues)}`);
  }
  const cells: { row: number; col: number; p: number }[] = [];
  pValues.forEach((row, i) => {
    if (!Array.isArray(row)) throw new NnsimError('E_TYPE', `Expected row ${i} of the p-values to be an array but received ${describeValue(row)}`);
    row.forEach((p, j) => {
      if (p === null || p === undefined) return;
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
        throw new NnsimError('E_OPTION', `Expected a p-value in [0, 1] at (${i}, ${j}) but received ${describeValue(p)}`);
      }
      cells.push({ row: i, col: j, p });
    });
  });
  const m = cells.length;
  const order = cells.map((_, k) => k).sort((x, y) => cells[x]!.p - cells[y]!.p);
  const q = new Float64Array(m);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const k = order[r]!;
    running = Math.min(running, (cells[k]!.p * m) / (r + 1));
    q[k] = running;
  }
  const adjusted = pValues.map((row) => row.map(() => null as number | null));
  const rejected = pValues.map((row) => row.map(() => false));
  cells.forEach((cell, k) => {
    adjusted[cell.row]![cell.col] = q[k]!;
    rejected[cell.row]![cell.col] = q[k]! <= alpha;
  });
  return { adjusted, rejected, alpha, tests: m };
}
