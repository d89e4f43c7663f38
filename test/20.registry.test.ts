// The registry: complete metadata for every measure, agreement with the native core, lookups.
import { describe, expect, it } from 'vitest';

import { INVARIANCES, NnsimError, getMeasure, listMeasures, measureIds, measures } from '../src/index.js';
import { nativeAddon } from '../src/native.js';
import { definitions } from '../src/measures/index.js';

describe('registry', () => {
  it('has unique kebab-case ids', () => {
    const ids = measureIds();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('lists exactly the native kernels for native measures, and the core has no unregistered kernel', () => {
    const nativeIds = new Set(nativeAddon().measureIds());
    const registeredNative = definitions.filter((d) => d.engine.kind === 'native').map((d) => d.id);
    expect(new Set(registeredNative)).toEqual(nativeIds);
  });

  it('gives every measure complete metadata', () => {
    for (const m of listMeasures()) {
      expect(m.name.length, m.id).toBeGreaterThan(3);
      expect(['similarity', 'distance']).toContain(m.kind);
      expect(m.range[0]).toBeLessThan(m.range[1]);
      expect(typeof m.symmetric).toBe('boolean');
      expect(typeof m.metric).toBe('boolean');
      if (m.metric) {
        expect(m.kind, `${m.id}: a metric is a distance`).toBe('distance');
        expect(m.symmetric, `${m.id}: a metric is symmetric`).toBe(true);
      }
      for (const inv of m.invariances) expect(INVARIANCES).toContain(inv);
      expect(m.minRows).toBeGreaterThanOrEqual(1);
      expect(m.reference.citation.length).toBeGreaterThan(10);
      expect(m.description.length).toBeGreaterThan(10);
      if (m.selfValue !== null) {
        expect(m.selfValue).toBeGreaterThanOrEqual(m.range[0]);
        expect(m.selfValue).toBeLessThanOrEqual(m.range[1]);
      } else {
        expect(m.selfValueNote, `${m.id} explains its self value`).toBeTruthy();
      }
      for (const [key, spec] of Object.entries(m.options)) {
        expect(spec.description.length, `${m.id}.${key} is documented`).toBeGreaterThan(5);
        if (spec.type === 'enum' && spec.default !== undefined) expect(spec.values).toContain(spec.default);
      }
      for (const variant of m.variants) {
        for (const key of Object.keys(variant.when)) expect(Object.keys(m.options), `${m.id} variant key ${key}`).toContain(key);
      }
    }
  });

  it('offers a typed function per measure', () => {
    for (const id of measureIds()) {
      const name = id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      const fn = (measures as unknown as Record<string, { id: string }>)[name];
      expect(fn, name).toBeTypeOf('function');
      expect(fn!.id).toBe(id);
    }
  });

  it('suggests the nearest id for a typo', () => {
    try {
      getMeasure('procrustse');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NnsimError);
      expect((e as NnsimError).code).toBe('E_UNKNOWN_MEASURE');
      expect((e as NnsimError).message).toContain("did you mean 'procrustes'");
    }
  });

  it('filters by family and kind', () => {
    expect(listMeasures({ family: 'alignment' }).every((m) => m.family === 'alignment')).toBe(true);
    expect(listMeasures({ kind: 'similarity' }).every((m) => m.kind === 'similarity')).toBe(true);
  });
});

describe('variants over a range of option values', () => {
  it('gulp with any ridge λ > 0 loses invertible-linear invariance, λ = 0 keeps it', async () => {
    const { effectiveProperties, getMeasure } = await import('../src/index.js');
    const gulp = getMeasure('gulp');
    for (const lambda of [0.1, 0.5, 3]) {
      expect(effectiveProperties(gulp, { lambda }).invariances).not.toContain('invertible-linear');
    }
    expect(effectiveProperties(gulp, { lambda: 0 }).invariances).toContain('invertible-linear');
  });

  it('effectiveProperties takes an id or a MeasureInfo, and refuses unknown ids with E_UNKNOWN_MEASURE', async () => {
    const { effectiveProperties, getMeasure } = await import('../src/index.js');
    const { errorOf } = await import('./helpers/errors.js');
    expect(effectiveProperties('gulp', { lambda: 0.5 })).toEqual(effectiveProperties(getMeasure('gulp'), { lambda: 0.5 }));
    expect(effectiveProperties('procrustes').range).toEqual(getMeasure('procrustes').range);
    expect(effectiveProperties('procrustes', { normalize: true })).toEqual(effectiveProperties(getMeasure('procrustes'), { normalize: true }));
    const unknown = errorOf(() => effectiveProperties('procrustse'));
    expect(unknown.code).toBe('E_UNKNOWN_MEASURE');
    expect(unknown.message).toContain("did you mean 'procrustes'");
    expect(errorOf(() => effectiveProperties(42 as never)).code).toBe('E_TYPE');
  });
});

describe('derived metadata', () => {
  it('requires, stochastic and domain follow from the schema and the family', async () => {
    const { FAMILIES } = await import('../src/measure-types.js');
    const { missingMeasures } = await import('../src/index.js');
    for (const m of listMeasures()) {
      const labels = Object.values(m.options).some((spec) => spec.type === 'labels' && spec.required);
      expect(m.requires.includes('labels'), m.id).toBe(labels);
      expect(m.requires.includes('seed'), m.id).toBe('seed' in m.options);
      expect(m.stochastic, m.id).toBe('seed' in m.options);
      expect(m.domain, m.id).toBe(FAMILIES[m.family]);
    }
    expect(listMeasures().filter((m) => m.stochastic).map((m) => m.id)).toEqual(['geometry-score', 'imd', 'rtd']);
    expect(missingMeasures()).toEqual([]);
  });

  it('every measure id has its typed named export in the package entry', async () => {
    const api = (await import('../src/index.js')) as unknown as Record<string, { id?: string; async?: unknown }>;
    for (const id of measureIds()) {
      const name = id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      expect(api[name], `export ${name}`).toBeTypeOf('function');
      expect(api[name]!.id, name).toBe(id);
      expect(api[name]!.async, `${name}.async`).toBeTypeOf('function');
    }
  });
});

describe('README', () => {
  it('has the measure table of the current registry (npm run docs)', async () => {
    const { readFileSync } = await import('node:fs');
    const { withMeasuresTable } = await import('../src/docs.js');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withMeasuresTable(readme)).toBe(readme);
  });

  it('cites every measure by its authors and year, with a link to the paper', async () => {
    const { shortReference } = await import('../src/docs.js');
    for (const m of listMeasures()) {
      const short = shortReference(m.reference);
      // "Surname 2020", "Surname & Surname 2020" or "Surname et al. 2020", linked.
      expect(short, m.id).toMatch(/^\[\p{Lu}[\p{L}'-]+( & \p{Lu}[\p{L}'-]+| et al\.)? (1[89]|20)\d\d\]\(https:\/\/\S+\)$/u);
    }
    expect(shortReference({ citation: 'Wang et al. 2020, "Title"' })).toBe('Wang et al. 2020');
    expect(shortReference({ citation: 'Williams, Kunz, Kornblith 2021, "Title"', url: 'https://x' })).toBe('[Williams et al. 2021](https://x)');
  });
});
