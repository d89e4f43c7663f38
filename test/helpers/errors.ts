/** Assertions about the typed errors nnsim raises. */
import { expect } from 'vitest';

import { NnsimError } from '../../src/errors.js';

/** The NnsimError `f` throws; fails the test when it throws nothing or something else. */
export function errorOf(f: () => unknown): NnsimError {
  try {
    f();
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(NnsimError);
    return e as NnsimError;
  }
  throw new Error('expected an NnsimError');
}
