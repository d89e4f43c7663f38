/**
 * NumPy .npy reader (format versions 1.0, 2.0 and 3.0, as documented in numpy.lib.format): a magic
 * string, a version, a little-endian header length (2 bytes in v1, 4 in v2/v3), a Python dict literal
 * {'descr': …, 'fortran_order': …, 'shape': (…)}, then the raw data. Object arrays are pickles and are
 * never read; structured dtypes are refused.
 */
import { type ArrayEntry, type DType, ITEM_SIZE, decodeElements, elementCount, fileError, float32Elements, fortranToC } from './array.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

type PyValue = string | number | boolean | null | PyValue[] | { kind: 'tuple'; items: PyValue[] } | Map<string, PyValue>;

/** A strict parser for the small Python-literal subset numpy writes in .npy headers. */
class LiteralParser {
  #pos = 0;
  constructor(
    private readonly text: string,
    private readonly source: string,
  ) {}

  parse(): PyValue {
    const value = this.#value(0);
    this.#space();
    if (this.#pos !== this.text.length) throw this.#error('unexpected text after the header dict');
    return value;
  }

  #error(what: string): Error {
    return fileError(this.source, `malformed .npy header (${what}); the file is corrupt or not written by numpy`);
  }

  #space(): void {
    while (this.#pos < this.text.length && /\s/.test(this.text[this.#pos]!)) this.#pos++;
  }

  #value(depth: number): PyValue {
    if (depth > 8) throw this.#error('nested too deeply');
    this.#space();
    const c = this.text[this.#pos];
    if (c === undefined) throw this.#error('unexpected end');
    if (c === "'" || c === '"') return this.#string(c);
    if (c === '{') return this.#dict(depth);
    if (c === '(' || c === '[') return this.#sequence(depth, c === '(' ? ')' : ']');
    const word = /^(True|False|None|-?\d+L?)/.exec(this.text.slice(this.#pos, this.#pos + 40));
    if (!word) throw this.#error(`unexpected '${c}'`);
    this.#pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    const n = Number(word[0].replace('L', ''));
    if (!Number.isSafeInteger(n)) throw this.#error(`integer ${word[0]} out of range`);
    return n;
  }

  #string(quote: string): string {
    const end = this.text.indexOf(quote, this.#pos + 1);
    if (end < 0) throw this.#error('unterminated string');
    const s = this.text.slice(this.#pos + 1, end);
    if (s.includes('\\')) throw this.#error('escapes in strings');
    this.#pos = end + 1;
    return s;
  }

  #sequence(depth: number, close: string): PyValue {
    this.#pos++;
    const items: PyValue[] = [];
    for (;;) {
      this.#space();
      if (this.text[this.#pos] === close) {
        this.#pos++;
        break;
      }
      items.push(this.#value(depth + 1));
      this.#space();
      const c = this.text[this.#pos];
      if (c === ',') this.#pos++;
      else if (c !== close) throw this.#error(`expected ',' or '${close}'`);
    }
    return close === ')' ? { kind: 'tuple', items } : items;
  }

  #dict(depth: number): PyValue {
    this.#pos++;
    const map = new Map<string, PyValue>();
    for (;;) {
      this.#space();
      if (this.text[this.#pos] === '}') {
        this.#pos++;
        break;
      }
      const key = this.#value(depth + 1);
      if (typeof key !== 'string') throw this.#error('dict key is not a string');
      this.#space();
      if (this.text[this.#pos] !== ':') throw this.#error("expected ':'");
      this.#pos++;
      map.set(key, this.#value(depth + 1));
      this.#space();
      const c = this.text[this.#pos];
      if (c === ',') this.#pos++;
      else if (c !== '}') throw this.#error("expected ',' or '}'");
    }
    return map;
  }
}

const KINDS: Readonly<Record<string, Readonly<Record<number, DType>>>> = {
  f: { 2: 'float16', 4: 'float32', 8: 'float64' },
  i: { 1: 'int8', 2: 'int16', 4: 'int32', 8: 'int64' },
  u: { 1: 'uint8', 2: 'uint16', 4: 'uint32', 8: 'uint64' },
  b: { 1: 'bool' },
};

/** numpy descr ('<f4', '>i8', '|u1', '|b1' …) → dtype and byte order. */
function parseDescr(descr: PyValue, source: string): { dtype: DType; littleEndian: boolean } {
  if (Array.isArray(descr)) {
    throw fileError(source, 'structured (record) dtype is not supported; save a plain numeric array (one field)');
  }
  if (typeof descr !== 'string') throw fileError(source, "malformed .npy header ('descr' is not a string)");
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (m && m[2] === 'O') {
    throw fileError(
      source,
      `dtype '${descr}' holds Python objects (a pickle), which nnsim never loads; save a numeric array, e.g. np.save(f, a.astype(np.float32))`,
    );
  }
  const dtype = m ? KINDS[m[2]!]?.[Number(m[3])] : undefined;
  if (!m || !dtype) {
    throw fileError(source, `unsupported dtype '${descr}'; nnsim reads float16/32/64, signed and unsigned integers and bool: convert with a.astype(np.float32)`);
  }
  const order = m[1]!;
  if (order === '|' && ITEM_SIZE[dtype] > 1) throw fileError(source, `dtype '${descr}' has no byte order; the header is corrupt`);
  return { dtype, littleEndian: order !== '>' };
}

/** The parsed header of a .npy file and where its data starts. */
export interface NpyHeader {
  readonly dtype: DType;
  readonly littleEndian: boolean;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  readonly dataOffset: number;
}

/**
 * Where the header of a .npy ends, from its first 12 bytes (the preamble: magic, version, header
 * length), so that a reader of a compressed .npy knows how much to inflate; undefined when the
 * preamble is not one (parseNpyHeader then says what is wrong).
 */
export function npyHeaderEnd(preamble: Uint8Array): number | undefined {
  if (preamble.length < 12 || MAGIC.some((b, i) => preamble[i] !== b)) return undefined;
  const view = new DataView(preamble.buffer, preamble.byteOffset, preamble.byteLength);
  if (preamble[6] === 1) return 10 + view.getUint16(8, true);
  if (preamble[6] === 2 || preamble[6] === 3) return 12 + view.getUint32(8, true);
  return undefined;
}

/**
 * Parses and checks the header: every size claim is checked against the bytes actually present, or,
 * for a header read from the first bytes of a compressed entry, against the entry's full length.
 */
export function parseNpyHeader(bytes: Uint8Array, source: string, length = bytes.length): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw fileError(source, 'not a .npy file (no \\x93NUMPY magic); write it with numpy.save');
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw fileError(source, 'the file is truncated inside the .npy preamble');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw fileError(source, `unsupported .npy format version ${major}.${bytes[7]}; nnsim reads versions 1.0–3.0`);
  }
  if (headerStart + headerLength > length) {
    throw fileError(
      source,
      `the .npy header claims ${headerLength} bytes but the file has only ${length - headerStart} after the preamble; the file is truncated or corrupt`,
    );
  }
  if (headerStart + headerLength > bytes.length) throw fileError(source, `the .npy header of ${headerLength} bytes is too long; the file is corrupt`);
  const raw = bytes.subarray(headerStart, headerStart + headerLength);
  let text: string;
  try {
    // v1/v2 headers are latin-1 (ASCII in practice); v3 allows UTF-8.
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(raw);
  } catch {
    throw fileError(source, 'malformed .npy header (not valid text); the file is corrupt');
  }
  const header = new LiteralParser(text, source).parse();
  if (!(header instanceof Map)) throw fileError(source, 'malformed .npy header (not a dict)');
  const keys = [...header.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') {
    throw fileError(source, `malformed .npy header (keys ${keys || 'none'}; expected descr, fortran_order, shape)`);
  }
  const { dtype, littleEndian } = parseDescr(header.get('descr')!, source);
  const fortranOrder = header.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') throw fileError(source, "malformed .npy header ('fortran_order' is not True/False)");
  const shapeValue = header.get('shape');
  if (!(shapeValue && typeof shapeValue === 'object' && 'kind' in shapeValue) || shapeValue.items.some((d) => typeof d !== 'number')) {
    throw fileError(source, "malformed .npy header ('shape' is not a tuple of integers)");
  }
  const shape = shapeValue.items as number[];
  if (shape.length > 32) throw fileError(source, `malformed .npy header (${shape.length} dimensions)`);
  const count = elementCount(shape, source);
  const dataOffset = headerStart + headerLength;
  const available = length - dataOffset;
  const needed = count * ITEM_SIZE[dtype];
  if (needed > available) {
    throw fileError(
      source,
      `the header promises ${needed} bytes of data (shape (${shape.join(', ')}), ${dtype}) but the file holds ${available}; the file is truncated`,
    );
  }
  if (needed < available) {
    // numpy.load reads the first array and ignores the rest; that rest is usually a second np.save to the
    // same file, which nnsim will not silently drop.
    throw fileError(
      source,
      `${available - needed} unexpected bytes after the data of shape (${shape.join(', ')}); the file is corrupt or holds several arrays saved one after another (save them with numpy.savez)`,
    );
  }
  return { dtype, littleEndian, fortranOrder, shape, dataOffset };
}

/** Reads a .npy held in memory: the header is checked now, the data decoded by `decode()`. */
export function readNpy(bytes: Uint8Array, source: string, name: string): ArrayEntry {
  const header = parseNpyHeader(bytes, source);
  return {
    source,
    name,
    shape: header.shape,
    dtype: header.dtype,
    decodeSource(): Float64Array | Float32Array {
      if (header.dtype !== 'float32' || !header.littleEndian || header.fortranOrder) return this.decode();
      return float32Elements(bytes.subarray(header.dataOffset), elementCount(header.shape, source), source, header.shape);
    },
    decode(): Float64Array {
      const count = elementCount(header.shape, source);
      const data = decodeElements(bytes.subarray(header.dataOffset), header.dtype, count, header.littleEndian, source, header);
      return header.fortranOrder ? fortranToC(data, header.shape) : data;
    },
  };
}
