/**
 * How each ReSi class maps onto an nnsim measure (the spec's "ReSi parity" column). `transform` turns
 * nnsim's value into ReSi's convention where ReSi reports a different quantity.
 */
export interface ResiMapping {
  id: string;
  options?: Record<string, unknown>;
  transform?: (value: number) => number;
}

export const RESI_MAP: Readonly<Record<string, ResiMapping>> = {
  // cca:
  SVCCA: { id: 'svcca', options: { components: 1 } },
  PWCCA: { id: 'pwcca', options: { directions: 'svcca-code' } },
  // alignment:
  ProcrustesSizeAndShapeDistance: { id: 'procrustes' },
  OrthogonalProcrustesCenteredAndNormalized: { id: 'procrustes', options: { normalize: true } },
  OrthogonalAngularShapeMetricCentered: { id: 'angular-shape' },
  LinearRegression: { id: 'linear-regression' },
  AlignedCosineSimilarity: { id: 'aligned-cosine' },
  // matching:
  HardCorrelationMatch: { id: 'correlation-match' },
  SoftCorrelationMatch: { id: 'correlation-match', options: { mode: 'soft' } },
  PermutationProcrustes: { id: 'permutation-procrustes' },
  // rsm:
  CKA: { id: 'cka' },
  RSMNormDifference: { id: 'rsm-norm-difference' },
  RSA: { id: 'rsa' },
  DistanceCorrelation: { id: 'distance-correlation' },
  EigenspaceOverlapScore: { id: 'eigenspace-overlap' },
  Gulp: { id: 'gulp', transform: (v) => v * v },
  // neighbors:
  JaccardSimilarity: { id: 'knn-jaccard' },
  RankSimilarity: { id: 'rank-similarity' },
  SecondOrderCosineSimilarity: { id: 'second-order-cosine', options: { vectors: 'distances' } },
  // statistics:
  MagnitudeDifference: { id: 'magnitude-difference' },
  ConcentricityDifference: { id: 'concentricity-difference' },
  UniformityDifference: { id: 'uniformity-difference' },
  // topology:
};
