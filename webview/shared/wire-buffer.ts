// Buffers as they arrive in a webview message: a structured clone may hand over a typed-array view
// instead of the bare ArrayBuffer the host sent; every reader takes either.
import type { WireTensor } from '../../src/protocol';

/** The bytes of a wire buffer (a bare ArrayBuffer, or a view of one); null for anything else. */
export function bytesOf(b: unknown): Uint8Array | null {
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (Object.prototype.toString.call(b) === '[object ArrayBuffer]') return new Uint8Array(b as ArrayBuffer);
  return null;
}

/** `bytes` as a whole ArrayBuffer (copied when it is part of a larger one), for a typed array to start at. */
export function wholeBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

/** The Float64 values a wire tensor carries (its first `samples` samples when it says so), or null when its buffer is missing or the wrong size. */
export function tensorValues(t: WireTensor): Float64Array | null {
  const bytes = bytesOf(t.buffer);
  const all = t.shape.reduce((a, d) => a * d, 1);
  const count = t.samples === undefined ? all : (all / t.shape[0]) * t.samples;
  if (!bytes || bytes.byteLength !== count * 8) return null;
  return bytes.byteOffset % 8 === 0 ? new Float64Array(bytes.buffer, bytes.byteOffset, count) : new Float64Array(bytes.slice().buffer);
}
