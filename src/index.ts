/**
 * nnsim: similarity of neural network models. Representational measures (CCA, alignment, RSM,
 * neighbourhood, topology, statistics) on a native BLAS/LAPACK core, and functional measures.
 *
 *   import { compare, compareMany, cka, listMeasures } from 'nnsim';
 *   compare('cka', a, b);                       // a, b: N × D matrices, rows = the same inputs
 *   await compare.async('procrustes', a, b, { normalize: true });
 *   compareMany(['cka', 'procrustes', 'angular-shape'], a, b);
 */
import {
  type MeasureFunction,
  compareAsync,
  compareManyAsync,
  compareMany as compareManySync,
  compare as compareSync,
  measureFunction,
} from './compare.js';
import { type Definition, definitions } from './measures/index.js';

export {
  compareAsync,
  compareManyAsync,
  prepare,
  PreparedRepresentation,
  type CompareManyOptions,
  type ManyOutcomes,
  type ManyResults,
  type MeasureFunction,
  type MeasureSpec,
  type Progress,
  type RepresentationInput,
  type RunOptions,
} from './compare.js';
export { NnsimError, type ErrorCode } from './errors.js';
export { matrix, toMatrix, type Matrix, type MatrixInput, type MatrixLike } from './matrix.js';
export {
  INVARIANCES,
  type Family,
  type Invariance,
  type MeasureInfo,
  type MeasureVariant,
  type Requirement,
} from './measure-types.js';
export type { Labels, OptionSchema, OptionSpec, OptionsOf } from './options.js';
export {
  effectiveProperties,
  getMeasure,
  listMeasures,
  measureIds,
  type EffectiveProperties,
  type MeasureFilter,
  type MeasureId,
} from './registry.js';
export { configure, getConfig, type RuntimeConfig } from './runtime.js';

/** compare(id, a, b, options) — and compare.async(…) on a worker thread. */
export const compare = Object.assign(compareSync, { async: compareAsync });

/** compareMany(specs, a, b) — and compareMany.async(…) on a worker thread. */
export const compareMany = Object.assign(compareManySync, { async: compareManyAsync });

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** One typed function per measure, keyed by the camelCase id: measures.angularShape(a, b). */
export type Measures = { [D in Definition as CamelCase<D['id']>]: MeasureFunction<D['options']> };

function camelCase(id: string): string {
  return id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export const measures = Object.freeze(
  Object.fromEntries(definitions.map((d) => [camelCase(d.id), measureFunction(d)])),
) as unknown as Measures;

// Named exports, one per measure, one line per family (keep each family's line in its own place).
// cca:
// alignment:
export const { procrustes, angularShape } = measures;
// matching:
// rsm:
export const { cka } = measures;
// neighbors:
// statistics:
// topology:
export const { geometryScore, imd, rtd } = measures;
export { persistence, type Barcode, type PersistenceOptions, type PersistenceRunOptions } from './topology.js';
// functional:
