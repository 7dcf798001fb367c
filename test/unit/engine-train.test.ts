// Optimizers against the book's common/optimizer.py, and the training loop on a separable set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Param } from '../../src/engine/layer';
import { Affine } from '../../src/engine/layers/affine';
import { SoftmaxWithLoss } from '../../src/engine/layers/softmax-with-loss';
import { Sequential } from '../../src/engine/network';
import { AdaGrad, Adam, createOptimizer, Momentum, SGD, type Optimizer } from '../../src/engine/optimizers';
import { Rng } from '../../src/engine/rng';
import { accuracy, train, type TrainEvent } from '../../src/engine/train';
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
