/**
 * The measure registry: every measure's metadata, looked up by id. Single source for listMeasures(),
 * the CLI, the README table and the property tests.
 */
import { NnsimError, nearest } from './errors.js';
import type { Invariance, MeasureDefinition, MeasureInfo, MeasureVariant } from './measure-types.js';
import { definitions, type Definition } from './measures/index.js';

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
  return info;
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
 * Metadata under specific option values: the most specific variant whose `when` matches wins
 * (variants are listed from general to specific).
 */
export function effectiveProperties(info: MeasureInfo, options: Readonly<Record<string, unknown>>): EffectiveProperties {
  let result: EffectiveProperties = {
    invariances: info.invariances,
    argumentInvariances: info.argumentInvariances,
    range: info.range,
    metric: info.metric,
    selfValue: info.selfValue,
    resampling: info.resampling,
  };
  let specificity = -1;
  for (const variant of info.variants) {
    const size = Object.keys(variant.when).length;
    if (matches(variant, options) && size > specificity) {
      specificity = size;
      result = {
        invariances: variant.invariances ?? info.invariances,
        argumentInvariances: variant.argumentInvariances ?? info.argumentInvariances,
        range: variant.range ?? info.range,
        metric: variant.metric ?? info.metric,
        selfValue: variant.selfValue !== undefined ? variant.selfValue : info.selfValue,
        resampling: variant.resampling ?? info.resampling,
      };
    }
  }
  return result;
}

/**
 * Ids of the survey's catalogue that this version does not implement.
 * @deprecated Every measure of the survey's catalogue is implemented (the registry is the catalogue),
 * so this is always empty; kept so that existing callers keep working.
 */
export function missingMeasures(): string[] {
  return [];
}
