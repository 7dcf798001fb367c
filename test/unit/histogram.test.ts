// Histograms of activations and dx: exact bin counts, the fixed range of bounded outputs, and the
// book's weight-init figures (ch. 6.2) on the shipped example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { histogram } from '../../src/engine/stats';
import { tensor } from '../../src/engine/tensor';
import { runNetwork } from '../../src/engine/run';
import { loadSpec, type SpecIO } from '../../src/spec/index';
import { HISTOGRAM_BINS, toWire } from '../../src/worker/wire';

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
