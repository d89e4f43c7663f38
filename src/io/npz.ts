/**
 * NumPy .npz reader: a zip archive of .npy files (numpy.savez: stored; numpy.savez_compressed:
 * deflated). The zip directory is parsed and checked here before anything is inflated: every entry's
 * data must lie inside the file, before the directory, and apart from every other entry's (overlapping
 * entries are how a few kilobytes of zip inflate to gigabytes), and its claimed size must be one that
 * deflate can produce from its compressed bytes. Then only the first bytes of each entry are inflated,
 * for its .npy header: shape and dtype are known, and checked against the entry's size, while the data
 * is still compressed. decode() inflates exactly the promised size (a stream that yields more is refused)
 * and checks the CRC-32.
 */
import { crc32, constants as zlib, inflateRawSync } from 'node:zlib';

import { type ArrayEntry, fileError, naturalCompare } from './array.js';
import { npyHeaderEnd, parseNpyHeader, readNpy } from './npy.js';

/** Deflate cannot expand data by more than about 1032:1 (RFC 1951: 258-byte matches from 2 bits). */
const MAX_DEFLATE_RATIO = 1032;

/** The largest .npy header read from inside an archive (numpy writes ~128 bytes; np.load refuses > 10 000). */
const MAX_NPY_HEADER = 65536;

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_END_LOCATOR = 0x07064b50;
const ZIP64_END_OF_DIRECTORY = 0x06064b50;
const DIRECTORY_RECORD = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Where the entry's local header starts and where its (compressed) data starts and ends. */
  readonly localOffset: number;
  readonly dataStart: number;
  readonly dataEnd: number;
  /** Offset of the name in the entry's directory record (compared with its local header's). */
  readonly directoryName: number;
}

function corrupt(source: string, what: string): Error {
  return fileError(source, `${what}; the archive is corrupt or truncated`);
}

/** Offset of the end-of-central-directory record (it ends the file, followed by a comment of ≤ 65535 bytes). */
function findEndOfDirectory(view: DataView, source: string): number {
  const last = view.byteLength - 22;
  for (let at = last; at >= Math.max(0, last - 65535); at--) {
    if (view.getUint32(at, true) === END_OF_DIRECTORY && at + 22 + view.getUint16(at + 20, true) === view.byteLength) return at;
  }
  throw corrupt(source, 'not a readable .npz archive (no zip end-of-directory record)');
}

/** Size fields of 0xFFFFFFFF are in the entry's zip64 extra field (id 1), in this order. */
function zip64Fields(view: DataView, extraStart: number, extraEnd: number, wanted: readonly boolean[], source: string): number[] {
  for (let at = extraStart; at + 4 <= extraEnd; ) {
    const id = view.getUint16(at, true);
    const length = view.getUint16(at + 2, true);
    if (at + 4 + length > extraEnd) break;
    if (id === 1) {
      const values: number[] = [];
      let field = at + 4;
      for (const want of wanted) {
        if (!want) continue;
        if (field + 8 > at + 4 + length) throw corrupt(source, 'a zip64 extra field is too short');
        values.push(Number(view.getBigUint64(field, true)));
        field += 8;
      }
      return values;
    }
    at += 4 + length;
  }
  throw corrupt(source, 'a zip entry needs a zip64 extra field that is missing');
}

/** The archive's entries, each checked against the file and against the others; nothing is inflated. */
function readDirectory(bytes: Uint8Array, source: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfDirectory(view, source);
  let count = view.getUint16(end + 10, true);
  let directorySize = view.getUint32(end + 12, true);
  let directoryOffset = view.getUint32(end + 16, true);
  let directoryLimit = end;
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_END_LOCATOR) throw corrupt(source, 'the zip64 end-of-directory locator is missing');
    const record = Number(view.getBigUint64(locator + 8, true));
    if (record > locator - 56 || view.getUint32(record, true) !== ZIP64_END_OF_DIRECTORY) throw corrupt(source, 'the zip64 end-of-directory record is missing');
    count = Number(view.getBigUint64(record + 32, true));
    directorySize = Number(view.getBigUint64(record + 40, true));
    directoryOffset = Number(view.getBigUint64(record + 48, true));
    directoryLimit = record;
  }
  if (directoryOffset + directorySize > directoryLimit || count > directorySize / 46) {
    throw corrupt(source, `the zip directory (${count} entries, ${directorySize} bytes at ${directoryOffset}) does not fit in the file`);
  }
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let at = directoryOffset;
  for (let k = 0; k < count; k++) {
    if (at + 46 > directoryOffset + directorySize || view.getUint32(at, true) !== DIRECTORY_RECORD) throw corrupt(source, `zip directory record ${k} is malformed`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localOffset = view.getUint32(at + 42, true);
    const nameEnd = at + 46 + nameLength;
    const next = nameEnd + extraLength + commentLength;
    if (next > directoryOffset + directorySize) throw corrupt(source, `zip directory record ${k} runs past the directory`);
    // v1/v2 zips name entries in CP437 unless flag bit 11 says UTF-8; latin1 keeps ASCII names as they are.
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(bytes.subarray(at + 46, nameEnd));
    const where = `${source}#${name.replace(/\.npy$/, '')}`;
    const wide = [size === 0xffffffff, compressedSize === 0xffffffff, localOffset === 0xffffffff];
    if (wide.some(Boolean)) {
      const values = zip64Fields(view, nameEnd, nameEnd + extraLength, wide, where);
      if (wide[0]) size = values.shift()!;
      if (wide[1]) compressedSize = values.shift()!;
      if (wide[2]) localOffset = values.shift()!;
    }
    if (flags & 0x1) throw fileError(where, 'the zip entry is encrypted; write the archive with numpy.savez or numpy.savez_compressed');
    if (method !== 0 && method !== 8) throw fileError(where, `zip compression method ${method} is not supported; use numpy.savez or numpy.savez_compressed`);
    if (names.has(name)) throw corrupt(source, `the archive has two entries named '${name}'`);
    names.add(name);
    const sizesOk =
      Number.isSafeInteger(size) &&
      Number.isSafeInteger(compressedSize) &&
      (method === 0 ? size === compressedSize : size <= compressedSize * MAX_DEFLATE_RATIO + 64);
    if (!sizesOk) throw fileError(where, `zip entry sizes are inconsistent (${compressedSize} → ${size} bytes); the archive is corrupt`);
    // The local header repeats the name; its own extra field may differ in length from the directory's.
    if (localOffset + 30 > directoryOffset || view.getUint32(localOffset, true) !== LOCAL_HEADER) {
      throw corrupt(where, `the zip entry's local header (at ${localOffset}) is missing or lies past the data`);
    }
    const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    const dataEnd = dataStart + compressedSize;
    if (dataEnd > directoryOffset) {
      throw corrupt(where, `the zip entry's ${compressedSize} bytes of data run past the end of the data area (the directory starts at ${directoryOffset})`);
    }
    entries.push({ name, method, crc, compressedSize, size, localOffset, dataStart, dataEnd, directoryName: at + 46 });
    at = next;
  }
  // Each entry's bytes (local header through data) must be its own.
  const byOffset = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let k = 1; k < byOffset.length; k++) {
    if (byOffset[k]!.localOffset < byOffset[k - 1]!.dataEnd) {
      throw corrupt(source, `zip entries '${byOffset[k - 1]!.name}' and '${byOffset[k]!.name}' overlap (a zip bomb or a damaged archive)`);
    }
  }
  for (const e of entries) {
    const nameLength = view.getUint16(e.localOffset + 26, true);
    const local = bytes.subarray(e.localOffset + 30, e.localOffset + 30 + nameLength);
    if (nameLength !== view.getUint16(e.directoryName - 46 + 28, true) || local.some((b, i) => b !== bytes[e.directoryName + i])) {
      throw corrupt(`${source}#${e.name.replace(/\.npy$/, '')}`, "the zip entry's name differs between its local header and the directory");
    }
  }
  return entries;
}

/** The first `length` bytes of a deflated stream: only a prefix of the stream is inflated, doubled until it is enough. */
function inflatePrefix(stream: Uint8Array, length: number, where: string): Uint8Array {
  // k bytes of deflate inflate to at most ~1032·k, so each try is bounded by its input.
  for (let take = Math.min(4096, stream.length); ; take = Math.min(2 * take, stream.length)) {
    let out: Uint8Array;
    try {
      out = inflateRawSync(stream.subarray(0, take), { finishFlush: zlib.Z_SYNC_FLUSH, maxOutputLength: Math.max(length, 1032 * take + 64) });
    } catch (error) {
      throw fileError(where, `the deflated data is corrupt (${(error as Error)?.message ?? String(error)})`);
    }
    if (out.length >= length || take === stream.length) return out.subarray(0, length);
  }
}

/** The entry's bytes: exactly its promised size (a stream that yields more is cut off and refused), CRC-32 checked. */
function inflateEntry(bytes: Uint8Array, entry: ZipEntry, where: string): Uint8Array {
  const stream = bytes.subarray(entry.dataStart, entry.dataEnd);
  let out = stream;
  if (entry.method === 8) {
    try {
      out = inflateRawSync(stream, { maxOutputLength: Math.max(entry.size, 1) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException)?.code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        throw fileError(where, `the deflated data holds more than the ${entry.size} bytes the zip directory promises; the archive is corrupt`);
      }
      throw fileError(where, `the deflated data is corrupt (${(error as Error)?.message ?? String(error)}); the archive is damaged`);
    }
    if (out.length !== entry.size) {
      throw fileError(where, `the deflated data holds ${out.length} bytes but the zip directory promises ${entry.size}; the archive is truncated or corrupt`);
    }
  }
  if (crc32(out) !== entry.crc) throw fileError(where, 'the zip entry fails its CRC-32 check; the archive is corrupt');
  return out;
}

function checkedDirectory(bytes: Uint8Array, source: string): ZipEntry[] {
  if (bytes.length < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw fileError(source, 'not a .npz file (no zip signature); write it with numpy.savez or numpy.savez_compressed');
  }
  return readDirectory(bytes, source);
}

/** The names of the archive's entries (`layer1.npy` …), from its checked directory; nothing is inflated. */
export function npzEntryNames(bytes: Uint8Array, source: string): string[] {
  return checkedDirectory(bytes, source).map((e) => e.name);
}

/**
 * Reads the arrays of a .npz (all of them, or only `only`), in the archive's order. Entry names lose
 * their `.npy` suffix, as numpy.load does. Only the headers are read; decode() inflates the data.
 */
export function readNpz(bytes: Uint8Array, source: string, only?: string): ArrayEntry[] {
  const directory = checkedDirectory(bytes, source);
  const arrayName = (entry: ZipEntry): string => (entry.name.endsWith('.npy') ? entry.name.slice(0, -4) : entry.name);
  const selected = directory.filter((e) => only === undefined || arrayName(e) === only);
  if (only !== undefined && selected.length === 0) {
    throw fileError(source, `has no array named '${only}'; it has: ${directory.map(arrayName).sort(naturalCompare).join(', ')}`);
  }
  if (selected.length === 0) throw fileError(source, 'the archive holds no arrays');
  return selected.map((entry) => {
    const name = arrayName(entry);
    const where = `${source}#${name}`;
    const stream = bytes.subarray(entry.dataStart, entry.dataEnd);
    const prefix = (length: number): Uint8Array =>
      entry.method === 0 ? stream.subarray(0, Math.min(length, entry.size)) : inflatePrefix(stream, Math.min(length, entry.size), where);
    // The preamble says how long the header is; then the header itself is inflated and checked against
    // the entry's size as if the whole .npy were present.
    const headerEnd = npyHeaderEnd(prefix(12)) ?? 12;
    if (headerEnd > MAX_NPY_HEADER + 12) {
      throw fileError(where, `the .npy header claims ${headerEnd - 12} bytes or more, more than nnsim reads (${MAX_NPY_HEADER}); the file is corrupt`);
    }
    const header = parseNpyHeader(prefix(headerEnd), where, entry.size);
    return {
      source: where,
      name,
      shape: header.shape,
      dtype: header.dtype,
      decode: () => readNpy(inflateEntry(bytes, entry, where), where, name).decode(),
    };
  });
}
