// Comparing two runs: element-wise differences matched by name, the largest |Δ| and where, and what
// cannot be compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../../src/engine/rng';
import { runNetwork } from '../../src/engine/run';
import { diffRuns } from '../../src/engine/run-diff';
import { recordMap, runTensors } from '../../src/engine/run-record';
import { fromNested, tensor, type Tensor } from '../../src/engine/tensor';
import { loadSpec } from '../../src/spec';

const random = (rng: Rng, shape: number[]): Tensor => tensor(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()));

test('a diff is the element-wise difference current − baseline, with the largest |Δ|, its element and the over count', () => {
  const rng = new Rng(4);
  const [before, now] = [random(rng, [3, 4, 5]), random(rng, [3, 4, 5])];
  const { compared, incomparable } = diffRuns(new Map([['L/W', before]]), new Map([['L/W', now]]), { rtol: 0.5, atol: 0.1 });
  assert.deepEqual(incomparable, []);
  const [d] = compared;
  assert.deepEqual([d.name, d.layer, d.shape], ['L/W', 'L', [3, 4, 5]]);
  assert.deepEqual([...d.delta.data], [...now.data].map((v, i) => v - before.data[i]));
  const gaps = [...now.data].map((v, i) => Math.abs(v - before.data[i]));
  const worst = gaps.indexOf(Math.max(...gaps));
  assert.equal(d.maxAbs, gaps[worst]);
  assert.deepEqual(d.at, [Math.floor(worst / 20), Math.floor(worst / 5) % 4, worst % 5]);
  assert.deepEqual([d.current, d.baseline], [now.data[worst], before.data[worst]]);
  assert.equal(d.over, gaps.filter((g, i) => g > 0.1 + 0.5 * Math.abs(before.data[i])).length);
  assert.ok(d.over > 0 && d.over < 60, `a tolerance some pass and some fail: ${d.over}`);
});

test('NaN against NaN is no difference, NaN against a number is an infinite one, and an empty tensor has no element', () => {
  const before = new Map([['L/a', fromNested([NaN, 1, Infinity, 2])], ['L/e', tensor([0, 3])]]);
  const now = new Map([['L/a', fromNested([NaN, NaN, Infinity, 2.5])], ['L/e', tensor([0, 3])]]);
  const [a, e] = diffRuns(before, now, { rtol: 1e9, atol: 1e9 }).compared;
  assert.deepEqual([a.maxAbs, a.at, a.baseline, a.over], [Infinity, [1], 1, 1]);
  assert.ok(Number.isNaN(a.delta.data[0]) && Number.isNaN(a.delta.data[2]));
  assert.deepEqual([e.maxAbs, e.at, e.over, Number.isNaN(e.current)], [0, null, 0, true]);
});

/** The tensors of a run of `text` (a seeded spec) as diffRuns takes them. */
function runOf(text: string): Map<string, Tensor> {
  const io = { openFile: () => assert.fail('no files'), mnist: () => readFileSync('dist/mnist-digits.bin') };
  const loaded = loadSpec(text, 'r.backprop.yaml', io);
  assert.deepEqual(loaded.problems, []);
  return recordMap(runTensors(runNetwork(loaded.network!, loaded.x!, loaded.t ?? null, { train: true })));
}

const SPEC = `seed: 11
input: { random: { shape: [6, 4] } }
target: { labels: [0, 1, 2, 0, 1, 2] }
layers: [{ type: affine, units: 8, init: he }, relu, { type: dropout, ratio: 0.3 }, { type: affine, units: 3 }]
loss: softmax-with-loss
`;

test('an unchanged seeded spec (dropout included) diffs to exactly zero in every tensor', () => {
  const { compared, incomparable } = diffRuns(runOf(SPEC), runOf(SPEC));
  assert.deepEqual(incomparable, []);
  assert.equal(compared.length, 28);
  for (const d of compared) {
    assert.equal(d.maxAbs, 0, d.name);
    assert.equal(d.over, 0, d.name);
    assert.ok(d.delta.data.every((v) => Object.is(v, 0)), `${d.name}: every Δ is +0`);
  }
});

test('layers match by name: added, removed and reshaped are named with the reason; the rest are compared', () => {
  const before = runOf(SPEC);
  const now = runOf(SPEC.replace('units: 8, init: he }, relu', 'units: 8, init: xavier }, { type: tanh, name: Squash }').replace('units: 3', 'units: 3, name: Out'));
  const { compared, incomparable } = diffRuns(before, now);
  assert.deepEqual(
    incomparable.map((c) => [c.layer, c.name, c.reason, c.detail]),
    [
      ['Squash', null, 'added', '3 tensors'],
      ['Out', null, 'added', '8 tensors'],
      ['Relu1', null, 'removed', '4 tensors'],
      ['Affine2', null, 'removed', '8 tensors'],
    ],
  );
  assert.ok(compared.find((d) => d.name === 'Affine1/W')!.maxAbs > 0, 'xavier draws other weights');
  assert.equal(compared.find((d) => d.name === 'Affine1/x')!.maxAbs, 0);
  const reshaped = diffRuns(before, runOf(SPEC.replace('units: 8', 'units: 9'))).incomparable.filter((c) => c.name === 'Affine1/W');
  assert.deepEqual(reshaped, [{ layer: 'Affine1', name: 'Affine1/W', reason: 'reshaped', detail: '[4, 8] → [4, 9]' }]);
  const kept = new Map(before);
  kept.delete('Relu1/mask');
  assert.deepEqual(diffRuns(kept, before).incomparable, [{ layer: 'Relu1', name: 'Relu1/mask', reason: 'added', detail: '[6, 8]' }]);
  assert.deepEqual(diffRuns(before, kept).incomparable, [{ layer: 'Relu1', name: 'Relu1/mask', reason: 'removed', detail: '[6, 8]' }]);
});
