// Parity with ReSi (the survey authors' code): every golden case, both argument orders, every ReSi
// class whose nnsim measure exists, to |got − want| ≤ 1e-9·max(1, |want|). Values ReSi's own probes
// flag as ill-conditioned are skipped; where ReSi failed, nnsim gives a number or a typed error.
import { describe, expect, it } from 'vitest';

import { NnsimError, compare, measureIds } from '../src/index.js';
import { fromRows, resi, withinParity } from './helpers/fixtures.js';
import { RESI_MAP } from './helpers/resi-map.js';

const registered = new Set<string>(measureIds());
const covered = Object.entries(RESI_MAP).filter(([, m]) => registered.has(m.id));

describe('ReSi parity', () => {
  it('covers the ReSi classes of the registered measures', () => {
    expect(covered.length).toBeGreaterThanOrEqual(4);
  });

  for (const testCase of resi.cases) {
    const R = fromRows(testCase.R);
    const Rp = fromRows(testCase.Rp);
    for (const [order, x, y, results, flagged] of [
      ['R, Rp', R, Rp, testCase.results, testCase.ill_conditioned ?? {}],
      ['Rp, R', Rp, R, testCase.results_swapped, testCase.ill_conditioned_swapped ?? {}],
    ] as const) {
      it(`${testCase.id} (${order})`, () => {
        let compared = 0;
        for (const [resiClass, mapping] of covered) {
          const want = results[resiClass];
          if (want === undefined || resiClass in flagged) continue;
          let got: number | NnsimError;
          try {
            got = compare(mapping.id, x, y, mapping.options);
            if (mapping.transform) got = mapping.transform(got);
          } catch (e) {
            if (!(e instanceof NnsimError)) throw e;
            got = e;
          }
          if (typeof want === 'number') {
            expect(got, `${resiClass} threw ${String(got)}`).toBeTypeOf('number');
            expect(withinParity(got as number, want), `${resiClass}: got ${String(got)}, ReSi ${want}`).toBe(true);
            compared++;
          } else if (typeof got === 'number') {
            // ReSi raised or returned NaN; nnsim must return a finite value (checked elsewhere for correctness).
            expect(Number.isFinite(got), `${resiClass}`).toBe(true);
          } else {
            expect(got.code).toMatch(/^E_/);
          }
        }
        expect(compared).toBeGreaterThan(0);
      });
    }
  }
});
