// Hand-made host messages for the panel and side view previews and tests: a small network run with a
// ReLU mask, a 784×50 dW (pooled for display), NaN and Inf values, a layer named like an XSS probe,
// gradient checks (of W, b and dx, with non-differentiable points at ReLU kinks, and one failing),
// health findings, and the book's shop graph (price 715.0000000000001, dtax 650).
import type {
  Finding,
  FlowBar,
  GraphNodeInfo,
  HostToSideView,
  HostToWebview,
  LayerInfo,
  RunEvent,
  SideHeatmap,
  WireCheck,
  WireMaskStats,
  WireStats,
  WireTensor,
  WorstElement,
} from '../../src/protocol';
import { poolMaxAbs } from '../../src/downsample';
import { sideHeatmaps } from '../../src/heatmaps';
import { variantDistributions } from '../../src/engine/distributions';
import { runNetwork } from '../../src/engine/run';
import { graphTensors, recordMap } from '../../src/engine/run-record';
import { baselineWire } from '../../src/worker/baseline-wire';
import { loadSpec, type SpecIO } from '../../src/spec/index';
import { toWire } from '../../src/worker/wire';

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

/** The run's health findings: a dying ReLU with a fix, and two errors of the hostile layer (the page shows `message`, not the id). */
export const FINDINGS: Finding[] = [
  { index: 1, kind: 'dead-relu', id: 'fixture', args: {}, message: 'Relu1: 14% of units are dead for the whole batch', fix: { kind: 'he-init', layer: 0 } },
  { index: 2, kind: 'nan', id: 'fixture', args: {}, message: `${HOSTILE_NAME}: the output has 1 NaN and 1 +Inf` },
  { index: 2, kind: 'check-failed', id: 'fixture', args: {}, message: `${HOSTILE_NAME}: gradient check of W failed for 7 elements (max rel error 0.52)` },
];

/** The title the host gives the dying ReLU's fix, as it would for a spec whose Affine1 has `init: { std: 0.01, bias: -1 }`. */
export const FIX_TITLE = 'Use He init (suits ReLU stacks) in Affine1 and remove its bias -1';

/** The engine's pass test |a − n| ≤ atol + rtol·|n|, with its default tolerances. */
const ATOL = 1e-5;
const RTOL = 1e-3;

/** How many worst elements a check lists (the engine's WORST_COUNT). */
export const WORST_K = 10;

/**
 * A gradient check as the engine reports it, of backprop's `analytic` against the central difference
 * `numerical(r, c, a)`. Elements where `kink` holds (each outside the tolerance) are non-differentiable
 * points: counted, never failed. The worst elements are the failures first, then by how far they miss,
 * |a − n| / (atol + rtol·|n|).
 */
function checkOf(analytic: WireTensor, numerical: (r: number, c: number, a: number) => number, kink: (r: number, c: number) => boolean = () => false): WireCheck {
  const a = new Float64Array(analytic.buffer);
  const shape = analytic.shape;
  const cols = shape.length < 2 ? a.length : a.length / shape[0];
  const n = a.map((v, i) => numerical(Math.floor(i / cols), i % cols, v));
  const diff = a.map((v, i) => Math.abs(v - n[i]));
  const rel = diff.map((d, i) => (d === 0 ? 0 : d / Math.max(Math.abs(a[i]), Math.abs(n[i]))));
  const isKink = (i: number): boolean => kink(Math.floor(i / cols), i % cols);
  const failed = (i: number): boolean => !isKink(i) && !(diff[i] <= ATOL + RTOL * Math.abs(n[i]));
  let failures = 0;
  let nonDifferentiable = 0;
  for (let i = 0; i < a.length; i++) {
    if (isKink(i)) nonDifferentiable++;
    if (failed(i)) failures++;
  }
  const miss = diff.map((d, i) => d / (ATOL + RTOL * Math.abs(n[i])));
  const order = [...a.keys()].sort((i, j) => Number(failed(j)) - Number(failed(i)) || miss[j] - miss[i] || i - j);
  const worst: WorstElement[] = order.slice(0, WORST_K).map((i) => ({
    flat: i,
    index: shape.length < 2 ? [i] : [Math.floor(i / cols), i % cols],
    analytic: a[i],
    numerical: n[i],
    nonDifferentiable: isKink(i),
    failed: failed(i),
  }));
  return {
    meanAbsDiff: diff.reduce((s, d) => s + d, 0) / diff.length,
    maxAbsDiff: Math.max(...diff),
    maxRelError: Math.max(...rel),
    failures,
    nonDifferentiable,
    ok: failures === 0,
    error: { shape, buffer: diff.buffer, stats: stats(shape, diff) },
    relError: { shape, buffer: rel.buffer, stats: stats(shape, rel) },
    failed: Uint8Array.from(a, (_, i) => Number(failed(i))).buffer,
    worst,
  };
}

/** Elements of Affine1's W whose perturbation by h moves a Relu1 input across 0. */
const W1_KINKS = new Set(['123,4', '611,29']);
/** Relu1 inputs within h of 0, each with where its central difference lands between the one-sided slopes. */
const RELU_KINKS = new Map([
  ['0,9', 0.62],
  ['2,23', 0.35],
  ['3,41', 0.5],
]);
/** The hostile layer's backward forgets a factor of 0.48 for these elements of dW: its check fails there. */
const isWrongW2 = (r: number, c: number): boolean => r % 8 === 0 && c === 3;

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
  const db1 = wire([50], (_r, c) => noise(0, c, 15) * 0.01);
  const dx1 = wire([N, 784], (r, c) => noise(r, c, 14) * 1e-4);
  const dout2 = (r: number, c: number): number => noise(r, c, 11) * 0.02;
  const dxRelu = wire([N, 50], (r, c) => (c % 7 === 0 || noise(r, c, 1) <= 0 ? 0 : dout2(r, c)));
  const dW3 = wire([50, 5], (r, c) => noise(r, c, 13) * 0.05);
  const db3 = wire([5], (_r, c) => (c - 2) * 0.01);
  // Central differences agree with backprop to about 1e-7 relative, plus rounding near 1e-13.
  const close = (rel: number, k: number) => (r: number, c: number, a: number) => a * (1 + rel * noise(r, c, k)) + 1e-13 * noise(r, c, k + 1);
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
    { kind: 'loss', value: LOSS_VALUE, prediction, target: wire([N, 5], (r, c) => (c === r ? 1 : 0)), dx: dScores },
    { kind: 'backward', index: 3, dout: dScores, dx: wire([N, 5], (r, c) => ((r + c) % 3 === 0 ? 0 : ((c === r ? -0.4 : 0.1) / N) * 2)), grads: [] },
    {
      kind: 'backward',
      index: 2,
      dout: wire([N, 5], (r, c) => ((c === r ? -0.2 : 0.05) / N) * ((r + c) % 3 === 0 ? 0 : 2)),
      dx: wire([N, 50], (r, c) => (r === 0 && c === 3 ? NaN : noise(r, c, 11) * 0.02)),
      grads: [
        { name: 'W', grad: dW3 },
        { name: 'b', grad: db3 },
      ],
    },
    { kind: 'backward', index: 1, dout: wire([N, 50], dout2), dx: dxRelu, grads: [] },
    {
      kind: 'backward',
      index: 0,
      dout: wire([N, 50], (r, c) => noise(r, c, 12) * 0.02),
      dx: dx1,
      grads: [
        { name: 'W', grad: dW1 },
        { name: 'b', grad: db1 },
      ],
    },
    // At a kink the central difference lands between the one-sided slopes, here about half of backprop's.
    { kind: 'check', index: 0, param: 'W', result: checkOf(dW1, (r, c, a) => (W1_KINKS.has(`${r},${c}`) ? a * 0.5 : close(1e-7, 21)(r, c, a)), (r, c) => W1_KINKS.has(`${r},${c}`)) },
    { kind: 'check', index: 0, param: 'b', result: checkOf(db1, close(1e-8, 23)) },
    { kind: 'check', index: 0, param: 'dx', result: checkOf(dx1, (r, c, a) => (r === 2 && c === 317 ? a * 0.37 : close(2e-7, 25)(r, c, a)), (r, c) => r === 2 && c === 317) },
    {
      kind: 'check',
      index: 1,
      param: 'dx',
      result: checkOf(
        dxRelu,
        (r, c, a) => {
          const frac = RELU_KINKS.get(`${r},${c}`);
          // A masked unit's gradient is exactly 0 on both sides: its central difference is exactly 0 too.
          return frac !== undefined ? dout2(r, c) * frac : a === 0 ? 0 : close(1e-9, 27)(r, c, a);
        },
        (r, c) => RELU_KINKS.has(`${r},${c}`),
      ),
    },
    { kind: 'check', index: 2, param: 'W', result: checkOf(dW3, (r, c, a) => (isWrongW2(r, c) ? a / 0.48 : close(3e-8, 29)(r, c, a))) },
    { kind: 'check', index: 2, param: 'b', result: checkOf(db3, (r, c, a) => (a === 0 ? 0 : close(3e-8, 31)(r, c, a))) },
    { kind: 'findings', findings: FINDINGS },
    { kind: 'done', loss: LOSS_VALUE, ok: false, elapsedMs: 12.5 },
  ];
}

function maskStatsOf(mask: WireTensor): WireMaskStats {
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
  return { maskedFraction: masked / data.length, deadUnits: dead, deadFraction: dead / cols, unit: 'unit' };
}

/** The book's shop (fig. 5-17) with exact float64 values and gradients; `apple`: the price of an apple. */
export function shopNodes(apple = 100): GraphNodeInfo[] {
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
  const events = networkEvents().map((event): HostToWebview => ({ type: 'event', runId, event }));
  // The host says what the findings' fixes would change right after the findings.
  const at = events.findIndex((m) => m.type === 'event' && m.event.kind === 'findings') + 1;
  const fixes: HostToWebview = { type: 'fixes', runId, fixes: FINDINGS.map((f) => (f.fix ? FIX_TITLE : null)), all: [FIX_TITLE] };
  return [{ type: 'reset', title: 'two-layer-net.backprop.yaml', runId, uri: NETWORK_URI }, ...events.slice(0, at), fixes, ...events.slice(at)];
}

/** Messages of a graph run `runId` (the shop, an apple at `apple`), starting with its reset. */
export function shopRun(runId: number, apple = 100): HostToWebview[] {
  const nodes = shopNodes(apple);
  return [
    { type: 'reset', title: 'buy_apple_orange.backprop.yaml', runId, uri: 'file:///work/examples/buy_apple_orange.backprop.yaml' },
    { type: 'event', runId, event: { kind: 'graph', name: 'buy-apple-orange', output: 'price', nodes } },
    { type: 'event', runId, event: { kind: 'done', loss: null, ok: true, elapsedMs: 0.4 } },
  ];
}

/** The shop's names as a user might spell them out; the output's is longer than the drawing shows. */
const LONG_NAMES: Record<string, string> = {
  apple: 'apple_unit_price_in_yen',
  apple_num: 'number_of_apples',
  orange: 'orange_unit_price_in_yen',
  orange_num: 'number_of_oranges',
  tax: 'consumption_tax_rate',
  apple_price: 'total_price_of_apples',
  orange_price: 'total_price_of_oranges',
  all_price: 'price_before_tax',
  price: 'price_to_pay_including_consumption_tax',
};

/** Messages of a graph run `runId`: the shop with long names. */
export function longShopRun(runId: number): HostToWebview[] {
  const rename = (name: string): string => LONG_NAMES[name] ?? name;
  const nodes = shopNodes().map((n) => ({ ...n, name: rename(n.name), in: n.in.map(rename) }));
  return [
    { type: 'reset', title: 'shop-long-names.backprop.yaml', runId, uri: 'file:///work/examples/shop-long-names.backprop.yaml' },
    { type: 'event', runId, event: { kind: 'graph', name: 'shop-long-names', output: rename('price'), nodes } },
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

/** A digits-like batch of the conv fixture: 20 samples, as the worker sends a big one, the first 12 whole. */
export const CONV_N = 20;
export const CONV_SENT = 12;

export const CONV_LAYERS: LayerInfo[] = [
  { name: 'Conv1', type: 'convolution', inShape: [CONV_N, 1, 12, 12], outShape: [CONV_N, 6, 10, 10], paramCount: 6 * 9 + 6, line: 8 },
  { name: 'Pool1', type: 'pooling', inShape: [CONV_N, 6, 10, 10], outShape: [CONV_N, 6, 5, 5], paramCount: 0, line: 9 },
  { name: 'Affine1', type: 'affine', inShape: [CONV_N, 6, 5, 5], outShape: [CONV_N, 10], paramCount: 150 * 10 + 10, line: 10 },
];

/** `t` as the worker sends a big batch of images: stats over all of it, the first `samples` in the buffer. */
function firstSamples(t: WireTensor, samples: number): WireTensor {
  const per = t.stats.count / t.shape[0];
  return { ...t, buffer: new Float64Array(t.buffer).slice(0, samples * per).buffer, samples };
}

/** Events of a small convolutional run: Conv1 (6 filters 3×3) → max pooling 2×2 → Affine → softmax-with-loss. */
export function convEvents(): RunEvent[] {
  const n = CONV_N;
  const W = wire([6, 1, 3, 3], (r, c) => noise(r, c, 41) * 0.5);
  const conv = wire([n, 6, 10, 10], (r, c) => noise(r, c, 43));
  const convData = new Float64Array(conv.buffer);
  // Pooling's mask: a 1 at the first maximum of each 2×2 window.
  const mask = wire([n, 6, 10, 10], () => 0);
  const maskData = new Float64Array(mask.buffer);
  const pooled = wire([n, 6, 5, 5], () => 0);
  const pooledData = new Float64Array(pooled.buffer);
  for (let plane = 0; plane < n * 6; plane++) {
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        let best = -1;
        for (const [di, dj] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
          const k = plane * 100 + (2 * i + di) * 10 + 2 * j + dj;
          if (best < 0 || convData[k] > convData[best]) best = k;
        }
        maskData[best] = 1;
        pooledData[plane * 25 + i * 5 + j] = convData[best];
      }
    }
  }
  const finish = (t: WireTensor): WireTensor => {
    const data = new Float64Array(t.buffer);
    return { ...t, stats: stats(t.shape, data) };
  };
  const dW = wire([6, 1, 3, 3], (r, c) => noise(r, c, 47) * 0.02);
  return [
    { kind: 'start', form: 'network', name: 'conv-fixture', layers: CONV_LAYERS, loss: { ...LOSS, inShape: [n, 10] } },
    { kind: 'forward', index: 0, activation: firstSamples(conv, CONV_SENT), mask: null, maskStats: null, params: [{ name: 'W', value: W }, { name: 'b', value: wire([6], (_r, c) => c * 0.01) }] },
    { kind: 'forward', index: 1, activation: finish(pooled), mask: firstSamples(finish(mask), CONV_SENT), maskStats: null, params: [] },
    { kind: 'forward', index: 2, activation: wire([n, 10], (r, c) => noise(r, c, 45)), mask: null, maskStats: null, params: [{ name: 'W', value: wire([150, 10], (r, c) => noise(r, c, 46) * 0.1) }, { name: 'b', value: wire([10], () => 0) }] },
    { kind: 'loss', value: LOSS_VALUE, prediction: wire([n, 10], () => 0.1), target: wire([n, 10], (r, c) => (c === r % 10 ? 1 : 0)), dx: wire([n, 10], (r, c) => ((c === r % 10 ? -0.9 : 0.1) / n)) },
    { kind: 'backward', index: 2, dout: wire([n, 10], (r, c) => ((c === r % 10 ? -0.9 : 0.1) / n)), dx: wire([n, 6, 5, 5], (r, c) => noise(r, c, 48) * 0.01), grads: [{ name: 'W', grad: wire([150, 10], (r, c) => noise(r, c, 49) * 0.01) }, { name: 'b', grad: wire([10], (_r, c) => c * 1e-3) }] },
    { kind: 'backward', index: 0, dout: firstSamples(wire([n, 6, 10, 10], (r, c) => noise(r, c, 50) * 0.01), CONV_SENT), dx: wire([n, 1, 12, 12], (r, c) => noise(r, c, 51) * 1e-3), grads: [{ name: 'W', grad: dW }, { name: 'b', grad: wire([6], (_r, c) => c * 1e-3) }] },
    { kind: 'check', index: 0, param: 'W', result: checkOf(dW, (r, c, a) => (r === 4 && c === 7 ? a * 0.5 : a * (1 + 1e-8 * noise(r, c, 52)))) },
    { kind: 'done', loss: LOSS_VALUE, ok: false, elapsedMs: 30.5 },
  ];
}

export const CONV_URI = 'file:///work/examples/simple-convnet.backprop.yaml';

/** Messages of the conv run `runId`, starting with its reset. */
export function convRun(runId: number): HostToWebview[] {
  return [{ type: 'reset', title: 'simple-convnet.backprop.yaml', runId, uri: CONV_URI }, ...convEvents().map((event): HostToWebview => ({ type: 'event', runId, event }))];
}

/** Where the conv run's baseline differs: Conv1's output at [2, 0, 0, 7] by this much. */
export const CONV_BASELINE_DELTA = 0.5;

/**
 * The conv run against a baseline of Conv1's output that differed at [2, 0, 0, 7] (by
 * CONV_BASELINE_DELTA): both sent it as its first CONV_SENT of CONV_N samples, as a big batch of images goes.
 */
export function convRunWithBaseline(runId: number): HostToWebview[] {
  const forward = convEvents().find((e) => e.kind === 'forward' && e.index === 0);
  if (forward?.kind !== 'forward') throw new Error('the conv fixture has no Conv1');
  const before = new Float64Array(forward.activation.buffer.slice(0));
  before[2 * 6 * 10 * 10 + 7] -= CONV_BASELINE_DELTA;
  const baseline: HostToWebview = { type: 'baseline', baseline: { label: 'run of 12:03:41', tensors: [{ name: 'Conv1/out', tensor: { ...forward.activation, buffer: before.buffer } }] } };
  const [reset, ...rest] = convRun(runId);
  return [reset, baseline, ...rest];
}

/** The side view on Conv1 of the conv run, its heatmaps as the host builds them. */
export function sideConvLayer(): Extract<HostToSideView, { type: 'layer' }> {
  const events = convEvents();
  const forward = events.find((e) => e.kind === 'forward' && e.index === 0);
  const backward = events.find((e) => e.kind === 'backward' && e.index === 0);
  if (forward?.kind !== 'forward' || backward?.kind !== 'backward') throw new Error('the conv fixture has no Conv1');
  const heatmaps = sideHeatmaps({ info: CONV_LAYERS[0], activation: forward.activation, mask: forward.mask, dx: backward.dx, grads: backward.grads });
  return { type: 'layer', spec: 'simple-convnet.backprop.yaml', index: 0, info: CONV_LAYERS[0], heatmaps, flow: flowOf(events), stale: false };
}

/**
 * The example weight-init-activation-histogram with every init set to `init`, run by the real engine
 * and wired as the worker sends it; with `compare` (the list of its `compare: { init }`), each
 * variant's distributions after the run, as the worker's run job posts them.
 */
export function weightInitRun(runId: number, init: string, compare?: string): HostToWebview[] {
  const layer = `  - { type: affine, units: 100, init: ${init} }\n  - sigmoid\n`;
  const text = `name: weight-init\nseed: 1\ninput:\n  random: { shape: [1000, 100], dist: normal }\nlayers:\n${layer.repeat(5)}${compare ? `compare:\n  init: ${compare}\n` : ''}`;
  const loaded = loadSpec(text, 'weight-init-activation-histogram.backprop.yaml', NO_FILES);
  if (!loaded.network || !loaded.x || !loaded.spec || loaded.spec.form !== 'network') throw new Error(JSON.stringify(loaded.problems));
  const { network, x, spec } = loaded;
  const layers: LayerInfo[] = network.layers.map((l, i) => ({ name: l.name, type: l.type, inShape: [1000, 100], outShape: [1000, 100], paramCount: l.params.reduce((a, p) => a + p.value.data.length, 0), line: spec.layers[i].range.start.line }));
  const events: RunEvent[] = [{ kind: 'start', form: 'network', name: 'weight-init', layers, loss: null }];
  for (const e of runNetwork(network, x, null, { train: false, check: null })) {
    if (e.kind !== 'done') events.push(toWire(e).event);
    else if (spec.compare && loaded.variantNetwork) events.push({ kind: 'variants', key: 'init', variants: variantDistributions(spec.compare.variants.map((v) => v.label), loaded.variantNetwork, x, null, false) });
  }
  events.push({ kind: 'done', loss: null, ok: true, elapsedMs: 40 });
  return [{ type: 'reset', title: 'weight-init-activation-histogram.backprop.yaml', runId, uri: 'file:///work/examples/weight-init-activation-histogram.backprop.yaml' }, ...events.map((event): HostToWebview => ({ type: 'event', runId, event }))];
}

const NO_FILES: SpecIO = {
  openFile: () => {
    throw new Error('the fixture reads no files');
  },
  mnist: () => {
    throw new Error('the fixture reads no digits');
  },
};

/** The side view on Sigmoid5 of the weight-init run (std 1), its heatmaps (and with `compare`, its variants) as the host builds them. */
export function sideWeightInitLayer(compare?: string): Extract<HostToSideView, { type: 'layer' }> {
  const events = weightInitRun(1, '{ std: 1 }', compare).flatMap((m) => (m.type === 'event' ? [m.event] : []));
  const start = events.find((e) => e.kind === 'start');
  const forward = events.find((e) => e.kind === 'forward' && e.index === 9);
  const backward = events.find((e) => e.kind === 'backward' && e.index === 9);
  if (start?.kind !== 'start' || start.form !== 'network' || forward?.kind !== 'forward' || backward?.kind !== 'backward') throw new Error('the weight-init run has no Sigmoid5');
  const info = start.layers[9];
  const heatmaps = sideHeatmaps({ info, activation: forward.activation, mask: forward.mask, dx: backward.dx, grads: backward.grads });
  const variants = events.find((e) => e.kind === 'variants');
  return {
    type: 'layer',
    spec: 'weight-init-activation-histogram.backprop.yaml',
    index: 9,
    info,
    heatmaps,
    ...(variants?.kind === 'variants' && { variants: variants.variants.map((v) => ({ label: v.label, ...v.layers[9] })) }),
    flow: flowOf(events),
    stale: false,
  };
}

/** The run's tensors as the host sends a baseline: by run-record name, each with fresh buffers and its own stats. */
function baselineTensors(events: RunEvent[]): Map<string, WireTensor> {
  const out = new Map<string, WireTensor>();
  const names = [...LAYERS.map((l) => l.name), LOSS.name];
  const copy = (t: WireTensor): WireTensor => {
    const data = new Float64Array(t.buffer.slice(0));
    return { shape: [...t.shape], buffer: data.buffer, stats: stats(t.shape, data) };
  };
  for (const e of events) {
    if (e.kind === 'forward') {
      const layer = names[e.index];
      out.set(`${layer}/out`, copy(e.activation));
      if (e.mask) out.set(`${layer}/mask`, copy(e.mask));
    } else if (e.kind === 'loss') {
      out.set(`${LOSS.name}/y`, copy(e.prediction));
      out.set(`${LOSS.name}/t`, copy(e.target));
      out.set(`${LOSS.name}/dx`, copy(e.dx));
      out.set(`${LOSS.name}/loss`, wire([], () => e.value));
    } else if (e.kind === 'backward') {
      const layer = names[e.index];
      out.set(`${layer}/dout`, copy(e.dout));
      out.set(`${layer}/dx`, copy(e.dx));
      for (const g of e.grads) out.set(`${layer}/d${g.name}`, copy(g.grad));
    }
  }
  return out;
}

/** Where the changed baseline differs from the run: Affine1's dW at [3, 1] by this much (the largest |Δ|), the loss by LOSS_DELTA. */
export const BASELINE_DW_DELTA = 0.25;
export const LOSS_DELTA = 0.125;

/**
 * The network run's baseline: with `changed`, as the run was before an edit: Affine1/dW differs at
 * [3, 1] and Relu1's output everywhere by a little; the hostile layer's dW had 6 columns (reshaped);
 * a layer Affine0 has gone (removed); Affine1's dx is too big to send (no values); the loss was
 * LOSS_DELTA lower. Without `changed`, it is the run itself: every Δ is 0.
 */
export function networkBaseline(changed: boolean): HostToWebview {
  const tensors = baselineTensors(networkEvents());
  if (changed) {
    const edit = (name: string, f: (data: Float64Array) => void) => {
      const t = tensors.get(name)!;
      const data = new Float64Array(t.buffer);
      f(data);
      tensors.set(name, { ...t, stats: stats(t.shape, data) });
    };
    edit('Affine1/dW', (d) => (d[3 * 50 + 1] -= BASELINE_DW_DELTA));
    edit('Relu1/out', (d) => d.forEach((v, i) => (d[i] = v * 0.99)));
    edit(`${LOSS.name}/loss`, (d) => (d[0] -= LOSS_DELTA));
    tensors.set(`${HOSTILE_NAME}/dW`, wire([50, 6], (r, c) => noise(r, c, 13) * 0.05));
    tensors.set('Affine0/out', wire([N, 20], (r, c) => noise(r, c, 2)));
    tensors.set('Affine0/dW', wire([20, 784], (r, c) => noise(r, c, 3)));
    const dx = tensors.get('Affine1/dx')!;
    tensors.set('Affine1/dx', { ...dx, buffer: new ArrayBuffer(0) });
  }
  return { type: 'baseline', baseline: { label: changed ? 'run of 12:03:41' : 'run of 12:05:10', tensors: [...tensors].map(([name, tensor]) => ({ name, tensor })) } };
}

/** A network run with its baseline sent right after the reset, as the host does. */
export function networkRunWithBaseline(runId: number, changed: boolean): HostToWebview[] {
  const [reset, ...rest] = networkRun(runId);
  return [reset, networkBaseline(changed), ...rest];
}

/**
 * The unchanged run against its baseline, as when Affine1's dx is a big batch: this run sends it as
 * a pooled preview (here of 2 columns to a cell), so its diff is not available; its stats still are.
 */
export function networkRunWithPreview(runId: number): HostToWebview[] {
  return networkRunWithBaseline(runId, false).map((m) => {
    if (m.type !== 'event' || m.event.kind !== 'backward' || m.event.index !== 0) return m;
    const dx = m.event.dx;
    const grid = poolMaxAbs(new Float64Array(dx.buffer), dx.shape[0], dx.shape[1], 392);
    const preview = { rowFactor: grid.rowFactor, colFactor: grid.colFactor, values: grid.values.buffer as ArrayBuffer, sourceIndex: grid.sourceIndex.buffer as ArrayBuffer };
    return { ...m, event: { ...m.event, dx: { shape: dx.shape, buffer: new ArrayBuffer(0), stats: dx.stats, preview } } };
  });
}

/**
 * The shop's baseline as the host sends it: the run of the shop with an apple at `apple`, saved as
 * run-record names its tensors (`node/value`, `node/grad`) and read back through baselineWire.
 */
export function shopBaseline(apple: number): HostToWebview {
  const nodes = shopNodes(apple);
  const result = { order: [], backward: [], values: new Map(nodes.map((n) => [n.name, n.value])), grads: new Map(nodes.map((n) => [n.name, n.grad])) };
  return { type: 'baseline', baseline: baselineWire(recordMap(graphTensors(result)), `apple at ${apple}`) };
}

/** The shop with an apple at `apple` against its baseline with an apple at 100, sent right after the reset as the host does. */
export function shopRunWithBaseline(runId: number, apple: number): HostToWebview[] {
  const [reset, ...rest] = shopRun(runId, apple);
  return [reset, shopBaseline(100), ...rest];
}
