/**
 * CCA-based measures: canonical correlations between the two representations (native/core/cca.cpp).
 *
 * Canonical correlations are the singular values of Q_xᵀQ_y, with Q_x, Q_y orthonormal bases of the
 * column-centred inputs' column spaces (no covariance is inverted). Rank-deficient inputs have
 * min(r_x, r_y) canonical pairs, r the numerical rank; with N ≤ D + 1 every correlation is 1.
 */
import { defineMeasure } from '../measure-types.js';
import { enumOption, numberOption } from '../options.js';

const epsilonOption = numberOption({
  description:
    'Relative rank tolerance: centred singular values ≤ epsilon·σ_max count as zero (no canonical pair). ' +
    "Default: numpy's matrix_rank rule, σ_max·max(N, D)·2⁻⁵².",
  min: 0,
  max: 1,
  maxExclusive: true,
});

const ALL_INVARIANCES = [
  'orthogonal',
  'permutation',
  'isotropic-scaling',
  'translation',
  'invertible-linear',
  'affine',
] as const;

const ccaReference = {
  citation: 'Hotelling 1936, "Relations between two sets of variates", Biometrika 28(3/4)',
  url: 'https://doi.org/10.2307/2333955',
};

export const ccaMeanDefinition = defineMeasure({
  id: 'cca-mean',
  name: 'Mean canonical correlation',
  family: 'cca',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ALL_INVARIANCES,
  minRows: 2,
  options: { epsilon: epsilonOption },
  description:
    'ρ̄ = (1/m) Σ ρ_i, the mean of the m = min(rank X, rank Y) canonical correlations of the column-centred inputs.',
  reference: ccaReference,
  parity: 'no ReSi class; checked against an independent NumPy/SciPy CCA (scripts/cca_alignment_reference.py)',
  engine: { kind: 'native' },
});

export const ccaR2Definition = defineMeasure({
  id: 'cca-r2',
  name: "Yanai's generalized coefficient of determination (CCA R²)",
  family: 'cca',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ALL_INVARIANCES,
  minRows: 2,
  options: { epsilon: epsilonOption },
  description: 'R²_CCA = (1/m) Σ ρ_i², the mean squared canonical correlation of the column-centred inputs.',
  reference: {
    citation:
      'Kornblith, Norouzi, Lee, Hinton 2019, "Similarity of neural network representations revisited", ICML (R²_CCA after Yanai 1974)',
    url: 'https://arxiv.org/abs/1905.00414',
  },
  parity: 'no ReSi class; checked against an independent NumPy/SciPy CCA (scripts/cca_alignment_reference.py)',
  engine: { kind: 'native' },
});

export const svccaDefinition = defineMeasure({
  id: 'svcca',
  name: 'Singular vector CCA (SVCCA)',
  family: 'cca',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  minRows: 2,
  options: {
    varianceKept: numberOption({
      default: 0.99,
      description:
        'Keep the smallest number of principal components of each input that explains at least this share of its variance.',
      min: 0,
      minExclusive: true,
      max: 1,
    }),
    components: numberOption({
      description:
        'Keep exactly this many principal components of each input (overrides varianceKept; capped at the numerical rank).',
      min: 1,
      max: 2 ** 30,
      integer: true,
    }),
  },
  description:
    'Mean canonical correlation between the top principal components of the column-centred inputs (PCA, then CCA).',
  reference: {
    citation: 'Raghu, Gilmer, Yosinski, Sohl-Dickstein 2017, "SVCCA: Singular vector canonical correlation analysis", NeurIPS',
    url: 'https://arxiv.org/abs/1706.05806',
  },
  parity:
    'ReSi SVCCA ← { components: 1 }: ReSi compares the normalised cumulative variance with 0.99·total variance, so it ' +
    'keeps one component whenever ‖X_c‖_F² > 1.0101 (its 0.99-variance rule compares a normalised cumulative sum with 0.99·total); its 1e-10 CCA ridge scales the value by 1/(1 + 1e-10).',
  engine: { kind: 'native' },
});

export const pwccaDefinition = defineMeasure({
  id: 'pwcca',
  name: 'Projection-weighted CCA (PWCCA)',
  family: 'cca',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: false,
  metric: false,
  invariances: ['permutation', 'isotropic-scaling', 'translation'],
  argumentInvariances: { second: ['orthogonal', 'invertible-linear', 'affine'] },
  variants: [
    {
      when: { directions: 'svcca-code' },
      invariances: ['isotropic-scaling'],
      argumentInvariances: { second: ['orthogonal', 'permutation', 'translation', 'invertible-linear', 'affine'] },
      note:
        "Google's svcca code (as ReSi runs it). The second argument enters only through its column space, but the " +
        'value depends on the sign LAPACK gives each singular vector, so a transform that flips one changes it ' +
        '(ReSi observed such changes under OT and PT).',
    },
  ],
  minRows: 2,
  options: {
    directions: enumOption(
      ['canonical', 'svcca-code'],
      'canonical',
      "'canonical': weights from the canonical variates (Morcos et al. 2018). 'svcca-code': the un-whitened, " +
        "mean-shifted directions of Google's pwcca.py, as ReSi computes it (needs full column rank, D, D′ < N).",
    ),
  },
  description:
    'Σ α_i ρ_i / Σ α_i over the canonical correlations ρ_i, weighted by α_i = Σ_j |⟨h_i, x_j⟩|: how much of the first ' +
    "input's neurons x_j the i-th canonical variate h_i accounts for (asymmetric: weights from the first input).",
  reference: {
    citation:
      'Morcos, Raghu, Bengio 2018, "Insights on representational similarity in neural networks with canonical correlation", NeurIPS',
    url: 'https://arxiv.org/abs/1806.05759',
  },
  parity:
    "ReSi PWCCA ← { directions: 'svcca-code' } where ReSi runs (D ≤ D′ < N, full-rank inputs); " +
    'for D > D′, where ReSi raises IndexError, that mode weights by the second input as the code intends.',
  engine: { kind: 'native' },
});

export const ccaDefinitions = [ccaMeanDefinition, ccaR2Definition, svccaDefinition, pwccaDefinition] as const;
