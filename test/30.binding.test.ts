// The raw binding called with hostile arguments: every call throws a coded error or returns coded
// error records; none crashes the process or reads out of bounds.
import { describe, expect, it } from 'vitest';

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
    const fit = addon.fitAffineMap(a, 4, 3, b, 4, 2, 0.5);
    expect(fit.weights.length).toBe(6);
    expect(fit.bias.length).toBe(2);
    const hostile: unknown[][] = [
      [],
      [a, 4, 3, b, 4, 2],
      [a, 5, 3, b, 4, 2, 0], // rows × cols ≠ length
      [a, 4, 3, b, 3, 2, 0],
      [[1, 2], 1, 2, b, 4, 2, 0],
      [a, 4, 3, b, 4, 2, 'x'],
      [a, 4, 3, b, 4, 2, -1],
      [a, 4, 3, b, 4, 2, Infinity],
      [new Float64Array([NaN, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 4, 3, b, 4, 2, 0],
      [a, -4, -3, b, 4, 2, 0],
      [a, 4.5, 3, b, 4, 2, 0],
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
    expect(thrown(() => addon.NativeAccumulator.prototype.result.call(new addon.NativeControl())).message).toMatch(/Illegal invocation/);
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
