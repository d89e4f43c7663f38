/**
 * Inputs of functional measures: model outputs on the same N inputs, either an N × C matrix of
 * logits or probabilities (the caller says which: no guessing) or a vector of N predicted labels.
 * Shared validation and conversions (argmax, softmax, probability checks) for the five families.
 */
import { NnsimError, describeValue } from '../errors.js';
import { type Matrix, toMatrix } from '../matrix.js';
import { type EnumOption, type ResolvedOptions, labelsOption, toLabels } from '../options.js';

/** An N × C output matrix, or (when `hard` is set) N predicted labels stored as an N × 1 matrix. */
export interface ModelOutputs extends Matrix {
  /** Predicted labels when the model was given as a label vector; then C is unknown (cols = 1). */
  readonly hard?: Int32Array;
}

const LABEL_ARRAYS = [Int32Array, Uint8Array, Uint16Array, Uint32Array, Int8Array, Int16Array] as const;

function isLabelVector(value: unknown): value is Int32Array | readonly number[] {
  if (LABEL_ARRAYS.some((type) => value instanceof type)) return true;
  return Array.isArray(value) && value.length > 0 && typeof value[0] === 'number';
}

/**
 * Converts one model's outputs: `{ data, rows, cols }` or an array of rows → N × C matrix; an
 * Int32Array or number[] (one integer per input) → predicted labels. Throws E_SHAPE when empty.
 */
export function toModelOutputs(value: unknown, name: string): ModelOutputs {
  if (isLabelVector(value)) {
    const hard = toLabels(value, name);
    if (hard.length === 0) throw new NnsimError('E_SHAPE', `${name} has no predictions`);
    return { data: Float64Array.from(hard), rows: hard.length, cols: 1, hard };
  }
  if (Array.isArray(value) && value.length === 0) throw new NnsimError('E_SHAPE', `${name} has no rows`);
  return toMatrix(value, name);
}

export function isHard(m: Matrix): boolean {
  return (m as ModelOutputs).hard !== undefined;
}

/**
 * The number of classes C shared by the output matrices (label vectors carry none). Throws E_SHAPE
 * when two matrices differ in C or in N. Undefined when every model is a label vector.
 */
export function classCount(models: readonly Matrix[], measure: string): number | undefined {
  let classes: number | undefined;
  let rows: number | undefined;
  models.forEach((m, k) => {
    if (rows !== undefined && m.rows !== rows) {
      throw new NnsimError('E_SHAPE', `${measure}: model ${k} has outputs for ${m.rows} inputs but model 0 for ${rows}`, {
        measure,
      });
    }
    rows = m.rows;
    if (isHard(m)) return;
    if (classes !== undefined && m.cols !== classes) {
      throw new NnsimError('E_SHAPE', `${measure}: model ${k} has ${m.cols} classes (columns) but another has ${classes}`, {
        measure,
      });
    }
    classes = m.cols;
  });
  return classes;
}

function checkRange(values: Int32Array, classes: number | undefined, what: string, measure: string): void {
  if (classes === undefined) return;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! >= classes) {
      throw new NnsimError('E_LABELS', `${measure}: ${what}[${i}] = ${values[i]} is not a class of the ${classes}-class outputs`, {
        measure,
      });
    }
  }
}

/** Ground-truth labels: present when `required`, one per input, each < C when C is known. */
export function groundTruth(
  options: ResolvedOptions,
  rows: number,
  classes: number | undefined,
  measure: string,
  required = true,
): Int32Array | undefined {
  const labels = options.labels;
  if (!labels) {
    if (required) throw new NnsimError('E_LABELS', `measure '${measure}' needs labels (option 'labels')`, { measure });
    return undefined;
  }
  if (labels.length !== rows) {
    throw new NnsimError('E_LABELS', `${measure}: labels has ${labels.length} entries but the outputs have ${rows} rows`, {
      measure,
    });
  }
  checkRange(labels, classes, 'labels', measure);
  return labels;
}

/**
 * The predicted labels of every model, validated against the shared C of the output matrices (`known`;
 * undefined when every model is a label vector). Label values are only compared, never used as sizes:
 * measures that count per class work on the classes present (see denseClasses in hard-predictions.ts).
 */
export function predictionsOf(
  models: readonly Matrix[],
  options: ResolvedOptions,
  measure: string,
): { labels: Int32Array[]; known: number | undefined } {
  const known = classCount(models, measure);
  checkDeclaredProbabilities(models, options, measure);
  const labels = models.map((m, k) => predictions(m, known, measure, models.length === 2 ? 'ab'[k]! : `model ${k}`));
  return { labels, known };
}

/** Predicted labels: argmax of each row (ties → the first maximal index, as numpy), or the given labels. */
export function predictions(m: Matrix, classes: number | undefined, measure: string, name = 'predictions'): Int32Array {
  const hard = (m as ModelOutputs).hard;
  if (hard) {
    checkRange(hard, classes, name, measure);
    return hard;
  }
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    const row = i * m.cols;
    let best = 0;
    for (let j = 1; j < m.cols; j++) if (m.data[row + j]! > m.data[row + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** Tolerance on |Σ_c p_ic − 1| for outputs declared as probabilities. */
export const PROBABILITY_TOLERANCE = 1e-6;

export type OutputKind = 'logits' | 'probabilities';

/** The `input` option, without a default: the caller must say what the outputs are. */
export const inputOption: EnumOption<OutputKind> = {
  type: 'enum',
  values: ['logits', 'probabilities'],
  description: "Required: what the N × C outputs are, 'logits' (softmax is applied) or 'probabilities' (checked: ≥ 0, rows sum to 1).",
};

/** The `input` option of hard-prediction measures: optional, since argmax is the same for both kinds. */
export const hardInputOption: EnumOption<OutputKind> = {
  type: 'enum',
  values: ['logits', 'probabilities'],
  description: "What N × C outputs are; argmax is the same for both, 'probabilities' are also checked. Label vectors need none.",
};

export function labelsFor(what: string, required = true): ReturnType<typeof labelsOption> {
  return labelsOption(`Ground-truth class of each input (integers in [0, C)), ${what}.`, required);
}

/** The declared kind of the outputs, or E_OPTION when it is needed and missing. */
export function outputKind(options: ResolvedOptions, measure: string): OutputKind {
  const kind = options.values.input;
  if (kind !== 'logits' && kind !== 'probabilities') {
    throw new NnsimError(
      'E_OPTION',
      `measure '${measure}' needs option 'input': 'logits' or 'probabilities' (what the outputs are; nnsim does not guess)`,
      { measure },
    );
  }
  return kind;
}

/**
 * Rows of probabilities: softmax of logits (max subtracted for stability), or the given
 * probabilities after checking them (E_PROBABILITIES) and dividing each row by its sum (as ReSi does).
 */
export function probabilities(m: Matrix, kind: OutputKind, measure: string, name: string): Float64Array {
  if (isHard(m)) {
    throw new NnsimError('E_TYPE', `${measure} needs N × C outputs for ${name}, not a vector of predicted labels`, { measure });
  }
  const { rows, cols, data } = m;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    let sum = 0;
    if (kind === 'logits') {
      let max = -Infinity;
      for (let j = 0; j < cols; j++) max = Math.max(max, data[row + j]!);
      for (let j = 0; j < cols; j++) sum += out[row + j] = Math.exp(data[row + j]! - max);
    } else {
      for (let j = 0; j < cols; j++) {
        const p = data[row + j]!;
        if (p < 0) {
          throw new NnsimError('E_PROBABILITIES', `${measure}: ${name} has a negative probability ${p} at row ${i}, column ${j}`, {
            measure,
          });
        }
        sum += out[row + j] = p;
      }
      if (!(Math.abs(sum - 1) <= PROBABILITY_TOLERANCE)) {
        throw new NnsimError(
          'E_PROBABILITIES',
          `${measure}: row ${i} of ${name} sums to ${sum}, not 1 (±${PROBABILITY_TOLERANCE}); pass input: 'logits' for scores`,
          { measure },
        );
      }
    }
    for (let j = 0; j < cols; j++) out[row + j]! /= sum;
  }
  return out;
}

/** Validates outputs declared as probabilities (hard-prediction measures only use their argmax). */
export function checkDeclaredProbabilities(models: readonly Matrix[], options: ResolvedOptions, measure: string): void {
  if (options.values.input !== 'probabilities') return;
  models.forEach((m, k) => {
    if (!isHard(m)) probabilities(m, 'probabilities', measure, `model ${k}`);
  });
}

/** K ≥ 2 models, each converted; E_SHAPE otherwise. */
export function toModelList(outputs: unknown, measure: string): ModelOutputs[] {
  if (!Array.isArray(outputs)) {
    throw new NnsimError('E_TYPE', `Expected an array of model outputs for '${measure}' but received ${describeValue(outputs)}`, {
      measure,
    });
  }
  if (outputs.length < 2) {
    throw new NnsimError('E_SHAPE', `measure '${measure}' compares a group of K ≥ 2 models; got ${outputs.length}`, { measure });
  }
  return outputs.map((o, k) => toModelOutputs(o, `outputs[${k}]`));
}

/** The fraction of inputs on which two label vectors differ. */
export function disagreementOf(p: Int32Array, q: Int32Array): number {
  let differ = 0;
  for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) differ++;
  return differ / p.length;
}

/** The fraction of inputs whose predicted label equals the ground truth. */
export function accuracyOf(predicted: Int32Array, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / predicted.length;
}
