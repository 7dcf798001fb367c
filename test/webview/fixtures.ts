// Hand-made host messages for the panel and side view previews and tests: a small network run with a
// ReLU mask, a 784×50 dW (pooled for display), NaN and Inf values, a layer named like an XSS probe, a
// failing gradient check, health findings, and the book's shop graph (price 715.0000000000001, dtax 650).
import type { Finding, FlowBar, GraphNodeInfo, HostToSideView, HostToWebview, LayerInfo, RunEvent, SideHeatmap, WireStats, WireTensor } from '../../src/protocol';

/** The hostile layer name: it must appear literally, never as markup. */
export const HOSTILE_NAME = '<img src=x onerror=alert(1)>';

function stats(shape: number[], data: Float64Array): WireStats {
  let n = 0;
  let sum = 0;
  let sumAbs = 0;
  let sq = 0;
  let min: number | null = null;
  let max: number | null = null;
  let zeros = 0;
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  for (const v of data) {
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else {
      n++;
      sum += v;
      sumAbs += Math.abs(v);
      sq += v * v;
      min = min === null ? v : Math.min(min, v);
      max = max === null ? v : Math.max(max, v);
      if (v === 0) zeros++;
    }
  }
  const mean = n ? sum / n : null;
  let varSum = 0;
  if (mean !== null) for (const v of data) if (Number.isFinite(v)) varSum += (v - mean) ** 2;
  return { shape, count: data.length, mean, meanAbs: n ? sumAbs / n : null, std: n ? Math.sqrt(varSum / n) : null, min, max, l2: n ? Math.sqrt(sq) : null, zeros, nan, posInf, negInf };
}

/** A wire tensor of `shape` whose element i is f(row, col) in the 2-D view [shape[0], rest]. */
export function wire(shape: number[], f: (r: number, c: number) => number): WireTensor {
  const count = shape.reduce((a, d) => a * d, 1);
  const cols = shape.length < 2 ? count : count / shape[0];
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = f(Math.floor(i / cols), i % cols);
  return { shape, buffer: data.buffer, stats: stats(shape, data) };
}

/** A deterministic pseudo-random value in [-1, 1) for seed (r, c, k), so fixtures never change. */
function noise(r: number, c: number, k: number): number {
  const x = Math.sin(r * 12.9898 + c * 78.233 + k * 37.719) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

const N = 4;

const LAYERS: LayerInfo[] = [
  { name: 'Affine1', type: 'affine', inShape: [N, 784], outShape: [N, 50], paramCount: 784 * 50 + 50, line: 12 },
  { name: 'Relu1', type: 'relu', inShape: [N, 50], outShape: [N, 50], paramCount: 0, line: 13 },
  { name: HOSTILE_NAME, type: 'affine', inShape: [N, 50], outShape: [N, 5], paramCount: 50 * 5 + 5, line: 14 },
  { name: 'Dropout1', type: 'dropout', inShape: [N, 5], outShape: [N, 5], paramCount: 0, line: 15 },
];

const LOSS: LayerInfo = { name: 'SoftmaxWithLoss', type: 'softmax-with-loss', inShape: [N, 5], outShape: [], paramCount: 0, line: 16 };

const LOSS_VALUE = 2.302585092994046;

/** The run's health findings: a dying ReLU with a fix, and two errors of the hostile layer. */
export const FINDINGS: Finding[] = [
  { index: 1, kind: 'dead-relu', message: 'Relu1: 14% of units are dead for the whole batch', fix: { kind: 'he-init', layer: 0 } },
  { index: 2, kind: 'nan', message: `${HOSTILE_NAME}: the output has 1 NaN and 1 +Inf` },
  { index: 2, kind: 'check-failed', message: `${HOSTILE_NAME}: gradient check of W failed for 7 elements (max rel error 0.52)` },
];

/** Events of the network run, in engine order: start, forward per layer, loss, backward, checks, done. */
export function networkEvents(): RunEvent[] {
  const a1 = wire([N, 50], (r, c) => noise(r, c, 1) * 0.8);
  const mask1 = wire([N, 50], (r, c) => (c % 7 === 0 || noise(r, c, 1) <= 0 ? 1 : 0));
  const relu1 = wire([N, 50], (r, c) => (c % 7 === 0 || noise(r, c, 1) <= 0 ? 0 : noise(r, c, 1) * 0.8));
  // The hostile layer's 4×5 output carries one NaN and one +Inf, as a diverging run would.
  const a3 = wire([N, 5], (r, c) => (r === 1 && c === 2 ? NaN : r === 3 && c === 4 ? Infinity : noise(r, c, 3) * 2));
  const mask4 = wire([N, 5], (r, c) => ((r + c) % 3 === 0 ? 1 : 0));
  const a4 = wire([N, 5], (r, c) => ((r + c) % 3 === 0 ? 0 : noise(r, c, 3) * 4));
  const prediction = wire([N, 5], (r, c) => (c === r ? 0.6 : 0.1));
  const dScores = wire([N, 5], (r, c) => ((c === r ? -0.4 : 0.1) / N));
  const dW1 = wire([784, 50], (r, c) => noise(r, c, 7) * 1e-3 * (r === 300 && c === 17 ? 8 : 1));
  return [
    { kind: 'start', form: 'network', name: 'fixture-net', layers: LAYERS, loss: LOSS },
    {
      kind: 'forward',
      index: 0,
      activation: a1,
      mask: null,
      maskStats: null,
      params: [
        { name: 'W', value: wire([784, 50], (r, c) => noise(r, c, 5) * 0.01) },
        { name: 'b', value: wire([50], () => 0) },
      ],
    },
    { kind: 'forward', index: 1, activation: relu1, mask: mask1, maskStats: maskStatsOf(mask1), params: [] },
    {
      kind: 'forward',
      index: 2,
      activation: a3,
      mask: null,
      maskStats: null,
      params: [
        { name: 'W', value: wire([50, 5], (r, c) => noise(r, c, 9) * 0.1) },
        { name: 'b', value: wire([5], (_r, c) => c * 0.01) },
      ],
    },
    { kind: 'forward', index: 3, activation: a4, mask: mask4, maskStats: maskStatsOf(mask4), params: [] },
    { kind: 'loss', value: LOSS_VALUE, prediction },
    { kind: 'backward', index: 3, dout: dScores, dx: wire([N, 5], (r, c) => ((r + c) % 3 === 0 ? 0 : ((c === r ? -0.4 : 0.1) / N) * 2)), grads: [] },
    {
      kind: 'backward',
      index: 2,
      dout: wire([N, 5], (r, c) => ((c === r ? -0.2 : 0.05) / N) * ((r + c) % 3 === 0 ? 0 : 2)),
      dx: wire([N, 50], (r, c) => (r === 0 && c === 3 ? NaN : noise(r, c, 11) * 0.02)),
      grads: [
        { name: 'W', grad: wire([50, 5], (r, c) => noise(r, c, 13) * 0.05) },
        { name: 'b', grad: wire([5], (_r, c) => (c - 2) * 0.01) },
      ],
    },
    { kind: 'backward', index: 1, dout: wire([N, 50], (r, c) => noise(r, c, 11) * 0.02), dx: wire([N, 50], (r, c) => (c % 7 === 0 || noise(r, c, 1) <= 0 ? 0 : noise(r, c, 11) * 0.02)), grads: [] },
    {
      kind: 'backward',
      index: 0,
      dout: wire([N, 50], (r, c) => noise(r, c, 12) * 0.02),
      dx: wire([N, 784], (r, c) => noise(r, c, 14) * 1e-4),
      grads: [
        { name: 'W', grad: dW1 },
        { name: 'b', grad: wire([50], (_r, c) => noise(0, c, 15) * 0.01) },
      ],
    },
    { kind: 'check', index: 0, param: 'W', result: { meanAbsDiff: 3.1e-10, maxAbsDiff: 2.2e-9, maxRelError: 4.7e-8, failures: 0, ok: true, error: wire([784, 50], (r, c) => Math.abs(noise(r, c, 17)) * 1e-10) } },
    { kind: 'check', index: 2, param: 'W', result: { meanAbsDiff: 0.012, maxAbsDiff: 0.31, maxRelError: 0.52, failures: 7, ok: false, error: wire([50, 5], (r, c) => (r % 8 === 0 ? 0.31 : Math.abs(noise(r, c, 19)) * 1e-6)) } },
    { kind: 'findings', findings: FINDINGS },
    { kind: 'done', loss: LOSS_VALUE, ok: false, elapsedMs: 12.5 },
  ];
}

function maskStatsOf(mask: WireTensor): { maskedFraction: number; deadUnits: number; deadFraction: number } {
  const data = new Float64Array(mask.buffer);
  const [rows, cols] = mask.shape;
  let masked = 0;
  let dead = 0;
  for (let c = 0; c < cols; c++) {
    let all = true;
    for (let r = 0; r < rows; r++) {
      if (data[r * cols + c] !== 0) masked++;
      else all = false;
    }
    if (all) dead++;
  }
  return { maskedFraction: masked / data.length, deadUnits: dead, deadFraction: dead / cols };
}

/** The book's shop (fig. 5-17) with exact float64 values and gradients. */
function shopNodes(): GraphNodeInfo[] {
  const apple = 100;
  const appleNum = 2;
  const orange = 150;
  const orangeNum = 3;
  const tax = 1.1;
  const applePrice = apple * appleNum;
  const orangePrice = orange * orangeNum;
  const allPrice = applePrice + orangePrice;
  const price = allPrice * tax;
  return [
    { name: 'apple', op: 'input', in: [], value: apple, grad: appleNum * tax, line: 3 },
    { name: 'apple_num', op: 'input', in: [], value: appleNum, grad: apple * tax, line: 3 },
    { name: 'orange', op: 'input', in: [], value: orange, grad: orangeNum * tax, line: 3 },
    { name: 'orange_num', op: 'input', in: [], value: orangeNum, grad: orange * tax, line: 3 },
    { name: 'tax', op: 'input', in: [], value: tax, grad: allPrice, line: 3 },
    { name: 'apple_price', op: 'mul', in: ['apple', 'apple_num'], value: applePrice, grad: tax, line: 5 },
    { name: 'orange_price', op: 'mul', in: ['orange', 'orange_num'], value: orangePrice, grad: tax, line: 6 },
    { name: 'all_price', op: 'add', in: ['apple_price', 'orange_price'], value: allPrice, grad: tax, line: 7 },
    { name: 'price', op: 'mul', in: ['all_price', 'tax'], value: price, grad: 1, line: 8 },
  ];
}

/** URI of the network run's spec. */
export const NETWORK_URI = 'file:///work/examples/two-layer-net.backprop.yaml';

/** Messages of a network run `runId`, starting with its reset. */
export function networkRun(runId: number): HostToWebview[] {
  return [{ type: 'reset', title: 'two-layer-net.backprop.yaml', runId, uri: NETWORK_URI }, ...networkEvents().map((event): HostToWebview => ({ type: 'event', runId, event }))];
}

/** Messages of a graph run `runId` (the shop), starting with its reset. */
export function shopRun(runId: number): HostToWebview[] {
  const nodes = shopNodes();
  return [
    { type: 'reset', title: 'buy_apple_orange.backprop.yaml', runId, uri: 'file:///work/examples/buy_apple_orange.backprop.yaml' },
    { type: 'event', runId, event: { kind: 'graph', name: 'buy-apple-orange', output: 'price', nodes } },
    { type: 'event', runId, event: { kind: 'done', loss: null, ok: true, elapsedMs: 0.4 } },
  ];
}

/** Messages of a run whose spec has errors. */
export function errorRun(runId: number): HostToWebview[] {
  return [
    { type: 'reset', title: 'broken.backprop.yaml', runId, uri: 'file:///work/examples/broken/broken.backprop.yaml' },
    { type: 'error', runId, message: 'layers[1]: unknown layer type "relux" (line 14). Expected one of affine, relu, sigmoid…' },
  ];
}

/** Spec name the side view fixtures show. */
export const SIDE_SPEC = 'two-layer-net.backprop.yaml';

/** Mean and max |v| of a tensor; a NaN anywhere makes both NaN, as the host computes them. */
function absStats(t: WireTensor): { meanAbs: number; maxAbs: number } {
  const data = new Float64Array(t.buffer);
  let sum = 0;
  let max = 0;
  for (const v of data) {
    sum += Math.abs(v);
    max = Number.isNaN(v) ? NaN : Math.max(max, Math.abs(v));
  }
  return { meanAbs: sum / data.length, maxAbs: max };
}

/** The run's gradient flow: |dW| of each layer, |dx| where a layer has no weights. */
export function flowOf(events: RunEvent[]): FlowBar[] {
  return LAYERS.map((info, i) => {
    const back = events.find((e) => e.kind === 'backward' && e.index === i);
    if (back?.kind !== 'backward') return { name: info.name, meanAbs: NaN, maxAbs: NaN };
    const dW = back.grads.find((g) => g.name === 'W');
    return { name: info.name, ...absStats(dW ? dW.grad : back.dx) };
  });
}

/** The side view's message for layer `index` of the network run: its heatmaps and the run's gradient flow. */
export function sideLayer(index: number, stale = false): Extract<HostToSideView, { type: 'layer' }> {
  const events = networkEvents();
  const forward = events.find((e) => e.kind === 'forward' && e.index === index);
  const backward = events.find((e) => e.kind === 'backward' && e.index === index);
  const heatmaps: SideHeatmap[] = [];
  if (forward?.kind === 'forward') {
    heatmaps.push({ title: 'activation', kind: 'sequential', tensor: forward.activation });
    if (forward.mask) heatmaps.push({ title: `mask (${LAYERS[index].type})`, kind: 'mask', tensor: forward.mask });
  }
  if (backward?.kind === 'backward') {
    heatmaps.push({ title: 'dx', kind: 'diverging', tensor: backward.dx });
    for (const g of backward.grads) heatmaps.push({ title: `d${g.name}`, kind: 'diverging', tensor: g.grad });
  }
  return { type: 'layer', spec: SIDE_SPEC, index, info: LAYERS[index], heatmaps, flow: flowOf(events), stale };
}

/** What the side view shows before any run. */
export const SIDE_EMPTY: HostToSideView = { type: 'empty', message: 'Run Backprop to see gradients of the layer under the cursor.' };
