// Histograms of activations and dx: exact bin counts, the fixed range of bounded outputs, the
// book's weight-init figures (ch. 6.2) on the shipped example, and its comparison of inits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { histogram } from '../../src/engine/stats';
import { tensor } from '../../src/engine/tensor';
import { runNetwork } from '../../src/engine/run';
import { loadSpec, type SpecIO } from '../../src/spec/index';
import { HISTOGRAM_BINS, variantDistributions } from '../../src/engine/distributions';
import { toWire } from '../../src/worker/wire';
import { runJob } from '../../src/worker/jobs';
import { CallClock } from '../../src/call-clock';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import type { WorkerToHost } from '../../src/protocol';

const NO_FILES: SpecIO = {
  openFile: () => {
    throw new Error('no files here');
  },
  mnist: () => {
    throw new Error('no digits here');
  },
};

test('bins are [lo + k·w, lo + (k+1)·w), the last holding hi; non-finite values are in none', () => {
  const t = tensor([6], Float64Array.of(0, 0.5, 1, 1, NaN, Infinity));
  assert.deepEqual(histogram(t, 2), { lo: 0, hi: 1, counts: [1, 3], outside: 0 });
  assert.deepEqual(histogram(t, 4), { lo: 0, hi: 1, counts: [1, 0, 1, 2], outside: 0 });
  // A fixed range leaves what is outside it out, and counts it.
  assert.deepEqual(histogram(t, 2, [0, 0.5]), { lo: 0, hi: 0.5, counts: [1, 1], outside: 2 });
  // A constant tensor fills the first bin; one with no finite value fills none.
  assert.deepEqual(histogram(tensor([3], Float64Array.of(-2, -2, -2)), 3), { lo: -2, hi: -2, counts: [3, 0, 0], outside: 0 });
  assert.deepEqual(histogram(tensor([2], Float64Array.of(NaN, -Infinity)), 2), { lo: 0, hi: 0, counts: [0, 0], outside: 0 });
});

/** Each sigmoid layer's activation histogram of the example with every init set to `init`. */
function sigmoidHistograms(init: string): number[][] {
  const text = readFileSync(join(__dirname, '../../../examples/weight-init-activation-histogram.backprop.yaml'), 'utf8').replaceAll('init: { std: 1 }', `init: ${init}`);
  const loaded = loadSpec(text, 'weight-init-activation-histogram.backprop.yaml', NO_FILES);
  assert.ok(loaded.network && loaded.x, JSON.stringify(loaded.problems));
  const out: number[][] = [];
  for (const e of runNetwork(loaded.network, loaded.x, null, { train: false, check: null })) {
    if (e.kind !== 'forward' || e.type !== 'sigmoid') continue;
    const { event } = toWire(e);
    assert.ok(event.kind === 'forward' && event.activation.histogram);
    // Sigmoid's outputs are binned over its bound, [0, 1], so every layer shares one axis.
    assert.deepEqual([event.activation.histogram.lo, event.activation.histogram.hi, event.activation.histogram.counts.length], [0, 1, HISTOGRAM_BINS]);
    out.push(event.activation.histogram.counts);
  }
  assert.equal(out.length, 5);
  return out;
}

const share = (counts: number[], bins: number[]): number => bins.reduce((a, k) => a + counts[k], 0) / counts.reduce((a, c) => a + c, 0);
const all = [...Array(HISTOGRAM_BINS).keys()];

test('the book\'s weight-init figures: std 1 piles sigmoid outputs at 0 and 1, std 0.01 at 0.5, Xavier spreads them', () => {
  for (const counts of sigmoidHistograms('{ std: 1 }')) assert.ok(share(counts, [0, HISTOGRAM_BINS - 1]) > 0.5, `${counts}`);
  // Bins 11 to 18 span [0.367, 0.633): nothing falls outside them, and most of it in the two around 0.5.
  for (const counts of sigmoidHistograms('{ std: 0.01 }')) {
    assert.equal(share(counts, [11, 12, 13, 14, 15, 16, 17, 18]), 1, `${counts}`);
    assert.ok(share(counts, [14, 15]) > 0.8, `${counts}`);
  }
  for (const counts of sigmoidHistograms('xavier')) {
    assert.ok(share(counts, [0, HISTOGRAM_BINS - 1]) < 0.01, `${counts}`);
    assert.ok(Math.max(...all.map((k) => share(counts, [k]))) < 0.15, `${counts}`);
  }
});

test('an unbounded activation is binned over its own range, and backward sends dx\'s histogram', () => {
  const x = tensor([2, 2], Float64Array.of(-3, 1, 2, 5));
  const forward = toWire({ kind: 'forward', index: 0, name: 'Affine1', type: 'affine', input: x, output: x, kept: {}, params: [] }).event;
  assert.ok(forward.kind === 'forward');
  assert.deepEqual([forward.activation.histogram?.lo, forward.activation.histogram?.hi], [-3, 5]);
  const backward = toWire({ kind: 'backward', index: 0, name: 'Affine1', type: 'affine', dout: x, dx: x, grads: [] }).event;
  assert.ok(backward.kind === 'backward');
  assert.equal(backward.dx.histogram?.counts.reduce((a, c) => a + c, 0), 4);
  assert.equal(backward.dout.histogram, undefined);
});

test('a comparison of inits runs each variant once and bins each layer on one range across them', () => {
  const name = 'weight-init-activation-histogram.backprop.yaml';
  const text = readFileSync(join(__dirname, '../../../examples', name), 'utf8');
  const loaded = loadSpec(text, name, NO_FILES);
  assert.ok(loaded.network && loaded.x && loaded.variantNetwork && loaded.spec?.form === 'network', JSON.stringify(loaded.problems));
  const labels = loaded.spec.compare!.variants.map((v) => v.label);
  assert.deepEqual(labels, ['std 1', 'std 0.01', 'xavier']);
  const variants = variantDistributions(labels, loaded.variantNetwork, loaded.x, null, false);
  assert.deepEqual(variants.map((v) => [v.label, v.loss, v.layers.length]), [['std 1', null, 10], ['std 0.01', null, 10], ['xavier', null, 10]]);
  // Oracle: the spec as written is std 1, so its run's histograms over the same ranges are variant 0's.
  const events = [...runNetwork(loaded.network, loaded.x, null, { train: false, check: null })];
  for (const [i, layer] of variants[0].layers.entries()) {
    const forward = events.find((e) => e.kind === 'forward' && e.index === i);
    const backward = events.find((e) => e.kind === 'backward' && e.index === i);
    assert.ok(forward?.kind === 'forward' && backward?.kind === 'backward');
    assert.deepEqual(layer.activation, histogram(forward.output, HISTOGRAM_BINS, [layer.activation.lo, layer.activation.hi]));
    assert.deepEqual(layer.dx, histogram(backward.dx, HISTOGRAM_BINS, [layer.dx.lo, layer.dx.hi]));
  }
  // One range per layer: the bound of a sigmoid, else the widest variant's, so nothing is outside it.
  for (let i = 0; i < 10; i++) {
    const ranges = variants.map((v) => [v.layers[i].activation.lo, v.layers[i].activation.hi, v.layers[i].dx.lo, v.layers[i].dx.hi]);
    for (const r of ranges) assert.deepEqual(r, ranges[0]);
    if (i % 2 === 1) assert.deepEqual(ranges[0].slice(0, 2), [0, 1]);
    for (const v of variants) assert.deepEqual([v.layers[i].activation.outside, v.layers[i].dx.outside], [0, 0]);
  }
  // The book's three figures, side by side.
  const sigmoid = (v: number) => variants[v].layers.filter((_, i) => i % 2 === 1).map((l) => l.activation.counts);
  for (const counts of sigmoid(0)) assert.ok(share(counts, [0, HISTOGRAM_BINS - 1]) > 0.5, `${counts}`);
  for (const counts of sigmoid(1)) assert.ok(share(counts, [14, 15]) > 0.8, `${counts}`);
  for (const counts of sigmoid(2)) assert.ok(share(counts, [0, HISTOGRAM_BINS - 1]) < 0.01 && Math.max(...all.map((k) => share(counts, [k]))) < 0.15, `${counts}`);
});

test('the run job posts the variants after the findings, and a run without a comparison posts none', async () => {
  const folder = join(__dirname, '../../../examples');
  const job = async (name: string, text = readFileSync(join(folder, name), 'utf8')) => {
    const messages: WorkerToHost[] = [];
    const request = { type: 'run', runId: 1, text, fileName: name, folder, check: false, save: false, mnistPath: '', thresholds: DEFAULT_THRESHOLDS, allowCustom: false, confineTo: null } as const;
    await runJob(request, (m) => messages.push(m), new CallClock());
    return messages.flatMap((m) => (m.type === 'event' ? [m.event] : []));
  };
  const name = 'weight-init-activation-histogram.backprop.yaml';
  const events = await job(name);
  assert.deepEqual(events.map((e) => e.kind).filter((k) => k !== 'forward' && k !== 'backward'), ['start', 'findings', 'variants', 'done']);
  const posted = events.find((e) => e.kind === 'variants');
  const loaded = loadSpec(readFileSync(join(folder, name), 'utf8'), name, NO_FILES);
  assert.deepEqual(posted, { kind: 'variants', key: 'init', variants: variantDistributions(['std 1', 'std 0.01', 'xavier'], loaded.variantNetwork!, loaded.x!, null, false) });
  const plain = await job(name, readFileSync(join(folder, name), 'utf8').replace(/compare:[^]*$/, ''));
  assert.equal(plain.some((e) => e.kind === 'variants'), false);
  // A comparison of optimizers differs in its training only: a run of it compares nothing.
  const optimizers = await job('o.backprop.yaml', 'input: { data: [[1, 0], [0, 1]] }\ntarget: { labels: [0, 1] }\nlayers: [{ type: affine, units: 2 }]\nloss: softmax-with-loss\ntrain: { iterations: 2, batch: 1 }\ncompare: { optimizer: [sgd, adam] }\n');
  assert.deepEqual(optimizers.at(-1)?.kind, 'done');
  assert.equal(optimizers.some((e) => e.kind === 'variants'), false);
});
