/**
 * The JSON documents nnsim writes — `nnsim compare --json`, `nnsim list --json`, a report's
 * results.json and the demo's functional.json — share a header: `schema` ("nnsim/<kind>@<version>",
 * bumped when a field changes meaning or disappears) and `nnsimVersion` (the package version that wrote
 * it). JSON has no Infinity: an infinite end of a declared `range` is written as null and the object gets
 * `rangeInfinite: [lower, upper]` saying which ends are infinite; any other non-finite number is null.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageRoot } from './native.js';

/** Version of every document kind's layout (one number: the kinds change together). */
export const JSON_SCHEMA_VERSION = 1;

export type JsonDocumentKind = 'compare' | 'list' | 'pairwise' | 'functional';

let cachedVersion: string | undefined;

/** The installed package's version (package.json). */
export function nnsimVersion(): string {
  if (cachedVersion === undefined) {
    try {
      cachedVersion = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}

function isRange(value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number');
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (value instanceof Int32Array) return `labels(${value.length})`;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && isRange((value as { range?: unknown }).range)) {
    const range = (value as { range: [number, number] }).range;
    return { ...value, range, rangeInfinite: [range[0] === -Infinity, range[1] === Infinity] };
  }
  return value;
}

/** `body` as a JSON document of `kind`, header first (pretty-printed, one space per level). */
export function jsonDocument(kind: JsonDocumentKind, body: object): string {
  return JSON.stringify({ schema: `nnsim/${kind}@${JSON_SCHEMA_VERSION}`, nnsimVersion: nnsimVersion(), ...body }, replacer, 1);
}
