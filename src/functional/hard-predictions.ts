/**
 * Hard-prediction functional similarity: measures on the predicted labels (argmax of each output row,
 * ties → the first class, as numpy), for two models or a group of K ≥ 2 models.
 */
import { NnsimError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { type MeasureDefinition, defineMeasure } from '../measure-types.js';
import { type ResolvedOptions, enumOption } from '../options.js';
import { disagreementOf, groundTruth, hardInputOption, labelsFor, predictionsOf, toModelOutputs } from './inputs.js';

const SURVEY = {
  citation:
    'Klabunde, Schumacher, Strohmaier, Lemmerich 2025, "Similarity of Neural Network Models: A Survey of Functional and Representational Measures", ACM Computing Surveys',
  url: 'https://arxiv.org/abs/2305.06329',
};

const MARX = {
  citation: 'Marx, Calmon, Ustun 2020, "Predictive multiplicity in classification", ICML',
  url: 'https://arxiv.org/abs/1909.06677',
};

/**
 * The predicted labels as dense class ids 0 … C′ − 1 in order of first appearance, C′ the number of
 * distinct labels (at most N·K): per-class arrays are sized by the classes present, never by the largest
 * label value (a label of 2³¹ − 2 costs nothing).
 */
function denseClasses(labels: readonly Int32Array[]): { ids: Int32Array[]; classes: number } {
  const index = new Map<number, number>();
  const ids = labels.map((l) =>
    Int32Array.from(l, (value) => {
      let id = index.get(value);
      if (id === undefined) index.set(value, (id = index.size));
      return id;
    }),
  );
  return { ids, classes: index.size };
}

/**
 * For input i, calls visit(c, n_ic) once for each class c that some model predicts, n_ic the number of
 * models predicting it. `counts` is C′ zeros on entry and is left zeroed, so one buffer serves all inputs
 * (O(K) per input instead of O(C′)).
 */
function visitVotes(ids: readonly Int32Array[], i: number, counts: Float64Array, visit: (c: number, votes: number) => void): void {
  for (const l of ids) counts[l[i]!]!++;
  for (const l of ids) {
    const c = l[i]!;
    const votes = counts[c]!;
    if (votes > 0) {
      visit(c, votes);
      counts[c] = 0;
    }
  }
}

function pairEngine(id: string, fn: (a: Int32Array, b: Int32Array, truth: Int32Array | undefined) => number, needsLabels: boolean) {
  return {
    kind: 'js' as const,
    input: toModelOutputs,
    compute(a: Matrix, b: Matrix, options: ResolvedOptions): number {
      const { labels, known } = predictionsOf([a, b], options, id);
      const truth = groundTruth(options, a.rows, known, id, needsLabels);
      return fn(labels[0]!, labels[1]!, truth);
    },
  };
}

function groupEngine(id: string, fn: (labels: Int32Array[], options: ResolvedOptions) => number) {
  const computeGroup = (models: readonly Matrix[], options: ResolvedOptions): number => fn(predictionsOf(models, options, id).labels, options);
  return {
    kind: 'js' as const,
    input: toModelOutputs,
    computeGroup,
    compute: (a: Matrix, b: Matrix, options: ResolvedOptions) => computeGroup([a, b], options),
  };
}

function errorCount(predicted: Int32Array, truth: Int32Array): number {
  let errors = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] !== truth[i]) errors++;
  return errors;
}

export const disagreementDefinition = defineMeasure({
  id: 'disagreement',
  name: 'Disagreement (churn)',
  family: 'hard-predictions',
  kind: 'distance',
  range: [0, 1],
  selfValue: 0,
  symmetric: true,
  // Normalised Hamming distance between the label vectors.
  metric: true,
  invariances: ['isotropic-scaling'],
  minRows: 1,
  options: { input: hardInputOption },
  description: '(1/N) Σᵢ 1[argmax Aᵢ ≠ argmax Bᵢ]: the fraction of inputs on which the predicted labels differ.',
  reference: SURVEY,
  parity: 'ReSi Disagreement (argmax ties → first index)',
  engine: pairEngine('disagreement', disagreementOf, false),
});

export const errorCorrectedDisagreementDefinition = defineMeasure({
  id: 'error-corrected-disagreement',
  name: 'Error-corrected disagreement',
  family: 'hard-predictions',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: false,
  metric: false,
  invariances: ['isotropic-scaling'],
  minRows: 1,
  options: { labels: labelsFor('to find the error rate of the first model'), input: hardInputOption },
  description:
    'Disagreement divided by the error rate of the first (reference) model, dis(A, B) / err(A) (Fort et al. ' +
    "plot the fraction of labels changed over the classification error). Undefined (E_DEGENERATE) when A makes no error.",
  reference: {
    citation: 'Fort, Hu, Lakshminarayanan 2019, "Deep ensembles: a loss landscape perspective"',
    url: 'https://arxiv.org/abs/1912.02757',
  },
  engine: pairEngine(
    'error-corrected-disagreement',
    (a, b, truth) => {
      const errors = errorCount(a, truth!);
      if (errors === 0) {
        throw new NnsimError('E_DEGENERATE', 'error-corrected-disagreement: the first model makes no error (division by 0)', {
          measure: 'error-corrected-disagreement',
        });
      }
      let differ = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
      return differ / errors;
    },
    true,
  ),
});

export const minMaxDisagreementDefinition = defineMeasure({
  id: 'min-max-disagreement',
  name: 'Min-max normalised disagreement',
  family: 'hard-predictions',
  kind: 'distance',
  range: [0, 1],
  selfValue: 0,
  symmetric: true,
  metric: false,
  invariances: ['isotropic-scaling'],
  minRows: 1,
  options: { labels: labelsFor('to find the error rates'), input: hardInputOption },
  description:
    '(dis − dis_min)/(dis_max − dis_min) with dis_min = |err_A − err_B| and dis_max = min(err_A + err_B, 1), the ' +
    'smallest and largest disagreement the two error rates allow. When they coincide (e.g. both models perfect) ' +
    'the disagreement is forced and the value is 0.',
  reference: {
    citation: 'Klabunde, Lemmerich 2023, "On the prediction instability of graph neural networks", ECML PKDD',
    url: 'https://arxiv.org/abs/2205.10070',
  },
  engine: pairEngine(
    'min-max-disagreement',
    (a, b, truth) => {
      // In counts over N: dis_min = |e_A − e_B|, dis_max = min(e_A + e_B, N); integer arithmetic is exact.
      const n = a.length;
      const ea = errorCount(a, truth!);
      const eb = errorCount(b, truth!);
      let differ = 0;
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) differ++;
      const low = Math.abs(ea - eb);
      const high = Math.min(ea + eb, n);
      return high === low ? 0 : (differ - low) / (high - low);
    },
    true,
  ),
});

export const cohensKappaDefinition = defineMeasure({
  id: 'cohens-kappa',
  name: "Cohen's kappa",
  family: 'hard-predictions',
  kind: 'similarity',
  range: [-1, 1],
  selfValue: 1,
  selfValueNote: 'E_DEGENERATE when both models predict one and the same class for every input (p_e = 1).',
  symmetric: true,
  metric: false,
  invariances: ['isotropic-scaling'],
  minRows: 1,
  options: { input: hardInputOption },
  description:
    'κ = (p_o − p_e)/(1 − p_e): observed agreement p_o of the predicted labels, corrected by the agreement ' +
    'p_e = Σ_c p_c p′_c expected from the two label marginals.',
  reference: {
    citation: 'Cohen 1960, "A coefficient of agreement for nominal scales", Educational and Psychological Measurement 20(1):37–46',
    url: 'https://doi.org/10.1177/001316446002000104',
  },
  engine: pairEngine(
    'cohens-kappa',
    (a, b) => {
      // κ = (N·agree − Σ_c n_c n′_c)/(N² − Σ_c n_c n′_c), in counts (exact for N < 9·10⁷).
      const n = a.length;
      const counts = new Map<number, [number, number]>();
      let agree = 0;
      for (let i = 0; i < n; i++) {
        if (a[i] === b[i]) agree++;
        const ca = counts.get(a[i]!) ?? [0, 0];
        ca[0]++;
        counts.set(a[i]!, ca);
        const cb = counts.get(b[i]!) ?? [0, 0];
        cb[1]++;
        counts.set(b[i]!, cb);
      }
      let chance = 0;
      for (const [na, nb] of counts.values()) chance += na * nb;
      if (chance === n * n) {
        throw new NnsimError('E_DEGENERATE', 'cohens-kappa: both models predict a single class for every input (p_e = 1)', {
          measure: 'cohens-kappa',
        });
      }
      return (n * agree - chance) / (n * n - chance);
    },
    false,
  ),
});

export const fleissKappaDefinition = defineMeasure({
  id: 'fleiss-kappa',
  name: "Fleiss' kappa",
  family: 'hard-predictions',
  kind: 'similarity',
  range: [-1, 1],
  selfValue: 1,
  selfValueNote: 'E_DEGENERATE when every model predicts one and the same class for every input.',
  symmetric: true,
  metric: false,
  invariances: ['isotropic-scaling'],
  arity: 'group',
  minRows: 1,
  options: { input: hardInputOption },
  description:
    'κ = (P̄ − P̄_e)/(1 − P̄_e) over K models as raters: P̄ = mean over inputs of the share of agreeing model pairs, ' +
    'P̄_e = Σ_c p_c² with p_c the share of all predictions in class c. For K = 2 it is Scott\'s π.',
  reference: {
    citation: 'Fleiss 1971, "Measuring nominal scale agreement among many raters", Psychological Bulletin 76(5):378–382',
    url: 'https://doi.org/10.1037/h0031619',
  },
  engine: groupEngine('fleiss-kappa', (labels) => {
    const k = labels.length;
    const n = labels[0]!.length;
    const { ids, classes } = denseClasses(labels);
    // Fleiss 1971, Eqs. 2–5: P_i = (Σ_c n_ic² − K)/(K(K − 1)), p_c = Σ_i n_ic/(N K).
    let agreeing = 0;
    const marginal = new Float64Array(classes);
    const counts = new Float64Array(classes);
    for (let i = 0; i < n; i++) {
      let squares = 0;
      visitVotes(ids, i, counts, (c, v) => {
        squares += v * v;
        marginal[c]! += v;
      });
      agreeing += (squares - k) / (k * (k - 1));
    }
    const observed = agreeing / n;
    let chance = 0;
    for (let c = 0; c < classes; c++) chance += (marginal[c]! / (n * k)) ** 2;
    if (chance >= 1 - 1e-15) {
      throw new NnsimError('E_DEGENERATE', 'fleiss-kappa: every model predicts a single class for every input (P̄_e = 1)', {
        measure: 'fleiss-kappa',
      });
    }
    return (observed - chance) / (1 - chance);
  }),
});

export const ambiguityDefinition = defineMeasure({
  id: 'ambiguity',
  name: 'Ambiguity (predictive multiplicity)',
  family: 'hard-predictions',
  kind: 'distance',
  range: [0, 1],
  selfValue: 0,
  symmetric: true,
  metric: false,
  invariances: ['isotropic-scaling'],
  arity: 'group',
  minRows: 1,
  options: { input: hardInputOption },
  description:
    'The fraction of inputs on which not all K models predict the same label (equivalently, on which some ' +
    'model disagrees with the first, Marx et al.\'s baseline).',
  reference: MARX,
  engine: groupEngine('ambiguity', (labels) => {
    const n = labels[0]!.length;
    let ambiguous = 0;
    for (let i = 0; i < n; i++) if (labels.some((l) => l[i] !== labels[0]![i])) ambiguous++;
    return ambiguous / n;
  }),
});

export const discrepancyDefinition = defineMeasure({
  id: 'discrepancy',
  name: 'Discrepancy (predictive multiplicity)',
  family: 'hard-predictions',
  kind: 'distance',
  range: [0, 1],
  selfValue: 0,
  symmetric: true,
  metric: false,
  invariances: ['isotropic-scaling'],
  arity: 'group',
  minRows: 1,
  options: {
    input: hardInputOption,
    reference: enumOption(
      ['pairwise', 'first'] as const,
      'pairwise',
      "'pairwise': the largest disagreement of any two models; 'first': the largest disagreement with the first model (Marx et al.'s baseline).",
    ),
  },
  description: 'The largest disagreement between two models of the group (max over pairs, or over models vs the first).',
  reference: MARX,
  engine: groupEngine('discrepancy', (labels, options) => {
    const firstOnly = options.values.reference === 'first';
    let worst = 0;
    for (let p = 0; p < labels.length; p++) {
      for (let q = p + 1; q < labels.length; q++) {
        if (firstOnly && p !== 0) continue;
        worst = Math.max(worst, disagreementOf(labels[p]!, labels[q]!));
      }
    }
    return worst;
  }),
});

export const labelEntropyDefinition = defineMeasure({
  id: 'label-entropy',
  name: 'Label entropy',
  family: 'hard-predictions',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: false,
  invariances: ['isotropic-scaling'],
  arity: 'group',
  minRows: 1,
  options: { input: hardInputOption },
  description:
    'Mean over inputs of the entropy (nats) of the distribution of the K predicted labels, −Σ_c (n_c/K) ln(n_c/K); ' +
    'at most ln min(K, C).',
  reference: SURVEY,
  engine: groupEngine('label-entropy', (labels) => {
    const k = labels.length;
    const n = labels[0]!.length;
    const { ids, classes } = denseClasses(labels);
    const counts = new Float64Array(classes);
    let total = 0;
    for (let i = 0; i < n; i++) visitVotes(ids, i, counts, (_c, v) => (total -= (v / k) * Math.log(v / k)));
    return total / n;
  }),
});

export const hardPredictionsDefinitions = [
  disagreementDefinition,
  errorCorrectedDisagreementDefinition,
  minMaxDisagreementDefinition,
  cohensKappaDefinition,
  fleissKappaDefinition,
  ambiguityDefinition,
  discrepancyDefinition,
  labelEntropyDefinition,
] as const satisfies readonly MeasureDefinition[];
