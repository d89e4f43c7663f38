/**
 * Neighbourhood-based measures: agreement of the inputs' k-nearest-neighbour sets (native/core/neighbors.cpp).
 * The k-NN lists exclude the query point by index and break distance ties by the smaller index, so
 * duplicated rows give deterministic values; each list is built once per representation and comparison.
 */
import { type Invariance, defineMeasure, type MeasureVariant } from '../measure-types.js';
import { booleanOption, enumOption, numberOption } from '../options.js';
import { wang2020 } from './references.js';

const kOption = numberOption({
  integer: true,
  min: 1,
  max: 2_147_483_646,
  default: 10,
  description: 'Number of nearest neighbours of each input (the input itself excluded); needs N ≥ k + 1.',
});

const metricOption = enumOption(
  ['cosine', 'euclidean'],
  'cosine',
  'Distance that defines the neighbours: cosine (of the raw rows, as ReSi) or euclidean.',
);

/** Euclidean neighbourhoods do not move under translation; cosine ones do. */
const euclideanVariant: MeasureVariant = {
  when: { metric: 'euclidean' },
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  note: 'euclidean neighbours are translation-invariant',
};

export const knnJaccardDefinition = defineMeasure({
  id: 'knn-jaccard',
  name: 'k-NN Jaccard similarity',
  family: 'neighbors',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
  variants: [euclideanVariant],
  resampling: 'subsample',
  minRows: 2,
  options: { k: kOption, metric: metricOption },
  description: 'Mean over inputs i of |N_k(i) ∩ N′_k(i)| / |N_k(i) ∪ N′_k(i)|, N_k(i) the k nearest other inputs.',
  reference: {
    citation: `${wang2020.citation}; Schumacher, Wolf, Ritzert, Lemmerich, Bachmann, Frantzen, Klabunde, Grohe, Strohmaier 2021, "The effects of randomness on the stability of node embeddings", ECML PKDD workshops, arXiv:2005.10039`,
    url: wang2020.url,
  },
  parity: 'ReSi JaccardSimilarity (k = 10, cosine); equal whenever there are no exact distance ties',
  engine: { kind: 'native' },
});

export const secondOrderCosineDefinition = defineMeasure({
  id: 'second-order-cosine',
  name: 'Second-order cosine similarity',
  family: 'neighbors',
  kind: 'similarity',
  range: [-1, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
  variants: [{ when: { vectors: 'distances' }, range: [0, 1], note: 'vectors of cosine distances (ReSi)' }],
  resampling: 'subsample',
  minRows: 2,
  options: {
    k: kOption,
    vectors: enumOption(
      ['similarities', 'distances'],
      'similarities',
      "Compare vectors of cosine similarities to the joint neighbours (Hamilton et al.) or of cosine distances ('distances', as ReSi).",
    ),
  },
  description:
    'Mean over inputs i of cos(s_i, s′_i), where s_i are the cosine similarities of i to U_i = N_k(i) ∪ N′_k(i) (cosine neighbours) in one representation and s′_i in the other.',
  reference: {
    citation: 'Hamilton, Leskovec, Jurafsky 2016, "Cultural shift or linguistic drift? Comparing two computational measures of semantic change", EMNLP',
    url: 'https://aclanthology.org/D16-1229/',
  },
  parity:
    "ReSi SecondOrderCosineSimilarity ← { vectors: 'distances' } (ReSi compares cosine distances, not the paper's similarities)",
  engine: { kind: 'native' },
});

export const rankSimilarityDefinition = defineMeasure({
  id: 'rank-similarity',
  name: 'k-NN rank similarity',
  family: 'neighbors',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
  variants: [euclideanVariant],
  resampling: 'subsample',
  minRows: 2,
  options: { k: kOption, metric: metricOption },
  description:
    'Mean over inputs i of (1/H_|J|) Σ_{j∈J} 2 / ((1 + |r_j − r′_j|)(r_j + r′_j)), J = N_k(i) ∩ N′_k(i), r_j the 1-based rank of j in each list, H the harmonic number; 0 when J is empty.',
  reference: wang2020,
  parity: 'ReSi RankSimilarity (k = 10, cosine); equal whenever there are no exact distance ties',
  engine: { kind: 'native' },
});

export const jointRankJaccardDefinition = defineMeasure({
  id: 'joint-rank-jaccard',
  name: 'Joint rank and k-NN Jaccard similarity',
  family: 'neighbors',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
  variants: [euclideanVariant],
  resampling: 'subsample',
  minRows: 2,
  options: { k: kOption, metric: metricOption },
  description: 'Mean over inputs i of Jaccard_i · Rank_i (the per-input values of knn-jaccard and rank-similarity).',
  reference: wang2020,
  parity: 'ReSi defines joint_rank_jaccard_similarity but does not register it; checked against an independent NumPy implementation',
  engine: { kind: 'native' },
});


// ---------------------------------------------------------------------------------------------------
// The mutual k-NN family of Huh, Cheung, Wang, Isola 2024, as their code (platonic-rep metrics.py,
// AlignmentMetrics) and pipeline (measure_alignment.py) define it.

const huh2024 = {
  citation: 'Huh, Cheung, Wang, Isola 2024, "The Platonic Representation Hypothesis", ICML, arXiv:2405.07987',
  url: 'https://arxiv.org/abs/2405.07987',
} as const;

/** The conventions every measure of the family shares, stated once for their descriptions. */
const ALIGNMENT_CONVENTIONS =
  'Each input (row) is first L2-normalised (normalize: true, as the authors\' pipeline; a zero row stays zero) and ' +
  'inputs are compared by inner products of the rows, so the neighbours are the cosine neighbours of the raw rows; ' +
  'with normalize: false they are the raw inner products. N_A(i) is the list of the k inputs j ≠ i with the ' +
  'largest inner product, nearest first: an input is never its own neighbour (the authors set the diagonal ' +
  'to −1e8), and exact ties go to the smaller index (the authors\' argsort leaves their order unspecified). ' +
  'Optionally the entries are first clipped at ±q_val (clipQuantile < 1; the authors\' remove_outliers, which ' +
  'their measure_alignment.py applies with q = 0.95).';

const alignmentOptions = {
  k: numberOption({
    integer: true,
    min: 1,
    max: 2_147_483_646,
    default: 10,
    description: 'Number of nearest neighbours of each input (the input itself excluded); needs N ≥ k + 1. The authors use 10.',
  }),
  normalize: booleanOption(
    true,
    'L2-normalise each row before taking inner products (the authors\' pipeline); false: neighbours and kernel by the raw inner products.',
  ),
  clipQuantile: numberOption({
    default: 1,
    min: 0,
    minExclusive: true,
    max: 1,
    description:
      'Clip every entry to ±q_val before normalising (the authors\' remove_outliers; 0.95 in their pipeline); 1 leaves the data unchanged.',
  }),
  clipThreshold: enumOption(
    ['row-mean', 'global'],
    'row-mean',
    "How q_val is found from clipQuantile q: 'row-mean' averages over the rows the q-quantile of each row's |x| " +
      "(linear interpolation; remove_outliers with exact=False, the pipeline's default), 'global' takes the " +
      '⌊q·N·D⌋-th smallest |x| of the whole matrix (exact=True).',
  ),
} as const;

/** Clipping acts on coordinates: rotations change which entries are clipped; scaling and permutations do not. */
const clippedVariant: MeasureVariant = {
  when: { clipQuantile: 0.95 },
  appliesTo: (options) => typeof options.clipQuantile === 'number' && options.clipQuantile < 1,
  invariances: ['permutation', 'isotropic-scaling'],
  note: 'any clipQuantile < 1: clipping coordinates is not rotation-invariant',
};

/** Inner products of (normalised) rows ignore rotations, feature permutations and scaling, not translation. */
const ALIGNMENT_INVARIANCES: readonly Invariance[] = ['orthogonal', 'permutation', 'isotropic-scaling'];

const alignmentVariants: readonly MeasureVariant[] = [
  { when: { normalize: false }, note: 'raw inner products: scaling multiplies them all, so the neighbours do not change' },
  clippedVariant,
];

/** A member of the family that shares its options, range [0, 1] and invariances (all but CKNNA). */
function neighbourListMeasure<const Id extends string>(measure: {
  readonly id: Id;
  readonly name: string;
  readonly selfValue: number | null;
  readonly selfValueNote?: string;
  readonly symmetric: boolean;
  readonly description: string;
  readonly parity: string;
}) {
  return defineMeasure({
    family: 'neighbors',
    kind: 'similarity',
    range: [0, 1],
    metric: false,
    invariances: ALIGNMENT_INVARIANCES,
    variants: alignmentVariants,
    minRows: 2,
    options: alignmentOptions,
    reference: huh2024,
    engine: { kind: 'native' },
    // A duplicated row is its copy's nearest neighbour (k-NN lists change under the bootstrap).
    resampling: 'subsample',
    ...measure,
  });
}

export const mutualKnnDefinition = neighbourListMeasure({
  id: 'mutual-knn',
  name: 'Mutual k-nearest-neighbour alignment',
  selfValue: 1,
  symmetric: true,
  description:
    'Mean over inputs i of |N_A(i) ∩ N_B(i)| / k. ' +
    ALIGNMENT_CONVENTIONS +
    ' With the defaults the value is invariant to rotations, feature permutations and isotropic scaling of either ' +
    'input, but not to translation (the rows are not centred).',
  parity: 'platonic-rep AlignmentMetrics.mutual_knn on L2-normalised rows (topk = k)',
});

export const cknnaDefinition = defineMeasure({
  id: 'cknna',
  name: 'Centred kernel nearest-neighbour alignment (CKNNA)',
  family: 'neighbors',
  kind: 'similarity',
  range: [-Infinity, Infinity],
  selfValue: 1,
  symmetric: false,
  metric: false,
  invariances: ALIGNMENT_INVARIANCES,
  resampling: 'subsample',
  variants: [
    ...alignmentVariants,
    {
      when: { epsilon: 1e-6 },
      appliesTo: (options) => typeof options.epsilon === 'number' && options.epsilon > 0,
      selfValue: null,
      note: 'a positive epsilon in the denominator: m(X, X) is slightly below 1',
    },
  ],
  minRows: 4,
  options: {
    ...alignmentOptions,
    k: numberOption({
      integer: true,
      min: 2,
      max: 2_147_483_646,
      default: 10,
      description: 'Number of nearest neighbours of each input (the input itself excluded); 2 ≤ k ≤ N − 1 (the authors refuse k < 2).',
    }),
    epsilon: numberOption({
      default: 0,
      min: 0,
      max: 1,
      description: 'Added to the denominator √(HSIC_KK·HSIC_LL): the authors\' code adds 1e-6; 0 gives the exact ratio (m(X, X) = 1).',
    }),
  },
  description:
    'CKA restricted to mutual neighbours: HSIC_u(M_AB∘K, M_AB∘L) / √(HSIC_u(M_A∘K, M_A∘K)·HSIC_u(M_B∘L, M_B∘L)) with ' +
    'K_ij, L_ij the inner products of the (normalised) rows, M_A(i, j) = [j ∈ N_A(i)], M_AB = M_A ∘ M_B, and HSIC_u ' +
    'the unbiased estimator of Song et al. 2012 exactly as the authors apply it to the (non-symmetric) masked ' +
    'kernels, including its Σ_ij A_ij·B_ji term. ' +
    ALIGNMENT_CONVENTIONS +
    ' The masked kernels are not symmetric, so the estimator is not an inner product: the value is not confined to ' +
    '[−1, 1] and depends on the argument order (by about 1e-3 on typical inputs). E_DEGENERATE when a masked ' +
    'self-HSIC is not positive.',
  reference: huh2024,
  parity: 'platonic-rep AlignmentMetrics.cknna(A, B) (unbiased=True) ← { epsilon: 1e-6 } on L2-normalised rows',
  engine: { kind: 'native' },
});

export const cycleKnnDefinition = neighbourListMeasure({
  id: 'cycle-knn',
  name: 'Cycle k-nearest-neighbour accuracy',
  selfValue: null,
  selfValueNote: 'the share of inputs that are a neighbour of one of their neighbours: 1 only when every input has a reciprocal neighbour',
  symmetric: false,
  description:
    'Share of inputs i that are among the A-neighbours of one of their B-neighbours: i ∈ ∪_{j ∈ N_B(i)} N_A(j) ' +
    '(the second argument\'s neighbours, then back through the first\'s). ' +
    ALIGNMENT_CONVENTIONS,
  parity: 'platonic-rep AlignmentMetrics.cycle_knn(A, B) on L2-normalised rows',
});

export const lcsKnnDefinition = neighbourListMeasure({
  id: 'lcs-knn',
  name: 'Longest-common-subsequence k-NN alignment',
  selfValue: 1,
  symmetric: true,
  description:
    'Mean over inputs i of the length of the longest common subsequence of the ordered lists N_A(i) and N_B(i), ' +
    'divided by k (the authors return the undivided mean length, k times this value). ' +
    ALIGNMENT_CONVENTIONS,
  parity: 'platonic-rep AlignmentMetrics.lcs_knn = k · value, on L2-normalised rows',
});

export const editDistanceKnnDefinition = neighbourListMeasure({
  id: 'edit-distance-knn',
  name: 'Edit-distance k-NN alignment',
  selfValue: 1,
  symmetric: true,
  description:
    '1 − mean over inputs i of the Levenshtein distance between the ordered lists N_A(i) and N_B(i) (insertions, ' +
    'deletions and substitutions of cost 1), divided by k. ' +
    ALIGNMENT_CONVENTIONS,
  parity: 'platonic-rep AlignmentMetrics.edit_distance_knn on L2-normalised rows',
});

export const neighborsDefinitions = [
  knnJaccardDefinition,
  secondOrderCosineDefinition,
  rankSimilarityDefinition,
  jointRankJaccardDefinition,
  mutualKnnDefinition,
  cknnaDefinition,
  cycleKnnDefinition,
  lcsKnnDefinition,
  editDistanceKnnDefinition,
] as const;
