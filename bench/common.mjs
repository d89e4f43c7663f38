// Shared by the benchmark scripts: a seeded generator (so every run sees the same inputs), timing
// with medians, and the formatting of durations.

/** A small seeded uniform generator on [0, 1) (mulberry32). */
export function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from a uniform generator (Box–Muller). */
export function normalFrom(uniform) {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export function median(values) {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

/**
 * Median wall time of `fn` in seconds: at least `min` runs, more while `budget` seconds last (at most
 * `max`). The previous run's garbage is collected first (with --expose-gc): V8's background GC threads
 * would otherwise compete with the BLAS threads on a 2-core machine and inflate the next measurement.
 */
export function time(fn, { min = 1, max = 7, budget = 3 } = {}) {
  const times = [];
  const start = performance.now();
  while (times.length < max && (times.length < min || (performance.now() - start) / 1000 < budget)) {
    globalThis.gc?.();
    const t = performance.now();
    fn();
    times.push((performance.now() - t) / 1000);
  }
  return median(times);
}

export function formatSeconds(seconds) {
  if (seconds === undefined) return '—';
  if (seconds < 1e-3) return `${(seconds * 1e6).toFixed(0)} µs`;
  if (seconds < 1) return `${(seconds * 1e3).toFixed(1)} ms`;
  return `${seconds.toFixed(2)} s`;
}
