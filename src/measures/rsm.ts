/**
 * RSM-based measures: compare the representational similarity matrices (kernels) of the two inputs.
 * Kernels: native/core/rsm.cpp.
 */
import { defineMeasure } from '../measure-types.js';
import { enumOption } from '../options.js';

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
  minRows: 2,
  options: {
    kernel: enumOption(['linear'], 'linear', 'Kernel on the inputs: linear (K = XXᵀ).'),
    estimator: enumOption(['biased'], 'biased', 'HSIC estimator: biased (Gretton et al. 2005).'),
  },
  description:
    'HSIC(K, L) / sqrt(HSIC(K, K)·HSIC(L, L)); linear kernel, biased HSIC: ‖YᵀX‖_F² / (‖XᵀX‖_F ‖YᵀY‖_F) on centred inputs.',
  reference: {
    citation: 'Kornblith, Norouzi, Lee, Hinton 2019, "Similarity of neural network representations revisited", ICML',
    url: 'https://arxiv.org/abs/1905.00414',
  },
  parity: 'ReSi CKA',
  engine: { kind: 'native' },
});

export const rsmDefinitions = [ckaDefinition] as const;
