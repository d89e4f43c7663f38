/**
 * Alignment-based measures that match neurons to neurons: optimal assignment, optimal transport,
 * subspace matching (native/core/matching.cpp). Family: alignment.
 *
 * A neuron is a column of a representation (its activations over the N inputs). Assignments are
 * solved exactly (shortest augmenting paths, native/core/assignment.cpp) and transport plans exactly
 * (integer min-cost flow, native/core/transport.cpp); nothing is approximated.
 */
import { defineMeasure } from '../measure-types.js';
import { enumOption, numberOption } from '../options.js';

export const correlationMatchDefinition = defineMeasure({
  id: 'correlation-match',
  name: 'Correlation match (hard / soft neuron matching)',
  family: 'alignment',
  kind: 'similarity',
  range: [-1, 1],
  selfValue: 1,
  selfValueNote: 'below 1 when a neuron is constant (its correlations count as 0)',
  symmetric: true,
  metric: false,
  invariances: ['permutation', 'isotropic-scaling', 'translation'],
  variants: [{ when: { mode: 'soft' }, note: "each neuron's best correlation, averaged over both sides" }],
  minRows: 2,
  options: {
    mode: enumOption(
      ['hard', 'soft'] as const,
      'hard',
      "'hard': mean correlation of the optimal one-to-one matching of neurons (min(D, D′) pairs, exact assignment); " +
        "'soft': mean over the neurons of both inputs of each neuron's highest correlation.",
    ),
  },
  description:
    'Pearson correlations between the neurons (columns) of the two inputs; hard: mean correlation of the one-to-one ' +
    'matching that maximises the summed (signed) correlation; soft: (mean row maximum + mean column maximum) / 2. ' +
    'A constant neuron has correlation 0 with every neuron (as in ReSi); if every neuron of an input is constant the ' +
    'measure is undefined (E_DEGENERATE).',
  reference: {
    citation:
      'Li, Yosinski, Clune, Lipson, Hopcroft 2016, "Convergent learning: do different neural networks learn the same representations?", ICLR',
    url: 'https://arxiv.org/abs/1511.07543',
  },
  parity:
    'ReSi HardCorrelationMatch; SoftCorrelationMatch ← { mode: "soft" }. Where every neuron of an input is constant ' +
    'ReSi returns 0; nnsim raises E_DEGENERATE.',
  engine: { kind: 'native' },
});

export const permutationProcrustesDefinition = defineMeasure({
  id: 'permutation-procrustes',
  name: 'Permutation Procrustes distance',
  family: 'alignment',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['permutation'],
  minRows: 1,
  options: {},
  description:
    'min over permutations P of ‖XP − Y‖_F on the raw inputs, the narrower one zero-padded to max(D, D′) columns; ' +
    'the optimal P is an exact linear assignment on XᵀY.',
  reference: {
    citation: 'Williams, Kunz, Kornblith, Linderman 2021, "Generalized shape metrics on neural representations", NeurIPS',
    url: 'https://arxiv.org/abs/2110.14739',
  },
  parity: 'ReSi PermutationProcrustes',
  engine: { kind: 'native' },
});

export const softMatchingDefinition = defineMeasure({
  id: 'soft-matching',
  name: 'Soft matching distance',
  family: 'alignment',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['permutation'],
  minRows: 1,
  options: {},
  description:
    'sqrt(min_T Σ_ij T_ij ‖x_i − y_j‖²) over couplings T of the D neurons of X and the D′ neurons of Y with uniform ' +
    'marginals 1/D and 1/D′ (2-Wasserstein distance between the neurons as point clouds in ℝᴺ), solved exactly. ' +
    'For D = D′ it equals permutation-procrustes / √D.',
  reference: {
    citation:
      'Khosla, Williams 2023, "Soft matching distance: a metric on neural representations that captures single-neuron tuning", UniReps workshop (NeurIPS)',
    url: 'https://arxiv.org/abs/2311.09466',
  },
  engine: { kind: 'native' },
});

export const maximumMatchDefinition = defineMeasure({
  id: 'maximum-match',
  name: 'Maximum match similarity',
  family: 'alignment',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  selfValueNote: 'below 1 when an input has an all-zero neuron (it spans nothing and is never matched)',
  symmetric: true,
  metric: false,
  invariances: ['permutation', 'isotropic-scaling'],
  minRows: 1,
  options: {
    epsilon: numberOption({
      default: 0.25,
      min: 0,
      max: 1,
      minExclusive: true,
      description:
        'Approximation tolerance ε: a neuron x is matched when its distance to the span of the other side’s matched ' +
        'neurons is at most ε‖x‖.',
    }),
  },
  description:
    '(|X*| + |Y*|) / (D + D′) for the maximum ε-approximate match (X*, Y*): the largest sets of neurons such that each ' +
    'neuron of X* lies within ε‖x‖ of span(Y*) and each neuron of Y* within ε‖y‖ of span(X*). Raw (uncentred) ' +
    'activation vectors, as in the paper; computed exactly by removing violating neurons until none is left.',
  reference: {
    citation:
      'Wang, Hu, Gu, Hu, Wu, He, Hopcroft 2018, "Towards understanding learning representations: to what extent do different neural networks learn the same representation", NeurIPS',
    url: 'https://arxiv.org/abs/1810.11750',
  },
  engine: { kind: 'native' },
});

export const matchingDefinitions = [
  correlationMatchDefinition,
  permutationProcrustesDefinition,
  softMatchingDefinition,
  maximumMatchDefinition,
] as const;
