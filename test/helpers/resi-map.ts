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
  // rsm:
  CKA: { id: 'cka' },
  // neighbors:
  // statistics:
  // topology:
};
