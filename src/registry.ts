/**
 * The measure registry: every measure's metadata, looked up by id. Single source for listMeasures(),
 * the CLI, the README table and the property tests.
 */
import { NnsimError, nearest } from './errors.js';
import type { Invariance, MeasureDefinition, MeasureInfo, MeasureVariant } from './measure-types.js';
import { definitions, type Definition } from './measures/index.js';
import { estimateMemoryOf } from './memory.js';

export type MeasureId = Definition['id'];

const byId: ReadonlyMap<string, MeasureDefinition> = new Map(definitions.map((d) => [d.id, d as MeasureDefinition]));

/** The definition of `id`; throws E_UNKNOWN_MEASURE (suggesting the nearest id) when there is none. */
export function getDefinition(id: unknown): MeasureDefinition {
  if (typeof id !== 'string') {
    throw new NnsimError('E_TYPE', `Expected a measure id (string) but received ${typeof id}`);
  }
  const definition = byId.get(id);
  if (definition) return definition;
  const suggestion = nearest(id, byId.keys());
  throw new NnsimError(
    'E_UNKNOWN_MEASURE',
    `Unknown measure '${id}'` + (suggestion ? `; did you mean '${suggestion}'?` : '') + ' listMeasures() lists them all.',
  );
}

function publicInfo(d: MeasureDefinition): MeasureInfo {
  const { engine: _engine, ...info } = d;
  return { ...info, estimateMemory: (rows, colsA, colsB, options) => estimateMemoryOf(d, rows, colsA, colsB, options) };
}

/**
 * Bytes of working memory one comparison with measure `id` needs for N = `rows` inputs of `colsA`
 * and `colsB` features (default colsA) and these options, not counting the inputs: what the core
 * checks against configure({ memoryLimit }) before it allocates anything.
 */
export function estimateMemory(
  id: MeasureId | (string & {}),
  rows: number,
  colsA: number,
  colsB?: number,
  options?: object,
): number {
  return estimateMemoryOf(getDefinition(id), rows, colsA, colsB, options);
}

/** Metadata of one measure. */
export function getMeasure(id: MeasureId | (string & {})): MeasureInfo {
  return publicInfo(getDefinition(id));
}

export interface MeasureFilter {
  family?: MeasureInfo['family'];
  domain?: MeasureInfo['domain'];
  kind?: MeasureInfo['kind'];
}

/** Metadata of every measure (optionally filtered), in catalogue order (family by family, FAMILIES). */
export function listMeasures(filter: MeasureFilter = {}): MeasureInfo[] {
  return definitions
    .filter((d) => filter.family === undefined || d.family === filter.family)
    .filter((d) => filter.domain === undefined || d.domain === filter.domain)
    .filter((d) => filter.kind === undefined || d.kind === filter.kind)
    .map((d) => publicInfo(d as MeasureDefinition));
}

/** Ids of every measure. */
export function measureIds(): MeasureId[] {
  return definitions.map((d) => d.id);
}

export interface EffectiveProperties {
  readonly kind: MeasureInfo['kind'];
  readonly invariances: readonly Invariance[];
  /** Further invariances of one argument only (asymmetric measures). */
  readonly argumentInvariances: MeasureInfo['argumentInvariances'];
  readonly range: readonly [number, number];
  readonly metric: boolean;
  readonly selfValue: number | null;
  readonly resampling: MeasureInfo['resampling'];
}

function matches(variant: MeasureVariant, options: Readonly<Record<string, unknown>>): boolean {
  if (variant.appliesTo) return variant.appliesTo(options);
  return Object.entries(variant.when).every(([key, value]) => options[key] === value);
}

/**
 * Metadata under specific option values: each property comes from the most specific matching variant
 * that sets it (variants are listed from general to specific; among equally specific ones the first
 * listed wins), else from the measure itself. So a variant for one option (e.g. output: 'angular' →
 * kind distance) combines with a variant for another (e.g. an absolute bandwidth → no scale invariance).
 * `measure` is an id (E_UNKNOWN_MEASURE when there is no such measure) or the MeasureInfo of
 * getMeasure()/listMeasures().
 */
export function effectiveProperties(
  measure: MeasureInfo | MeasureId | (string & {}),
  options: Readonly<Record<string, unknown>> = {},
): EffectiveProperties {
  const info = typeof measure === 'object' && measure !== null && Array.isArray(measure.variants) ? measure : getDefinition(measure);
  const matching = info.variants
    .filter((variant) => matches(variant, options))
    .map((variant, order) => ({ variant, order, size: Object.keys(variant.when).length }))
    .sort((x, y) => y.size - x.size || x.order - y.order);
  const pick = <T>(field: (variant: MeasureVariant) => T | undefined): T | undefined => {
    for (const { variant } of matching) {
      const value = field(variant);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  const selfValue = pick((variant) => variant.selfValue);
  return {
    kind: pick((variant) => variant.kind) ?? info.kind,
    invariances: pick((variant) => variant.invariances) ?? info.invariances,
    argumentInvariances: pick((variant) => variant.argumentInvariances) ?? info.argumentInvariances,
    range: pick((variant) => variant.rangeOf?.(options) ?? variant.range) ?? info.range,
    metric: pick((variant) => variant.metric) ?? info.metric,
    selfValue: selfValue !== undefined ? selfValue : info.selfValue,
    resampling: pick((variant) => variant.resampling) ?? info.resampling,
  };
}

/**
 * Ids of the survey's catalogue that this version does not implement.
 * @deprecated Every measure of the survey's catalogue is implemented (the registry is the catalogue),
 * so this is always empty; kept so that existing callers keep working.
 */
export function missingMeasures(): string[] {
  return [];
}
