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
  // alignment:
  ProcrustesSizeAndShapeDistance: { id: 'procrustes' },
  OrthogonalProcrustesCenteredAndNormalized: { id: 'procrustes', options: { normalize: true } },
  OrthogonalAngularShapeMetricCentered: { id: 'angular-shape' },
  // matching:
  // rsm:
  CKA: { id: 'cka' },
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
