/**
 * Alignment-based measures: how far one representation is from the other after the best alignment
 * (rotation, permutation, linear map). Kernels: native/core/alignment.cpp.
 */
import { defineMeasure } from '../measure-types.js';
import { booleanOption } from '../options.js';

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

export const alignmentDefinitions = [procrustesDefinition, angularShapeDefinition] as const;
