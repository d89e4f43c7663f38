/**
 * compareGroup(id, outputs, options): group functional measures over K ≥ 2 models' outputs on the
 * same N inputs (fleiss-kappa, ambiguity, discrepancy, label-entropy, prediction-difference,
 * rashomon-capacity).
 */
import { NnsimError } from '../errors.js';
import { type OptionsOf, resolveOptions } from '../options.js';
import { type MeasureId, getDefinition } from '../registry.js';
import { cancelled, schedule } from '../runtime.js';
import { classCount, toModelList } from './inputs.js';

/** One model's outputs: an N × C matrix (`{ data, rows, cols }` or rows) or a vector of N predicted labels. */
export type ModelOutputsInput = unknown;

/**
 * Computes a group measure of K ≥ 2 models. Throws NnsimError: E_TYPE for a pair measure or a
 * non-array, E_SHAPE for K < 2 or mismatched N or C, E_LABELS, E_PROBABILITIES, E_OPTION …
 */
export function compareGroup(id: MeasureId | (string & {}), outputs: readonly ModelOutputsInput[], options?: object): number {
  const definition = getDefinition(id);
  const engine = definition.engine;
  if (definition.arity !== 'group' || engine.kind !== 'js' || !engine.computeGroup) {
    throw new NnsimError('E_TYPE', `measure '${definition.id}' compares two models; use compare(id, a, b)`, {
      measure: definition.id,
    });
  }
  const models = toModelList(outputs, definition.id);
  classCount(models, definition.id);
  const resolved = resolveOptions(definition.id, definition.options, options as OptionsOf<typeof definition.options>, models[0]!.rows);
  const value = engine.computeGroup(models, resolved);
  if (!Number.isFinite(value)) {
    throw new NnsimError('E_NUMERICAL', `${definition.id}: produced a non-finite value`, { measure: definition.id });
  }
  return value;
}

/** compareGroup() scheduled like the other async entry points (it runs on the main thread). */
export async function compareGroupAsync(
  id: MeasureId | (string & {}),
  outputs: readonly ModelOutputsInput[],
  options?: object,
  run: { signal?: AbortSignal } = {},
): Promise<number> {
  return schedule(async () => {
    if (run.signal?.aborted) throw cancelled();
    return compareGroup(id, outputs, options);
  }, run.signal);
}
