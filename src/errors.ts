/**
 * Errors. Everything nnsim throws on purpose is an {@link NnsimError} with a stable `code`, so callers
 * can `switch (err.code)`. Messages share one shape: "Expected X for Y but received Z".
 */

export type ErrorCode =
  /** An argument has the wrong type (not a matrix, not a function …). */
  | 'E_TYPE'
  /** rows × cols does not match the data, rows differ between the two inputs, D = 0 … */
  | 'E_SHAPE'
  /** N is below the minimum the measure needs (see `minRows` in its metadata). */
  | 'E_TOO_FEW_ROWS'
  /** NaN or ±Infinity in an input. */
  | 'E_NONFINITE'
  /** The ArrayBuffer behind an input was detached (transferred). */
  | 'E_DETACHED'
  /** The input lives in a SharedArrayBuffer (it could change during the computation). */
  | 'E_SHARED_BUFFER'
  /** An option has the wrong type or value, or is unknown. */
  | 'E_OPTION'
  /** No measure has this id. */
  | 'E_UNKNOWN_MEASURE'
  /** Labels are missing, of the wrong length, or out of range. */
  | 'E_LABELS'
  /** Values that should be probabilities are negative or do not sum to 1. */
  | 'E_PROBABILITIES'
  /** The measure is undefined for this input (e.g. zero variance). */
  | 'E_DEGENERATE'
  /** A numerical routine failed (LAPACK did not converge, a non-finite intermediate). */
  | 'E_NUMERICAL'
  /** The computation was cancelled through an AbortSignal. */
  | 'E_CANCELLED'
  /** The computation ran longer than its `timeout` (a run option, or the default set by configure()). */
  | 'E_TIMEOUT'
  /** An allocation failed. */
  | 'E_OUT_OF_MEMORY'
  /** The measure (with these options) cannot be accumulated over row batches; the message names the alternatives. */
  | 'E_NOT_STREAMABLE'
  /** An accumulator state or merge does not match: other format version, measures, options or shape, or a truncated file. */
  | 'E_STATE'
  /** A file could not be read or is malformed (CLI readers). */
  | 'E_FILE'
  /** The native addon could not be loaded. */
  | 'E_NATIVE_UNAVAILABLE'
  /** A bug in nnsim; please report it. */
  | 'E_INTERNAL';

export class NnsimError extends Error {
  override readonly name = 'NnsimError';
  readonly code: ErrorCode;
  /** The measure id the error belongs to, when there is one. */
  readonly measure: string | undefined;

  constructor(code: ErrorCode, message: string, options: { measure?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.measure = options.measure;
  }
}

/** A short description of a value for error messages: `string "abc"`, `number NaN`, `Float32Array(12)` … */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length?: number }).length ?? value.byteLength})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/** `Expected ${expected} for ${what} but received ${describeValue(actual)}`. */
export function invalidParameter(code: ErrorCode, what: string, expected: string, actual: unknown, measure?: string): NnsimError {
  return new NnsimError(code, `Expected ${expected} for ${what} but received ${describeValue(actual)}`, { measure });
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The candidate closest to `word` when it is close enough to be a plausible typo. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}
