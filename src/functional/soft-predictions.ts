/**
 * Soft-prediction functional similarity: measures on the predicted class distributions (softmax of
 * logits, or probabilities as given), for two models or a group of K ≥ 2 models.
 */
import { NnsimError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { type MeasureDefinition, defineMeasure } from '../measure-types.js';
import { type ResolvedOptions, enumOption, numberOption } from '../options.js';
import { checkBudget } from '../runtime.js';
import {
  accuracyOf,
  classCount,
  disagreementOf,
  groundTruth,
  inputOption,
  isHard,
  labelsFor,
  outputKind,
  predictionsOf,
  probabilities,
  toModelOutputs,
} from './inputs.js';

/** Probability rows of every model (N × C each, row-major) after checking N and C agree. */
function distributionsOf(models: readonly Matrix[], options: ResolvedOptions, id: string): Float64Array[] {
  classCount(models, id);
  const kind = outputKind(options, id);
  return models.map((m, k) => probabilities(m, kind, id, `model ${k}`));
}

function groupEngine(id: string, fn: (p: Float64Array[], rows: number, cols: number, options: ResolvedOptions) => number) {
  const computeGroup = (models: readonly Matrix[], options: ResolvedOptions): number =>
    fn(distributionsOf(models, options, id), models[0]!.rows, models[0]!.cols, options);
  return {
    kind: 'js' as const,
    input: toModelOutputs,
    computeGroup,
    compute: (a: Matrix, b: Matrix, options: ResolvedOptions) => computeGroup([a, b], options),
  };
}

function pairEngine(id: string, fn: (p: Float64Array, q: Float64Array, rows: number, cols: number, options: ResolvedOptions) => number) {
  return {
    kind: 'js' as const,
    input: toModelOutputs,
    compute(a: Matrix, b: Matrix, options: ResolvedOptions): number {
      const [p, q] = distributionsOf([a, b], options, id);
      return fn(p!, q!, a.rows, a.cols, options);
    },
  };
}

export const surrogateChurnDefinition = defineMeasure({
  id: 'surrogate-churn',
  name: 'Surrogate churn',
  family: 'soft-predictions',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  // The mean L1 distance between the mapped rows p ↦ (p / max p)^α: a pseudo-metric.
  metric: true,
  invariances: [],
  minRows: 1,
  options: {
    input: inputOption,
    alpha: numberOption({ default: 1, min: 0, minExclusive: true, description: 'Exponent α > 0; as α → ∞ the value tends to the churn (disagreement).' }),
  },
  description:
    '(1/2N) Σᵢ ‖(pᵢ / max pᵢ)^α − (qᵢ / max qᵢ)^α‖₁ on the predicted class distributions; at most C/2.',
  reference: {
    citation: 'Bhojanapalli, Wilber, Veit, Rawat, Kim, Menon, Kumar 2021, "On the reproducibility and stability of neural network predictions"',
    url: 'https://arxiv.org/abs/2102.03349',
  },
  engine: pairEngine('surrogate-churn', (p, q, rows, cols, options) => {
    const alpha = options.values.alpha as number;
    let total = 0;
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      let maxP = 0;
      let maxQ = 0;
      for (let c = 0; c < cols; c++) {
        maxP = Math.max(maxP, p[row + c]!);
        maxQ = Math.max(maxQ, q[row + c]!);
      }
      for (let c = 0; c < cols; c++) total += Math.abs((p[row + c]! / maxP) ** alpha - (q[row + c]! / maxQ) ** alpha);
    }
    return total / (2 * rows);
  }),
});

/** Σ_c x_c ln(x_c / m_c) with 0 ln 0 = 0 (scipy rel_entr summed). */
function relativeEntropy(x: Float64Array, m: Float64Array, offset: number, cols: number): number {
  let sum = 0;
  for (let c = 0; c < cols; c++) {
    const v = x[offset + c]!;
    if (v > 0) sum += v * Math.log(v / m[c]!);
  }
  return sum;
}

export const jsdDefinition = defineMeasure({
  id: 'jsd',
  name: 'Jensen–Shannon divergence',
  family: 'soft-predictions',
  kind: 'distance',
  range: [0, Math.LN2],
  selfValue: 0,
  symmetric: true,
  // The divergence (not its square root, the JS distance) violates the triangle inequality.
  metric: false,
  invariances: [],
  variants: [
    {
      // Any base b > 1: the divergence in nats divided by ln b. The representative setting b = 2 (bits,
      // as ReSi) has range [0, 1].
      when: { base: 2 },
      appliesTo: (options) => typeof options.base === 'number' && options.base > 1,
      rangeOf: (options) => [0, Math.LN2 / Math.log(options.base as number)],
      note: 'logarithm base b: range [0, ln 2 / ln b]; b = 2 gives bits, range [0, 1] (ReSi JSD)',
    },
  ],
  minRows: 1,
  options: {
    input: inputOption,
    base: numberOption({
      default: Math.E,
      min: 1,
      minExclusive: true,
      description: 'Logarithm base b > 1: e (nats, range [0, ln 2]), 2 (bits, range [0, 1], as ReSi); in general [0, ln 2 / ln b].',
    }),
  },
  description:
    'Mean over inputs of JSD(pᵢ ‖ qᵢ) = ½ KL(pᵢ ‖ mᵢ) + ½ KL(qᵢ ‖ mᵢ), mᵢ = (pᵢ + qᵢ)/2, each row clipped to ' +
    '[0, log_base 2] against roundoff.',
  reference: {
    citation: 'Lin 1991, "Divergence measures based on the Shannon entropy", IEEE Transactions on Information Theory 37(1):145–151',
    url: 'https://doi.org/10.1109/18.61115',
  },
  parity: "ReSi JSD ← { input: 'logits', base: 2 } (ReSi applies softmax itself and reports bits)",
  engine: pairEngine('jsd', (p, q, rows, cols, options) => {
    const logBase = Math.log(options.values.base as number);
    const ceiling = Math.LN2 / logBase;
    const m = new Float64Array(cols);
    let total = 0;
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      for (let c = 0; c < cols; c++) m[c] = (p[row + c]! + q[row + c]!) / 2;
      // As ReSi: (KL(p‖m) + KL(q‖m)) / ln(base) / 2, clipped.
      const value = (relativeEntropy(p, m, row, cols) + relativeEntropy(q, m, row, cols)) / logBase / 2;
      total += Math.min(Math.max(value, 0), ceiling);
    }
    return total / rows;
  }),
});

export const predictionDifferenceDefinition = defineMeasure({
  id: 'prediction-difference',
  name: 'Prediction difference',
  family: 'soft-predictions',
  kind: 'distance',
  range: [0, 2],
  selfValue: 0,
  symmetric: true,
  metric: false,
  invariances: [],
  arity: 'group',
  minRows: 1,
  options: {
    input: inputOption,
    p: numberOption({ default: 1, min: 1, description: 'Order of the norm ‖·‖_p of the deviation from the ensemble mean.' }),
  },
  description:
    '(1/N) Σᵢ (1/K) Σ_k ‖p_k(xᵢ) − p̄(xᵢ)‖_p: the mean deviation of each model\'s predicted distribution from the ' +
    'ensemble mean p̄ (absolute PD).',
  reference: {
    citation: 'Shamir, Lin, Coviello 2020, "Smooth activations and reproducibility in deep networks"',
    url: 'https://arxiv.org/abs/2010.09931',
  },
  engine: groupEngine('prediction-difference', (dists, rows, cols, options) => {
    const order = options.values.p as number;
    const k = dists.length;
    const mean = new Float64Array(cols);
    let total = 0;
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      mean.fill(0);
      for (const d of dists) for (let c = 0; c < cols; c++) mean[c]! += d[row + c]! / k;
      for (const d of dists) {
        let norm = 0;
        for (let c = 0; c < cols; c++) norm += Math.abs(d[row + c]! - mean[c]!) ** order;
        total += norm ** (1 / order);
      }
    }
    return total / (rows * k);
  }),
});

interface BlahutArimotoStep {
  /** The updated input distribution π·exp(D)/Σ. */
  readonly next: Float64Array;
  /** Mutual information I(π) = Σ_k π_k D_k (the objective BA increases). */
  readonly information: number;
  /** Blahut's bounds at π: lower = ln Σ_k π_k e^{D_k} ≤ capacity ≤ upper = max_k D_k, for any π. */
  readonly lower: number;
  readonly upper: number;
}

function blahutArimotoStep(channel: readonly Float64Array[], weights: Float64Array, output: Float64Array): BlahutArimotoStep {
  const k = channel.length;
  const cols = output.length;
  output.fill(0);
  for (let j = 0; j < k; j++) for (let c = 0; c < cols; c++) output[c]! += weights[j]! * channel[j]![c]!;
  const divergence = new Float64Array(k);
  let upper = -Infinity;
  let information = 0;
  for (let j = 0; j < k; j++) {
    let d = 0;
    for (let c = 0; c < cols; c++) {
      const v = channel[j]![c]!;
      if (v > 0) d += v * Math.log(v / output[c]!);
    }
    divergence[j] = Math.max(d, 0);
    upper = Math.max(upper, divergence[j]!);
    information += weights[j]! * divergence[j]!;
  }
  // ln Σ π_k e^{D_k}, shifted by the maximum for stability.
  let sum = 0;
  for (let j = 0; j < k; j++) sum += weights[j]! * Math.exp(divergence[j]! - upper);
  const next = new Float64Array(k);
  for (let j = 0; j < k; j++) next[j] = (weights[j]! * Math.exp(divergence[j]! - upper)) / sum;
  return { next, information, lower: upper + Math.log(sum), upper };
}

/**
 * Channel capacity (nats) of the channel model k → class c with transition rows P_k = channel[k]
 * (Blahut 1972, Arimoto 1972): π ← π·exp(D_k)/Σ, D_k = KL(P_k ‖ Σ_j π_j P_j). Plain BA converges
 * slowly when a model sits near the boundary of the optimal support, so the iteration is accelerated
 * by squared extrapolation (SQUAREM, Varadhan & Roland 2008), falling back to the plain step whenever
 * the extrapolated point lowers I(π). Termination is rigorous either way: Blahut's bounds hold for any
 * π, and the iteration stops when upper − lower ≤ `tolerance`, returning the lower bound.
 */
export function blahutArimoto(
  channel: readonly Float64Array[],
  tolerance: number,
  maxIterations: number,
): { capacity: number; iterations: number } {
  const k = channel.length;
  const output = new Float64Array(channel[0]!.length);
  let x0: Float64Array = new Float64Array(k).fill(1 / k);
  let iterations = 0;
  const step = (x: Float64Array): BlahutArimotoStep | number => {
    iterations++;
    const s = blahutArimotoStep(channel, x, output);
    return s.upper - s.lower <= tolerance ? Math.max(s.lower, 0) : s;
  };
  for (let round = 1; iterations < maxIterations; round++) {
    if (round % 256 === 0) checkBudget();
    const s1 = step(x0);
    if (typeof s1 === 'number') return { capacity: s1, iterations };
    const s2 = step(s1.next);
    if (typeof s2 === 'number') return { capacity: s2, iterations };
    const x1 = s1.next;
    const x2 = s2.next;
    let rr = 0;
    let vv = 0;
    for (let j = 0; j < k; j++) {
      rr += (x1[j]! - x0[j]!) ** 2;
      vv += (x2[j]! - 2 * x1[j]! + x0[j]!) ** 2;
    }
    if (vv === 0) {
      x0 = x2;
      continue;
    }
    // SQUAREM (scheme S3): x′ = x0 − 2αr + α²v with α = −‖r‖/‖v‖ ≤ −1 (α = −1 gives x2); halve the
    // step towards −1 until x′ stays inside the simplex.
    let alpha = Math.min(-1, -Math.sqrt(rr / vv));
    let candidate: Float64Array = new Float64Array(k);
    for (let attempt = 0; attempt < 60; attempt++) {
      let total = 0;
      let inside = true;
      for (let j = 0; j < k; j++) {
        const r = x1[j]! - x0[j]!;
        const v = x2[j]! - 2 * x1[j]! + x0[j]!;
        const value = x0[j]! - 2 * alpha * r + alpha * alpha * v;
        if (!(value > 0)) inside = false;
        candidate[j] = value;
        total += value;
      }
      if (inside) {
        for (let j = 0; j < k; j++) candidate[j]! /= total;
        break;
      }
      if (alpha === -1) {
        candidate = x2;
        break;
      }
      alpha = Math.min(-1, (alpha - 1) / 2);
    }
    // Stabilise with one plain step from the extrapolated point; keep it only if it did not lose information.
    const s3 = step(candidate);
    if (typeof s3 === 'number') return { capacity: s3, iterations };
    x0 = s3.information >= s2.information ? s3.next : x2;
  }
  throw new NnsimError(
    'E_NUMERICAL',
    `rashomon-capacity: Blahut–Arimoto did not reach tolerance ${tolerance} in ${maxIterations} iterations; raise maxIterations or tolerance`,
    { measure: 'rashomon-capacity' },
  );
}

/**
 * CAPA's ingredients (Goel et al. 2025, §2): the observed agreement, the two models' mean probability on
 * the true class (their accuracy in the discrete form) and the number of classes.
 */
interface CapaTerms {
  observed: number;
  correctA: number;
  correctB: number;
  classes: number;
}

function capaTerms(a: Matrix, b: Matrix, options: ResolvedOptions, id: string): CapaTerms {
  if (options.values.mode === 'discrete' || isHard(a) || isHard(b)) {
    // One-hot distributions of the predicted labels: agreement of the labels, accuracies. C is the
    // outputs' width, or for label vectors one more than the largest label predicted or true (so a true
    // class that no model predicts is still a class); it only enters the formula, nothing is sized by it.
    const { labels, known } = predictionsOf([a, b], options, id);
    const truth = groundTruth(options, a.rows, known, id)!;
    let classes = known ?? 0;
    if (known === undefined) for (const l of [...labels, truth]) for (const v of l) classes = Math.max(classes, v + 1);
    return {
      observed: 1 - disagreementOf(labels[0]!, labels[1]!),
      correctA: accuracyOf(labels[0]!, truth),
      correctB: accuracyOf(labels[1]!, truth),
      classes,
    };
  }
  const [p, q] = distributionsOf([a, b], options, id);
  const truth = groundTruth(options, a.rows, a.cols, id)!;
  const { rows, cols } = a;
  let observed = 0;
  let correctA = 0;
  let correctB = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let c = 0; c < cols; c++) observed += p![row + c]! * q![row + c]!;
    correctA += p![row + truth[i]!]!;
    correctB += q![row + truth[i]!]!;
  }
  return { observed: observed / rows, correctA: correctA / rows, correctB: correctB / rows, classes: cols };
}

export const capaDefinition = defineMeasure({
  id: 'capa',
  name: 'Chance-adjusted probabilistic agreement (CAPA, κp)',
  family: 'soft-predictions',
  kind: 'similarity',
  range: [-Infinity, 1],
  selfValue: null,
  selfValueNote: 'Σ_c p_c² < 1 for a distribution that is not one-hot: a model agrees with itself only as much as it is certain',
  symmetric: true,
  metric: false,
  invariances: [],
  variants: [
    {
      when: { mode: 'discrete' },
      selfValue: 1,
      invariances: ['isotropic-scaling'],
      note: 'one-hot argmax predictions: scaling logits does not move the argmax',
    },
  ],
  minRows: 1,
  options: {
    labels: labelsFor('to find the probability each model puts on the true class'),
    input: inputOption,
    mode: enumOption(
      ['probabilistic', 'discrete'],
      'probabilistic',
      "'probabilistic' (κp, the paper's default) compares the predicted distributions; 'discrete' their argmax as " +
        'one-hot vectors (label-vector inputs are always discrete).',
    ),
  },
  description:
    'κp = (c_obs − c_exp)/(1 − c_exp) with c_obs = (1/N) Σᵢ Σ_c pᵢ(c) qᵢ(c), the probability that the two models ' +
    'pick the same class, and c_exp = p̄_A·p̄_B + (1 − p̄_A)(1 − p̄_B)/(C − 1), the agreement of independent models ' +
    'that put mean probability p̄ on the true class and spread the rest evenly over the C − 1 other classes ' +
    '(Goel et al. 2025, Eq. 2–4). At most 1; below −1 when c_exp is close to 1. E_DEGENERATE for C < 2 or c_exp = 1.',
  reference: {
    citation: 'Goel, Strüber, Auzina, Chandra, Kumaraguru, Kiela, Prabhu, Bethge, Geiping 2025, "Great Models Think Alike and this Undermines AI Oversight", arXiv:2502.04313',
    url: 'https://arxiv.org/abs/2502.04313',
  },
  parity: "lm-sim CAPA.compute_k (prob=True; prob=False ← { mode: 'discrete' })",
  engine: {
    kind: 'js',
    input: toModelOutputs,
    compute(a: Matrix, b: Matrix, options: ResolvedOptions): number {
      const { observed, correctA, correctB, classes } = capaTerms(a, b, options, 'capa');
      if (classes < 2) {
        throw new NnsimError('E_DEGENERATE', 'capa needs at least 2 classes (chance agreement spreads over C − 1 wrong classes)', {
          measure: 'capa',
        });
      }
      const expected = correctA * correctB + ((1 - correctA) * (1 - correctB)) / (classes - 1);
      if (!(1 - expected > 0)) {
        throw new NnsimError('E_DEGENERATE', 'capa is undefined: the chance agreement of the two accuracies is 1', { measure: 'capa' });
      }
      return (observed - expected) / (1 - expected);
    },
  },
});

export const rashomonCapacityDefinition = defineMeasure({
  id: 'rashomon-capacity',
  name: 'Rashomon capacity',
  family: 'soft-predictions',
  kind: 'distance',
  range: [1, Infinity],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: [],
  arity: 'group',
  minRows: 1,
  options: {
    input: inputOption,
    tolerance: numberOption({
      default: 1e-8,
      min: 0,
      minExclusive: true,
      description: 'Blahut–Arimoto stops when its upper and lower bounds on the capacity (nats) differ by at most this; ' +
        'the value (the lower bound) then has about this relative accuracy.',
    }),
    maxIterations: numberOption({
      default: 1000000,
      min: 1,
      max: 10_000_000,
      integer: true,
      description: 'Iteration limit per input; E_NUMERICAL when the tolerance is not reached.',
    }),
  },
  description:
    'Mean over inputs of 2^capacity (bits) of the channel from model index to predicted class, '+
    'computed by Blahut–Arimoto: 1 when all K models agree, at most min(K, C).',
  reference: {
    citation: 'Hsu, Calmon 2022, "Rashomon capacity: a metric for predictive multiplicity in classification", NeurIPS',
    url: 'https://arxiv.org/abs/2206.01295',
  },
  engine: {
    // Blahut–Arimoto's iterations are not bounded by the input size: async calls always use a worker.
    offload: 'always',
    ...groupEngine('rashomon-capacity', (dists, rows, cols, options) => {
      const tolerance = options.values.tolerance as number;
      const maxIterations = options.values.maxIterations as number;
      let total = 0;
      for (let i = 0; i < rows; i++) {
        checkBudget();
        const channel = dists.map((d) => d.subarray(i * cols, (i + 1) * cols));
        total += Math.exp(blahutArimoto(channel, tolerance, maxIterations).capacity);
      }
      return total / rows;
    }),
  },
});

export const softPredictionsDefinitions = [
  surrogateChurnDefinition,
  jsdDefinition,
  capaDefinition,
  predictionDifferenceDefinition,
  rashomonCapacityDefinition,
] as const satisfies readonly MeasureDefinition[];
