// Optimizers against the book's common/optimizer.py, and the training loop on a separable set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Param } from '../../src/engine/layer';
import { fastStep } from '../../src/engine/fast-step';
import { Affine } from '../../src/engine/layers/affine';
import { Convolution } from '../../src/engine/layers/convolution';
import { Pooling } from '../../src/engine/layers/pooling';
import { Relu } from '../../src/engine/layers/relu';
import { SoftmaxWithLoss } from '../../src/engine/layers/softmax-with-loss';
import { Sequential } from '../../src/engine/network';
import { AdaGrad, Adam, createOptimizer, Momentum, Nesterov, RMSprop, SGD, type Optimizer } from '../../src/engine/optimizers';
import { Rng } from '../../src/engine/rng';
import { accuracy, measuresAccuracy } from '../../src/engine/accuracy';
import { firstNonFinite, train, type TrainEvent } from '../../src/engine/train';
import { MSELoss } from '../../src/engine/layers/mse';
import { fromNested, tensor, type Tensor } from '../../src/engine/tensor';

/** Two updates of W = [1, −2, 0.5] with gradients g1 then g2; returns W after each and every value tensor seen. */
function twoSteps(opt: Optimizer): { after1: number[]; after2: number[]; values: Tensor[] } {
  const p: Param = { name: 'W', value: fromNested([1, -2, 0.5]), grad: fromNested([0.5, -1, 2]) };
  const values = [p.value];
  opt.update([p]);
  values.push(p.value);
  const after1 = [...p.value.data];
  p.grad = fromNested([0.25, 3, -2]);
  opt.update([p]);
  values.push(p.value);
  return { after1, after2: [...p.value.data], values };
}

/** Within 1e-15 relative (float64 pow/sqrt may differ from numpy's in the last bit). */
function close(actual: number[], expected: number[]): void {
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= 1e-15 * Math.abs(expected[i]), `element ${i}: ${a} vs ${expected[i]}`));
}

// Expected values: by hand for SGD and Momentum (lr 0.01: 1 − 0.005 = 0.995, …), and for AdaGrad and
// Adam from the book's optimizer.py run in numpy float64 on the same inputs.
test('SGD: W − lr·dW, two steps, and the old value tensors are never written', () => {
  const { after1, after2, values } = twoSteps(new SGD());
  assert.deepEqual(after1, [0.995, -1.99, 0.48]);
  assert.deepEqual(after2, [0.9925, -2.02, 0.5]);
  assert.deepEqual([...values[0].data], [1, -2, 0.5]);
  assert.notEqual(values[1], values[2]);
});

test('Momentum: v = 0.9·v − lr·dW, W + v, two steps', () => {
  const { after1, after2, values } = twoSteps(new Momentum());
  assert.deepEqual(after1, [0.995, -1.99, 0.48]);
  // v2 = 0.9·[−0.005, 0.01, −0.02] − 0.01·[0.25, 3, −2] = [−0.007, −0.021, 0.002]
  close(after2, [0.988, -2.011, 0.482]);
  assert.deepEqual([...values[1].data], after1);
});

test('AdaGrad: h += dW², W − lr·dW/(√h + 1e-7), two steps', () => {
  const { after1, after2 } = twoSteps(new AdaGrad());
  close(after1, [0.9900000019999996, -1.9900000009999999, 0.4900000005]);
  close(after2, [0.9855278668449999, -1.999486833680505, 0.49707106806186546]);
});

// Nesterov and RMSprop use only +, −, ·, / and √, each correctly rounded in float64, so the book's
// formulas run in Python floats (the same operations, in its order) give these exact bits.
test("Nesterov: the book's form v = 0.9·v − lr·dW, W + 0.81·v − 1.9·lr·dW, two steps", () => {
  const { after1, after2, values } = twoSteps(new Nesterov());
  // By hand: v1 = [−0.005, 0.01, −0.02]; W1 = W + 0.81·v1 − 0.019·g1 = [1 − 0.00405 − 0.0095, …].
  close(after1, [0.98645, -1.9729, 0.4458]);
  assert.deepEqual(after1, [0.98645, -1.9729, 0.44580000000000003]);
  // v2 = 0.9·v1 − 0.01·g2 = [−0.007, −0.021, 0.002]; W2 = W1 + 0.81·v2 − 0.019·g2.
  close(after2, [0.97603, -2.04691, 0.48542]);
  assert.deepEqual(after2, [0.9760300000000001, -2.04691, 0.48542]);
  assert.deepEqual([...values[1].data], after1);
});

test('RMSprop: h = 0.99·h + 0.01·dW², W − lr·dW/(√h + 1e-7), two steps', () => {
  const { after1, after2 } = twoSteps(new RMSprop());
  // By hand: h1 = 0.01·g1² = [0.0025, 0.01, 0.04], √h1 = 0.1·|g1|, so each step is 0.1·sign(g1)
  // shrunk by the guard: 0.005 / 0.0500001 = 0.0999998000004, 0.01 / 0.1000001, 0.02 / 0.2000001 (to
  // 1e-14: 1 − 0.99 is 0.010000000000000009 in float64, so h1 is a few ulps above these).
  const byHand = [1 - 0.0999998000004, -2 + 0.0999999000001, 0.5 - 0.09999995000002];
  after1.forEach((w, i) => assert.ok(Math.abs(w - byHand[i]) <= 1e-14, `element ${i}: ${w} vs ${byHand[i]}`));
  assert.deepEqual(after1, [0.9000001999996, -1.9000000999999, 0.40000004999997507]);
  // h2 = 0.99·h1 + 0.01·g2² = [0.0031, 0.0999, 0.0796]; W2 = W1 − 0.01·g2 / (√h2 + 1e-7).
  const h2 = [0.0031, 0.0999, 0.0796];
  const g2 = [0.25, 3, -2];
  after2.forEach((w, i) => assert.ok(Math.abs(w - (after1[i] - (0.01 * g2[i]) / (Math.sqrt(h2[i]) + 1e-7))) <= 1e-15, `element ${i}`));
  assert.deepEqual(after2, [0.8550989551379228, -1.9949158695451294, 0.4708881453751894]);
});

test("Adam: the book's bias-corrected step, two steps", () => {
  const { after1, after2 } = twoSteps(new Adam());
  close(after1, [0.9990000063245154, -1.9990000031622677, 0.49900000158113633]);
  close(after2, [0.998067831960989, -1.9994941925013507, 0.49905263310122516]);
});

test('createOptimizer: the book defaults, and overrides', () => {
  assert.equal((createOptimizer({ type: 'sgd' }) as SGD).lr, 0.01);
  const adam = createOptimizer({ type: 'adam' }) as Adam;
  assert.deepEqual([adam.lr, adam.beta1, adam.beta2], [0.001, 0.9, 0.999]);
  const momentum = createOptimizer({ type: 'momentum', lr: 0.1 }) as Momentum;
  assert.deepEqual([momentum.lr, momentum.momentum], [0.1, 0.9]);
  const nesterov = createOptimizer({ type: 'nesterov', momentum: 0.5 }) as Nesterov;
  assert.deepEqual([nesterov instanceof Nesterov, nesterov.lr, nesterov.momentum], [true, 0.01, 0.5]);
  const rmsprop = createOptimizer({ type: 'rmsprop' }) as RMSprop;
  assert.deepEqual([rmsprop instanceof RMSprop, rmsprop.lr, rmsprop.decay], [true, 0.01, 0.99]);
  assert.equal((createOptimizer({ type: 'rmsprop', decay: 0.9 }) as RMSprop).decay, 0.9);
  assert.throws(() => new SGD().update([{ name: 'W', value: tensor([2]), grad: null }]), /no gradient/);
});

test('accuracy: labels and one-hot rows, first argmax on ties', () => {
  const y = fromNested([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]]);
  assert.equal(accuracy(y, fromNested([1, 0, 1])), 2 / 3);
  assert.equal(accuracy(y, fromNested([[0, 1], [0, 1], [1, 0]])), 2 / 3);
});

/** 40 points in 2D, class 1 when x0 + x1 > 0 (margin ≥ 0.2), and a net Affine(2→2) + SoftmaxWithLoss. */
function separable(seed: number): { net: Sequential; x: Tensor; t: Tensor } {
  const rng = new Rng(seed);
  const x = tensor([40, 2]);
  const t = tensor([40]);
  for (let i = 0; i < 40; i++) {
    const a = 2 * rng.next() - 1;
    const side = i % 2 === 0 ? 1 : -1;
    const b = -a + side * (0.2 + rng.next());
    x.data.set([a, b], 2 * i);
    t.data[i] = side > 0 ? 1 : 0;
  }
  const W = tensor([2, 2], Float64Array.from({ length: 4 }, () => 0.01 * rng.normal()));
  return { net: new Sequential([new Affine('Affine1', W, tensor([2]))], new SoftmaxWithLoss()), x, t };
}

function run(seed: number, evalEvery: number | 'epoch'): TrainEvent[] {
  const { net, x, t } = separable(1);
  const data = { xTrain: x, tTrain: t, xTest: x, tTest: t };
  return [...train(net, data, { iterations: 200, batch: 10, seed, optimizer: new SGD(0.5), evalEvery })];
}

test('measuresAccuracy: labels and class rows do; a regression (mse on continuous values, or on one column) does not', () => {
  const labels = fromNested([2, 0, 1]);
  const oneHot = fromNested([[0, 1], [1, 0]]);
  const soft = fromNested([[0.2, 0.8], [0.6, 0.4]]);
  const oneColumn = fromNested([[1], [0]]);
  const continuous = fromNested([[0.3, -1.2], [2.5, 0.1]]);
  assert.deepEqual(
    [labels, oneHot, soft, oneColumn, continuous].map((t) => [measuresAccuracy('softmax-with-loss', t), measuresAccuracy('mse', t)]),
    // softmax-with-loss reads any rows of two or more columns as classes: the argmax is its prediction.
    [[true, true], [true, true], [true, false], [false, false], [true, false]],
  );
  // Two ones in a row, or none, are not one class.
  assert.equal(measuresAccuracy('mse', fromNested([[1, 1], [0, 0]])), false);
});

test('train: a regression measures no accuracy, and a run without a test set no test accuracy', () => {
  // y = x·w against continuous t: argmax of the one output column is always 0 and would score 100%.
  const net = new Sequential([new Affine('Affine1', fromNested([[0.5]]), tensor([1]))], new MSELoss());
  const x = fromNested([[1], [2], [3], [4]]);
  const t = fromNested([[2.1], [3.9], [6.2], [7.8]]);
  const events = [...train(net, { xTrain: x, tTrain: t }, { iterations: 20, batch: 2, seed: 1, optimizer: new SGD(0.01), evalEvery: 10 })];
  const evals = events.filter((e) => e.kind === 'eval');
  assert.deepEqual(evals.map((e) => [e.iteration, e.trainAcc, e.testAcc]), [[10, null, null], [20, null, null]]);
  const done = events.at(-1);
  assert.ok(done?.kind === 'done' && done.trainAcc === null && done.testAcc === null);
  // Classes without a test set: the training accuracy only.
  const { net: classifier, x: cx, t: ct } = separable(1);
  const classified = [...train(classifier, { xTrain: cx, tTrain: ct }, { iterations: 200, batch: 10, seed: 7, optimizer: new SGD(0.5), evalEvery: 100 })];
  assert.deepEqual(classified.filter((e) => e.kind === 'eval').map((e) => [e.trainAcc, e.testAcc]), [[1, null], [1, null]]);
});

test('train: a separable set reaches accuracy 1 and the loss falls', () => {
  const events = run(7, 20);
  const evals = events.filter((e) => e.kind === 'eval');
  assert.deepEqual(evals.map((e) => e.iteration), [20, 40, 60, 80, 100, 120, 140, 160, 180, 200]);
  assert.equal(evals[0].epoch, 5);
  assert.ok(evals[evals.length - 1].loss < evals[0].loss / 2, `loss ${evals[0].loss} → ${evals[evals.length - 1].loss}`);
  const done = events[events.length - 1];
  assert.equal(done.kind, 'done');
  assert.deepEqual([done.trainAcc, done.testAcc, done.iterations], [1, 1, 200]);
});

test("train: the same seed gives the same bits; another seed differs; 'epoch' is ⌈N / batch⌉ updates", () => {
  assert.deepEqual(run(7, 20), run(7, 20));
  assert.notDeepEqual(run(7, 20), run(8, 20));
  const epochs = run(7, 'epoch').filter((e) => e.kind === 'eval');
  assert.deepEqual(epochs.slice(0, 3).map((e) => [e.iteration, e.epoch]), [[4, 1], [8, 2], [12, 3]]);
});

test('train: one step event per update; snapshots only where asked, and taking them changes no bit', () => {
  const plain = (() => {
    const { net, x, t } = separable(1);
    const events = [...train(net, { xTrain: x, tTrain: t, xTest: x, tTest: t }, { iterations: 30, batch: 10, seed: 3, optimizer: new SGD(0.5), evalEvery: 10 })];
    return { events, W: [...net.layers[0].params[0].value.data] };
  })();
  const { net, x, t } = separable(1);
  const asked: number[] = [];
  const events = [
    ...train(net, { xTrain: x, tTrain: t, xTest: x, tTest: t }, {
      iterations: 30,
      batch: 10,
      seed: 3,
      optimizer: new SGD(0.5),
      evalEvery: 10,
      snapshotAt: (s) => (asked.push(s), s % 7 === 0),
    }),
  ];
  assert.deepEqual(asked, Array.from({ length: 30 }, (_, i) => i + 1));
  const steps = events.filter((e) => e.kind === 'step');
  assert.deepEqual(steps.map((e) => e.iteration), asked);
  assert.deepEqual(steps.filter((e) => e.events).map((e) => e.iteration), [7, 14, 21, 28]);
  const snap = steps[6].events ?? [];
  assert.deepEqual(snap.map((e) => e.kind), ['forward', 'loss', 'backward']);
  assert.equal(snap[1].kind === 'loss' && snap[1].value, steps[6].loss);
  // The same losses and weights as a run without snapshots.
  assert.deepEqual(steps.map((e) => e.loss), plain.events.filter((e) => e.kind === 'step').map((e) => e.loss));
  assert.deepEqual([...net.layers[0].params[0].value.data], plain.W);
});

test('train: a diverging run stops at the first Infinity, before that update, and says where', () => {
  // y = x·w + b with x = 1, MSE against t = 0: dw = db = y, so with lr 10 each update makes y ← y − 20·y = −19·y.
  const w = fromNested([[1]]);
  const net = new Sequential([new Affine('Affine1', w, tensor([1]))], new MSELoss());
  const x = fromNested([[1]]);
  const t = fromNested([[0]]);
  const events = [...train(net, { xTrain: x, tTrain: t, xTest: x, tTest: t }, { iterations: 1000, batch: 1, seed: 0, optimizer: new SGD(10), evalEvery: 1000 })];
  const stop = events.find((e) => e.kind === 'nonFinite');
  assert.ok(stop && stop.kind === 'nonFinite');
  // |y| = 19^k after k updates; 0.5·y² overflows once 19^k > 1.34e154, first at k = 121, so in step 122.
  assert.equal(stop.iteration, 122);
  assert.deepEqual(stop.at, { index: 1, layer: 'MSE', tensor: 'loss', value: 'Infinity' });
  assert.deepEqual(stop.events.map((e) => e.kind), ['forward', 'loss', 'backward']);
  const done = events.at(-1);
  assert.ok(done?.kind === 'done');
  assert.deepEqual([done.reason, done.iterations], ['nonFinite', 121]);
  assert.equal(events.filter((e) => e.kind === 'step').length, 121);
  // The update of the bad step never happened: w is still finite.
  assert.ok(Number.isFinite(net.layers[0].params[0].value.data[0]));
});

test('firstNonFinite: forward before loss before backward; params before activations; the value kind', () => {
  const fwd = (index: number, output: number[], W: number[] = [1]) => ({
    kind: 'forward' as const, index, name: `L${index}`, type: 'affine' as const, input: fromNested([0]), output: fromNested(output), kept: {}, params: [{ name: 'W', value: fromNested(W) }],
  });
  const back = (index: number, dW: number[], dx: number[]) => ({
    kind: 'backward' as const, index, name: `L${index}`, type: 'affine' as const, dout: fromNested([0]), dx: fromNested(dx), grads: [{ name: 'W', grad: fromNested(dW) }],
  });
  const loss = (value: number) => ({ kind: 'loss' as const, name: 'SoftmaxWithLoss', type: 'softmax-with-loss' as const, value, y: fromNested([0]), t: fromNested([0]), dx: fromNested([0]) });
  assert.equal(firstNonFinite([fwd(0, [1]), fwd(1, [2]), loss(1), back(1, [1], [1]), back(0, [1], [1])]), null);
  assert.deepEqual(firstNonFinite([fwd(0, [1]), fwd(1, [NaN]), loss(NaN), back(1, [NaN], [1]), back(0, [1], [1])]), { index: 1, layer: 'L1', tensor: 'activation', value: 'NaN' });
  assert.deepEqual(firstNonFinite([fwd(0, [1], [-Infinity]), fwd(1, [NaN]), loss(NaN)]), { index: 0, layer: 'L0', tensor: 'W', value: '-Infinity' });
  assert.deepEqual(firstNonFinite([fwd(0, [1]), loss(2), back(0, [3, Infinity], [NaN])]), { index: 0, layer: 'L0', tensor: 'dW', value: 'Infinity' });
  assert.deepEqual(firstNonFinite([fwd(0, [1]), loss(2), back(0, [3], [NaN])]), { index: 0, layer: 'L0', tensor: 'dx', value: 'NaN' });
});

test('train: a small convnet learns images, its batched evaluation counts as one pass does, and the same seed gives the same bits, on the fast path and the plain one', () => {
  // Four classes of 1×6×6 images: a bright 3×3 patch in one of the four corners, on noise.
  const rng = new Rng(41);
  const n = 40;
  const x = tensor([n, 1, 6, 6], Float64Array.from({ length: n * 36 }, () => 0.1 * rng.next()));
  const labels = Float64Array.from({ length: n }, (_, i) => i % 4);
  labels.forEach((c, i) => {
    for (let y = 0; y < 3; y++) for (let xx = 0; xx < 3; xx++) x.data[i * 36 + (y + 3 * (c >> 1)) * 6 + xx + 3 * (c & 1)] += 1;
  });
  const t = tensor([n], labels);
  const build = () => {
    const init = new Rng(2);
    const normal = (shape: number[], std: number) => tensor(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => std * init.normal()));
    return new Sequential(
      [new Convolution('Conv1', normal([3, 1, 3, 3], 0.3), normal([3], 0)), new Relu('Relu1'), new Pooling('Pool1', 2, 2), new Affine('Affine1', normal([12, 4], 0.3), normal([4], 0))],
      new SoftmaxWithLoss(),
    );
  };
  // The fast step by default, the plain path with `fast: null`.
  const run = (plain = false) => {
    const net = build();
    const events = [...train(net, { xTrain: x, tTrain: t }, { iterations: 60, batch: 8, seed: 5, optimizer: createOptimizer({ type: 'adam', lr: 0.05 }), evalEvery: 30, ...(plain && { fast: null }) })];
    return { net, events };
  };
  const { net, events } = run();
  const evals = events.filter((e): e is Extract<TrainEvent, { kind: 'eval' }> => e.kind === 'eval');
  const steps = events.filter((e): e is Extract<TrainEvent, { kind: 'step' }> => e.kind === 'step');
  assert.equal(evals[evals.length - 1].trainAcc, 1);
  assert.ok(steps[steps.length - 1].loss < steps[0].loss / 4, `loss ${steps[0].loss} → ${steps[steps.length - 1].loss}`);
  // Evaluation predicts a batch (8 rows) at a time; one pass over all 40 counts the same.
  assert.equal(accuracy(net.predict(x, false), t), evals[evals.length - 1].trainAcc);
  assert.ok(fastStep(build(), 8, [1, 6, 6]), 'the default run takes the fast step');
  for (const again of [run(), run(true)]) {
    assert.deepEqual(again.events.map((e) => (e.kind === 'step' ? e.loss : e.kind === 'eval' ? e.trainAcc : null)), events.map((e) => (e.kind === 'step' ? e.loss : e.kind === 'eval' ? e.trainAcc : null)));
    net.layers.forEach((layer, i) => layer.params.forEach((p, k) => assert.deepEqual(p.value.data, again.net.layers[i].params[k].value.data)));
  }
});
