/**
 * RSM-based measures: compare the representational similarity matrices (kernels) of the two inputs.
 * Kernels: native/core/rsm.cpp.
 */
import { defineMeasure } from '../measure-types.js';
import { booleanOption, enumOption, matrixOption, numberOption } from '../options.js';

/** CKA as an angle (arccos): a distance, and a metric (the angle between vectors of an inner-product space). */
const angularCka = { kind: 'distance', metric: true, selfValue: 0 } as const;

/** Any absolute bandwidth: the kernel then changes when the inputs are scaled. */
const absoluteBandwidth = (options: Readonly<Record<string, unknown>>): boolean =>
  options.bandwidth !== undefined && options.kernel !== 'linear';

export const ckaDefinition = defineMeasure({
  id: 'cka',
  name: 'Centered kernel alignment (CKA)',
  family: 'rsm',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  variants: [
    {
      when: { kernel: 'rbf' },
      // Duplicated rows put zero distances into the median that sets σ.
      resampling: 'subsample',
      note: 'σ is relative to the median distance, so isotropic scaling leaves the kernel unchanged',
    },
    { when: { kernel: 'laplace' }, resampling: 'subsample', note: 'σ is relative to the median distance, as for rbf' },
    {
      when: { estimator: 'unbiased' },
      range: [-1, 1],
      // A U-statistic: a duplicated row pairs with its copy like the diagonal terms the estimator excludes.
      resampling: 'subsample',
      note: 'the unbiased HSIC can be negative; U-centred kernels form an inner-product space, so |CKA| ≤ 1',
    },
    { when: { kernel: 'rbf', estimator: 'unbiased' }, range: [-1, 1], resampling: 'subsample' },
    {
      when: { estimator: 'lange' },
      range: [-1, 1],
      // Like the U-statistic: a duplicated row pairs with its copy as the excluded diagonal would.
      resampling: 'subsample',
      note: 'off-diagonal centred kernels can be anti-aligned; the Frobenius inner product keeps |CKA| ≤ 1',
    },
    { when: { output: 'angular' }, ...angularCka, range: [0, Math.PI / 2], note: 'arccos(CKA) in radians' },
    { when: { estimator: 'unbiased', output: 'angular' }, ...angularCka, range: [0, Math.PI] },
    { when: { estimator: 'lange', output: 'angular' }, ...angularCka, range: [0, Math.PI] },
    {
      when: { kernel: 'rbf', bandwidth: 2 },
      appliesTo: absoluteBandwidth,
      invariances: ['orthogonal', 'permutation', 'translation'],
      // No median of distances sets σ, so duplicated rows leave the biased estimator's value unchanged.
      resampling: 'bootstrap',
      note: 'any absolute bandwidth: scaling the inputs changes the kernel',
    },
    {
      when: { kernel: 'laplace', bandwidth: 2 },
      appliesTo: absoluteBandwidth,
      invariances: ['orthogonal', 'permutation', 'translation'],
      resampling: 'bootstrap',
    },
    {
      when: { estimator: 'minibatch' },
      range: [-1, 1],
      // Unbiased HSIC per minibatch (a U-statistic): a duplicated row pairs with its copy.
      resampling: 'subsample',
      note: 'the mean of per-minibatch unbiased HSIC estimates; not the full-data CKA',
    },
    { when: { kernel: 'rbf', estimator: 'minibatch' }, range: [-1, 1], resampling: 'subsample' },
    { when: { estimator: 'minibatch', output: 'angular' }, ...angularCka, range: [0, Math.PI] },
  ],
  minRows: 2,
  options: {
    kernel: enumOption(
      ['linear', 'rbf', 'laplace'],
      'linear',
      'Kernel on the inputs: linear (K = XXᵀ), rbf (K = exp(−‖xᵢ − xⱼ‖²/2σ²)) or laplace (K = exp(−‖xᵢ − xⱼ‖/σ)).',
    ),
    estimator: enumOption(
      ['biased', 'unbiased', 'lange', 'minibatch'],
      'biased',
      'HSIC estimator: biased (Gretton et al. 2005), unbiased (Song et al. 2012; needs N ≥ 4, values in [−1, 1]), ' +
        "lange (Lange et al. 2022's debiased HSIC: the centred kernel HKH without its diagonal, Σ_{i≠j} (HKH)ᵢⱼ(HLH)ᵢⱼ; values in [−1, 1]) " +
        'or minibatch: unbiased HSIC averaged over minibatches of `batch` consecutive rows (Nguyen, Raghu & Kornblith 2021; ' +
        'streams, no N × N kernel; a different estimate from the full-data CKA).',
    ),
    sigma: numberOption({
      default: 1,
      min: 0,
      minExclusive: true,
      max: 1e6,
      description:
        'Relative bandwidth: σ = sigma · the median Euclidean distance between distinct inputs (rbf and laplace kernels; ' +
        'with estimator minibatch, within each minibatch).',
    }),
    batch: numberOption({
      default: 256,
      min: 4,
      max: 1 << 20,
      integer: true,
      description:
        'Rows per minibatch (estimator: minibatch; a final partial minibatch of 4 or more rows counts as one, fewer rows are left out).',
    }),
    bandwidth: numberOption({
      min: 0,
      minExclusive: true,
      description:
        'Absolute bandwidth σ in the units of the inputs (rbf and laplace kernels); replaces the relative sigma, which ' +
        'must then be left at its default. The value then changes when the inputs are scaled.',
    }),
    output: enumOption(
      ['similarity', 'angular'],
      'similarity',
      "'angular' returns arccos(CKA) in radians: a distance, and a metric (the angle between centred kernels).",
    ),
  },
  description:
    'HSIC(K, L) / sqrt(HSIC(K, K)·HSIC(L, L)); linear kernel, biased HSIC: ‖YᵀX‖_F² / (‖XᵀX‖_F ‖YᵀY‖_F) on centred inputs. ' +
    'Radial kernels take σ = sigma · median pairwise distance (over pairs i < j; Kornblith et al.’s notebook takes the ' +
    'median of all N² squared distances, zeros included), or an absolute bandwidth. output: angular gives arccos(CKA), ' +
    'computed from the difference of the unit-norm centred kernels near 0 so that identical inputs give exactly 0.',
  reference: {
    citation: 'Kornblith, Norouzi, Lee, Hinton 2019, "Similarity of neural network representations revisited", ICML',
    url: 'https://arxiv.org/abs/1905.00414',
  },
  parity:
    "ReSi CKA; { estimator: 'lange', output: 'angular' } is repsim's AngularCKA (Lange, Kwok, Matelsky, Wang, Rolnick, " +
    'Kording 2022, "Neural networks as paths through the space of representations", arXiv:2206.10999), whose ' +
    'use_unbiased_hsic centres the kernel, zeroes its diagonal and normalises it',
  engine: { kind: 'native' },
});

export const dckaDefinition = defineMeasure({
  id: 'dcka',
  name: 'Deconfounded CKA (dCKA)',
  family: 'rsm',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  variants: [
    {
      when: { psd: false },
      range: [-1, 1],
      note: 'without the projection the residual kernels can be anti-aligned',
    },
  ],
  minRows: 2,
  options: {
    inputSimilarity: matrixOption(
      'The similarity of the inputs themselves, N × N and symmetric (e.g. the linear kernel Z Zᵀ of the flattened, ' +
        'column-centred inputs Z, as Cui et al. use): the confounder that is regressed out of both kernels.',
    ),
    psd: booleanOption(
      true,
      'Project each residual kernel onto the positive semidefinite cone (negative eigenvalues set to 0), as the authors’ code does.',
    ),
  },
  description:
    'CKA of the linear kernels after removing the input similarity K0 from each (covariate-adjustment regression): ' +
    'K = X̃X̃ᵀ of the column-centred data, α = ⟨K, K0⟩_F / ⟨K0, K0⟩_F (least squares without intercept), residual ' +
    'R = K − αK0, projected onto the PSD cone, then ⟨HR_XH, HR_YH⟩_F / (‖HR_XH‖_F ‖HR_YH‖_F). K0 is symmetrised, ' +
    '(K0 + K0ᵀ)/2. Costs two N × N eigendecompositions. E_DEGENERATE when K0 is zero or explains a kernel completely.',
  reference: {
    citation:
      'Cui, Kumar, Marttinen, Kaski 2022, "Deconfounded representation similarity for comparison of neural networks", NeurIPS',
    url: 'https://arxiv.org/abs/2202.00095',
  },
  engine: { kind: 'native' },
});

export const rsmNormDifferenceDefinition = defineMeasure({
  id: 'rsm-norm-difference',
  name: 'RSM norm difference',
  family: 'rsm',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'translation'],
  variants: [
    {
      when: { rsm: 'cosine' },
      invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
      note: 'cosine distances are scale-free but change under translation',
    },
  ],
  minRows: 2,
  options: {
    rsm: enumOption(['euclidean', 'cosine'], 'euclidean', 'RSM of each input: Euclidean or cosine distances between the N inputs.'),
    norm: enumOption(
      ['spectral', 'frobenius'],
      'spectral',
      'Matrix norm of the difference of the two N × N RSMs: spectral (largest singular value, as ReSi) or Frobenius.',
    ),
  },
  description:
    '‖S − S′‖ with S, S′ the N × N distance matrices of the inputs; spectral norm by default. A pseudo-metric on representations.',
  reference: {
    citation:
      'Shahbazi, Shirali, Aghajan, Nili 2021, "Using distance on the Riemannian manifold to compare representations in brain and in models", NeuroImage 239',
    url: 'https://doi.org/10.1016/j.neuroimage.2021.118271',
  },
  parity: 'ReSi RSMNormDifference (Euclidean RSM, spectral norm of the full N × N difference; §8.4)',
  engine: { kind: 'native' },
});

export const rsaDefinition = defineMeasure({
  id: 'rsa',
  name: 'Representational similarity analysis (RSA)',
  family: 'rsm',
  kind: 'similarity',
  range: [-1, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['permutation', 'isotropic-scaling'],
  variants: [
    {
      when: { inner: 'euclidean' },
      invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
      note: 'Euclidean distances are unchanged by rotations and translations',
    },
    { when: { inner: 'cosine' }, invariances: ['orthogonal', 'permutation', 'isotropic-scaling'] },
    { when: { outer: 'pearson' } },
    { when: { outer: 'kendall' } },
  ],
  resampling: 'subsample',
  minRows: 3,
  options: {
    inner: enumOption(
      ['correlation', 'euclidean', 'cosine'],
      'correlation',
      'Dissimilarity between inputs: 1 − Pearson correlation of their feature vectors (not translation- or rotation-invariant: it centres each row), Euclidean or cosine distance.',
    ),
    outer: enumOption(
      ['spearman', 'pearson', 'kendall'],
      'spearman',
      'Correlation of the two condensed RDMs: Spearman ρ (average ranks for ties), Pearson r, or Kendall τ_b (Knight’s O(M log M) algorithm).',
    ),
  },
  description:
    'Correlation between the upper triangles (i < j) of the two N × N dissimilarity matrices; by default 1 − Pearson correlation between inputs, compared with Spearman ρ.',
  reference: {
    citation:
      'Kriegeskorte, Mur, Bandettini 2008, "Representational similarity analysis — connecting the branches of systems neuroscience", Front. Syst. Neurosci. 2',
    url: 'https://doi.org/10.3389/neuro.06.004.2008',
  },
  parity: 'ReSi RSA (inner correlation, outer Spearman); ReSi declares translation invariance, which does not hold (its correlation RSM centres each row)',
  engine: { kind: 'native' },
});

export const distanceCorrelationDefinition = defineMeasure({
  id: 'distance-correlation',
  name: 'Distance correlation (dCor)',
  family: 'rsm',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  minRows: 2,
  options: {},
  description:
    'sqrt(dCov²(X, Y) / sqrt(dCov²(X, X)·dCov²(Y, Y))) with dCov² = mean(A ⊙ B) of the double-centred Euclidean distance matrices (V-statistics).',
  reference: {
    citation: 'Székely, Rizzo, Bakirov 2007, "Measuring and testing dependence by correlation of distances", Ann. Statist. 35(6)',
    url: 'https://doi.org/10.1214/009053607000000505',
  },
  parity: 'ReSi DistanceCorrelation (ReSi declares no isotropic-scaling invariance, but dCor has it)',
  engine: { kind: 'native' },
});

export const buresDefinition = defineMeasure({
  id: 'bures',
  name: 'Normalized Bures similarity (NBS)',
  family: 'rsm',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  variants: [{ when: { center: false }, invariances: ['orthogonal', 'permutation', 'isotropic-scaling'] }],
  minRows: 2,
  options: {
    center: booleanOption(true, 'Centre the columns first, i.e. compare centred linear kernels (Tang et al. 2020).'),
  },
  description:
    'tr((K^½ L K^½)^½) / sqrt(tr K · tr L) for the linear kernels K = XXᵀ, L = YYᵀ, computed as ‖XᵀY‖_* / (‖X‖_F ‖Y‖_F). ' +
    'arccos(NBS) is the angular shape metric and the Bures distance sqrt(tr K + tr L − 2·F) the Procrustes distance.',
  reference: {
    citation: 'Tang, Maddox, Dickens, Diethe, Damianou 2020, "Similarity of neural networks with gradients", arXiv:2003.11498',
    url: 'https://arxiv.org/abs/2003.11498',
  },
  engine: { kind: 'native' },
});

export const eigenspaceOverlapDefinition = defineMeasure({
  id: 'eigenspace-overlap',
  name: 'Eigenspace overlap score (EOS)',
  family: 'rsm',
  kind: 'similarity',
  range: [0, 1],
  selfValue: null,
  selfValueNote: 'rank(X)/max(D, D′) for identical inputs: 1 only when X has full column rank',
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'invertible-linear'],
  variants: [
    {
      when: { center: true },
      invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation', 'invertible-linear', 'affine'],
      note: 'the column space of the centred data is unchanged by affine maps',
    },
  ],
  minRows: 1,
  options: {
    center: booleanOption(false, 'Centre the columns first (May et al. and ReSi use the raw data).'),
  },
  description:
    '‖UᵀU′‖_F² / max(D, D′) with U, U′ orthonormal bases of the column spaces of X and Y (left singular vectors up to the numerical rank).',
  reference: {
    citation: 'May, Zhang, Dao, Ré 2019, "On the downstream performance of compressed word embeddings", NeurIPS',
    url: 'https://arxiv.org/abs/1909.01264',
  },
  parity: 'ReSi EigenspaceOverlapScore',
  engine: { kind: 'native' },
});

export const gulpDefinition = defineMeasure({
  id: 'gulp',
  name: 'GULP distance',
  family: 'rsm',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation', 'invertible-linear', 'affine'],
  variants: [
    {
      when: { lambda: 0.1 },
      appliesTo: (options) => typeof options.lambda === 'number' && options.lambda > 0,
      invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
      note: 'any λ > 0: ridge regularisation breaks invariance to invertible linear maps',
    },
  ],
  minRows: 2,
  options: {
    lambda: numberOption({
      default: 0,
      min: 0,
      max: 1e12,
      description: 'Ridge penalty λ ≥ 0 on inputs scaled to tr(Σ) = 1 (λ = 0: CCA-like; large λ: CKA-like).',
    }),
  },
  description:
    '‖P_X − P_Y‖_F with P = X(XᵀX + NλI)⁺Xᵀ the ridge hat operator of the column-centred input scaled to tr(XᵀX/N) = 1: ' +
    'the distance between the best λ-ridge linear predictors of any bounded target. With λ = 0, d² = r_X + r_Y − 2Σρᵢ².',
  reference: {
    citation:
      'Boix-Adserà, Lawrence, Stepaniants, Rigollet 2022, "GULP: a prediction-based metric between representations", NeurIPS',
    url: 'https://arxiv.org/abs/2210.06545',
  },
  parity: 'ReSi Gulp ← value² (ReSi returns the squared distance; it also needs D ≤ N)',
  engine: { kind: 'native' },
});

export const riemannianDefinition = defineMeasure({
  id: 'riemannian',
  name: 'Riemannian distance between RSMs',
  family: 'rsm',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation'],
  resampling: 'subsample',
  minRows: 1,
  options: {
    regularization: numberOption({
      default: 0,
      min: 0,
      max: 1e6,
      description:
        'ε ≥ 0: compare K + ε·(tr K / N)·I. Without it the kernels XXᵀ must be positive definite (N ≤ D, linearly independent inputs), else E_DEGENERATE.',
    }),
  },
  description:
    'sqrt(Σᵢ log² λᵢ(K⁻¹L)) = ‖log(K^{-½} L K^{-½})‖_F, the affine-invariant Riemannian distance between the SPD kernels K = XXᵀ and L = YYᵀ (uncentred).',
  reference: {
    citation:
      'Shahbazi, Shirali, Aghajan, Nili 2021, "Using distance on the Riemannian manifold to compare representations in brain and in models", NeuroImage 239',
    url: 'https://doi.org/10.1016/j.neuroimage.2021.118271',
  },
  engine: { kind: 'native' },
});

export const rsmDefinitions = [
  ckaDefinition,
  dckaDefinition,
  rsmNormDifferenceDefinition,
  rsaDefinition,
  distanceCorrelationDefinition,
  buresDefinition,
  eigenspaceOverlapDefinition,
  gulpDefinition,
  riemannianDefinition,
] as const;
