// nnsim compare … --permutations N --bootstrap N --seed S: `value [lower, upper] p = …` per measure, the
// same numbers as the library (permutationTest, bootstrap), in text and in --json.
import { beforeAll, describe, expect, it } from 'vitest';

import { join } from 'node:path';

import { bootstrap, permutationTest } from '../src/index.js';
import { openArray, toRepresentation } from '../src/io/load.js';
import type { Matrix } from '../src/matrix.js';
import { ROOT, ensureBuilt, expectOneLineError, nnsim } from './helpers/cli.js';

const A = 'test/fixtures/io/model-a/layer1.npy';
const B = 'test/fixtures/io/model-b/layer1.npy';

function load(path: string): Matrix {
  return toRepresentation(openArray(join(ROOT, path)));
}

describe('nnsim compare with --permutations and --bootstrap', () => {
  beforeAll(ensureBuilt);

  it('prints value [lower, upper] p = … with the library’s numbers', () => {
    const r = nnsim(['compare', A, B, '-m', 'cka,procrustes', '--permutations', '199', '--bootstrap', '150', '--seed', '1']);
    expect(r.status, r.stderr).toBe(0);
    const a = load(A);
    const b = load(B);
    for (const id of ['cka', 'procrustes']) {
      const p = permutationTest(id, a, b, { permutations: 199, seed: 1 });
      const ci = bootstrap(id, a, b, { resamples: 150, seed: 1 });
      const line = r.stdout.split('\n').find((l) => l.startsWith(id + ' '))!;
      const short = (v: number): string => String(Number(v.toPrecision(6)));
      expect(line).toContain(`${p.value} [${short(ci.lower)}, ${short(ci.upper)}] p = ${short(p.pValue)}`);
    }
  });

  it('--json carries the flags and per measure the p-value, the interval and how they were computed', () => {
    const r = nnsim(['compare', A, B, '-m', 'cka,magnitude-difference', '--permutations', '49', '--bootstrap', '40', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { inference: Record<string, unknown> & { measures: Record<string, Record<string, Record<string, unknown>>> } };
    expect(out.inference).toMatchObject({ permutations: 49, bootstrap: 40, seed: 0 });
    const cka = out.inference.measures.cka!;
    expect(cka.permutation).toMatchObject({ permutations: 49, alternative: 'greater' });
    expect(cka.bootstrap).toMatchObject({ resamples: 40, level: 0.95, method: 'percentile', scheme: 'bootstrap' });
    expect(cka.bootstrap!.lower as number).toBeLessThanOrEqual(cka.bootstrap!.upper as number);
    // A measure that does not depend on the pairing has an interval but no permutation test.
    expect(out.inference.measures['magnitude-difference']).toMatchObject({ unpaired: true, bootstrap: { resamples: 40 } });
  });

  it('bad flags: a usage error (exit 2) or the library’s typed error', () => {
    expectOneLineError(nnsim(['compare', A, B, '--permutations', 'many']), /--permutations expects a whole number/);
    expectOneLineError(nnsim(['compare', A, B, '--seed', '3']), /--seed needs --permutations or --bootstrap/);
    const zero = nnsim(['compare', A, B, '-m', 'cka', '--bootstrap', '0']);
    expect(zero.status).toBe(1);
    expect(zero.stdout).toMatch(/inference error E_OPTION: .*resamples/);
  });
});
