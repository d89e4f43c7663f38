/**
 * Option schemas. Each measure declares its options as data (type, default, bounds, description); the
 * same schema validates user options, fills defaults, types the named exports (`OptionsOf<S>`) and
 * documents the measure in `listMeasures()`, the README table and the CLI.
 */
import { NnsimError, describeValue, nearest } from './errors.js';
import { type Matrix, type MatrixInput, toMatrix } from './matrix.js';

export interface NumberOption {
  readonly type: 'number';
  readonly description: string;
  readonly default?: number;
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
  readonly integer?: boolean;
}

export interface BooleanOption {
  readonly type: 'boolean';
  readonly description: string;
  readonly default?: boolean;
}

export interface EnumOption<V extends string = string> {
  readonly type: 'enum';
  readonly description: string;
  readonly values: readonly V[];
  readonly default?: V;
}

/** Integer class labels of the N inputs (ground truth). Not sent as an option value to the core. */
export interface LabelsOption {
  readonly type: 'labels';
  readonly description: string;
  readonly required: boolean;
}

/**
 * A JavaScript function supplied by the caller (a quality function, a callback that runs the rest of a
 * model). Never sent to the core; passed to JS engines through `ResolvedOptions.functions`.
 */
export interface FunctionOption<F extends (...args: never[]) => unknown = (...args: never[]) => unknown> {
  readonly type: 'function';
  readonly description: string;
  readonly required: boolean;
  /** Type-level only: the function's signature. */
  readonly signature?: F;
}

/**
 * A symmetric N × N matrix tied to the N inputs (e.g. the input-similarity matrix of dCKA). Validated
 * here (N × N, finite, symmetric up to {@link MATRIX_SYMMETRY_TOLERANCE} of its largest entry) and again
 * in the core, which receives it beside the scalar options, as it receives the labels.
 */
export interface MatrixOption {
  readonly type: 'matrix';
  readonly description: string;
  readonly required: boolean;
}

export type OptionSpec = NumberOption | BooleanOption | EnumOption | LabelsOption | FunctionOption | MatrixOption;
export type OptionSchema = Readonly<Record<string, OptionSpec>>;

export type Labels = Int32Array | readonly number[];

export type OptionValue<S> = S extends NumberOption
  ? number
  : S extends BooleanOption
    ? boolean
    : S extends EnumOption<infer V>
      ? V
      : S extends LabelsOption
        ? Labels
        : S extends FunctionOption<infer F>
          ? F
          : S extends MatrixOption
            ? MatrixInput
            : never;

/**
 * The options object a measure with schema S accepts (all keys optional; defaults fill the rest). A
 * measure without options accepts only an empty object (`{}` would accept any key).
 */
export type OptionsOf<S extends OptionSchema> = keyof S extends never
  ? Record<string, never>
  : { [K in keyof S]?: OptionValue<S[K]> };

export function numberOption(spec: Omit<NumberOption, 'type'>): NumberOption {
  return { type: 'number', ...spec };
}

export function booleanOption(defaultValue: boolean, description: string): BooleanOption {
  return { type: 'boolean', default: defaultValue, description };
}

export function enumOption<const V extends string>(values: readonly V[], defaultValue: V, description: string): EnumOption<V> {
  return { type: 'enum', values, default: defaultValue, description };
}

export function labelsOption(description: string, required = true): LabelsOption {
  return { type: 'labels', description, required };
}

export function functionOption<F extends (...args: never[]) => unknown>(description: string, required = false): FunctionOption<F> {
  return { type: 'function', description, required };
}

export function matrixOption(description: string, required = true): MatrixOption {
  return { type: 'matrix', description, required };
}

/** |A_ij − A_ji| ≤ this · max |A| for a matrix option (the core's kMatrixSymmetryTolerance). */
export const MATRIX_SYMMETRY_TOLERANCE = 1e-6;

/** Options split for the engine: primitive values for the core, labels separately. */
export interface ResolvedOptions {
  /** Every option with a value (given or default), labels excluded. */
  readonly values: Readonly<Record<string, number | boolean | string>>;
  /** Validated labels (Int32Array), when the schema has a labels option and labels were given. */
  readonly labels: Int32Array | undefined;
  /** Function-valued options (JS engines only), when the schema has any and they were given. */
  readonly functions?: Readonly<Record<string, (...args: never[]) => unknown>>;
  /** Validated matrix options (N × N), when the schema has any and they were given. */
  readonly matrices?: Readonly<Record<string, Matrix>>;
}

function boundsText(spec: NumberOption): string {
  const parts: string[] = [spec.integer ? 'an integer' : 'a finite number'];
  if (spec.min !== undefined) parts.push(`${spec.minExclusive ? '>' : '≥'} ${spec.min}`);
  if (spec.max !== undefined) parts.push(`${spec.maxExclusive ? '<' : '≤'} ${spec.max}`);
  return parts.join(' ');
}

function checkNumber(spec: NumberOption, value: unknown): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (spec.integer && !Number.isInteger(value)) return false;
  if (spec.min !== undefined && (value < spec.min || (spec.minExclusive && value === spec.min))) return false;
  if (spec.max !== undefined && (value > spec.max || (spec.maxExclusive && value === spec.max))) return false;
  return true;
}

/** Validates labels: integers in [0, 2^31), one per row when `rows` is given. */
export function toLabels(value: unknown, what: string, rows?: number, measure?: string): Int32Array {
  let out: Int32Array;
  if (value instanceof Int32Array) {
    out = value;
  } else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const source = value as ArrayLike<unknown>;
    out = new Int32Array(source.length);
    for (let i = 0; i < source.length; i++) {
      const v = source[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
        throw new NnsimError('E_LABELS', `${what}[${i}] must be a non-negative integer but is ${describeValue(v)}`, { measure });
      }
      out[i] = v;
    }
  } else {
    throw new NnsimError('E_LABELS', `Expected an Int32Array or number[] for ${what} but received ${describeValue(value)}`, {
      measure,
    });
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i]! < 0) throw new NnsimError('E_LABELS', `${what}[${i}] is negative (${out[i]})`, { measure });
  }
  if (rows !== undefined && out.length !== rows) {
    throw new NnsimError('E_LABELS', `${what} has ${out.length} entries but the inputs have ${rows} rows`, { measure });
  }
  return out;
}

/**
 * Validates a matrix option: a matrix input (as for representations), N × N when N is known, symmetric up
 * to MATRIX_SYMMETRY_TOLERANCE of its largest entry. Errors carry the measure.
 */
export function toMatrixOption(value: unknown, what: string, rows?: number, measure?: string): Matrix {
  let m: Matrix;
  try {
    m = toMatrix(value, what);
  } catch (error) {
    if (error instanceof NnsimError) throw new NnsimError(error.code, error.message, { measure });
    throw error;
  }
  const n = rows ?? m.rows;
  if (m.rows !== n || m.cols !== n) {
    throw new NnsimError('E_SHAPE', `${what} must be ${n} × ${n} (one row and column per input) but is ${m.rows} × ${m.cols}`, {
      measure,
    });
  }
  let largest = 0;
  for (const v of m.data) largest = Math.max(largest, Math.abs(v));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = m.data[i * n + j]!;
      const y = m.data[j * n + i]!;
      if (Math.abs(x - y) > MATRIX_SYMMETRY_TOLERANCE * largest) {
        throw new NnsimError('E_OPTION', `${what} must be symmetric: entry (${i}, ${j}) is ${x} but (${j}, ${i}) is ${y}`, {
          measure,
        });
      }
    }
  }
  return m;
}

/** Who options belong to, for messages and for the `measure` of errors. */
export interface OptionsOwner {
  /** "measure 'cka'", "persistence", "configure()" … */
  readonly name: string;
  readonly measure?: string;
}

/** Throws E_OPTION for a key of `given` that is not in `known`, suggesting the nearest known key. */
export function rejectUnknownKeys(owner: OptionsOwner, given: object, known: readonly string[]): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const suggestion = nearest(key, known);
    throw new NnsimError(
      'E_OPTION',
      `Unknown option '${key}' for ${owner.name}` +
        (suggestion ? `; did you mean '${suggestion}'?` : '') +
        (known.length ? ` Its options are: ${known.join(', ')}.` : ' It takes no options.'),
      { measure: owner.measure },
    );
  }
}

/**
 * Validates `options` against `schema` for measure `measure`: unknown keys, wrong types and
 * out-of-range values throw E_OPTION (with a suggestion for a mistyped key); defaults are filled in.
 */
export function resolveOptions(measure: string, schema: OptionSchema, options: unknown, rows?: number): ResolvedOptions {
  return resolveOptionsFor({ name: `measure '${measure}'`, measure }, schema, options, rows);
}

/** resolveOptions for any owner of an option schema (a measure, persistence …). */
export function resolveOptionsFor(owner: OptionsOwner, schema: OptionSchema, options: unknown, rows?: number): ResolvedOptions {
  const { measure } = owner;
  if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options))) {
    throw new NnsimError('E_OPTION', `Expected an options object for ${owner.name} but received ${describeValue(options)}`, {
      measure,
    });
  }
  const given = (options ?? {}) as Record<string, unknown>;
  rejectUnknownKeys(owner, given, Object.keys(schema));
  const values: Record<string, number | boolean | string> = {};
  let labels: Int32Array | undefined;
  let functions: Record<string, (...args: never[]) => unknown> | undefined;
  let matrices: Record<string, Matrix> | undefined;
  for (const [key, spec] of Object.entries(schema)) {
    const value = given[key];
    const what = `option '${key}' of ${owner.name}`;
    if (spec.type === 'function') {
      if (value === undefined) {
        if (spec.required) throw new NnsimError('E_OPTION', `${owner.name} needs option '${key}' (a function)`, { measure });
        continue;
      }
      if (typeof value !== 'function') {
        throw new NnsimError('E_OPTION', `Expected a function for ${what} but received ${describeValue(value)}`, { measure });
      }
      (functions ??= {})[key] = value as (...args: never[]) => unknown;
      continue;
    }
    if (spec.type === 'matrix') {
      if (value === undefined) {
        if (spec.required) {
          throw new NnsimError('E_OPTION', `${owner.name} needs option '${key}' (an N × N matrix${rows ? `, N = ${rows}` : ''})`, {
            measure,
          });
        }
        continue;
      }
      (matrices ??= {})[key] = toMatrixOption(value, what, rows, measure);
      continue;
    }
    if (spec.type === 'labels') {
      if (value === undefined) {
        if (spec.required) throw new NnsimError('E_LABELS', `${owner.name} needs labels (option '${key}')`, { measure });
        continue;
      }
      labels = toLabels(value, what, rows, measure);
      continue;
    }
    if (value === undefined) {
      if (spec.default !== undefined) values[key] = spec.default;
      continue;
    }
    switch (spec.type) {
      case 'number':
        if (!checkNumber(spec, value)) {
          throw new NnsimError('E_OPTION', `Expected ${boundsText(spec)} for ${what} but received ${describeValue(value)}`, {
            measure,
          });
        }
        break;
      case 'boolean':
        if (typeof value !== 'boolean') {
          throw new NnsimError('E_OPTION', `Expected a boolean for ${what} but received ${describeValue(value)}`, { measure });
        }
        break;
      case 'enum':
        if (typeof value !== 'string' || !spec.values.includes(value)) {
          throw new NnsimError(
            'E_OPTION',
            `Expected one of ${spec.values.map((v) => `'${v}'`).join(', ')} for ${what} but received ${describeValue(value)}`,
            { measure },
          );
        }
        break;
    }
    values[key] = value as number | boolean | string;
  }
  return { values, labels, ...(functions ? { functions } : {}), ...(matrices ? { matrices } : {}) };
}
