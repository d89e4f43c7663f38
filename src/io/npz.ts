/**
 * NumPy .npz reader: a zip archive of .npy files (numpy.savez: stored; numpy.savez_compressed:
 * deflated). The zip is read with fflate; each entry's claimed sizes are checked against the archive
 * before anything is inflated, so a hostile archive cannot make us allocate more than deflate's
 * maximum expansion of the bytes actually present.
 */
import { unzipSync } from 'fflate';

import { NnsimError } from '../errors.js';
import { type ArrayEntry, fileError, naturalCompare } from './array.js';
import { readNpy } from './npy.js';

/** Deflate cannot expand data by more than about 1032:1 (RFC 1951: 258-byte matches from 2 bits). */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Reads the arrays of a .npz (all of them, or only `only`), in the archive's order. Entry names lose
 * their `.npy` suffix, as numpy.load does.
 */
export function readNpz(bytes: Uint8Array, source: string, only?: string): ArrayEntry[] {
  if (bytes.length < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw fileError(source, 'not a .npz file (no zip signature); write it with numpy.savez or numpy.savez_compressed');
  }
  const order: string[] = [];
  let refusal: NnsimError | undefined;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (info) => {
        if (refusal) return false;
        const name = info.name.endsWith('.npy') ? info.name.slice(0, -4) : info.name;
        if (only !== undefined && name !== only) return false;
        const where = `${source}#${name}`;
        if (info.compression !== 0 && info.compression !== 8) {
          refusal = fileError(where, `zip compression method ${info.compression} is not supported; use numpy.savez or numpy.savez_compressed`);
          return false;
        }
        const sizesOk =
          Number.isSafeInteger(info.size) &&
          Number.isSafeInteger(info.originalSize) &&
          info.size >= 0 &&
          info.size <= bytes.length &&
          (info.compression === 0 ? info.originalSize === info.size : info.originalSize <= info.size * MAX_DEFLATE_RATIO + 64);
        if (!sizesOk) {
          refusal = fileError(where, `zip entry sizes are inconsistent (${info.size} → ${info.originalSize} bytes); the archive is corrupt`);
          return false;
        }
        order.push(info.name);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof NnsimError) throw error;
    throw fileError(source, `not a readable .npz archive (${(error as Error)?.message ?? String(error)}); the file is corrupt or truncated`);
  }
  if (refusal) throw refusal;
  const entries: ArrayEntry[] = [];
  for (const entryName of order) {
    const data = files[entryName];
    if (!data) continue;
    const name = entryName.endsWith('.npy') ? entryName.slice(0, -4) : entryName;
    entries.push(readNpy(data, `${source}#${name}`, name));
  }
  if (only !== undefined && entries.length === 0) {
    throw fileError(source, `has no array named '${only}'; ${describeNames(bytes, source)}`);
  }
  if (entries.length === 0) throw fileError(source, 'the archive holds no arrays');
  return entries;
}

function describeNames(bytes: Uint8Array, source: string): string {
  try {
    const names: string[] = [];
    unzipSync(bytes, {
      filter: (info) => {
        names.push(info.name.replace(/\.npy$/, ''));
        return false;
      },
    });
    return `it has: ${names.sort(naturalCompare).join(', ')}`;
  } catch {
    return `list them with numpy.load('${source}').files`;
  }
}
