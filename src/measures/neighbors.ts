/**
 * Neighbourhood-based measures: agreement of the inputs' k-nearest-neighbour sets (native/core/neighbors.cpp).
 * The k-NN lists exclude the query point by index and break distance ties by the smaller index, so
 * duplicated rows give deterministic values; each list is built once per representation and comparison.
 */
import { defineMeasure, type MeasureVariant } from '../measure-types.js';
import { enumOption, numberOption } from '../options.js';
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

export const neighborsDefinitions = [
  knnJaccardDefinition,
  secondOrderCosineDefinition,
  rankSimilarityDefinition,
  jointRankJaccardDefinition,
] as const;
