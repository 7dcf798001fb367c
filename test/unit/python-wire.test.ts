// The Python bridge's frames: raw float64 bytes after a JSON header, read back exactly by both ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBody, encodeFrame, frameLength } from '../../src/worker/python-wire';
import { PythonBridge } from '../../src/worker/python-bridge';
import { BRIDGE, PYTHON, needsPython } from './python-helpers';

test('a frame is its body length, a JSON header padded to 8 bytes, then each array as raw float64 bytes', () => {
  const a = { shape: [2, 2], data: Float64Array.from([1, -0.5, Number.NaN, 715.0000000000001]) };
  const frame = encodeFrame({ header: { op: 'call', id: 3 }, arrays: [a, { shape: [], data: Float64Array.of(-0) }] });
  const body = frame.subarray(4);
  assert.equal(frameLength(frame), body.length);
  const view = new DataView(frame.buffer);
  const textLength = view.getUint32(4, true);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(frame.subarray(8, 8 + textLength))), { op: 'call', id: 3, arrays: [[2, 2], []] });
  const dataStart = 4 + ((4 + textLength + 7) & ~7);
  assert.equal(dataStart % 8, 4);
  assert.equal(frame.length, dataStart + 5 * 8);
  assert.equal(view.getFloat64(dataStart + 3 * 8, true), 715.0000000000001);
  const back = decodeBody(body);
  assert.deepEqual(back.header, { op: 'call', id: 3 });
  assert.deepEqual(back.arrays.map((t) => t.shape), [[2, 2], []]);
  assert.ok(Object.is(back.arrays[1].data[0], -0));
  assert.deepEqual([...back.arrays[0].data], [1, -0.5, Number.NaN, 715.0000000000001]);
});

test('an array that does not start on an 8-byte boundary of its buffer is sent as its own bytes', () => {
  const backing = new Float64Array([9, 1, 2, 9]);
  const frame = encodeFrame({ header: {}, arrays: [{ shape: [2], data: backing.subarray(1, 3) }] });
  assert.deepEqual([...decodeBody(frame.subarray(4)).arrays[0].data], [1, 2]);
});

test('a malformed body is refused with a message, never read past its end', () => {
  const frame = encodeFrame({ header: {}, arrays: [{ shape: [3], data: Float64Array.of(1, 2, 3) }] });
  assert.throws(() => decodeBody(frame.subarray(4, frame.length - 8)), /fewer array bytes than its header lists/);
  assert.throws(() => decodeBody(Uint8Array.of(1, 0)), /too short/);
  assert.throws(() => decodeBody(Uint8Array.of(200, 0, 0, 0, 0x7b)), /header runs past its end/);
  const bad = encodeFrame({ header: {}, arrays: [] });
  const text = new TextEncoder().encode('{"arrays":[[-1]]}');
  const body = new Uint8Array(8 + text.length + 8);
  new DataView(body.buffer).setUint32(0, text.length, true);
  body.set(text, 4);
  assert.ok(bad.length > 0);
  assert.throws(() => decodeBody(body), /not shapes/);
});

test('the bridge echoes arrays bit for bit through numpy, and a missing interpreter is named', (t) => {
  assert.throws(() => PythonBridge.start('/no/such/python3', BRIDGE), /'\/no\/such\/python3' was not found; .*backprop\.python\.path/);
  if (!needsPython(t)) return;
  const bridge = PythonBridge.start(PYTHON, BRIDGE);
  try {
    assert.match(bridge.versions.numpy, /^\d+\./);
    const x = { shape: [2, 3], data: Float64Array.from([0.1, -2, 3e-300, Number.NaN, -0, 1e300]) };
    const reply = bridge.request({ op: 'reset', folder: __dirname }, [x]);
    assert.deepEqual(reply.header, {});
  } finally {
    bridge.close();
  }
});
