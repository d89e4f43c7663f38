/**
 * Topology-based measures: persistent homology and heat-kernel signatures of the representations.
 * Kernels: native/core/topology.cpp (persistence: native/core/topology/persistence.cpp).
 */
import { defineMeasure, type MeasureDefinition } from '../measure-types.js';
import { numberOption } from '../options.js';

const seedOption = numberOption({
  integer: true,
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  default: 0,
  description: 'Seed of the random subsamples / landmarks / start vectors; the value is deterministic for a given seed.',
});

export const rtdDefinition = defineMeasure({
  id: 'rtd',
  name: 'Representation Topology Divergence (RTD)',
  family: 'topology',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  requires: ['seed'],
  stochastic: true,
  minRows: 3,
  options: {
    trials: numberOption({ integer: true, min: 1, max: 1_000_000, default: 10, description: 'Number of random subsamples.' }),
    batch: numberOption({
      integer: true,
      min: 3,
      max: 1_000_000,
      default: 500,
      description: 'Rows per subsample (all rows when N ≤ batch, and then one trial is computed).',
    }),
    seed: seedOption,
  },
  description:
    'Per trial, the same random `batch` rows of both inputs; Euclidean distance matrices r1, r2, each divided by its ' +
    '0.9-quantile; the sum of the H1 bar lengths of the Rips barcode of the 2n × 2n matrix [[0, r1ᵀ], [r1, min(r1, r2)]] ' +
    '(the R-Cross-Barcode), averaged over both argument orders and over trials. Persistence: our own Ripser-style core.',
  reference: {
    citation:
      'Barannikov, Trofimov, Balabin, Burnaev 2022, "Representation Topology Divergence: a method for comparing neural network representations", ICML',
    url: 'https://arxiv.org/abs/2201.00058',
  },
  parity:
    'Follows IlyaTrofimov/RTD `rtd(trials=10, batch=500)` (quantile normalisation, entries < 1e-6·mean set to 0, H1 sum); ' +
    'ReSi RTD returns NaN without CUDA. Subsamples come from our seeded generator, so values match the reference in ' +
    'distribution, not draw for draw; with N ≤ batch the value is deterministic and equal to the reference.',
  engine: { kind: 'native' },
});

export const topologyDefinitions = [rtdDefinition] as const satisfies readonly MeasureDefinition[];
