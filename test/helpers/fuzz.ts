/**
 * Settings of the JS fuzzers (test/96, test/97): a fixed seed and a small number of iterations in
 * `npm test`; NNSIM_FUZZ_ITERATIONS=<n> runs n iterations instead and NNSIM_FUZZ_SEED=<s> another
 * sequence (e.g. NNSIM_FUZZ_ITERATIONS=200000 npx vitest run test/96.fuzz-readers.test.ts).
 */
import { rng } from './random.js';

export function fuzzIterations(fallback: number): number {
  const value = process.env.NNSIM_FUZZ_ITERATIONS;
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`NNSIM_FUZZ_ITERATIONS must be a positive integer, got '${value}'`);
  return n;
}

/** The seeded generator of a fuzzer, with helpers for picking. */
export function fuzzRandom(fallbackSeed: number) {
  const seed = process.env.NNSIM_FUZZ_SEED ? Number(process.env.NNSIM_FUZZ_SEED) : fallbackSeed;
  const random = rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number): boolean => random() < p;
  return { seed, random, int, pick, chance };
}

/** A longer run may take as long as it needs; the default run must stay quick. */
export function fuzzTimeout(defaultMs: number): number {
  return process.env.NNSIM_FUZZ_ITERATIONS ? 24 * 3600 * 1000 : defaultMs;
}
