/**
 * Performance-based functional similarity: how much two models differ in a quality score on the
 * same labelled inputs (accuracy by default, or any score the caller supplies).
 */
import { NnsimError, describeValue } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { defineMeasure } from '../measure-types.js';
import { functionOption } from '../options.js';
import {
  accuracyOf,
  groundTruth,
  hardInputOption,
  isHard,
  labelsFor,
  predictionsOf,
  toModelOutputs,
} from './inputs.js';

/**
 * A quality score of one model: its predicted labels, the ground truth and (when the model was given
 * as an N × C matrix) its raw outputs. Higher or lower is better as the caller likes; only |q − q′| is used.
 */
export type QualityFunction = (predicted: Int32Array, labels: Int32Array, outputs: Matrix | undefined) => number;

function quality(fn: QualityFunction, predicted: Int32Array, labels: Int32Array, outputs: Matrix | undefined, id: string): number {
  const value = fn(predicted, labels, outputs);
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new NnsimError('E_NUMERICAL', `${id}: the quality function returned ${describeValue(value)}, not a finite number`, {
      measure: id,
    });
  }
  return value;
}

export const accuracyDifferenceDefinition = defineMeasure({
  id: 'accuracy-difference',
  name: 'Accuracy (performance) difference',
  family: 'performance',
  kind: 'distance',
  range: [0, 1],
  selfValue: 0,
  symmetric: true,
  metric: true,
  // Positive scaling of logits keeps every argmax, hence the accuracy.
  invariances: ['isotropic-scaling'],
  minRows: 1,
  options: {
    labels: labelsFor('to score both models'),
    input: hardInputOption,
    quality: functionOption<QualityFunction>(
      'Quality score q(predicted, labels, outputs) replacing accuracy (e.g. macro F1); the value is |q(A) − q(B)|, ' +
        'whose range is then that of q.',
    ),
  },
  description:
    '|q(A) − q(B)| with q the accuracy of the argmax predictions (ties → first class) against the labels, or a ' +
    'user-supplied quality function. Outputs may be N × C matrices or predicted-label vectors.',
  reference: {
    citation: 'Klabunde, Schumacher, Strohmaier, Lemmerich 2025, "Similarity of Neural Network Models: A Survey of Functional and Representational Measures", ACM Computing Surveys',
    url: 'https://arxiv.org/abs/2305.06329',
  },
  parity: 'ReSi AbsoluteAccDiff (ReSi takes the two accuracies; nnsim computes them from outputs and labels)',
  engine: {
    kind: 'js',
    input: toModelOutputs,
    compute(a, b, options) {
      const id = 'accuracy-difference';
      const { labels: predicted, known } = predictionsOf([a, b], options, id);
      const [pa, pb] = predicted as [Int32Array, Int32Array];
      const labels = groundTruth(options, a.rows, known, id)!;
      const custom = options.functions?.quality as QualityFunction | undefined;
      if (!custom) return Math.abs(accuracyOf(pa, labels) - accuracyOf(pb, labels));
      const qa = quality(custom, pa, labels, isHard(a) ? undefined : a, id);
      const qb = quality(custom, pb, labels, isHard(b) ? undefined : b, id);
      return Math.abs(qa - qb);
    },
  },
});

export const performanceDefinitions = [accuracyDifferenceDefinition] as const;
