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
  resampling: 'subsample',
  minRows: 3,
  options: {
    trials: numberOption({ integer: true, min: 1, max: 10_000, default: 10, description: 'Number of random subsamples.' }),
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

export const imdDefinition = defineMeasure({
  id: 'imd',
  name: 'Multi-scale intrinsic distance (IMD / MSID)',
  family: 'topology',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  paired: false,
  resampling: 'subsample',
  minRows: 2,
  options: {
    k: numberOption({ integer: true, min: 1, max: 1_000_000, default: 5, description: 'Neighbours of the k-NN graph (k < N).' }),
    lanczosSteps: numberOption({
      integer: true,
      min: 1,
      // Full reorthogonalisation costs O(steps² · N) per start vector.
      max: 200,
      default: 10,
      description: 'Lanczos steps per start vector (stochastic Lanczos quadrature).',
    }),
    iterations: numberOption({
      integer: true,
      min: 1,
      max: 100_000,
      default: 100,
      description: 'Gaussian start vectors of the Hutchinson trace estimate (msid: 100; ReSi: 8000).',
    }),
    seed: seedOption,
  },
  description:
    'For each input, the symmetrised binary k-NN graph (Euclidean) and its normalised Laplacian L; the heat trace ' +
    'h(t) = tr exp(−tL) by stochastic Lanczos quadrature with the control variate −e^{−t}·tr(−tL) − t·n·e^{−t}, at ' +
    't ∈ logspace(−1, 1, 256), divided by N and multiplied by 1e6; the score is max_t e^{−2(t + 1/t)}·|h_a(t) − h_b(t)|. ' +
    'Both inputs use the same seeded start vectors, so IMD(X, X) = 0, the value is symmetric and, for a fixed seed, ' +
    'a pseudo-metric (a sup-norm between descriptors).',
  reference: {
    citation:
      'Tsitsulin, Munkhoeva, Mottin, Karras, Bronstein, Oseledets, Müller 2020, "The shape of data: intrinsic distance for data distributions", ICLR',
    url: 'https://arxiv.org/abs/1905.11141',
  },
  parity:
    'Follows xgfs/imd `msid_score` defaults (k = 5, m = 10, niters = 100, ts = logspace(−1, 1, 256), normalisation ' +
    "'empty', mode 'max'); ReSi IMDScore uses niters = 8000 averaged over 5 calls (pass iterations: 8000 for its " +
    'precision). msid draws separate start vectors for the two inputs; nnsim shares them (so imd(X, X) = 0 and ' +
    'much of the estimator noise cancels), so single values and their mean differ from msid at the default ' +
    'iterations; both approach the same value as iterations grow.',
  engine: { kind: 'native' },
});

export const geometryScoreDefinition = defineMeasure({
  id: 'geometry-score',
  name: 'Geometry Score',
  family: 'topology',
  kind: 'distance',
  range: [0, 2],
  selfValue: 0,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  paired: false,
  resampling: 'subsample',
  minRows: 2,
  options: {
    landmarks: numberOption({
      integer: true,
      min: 3,
      max: 128,
      default: 64,
      description: 'Landmarks per repetition (L₀), drawn uniformly with replacement.',
    }),
    gamma: numberOption({
      min: 0,
      minExclusive: true,
      // Above 1, α_max exceeds every witness–landmark distance: the filtration ends where γ = 1 ends it.
      max: 1,
      description:
        'alpha_max = gamma · (largest witness–landmark distance). Default N / (128 · 5000), the reference default, ' +
        'which is tiny for small N: then only cycles already present in the α = 0 witness complex count.',
    }),
    iMax: numberOption({ integer: true, min: 1, max: 10_000, default: 100, description: 'Length of the RLT vector (i_max).' }),
    repetitions: numberOption({
      integer: true,
      min: 1,
      max: 100_000,
      default: 100,
      description: 'Landmark draws averaged into the mean RLT (reference code: 1000; its README example: 100).',
    }),
    seed: seedOption,
  },
  description:
    'Per repetition, random landmarks and the witness complex of all inputs on them (relaxation α up to ' +
    'alpha_max); RLT(i) is the fraction of [0, alpha_max] on which exactly i H1 bars are alive. The score is ' +
    'Σ_i (mean RLT_a(i) − mean RLT_b(i))² over i < iMax. Both inputs use the same seeded landmark indices, so ' +
    'GS(X, X) = 0. Witness-complex persistence is our own (Z/2, vertices, edges, triangles).',
  reference: {
    citation:
      'Khrulkov, Oseledets 2018, "Geometry Score: a method for comparing generative adversarial networks", ICML',
    url: 'https://arxiv.org/abs/1802.02664',
  },
  parity:
    'Follows KhrulkovV/geometry-score `rlts` + `geom_score` (L₀ = 64, gamma = N/(128·5000), i_max = 100, landmarks ' +
    'with replacement, GUDHI witness complex with distances as relaxation units, infinite bars cut at alpha_max); ' +
    'default repetitions 100 instead of the reference 1000. Landmark draws come from our seeded generator.',
  engine: { kind: 'native' },
});

export const topologyDefinitions = [geometryScoreDefinition, imdDefinition, rtdDefinition] as const satisfies readonly MeasureDefinition[];
