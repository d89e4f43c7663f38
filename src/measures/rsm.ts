/**
 * RSM-based measures: compare the representational similarity matrices (kernels) of the two inputs.
 * Kernels: native/core/rsm.cpp.
 */
import { defineMeasure } from '../measure-types.js';
import { booleanOption, enumOption, numberOption } from '../options.js';

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
      note: 'σ is relative to the median distance, so isotropic scaling leaves the kernel unchanged',
    },
    {
      when: { estimator: 'unbiased' },
      range: [-1, 1],
      note: 'the unbiased HSIC can be negative; U-centred kernels form an inner-product space, so |CKA| ≤ 1',
    },
    { when: { kernel: 'rbf', estimator: 'unbiased' }, range: [-1, 1] },
  ],
  minRows: 2,
  options: {
    kernel: enumOption(['linear', 'rbf'], 'linear', 'Kernel on the inputs: linear (K = XXᵀ) or rbf (K = exp(−‖xᵢ − xⱼ‖²/2σ²)).'),
    estimator: enumOption(
      ['biased', 'unbiased'],
      'biased',
      'HSIC estimator: biased (Gretton et al. 2005) or unbiased (Song et al. 2012; needs N ≥ 4, values in [−1, 1]).',
    ),
    sigma: numberOption({
      default: 1,
      min: 0,
      minExclusive: true,
      max: 1e6,
      description: 'RBF bandwidth σ as a multiple of the median Euclidean distance between distinct inputs (kernel: rbf).',
    }),
  },
  description:
    'HSIC(K, L) / sqrt(HSIC(K, K)·HSIC(L, L)); linear kernel, biased HSIC: ‖YᵀX‖_F² / (‖XᵀX‖_F ‖YᵀY‖_F) on centred inputs. ' +
    'The RBF bandwidth is σ = sigma · median pairwise distance (over pairs i < j; Kornblith et al.’s notebook takes the ' +
    'median of all N² squared distances, zeros included).',
  reference: {
    citation: 'Kornblith, Norouzi, Lee, Hinton 2019, "Similarity of neural network representations revisited", ICML',
    url: 'https://arxiv.org/abs/1905.00414',
  },
  parity: 'ReSi CKA',
  engine: { kind: 'native' },
});

export const rsmDefinitions = [ckaDefinition] as const;
