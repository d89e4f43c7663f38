/**
 * Working memory. Every native measure declares how many bytes one comparison allocates, as a function
 * of N, D, D′ and its options, next to its kernel in the core (MeasureDef's memory estimate); the core
 * compares it with the memory limit before it allocates anything and refuses with E_OUT_OF_MEMORY
 * (how many bytes, and what to do instead), so no N gets the process killed by the operating system.
 * The limit is set with configure({ memoryLimit }); its default (defaultMemoryLimit in native.ts) is a
 * share of the machine's memory or of the container's cgroup limit.
 */
import { invalidParameter } from './errors.js';
import type { MeasureDefinition } from './measure-types.js';
import { nativeAddon } from './native.js';
import { resolveOptions } from './options.js';

function count(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > Number.MAX_SAFE_INTEGER) {
    throw invalidParameter(typeof value === 'number' ? 'E_SHAPE' : 'E_TYPE', what, 'an integer ≥ 1', value);
  }
  return value;
}

/**
 * Bytes of working memory of `definition` for N = `rows` inputs of `colsA` and `colsB` features with
 * these options (the inputs themselves not included). Native measures: the estimate the core checks
 * against the memory limit before computing (its options validated). JS-engine (functional) measures:
 * their converted copies of the two inputs.
 */
export function estimateMemoryOf(
  definition: MeasureDefinition,
  rows: number,
  colsA: number,
  colsB: number = colsA,
  options?: object,
): number {
  const n = count(rows, 'rows');
  const da = count(colsA, 'colsA');
  const db = count(colsB, 'colsB');
  if (definition.engine.kind === 'js') return 2 * 8 * n * (da + db);
  const resolved = resolveOptions(definition.id, definition.options, options, n);
  const classes = resolved.labels ? new Set(resolved.labels).size : undefined;
  return nativeAddon().estimateMemory(definition.id, n, da, db, resolved.values, classes);
}
