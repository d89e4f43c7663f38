// Property tests for every representational measure, driven by its registry metadata: the declared
// identity value, range, symmetry and invariances (each declared one holds, each undeclared one fails
// on at least one input, so the metadata is exact), and the triangle inequality for metrics. Variants
// (option-dependent metadata) are checked under their options too.
import { describe, expect, it } from 'vitest';

import { compare, effectiveProperties, listMeasures } from '../src/index.js';
import { INVARIANCES, type Invariance, type MeasureInfo } from '../src/measure-types.js';
import type { Matrix } from '../src/matrix.js';
import { TRANSFORMS, relatedPair, relativeDifference } from './helpers/properties.js';
import { requiredOptions } from './helpers/required.js';
import { randomMatrix, rng } from './helpers/random.js';

/** Options that keep slow measures quick in tests (e.g. fewer trials); they do not change invariances. */
const TEST_OPTIONS: Readonly<Record<string, Record<string, unknown>>> = {
  // cca:
  // alignment:
  // matching: at ε = 0.25 the random related pairs share no ε-match at all (value 0 before and after every
  // transform), so the undeclared invariances could not be seen failing; ε = 0.6 gives partial matches.
  'maximum-match': { epsilon: 0.6 },
  // rsm:
  riemannian: { regularization: 0.1 }, // XXᵀ is singular for the N > D test inputs
  // neighbors:
  // statistics:
  // topology: (the reference gamma N/640000 leaves no H1 bars at N = 60, so every value would be 0)
  'geometry-score': { gamma: 0.1, repetitions: 10, landmarks: 24 },
};

const SEEDS = [1, 2, 3, 4];
const HOLDS = 1e-8; // an invariance holds: relative change at roundoff level
const FAILS = 1e-6; // an invariance fails: relative change well above roundoff

interface Setting {
  label: string;
  options: Record<string, unknown>;
}

/** Seeded class labels (3 classes), one per row, for measures that require labels. */
function testLabels(rows: number): Int32Array {
  const random = rng(77);
  return Int32Array.from({ length: rows }, () => Math.floor(3 * random()));
}

function settingsOf(info: MeasureInfo): Setting[] {
  const base = TEST_OPTIONS[info.id] ?? {};
  return [
    { label: 'defaults', options: { ...base } },
    ...info.variants.map((v) => ({ label: JSON.stringify(v.when), options: { ...base, ...v.when } })),
  ];
}

function value(info: MeasureInfo, a: Matrix, b: Matrix, options: Record<string, unknown>): number {
  return compare(info.id, a, b, { ...requiredOptions(info, a.rows, testLabels), ...options });
}

const representational = listMeasures({ domain: 'representational' }).filter((m) => m.arity === 'pair');

for (const info of representational) {
  describe(`${info.id}`, () => {
    for (const setting of settingsOf(info)) {
      const props = effectiveProperties(info, setting.options);

      it(`[${setting.label}] self-comparison gives the identity value and values stay in range`, () => {
        for (const seed of SEEDS) {
          const { a, b } = relatedPair(seed);
          if (props.selfValue !== null) {
            expect(Math.abs(value(info, a, a, setting.options) - props.selfValue), `seed ${seed}`).toBeLessThan(1e-9);
          }
          const v = value(info, a, b, setting.options);
          expect(v).toBeGreaterThanOrEqual(props.range[0] - 1e-12);
          expect(v).toBeLessThanOrEqual(props.range[1] + 1e-12);
        }
      });

      it(`[${setting.label}] symmetry is as declared (${info.symmetric ? 'symmetric' : 'asymmetric'})`, () => {
        const differences = SEEDS.map((seed) => {
          const { a, b } = relatedPair(seed);
          return relativeDifference(value(info, a, b, setting.options), value(info, b, a, setting.options));
        });
        if (info.symmetric) for (const d of differences) expect(d).toBeLessThan(1e-10);
        else expect(Math.max(...differences)).toBeGreaterThan(FAILS);
      });

      for (const position of ['first', 'second'] as const) {
        if (info.symmetric && position === 'first') continue; // the same as transforming the second
        const declared = new Set<Invariance>([
          ...props.invariances,
          ...((position === 'first' ? props.argumentInvariances?.first : props.argumentInvariances?.second) ?? []),
        ]);
        for (const invariance of INVARIANCES) {
          const expectation = declared.has(invariance) ? 'holds' : 'fails';
          it(`[${setting.label}] ${invariance} of the ${position} argument ${expectation}`, () => {
            const changes = SEEDS.map((seed) => {
              const { a, b } = relatedPair(seed);
              const before = value(info, a, b, setting.options);
              const after =
                position === 'second'
                  ? value(info, a, TRANSFORMS[invariance](b, seed + 50), setting.options)
                  : value(info, TRANSFORMS[invariance](a, seed + 50), b, setting.options);
              return relativeDifference(before, after);
            });
            if (expectation === 'holds') for (const c of changes) expect(c).toBeLessThan(HOLDS);
            else expect(Math.max(...changes)).toBeGreaterThan(FAILS);
          });
        }
      }

      if (props.metric) {
        it(`[${setting.label}] satisfies the triangle inequality`, () => {
          for (const seed of SEEDS) {
            const x = randomMatrix(40, 5, seed);
            const y = randomMatrix(40, 7, seed + 10, 2, 1);
            const { b: z } = relatedPair(seed + 20, 40, 5, 6);
            const mixed = randomMatrix(40, 5, seed + 30, 0.1);
            const close = { ...x, data: x.data.map((v, i) => v + mixed.data[i]!) };
            for (const [p, q, r] of [
              [x, y, z],
              [y, z, x],
              [z, x, y],
              [x, close, y],
              [close, x, z],
            ] as const) {
              const pq = value(info, p, q, setting.options);
              const qr = value(info, q, r, setting.options);
              const pr = value(info, p, r, setting.options);
              expect(pr).toBeLessThanOrEqual(pq + qr + 1e-10);
            }
          }
        });
      }
    }
  });
}
