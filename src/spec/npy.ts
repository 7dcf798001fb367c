// NumPy .npy files (format versions 1.0, 2.0 and 3.0): float64, float32 and integer arrays in C order,
// read into float64 tensors. Everything else gets an error that says what to do. Written as version
// 1.0 little-endian float64, as np.save writes such an array.
import { fmtCount } from '../format';
import { sizeOf, type Tensor } from '../engine/tensor';
import type { Phrase } from './model';
import { phrase, type SpecMessageId } from './problem';

/** What the header says. */
interface NpyHeader {
  /** Array shape; [] for a 0-d array. */
  shape: number[];
  /** The dtype string as written, e.g. '<f8'. */
  descr: string;
  /** Offset of the first data byte. */
  dataOffset: number;
  /** Reads element i of the data as a float64. */
  read: (view: DataView, i: number) => number;
  /** Bytes per element. */
  itemSize: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** The first bytes of a .npy file, which hold the header's length: magic, version, length field. */
export const NPY_PREAMBLE_BYTES = 12;

/** Longest header read. NumPy writes a few hundred bytes (and by default refuses to read over 10,000). */
const MAX_HEADER_BYTES = 1 << 20;

/** Where the data starts, from the file's first NPY_PREAMBLE_BYTES bytes (or all of a shorter file). */
export function npyDataOffset(preamble: Uint8Array): { dataOffset: number } | { error: Phrase } {
  const start = headerStart(preamble);
  if ('error' in start) return start;
  const headerLength = headerLengthAt(preamble, start.major);
  if (headerLength > MAX_HEADER_BYTES) return { error: phrase('spec.npy.headerTooLong', { claimed: fmtCount(headerLength), max: fmtCount(MAX_HEADER_BYTES) }) };
  return { dataOffset: start.at + headerLength };
}

/** The shape from a .npy header, reading nothing past it. */
export function npyShape(bytes: Uint8Array): { shape: number[] } | { error: Phrase } {
  const header = readHeader(bytes);
  return 'error' in header ? header : { shape: header.shape };
}

/** The shape and the bytes of data it needs, from the header alone (`bytes` may end where the data starts). */
export function npyLayout(bytes: Uint8Array): { shape: number[]; dataOffset: number; dataBytes: number } | { error: Phrase } {
  const header = readHeader(bytes);
  return 'error' in header ? header : { shape: header.shape, dataOffset: header.dataOffset, dataBytes: sizeOf(header.shape) * header.itemSize };
}

/** True on a little-endian machine, where a Float64Array's bytes are '<f8' as they are. */
const LITTLE_ENDIAN = new Uint8Array(Float64Array.of(1).buffer)[7] === 0x3f;

/** The whole array as a float64 tensor, or a clear error. */
export function parseNpy(bytes: Uint8Array): { tensor: Tensor } | { error: Phrase } {
  const header = readHeader(bytes);
  if ('error' in header) return header;
  const count = sizeOf(header.shape);
  const needed = count * header.itemSize;
  const available = bytes.length - header.dataOffset;
  if (available < needed) return { error: phrase('spec.npy.truncatedData', { shape: `[${header.shape.join(', ')}]`, descr: header.descr, needed: fmtCount(needed), available: fmtCount(available) }) };
  const data = new Float64Array(count);
  // Little-endian float64 on a little-endian machine (what np.save and our writer give) is a copy of bytes.
  if (header.descr === '<f8' && LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(header.dataOffset, header.dataOffset + needed));
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset, needed);
    for (let i = 0; i < count; i++) data[i] = header.read(view, i);
  }
  return { tensor: { shape: header.shape, data } };
}

/** Alignment of the data start that np.save pads the header to. */
const HEADER_ALIGNMENT = 64;

/** `t` as a .npy file: version 1.0, '<f8', C order, the header padded with spaces to 64 bytes and ended by a newline. */
export function npyBytes(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  const start = MAGIC.length + 4;
  const padded = Math.ceil((start + dict.length + 1) / HEADER_ALIGNMENT) * HEADER_ALIGNMENT - start;
  const header = `${dict.padEnd(padded - 1)}\n`;
  const bytes = new Uint8Array(start + padded + 8 * t.data.length);
  bytes.set(MAGIC);
  bytes.set([1, 0], MAGIC.length);
  const view = new DataView(bytes.buffer);
  view.setUint16(MAGIC.length + 2, padded, true);
  for (let i = 0; i < padded; i++) bytes[start + i] = header.charCodeAt(i);
  if (LITTLE_ENDIAN) bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), start + padded);
  else for (let i = 0; i < t.data.length; i++) view.setFloat64(start + padded + 8 * i, t.data[i], true);
  return bytes;
}

/** Checks magic, version and the length field: the format's major version and where the header dict starts. */
function headerStart(bytes: Uint8Array): { major: number; at: number } | { error: Phrase } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) return { error: phrase('spec.npy.badMagic') };
  const major = bytes[6];
  if (major < 1 || major > 3) return { error: phrase('spec.npy.version', { version: `${major}.${bytes[7]}` }) };
  const lengthSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthSize) return { error: phrase('spec.npy.truncatedHeader') };
  return { major, at: 8 + lengthSize };
}

/** The header dict's length, from the field after the version. */
function headerLengthAt(bytes: Uint8Array, major: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
}

/** Parses magic, version and the header dict. */
function readHeader(bytes: Uint8Array): NpyHeader | { error: Phrase } {
  const found = headerStart(bytes);
  if ('error' in found) return found;
  const { major, at: start } = found;
  const headerLength = headerLengthAt(bytes, major);
  if (bytes.length < start + headerLength) return { error: phrase('spec.npy.headerPastEnd', { claimed: fmtCount(headerLength), available: fmtCount(bytes.length - start) }) };
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));

  if (/['"]descr['"]\s*:\s*\[/.test(text)) return { error: phrase('spec.npy.structured') };
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return { error: phrase('spec.npy.headerKeys') };
  if (fortran === 'True') return { error: phrase('spec.npy.fortran') };

  const shape: number[] = [];
  for (const part of shapeText.split(',')) {
    const size = part.trim().replace(/L$/, '');
    if (size === '') continue;
    if (!/^\d+$/.test(size)) return { error: phrase('spec.npy.badShape', { shape: shapeText }) };
    shape.push(Number(size));
  }
  const reader = elementReader(descr);
  if ('error' in reader) return reader;
  return { shape, descr, dataOffset: start + headerLength, ...reader };
}

/** How to read one element of dtype `descr`. */
function elementReader(descr: string): Pick<NpyHeader, 'read' | 'itemSize'> | { error: Phrase } {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  const unsupported = (kind?: Phrase) => ({ error: kind ? phrase('spec.npy.dtypeKind', { descr, kind }) : phrase('spec.npy.dtype', { descr }) });
  if (!m) return unsupported();
  const little = m[1] !== '>';
  const kind = m[2];
  const size = Number(m[3]);
  const key = `${kind}${size}`;
  switch (key) {
    case 'f8':
      return { itemSize: 8, read: (v, i) => v.getFloat64(i * 8, little) };
    case 'f4':
      return { itemSize: 4, read: (v, i) => v.getFloat32(i * 4, little) };
    case 'i1':
      return { itemSize: 1, read: (v, i) => v.getInt8(i) };
    case 'u1':
      return { itemSize: 1, read: (v, i) => v.getUint8(i) };
    case 'i2':
      return { itemSize: 2, read: (v, i) => v.getInt16(i * 2, little) };
    case 'u2':
      return { itemSize: 2, read: (v, i) => v.getUint16(i * 2, little) };
    case 'i4':
      return { itemSize: 4, read: (v, i) => v.getInt32(i * 4, little) };
    case 'u4':
      return { itemSize: 4, read: (v, i) => v.getUint32(i * 4, little) };
    // 64-bit integers beyond 2^53 round to the nearest float64, as NumPy's astype(float64) does.
    case 'i8':
      return { itemSize: 8, read: (v, i) => Number(v.getBigInt64(i * 8, little)) };
    case 'u8':
      return { itemSize: 8, read: (v, i) => Number(v.getBigUint64(i * 8, little)) };
  }
  const kindIds: Record<string, SpecMessageId> = {
    c: 'spec.npy.kind.complex', b: 'spec.npy.kind.bool', O: 'spec.npy.kind.object', U: 'spec.npy.kind.unicode', S: 'spec.npy.kind.bytes',
    M: 'spec.npy.kind.datetime', m: 'spec.npy.kind.timedelta', V: 'spec.npy.kind.void',
  };
  if (kind === 'f') return unsupported(phrase('spec.npy.kind.float', { bits: String(size * 8) }));
  return unsupported(Object.hasOwn(kindIds, kind) ? phrase(kindIds[kind]) : undefined);
}
