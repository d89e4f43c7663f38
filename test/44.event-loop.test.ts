// Off the event loop: every .async form keeps timers firing while it computes (no lag above 50 ms).
// Each test also runs the same work where it would block — inline (offloading switched off) or the
// sync form — to show that the input is large enough for the lag to show if the work were there.
// The native work runs on one thread here, leaving the main thread a core of a 2-core machine: the
// tests ask whether work runs on the main thread, not whether the OS can fit a third busy thread on two
// cores. On a loaded machine the OS delays timers by itself: the lag an async form causes is its lag
// beyond that of an idle wait as long as the call, and it gets up to three runs to stay below the limit
// (only work on the main thread delays the timer every time).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { compare, compareGroup, compareMany, configure, getConfig, persistence, stitch } from '../src/index.js';
import type { Matrix } from '../src/matrix.js';
import { setOffloadThreshold } from '../src/offload.js';
import { settledWork } from '../src/runtime.js';
import { uniformMatrix } from './helpers/random.js';

const LAG_LIMIT = 50;
const TICK = 5;

afterEach(() => setOffloadThreshold(undefined));

let threads = 1;
beforeAll(() => {
  threads = getConfig().threads;
  configure({ threads: 1 });
});
afterAll(() => {
  configure({ threads });
});

/** The largest delay of a TICK-ms interval timer beyond its period while `work` runs (ms). */
async function timerLag(work: () => unknown): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - TICK);
    last = now;
  }, TICK);
  try {
    await work();
    worst = Math.max(worst, performance.now() - last - TICK);
  } finally {
    clearInterval(timer);
  }
  await settledWork();
  return worst;
}

/**
 * The timer lag `work` causes beyond the scheduling noise of an idle wait of the same length, smallest
 * of up to three runs (stopping at the first below the limit).
 */
async function lagOff(work: () => unknown): Promise<number> {
  let best = Infinity;
  for (let attempt = 0; attempt < 3 && best >= LAG_LIMIT; attempt++) {
    const start = performance.now();
    const lag = await timerLag(work);
    const duration = performance.now() - start;
    const noise = await timerLag(() => new Promise((resolve) => setTimeout(resolve, duration)));
    best = Math.min(best, lag - noise);
  }
  return best;
}

describe('every async form keeps the event loop free', () => {
  // Much computation for little data (a softmax, a power and a maximum per value): what is left on the
  // main thread — validating and handing over the inputs — is a few milliseconds.
  const logitsA = uniformMatrix(50_000, 20, 1);
  const logitsB = uniformMatrix(50_000, 20, 2);
  const churn = { input: 'logits', alpha: 1.7 } as const;

  it('compare.async with a TypeScript measure runs it on a worker thread', async () => {
    const want = compare('surrogate-churn', logitsA, logitsB, churn);
    let got = 0;
    expect(await lagOff(async () => (got = await compare.async('surrogate-churn', logitsA, logitsB, churn)))).toBeLessThan(LAG_LIMIT);
    expect(got).toBe(want);
    setOffloadThreshold(Infinity);
    expect(await timerLag(() => compare.async('surrogate-churn', logitsA, logitsB, churn))).toBeGreaterThan(LAG_LIMIT);
  });

  it('compareMany.async with TypeScript measures', async () => {
    const specs = [
      { id: 'jsd', options: { input: 'logits' } },
      { id: 'surrogate-churn', options: churn },
    ] as const;
    expect(await lagOff(() => compareMany.async(specs, logitsA, logitsB))).toBeLessThan(LAG_LIMIT);
    setOffloadThreshold(Infinity);
    expect(await timerLag(() => compareMany.async(specs, logitsA, logitsB))).toBeGreaterThan(LAG_LIMIT);
  });

  it('compareGroup.async, even on a small input whose computation is long (Rashomon capacity)', async () => {
    const models = [1, 2, 3, 4, 5].map((seed) => uniformMatrix(1000, 20, seed));
    const options = { input: 'logits', tolerance: 1e-12 } as const;
    expect(await lagOff(() => compareGroup.async('rashomon-capacity', models, options))).toBeLessThan(LAG_LIMIT);
    setOffloadThreshold(Infinity);
    expect(await timerLag(() => compareGroup.async('rashomon-capacity', models, options))).toBeGreaterThan(LAG_LIMIT);
  });

  it('stitch.async fits on a worker thread (forward runs where the caller\'s code does)', async () => {
    // Much work for little data: the fit costs N·D², the copy the worker reads N·(D + D′).
    const a = uniformMatrix(2000, 1000, 3);
    const b = uniformMatrix(2000, 50, 4);
    const forward = (m: Matrix): Matrix => m;
    expect(await lagOff(() => stitch.async(a, b, { forward }))).toBeLessThan(LAG_LIMIT);
    expect(await timerLag(() => stitch(a, b, { forward }))).toBeGreaterThan(LAG_LIMIT);
  });

  it('persistence.async', async () => {
    const points = uniformMatrix(600, 8, 5);
    expect(await lagOff(() => persistence.async(points, { input: 'points' }))).toBeLessThan(LAG_LIMIT);
    expect(await timerLag(() => persistence(points, { input: 'points' }))).toBeGreaterThan(LAG_LIMIT);
  });

  it('compare.async with a native measure', async () => {
    const a = uniformMatrix(2000, 32, 6);
    const b = uniformMatrix(2000, 32, 7);
    expect(await lagOff(() => compare.async('rsa', a, b))).toBeLessThan(LAG_LIMIT);
    expect(await timerLag(() => compare('rsa', a, b))).toBeGreaterThan(LAG_LIMIT);
  });
});
