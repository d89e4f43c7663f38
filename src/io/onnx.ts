/**
 * The few parts of an ONNX model (a protobuf ModelProto, onnx/onnx.proto) that `nnsim extract` needs:
 * the graph's nodes, inputs and outputs, and a rewrite that declares intermediate node outputs as graph
 * outputs (onnxruntime returns only declared outputs). Everything else is copied byte for byte.
 *
 * Protobuf wire format: each field is a varint key (field number << 3 | wire type) followed by a
 * varint (type 0), 8 bytes (1), a varint length and that many bytes (2), or 4 bytes (5). Field numbers
 * used here (onnx.proto, IR version 3 and later):
 *   ModelProto      7 graph
 *   GraphProto      1 node, 5 initializer, 11 input, 12 output, 13 value_info
 *   NodeProto       1 input, 2 output, 3 name, 4 op_type
 *   ValueInfoProto  1 name, 2 type → TypeProto 1 tensor_type → 1 elem_type, 2 shape → 1 dim → 1 dim_value, 2 dim_param
 *   TensorProto     8 name, 14 data_location (1 = EXTERNAL)
 * Every read is bounds-checked: a malformed file is an E_FILE error, never a crash or a hang.
 */
import { fileError } from './array.js';

interface Field {
  readonly number: number;
  readonly wire: number;
  /** The whole field (key included), for copying it unchanged. */
  readonly raw: Uint8Array;
  /** Wire type 0: the value (exact up to 2^53). */
  readonly value: number;
  /** Wire type 2: the payload. */
  readonly bytes: Uint8Array;
}

class Malformed extends Error {}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Malformed('truncated varint');
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return [value, pos];
  }
  throw new Malformed('varint longer than 10 bytes');
}

/** The fields of one message, in order. */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  const empty = buf.subarray(0, 0);
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (number === 0) throw new Malformed('field number 0');
    let value = 0;
    let bytes = empty;
    if (wire === 0) {
      [value, pos] = readVarint(buf, pos);
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
    } else if (wire === 2) {
      const [length, afterLength] = readVarint(buf, pos);
      if (length > buf.length - afterLength) throw new Malformed('length beyond the end of the message');
      bytes = buf.subarray(afterLength, afterLength + length);
      pos = afterLength + length;
    } else {
      throw new Malformed(`wire type ${wire}`);
    }
    if (pos > buf.length) throw new Malformed('field beyond the end of the message');
    out.push({ number, wire, raw: buf.subarray(start, pos), value, bytes });
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const text = (f: Field): string => utf8.decode(f.bytes);

function encodeVarint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** One length-delimited field. */
function lengthDelimited(number: number, payload: Uint8Array): Uint8Array {
  const head = [...encodeVarint(number * 8 + 2), ...encodeVarint(payload.length)];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** ONNX TensorProto.DataType codes nnsim handles, and their names. */
export const ELEMENT_TYPES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
};

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface OnnxValue {
  readonly name: string;
  /** TensorProto.DataType (1 = float32, 11 = float64, 7 = int64 …), when declared. */
  readonly elementType: number | undefined;
  /** Dimensions: a number when fixed, a string when symbolic, undefined when unknown. */
  readonly dims: readonly (number | string | undefined)[] | undefined;
}

export interface OnnxModel {
  readonly nodes: readonly OnnxNode[];
  /** Graph inputs that are not initializers (the values a caller feeds). */
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
  /** Whether initializers keep their data in external files. */
  readonly externalData: boolean;
  /** A copy of the model whose graph also outputs `names` (intermediate values). */
  withOutputs(names: readonly string[]): Uint8Array;
}

function valueInfo(f: Field): OnnxValue {
  let name = '';
  let elementType: number | undefined;
  let dims: (number | string | undefined)[] | undefined;
  for (const v of fields(f.bytes)) {
    if (v.number === 1 && v.wire === 2) name = text(v);
    if (v.number !== 2 || v.wire !== 2) continue;
    for (const t of fields(v.bytes)) {
      if (t.number !== 1 || t.wire !== 2) continue; // tensor_type
      for (const tt of fields(t.bytes)) {
        if (tt.number === 1 && tt.wire === 0) elementType = tt.value;
        if (tt.number === 2 && tt.wire === 2) {
          dims = fields(tt.bytes)
            .filter((d) => d.number === 1 && d.wire === 2)
            .map((d) => {
              let dim: number | string | undefined;
              for (const x of fields(d.bytes)) {
                if (x.number === 1 && x.wire === 0) dim = x.value;
                if (x.number === 2 && x.wire === 2) dim = text(x);
              }
              return dim;
            });
        }
      }
    }
  }
  return { name, elementType, dims };
}

/** Parses the graph of an ONNX model held in memory; E_FILE when it is not one. */
export function parseOnnx(bytes: Uint8Array, source: string): OnnxModel {
  try {
    return parse(bytes);
  } catch (error) {
    if (error instanceof Malformed) throw fileError(source, `not a valid ONNX model (malformed protobuf: ${error.message}); export it again`);
    if (error instanceof NoGraph) throw fileError(source, 'is not an ONNX model (no graph); give the .onnx file the model was exported to');
    throw error;
  }
}

class NoGraph extends Error {}

function parse(bytes: Uint8Array): OnnxModel {
  const top = fields(bytes);
  const graphField = top.find((f) => f.number === 7 && f.wire === 2);
  if (!graphField) throw new NoGraph();
  const graph = fields(graphField.bytes);
  const nodes: OnnxNode[] = [];
  const initializers = new Set<string>();
  let externalData = false;
  const declaredInputs: OnnxValue[] = [];
  const outputs: OnnxValue[] = [];
  const valueInfos = new Map<string, Uint8Array>();
  for (const f of graph) {
    if (f.wire !== 2) continue;
    if (f.number === 1) {
      const node = { name: '', opType: '', inputs: [] as string[], outputs: [] as string[] };
      for (const n of fields(f.bytes)) {
        if (n.wire !== 2) continue;
        if (n.number === 1) node.inputs.push(text(n));
        else if (n.number === 2) node.outputs.push(text(n));
        else if (n.number === 3) node.name = text(n);
        else if (n.number === 4) node.opType = text(n);
      }
      nodes.push(node);
    } else if (f.number === 5) {
      for (const t of fields(f.bytes)) {
        if (t.number === 8 && t.wire === 2) initializers.add(text(t));
        if (t.number === 14 && t.wire === 0 && t.value === 1) externalData = true;
      }
    } else if (f.number === 11) declaredInputs.push(valueInfo(f));
    else if (f.number === 12) outputs.push(valueInfo(f));
    else if (f.number === 13) {
      const info = valueInfo(f);
      valueInfos.set(info.name, f.bytes);
    }
  }
  return {
    nodes,
    inputs: declaredInputs.filter((i) => !initializers.has(i.name)),
    outputs,
    externalData,
    withOutputs(names) {
      const declared = new Set(outputs.map((o) => o.name));
      // A declared output needs only its name: onnxruntime infers the type (a value_info entry, when the
      // exporter wrote one, is reused as is).
      const extra = names
        .filter((name) => !declared.has(name))
        .map((name) => lengthDelimited(12, valueInfos.get(name) ?? lengthDelimited(1, new TextEncoder().encode(name))));
      const newGraph = concat([graphField.bytes, ...extra]);
      return concat(top.map((f) => (f === graphField ? lengthDelimited(7, newGraph) : f.raw)));
    },
  };
}
