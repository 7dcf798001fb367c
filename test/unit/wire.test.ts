// Engine events on the wire: small tensors go whole; big batch-sized ones (activations, masks,
// dout, dx) go as a max-|·| preview with stats over every element; parameters always go whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poolMaxAbs } from '../../src/downsample';
import { tensorStats } from '../../src/engine/stats';
import { compareGradients } from '../../src/engine/gradcheck';
import { tensor, type Tensor } from '../../src/engine/tensor';
import { toWire } from '../../src/worker/wire';
import { PREVIEW_ABOVE, PREVIEW_CELLS } from '../../src/wire-tensor';

/** A rows×cols tensor of distinct values of both signs. */
function filled(rows: number, cols: number): Tensor {
  return tensor([rows, cols], Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 12.9898) * 43758.5453));
}

test('a batch of 2,000×200 (over PREVIEW_ABOVE) goes as a preview of 1,000×200 with exact stats; W goes whole', () => {
  const dx = filled(2000, 200);
  const dout = filled(2000, 10);
  const dW = filled(600, 500);
  assert.ok(dx.data.length > PREVIEW_ABOVE && dW.data.length > PREVIEW_ABOVE && 2000 > PREVIEW_CELLS);
  const { event, transfer } = toWire({ kind: 'backward', index: 0, name: 'Affine1', type: 'affine', dout, dx, grads: [{ name: 'W', grad: dW }] });
  assert.equal(event.kind, 'backward');
  if (event.kind !== 'backward') return;
  // dout (20,000 elements) whole, bit for bit.
  assert.deepEqual(new Float64Array(event.dout.buffer), dout.data);
  assert.equal(event.dout.preview, undefined);
  // dx: no values, a preview pooled exactly as the webview would pool it, and stats over all 400,000 elements.
  const grid = poolMaxAbs(dx.data, 2000, 200, PREVIEW_CELLS);
  assert.equal(event.dx.buffer.byteLength, 0);
  assert.deepEqual(event.dx.shape, [2000, 200]);
  assert.deepEqual([event.dx.preview?.rowFactor, event.dx.preview?.colFactor], [2, 1]);
  assert.deepEqual(new Float64Array(event.dx.preview!.values), grid.values);
  assert.deepEqual(new Int32Array(event.dx.preview!.sourceIndex), grid.sourceIndex);
  const exact = tensorStats(dx);
  assert.deepEqual([event.dx.stats.count, event.dx.stats.min, event.dx.stats.max, event.dx.stats.l2], [400_000, exact.min, exact.max, exact.l2]);
  // dW: a parameter's gradient, read element by element by the host, goes whole.
  assert.equal(event.grads[0].grad.preview, undefined);
  assert.deepEqual(new Float64Array(event.grads[0].grad.buffer), dW.data);
  // Every buffer is transferred; the 400,000 values of dx are not among them.
  const sent = transfer.reduce((sum, b) => sum + b.byteLength, 0);
  assert.equal(sent, (20_000 + 300_000 + 1000 * 200) * 8 + 1000 * 200 * 4);
});

test('a big batch of images [100, 30, 24, 24] goes as its first samples whole, with stats over all 100; a small one goes whole', () => {
  const shape = [100, 30, 24, 24];
  const out = tensor(shape, Float64Array.from({ length: 100 * 30 * 24 * 24 }, (_, i) => Math.sin(i * 12.9898)));
  const small = tensor([10, 1, 28, 28], new Float64Array(10 * 784).fill(0.5));
  const { event, held, transfer } = toWire({ kind: 'forward', index: 1, name: 'Relu1', type: 'relu', input: out, output: out, kept: { mask: small }, params: [] });
  assert.ok(event.kind === 'forward');
  // The whole batch goes beside the event, for the host to keep: a copy, transferred; the small mask is not held.
  assert.deepEqual(held.map((b) => [b.index, b.record, b.shape]), [[1, 'out', shape]]);
  assert.deepEqual(new Float64Array(held[0].buffer), out.data);
  assert.notEqual(held[0].buffer, out.data.buffer);
  assert.ok(transfer.includes(held[0].buffer));
  const perSample = 30 * 24 * 24;
  const samples = Math.floor(PREVIEW_ABOVE / perSample);
  assert.deepEqual([event.activation.samples, event.activation.preview, event.activation.shape], [samples, undefined, shape]);
  assert.deepEqual(new Float64Array(event.activation.buffer), out.data.subarray(0, samples * perSample));
  assert.equal(event.activation.stats.count, 100 * perSample);
  assert.equal(event.activation.stats.l2, tensorStats(out).l2);
  assert.deepEqual([event.mask?.samples, new Float64Array(event.mask!.buffer).length], [undefined, 10 * 784]);
});

test("a backward's big dout and dx of images are held under their layer; the loss's tensors and parameters never are", () => {
  const shape = [100, 30, 12, 12];
  const big = tensor([100, 30, 12, 12], Float64Array.from({ length: 100 * 30 * 144 }, (_, i) => i));
  const dW = tensor([30, 1, 5, 5], new Float64Array(750).fill(1));
  const { held } = toWire({ kind: 'backward', index: 2, name: 'Pool1', type: 'pooling', dout: big, dx: big, grads: [{ name: 'W', grad: dW }] });
  assert.deepEqual(held.map((b) => [b.index, b.record, b.shape]), [[2, 'dout', shape], [2, 'dx', shape]]);
  const y = filled(2000, 200);
  assert.deepEqual(toWire({ kind: 'loss', name: 'SoftmaxWithLoss', type: 'softmax-with-loss', value: 1, y, t: y, dx: y }).held, []);
});

test('a big tensor whose 2-D view needs no pooling (600×1,000) goes whole; so do masks and activations under the limit', () => {
  const wide = filled(600, 1000);
  const { event } = toWire({ kind: 'forward', index: 1, name: 'Relu1', type: 'relu', input: wide, output: wide, kept: { mask: filled(100, 10) }, params: [] });
  assert.equal(event.kind, 'forward');
  if (event.kind !== 'forward') return;
  assert.equal(event.activation.preview, undefined);
  assert.equal(event.activation.buffer.byteLength, 600 * 1000 * 8);
  assert.equal(event.mask?.preview, undefined);
});

test('an 8,000×784 dx (the training example) travels as 1,000×784: an eighth of its values', () => {
  const dx = tensor([8000, 784]);
  const { event } = toWire({ kind: 'backward', index: 0, name: 'Affine1', type: 'affine', dout: tensor([8000, 50]), dx, grads: [] });
  if (event.kind !== 'backward') return assert.fail(event.kind);
  assert.deepEqual([event.dx.preview?.rowFactor, event.dx.preview?.colFactor, event.dx.preview?.values.byteLength], [8, 1, 1000 * 784 * 8]);
  // dout is 8,000×50 = 400,000 elements: a preview too.
  assert.equal(event.dout.preview?.rowFactor, 8);
});

test('a check goes with its failing flags, one byte per element, transferred in a buffer of their own', () => {
  // 0 passes, 1 fails (|a − n| = 1 over a tolerance of 1e-5 + 1e-3·1), 2 passes.
  const analytic = tensor([3], Float64Array.of(1, 2, 3));
  const d = { f0: 0, plus: Float64Array.of(0.5, 0.5, 1.5), minus: Float64Array.of(-0.5, -0.5, -1.5) };
  const result = compareGradients(analytic, d, { h: 0.5, atol: 1e-5, rtol: 1e-3 });
  const { event, transfer } = toWire({ kind: 'check', index: 0, name: 'Affine1', param: 'b', result });
  assert.ok(event.kind === 'check');
  assert.deepEqual([...new Uint8Array(event.result.failed)], [0, 1, 0]);
  assert.equal(event.result.failures, 1);
  assert.ok(transfer.includes(event.result.failed));
  // A copy: the engine's own flags stay where they are.
  assert.notEqual(event.result.failed, result.failed.buffer);
});

test("a pooling layer's mask goes with no masked/dead figures: its 1s are window maxima", () => {
  const x = tensor([1, 1, 2, 2], Float64Array.of(1, 3, 2, 0));
  const out = tensor([1, 1, 1, 1], Float64Array.of(3));
  const mask = tensor([1, 1, 2, 2], Float64Array.of(0, 1, 0, 0));
  const { event } = toWire({ kind: 'forward', index: 1, name: 'Pooling1', type: 'pooling', input: x, output: out, kept: { mask }, params: [] });
  assert.ok(event.kind === 'forward');
  assert.deepEqual([new Float64Array(event.mask!.buffer), event.maskStats], [mask.data, null]);
  const relu = toWire({ kind: 'forward', index: 1, name: 'Relu1', type: 'relu', input: x, output: x, kept: { mask }, params: [] }).event;
  assert.ok(relu.kind === 'forward');
  assert.equal(relu.maskStats?.maskedFraction, 0.25);
});
