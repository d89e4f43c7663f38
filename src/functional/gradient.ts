/**
 * Gradient- and adversarial-example-based functional similarity. nnsim has no access to the models,
 * so the caller supplies what these measures are computed from: predictions on adversarial inputs,
 * input gradients, outputs on pairs of inputs.
 */
import { NnsimError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { type MeasureDefinition, defineMeasure } from '../measure-types.js';
import { booleanOption } from '../options.js';
import { groundTruth, hardInputOption, isHard, labelsFor, predictionsOf, toModelOutputs } from './inputs.js';

function requireMatrix(m: Matrix, id: string, name: string): void {
  if (isHard(m)) throw new NnsimError('E_TYPE', `${id} needs a matrix for ${name}, not a vector of labels`, { measure: id });
}

export const adversarialTransferabilityDefinition = defineMeasure({
  id: 'adversarial-transferability',
  name: 'Adversarial attack transferability',
  family: 'gradient',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  selfValueNote: 'E_DEGENERATE when no adversarial input fools the source model (nothing to transfer).',
  symmetric: false,
  metric: false,
  invariances: ['isotropic-scaling'],
  minRows: 1,
  options: {
    labels: labelsFor('the true classes of the adversarial inputs'),
    input: hardInputOption,
    successfulOnly: booleanOption(
      true,
      'Count only adversarial inputs that fool the source model (a); false: the target\'s error rate on all of them.',
    ),
  },
  description:
    'a: the source model\'s outputs (or predicted labels) on adversarial inputs crafted on it; b: the target ' +
    'model\'s on the same inputs. Value: the share of successful source attacks (a wrong) that also fool the ' +
    'target (b wrong), Σ 1[aᵢ ≠ yᵢ ∧ bᵢ ≠ yᵢ] / Σ 1[aᵢ ≠ yᵢ].',
  reference: {
    citation: 'Hwang, Han, Heo, Park, Chun, Lee 2024, "Similarity of neural architectures using adversarial attack transferability", ECCV',
    url: 'https://arxiv.org/abs/2210.11407',
  },
  engine: {
    kind: 'js',
    input: toModelOutputs,
    compute(a, b, options) {
      const id = 'adversarial-transferability';
      const { labels: predicted, known } = predictionsOf([a, b], options, id);
      const [source, target] = predicted as [Int32Array, Int32Array];
      const truth = groundTruth(options, a.rows, known, id)!;
      const successfulOnly = options.values.successfulOnly as boolean;
      let attacks = 0;
      let transferred = 0;
      for (let i = 0; i < truth.length; i++) {
        if (successfulOnly && source[i] === truth[i]) continue;
        attacks++;
        if (target[i] !== truth[i]) transferred++;
      }
      if (attacks === 0) {
        throw new NnsimError('E_DEGENERATE', `${id}: no adversarial input fools the source model`, { measure: id });
      }
      return transferred / attacks;
    },
  },
});

/** Euclidean norm of row i; E_DEGENERATE when it is 0 (no direction to compare). */
function rowNorm(m: Matrix, i: number, id: string, name: string): number {
  let sum = 0;
  for (let j = 0; j < m.cols; j++) sum += m.data[i * m.cols + j]! ** 2;
  if (sum === 0) {
    throw new NnsimError('E_DEGENERATE', `${id}: row ${i} of ${name} is zero, its direction is undefined`, { measure: id });
  }
  return Math.sqrt(sum);
}

export const saliencySimilarityDefinition = defineMeasure({
  id: 'saliency-similarity',
  name: 'Saliency map similarity',
  family: 'gradient',
  kind: 'similarity',
  range: [-1, 1],
  selfValue: 1,
  symmetric: true,
  metric: false,
  invariances: ['isotropic-scaling'],
  minRows: 1,
  options: {
    absolute: booleanOption(false, 'Compare |gradients| (saliency magnitudes) instead of signed gradients; the range is then [0, 1].'),
  },
  variants: [{ when: { absolute: true }, range: [0, 1] }],
  description:
    'Mean over inputs of the cosine similarity of the two models\' input gradients (saliency maps), given as ' +
    'N × P arrays (P = flattened input size); a zero gradient row is E_DEGENERATE.',
  reference: {
    citation: 'Jones, Springer, Kenyon, Moore 2022, "If you\'ve trained one you\'ve trained them all: inter-architecture similarity increases with robustness", UAI, PMLR 180:928–937',
    url: 'https://proceedings.mlr.press/v180/jones22a.html',
  },
  engine: {
    kind: 'js',
    input: toModelOutputs,
    compute(a, b, options) {
      const id = 'saliency-similarity';
      requireMatrix(a, id, 'a');
      requireMatrix(b, id, 'b');
      if (a.cols !== b.cols) {
        throw new NnsimError('E_SHAPE', `${id}: the gradients have ${a.cols} and ${b.cols} input dimensions`, { measure: id });
      }
      const absolute = options.values.absolute as boolean;
      let total = 0;
      for (let i = 0; i < a.rows; i++) {
        let dot = 0;
        for (let j = 0; j < a.cols; j++) {
          const x = a.data[i * a.cols + j]!;
          const y = b.data[i * b.cols + j]!;
          dot += absolute ? Math.abs(x) * Math.abs(y) : x * y;
        }
        const cosine = dot / (rowNorm(a, i, id, 'a') * rowNorm(b, i, id, 'b'));
        total += Math.min(1, Math.max(-1, cosine));
      }
      return total / a.rows;
    },
  },
});

/**
 * The decision distance vector of one model (Li et al. 2021): for the M input pairs (xᵢ, x′ᵢ), whose
 * outputs are rows i and M + i, DDVᵢ = 1 − cos(f(xᵢ), f(x′ᵢ)).
 */
function decisionDistances(m: Matrix, id: string, name: string): Float64Array {
  const pairs = m.rows / 2;
  const ddv = new Float64Array(pairs);
  for (let i = 0; i < pairs; i++) {
    let dot = 0;
    for (let j = 0; j < m.cols; j++) dot += m.data[i * m.cols + j]! * m.data[(pairs + i) * m.cols + j]!;
    const cosine = dot / (rowNorm(m, i, id, name) * rowNorm(m, pairs + i, id, name));
    ddv[i] = 1 - Math.min(1, Math.max(-1, cosine));
  }
  return ddv;
}

export const modelDiffDefinition = defineMeasure({
  id: 'model-diff',
  name: 'ModelDiff (decision distance vectors)',
  family: 'gradient',
  kind: 'similarity',
  range: [0, 1],
  selfValue: 1,
  selfValueNote: 'E_DEGENERATE when every pair of inputs gets parallel outputs (a zero decision distance vector).',
  symmetric: true,
  metric: false,
  // Only cosines of output vectors enter: a rotation, permutation or positive scaling of a model's outputs changes none.
  invariances: ['orthogonal', 'permutation', 'isotropic-scaling'],
  rowUnit: 'input-pair',
  minRows: 2,
  options: {},
  description:
    'Each model\'s outputs on 2M inputs: rows 0…M−1 on the inputs xᵢ, rows M…2M−1 on their pairs x′ᵢ (e.g. ' +
    'adversarial versions). DDVᵢ = 1 − cos(f(xᵢ), f(x′ᵢ)); the value is cos(DDV_a, DDV_b). C may differ.',
  reference: {
    citation: 'Li, Meng, Liu, Chen 2021, "ModelDiff: testing-based DNN similarity comparison for model reuse detection", ISSTA',
    url: 'https://arxiv.org/abs/2106.08890',
  },
  engine: {
    kind: 'js',
    input: toModelOutputs,
    compute(a, b) {
      const id = 'model-diff';
      requireMatrix(a, id, 'a');
      requireMatrix(b, id, 'b');
      if (a.rows % 2 !== 0) {
        throw new NnsimError('E_SHAPE', `${id}: expected 2M rows (M inputs, then their M pairs) but received ${a.rows}`, { measure: id });
      }
      const da = decisionDistances(a, id, 'a');
      const db = decisionDistances(b, id, 'b');
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < da.length; i++) {
        dot += da[i]! * db[i]!;
        na += da[i]! ** 2;
        nb += db[i]! ** 2;
      }
      if (na === 0 || nb === 0) {
        throw new NnsimError('E_DEGENERATE', `${id}: a model's decision distance vector is zero (all pairs get parallel outputs)`, {
          measure: id,
        });
      }
      return Math.min(1, dot / Math.sqrt(na * nb));
    },
  },
});

export const gradientDefinitions = [
  adversarialTransferabilityDefinition,
  saliencySimilarityDefinition,
  modelDiffDefinition,
] as const satisfies readonly MeasureDefinition[];
