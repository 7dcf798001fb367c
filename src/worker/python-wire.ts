// The frames the worker and the Python bridge (src/python/bridge.py) exchange. A frame is a u32 (LE)
// body length, then the body: a u32 header length, the header as UTF-8 JSON, zero padding to a
// multiple of 8 bytes, then the raw float64 (LE) bytes of each array, in the order the header's
// `arrays` lists their shapes. Tensors never cross as JSON numbers.
import { sizeOf, type Tensor } from '../engine/tensor';

/** A message: a JSON header (its `arrays` field is the wire's own) and its arrays. */
export interface PyMessage {
  header: Record<string, unknown>;
  arrays: Tensor[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `message` as one frame. */
export function encodeFrame(message: PyMessage): Uint8Array {
  const text = encoder.encode(JSON.stringify({ ...message.header, arrays: message.arrays.map((a) => a.shape) }));
  const dataStart = (4 + text.length + 7) & ~7;
  const bodyLength = dataStart + message.arrays.reduce((n, a) => n + 8 * a.data.length, 0);
  const frame = new Uint8Array(4 + bodyLength);
  const view = new DataView(frame.buffer);
  view.setUint32(0, bodyLength, true);
  view.setUint32(4, text.length, true);
  frame.set(text, 8);
  let offset = 4 + dataStart;
  for (const a of message.arrays) {
    // Float64Array is in the platform's order, little-endian on every machine Node runs on.
    frame.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), offset);
    offset += a.data.byteLength;
  }
  return frame;
}

/** The body length a frame starts with (`head` holds its first 4 bytes). */
export function frameLength(head: Uint8Array): number {
  return new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
}

/** The message of a frame's `body` (the bytes after its length); throws on a malformed body. */
export function decodeBody(body: Uint8Array): PyMessage {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body.byteLength < 4) throw new Error('a Python bridge message is too short');
  const textLength = view.getUint32(0, true);
  if (4 + textLength > body.byteLength) throw new Error('a Python bridge message header runs past its end');
  const header = JSON.parse(decoder.decode(body.subarray(4, 4 + textLength))) as Record<string, unknown>;
  const shapes = header.arrays;
  delete header.arrays;
  if (shapes !== undefined && !(Array.isArray(shapes) && shapes.every((s) => Array.isArray(s) && s.every((d) => Number.isSafeInteger(d) && d >= 0)))) {
    throw new Error('a Python bridge message lists arrays that are not shapes');
  }
  let offset = (4 + textLength + 7) & ~7;
  const arrays = ((shapes ?? []) as number[][]).map((shape) => {
    const bytes = 8 * sizeOf(shape);
    if (offset + bytes > body.byteLength) throw new Error('a Python bridge message holds fewer array bytes than its header lists');
    // A copy, aligned and owned: the body buffer is reused for the next read.
    const data = new Float64Array(bytes / 8);
    new Uint8Array(data.buffer).set(body.subarray(offset, offset + bytes));
    offset += bytes;
    return { shape, data };
  });
  return { header, arrays };
}
