// The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the raw little-endian data. The reader trusts nothing in a file.
import { DType, TypedArray, allocate, bytesPerElement } from '../dtype';
import { elementCount } from '../layout';
import { Tensor } from '../tensor';
import { typeError } from '../validate';

const FILE_DTYPES: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', I64: 'int64', BOOL: 'bool' };
const DTYPE_NAMES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', int64: 'I64', bool: 'BOOL' };
/** Headers above this size are refused (the format's reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface SafetensorsContent {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

function fail(message: string): never {
  throw new RangeError(`gated: invalid safetensors data: ${message}`);
}

interface HeaderEntry {
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, value: unknown, dataBytes: number): HeaderEntry {
  if (typeof value !== 'object' || value === null) fail(`entry '${name}' is not an object`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(FILE_DTYPES, dtype)) {
    fail(`tensor '${name}' has dtype ${JSON.stringify(dtype)}, which gated cannot read; supported: ${Object.keys(FILE_DTYPES).join(', ')}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`tensor '${name}' has shape ${JSON.stringify(shape)}, not an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}, not two non-negative integers`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end || end > dataBytes) fail(`tensor '${name}' has data_offsets [${begin}, ${end}] outside the ${dataBytes} data bytes`);
  const entry: HeaderEntry = { dtype: FILE_DTYPES[dtype], shape: shape as number[], begin, end };
  const expected = elementCount(entry.shape) * bytesPerElement(entry.dtype);
  if (end - begin !== expected) {
    fail(`tensor '${name}' of shape [${entry.shape.join(', ')}] and dtype ${dtype} needs ${expected} bytes but spans ${end - begin}`);
  }
  return entry;
}

function parseHeader(bytes: Uint8Array): { entries: Map<string, HeaderEntry>; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) fail(`${bytes.length} bytes is too short for the 8-byte header length`);
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerBytes > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    fail(`header length ${headerBytes} exceeds the ${bytes.length - 8} bytes that follow or the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const dataStart = 8 + Number(headerBytes);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    fail(`the header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');
  const dataBytes = bytes.length - dataStart;
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        fail('__metadata__ is not an object of strings');
      }
      metadata = value as Record<string, string>;
    } else {
      entries.set(name, parseEntry(name, value, dataBytes));
    }
  }
  const ranges = [...entries].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end); // empty ranges first
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][1].begin < ranges[i - 1][1].end) fail(`tensors '${ranges[i - 1][0]}' and '${ranges[i][0]}' overlap`);
  }
  return { entries, metadata, dataStart };
}

/** Reads every tensor (copied out of `bytes`) and the metadata. */
export function parseSafetensors(bytes: Uint8Array): SafetensorsContent {
  const { entries, metadata, dataStart } = parseHeader(bytes);
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of entries) {
    const data = allocate(entry.dtype, elementCount(entry.shape));
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
    const notBool = entry.dtype === 'bool' ? data.findIndex((v) => v !== 0 && v !== 1) : -1;
    if (notBool >= 0) fail(`tensor '${name}' of dtype BOOL holds ${data[notBool]} at element ${notBool}, not 0 or 1`);
    tensors.set(name, Tensor.fromData(data, entry.shape, entry.dtype));
  }
  return { tensors, metadata };
}

/** The safetensors bytes of `tensors` (row-major, in the given order) and `metadata`. */
export function serializeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  if (typeof tensors !== 'object' || tensors === null || Array.isArray(tensors)) {
    throw typeError('tensors', 'an object or Map of Tensors by name', tensors);
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw typeError('metadata', 'an object of strings', metadata);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw typeError(`metadata['${key}']`, 'a string', value);
  }
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [name, t] of list) {
    if (typeof name !== 'string' || name === '__metadata__') throw typeError('a tensor name', "a string other than '__metadata__'", name);
    if (!(t instanceof Tensor)) throw typeError(`tensors['${name}']`, 'a Tensor', t);
    t.liveStorage(`tensors['${name}']`);
  }
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { __metadata__: metadata } : {};
  const chunks: TypedArray[] = [];
  let offset = 0;
  for (const [name, t] of list) {
    const data = t.device === 'cuda' ? t.dataSync() : t.contiguousData(`tensor '${name}'`);
    header[name] = { dtype: DTYPE_NAMES[t.dtype], shape: t.shape, data_offsets: [offset, offset + data.byteLength] };
    chunks.push(data);
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const data of chunks) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    position += data.byteLength;
  }
  return out;
}
