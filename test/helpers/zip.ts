/**
 * A small zip writer for reader tests: well-formed archives like numpy.savez writes them, and hostile
 * ones (overlapping entries, sizes that lie, corrupt streams) built from explicit local-header offsets.
 */
import { deflateRawSync as deflateSync } from 'node:zlib';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A v1.0 .npy file of float64 `values` with the given shape (C order). */
export function npyBytes(shape: readonly number[], values?: Float64Array | ((count: number) => Uint8Array)): Uint8Array {
  const count = shape.reduce((p, d) => p * d, 1);
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const headerLength = Math.ceil((dict.length + 11) / 64) * 64 - 10;
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';
  const data = typeof values === 'function' ? values(count) : new Uint8Array((values ?? new Float64Array(count)).buffer);
  const out = new Uint8Array(10 + headerLength + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, headerLength & 0xff, headerLength >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + headerLength);
  return out;
}

export interface ZipEntrySpec {
  readonly name: string;
  /** The uncompressed entry. */
  readonly data: Uint8Array;
  readonly method?: 0 | 8;
  /** Replaces the deflated stream (e.g. with a corrupt one); sizes and CRC still describe `data`. */
  readonly stream?: Uint8Array;
  /** Lies in the central directory. */
  readonly size?: number;
  readonly compressedSize?: number;
  /** This entry's central-directory record points at the local header of entry `sharesLocalOf`. */
  readonly sharesLocalOf?: number;
}

/** A zip archive with one local header + data per entry (unless shared), a central directory and its end record. */
export function zipBytes(entries: readonly ZipEntrySpec[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const records: { spec: ZipEntrySpec; name: Uint8Array; crc: number; stream: Uint8Array; offset: number }[] = [];
  for (const spec of entries) {
    const name = new TextEncoder().encode(spec.name);
    if (spec.sharesLocalOf !== undefined) {
      const shared = records[spec.sharesLocalOf]!;
      records.push({ ...shared, spec: { ...shared.spec, name: spec.name }, name });
      continue;
    }
    const method = spec.method ?? 8;
    const stream = spec.stream ?? (method === 8 ? deflateSync(spec.data) : spec.data);
    const crc = crc32(spec.data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(8, method, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, stream.length, true);
    local.setUint32(22, spec.data.length, true);
    local.setUint16(26, name.length, true);
    records.push({ spec, name, crc, stream, offset });
    parts.push(new Uint8Array(local.buffer), name, stream);
    offset += 30 + name.length + stream.length;
  }
  const directoryOffset = offset;
  for (const { spec, name, crc, stream, offset: at } of records) {
    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, 0x02014b50, true);
    central.setUint16(4, 20, true);
    central.setUint16(6, 20, true);
    central.setUint16(10, spec.method ?? 8, true);
    central.setUint32(16, crc, true);
    central.setUint32(20, spec.compressedSize ?? stream.length, true);
    central.setUint32(24, spec.size ?? spec.data.length, true);
    central.setUint16(28, name.length, true);
    central.setUint32(42, at, true);
    parts.push(new Uint8Array(central.buffer), name);
    offset += 46 + name.length;
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, records.length, true);
  end.setUint16(10, records.length, true);
  end.setUint32(12, offset - directoryOffset, true);
  end.setUint32(16, directoryOffset, true);
  parts.push(new Uint8Array(end.buffer));
  const out = new Uint8Array(offset + 22);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
