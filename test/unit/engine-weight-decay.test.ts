// Weight decay as the book's MultiLayerNetExtend: loss + ½λΣ‖W‖² over every affine W, dW + λW, in
// the objective, the run's events and the gradient check; and the spec key that turns it on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEachParamPlain, checkNetwork } from '../../src/engine/gradcheck';
import type { Layer } from '../../src/engine/layer';
import { Affine } from '../../src/engine/layers/affine';
import { BatchNorm } from '../../src/engine/layers/batchnorm';
import { SoftmaxWithLoss } from '../../src/engine/layers/softmax-with-loss';
import { Tanh } from '../../src/engine/layers/tanh';
import { Sequential } from '../../src/engine/network';
import { runNetwork } from '../../src/engine/run';
import { fromNested, type Tensor } from '../../src/engine/tensor';
import { loadSpec } from '../../src/spec';

const LAMBDA = 0.1;

/** Affine(2→2) → Tanh → BatchNorm → Affine(2→2), with weights whose squares sum by hand. */
function layers(): Layer[] {
  return [
    new Affine('Affine1', fromNested([[1, 2], [3, 4]]), fromNested([0.5, -0.5])),
    new Tanh('Tanh1'),
    new BatchNorm('BatchNorm1', fromNested([2, 3]), fromNested([0.1, 0.2])),
    new Affine('Affine2', fromNested([[0.5, -1], [0, 0]]), fromNested([0, 0.25])),
  ];
}

const x = fromNested([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]]);
const t = fromNested([1, 0, 1]);

const decayed = () => new Sequential(layers(), new SoftmaxWithLoss(), LAMBDA);
const plain = () => new Sequential(layers(), new SoftmaxWithLoss());

/** The gradient of param `k` of layer `index` after one objective and backward. */
function gradOf(net: Sequential, index: number, k: number): Tensor {
  net.objective(x, t, true);
  net.backward();
  return net.layers[index].params[k].grad ?? assert.fail('no gradient');
}

test('the loss gains ½λΣ‖W‖² over the affine layers only (BatchNorm gamma is not decayed)', () => {
  // ½·0.1·(1 + 4 + 9 + 16) + ½·0.1·(0.25 + 1) = 1.5 + 0.0625.
  assert.ok(Math.abs(decayed().penalty() - 1.5625) <= 1e-15, String(decayed().penalty()));
  assert.equal(decayed().objective(x, t, true), plain().objective(x, t, true) + decayed().penalty());
  assert.equal(plain().penalty(), 0);
});

test('dW gains λW, exactly; b, gamma and beta are unchanged', () => {
  const [a, b] = [decayed(), plain()];
  for (const index of [0, 3]) {
    const W = a.layers[index].params[0].value.data;
    const expected = gradOf(b, index, 0).data.map((g, i) => g + LAMBDA * W[i]);
    assert.deepEqual([...gradOf(a, index, 0).data], [...expected]);
    assert.deepEqual([...gradOf(a, index, 1).data], [...gradOf(b, index, 1).data]);
  }
  assert.deepEqual([...gradOf(a, 2, 0).data], [...gradOf(b, 2, 0).data]);
});

test("a run's events carry the decayed loss and dW, as objective and backward give them", () => {
  const net = decayed();
  const events = [...runNetwork(net, x, t, { train: true })];
  const loss = events.find((e) => e.kind === 'loss');
  assert.equal(loss?.kind === 'loss' && loss.value, decayed().objective(x, t, true));
  const back = events.find((e) => e.kind === 'backward' && e.name === 'Affine1');
  assert.deepEqual(back?.kind === 'backward' && [...back.grads[0].grad.data], [...gradOf(decayed(), 0, 0).data]);
});

test('the gradient check passes with weight decay, both ways, and fails when dW leaves out λW', () => {
  const [fast, plainCheck] = [checkNetwork(decayed(), x, t, true), [...checkEachParamPlain(decayed(), x, t, true)]];
  for (const results of [fast, plainCheck]) {
    for (const r of results) assert.ok(r.result.ok, `${r.name}.${r.param}: max |a−n| ${r.result.maxAbsDiff}`);
  }
  // The suffix check adds the penalty's change, ½λ((w ± h)² − w²); the plain one recomputes it whole.
  fast.forEach((r, k) => {
    const [a, b] = [r.result.numerical.data, plainCheck[k].result.numerical.data];
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-9, `${r.name}.${r.param}[${i}]: ${v} vs ${b[i]}`));
  });
  // Backward without the decay term: the numerical side has it, so every W check fails.
  class Undecayed extends Sequential {
    override decayGradient(): void {}
  }
  const wrong = checkNetwork(new Undecayed(layers(), new SoftmaxWithLoss(), LAMBDA), x, t, true);
  assert.deepEqual(
    wrong.filter((r) => !r.result.ok).map((r) => `${r.name}.${r.param}`),
    ['Affine1.W', 'Affine2.W'],
  );
});

test('weight decay needs a loss and a non-negative λ', () => {
  assert.throws(() => new Sequential(layers(), null, 0.1), /weight decay needs a loss layer/);
  assert.throws(() => new Sequential(layers(), new SoftmaxWithLoss(), -1), /non-negative/);
  assert.throws(() => new Sequential(layers(), new SoftmaxWithLoss(), NaN), /non-negative/);
});

test('train: { weightDecay } builds a decayed network whose check passes', () => {
  const text = `input: { random: { shape: [4, 3] } }
target: { labels: [0, 1, 1, 0] }
layers: [{ type: affine, units: 5, init: he }, relu, { type: affine, units: 2, init: xavier }]
loss: softmax-with-loss
seed: 3
train: { iterations: 1, batch: 2, weightDecay: 0.5 }
`;
  const io = { openFile: () => assert.fail('no files'), mnist: () => assert.fail('no digits') };
  const loaded = loadSpec(text, 'd.backprop.yaml', io);
  assert.deepEqual(loaded.problems, []);
  const net = loaded.network ?? assert.fail('no network');
  assert.equal(net.weightDecay, 0.5);
  const W = net.layers.filter((l) => l.type === 'affine').map((l) => l.params[0].value.data);
  const squares = W.map((w) => w.reduce((s, v) => s + v * v, 0));
  assert.ok(squares[0] > 1, 'a penalty large enough to matter');
  const events = [...runNetwork(net, loaded.x!, loaded.t!, { train: true, check: { h: 1e-5, atol: 1e-6, rtol: 1e-4 } })];
  const checks = events.filter((e) => e.kind === 'check');
  assert.equal(checks.length, 7); // W, b and dx of each affine layer, and the ReLU's dx
  for (const c of checks) assert.ok(c.kind === 'check' && c.result.ok, c.kind === 'check' ? `${c.name}.${c.param}` : '');
  const done = events.at(-1);
  const unpenalized = new Sequential(net.layers, net.loss).objective(loaded.x!, loaded.t!, true);
  assert.ok(done?.kind === 'done' && Math.abs(done.loss! - unpenalized - 0.25 * (squares[0] + squares[1])) <= 1e-12);
});
