// Which heatmaps each view draws of a layer, in which order, with which title, colour scale and parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PANEL_HEATMAPS, TRAIN_HEATMAPS, eventForView, layerHeatmaps, sideHeatmaps, type LayerTensors } from '../../src/heatmaps';
import type { WireStats, WireTensor } from '../../src/protocol';

/** A distinct tensor; the heatmaps pass tensors through, so identity is what is checked. */
const tensor = (): WireTensor => ({ shape: [1], buffer: new ArrayBuffer(8), stats: {} as WireStats });

const W = tensor();
const b = tensor();
const dW = tensor();
const db = tensor();
const full: LayerTensors = {
  info: { type: 'relu' },
  activation: tensor(),
  mask: tensor(),
  dout: tensor(),
  dx: tensor(),
  grads: [
    { name: 'W', grad: dW },
    { name: 'b', grad: db },
  ],
  params: [
    { name: 'W', value: W },
    { name: 'b', value: b },
  ],
};

test('the run panel: forward, then backward, parameter gradients tagged with their parameter', () => {
  const maps = layerHeatmaps(full, PANEL_HEATMAPS);
  assert.deepEqual(
    maps.map((m) => [m.title, m.kind, m.param]),
    [
      ['activation', 'sequential', undefined],
      ['mask (relu)', 'mask', undefined],
      ['dout', 'diverging', undefined],
      ['dx', 'diverging', undefined],
      ['dW', 'diverging', 'W'],
      ['db', 'diverging', 'b'],
    ],
  );
  assert.deepEqual(
    maps.map((m) => m.tensor),
    [full.activation, full.mask, full.dout, full.dx, dW, db],
  );
});

test('the Train panel: no dout, the parameter values after their gradients', () => {
  const maps = layerHeatmaps(full, TRAIN_HEATMAPS);
  assert.deepEqual(
    maps.map((m) => m.title),
    ['activation', 'mask (relu)', 'dx', 'dW', 'db', 'W', 'b'],
  );
  assert.deepEqual(
    maps.slice(-2).map((m) => [m.tensor, m.param]),
    [
      [W, 'W'],
      [b, 'b'],
    ],
  );
});

test('the side view: the weight gradients first, no dout, no values, and no parameter on the wire', () => {
  assert.deepEqual(sideHeatmaps(full), [
    { title: 'dW', kind: 'diverging', tensor: dW, filters: true },
    { title: 'db', kind: 'diverging', tensor: db, filters: true },
    { title: 'activation', kind: 'sequential', tensor: full.activation },
    { title: 'mask (relu)', kind: 'mask', tensor: full.mask },
    { title: 'dx', kind: 'diverging', tensor: full.dx },
  ]);
});

test("the loss's output is its prediction; a tensor not there yet is left out", () => {
  assert.deepEqual(
    layerHeatmaps({ info: { type: 'softmax-cross-entropy' }, isLoss: true, activation: tensor(), mask: null }, PANEL_HEATMAPS).map((m) => m.title),
    ['prediction'],
  );
  assert.deepEqual(
    layerHeatmaps({ info: { type: 'relu' }, dx: tensor() }, TRAIN_HEATMAPS).map((m) => m.title),
    ['dx'],
  );
});

test('a view that does not draw parameter values gets their statistics only; one that does gets them whole', () => {
  const stats = { l2: 3 } as WireStats;
  const value: WireTensor = { shape: [2, 3], buffer: new Float64Array([1, 2, 3, 4, 5, 6]).buffer, stats };
  const forward = { kind: 'forward' as const, index: 0, activation: tensor(), mask: null, maskStats: null, params: [{ name: 'W', value }] };
  const panel = eventForView(forward, PANEL_HEATMAPS);
  assert.ok(panel.kind === 'forward');
  assert.deepEqual(panel.params.map((p) => [p.name, p.value.shape, p.value.buffer.byteLength, p.value.stats]), [['W', [2, 3], 0, stats]]);
  assert.equal(panel.activation, forward.activation);
  assert.equal(eventForView(forward, TRAIN_HEATMAPS), forward);
  const backward = { kind: 'backward' as const, index: 0, dout: tensor(), dx: tensor(), grads: [{ name: 'W', grad: value }] };
  assert.equal(eventForView(backward, PANEL_HEATMAPS), backward);
});
