import { defineConfig } from 'vitest/config';

// Tests that measure latencies (stopping, event-loop lag) run on their own after the others, one file
// at a time: other test files running in parallel on a 2-core machine would otherwise be timed too.
const TIMING = ['test/42.stopping.test.ts', 'test/44.event-loop.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'suites', include: ['test/**/*.test.ts'], exclude: TIMING } },
      {
        extends: true,
        test: { name: 'timing', include: TIMING, poolOptions: { forks: { singleFork: true } }, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
