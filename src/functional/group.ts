/**
 * compareGroup(id, outputs, options): group functional measures over K ≥ 2 models' outputs on the
 * same N inputs (fleiss-kappa, ambiguity, discrepancy, label-entropy, prediction-difference,
 * rashomon-capacity).
 */
import { NnsimError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import type { JsEngine } from '../measure-types.js';
import { inputValues, runOnWorker, shouldOffload } from '../offload.js';
import { type OptionsOf, type ResolvedOptions, resolveOptions } from '../options.js';
import { type MeasureId, getDefinition } from '../registry.js';
import { type SyncRunOptions, resolveTimeout, schedule, withTimeout } from '../runtime.js';
import { classCount, toModelList } from './inputs.js';

/** One model's outputs: an N × C matrix (`{ data, rows, cols }` or rows) or a vector of N predicted labels. */
export type ModelOutputsInput = unknown;

/** Run options of compareGroup.async. */
export interface GroupRunOptions extends SyncRunOptions {
  /** Aborts the computation (rejects with E_CANCELLED at once). */
  signal?: AbortSignal;
}

interface PreparedGroup {
  readonly id: string;
  readonly engine: JsEngine & { computeGroup: NonNullable<JsEngine['computeGroup']> };
  readonly models: Matrix[];
  readonly options: ResolvedOptions;
}

function prepareGroup(id: string, outputs: readonly ModelOutputsInput[], options: object | undefined): PreparedGroup {
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
  return { id: definition.id, engine: engine as PreparedGroup['engine'], models, options: resolved };
}

function finite(value: number, id: string): number {
  if (!Number.isFinite(value)) throw new NnsimError('E_NUMERICAL', `${id}: produced a non-finite value`, { measure: id });
  return value;
}

/**
 * Computes a group measure of K ≥ 2 models. Throws NnsimError: E_TYPE for a pair measure or a
 * non-array, E_SHAPE for K < 2 or mismatched N or C, E_LABELS, E_PROBABILITIES, E_OPTION, and
 * E_TIMEOUT past `run.timeout` …
 */
export function compareGroup(
  id: MeasureId | (string & {}),
  outputs: readonly ModelOutputsInput[],
  options?: object,
  run: SyncRunOptions = {},
): number {
  const timeout = resolveTimeout(run?.timeout);
  const group = prepareGroup(id, outputs, options);
  return finite(withTimeout(timeout, () => group.engine.computeGroup(group.models, group.options)), group.id);
}

/**
 * compareGroup() off the event loop: on a worker thread (offload.ts; aborting or a timeout terminates
 * it), except for small inputs and calls with function-valued options, which run inline — queued like
 * the other async entry points either way.
 */
export async function compareGroupAsync(
  id: MeasureId | (string & {}),
  outputs: readonly ModelOutputsInput[],
  options?: object,
  run: GroupRunOptions = {},
): Promise<number> {
  const group = prepareGroup(id, outputs, options);
  const offload = shouldOffload(group.engine, inputValues(group.models), group.options);
  const value = await schedule(
    async (stop) =>
      offload
        ? runOnWorker({ kind: 'group', id: group.id, models: group.models, options: group.options }, stop)
        : group.engine.computeGroup(group.models, group.options),
    run,
  );
  return finite(value, group.id);
}
