import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Layer, LossLayer } from '../../src/engine/layer';
import { Affine } from '../../src/engine/layers/affine';
import { BatchNorm } from '../../src/engine/layers/batchnorm';
import { Dropout } from '../../src/engine/layers/dropout';
import { MSELoss } from '../../src/engine/layers/mse';
import { Relu } from '../../src/engine/layers/relu';
import { SoftmaxWithLoss } from '../../src/engine/layers/softmax-with-loss';
import { Tanh } from '../../src/engine/layers/tanh';
import { DEFAULT_CHECK } from '../../src/engine/check-options';
import { checkNetwork, compareGradients, numericalGradient } from '../../src/engine/gradcheck';
import { initWeights } from '../../src/engine/init';
import { Sequential } from '../../src/engine/network';
import { Rng } from '../../src/engine/rng';
import { runNetwork, type RunEvent } from '../../src/engine/run';
import { clone, fromNested, tensor, type Tensor } from '../../src/engine/tensor';

const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

function randomTensor(rng: Rng, shape: number[]): Tensor {
  return tensor(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()));
}

/** Affine → BatchNorm → ReLU → Dropout → Affine → loss (SoftmaxWithLoss by default), all drawn from one seed. */
function buildNet(seed: number, loss: LossLayer = new SoftmaxWithLoss()): { net: Sequential; x: Tensor; t: Tensor } {
  const rng = new Rng(seed);
  const layers: Layer[] = [
    new Affine('Affine1', initWeights([6, 5], 'he', rng), tensor([5])),
    new BatchNorm('BatchNorm1', tensor([5], new Float64Array(5).fill(1)), tensor([5])),
    new Relu('Relu1'),
    new Dropout('Dropout1', 0.3, rng),
    new Affine('Affine2', initWeights([5, 3], 'xavier', rng), randomTensor(rng, [3])),
  ];
  return { net: new Sequential(layers, loss), x: randomTensor(rng, [4, 6]), t: fromNested([0, 2, 1, 2]) };
}

/** Every tensor and number in an event stream, flattened in order, as bytes. */
function serialize(events: RunEvent[]): Buffer {
  const parts: Buffer[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Float64Array) parts.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    else if (typeof v === 'number') parts.push(Buffer.from(Float64Array.of(v).buffer));
    else if (typeof v === 'string' || typeof v === 'boolean') parts.push(Buffer.from(String(v)));
    else if (v && typeof v === 'object') for (const [k, w] of Object.entries(v)) {
      parts.push(Buffer.from(k));
      walk(w);
    }
  };
  walk(events);
  return Buffer.concat(parts);
}

test('runNetwork streams forward, loss, backward from the last layer, checks, then done', () => {
  const { net, x, t } = buildNet(1);
  const events = [...runNetwork(net, x, t, { train: true, check: DEFAULT_CHECK })];
  const summary = events.map((e) => ('index' in e ? `${e.kind}:${e.index}${e.kind === 'check' ? e.param : ''}` : e.kind));
  assert.deepEqual(summary, [
    'forward:0', 'forward:1', 'forward:2', 'forward:3', 'forward:4', 'loss',
    'backward:4', 'backward:3', 'backward:2', 'backward:1', 'backward:0',
    'check:0W', 'check:0b', 'check:0dx', 'check:1gamma', 'check:1beta', 'check:1dx', 'check:2dx', 'check:3dx', 'check:4W', 'check:4b', 'check:4dx', 'done',
  ]);
  const forwards = events.filter((e) => e.kind === 'forward');
  assert.strictEqual(forwards[0].input, x);
  for (let i = 1; i < forwards.length; i++) assert.strictEqual(forwards[i].input, forwards[i - 1].output);
  assert.ok(forwards[2].kept.mask && forwards[3].kept.mask);
  assert.notStrictEqual(forwards[0].params[0].value, net.layers[0].params[0].value, 'params are copies');
  const backwards = events.filter((e) => e.kind === 'backward');
  for (let i = 1; i < backwards.length; i++) assert.strictEqual(backwards[i].dout, backwards[i - 1].dx);
  const done = events[events.length - 1];
  const loss = events.find((e) => e.kind === 'loss')!;
  assert.ok(done.kind === 'done' && loss.kind === 'loss' && done.loss === loss.value && Number.isFinite(done.loss));
  for (const e of events) if (e.kind === 'check') assert.ok(e.result.ok, `${e.name}.${e.param}: max abs diff ${e.result.maxAbsDiff}`);
});

test('same seed gives the same bits for a full run with checks', () => {
  const run = (): Buffer => {
    const { net, x, t } = buildNet(42);
    return serialize([...runNetwork(net, x, t, { train: true, check: DEFAULT_CHECK })]);
  };
  const a = run();
  assert.ok(a.equals(run()));
  const { net, x, t } = buildNet(43);
  assert.ok(!a.equals(serialize([...runNetwork(net, x, t, { train: true, check: DEFAULT_CHECK })])));
});

test('the check changes nothing anyone holds, and leaves the network as after a plain run', () => {
  const { net, x, t } = buildNet(5);
  const snapshots: [Tensor, Buffer][] = [];
  const values = net.layers.map((l) => l.params.map((p) => [p.value, bytes(p.value)] as const));
  const dropout = net.layers[3] as Dropout;
  const bn = net.layers[1] as BatchNorm;
  let mask: Tensor | null = null;
  let runningMean: Tensor | null = null;
  const backwardGrads = new Map<string, Tensor>();
  const kept: Record<string, Buffer> = {};
  for (const e of runNetwork(net, x, t, { train: true, check: DEFAULT_CHECK })) {
    if (e.kind === 'forward') for (const k of Object.values(e.kept)) snapshots.push([k, bytes(k)]);
    if (e.kind === 'backward') {
      for (const tt of [e.dout, e.dx]) snapshots.push([tt, bytes(tt)]);
      for (const g of e.grads) backwardGrads.set(`${e.index}${g.name}`, g.grad);
    }
    if (e.kind === 'loss') {
      mask = dropout.mask;
      runningMean = bn.runningMean;
      for (const [i, l] of net.layers.entries()) for (const [k, v] of Object.entries(l.kept())) kept[`${i}${k}`] = bytes(v);
      kept.lossY = bytes(net.loss!.kept().y);
    }
  }
  for (const [tt, b] of snapshots) assert.ok(bytes(tt).equals(b), 'an event tensor changed');
  net.layers.forEach((l, i) =>
    l.params.forEach((p, k) => {
      assert.strictEqual(p.value, values[i][k][0]);
      assert.ok(bytes(p.value).equals(values[i][k][1]), `${l.name}.${p.name} value restored`);
      assert.ok(bytes(p.grad!).equals(bytes(backwardGrads.get(`${i}${p.name}`)!)), `${l.name}.${p.name} grad as after backward`);
    }),
  );
  assert.strictEqual(dropout.mask, mask, 'the check reused the run’s mask');
  assert.strictEqual(bn.runningMean, runningMean, 'the check left running statistics alone');
  assert.ok(!dropout.frozen && !bn.frozen, 'frozen flags restored');
  for (const [i, l] of net.layers.entries()) for (const [k, v] of Object.entries(l.kept())) assert.ok(bytes(v).equals(kept[`${i}${k}`]), `kept ${i}${k}`);
  assert.ok(bytes(net.loss!.kept().y).equals(kept.lossY), 'loss kept y');
  // The check drew nothing from the rng: the next mask equals the one a run without check would draw.
  const plain = buildNet(5);
  for (const _ of runNetwork(plain.net, plain.x, plain.t, { train: true }));
  (plain.net.layers[3] as Dropout).forward(x, true);
  dropout.forward(x, true);
  assert.ok(bytes(dropout.mask!).equals(bytes((plain.net.layers[3] as Dropout).mask!)));
});

test('without a loss, backward starts from ones and the check differentiates the sum of outputs', () => {
  const rng = new Rng(9);
  const net = new Sequential([new Affine('Affine1', randomTensor(rng, [3, 4]), randomTensor(rng, [4])), new Tanh('Tanh1')], null);
  const x = randomTensor(rng, [2, 3]);
  const events = [...runNetwork(net, x, null, { train: false, check: DEFAULT_CHECK })];
  const last = events.find((e) => e.kind === 'backward')!;
  assert.ok(last.kind === 'backward' && last.index === 1);
  assert.deepEqual(last.dout.shape, [2, 4]);
  assert.ok(last.dout.data.every((v) => v === 1));
  assert.deepEqual(events[events.length - 1], { kind: 'done', loss: null });
  assert.ok(!events.some((e) => e.kind === 'loss'));
  for (const e of events) if (e.kind === 'check') assert.ok(e.result.ok);
});

test('gradcheck passes on correct networks in both modes', () => {
  const oneHot = fromNested([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]]);
  for (const train of [true, false]) {
    for (const mse of [false, true]) {
      const { net, x, t } = buildNet(7, mse ? new MSELoss() : new SoftmaxWithLoss());
      const target = mse ? oneHot : t;
      // gives BatchNorm running statistics
      if (!train) for (const _ of runNetwork(net, x, target, { train: true }));
      for (const r of checkNetwork(net, x, target, train)) {
        const what = `${train ? 'train' : 'eval'} ${net.loss!.name} ${r.name}.${r.param}`;
        assert.ok(r.result.ok, what);
        // Without the softmax loss's +1e-7 guard, backprop and central differences (h = 1e-4) agree to ~1e-8;
        // with it they differ by up to 1e-7 / y for a true-class probability y (here y ≈ 5e-4 in eval).
        assert.ok(r.result.maxAbsDiff < (mse ? 1e-7 : 1e-3), `${what}: ${r.result.maxAbsDiff}`);
      }
    }
  }
});

/** Affine whose dW is wrong by ×1.5 at one element. */
class OneWrongAffine extends Affine {
  override backward(dout: Tensor): Tensor {
    const dx = super.backward(dout);
    const dW = clone(this.params[0].grad!);
    dW.data[1 * 3 + 2] *= 1.5;
    this.params[0].grad = dW;
    return dx;
  }
}

/** Tanh whose dx is off by a factor 2. */
class DoubledTanh extends Tanh {
  override backward(dout: Tensor): Tensor {
    const dx = super.backward(dout);
    return tensor(dx.shape, dx.data.map((v) => 2 * v));
  }
}

test('gradcheck fails on a wrong layer, and its error tensor points at the wrong elements', () => {
  const rng = new Rng(21);
  const x = randomTensor(rng, [4, 2]);
  // MSE keeps the softmax loss's 1e-7 guard out of the way, so the errors of correct elements are ~1e-11.
  const t = randomTensor(rng, [4, 3]);
  const one = new Sequential([new OneWrongAffine('Affine1', randomTensor(rng, [2, 3]), randomTensor(rng, [3]))], new MSELoss());
  const [w, b] = checkNetwork(one, x, t, true);
  assert.ok(b.result.ok);
  assert.strictEqual(w.result.ok, false);
  assert.strictEqual(w.result.failures, 1);
  const err = w.result.error.data;
  assert.deepEqual(w.result.error.shape, [2, 3]);
  assert.strictEqual(err.indexOf(Math.max(...err)), 5);
  assert.ok(Math.abs(err[5] - Math.abs(0.5 * w.result.numerical.data[5])) < 1e-9);
  assert.ok(Math.max(...err.subarray(0, 5)) < 1e-9);
  assert.strictEqual(w.result.maxAbsDiff, err[5]);
  assert.ok(Math.abs(w.result.maxRelError - 1 / 3) < 1e-9, 'a = 1.5·n gives |a − n| / |a| = 1/3');

  // A wrong dx upstream of Affine2 breaks only the parameters before it, and its own dx check.
  const net = new Sequential(
    [
      new Affine('Affine1', randomTensor(rng, [2, 3]), randomTensor(rng, [3])),
      new DoubledTanh('Tanh1'),
      new Affine('Affine2', randomTensor(rng, [3, 3]), randomTensor(rng, [3])),
    ],
    new MSELoss(),
  );
  const results = checkNetwork(net, x, t, true);
  assert.deepEqual(results.map((r) => `${r.name}.${r.param}:${r.result.ok}`), ['Affine1.W:false', 'Affine1.b:false', 'Affine1.dx:true', 'Tanh1.dx:false', 'Affine2.W:true', 'Affine2.b:true', 'Affine2.dx:true']);
  assert.strictEqual(results[0].result.failures, 6);
  for (let i = 0; i < 6; i++) {
    const { analytic, numerical } = results[0].result;
    assert.ok(Math.abs(analytic.data[i] - 2 * numerical.data[i]) < 1e-7, 'analytic is twice the truth');
  }
  const tanh = results[3].result;
  assert.deepEqual([tanh.failures, tanh.nonDifferentiable, tanh.shape], [12, 0, [4, 3]]);
  tanh.numerical.data.forEach((n, i) => assert.ok(Math.abs(tanh.analytic.data[i] - 2 * n) < 1e-7, `Tanh1.dx[${i}] is twice the truth`));
});

test('numericalGradient restores every element bit for bit and differentiates', () => {
  const values = Float64Array.from([0.1, -1e-300, 3, 0.7]);
  const before = Buffer.from(values.slice().buffer);
  const seen: number[] = [];
  const g = numericalGradient(() => {
    seen.push(values[0]);
    return values.reduce((s, v) => s + v * v, 0);
  }, values, 1e-4);
  assert.ok(Buffer.from(values.buffer).equals(before));
  assert.deepEqual(seen.slice(0, 2), [0.1 + 1e-4, 0.1 - 1e-4]);
  [0.2, -2e-300, 6, 1.4].forEach((e, i) => assert.ok(Math.abs(g[i] - e) < 1e-9, `${i}: ${g[i]}`));
});

/** Differences whose central difference is exactly `numerical` (with h = 0.5) and whose one-sided slopes agree. */
const straight = (numerical: number[]) => ({
  f0: 0,
  plus: Float64Array.from(numerical, (n) => n * 0.5),
  minus: Float64Array.from(numerical, (n) => -n * 0.5),
});

test('compareGradients applies |a − n| ≤ atol + rtol·|n| per element and counts NaN as failing', () => {
  const r = compareGradients(fromNested([1, 0, NaN, 2, 0.5]), straight([1.0005, 0, 1, 2.5, 0.5]), { h: 0.5, atol: 0, rtol: 1e-3 });
  assert.strictEqual(r.failures, 2);
  assert.strictEqual(r.ok, false);
  assert.deepEqual([...r.error.data].map((v) => (Number.isNaN(v) ? 'NaN' : v.toFixed(4))), ['0.0005', '0.0000', 'NaN', '0.5000', '0.0000']);
  assert.ok(Number.isNaN(r.maxAbsDiff) && Number.isNaN(r.meanAbsDiff));
  assert.deepEqual([...r.numerical.data], [1.0005, 0, 1, 2.5, 0.5]);
  assert.strictEqual(r.nonDifferentiable, 0);
  const clean = compareGradients(fromNested([1, 0, 2]), straight([1.0005, 0, 2.5]), { h: 0.5, atol: 0.5, rtol: 0 });
  assert.strictEqual(clean.failures, 0);
  assert.ok(Math.abs(clean.maxRelError - 0.2) < 1e-15 && Math.abs(clean.meanAbsDiff - 0.5005 / 3) < 1e-15);
});

test('a network with a loss but no targets says so', () => {
  const { net, x } = buildNet(1);
  assert.throws(() => [...runNetwork(net, x, null, { train: true })], /SoftmaxWithLoss needs targets/);
  assert.throws(() => net.objective(x, null, true), /SoftmaxWithLoss needs targets/);
});

test('the loss event carries the targets as one-hot rows and dx = (y − t)/N, the dout the last layer gets', () => {
  // Zero scores: softmax gives 0.5 in each of 2 classes; labels [1, 0] are rows [0, 1] and [1, 0]; N = 2.
  const zeroAffine = () => new Affine('Affine1', tensor([2, 2]), tensor([2]));
  const events = [...runNetwork(new Sequential([zeroAffine()], new SoftmaxWithLoss()), fromNested([[1, 2], [3, 4]]), fromNested([1, 0]), { train: true })];
  const loss = events.find((e) => e.kind === 'loss')!;
  const backward = events.find((e) => e.kind === 'backward')!;
  assert.ok(loss.kind === 'loss' && backward.kind === 'backward');
  assert.deepEqual([...loss.y.data], [0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(loss.t.shape, [2, 2]);
  assert.deepEqual([...loss.t.data], [0, 1, 1, 0]);
  assert.deepEqual([...loss.dx.data], [0.25, -0.25, -0.25, 0.25]);
  assert.strictEqual(backward.dout, loss.dx);

  // MSE: y is the scores themselves, t as given.
  const mse = [...runNetwork(new Sequential([zeroAffine()], new MSELoss()), fromNested([[1, 2]]), fromNested([[1, 3]]), { train: true })].find((e) => e.kind === 'loss')!;
  assert.ok(mse.kind === 'loss');
  assert.deepEqual([...mse.t.data], [1, 3]);
  assert.deepEqual([...mse.dx.data], [-1, -3]);
});
