// The bounded training history shared by the host and the training views: thinning keeps every curve
// within its capacity over the whole run, loss points merge by their exact mean, and the wire form
// round-trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLOW_PERCENTILES, type TrainProgress } from '../../src/protocol';
import { HISTORY_CAPACITY, TrainHistory } from '../../src/train-history';

const W = FLOW_PERCENTILES.length;

/** A progress message of `steps` with loss f(step) and, for each of `layers` flow layers, percentiles step + layer/10 + k/100. */
function progress(steps: number[], f: (s: number) => number, layers: number): TrainProgress {
  const last = steps[steps.length - 1];
  const flow = new Float64Array(layers * W);
  for (let l = 0; l < layers; l++) for (let k = 0; k < W; k++) flow[l * W + k] = last + l / 10 + k / 100;
  return { step: last, elapsedMs: last, lossSteps: Float64Array.from(steps).buffer, losses: Float64Array.from(steps, f).buffer, flowStep: last, flow: flow.buffer };
}

test('100,000 steps stay within the capacity, spread over the whole run', () => {
  const h = new TrainHistory(2);
  for (let first = 1; first <= 100_000; first += 10) h.add(progress(Array.from({ length: 10 }, (_, i) => first + i), (s) => 1 / s, 2));
  for (const curve of [h.loss, h.flow]) {
    assert.ok(curve.length <= HISTORY_CAPACITY, `${curve.length} rows`);
    assert.ok(curve.length > HISTORY_CAPACITY / 2, `${curve.length} rows: thinned too far`);
    assert.equal(curve.steps[curve.length - 1], 100_000);
    // Halving keeps points evenly spread: the first is an early step, not a late one.
    assert.ok(curve.steps[0] <= (2 * 100_000) / HISTORY_CAPACITY, `first step ${curve.steps[0]}`);
    for (let i = 1; i < curve.length; i++) assert.ok(curve.steps[i] > curve.steps[i - 1], 'steps ascend');
  }
  // 10,000 flow samples: each row still holds both layers' percentiles of one sample.
  const last = (h.flow.length - 1) * h.flow.width;
  assert.deepEqual([...h.flow.values.subarray(last, last + 2)], [100_000, 100_000.01]);
  assert.equal(h.flow.values[last + W], 100_000.1);
});

test('merged loss points are the exact mean of their steps, at the last one; flow points keep their latest sample', () => {
  const h = new TrainHistory(1, 4);
  for (let s = 1; s <= 9; s++) h.add(progress([s], (x) => x, 1));
  // Full at step 4; step 5 halves to [2: 1.5, 4: 3.5], and from then on two steps make a point. Full
  // again at step 8; step 9 halves to [4: mean(1..4), 8: mean(5..8)] and starts a point of four steps.
  assert.deepEqual([h.loss.stride, h.loss.last], [4, 1]);
  assert.deepEqual([...h.loss.steps.subarray(0, h.loss.length)], [4, 8, 9]);
  assert.deepEqual([...h.loss.values.subarray(0, h.loss.length)], [2.5, 6.5, 9]);
  for (let s = 10; s <= 11; s++) h.add(progress([s], (x) => x, 1));
  assert.deepEqual([...h.loss.steps.subarray(0, h.loss.length)], [4, 8, 11]);
  assert.deepEqual([...h.loss.values.subarray(0, h.loss.length)], [2.5, 6.5, 10]);
  assert.deepEqual([...h.flow.steps.subarray(0, h.flow.length)], [4, 8, 11]);
  assert.deepEqual([...h.flow.values.subarray(0, W)], FLOW_PERCENTILES.map((_, k) => 4 + k / 100));
  assert.deepEqual([...h.flow.values.subarray(2 * W, 3 * W)], FLOW_PERCENTILES.map((_, k) => 11 + k / 100));
});

test('from(wire()) round-trips the curves and the evaluations', () => {
  const h = new TrainHistory(2, 64);
  for (let first = 1; first <= 500; first += 5) h.add(progress([first, first + 1, first + 2, first + 3, first + 4], (s) => Math.sin(s) + 2, 2));
  h.evals.push({ step: 250, epoch: 0.5, loss: 1.2, trainAcc: 0.8, testAcc: 0.78 }, { step: 500, epoch: 1, loss: 0.9, trainAcc: 0.9, testAcc: 0.88 });
  const wire = h.wire();
  const back = TrainHistory.from(wire, 2, 64);
  const again = back.wire();
  for (const key of ['lossSteps', 'losses', 'flowSteps', 'flow'] as const) assert.deepEqual(new Float64Array(again[key]), new Float64Array(wire[key]), key);
  assert.deepEqual(again.evals, wire.evals);
  assert.equal(back.loss.length, h.loss.length);
  assert.equal(back.flow.length, h.flow.length);
  // The wire form is a copy, and the rebuilt history thins on as the original does.
  assert.ok(h.loss.stride > 1 && h.loss.last < h.loss.stride, `stride ${h.loss.stride}, last ${h.loss.last}`);
  for (let s = 501; s <= 900; s++) for (const x of [h, back]) x.add(progress([s], (v) => Math.cos(v), 2));
  assert.equal(new Float64Array(wire.lossSteps).length, new Float64Array(again.lossSteps).length);
  const [a, b] = [h.wire(), back.wire()];
  for (const key of ['lossSteps', 'losses', 'flowSteps', 'flow'] as const) assert.deepEqual(new Float64Array(b[key]), new Float64Array(a[key]), key);
  assert.deepEqual([b.lossFill, b.flowFill], [a.lossFill, a.flowFill]);
});
