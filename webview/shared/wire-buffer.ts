// Buffers as they arrive in a webview message: a structured clone may hand over a typed-array view
// instead of the bare ArrayBuffer the host sent; every reader takes either.

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
