// .npy reading: bytes written here by hand (header dict, padding, little/big-endian data) for every
// supported dtype, and a clear error for each unsupported case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { npyShape, parseNpy } from '../../src/spec/npy';
import { inEnglish } from './english-error';

/** Writes element i of a DataView in some dtype. */
type Writer = (view: DataView, i: number, value: number) => void;

/** A .npy file as NumPy writes it: magic, version, header length, padded dict header, data. */
function npy(descr: string, shape: number[], data: Uint8Array, opts: { version?: 1 | 2 | 3; fortran?: boolean; descrLiteral?: string } = {}): Uint8Array {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': ${opts.descrLiteral ?? `'${descr}'`}, 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefix = version === 1 ? 10 : 12;
  while ((prefix + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const headerBytes = new TextEncoder().encode(header);
  const out = new Uint8Array(prefix + headerBytes.length + data.length);
  out.set([0x93, ...'NUMPY'.split('').map((c) => c.charCodeAt(0)), version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(data, prefix + headerBytes.length);
  return out;
}

/** Data bytes of `values`, each written by `write` into `size` bytes. */
function bytesOf(values: number[], size: number, write: Writer): Uint8Array {
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => write(view, i, v));
  return out;
}

const cases: { descr: string; size: number; write: Writer; values: number[]; expected?: number[] }[] = [
  { descr: '<f8', size: 8, write: (v, i, x) => v.setFloat64(i * 8, x, true), values: [1.5, -2.25, 1e300, 5e-324, 0.1, 7] },
  { descr: '>f8', size: 8, write: (v, i, x) => v.setFloat64(i * 8, x, false), values: [1.5, -2.25, 1e300, 5e-324, 0.1, 7] },
  { descr: '<f4', size: 4, write: (v, i, x) => v.setFloat32(i * 4, x, true), values: [1.5, -2.25, 0.1, 16777216], expected: [1.5, -2.25, Math.fround(0.1), 16777216] },
  { descr: '>f4', size: 4, write: (v, i, x) => v.setFloat32(i * 4, x, false), values: [0.1, -3], expected: [Math.fround(0.1), -3] },
  { descr: '|i1', size: 1, write: (v, i, x) => v.setInt8(i, x), values: [-128, 127, 0, -1] },
  { descr: '|u1', size: 1, write: (v, i, x) => v.setUint8(i, x), values: [0, 255, 7] },
  { descr: '<i2', size: 2, write: (v, i, x) => v.setInt16(i * 2, x, true), values: [-32768, 32767, -2] },
  { descr: '>i2', size: 2, write: (v, i, x) => v.setInt16(i * 2, x, false), values: [-32768, 32767, 258] },
  { descr: '<u2', size: 2, write: (v, i, x) => v.setUint16(i * 2, x, true), values: [65535, 1] },
  { descr: '<i4', size: 4, write: (v, i, x) => v.setInt32(i * 4, x, true), values: [-2147483648, 2147483647, 5] },
  { descr: '>u4', size: 4, write: (v, i, x) => v.setUint32(i * 4, x, false), values: [4294967295, 9] },
  { descr: '<u4', size: 4, write: (v, i, x) => v.setUint32(i * 4, x, true), values: [4294967295, 9] },
  { descr: '<i8', size: 8, write: (v, i, x) => v.setBigInt64(i * 8, BigInt(x), true), values: [-(2 ** 53), 2 ** 53, -1, 3] },
  { descr: '>i8', size: 8, write: (v, i, x) => v.setBigInt64(i * 8, BigInt(x), false), values: [-(2 ** 53), 12] },
  { descr: '<u8', size: 8, write: (v, i, x) => v.setBigUint64(i * 8, BigInt(x), true), values: [2 ** 53, 0, 42] },
];

test('every supported dtype round-trips to float64, C order, in both byte orders', () => {
  for (const c of cases) {
    const file = npy(c.descr, [c.values.length], bytesOf(c.values, c.size, c.write));
    const parsed = parseNpy(file);
    assert.ok('tensor' in parsed, `${c.descr}: ${JSON.stringify(inEnglish(parsed))}`);
    assert.deepEqual(parsed.tensor, { shape: [c.values.length], data: Float64Array.from(c.expected ?? c.values) }, c.descr);
  }
});

test('u8 beyond 2^53 rounds to the nearest float64', () => {
  const data = new Uint8Array(8);
  new DataView(data.buffer).setBigUint64(0, 18446744073709551615n, true);
  const parsed = parseNpy(npy('<u8', [1], data));
  assert.ok('tensor' in parsed);
  assert.equal(parsed.tensor.data[0], 18446744073709551616);
});

test('shapes: 2-D and 3-D in row-major order, 0-d scalars, format versions 2.0 and 3.0', () => {
  const f8 = (values: number[]) => bytesOf(values, 8, (v, i, x) => v.setFloat64(i * 8, x, true));
  const matrix = parseNpy(npy('<f8', [2, 3], f8([1, 2, 3, 4, 5, 6])));
  assert.deepEqual(matrix, { tensor: { shape: [2, 3], data: new Float64Array([1, 2, 3, 4, 5, 6]) } });
  const cube = parseNpy(npy('<f8', [2, 1, 2], f8([1, 2, 3, 4]), { version: 2 }));
  assert.deepEqual(cube, { tensor: { shape: [2, 1, 2], data: new Float64Array([1, 2, 3, 4]) } });
  const scalar = parseNpy(npy('<f8', [], f8([3.5]), { version: 3 }));
  assert.deepEqual(scalar, { tensor: { shape: [], data: new Float64Array([3.5]) } });
});

test('npyShape reads only the header', () => {
  const headerOnly = npy('<f8', [100000, 784], new Uint8Array(0));
  assert.deepEqual(npyShape(headerOnly), { shape: [100000, 784] });
  assert.deepEqual(inEnglish(parseNpy(headerOnly)), { error: 'truncated .npy data: shape [100000, 784] of <f8 needs 627,200,000 bytes, the file has 0' });
});

test('Fortran order, unsupported dtypes and damaged files get clear errors', () => {
  const f8 = bytesOf([1, 2, 3, 4], 8, (v, i, x) => v.setFloat64(i * 8, x, true));
  // npyShape fails the same way, except on data it does not read.
  const expectError = (file: Uint8Array, error: string, headerShape?: number[]) => {
    assert.deepEqual(inEnglish(parseNpy(file)), { error });
    assert.deepEqual(inEnglish(npyShape(file)), headerShape ? { shape: headerShape } : { error });
  };
  expectError(npy('<f8', [2, 2], f8, { fortran: true }), 'Fortran-order .npy arrays are not supported; save with np.ascontiguousarray(a) first');
  expectError(npy('<c16', [1], new Uint8Array(16)), "unsupported .npy dtype '<c16' (complex); use float64, float32 or an integer type");
  expectError(npy('|O', [1], new Uint8Array(8)), "unsupported .npy dtype '|O' (object); use float64, float32 or an integer type");
  expectError(npy('<f2', [2], new Uint8Array(4)), "unsupported .npy dtype '<f2' (float16); use float64, float32 or an integer type");
  expectError(npy('|b1', [2], new Uint8Array(2)), "unsupported .npy dtype '|b1' (bool); use float64, float32 or an integer type");
  expectError(npy('<U3', [1], new Uint8Array(12)), "unsupported .npy dtype '<U3' (unicode string); use float64, float32 or an integer type");
  expectError(npy('', [1], new Uint8Array(8), { descrLiteral: "[('x', '<f8'), ('y', '<f8')]" }), 'structured .npy arrays (record dtypes) are not supported; save a plain numeric array');
  expectError(npy('<f8', [2, 3], f8), 'truncated .npy data: shape [2, 3] of <f8 needs 48 bytes, the file has 32', [2, 3]);
  const whole = npy('<f8', [2, 2], f8);
  expectError(whole.slice(0, 30), 'truncated .npy header: it claims 118 bytes, the file has 20');
  expectError(whole.slice(0, 9), 'not a .npy file (bad magic bytes)');
  const badMagic = whole.slice();
  badMagic[1] = 0x6e;
  expectError(badMagic, 'not a .npy file (bad magic bytes)');
  const v4 = whole.slice();
  v4[6] = 4;
  expectError(v4, 'unsupported .npy format version 4.0 (1.0, 2.0 and 3.0 are supported)');
  const noDescr = Uint8Array.from('\x93NUMPY\x01\x00\x0f\x00{"shape": (2,)}', (c) => c.charCodeAt(0));
  expectError(noDescr, 'bad .npy header: it needs descr, fortran_order and shape');
});

test('a Uint8Array view into a larger buffer (as Node pools file reads) is read at its offset', () => {
  const file = npy('<i4', [2], bytesOf([7, -7], 4, (v, i, x) => v.setInt32(i * 4, x, true)));
  const pool = new Uint8Array(file.length + 13);
  pool.set(file, 13);
  assert.deepEqual(parseNpy(pool.subarray(13)), { tensor: { shape: [2], data: new Float64Array([7, -7]) } });
});
