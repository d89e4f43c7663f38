// The raw binding called with hostile arguments: every call throws a coded error or returns coded
// error records; none crashes the process or reads out of bounds.
import { describe, expect, it } from 'vitest';

import { NnsimError } from '../src/errors.js';
import { nativeAddon } from '../src/native.js';

const addon = nativeAddon();
const CODES = /^E_[A-Z_]+$/;

function thrown(f: () => unknown): { code?: string; message: string } {
  try {
    f();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected a throw');
}

function rep(rows: number, cols: number, seed = 1): InstanceType<typeof addon.NativeRepresentation> {
  let s = seed;
  const data = Float64Array.from({ length: rows * cols }, () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5);
  return new addon.NativeRepresentation(data, rows, cols);
}

describe('raw binding, hostile arguments', () => {
  it('NativeRepresentation validates its arguments', () => {
    const cases: unknown[][] = [
      [],
      [undefined, 2, 2],
      [null, 2, 2],
      [[1, 2, 3, 4], 2, 2],
      [new Float32Array(4), 2, 3],
      [new Float32Array([1, NaN, 3, 4]), 2, 2],
      [new Int32Array(4), 2, 2],
      [new Float64Array(4), '2', 2],
      [new Float64Array(4), 2, NaN],
      [new Float64Array(4), -2, -2],
      [new Float64Array(4), 2.5, 2],
      [new Float64Array(4), 0, 4],
      [new Float64Array(4), 2, 3],
      [new Float64Array(4), 2 ** 31 - 1, 2 ** 31 - 1],
      [new Float64Array(4), 2 ** 53, 1],
      [new Float64Array(4), Infinity, 0],
      [new Float64Array([1, NaN, 3, 4]), 2, 2],
      [new Float64Array([1, Infinity, 3, 4]), 2, 2],
      [new Float64Array(new SharedArrayBuffer(32)), 2, 2],
      [new Float64Array(new ArrayBuffer(64), 8, 4), 2, 3],
    ];
    for (const args of cases) {
      const e = thrown(() => new (addon.NativeRepresentation as unknown as new (...a: unknown[]) => unknown)(...args));
      expect(e.code, `${String(args[0])} ${String(args[1])}×${String(args[2])}: ${e.message}`).toMatch(CODES);
    }
    const detached = new Float64Array(4);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(thrown(() => new addon.NativeRepresentation(detached, 2, 2)).code).toBe('E_DETACHED');
    // A view with an offset is read from its own window only.
    const backing = new Float64Array([99, 1, 2, 3, 4, 99]);
    const view = new Float64Array(backing.buffer, 8, 4);
    expect(new addon.NativeRepresentation(view, 2, 2).rows).toBe(2);
    // Float32Array is read in place, too.
    expect(new addon.NativeRepresentation(new Float32Array(new ArrayBuffer(24), 4, 4), 2, 2).cols).toBe(2);
  });

  it('compare hands matrix options (after labels and timeout) to the core, which checks them (N × N, symmetric) and copies them', async () => {
    const a = rep(10, 4, 1);
    const b = rep(10, 3, 2);
    const n = 10;
    const k0 = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k0[i * n + j] = Math.exp(-Math.abs(i - j));
    const input = { inputSimilarity: { data: k0, rows: n, cols: n } };
    const [value] = addon.compare(['dcka'], [{}], a, b, undefined, undefined, [input]);
    expect(typeof value).toBe('number');
    const [missing] = addon.compare(['dcka'], [{}], a, b);
    expect((missing as { code: string }).code).toBe('E_OPTION');
    const asymmetric = Float64Array.from(k0, (v, i) => (i === 1 ? v + 1 : v));
    const [refused] = addon.compare(['dcka', 'cka'], [{}, {}], a, b, undefined, undefined, [{ inputSimilarity: { data: asymmetric, rows: n, cols: n } }, undefined]);
    expect((refused as { code: string }).code).toBe('E_OPTION');
    const [wrongSize] = addon.compare(['dcka'], [{}], a, b, undefined, undefined, [{ inputSimilarity: { data: k0.slice(0, 81), rows: 9, cols: 9 } }]);
    expect((wrongSize as { code: string }).code).toBe('E_SHAPE');
    const [unknown] = addon.compare(['cka'], [{}], a, b, undefined, undefined, [input]);
    expect((unknown as { code: string }).code).toBe('E_OPTION');
    // The async call works on a copy: changing the caller's array after the call does not change the result.
    const pending = addon.compareAsync(['dcka'], [{}], a, b, undefined, undefined, undefined, [input]);
    k0.fill(0);
    expect(await pending).toEqual([value]);
  });

  it('compare validates ids, options, representations and labels', () => {
    const a = rep(10, 3);
    const b = rep(10, 4, 2);
    const bad: unknown[][] = [
      [],
      ['cka', [{}], a, b],
      [[1], [{}], a, b],
      [['cka'], {}, a, b],
      [['cka'], [], a, b],
      [['cka'], [{}], {}, b],
      [['cka'], [{}], a, new Float64Array(4)],
      [['cka'], [{}], a, b, [1, 2, 3]],
      [['cka'], [{}], a, b, new Float64Array(10)],
      [['cka'], [[1, 2]], a, b],
      [['cka'], [{ kernel: { evil: true } }], a, b],
      [['cka'], [{ kernel: () => 1 }], a, b],
      [['cka'], [{ kernel: Symbol('x') }], a, b],
    ];
    for (const args of bad) {
      const e = thrown(() => (addon.compare as (...a: unknown[]) => unknown)(...args));
      expect(e.code, e.message).toMatch(CODES);
    }
    const getterThrows = Object.defineProperty({}, 'kernel', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(() => addon.compare(['cka'], [getterThrows], a, b)).toThrow('boom');
  });

  it('reports per-measure errors as records, not crashes', () => {
    const a = rep(10, 3);
    const shorter = rep(9, 3);
    const results = addon.compare(['cka', 'no-such-id', 'procrustes', 'procrustes'], [{}, {}, { normalize: 'x' }, { center: 3 }], a, rep(10, 5, 3));
    expect(typeof results[0]).toBe('number');
    expect(results.slice(1).map((r) => (r as { code: string }).code)).toEqual(['E_UNKNOWN_MEASURE', 'E_OPTION', 'E_OPTION']);
    expect((addon.compare(['cka'], [{}], a, shorter)[0] as { code: string }).code).toBe('E_SHAPE');
    expect((addon.compare(['cka'], [{}], rep(1, 3), rep(1, 3))[0] as { code: string }).code).toBe('E_TOO_FEW_ROWS');
    const constant = new addon.NativeRepresentation(new Float64Array(30).fill(2), 10, 3);
    expect((addon.compare(['cka'], [{}], constant, a)[0] as { code: string }).code).toBe('E_DEGENERATE');
  });

  it('a released representation is refused with a typed error; release during an async call waits for it', async () => {
    const a = rep(300, 6);
    const b = rep(300, 5, 7);
    const pending = addon.compareAsync(['rsa', 'knn-jaccard'], [{}, {}], a, b, undefined, undefined, undefined);
    a.release(); // deferred: the worker still reads a
    const values = await pending;
    expect(values.every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
    expect(thrown(() => addon.compare(['cka'], [{}], a, b)).code).toBe('E_TYPE');
    b.release();
    b.release(); // idempotent
    // Called on anything but a NativeRepresentation, release throws instead of touching memory.
    const release = (addon.NativeRepresentation.prototype as unknown as { release: () => void }).release;
    for (const bogus of [{}, Object.create(addon.NativeRepresentation.prototype as object), null, 5]) {
      expect(() => release.call(bogus)).toThrow();
    }
    expect(thrown(() => addon.compareAsync(['cka'], [{}], rep(300, 6), b, undefined, undefined, undefined)).code).toBe('E_TYPE');
  });

  it('fitAffineMap validates every argument in C++ too', () => {
    const a = new Float64Array(12).map((_, i) => Math.sin(i));
    const b = new Float64Array(8).map((_, i) => Math.cos(i));
    const fit = addon.fitAffineMap(a, 4, 3, b, 4, 2, { ridge: 0.5 });
    expect(fit.weights.length).toBe(6);
    expect(fit.bias.length).toBe(2);
    const hostile: unknown[][] = [
      [],
      [a, 4, 3, b, 4],
      [a, 5, 3, b, 4, 2, {}], // rows × cols ≠ length
      [a, 4, 3, b, 3, 2, {}],
      [[1, 2], 1, 2, b, 4, 2, {}],
      [a, 4, 3, b, 4, 2, 'x'],
      [a, 4, 3, b, 4, 2, { ridge: 'x' }],
      [a, 4, 3, b, 4, 2, { ridge: -1 }],
      [a, 4, 3, b, 4, 2, { ridge: Infinity }],
      [a, 4, 3, b, 4, 2, { rigde: 1 }],
      [new Float64Array([NaN, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 4, 3, b, 4, 2, {}],
      [a, -4, -3, b, 4, 2, {}],
      [a, 4.5, 3, b, 4, 2, {}],
    ];
    for (const args of hostile) {
      const e = thrown(() => (addon.fitAffineMap as (...x: unknown[]) => unknown)(...args));
      expect(e.code, JSON.stringify(args.slice(1))).toMatch(/^E_/);
    }
  });

  it('compareAsync validates its control and callback, and survives a throwing callback', async () => {
    const a = rep(20, 3);
    const b = rep(20, 3, 5);
    expect(thrown(() => addon.compareAsync(['cka'], [{}], a, b, undefined, {} as never, undefined)).code).toBe('E_TYPE');
    expect(thrown(() => addon.compareAsync(['cka'], [{}], a, b, undefined, undefined, 42 as never)).code).toBe('E_TYPE');
    const values = await addon.compareAsync(['cka', 'procrustes'], [{}, {}], a, b, undefined, undefined, () => {
      throw new Error('callback failure');
    });
    expect(values.every((v) => typeof v === 'number')).toBe(true);
    const control = new addon.NativeControl();
    control.cancel();
    const cancelled = await addon.compareAsync(['cka'], [{}], a, b, undefined, control, undefined);
    expect((cancelled[0] as { code: string }).code).toBe('E_CANCELLED');
  });

  it('cannot be fooled into reinterpreting objects (type tags)', () => {
    const a = rep(10, 3);
    const control = new addon.NativeControl();
    // A spoofed instanceof check does not make a plain object or another class acceptable.
    const spoofed = Object.create(addon.NativeRepresentation.prototype) as object;
    Object.defineProperty(addon.NativeRepresentation, Symbol.hasInstance, { value: () => true, configurable: true });
    try {
      expect(thrown(() => addon.compare(['cka'], [{}], spoofed as never, a)).code).toBe('E_TYPE');
      expect(thrown(() => addon.compare(['cka'], [{}], control as never, a)).code).toBe('E_TYPE');
    } finally {
      delete (addon.NativeRepresentation as unknown as Record<symbol, unknown>)[Symbol.hasInstance];
    }
    // Accessors and methods applied to the wrong class throw instead of reading the wrong object.
    const rowsGetter = Object.getOwnPropertyDescriptor(addon.NativeRepresentation.prototype, 'rows')!.get!;
    expect(thrown(() => rowsGetter.call(control)).code).toBe('E_TYPE');
    expect(thrown(() => rowsGetter.call({})).message).toBeTruthy(); // refused by node-addon-api's unwrap
    const cancel = addon.NativeControl.prototype.cancel;
    expect(thrown(() => cancel.call(a)).message).toMatch(/Illegal invocation|NativeControl/); // V8's receiver check
    expect(thrown(() => addon.compareAsync(['cka'], [{}], a, a, undefined, a as never, undefined)).code).toBe('E_TYPE');
  });

  it('refuses a representation whose buffer was detached after it was prepared', () => {
    const data = Float64Array.from({ length: 30 }, (_, i) => Math.sin(i));
    const a = new addon.NativeRepresentation(data, 10, 3);
    const b = rep(10, 3);
    // Detached from inside an option getter, i.e. during argument parsing.
    const sneaky = Object.defineProperty({}, 'kernel', {
      enumerable: true,
      get() {
        structuredClone(data.buffer, { transfer: [data.buffer] });
        return 'linear';
      },
    });
    expect(thrown(() => addon.compare(['cka'], [sneaky], a, b)).code).toBe('E_DETACHED');
    expect(thrown(() => addon.compare(['cka'], [{}], a, b)).code).toBe('E_DETACHED');
    expect(thrown(() => a.rows).code).toBe('E_DETACHED');
  });

  it('NativeAccumulator validates its arguments, receivers and states', () => {
    const make = (...args: unknown[]): InstanceType<typeof addon.NativeAccumulator> =>
      new (addon.NativeAccumulator as unknown as new (...a: unknown[]) => InstanceType<typeof addon.NativeAccumulator>)(...args);
    for (const args of [
      [],
      ['cka', [{}], 2, 2, 'double'],
      [['cka'], [], 2, 2, 'double'],
      [['cka'], [{}], 0, 2, 'double'],
      [['cka'], [{}], 2, -1, 'double'],
      [['cka'], [{}], 2, 2, 'half'],
      [['knn-jaccard'], [{}], 2, 2, 'double'],
      [['nope'], [{}], 2, 2, 'double'],
      [['cka'], [{ kernel: 'cubic' }], 2, 2, 'double'],
      [[], [], 2, 2, 'double'],
    ]) {
      expect(thrown(() => make(...args)).code, JSON.stringify(args)).toMatch(CODES);
    }
    const acc = make(['cka'], [{}], 2, 3, 'double');
    for (const [a, b, rows] of [
      [new Float64Array(4), new Float64Array(5), 2],
      [new Int32Array(4), new Float64Array(6), 2],
      [[1, 2, 3, 4], new Float64Array(6), 2],
      [new Float64Array(4), new Float64Array(6), -2],
      [new Float64Array(new SharedArrayBuffer(32)), new Float64Array(6), 2],
    ] as const) {
      expect(thrown(() => acc.push(a as never, b as never, rows)).code).toMatch(CODES);
    }
    expect(acc.rows).toBe(0);
    expect(thrown(() => acc.merge(rep(4, 2) as never)).code).toBe('E_TYPE');
    expect(thrown(() => acc.merge({} as never)).code).toBe('E_TYPE');
    for (const state of [null, [], { count: 1 }, { count: { shape: [1], data: new Int32Array(1) } }, { count: { shape: [-1], data: new Float64Array(1) } }]) {
      expect(thrown(() => acc.restore(state as never)).code).toMatch(CODES);
    }
    // Accessors and methods applied to another class throw instead of reinterpreting it.
    const rows = Object.getOwnPropertyDescriptor(addon.NativeAccumulator.prototype, 'rows')!.get!;
    expect(thrown(() => rows.call(rep(4, 2))).code).toBe('E_TYPE');
    // (A receiver check of its own: an NnsimError, not V8's "Illegal invocation".)
    expect(thrown(() => addon.NativeAccumulator.prototype.result.call(new addon.NativeControl())).code).toBe('E_TYPE');
    acc.push(new Float32Array([1, 2, 3, 5, 8, 13]).subarray(0, 4), new Float64Array([1, 0, 2, 1, 1, 3]), 2);
    expect(acc.rows).toBe(2);
  });

  it('threads: validates the count', () => {
    const before = addon.getThreads();
    for (const bad of [0, -1, 1.5, NaN, 'two', 1e9]) expect(thrown(() => addon.setThreads(bad as never)).code).toMatch(CODES);
    addon.setThreads(1);
    expect(addon.getThreads()).toBe(1);
    addon.setThreads(before);
  });
});

describe('errors cross the seam once: every entry point throws real NnsimErrors', () => {
  type Call = () => unknown;
  const a = rep(10, 3);
  const b = rep(10, 4, 2);
  const control = new addon.NativeControl();
  const square = Float64Array.from([0, 1, 1, 0]);
  const raw = addon as unknown as Record<string, (...args: unknown[]) => unknown>;
  const proto = (cls: unknown) => (cls as { prototype: object }).prototype;
  const method = (cls: unknown, name: string) => (proto(cls) as Record<string, (...args: unknown[]) => unknown>)[name]!;
  const getter = (cls: unknown, name: string) => Object.getOwnPropertyDescriptor(proto(cls), name)!.get!;
  const construct = (cls: unknown, ...args: unknown[]) => new (cls as new (...x: unknown[]) => unknown)(...args);
  const accumulator = () => new addon.NativeAccumulator(['cka'], [{}], 2, 2, 'double');

  // Bad calls of each exported function and class member, with the code each must throw. A new
  // export without an entry here fails the completeness check below.
  const badCalls: Record<string, [Call, string][]> = {
    init: [[() => raw.init!(), 'E_TYPE'], [() => raw.init!({ NnsimError: 5 }), 'E_TYPE']],
    NativeRepresentation: [
      [() => construct(addon.NativeRepresentation), 'E_TYPE'],
      [() => construct(addon.NativeRepresentation, [1, 2, 3, 4], 2, 2), 'E_TYPE'],
      [() => construct(addon.NativeRepresentation, new Float64Array(5), 2, 2), 'E_SHAPE'],
      [() => construct(addon.NativeRepresentation, new Float64Array([1, NaN, 3, 4]), 2, 2), 'E_NONFINITE'],
      [() => construct(addon.NativeRepresentation, new Float64Array(new SharedArrayBuffer(32)), 2, 2), 'E_SHARED_BUFFER'],
    ],
    'NativeRepresentation#rows': [[() => getter(addon.NativeRepresentation, 'rows').call(control), 'E_TYPE']],
    'NativeRepresentation#cols': [[() => getter(addon.NativeRepresentation, 'cols').call({}), 'E_TYPE']],
    'NativeRepresentation#release': [[() => method(addon.NativeRepresentation, 'release').call(control), 'E_TYPE']],
    'NativeRepresentation#float64CopyBytes': [[() => getter(addon.NativeRepresentation, 'float64CopyBytes').call(control), 'E_TYPE']],
    NativeAccumulator: [
      [() => construct(addon.NativeAccumulator), 'E_TYPE'],
      [() => construct(addon.NativeAccumulator, ['cka'], [{}], 2, 2, 'half'), 'E_OPTION'],
      [() => construct(addon.NativeAccumulator, ['cka'], [{ kernal: 'rbf' }], 2, 2, 'double'), 'E_OPTION'],
      [() => construct(addon.NativeAccumulator, ['knn-jaccard'], [{}], 2, 2, 'double'), 'E_NOT_STREAMABLE'],
      [() => construct(addon.NativeAccumulator, ['cka'], [{}], 0, 2, 'double'), 'E_SHAPE'],
    ],
    'NativeAccumulator#push': [
      [() => method(addon.NativeAccumulator, 'push').call(a, new Float64Array(2), new Float64Array(2), 1), 'E_TYPE'],
      [() => accumulator().push(new Float64Array(4), new Float64Array(5), 2), 'E_SHAPE'],
      [() => accumulator().push(new Float64Array([1, NaN, 3, 4]), new Float64Array(4), 2), 'E_NONFINITE'],
    ],
    'NativeAccumulator#pushAsync': [
      [() => method(addon.NativeAccumulator, 'pushAsync').call(control, new Float64Array(2), new Float64Array(2), 1), 'E_TYPE'],
      [() => accumulator().pushAsync(new Float64Array(4), new Int32Array(4) as never, 2, undefined), 'E_TYPE'],
      [() => accumulator().pushAsync(new Float64Array(4), new Float64Array(4), 2, a as never), 'E_TYPE'],
    ],
    'NativeAccumulator#merge': [
      [() => method(addon.NativeAccumulator, 'merge').call({}, accumulator()), 'E_TYPE'],
      [() => accumulator().merge(a as never), 'E_TYPE'],
      [() => accumulator().merge(new addon.NativeAccumulator(['procrustes'], [{}], 2, 2, 'double')), 'E_STATE'],
    ],
    'NativeAccumulator#result': [[() => method(addon.NativeAccumulator, 'result').call(control), 'E_TYPE']],
    'NativeAccumulator#state': [[() => method(addon.NativeAccumulator, 'state').call(a), 'E_TYPE']],
    'NativeAccumulator#restore': [
      [() => method(addon.NativeAccumulator, 'restore').call(control, {}), 'E_TYPE'],
      [() => accumulator().restore({ count: { shape: [1], data: new Int32Array(1) } } as never), 'E_STATE'],
    ],
    'NativeAccumulator#rows': [[() => getter(addon.NativeAccumulator, 'rows').call(a), 'E_TYPE']],
    'NativeAccumulator#batches': [[() => getter(addon.NativeAccumulator, 'batches').call({}), 'E_TYPE']],
    NativeControl: [],
    'NativeControl#cancel': [[() => method(addon.NativeControl, 'cancel').call(a), 'E_TYPE']],
    'NativeControl#cancelled': [[() => getter(addon.NativeControl, 'cancelled').call({}), 'E_TYPE']],
    compare: [
      [() => raw.compare!(), 'E_TYPE'],
      [() => raw.compare!(['cka'], [{}], a, {}), 'E_TYPE'],
      [() => raw.compare!(['cka'], [{ kernel: () => 1 }], a, b), 'E_OPTION'],
      [() => raw.compare!(['cka'], [{}], a, b, new Float64Array(10)), 'E_TYPE'],
      [() => raw.compare!(['cka'], [{}], a, b, undefined, 'soon'), 'E_OPTION'],
      // matrices (after labels and timeout): one entry per id, each { name: { data: Float64Array, rows, cols } }
      [() => raw.compare!(['dcka'], [{}], a, b, undefined, undefined, {}), 'E_TYPE'],
      [() => raw.compare!(['dcka'], [{}], a, b, undefined, undefined, [{ inputSimilarity: new Float64Array(4) }]), 'E_OPTION'],
      [() => raw.compare!(['dcka'], [{}], a, b, undefined, undefined, [{ inputSimilarity: { data: [1, 0, 0, 1], rows: 2, cols: 2 } }]), 'E_TYPE'],
      [() => raw.compare!(['dcka'], [{}], a, b, undefined, undefined, [{ inputSimilarity: { data: new Float64Array(3), rows: 2, cols: 2 } }]), 'E_SHAPE'],
    ],
    compareAsync: [
      [() => raw.compareAsync!(['cka'], [{}], a), 'E_TYPE'],
      [() => raw.compareAsync!(['cka'], [{}], a, b, undefined, {}, undefined), 'E_TYPE'],
      [() => raw.compareAsync!(['cka'], [{}], a, b, undefined, undefined, 42), 'E_TYPE'],
      [() => raw.compareAsync!(['dcka'], [{}], a, b, undefined, undefined, undefined, [1, 2]), 'E_TYPE'],
    ],
    persistence: [
      [() => raw.persistence!(square, 2, 2, { maxDim: 2 }), 'E_OPTION'],
      [() => raw.persistence!(square, 2, 2, { maxdim: 1 }), 'E_OPTION'],
      [() => raw.persistence!(Float64Array.from([0, 1, 1, 0, 9]), 2, 2, {}), 'E_SHAPE'],
      [() => raw.persistence!(Float64Array.from([0, 1, 2, 0]), 2, 2, {}), 'E_DEGENERATE'],
    ],
    persistenceAsync: [
      [() => raw.persistenceAsync!(square, 2, 2, { threshold: -1 }, undefined), 'E_OPTION'],
      [() => raw.persistenceAsync!(Float64Array.from([0, 1, 1, 0, 9]), 2, 2, {}, undefined), 'E_SHAPE'],
      [() => raw.persistenceAsync!(square, 2, 2, {}, a), 'E_TYPE'],
    ],
    fitAffineMap: [
      [() => raw.fitAffineMap!(new Float64Array(12), 4, 3, new Float64Array(9), 4, 2, {}), 'E_SHAPE'],
      [() => raw.fitAffineMap!(new Float64Array(12), 4, 3, new Float64Array(8), 4, 2, { ridge: -1 }), 'E_OPTION'],
      [() => raw.fitAffineMap!(new Float64Array(12), 4, 3, new Float64Array(8), 4, 2, {}, -5), 'E_OPTION'],
    ],
    fitAffineMapAsync: [
      [() => raw.fitAffineMapAsync!(new Float64Array(12), 4, 3, new Float64Array(9), 4, 2, {}), 'E_SHAPE'],
      [() => raw.fitAffineMapAsync!(new Float64Array(12), 4, 3, new Float64Array(8), 4, 2, { ridge: -1 }), 'E_OPTION'],
      [() => raw.fitAffineMapAsync!(new Float64Array(12), 4, 3, new Float64Array(8), 4, 2, {}, a), 'E_TYPE'],
    ],
    setThreads: [
      [() => raw.setThreads!('two'), 'E_TYPE'],
      [() => raw.setThreads!(0), 'E_OPTION'],
    ],
    permutationNull: [
      [() => raw.permutationNull!(), 'E_TYPE'],
      [() => raw.permutationNull!('cka', {}, a, {}), 'E_TYPE'],
      [() => raw.permutationNull!('cka', {}, a, b, undefined, { permutations: 0 }), 'E_OPTION'],
      [() => raw.permutationNull!('cka', {}, a, b, undefined, {}, 'fast'), 'E_OPTION'],
    ],
    permutationNullAsync: [
      [() => raw.permutationNullAsync!('cka', {}, a, b, undefined, {}, 'auto', {}, undefined), 'E_TYPE'],
      [() => raw.permutationNullAsync!('cka', {}, a, b, undefined, {}, 'auto', undefined, 42), 'E_TYPE'],
    ],
    resampling: [
      [() => raw.resampling!('cka', {}, a, b, undefined, {}, 5), 'E_TYPE'],
      [() => raw.resampling!('cka', {}, a, b, undefined, {}, { withReplacement: 'yes', sampleSize: 10, jackknifeGroups: 0 }), 'E_TYPE'],
      [() => raw.resampling!('cka', {}, a, b, undefined, {}, { withReplacement: false, sampleSize: 10, jackknifeGroups: 0 }), 'E_OPTION'],
    ],
    resamplingAsync: [[() => raw.resamplingAsync!('cka', {}, a, b, undefined, {}, undefined), 'E_TYPE']],
    crossValidate: [
      [() => raw.crossValidate!(), 'E_TYPE'],
      [() => raw.crossValidate!('cka', {}, a, b, {}), 'E_OPTION'],
    ],
    crossValidateAsync: [[() => raw.crossValidateAsync!('procrustes', {}, a, b, {}, {}, undefined), 'E_TYPE']],
    alignmentMap: [
      [() => raw.alignmentMap!(), 'E_TYPE'],
      [() => raw.alignmentMap!('rsa', {}, a, b), 'E_OPTION'],
    ],
    inferenceIndices: [
      [() => raw.inferenceIndices!('nope', 5, 0, 0, 1, 0), 'E_TYPE'],
      [() => raw.inferenceIndices!('bootstrap', 5, 0, 0, 1, 6), 'E_OPTION'],
    ],
    estimateMemory: [
      [() => raw.estimateMemory!(5, 10, 2, 2, {}), 'E_TYPE'],
      [() => raw.estimateMemory!('no-such-measure', 10, 2, 2, {}), 'E_UNKNOWN_MEASURE'],
      [() => raw.estimateMemory!('knn-jaccard', 10, 2, 2, { k: 0 }), 'E_OPTION'],
      [() => raw.estimateMemory!('cka', -1, 2, 2, {}), 'E_SHAPE'],
    ],
    setMemoryLimit: [
      [() => raw.setMemoryLimit!('8e9'), 'E_OPTION'],
      [() => raw.setMemoryLimit!(0), 'E_OPTION'],
    ],
    sampleRows: [
      [() => raw.sampleRows!(10, 3, 0, new Float64Array(10)), 'E_TYPE'],
      [() => raw.sampleRows!(10, 3, 0, new Int32Array(4)), 'E_SHAPE'],
      [() => raw.sampleRows!(-1, 3, 0), 'E_SHAPE'],
    ],
    // Take no arguments: extra ones are ignored.
    getMemoryLimit: [],
    streamableIds: [],
    specs: [],
    measureIds: [],
    getThreads: [],
    blasInfo: [],
  };

  it('lists every exported function and class member', () => {
    const members = (cls: unknown, name: string) =>
      Object.getOwnPropertyNames(proto(cls))
        .filter((m) => m !== 'constructor')
        .map((m) => `${name}#${m}`);
    const entryPoints = [
      ...Object.keys(addon),
      ...members(addon.NativeRepresentation, 'NativeRepresentation'),
      ...members(addon.NativeControl, 'NativeControl'),
      ...members(addon.NativeAccumulator, 'NativeAccumulator'),
    ];
    expect(new Set(entryPoints)).toEqual(new Set(Object.keys(badCalls)));
  });

  it('each bad call throws an instance of NnsimError with its code', () => {
    for (const [name, calls] of Object.entries(badCalls)) {
      for (const [call, code] of calls) {
        let error: unknown;
        try {
          call();
        } catch (e) {
          error = e;
        }
        expect(error, `${name}: ${String(error)}`).toBeInstanceOf(NnsimError);
        expect((error as NnsimError).code, `${name}: ${(error as NnsimError).message}`).toBe(code);
      }
    }
    for (const name of ['specs', 'measureIds', 'getThreads', 'blasInfo']) expect(() => raw[name]!('junk', 1)).not.toThrow();
  });

  it('outcome errors and async rejections are NnsimErrors naming their measure', async () => {
    const outcomes = addon.compare(['cka', 'no-such-id', 'cka'], [{ kernal: 'rbf' }, {}, {}], a, b);
    expect(outcomes[0]).toBeInstanceOf(NnsimError);
    expect(outcomes[0]).toMatchObject({ code: 'E_OPTION', measure: 'cka' });
    expect((outcomes[0] as NnsimError).message).toContain("did you mean 'kernel'");
    expect(outcomes[1]).toMatchObject({ code: 'E_UNKNOWN_MEASURE', measure: 'no-such-id' });
    expect(typeof outcomes[2]).toBe('number');
    const cancelled = new addon.NativeControl();
    cancelled.cancel();
    const aborted = await addon.compareAsync(['cka', 'procrustes'], [{}, {}], a, b, undefined, cancelled, undefined);
    expect(aborted.map((o) => o instanceof NnsimError && [o.code, o.measure])).toEqual([
      ['E_CANCELLED', 'cka'],
      ['E_CANCELLED', 'procrustes'],
    ]);
    const asymmetric = addon.persistenceAsync(Float64Array.from([0, 1, 2, 0]), 2, 2, {}, undefined);
    await expect(asymmetric).rejects.toBeInstanceOf(NnsimError);
    await expect(asymmetric).rejects.toMatchObject({ code: 'E_DEGENERATE' });
  });

  it('accumulator outcomes and async push rejections are NnsimErrors naming their measure', async () => {
    const acc = new addon.NativeAccumulator(['cka', 'magnitude-difference'], [{}, {}], 2, 2, 'double');
    acc.push(new Float64Array(8).fill(1), Float64Array.from([1, 2, 3, 4, 5, 6, 7, 9]), 4);
    const [cka, magnitude] = acc.result();
    expect(cka).toBeInstanceOf(NnsimError);
    expect(cka).toMatchObject({ code: 'E_DEGENERATE', measure: 'cka' });
    expect(typeof magnitude).toBe('number');
    const cancelled = new addon.NativeControl();
    cancelled.cancel();
    const rejected = await acc.pushAsync(new Float64Array(4), new Float64Array(4), 2, cancelled).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(rejected).toBeInstanceOf(NnsimError);
    expect(rejected).toMatchObject({ code: 'E_CANCELLED' });
    expect(acc.rows).toBe(4);
  });

  it('a buffer longer (or shorter) than rows × cols is refused with E_SHAPE everywhere', async () => {
    for (const length of [5, 3, 8]) {
      const data = new Float64Array(length);
      expect(thrown(() => new addon.NativeRepresentation(data, 2, 2)).code, `length ${length}`).toBe('E_SHAPE');
      expect(thrown(() => addon.persistence(data, 2, 2, {})).code, `length ${length}`).toBe('E_SHAPE');
      expect(thrown(() => addon.persistenceAsync(data, 2, 2, {}, undefined)).code, `length ${length}`).toBe('E_SHAPE');
      expect(thrown(() => addon.fitAffineMap(data, 2, 2, new Float64Array(2), 2, 1, {})).code).toBe('E_SHAPE');
      expect(thrown(() => addon.fitAffineMap(new Float64Array(4), 2, 2, data, 2, 1, {})).code).toBe('E_SHAPE');
    }
    // A view's own length counts, not its buffer's.
    const view = new Float64Array(new ArrayBuffer(64), 8, 5);
    expect(thrown(() => new addon.NativeRepresentation(view, 2, 2)).code).toBe('E_SHAPE');
  });

  it('the core rejects unknown option keys itself (no silent default)', () => {
    const [value] = addon.compare(['cka'], [{ kernal: 'rbf' }], a, b);
    expect(value).toMatchObject({ code: 'E_OPTION' });
    expect(thrown(() => addon.persistence(square, 2, 2, { treshold: 1 })).message).toContain("did you mean 'threshold'");
  });
});
