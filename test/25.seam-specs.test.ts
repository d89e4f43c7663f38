// One contract at the seam: every option the TypeScript schemas declare for the core (native measures,
// persistence, the stitching fit) is the option the core declares next to its kernel
// (native/core/<family>.cpp, MeasureDef … .option(…)): same keys, types, defaults, bounds, exclusivity
// and enum values; minRows and the need for labels agree too. TS adds descriptions and its own kinds
// (labels, function options), which never reach the core.
import { describe, expect, it } from 'vitest';

import { listMeasures } from '../src/index.js';
import type { NativeMatrixOptionSpec, NativeOptionSpec, NativeOptionSpecs } from '../src/native.js';
import { nativeAddon } from '../src/native.js';
import type { OptionSchema, OptionSpec } from '../src/options.js';
import { definitions } from '../src/measures/index.js';
import { stitchingDefinition } from '../src/functional/stitching.js';
import { persistenceSchema } from '../src/topology.js';
import { bootstrapSchema, crossValidateSchema, permutationTestSchema } from '../src/inference/index.js';

const specs = nativeAddon().specs();

/** A TS option as the core would declare it; undefined for TS-only kinds. */
function asCoreSpec(spec: OptionSpec): NativeOptionSpec | undefined {
  const defined = (o: Record<string, unknown>): NativeOptionSpec =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as NativeOptionSpec;
  switch (spec.type) {
    case 'labels':
    case 'function':
    case 'matrix':
      return undefined;
    case 'number':
      return defined({
        type: spec.integer ? 'integer' : 'number',
        default: spec.default,
        min: spec.min,
        max: spec.max,
        // Exclusivity only means something next to its bound; the core lists it only when true.
        minExclusive: spec.min !== undefined && spec.minExclusive ? true : undefined,
        maxExclusive: spec.max !== undefined && spec.maxExclusive ? true : undefined,
      });
    case 'boolean':
      return defined({ type: 'boolean', default: spec.default });
    case 'enum':
      return defined({ type: 'enum', default: spec.default, values: [...spec.values] });
  }
}

/** The part of a TS schema the core must declare identically. */
function coreView(schema: OptionSchema): NativeOptionSpecs {
  const out: Record<string, NativeOptionSpec> = {};
  for (const [key, spec] of Object.entries(schema)) {
    const core = asCoreSpec(spec);
    if (core) out[key] = core;
  }
  return out;
}

/** Differences between a TS schema's core view and the core's specs, one line each (empty: locked). */
export function specMismatches(owner: string, schema: OptionSchema, core: NativeOptionSpecs): string[] {
  const ts = coreView(schema);
  const out: string[] = [];
  for (const key of new Set([...Object.keys(ts), ...Object.keys(core)])) {
    const a = ts[key];
    const b = core[key];
    if (!a) out.push(`${owner}: option '${key}' is declared in C++ only`);
    else if (!b) out.push(`${owner}: option '${key}' is declared in TS only`);
    else if (JSON.stringify(a, Object.keys(a).sort()) !== JSON.stringify(b, Object.keys(b).sort())) {
      out.push(`${owner}: option '${key}' differs: TS ${JSON.stringify(a)} vs C++ ${JSON.stringify(b)}`);
    }
  }
  return out;
}

/** Matrix options (handed to the core beside the scalar ones): the same names, shape and requiredness. */
function matrixMismatches(owner: string, schema: OptionSchema, core: Readonly<Record<string, NativeMatrixOptionSpec>>): string[] {
  const asCore = (required: boolean): NativeMatrixOptionSpec => (required ? { shape: 'symmetric', required: true } : { shape: 'symmetric' });
  const ts: Record<string, NativeMatrixOptionSpec> = {};
  for (const [key, spec] of Object.entries(schema)) if (spec.type === 'matrix') ts[key] = asCore(spec.required);
  return [...new Set([...Object.keys(ts), ...Object.keys(core)])]
    .filter((key) => JSON.stringify(ts[key]) !== JSON.stringify(core[key] && asCore(core[key]!.required === true)))
    .map((key) => `${owner}: matrix option '${key}' differs: TS ${JSON.stringify(ts[key])} vs C++ ${JSON.stringify(core[key])}`);
}

describe('TS option schemas are locked to the core specs', () => {
  it('every native measure: same options, minRows and labels', () => {
    const native = definitions.filter((d) => d.engine.kind === 'native');
    expect(new Set(native.map((d) => d.id))).toEqual(new Set(Object.keys(specs.measures)));
    const mismatches: string[] = [];
    for (const d of native) {
      const core = specs.measures[d.id]!;
      mismatches.push(...specMismatches(d.id, d.options, core.options));
      if (core.minRows !== d.minRows) mismatches.push(`${d.id}: minRows TS ${d.minRows} vs C++ ${core.minRows}`);
      if (core.needsLabels !== d.requires.includes('labels')) {
        mismatches.push(`${d.id}: needs labels TS ${d.requires.includes('labels')} vs C++ ${core.needsLabels}`);
      }
      mismatches.push(...matrixMismatches(d.id, d.options, core.matrices));
    }
    expect(mismatches).toEqual([]);
  });

  it('persistence and the stitching fit: same options', () => {
    expect(specMismatches('persistence', persistenceSchema, specs.persistence)).toEqual([]);
    // The stitching measure's own options (score, forward, labels) are evaluated in TS; the fit's are the core's.
    const fitOptions = Object.fromEntries(
      Object.entries(stitchingDefinition.options).filter(([key]) => key in specs.fitAffineMap),
    ) as OptionSchema;
    expect(Object.keys(fitOptions)).toEqual(Object.keys(specs.fitAffineMap));
    expect(specMismatches('stitching fit', fitOptions, specs.fitAffineMap)).toEqual([]);
  });

  it('inference: permutationTest, bootstrap and crossValidate options (the rest are TS statistics)', () => {
    const locked: [string, OptionSchema, NativeOptionSpecs, string[]][] = [
      ['permutationTest', permutationTestSchema, specs.inference.permutation, ['alternative']],
      ['bootstrap', bootstrapSchema, specs.inference.resampling, ['level', 'method']],
      ['crossValidate', crossValidateSchema, specs.inference.crossValidation, []],
    ];
    for (const [owner, schema, core, tsOnly] of locked) {
      expect(Object.keys(schema).filter((key) => !(key in core))).toEqual(tsOnly);
      const shared = Object.fromEntries(Object.entries(schema).filter(([key]) => key in core)) as OptionSchema;
      expect(specMismatches(owner, shared, core)).toEqual([]);
    }
  });

  it('reports each kind of difference (the lock fails on a mismatch)', () => {
    const core = specs.measures.cka!.options;
    const cka = listMeasures().find((m) => m.id === 'cka')!.options;
    const sigma = cka.sigma as Extract<OptionSpec, { type: 'number' }>;
    const mutated = (change: Partial<Extract<OptionSpec, { type: 'number' }>>): OptionSchema => ({
      ...cka,
      sigma: { ...sigma, ...change },
    });
    expect(specMismatches('cka', cka, core)).toEqual([]);
    expect(specMismatches('cka', mutated({ default: 2 }), core)).toHaveLength(1);
    expect(specMismatches('cka', mutated({ max: 1e7 }), core)).toHaveLength(1);
    expect(specMismatches('cka', mutated({ minExclusive: false }), core)).toHaveLength(1);
    expect(specMismatches('cka', mutated({ integer: true }), core)).toHaveLength(1);
    const kernel = cka.kernel as Extract<OptionSpec, { type: 'enum' }>;
    expect(specMismatches('cka', { ...cka, kernel: { ...kernel, values: ['linear', 'rbf'] } }, core)).toHaveLength(1);
    const { sigma: _dropped, ...withoutSigma } = cka;
    expect(specMismatches('cka', withoutSigma, core)).toEqual(["cka: option 'sigma' is declared in C++ only"]);
    expect(specMismatches('cka', { ...cka, extra: { type: 'boolean', default: true, description: 'x' } }, core)).toEqual([
      "cka: option 'extra' is declared in TS only",
    ]);
    // Matrix options: a missing, an extra and a differently required one are each reported.
    const dcka = listMeasures().find((m) => m.id === 'dcka')!.options;
    const dckaCore = specs.measures.dcka!.matrices;
    expect(matrixMismatches('dcka', dcka, dckaCore)).toEqual([]);
    const { inputSimilarity: matrix, ...withoutMatrix } = dcka;
    expect(matrixMismatches('dcka', withoutMatrix, dckaCore)).toHaveLength(1);
    expect(matrixMismatches('dcka', { ...dcka, other: matrix! }, dckaCore)).toHaveLength(1);
    expect(matrixMismatches('dcka', { ...dcka, inputSimilarity: { ...matrix!, required: false } as OptionSpec }, dckaCore)).toHaveLength(1);
  });
});
