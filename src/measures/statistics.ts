/**
 * Descriptive statistics of each representation, compared across the pair (native/core/statistics.cpp).
 * Each measure is |s(X) − s(Y)| for a scalar statistic s of one representation, so each is a pseudo-metric
 * (identity value 0, symmetric, triangle inequality) and is invariant exactly where s is.
 */
import { defineMeasure } from '../measure-types.js';
import { enumOption, labelsOption, numberOption } from '../options.js';
import { wang2020 } from './references.js';

export const intrinsicDimensionDifferenceDefinition = defineMeasure({
  id: 'intrinsic-dimension-difference',
  name: 'Intrinsic dimension difference',
  family: 'statistics',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  variants: [{ when: { estimator: 'mle' }, note: 'Levina–Bickel maximum-likelihood estimator with k neighbours' }],
  paired: false,
  resampling: 'subsample',
  minRows: 3,
  options: {
    estimator: enumOption(
      ['twonn', 'mle'],
      'twonn',
      "Estimator of the intrinsic dimension: TwoNN (Facco et al. 2017) or 'mle' (Levina & Bickel 2005).",
    ),
    k: numberOption({
      integer: true,
      min: 2,
      max: 2_147_483_646,
      default: 10,
      description: "Neighbours used by the 'mle' estimator (needs N ≥ k + 1); TwoNN always uses two.",
    }),
  },
  description:
    '|ID(X) − ID(Y)| for a Euclidean nearest-neighbour estimate of the intrinsic dimension. TwoNN: μ_i = r₂/r₁ sorted ascending, least-squares line through the origin of −log(1 − i/N) on log μ_(i) over the 90% smallest μ. MLE: mean over inputs of [(1/(k−1)) Σ_{j<k} log(T_k/T_j)]⁻¹. Exact duplicate rows are an E_DEGENERATE error.',
  reference: {
    citation:
      'Facco, d\'Errico, Rodriguez, Laio 2017, "Estimating the intrinsic dimension of datasets by a minimal neighborhood information", Sci. Rep. 7:12140; Levina & Bickel 2005, NeurIPS',
    url: 'https://doi.org/10.1038/s41598-017-11873-y',
  },
  parity: 'ReSi lacks it; checked against an independent NumPy/SciPy implementation',
  engine: { kind: 'native' },
});

export const magnitudeDifferenceDefinition = defineMeasure({
  id: 'magnitude-difference',
  name: 'Magnitude difference',
  family: 'statistics',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation'],
  paired: false,
  minRows: 1,
  options: {},
  description: '| ‖mean_i x_i‖₂ − ‖mean_i y_i‖₂ |: difference of the norms of the mean rows.',
  reference: wang2020,
  parity: 'ReSi MagnitudeDifference',
  engine: { kind: 'native' },
});

export const concentricityDifferenceDefinition = defineMeasure({
  id: 'concentricity-difference',
  name: 'Concentricity difference',
  family: 'statistics',
  kind: 'distance',
  range: [0, 2],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
  paired: false,
  minRows: 1,
  options: {},
  description:
    '|c(X) − c(Y)|, c(X) the mean over inputs of the cosine similarity of x_i with the mean row (a zero vector has cosine 0 with everything).',
  reference: wang2020,
  parity: 'ReSi ConcentricityDifference',
  engine: { kind: 'native' },
});

export const uniformityDifferenceDefinition = defineMeasure({
  id: 'uniformity-difference',
  name: 'Uniformity difference',
  family: 'statistics',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'translation'],
  paired: false,
  minRows: 1,
  options: {
    t: numberOption({ min: 0, minExclusive: true, default: 2, description: 'Scale t of the Gaussian potential exp(−t‖x_i − x_j‖²).' }),
  },
  description:
    '|u(X) − u(Y)|, u(X) = log((1/N²) Σ_{i,j} exp(−t‖x_i − x_j‖²)) over all ordered pairs including i = j, on the raw (unnormalised) rows.',
  reference: {
    citation:
      'Wang & Isola 2020, "Understanding contrastive representation learning through alignment and uniformity on the hypersphere", ICML',
    url: 'https://arxiv.org/abs/2005.10242',
  },
  parity: 'ReSi UniformityDifference (t = 2)',
  engine: { kind: 'native' },
});

export const toleranceDifferenceDefinition = defineMeasure({
  id: 'tolerance-difference',
  name: 'Tolerance difference',
  family: 'statistics',
  kind: 'distance',
  range: [0, 2],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
  resampling: 'subsample',
  minRows: 2,
  options: { labels: labelsOption('Class label of each input (one per row).') },
  description:
    '|T(X) − T(Y)|, T(X) the mean cosine similarity over ordered pairs of distinct inputs with the same label (a zero row has cosine 0 with everything).',
  reference: {
    citation: 'Wang & Liu 2021, "Understanding the behaviour of contrastive loss", CVPR',
    url: 'https://arxiv.org/abs/2012.09740',
  },
  parity: 'ReSi lacks it; checked against an independent NumPy implementation',
  engine: { kind: 'native' },
});

export const knnModularityDifferenceDefinition = defineMeasure({
  id: 'knn-modularity-difference',
  name: 'k-NN graph modularity difference',
  family: 'statistics',
  kind: 'distance',
  range: [0, 1.5],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
  variants: [
    {
      when: { metric: 'euclidean' },
      invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
      note: 'euclidean neighbours are translation-invariant',
    },
  ],
  resampling: 'subsample',
  minRows: 2,
  options: {
    labels: labelsOption('Class label of each input (one per row); the classes are the communities.'),
    k: numberOption({
      integer: true,
      min: 1,
      max: 2_147_483_646,
      default: 10,
      description: 'Neighbours of each input in the k-NN graph (needs N ≥ k + 1).',
    }),
    metric: enumOption(['cosine', 'euclidean'], 'cosine', 'Distance that defines the neighbours.'),
  },
  description:
    '|Q(X) − Q(Y)|, Q the Newman modularity Σ_c [L_c/(2m) − (D_c/(2m))²] of the label partition in the undirected, unweighted k-NN graph (i ~ j when either is among the other\'s k nearest neighbours).',
  reference: {
    citation: 'Lu, Yang, Zhang, Chen, Chen, Xuan, Wang, Yang 2022, "Understanding the dynamics of DNNs using graph modularity", ECCV',
    url: 'https://arxiv.org/abs/2111.12485',
  },
  parity: 'ReSi lacks it; checked against NetworkX modularity on the same graph',
  engine: { kind: 'native' },
});

export const neuronModularityDifferenceDefinition = defineMeasure({
  id: 'neuron-modularity-difference',
  name: 'Neuron-graph modularity difference',
  family: 'statistics',
  kind: 'distance',
  range: [0, 1],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['permutation', 'isotropic-scaling', 'translation'],
  paired: false,
  minRows: 2,
  options: {},
  description:
    '|Q(X) − Q(Y)|, Q the Girvan–Newman modularity of the partition of the units (columns) found by Newman\'s spectral method (recursive leading-eigenvector bisection, a split kept when it raises Q; no Monte-Carlo refinement) in the graph weighted by the absolute correlation of the units\' activations, self-loops removed. Zero-variance units have no edges.',
  reference: {
    citation:
      'Lange, Rolnick, Kording 2022, "Clustering units in neural networks: upstream vs downstream information", TMLR; Newman 2006, "Modularity and community structure in networks", PNAS 103:8577',
    url: 'https://arxiv.org/abs/2203.11815',
  },
  parity:
    'ReSi lacks it; partition and value checked against an independent NumPy implementation of the same spectral method and NetworkX modularity. Lange et al. refine the partition by a stochastic Monte-Carlo search, which we omit to stay deterministic.',
  engine: { kind: 'native' },
});

export const statisticsDefinitions = [
  intrinsicDimensionDifferenceDefinition,
  magnitudeDifferenceDefinition,
  concentricityDifferenceDefinition,
  uniformityDifferenceDefinition,
  toleranceDifferenceDefinition,
  knnModularityDifferenceDefinition,
  neuronModularityDifferenceDefinition,
] as const;
