/**
 * Alignment-based measures: how far one representation is from the other after the best alignment
 * (rotation, permutation, linear map). Kernels: native/core/alignment.cpp.
 */
import { defineMeasure } from '../measure-types.js';
import { booleanOption, enumOption, numberOption } from '../options.js';

export const procrustesDefinition = defineMeasure({
  id: 'procrustes',
  name: 'Orthogonal Procrustes distance',
  family: 'alignment',
  kind: 'distance',
  range: [0, Infinity],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'translation'],
  variants: [
    {
      when: { normalize: true },
      invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
      range: [0, Math.SQRT2],
      note: 'both inputs scaled to unit Frobenius norm (Ding et al. 2021)',
    },
    { when: { center: false }, invariances: ['orthogonal', 'permutation'], note: 'uncentred: not translation-invariant' },
    {
      when: { center: false, normalize: true },
      invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
      range: [0, Math.SQRT2],
    },
  ],
  minRows: 2,
  options: {
    center: booleanOption(true, 'Centre the columns of both inputs first (size-and-shape metric).'),
    normalize: booleanOption(false, 'Scale both inputs to unit Frobenius norm (then the range is [0, √2]).'),
  },
  description:
    'min over orthogonal Q of ‖XQ − Y‖_F = sqrt(‖X‖² + ‖Y‖² − 2‖XᵀY‖_*), on column-centred inputs, zero-padded when D ≠ D′.',
  reference: {
    citation: 'Williams, Kunz, Kornblith, Linderman 2021, "Generalized shape metrics on neural representations", NeurIPS',
    url: 'https://arxiv.org/abs/2110.14739',
  },
  parity: 'ReSi ProcrustesSizeAndShapeDistance; OrthogonalProcrustesCenteredAndNormalized ← { normalize: true }',
  engine: { kind: 'native' },
});

export const angularShapeDefinition = defineMeasure({
  id: 'angular-shape',
  name: 'Angular shape metric (Procrustes angle)',
  family: 'alignment',
  kind: 'distance',
  range: [0, Math.PI / 2],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  minRows: 2,
  options: {},
  description: 'arccos(‖X̃ᵀỸ‖_*) with X̃, Ỹ column-centred and scaled to unit Frobenius norm; radians.',
  reference: {
    citation: 'Williams, Kunz, Kornblith, Linderman 2021, "Generalized shape metrics on neural representations", NeurIPS',
    url: 'https://arxiv.org/abs/2110.14739',
  },
  parity: 'ReSi OrthogonalAngularShapeMetricCentered',
  engine: { kind: 'native' },
});

const ALL_INVARIANCES = [
  'orthogonal',
  'permutation',
  'isotropic-scaling',
  'translation',
  'invertible-linear',
  'affine',
] as const;

export const shapeMetricDefinition = defineMeasure({
  id: 'shape-metric',
  name: 'Generalized shape metric (partial whitening)',
  family: 'alignment',
  kind: 'distance',
  range: [0, Math.PI / 2],
  selfValue: 0,
  symmetric: true,
  metric: true,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  variants: [
    { when: { alpha: 0.5 }, note: 'partial whitening: invariances as for alpha = 1' },
    { when: { alpha: 0 }, invariances: ALL_INVARIANCES, note: 'full whitening: CCA-like, invariant to invertible linear maps' },
    { when: { distance: 'euclidean' }, range: [0, Math.SQRT2], note: 'chord length 2·sin(θ/2)' },
    { when: { alpha: 0, distance: 'euclidean' }, invariances: ALL_INVARIANCES, range: [0, Math.SQRT2] },
  ],
  minRows: 2,
  options: {
    alpha: numberOption({
      default: 1,
      min: 0,
      max: 1,
      description:
        'Partial whitening: 1 = no whitening (angular-shape), 0 = full whitening (CCA-like, invariant to invertible linear maps).',
    }),
    distance: enumOption(
      ['angular', 'euclidean'],
      'angular',
      "'angular': the angle arccos‖φ̂ₓᵀφ̂ᵧ‖_* in radians; 'euclidean': min over rotations of ‖φ̂ₓQ − φ̂ᵧ‖_F (chord length).",
    ),
  },
  description:
    'Angle (or chord) between the aligned shapes φ̂(X) = X̂(αI + (1−α)(X̂ᵀX̂)^{−1/2}) / norm, X̂ the column-centred input scaled to unit Frobenius norm; zero-padded when D ≠ D′.',
  reference: {
    citation: 'Williams, Kunz, Kornblith, Linderman 2021, "Generalized shape metrics on neural representations", NeurIPS',
    url: 'https://arxiv.org/abs/2110.14739',
  },
  parity:
    'no ReSi class; alpha = 1 equals angular-shape (ReSi OrthogonalAngularShapeMetricCentered), alpha = 1 with ' +
    "distance: 'euclidean' equals procrustes { normalize: true }; other alphas checked against NumPy/SciPy " +
    '(scripts/cca_alignment_reference.py). The input is scaled to unit norm before whitening, so the α-mix does not depend on its units.',
  engine: { kind: 'native' },
});

export const linearRegressionDefinition = defineMeasure({
  id: 'linear-regression',
  name: 'Linear regression R²',
  family: 'alignment',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  symmetric: false,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling', 'translation'],
  argumentInvariances: { second: ['invertible-linear', 'affine'] },
  minRows: 2,
  options: {},
  description:
    'R² of the least-squares linear map (with intercept) predicting the first input from the second: ‖P_Y X_c‖² / ‖X_c‖², P_Y the projector onto span(Y_c). 1 when N ≤ D′ + 1; 0 when the second input is constant.',
  reference: {
    citation:
      'Kornblith, Norouzi, Lee, Hinton 2019, "Similarity of neural network representations revisited", ICML (after Li et al. 2016, "Convergent learning")',
    url: 'https://arxiv.org/abs/1905.00414',
  },
  parity: 'ReSi LinearRegression (R² of predicting R from R′); rank-deficient predictors use the minimum-norm fit',
  engine: { kind: 'native' },
});

export const alignedCosineDefinition = defineMeasure({
  id: 'aligned-cosine',
  name: 'Aligned cosine similarity',
  family: 'alignment',
  kind: 'similarity',
  range: [-1, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
  minRows: 2,
  options: {},
  description:
    'Mean over inputs of cos(x_i Q, y_i) after the orthogonal Procrustes rotation Q of X onto Y (uncentred, zero-padded); rows that are zero in either input are skipped.',
  reference: {
    citation: 'Hamilton, Leskovec, Jurafsky 2016, "Diachronic word embeddings reveal statistical laws of semantic change", ACL',
    url: 'https://arxiv.org/abs/1605.09096',
  },
  parity: 'ReSi AlignedCosineSimilarity',
  engine: { kind: 'native' },
});

export const alignmentDefinitions = [
  procrustesDefinition,
  angularShapeDefinition,
  shapeMetricDefinition,
  linearRegressionDefinition,
  alignedCosineDefinition,
] as const;
