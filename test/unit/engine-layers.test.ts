import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Layer, LossLayer } from '../../src/engine/layer';
import { Affine } from '../../src/engine/layers/affine';
import { BatchNorm } from '../../src/engine/layers/batchnorm';
import { Convolution } from '../../src/engine/layers/convolution';
import { Dropout } from '../../src/engine/layers/dropout';
import { LeakyRelu } from '../../src/engine/layers/leaky-relu';
import { MSELoss } from '../../src/engine/layers/mse';
import { Pooling } from '../../src/engine/layers/pooling';
import { Relu } from '../../src/engine/layers/relu';
import { Sigmoid } from '../../src/engine/layers/sigmoid';
import { SoftmaxWithLoss } from '../../src/engine/layers/softmax-with-loss';
import { Tanh } from '../../src/engine/layers/tanh';
import { numericalGradient } from '../../src/engine/gradcheck';
import { Rng } from '../../src/engine/rng';
import { clone, fromNested, tensor, type Tensor } from '../../src/engine/tensor';

const H = 1e-5;
const RTOL = 1e-6;
const ATOL = 1e-9;

/** Uniform values in [−2, 2), resampled while closer than `gap` to 0 (keeps finite differences off ReLU kinks). */
function randomTensor(rng: Rng, shape: number[], gap = 0): Tensor {
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) {
    let v: number;
    do v = 4 * rng.next() - 2;
    while (Math.abs(v) < gap);
    t.data[i] = v;
  }
  return t;
}

const randInt = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng.next() * (hi - lo + 1));
const dot = (a: Tensor, b: Tensor): number => a.data.reduce((s, v, i) => s + v * b.data[i], 0);
const bytes = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Asserts |a − n| ≤ atol + rtol·|n| element by element. */
function assertClose(a: ArrayLike<number>, n: ArrayLike<number>, what: string, atol = ATOL, rtol = RTOL): void {
  assert.strictEqual(a.length, n.length, `${what}: sizes`);
  for (let i = 0; i < a.length; i++) {
    const ok = Math.abs(a[i] - n[i]) <= atol + rtol * Math.abs(n[i]);
    assert.ok(ok, `${what}[${i}]: analytic ${a[i]} vs numerical ${n[i]}`);
  }
}

/**
 * Backward of `layer` against central differences of f = Σ c·forward(x), for dx and every param.
 * `c` is a random upstream gradient, so every output element matters.
 */
function checkLayer(layer: Layer, x: Tensor, train: boolean, rng: Rng): void {
  const out = layer.forward(x, train);
  const c = randomTensor(rng, [...out.shape]);
  const dx = layer.backward(c);
  const grads = layer.params.map((p) => p.grad!);
  assert.deepEqual(dx.shape, x.shape, `${layer.name}: dx shape`);
  const f = (): number => dot(layer.forward(x, train), c);
  assertClose(dx.data, numericalGradient(f, x.data, H), `${layer.name} dx`);
  layer.params.forEach((p, k) => {
    assert.deepEqual(grads[k].shape, p.value.shape, `${layer.name} d${p.name} shape`);
    assertClose(grads[k].data, numericalGradient(f, p.value.data, H), `${layer.name} d${p.name}`);
  });
}

test('every layer backward matches central differences on random shapes and values', () => {
  const rng = new Rng(2024);
  for (let trial = 0; trial < 20; trial++) {
    const n = randInt(rng, 1, 5);
    const d = randInt(rng, 1, 6);
    const m = randInt(rng, 1, 5);
    checkLayer(new Affine('Affine', randomTensor(rng, [d, m]), randomTensor(rng, [m])), randomTensor(rng, [n, d]), true, rng);
    const [a, b] = [randInt(rng, 1, 3), randInt(rng, 1, 3)];
    checkLayer(new Affine('Affine3d', randomTensor(rng, [a * b, m]), randomTensor(rng, [m])), randomTensor(rng, [n, a, b]), true, rng);
    checkLayer(new Relu('Relu'), randomTensor(rng, [n, d], 0.01), true, rng);
    checkLayer(new LeakyRelu('LeakyRelu', 0.1), randomTensor(rng, [n, d], 0.01), true, rng);
    checkLayer(new Sigmoid('Sigmoid'), randomTensor(rng, [n, d]), true, rng);
    checkLayer(new Tanh('Tanh'), randomTensor(rng, [n, d]), true, rng);
    const dropout = new Dropout('Dropout', 0.4, new Rng(trial));
    dropout.frozen = true;
    checkLayer(dropout, randomTensor(rng, [n, d]), true, rng);
    checkLayer(new Dropout('DropoutEval', 0.4, new Rng(trial)), randomTensor(rng, [n, d]), false, rng);
    const bnRows = randInt(rng, 2, 6);
    const bn = new BatchNorm('BatchNorm', randomTensor(rng, [d]), randomTensor(rng, [d]));
    checkLayer(bn, randomTensor(rng, [bnRows, d]), true, rng);
    checkLayer(bn, randomTensor(rng, [bnRows, d]), false, rng);
  }
});

test('loss layers backward matches central differences', () => {
  const rng = new Rng(77);
  for (let trial = 0; trial < 20; trial++) {
    const n = randInt(rng, 1, 5);
    const c = randInt(rng, 2, 6);
    const x = randomTensor(rng, [n, c]);
    const labels = tensor([n], Float64Array.from({ length: n }, () => randInt(rng, 0, c - 1)));
    const dout = 0.5 + rng.next();

    const softmax = new SoftmaxWithLoss();
    softmax.forward(x, labels);
    const y = softmax.kept().y;
    const dx = softmax.backward(dout);
    const numerical = numericalGradient(() => dout * softmax.forward(x, labels), x.data, H);
    // dx is the exact gradient of −Σ t·log(y) / N; the loss's +1e-7 moves the true gradient by at
    // most 1e-7 / (N·y_label) in each row, so that bound joins the tolerance.
    for (let i = 0; i < n; i++) {
      const slack = (dout * 1e-7) / (n * y.data[i * c + labels.data[i]]);
      assertClose(dx.data.subarray(i * c, (i + 1) * c), numerical.subarray(i * c, (i + 1) * c), `softmax row ${i}`, ATOL + slack);
    }

    const mse = new MSELoss();
    const t = randomTensor(rng, [n, c]);
    mse.forward(x, t);
    const dmse = mse.backward(dout);
    assertClose(dmse.data, numericalGradient(() => dout * mse.forward(x, t), x.data, H), 'mse dx');
  }
});

test('ReLU masks exactly x <= 0: 0 and −0 are masked, tiny positives and NaN are not', () => {
  const x = tensor([1, 6], Float64Array.from([0, -0, 5e-324, -5e-324, NaN, 2]));
  const relu = new Relu('Relu1');
  const out = relu.forward(x);
  assert.deepEqual([...relu.kept().mask.data], [1, 1, 0, 1, 0, 0]);
  assert.ok(Object.is(out.data[1], 0), 'masked −0 comes out as +0, as the book writes 0');
  assert.ok(Number.isNaN(out.data[4]));
  assert.deepEqual([...out.data.subarray(0, 4)], [0, 0, 5e-324, 0]);
  const dx = relu.backward(tensor([1, 6], Float64Array.from([1, 2, 3, 4, 5, 6])));
  assert.deepEqual([...dx.data], [0, 0, 3, 0, 5, 6]);

  const leaky = new LeakyRelu('Leaky', 0.5);
  const lout = leaky.forward(x);
  assert.deepEqual([...leaky.kept().mask.data], [1, 1, 0, 1, 0, 0]);
  assert.strictEqual(lout.data[3], -5e-324 * 0.5);
  assert.deepEqual([...leaky.backward(tensor([1, 6], new Float64Array(6).fill(2))).data], [1, 1, 2, 1, 2, 2]);
});

test('the seed notebook ReLU mask example', () => {
  const relu = new Relu('Relu');
  relu.forward(fromNested([[1.0, -0.5], [-2.0, 3.0]]));
  assert.deepEqual([...relu.kept().mask.data], [0, 1, 1, 0]);
});

test('SoftmaxWithLoss is stable on scores of ±1000', () => {
  const x = fromNested([
    [1000, -1000, 0],
    [-1000, -1000, -1000],
    [1000, 1000, -1000],
  ]);
  const loss = new SoftmaxWithLoss();
  const value = loss.forward(x, fromNested([0, 2, 1]));
  const y = loss.kept().y.data;
  assert.deepEqual([...y.subarray(0, 3)], [1, 0, 0]);
  assert.deepEqual([...y.subarray(6, 9)], [0.5, 0.5, 0]);
  assert.strictEqual(value, -(Math.log(1 + 1e-7) + Math.log(1 / 3 + 1e-7) + Math.log(0.5 + 1e-7)) / 3);
  const dx = loss.backward();
  assert.ok(dx.data.every(Number.isFinite));
  assert.deepEqual([...dx.data.subarray(0, 3)], [0, 0, 0]);
  // A confident wrong answer: finite loss (about −log 1e-7 / N) and gradient (y − t)/N.
  const wrong = new SoftmaxWithLoss();
  const v = wrong.forward(fromNested([[1000, -1000]]), fromNested([1]));
  assert.strictEqual(v, -Math.log(0 + 1e-7));
  assert.deepEqual([...wrong.backward().data], [1, -1]);
});

test('SoftmaxWithLoss: integer labels equal one-hot targets exactly; soft targets work', () => {
  const rng = new Rng(8);
  const x = randomTensor(rng, [4, 5]);
  const labels = fromNested([3, 0, 4, 3]);
  const oneHot = tensor([4, 5]);
  labels.data.forEach((c, i) => (oneHot.data[i * 5 + c] = 1));
  const a = new SoftmaxWithLoss();
  const b = new SoftmaxWithLoss();
  assert.strictEqual(a.forward(x, labels), b.forward(x, oneHot));
  assert.ok(bytes(a.backward()).equals(bytes(b.backward())));
  assert.strictEqual(a.kept().t, labels, 'kept t is the targets as given');

  // Soft targets: dx = (y − t)/N still, since rows sum to 1.
  const soft = fromNested([[0.25, 0.75]]);
  const s = new SoftmaxWithLoss('Soft');
  const loss = s.forward(fromNested([[0, 0]]), soft);
  assert.strictEqual(loss, -(0.25 * Math.log(0.5 + 1e-7) + 0.75 * Math.log(0.5 + 1e-7)));
  assert.deepEqual([...s.backward().data], [0.25, -0.25]);
});

test('loss layers refuse bad targets with clear messages', () => {
  const x = fromNested([[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => new SoftmaxWithLoss().forward(x, fromNested([0, 3])), /label 1 is 3, expected an integer class in 0\.\.2/);
  assert.throws(() => new SoftmaxWithLoss().forward(x, fromNested([0.5, 1])), /label 0 is 0.5/);
  assert.throws(() => new SoftmaxWithLoss().forward(x, fromNested([[1, 0]])), /targets must be labels \[2\] or shaped like the scores \[2, 3\], got \[1, 2\]/);
  assert.throws(() => new SoftmaxWithLoss().forward(fromNested([1, 2]), fromNested([0])), /expects scores \[N, C\]/);
  assert.throws(() => new SoftmaxWithLoss().backward(), /backward before forward/);
});

test('MSE is 0.5·Σ(x − t)² / N, with labels taken as one-hot', () => {
  const mse = new MSELoss();
  const x = fromNested([[1, 2], [3, 5]]);
  assert.strictEqual(mse.forward(x, fromNested([[0, 2], [3, 3]])), (0.5 * (1 + 4)) / 2);
  assert.deepEqual([...mse.backward().data], [0.5, 0, 0, 1]);
  assert.strictEqual(mse.forward(x, fromNested([1, 0])), (0.5 * (1 + 1 + 4 + 25)) / 2);
  assert.strictEqual(mse.kept().y, x);
});

test('Affine flattens inputs of rank > 2 and gives dx the input shape back', () => {
  const rng = new Rng(4);
  const affine = new Affine('Affine1', randomTensor(rng, [6, 2]), randomTensor(rng, [2]));
  const x = randomTensor(rng, [3, 2, 3]);
  const out = affine.forward(x);
  assert.deepEqual(out.shape, [3, 2]);
  assert.deepEqual(affine.kept().x.shape, [3, 6]);
  assert.deepEqual(affine.backward(randomTensor(rng, [3, 2])).shape, [3, 2, 3]);
  // out = x·W + b, checked by hand on one element.
  const [W, b] = affine.params.map((p) => p.value);
  let o = 0;
  for (let k = 0; k < 6; k++) o += x.data[6 + k] * W.data[k * 2 + 1];
  assert.strictEqual(out.data[3], o + b.data[1]);
  assert.throws(() => affine.forward(randomTensor(rng, [3, 5])), /Affine1 expects input width 6, gets 5/);
  assert.throws(() => affine.backward(randomTensor(rng, [3, 3])), /dout has shape \[3, 3\], forward gave \[3, 2\]/);
  assert.throws(() => new Affine('A', randomTensor(rng, [2, 3]), randomTensor(rng, [2])), /b must have shape \[3\]/);
});

test('Dropout: the book convention — mask from rng where rand <= ratio, no scaling in training, ×(1 − ratio) in evaluation', () => {
  const x = randomTensor(new Rng(1), [50, 40]);
  const dropout = new Dropout('Dropout1', 0.3, new Rng(99));
  const out = dropout.forward(x, true);
  const mask = dropout.mask!;
  const ref = new Rng(99);
  for (let i = 0; i < mask.data.length; i++) assert.strictEqual(mask.data[i], ref.next() <= 0.3 ? 1 : 0);
  for (let i = 0; i < x.data.length; i++) assert.strictEqual(out.data[i], mask.data[i] === 1 ? x.data[i] * 0 : x.data[i]);
  const dropped = mask.data.reduce((s, v) => s + v, 0) / mask.data.length;
  assert.ok(Math.abs(dropped - 0.3) < 0.05, `dropped fraction ${dropped}`);
  const dout = randomTensor(new Rng(2), [50, 40]);
  const dx = dropout.backward(dout);
  for (let i = 0; i < dx.data.length; i++) assert.strictEqual(dx.data[i], mask.data[i] === 1 ? dout.data[i] * 0 : dout.data[i]);

  // Same seed, same mask bytes.
  const again = new Dropout('Dropout1', 0.3, new Rng(99));
  again.forward(x, true);
  assert.ok(bytes(again.mask!).equals(bytes(mask)));

  // Frozen reuses the mask; unfrozen draws a new one.
  dropout.frozen = true;
  dropout.forward(x, true);
  assert.strictEqual(dropout.mask, mask);
  dropout.frozen = false;
  dropout.forward(x, true);
  assert.ok(!bytes(dropout.mask!).equals(bytes(mask)));

  const evalOut = dropout.forward(x, false);
  assert.deepEqual(dropout.kept(), {});
  for (let i = 0; i < x.data.length; i++) assert.strictEqual(evalOut.data[i], x.data[i] * (1.0 - 0.3));
  const evalDx = dropout.backward(dout);
  for (let i = 0; i < x.data.length; i++) assert.strictEqual(evalDx.data[i], dout.data[i] * (1.0 - 0.3));
  assert.throws(() => new Dropout('D', 1, new Rng(0)), /ratio must be in \[0, 1\)/);
});

test('BatchNorm: batch statistics in training, running statistics (momentum 0.9) otherwise', () => {
  const rng = new Rng(6);
  const gamma = randomTensor(rng, [3]);
  const beta = randomTensor(rng, [3]);
  const bn = new BatchNorm('BatchNorm1', gamma, beta);
  const x = randomTensor(rng, [8, 3]);
  const out = bn.forward(x, true);
  for (let j = 0; j < 3; j++) {
    const col = Array.from({ length: 8 }, (_, i) => x.data[i * 3 + j]);
    const mu = col.reduce((s, v) => s + v, 0) / 8;
    const variance = col.reduce((s, v) => s + (v - mu) ** 2, 0) / 8;
    assert.ok(Math.abs(bn.runningMean.data[j] - 0.1 * mu) <= 1e-15);
    assert.ok(Math.abs(bn.runningVar.data[j] - 0.1 * variance) <= 1e-15);
    for (let i = 0; i < 8; i++) {
      const expected = (gamma.data[j] * (col[i] - mu)) / Math.sqrt(variance + 1e-5) + beta.data[j];
      assert.ok(Math.abs(out.data[i * 3 + j] - expected) <= 1e-14, `out[${i}, ${j}]`);
    }
  }
  assert.deepEqual(Object.keys(bn.kept()).sort(), ['std', 'xc', 'xn']);

  const runningMean = bn.runningMean;
  bn.frozen = true;
  bn.forward(randomTensor(rng, [8, 3]), true);
  assert.strictEqual(bn.runningMean, runningMean, 'frozen keeps running statistics');
  bn.frozen = false;

  const x1 = randomTensor(rng, [2, 3]);
  const evalOut = bn.forward(x1, false);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) {
    const expected = (gamma.data[j] * (x1.data[i * 3 + j] - runningMean.data[j])) / Math.sqrt(bn.runningVar.data[j] + 1e-5) + beta.data[j];
    assert.ok(Math.abs(evalOut.data[i * 3 + j] - expected) <= 1e-13);
  }
  assert.throws(() => bn.forward(randomTensor(rng, [2, 4]), true), /BatchNorm1 expects input width 3, gets 4/);
});

test('backward never mutates dout, earlier outputs, kept tensors or earlier gradients', () => {
  const rng = new Rng(31);
  const layers: Layer[] = [
    new Affine('Affine', randomTensor(rng, [4, 3]), randomTensor(rng, [3])),
    new Relu('Relu'),
    new LeakyRelu('Leaky', 0.2),
    new Sigmoid('Sigmoid'),
    new Tanh('Tanh'),
    new Dropout('Dropout', 0.5, new Rng(1)),
    new BatchNorm('BatchNorm', randomTensor(rng, [4]), randomTensor(rng, [4])),
  ];
  for (const layer of layers) {
    const x = randomTensor(rng, [5, 4]);
    const xCopy = clone(x);
    const out = layer.forward(x, true);
    const outCopy = clone(out);
    const kept = Object.entries(layer.kept()).map(([k, t]) => [k, t, clone(t)] as const);
    const dout = randomTensor(rng, [...out.shape]);
    const doutCopy = clone(dout);
    const dx = layer.backward(dout);
    const dxCopy = clone(dx);
    const grads = layer.params.map((p) => [p.grad!, clone(p.grad!)] as const);
    // A second backward and a whole new forward/backward must leave all of the above alone.
    layer.backward(randomTensor(rng, [...out.shape]));
    const x2 = randomTensor(rng, [5, 4]);
    layer.backward(randomTensor(rng, [...layer.forward(x2, true).shape]));
    const same = (a: Tensor, b: Tensor, what: string): void => assert.ok(bytes(a).equals(bytes(b)), `${layer.name}: ${what} changed`);
    same(x, xCopy, 'x');
    same(out, outCopy, 'out');
    same(dout, doutCopy, 'dout');
    same(dx, dxCopy, 'dx');
    for (const [k, t, copy] of kept) same(t, copy, `kept ${k}`);
    for (const [g, copy] of grads) same(g, copy, 'grad');
  }
  const losses: LossLayer[] = [new SoftmaxWithLoss(), new MSELoss()];
  for (const loss of losses) {
    const x = randomTensor(rng, [3, 4]);
    const t = fromNested([1, 0, 3]);
    const xCopy = clone(x);
    loss.forward(x, t);
    const y = loss.kept().y;
    const yCopy = clone(y);
    const dx = loss.backward();
    const dxCopy = clone(dx);
    loss.backward(3);
    loss.forward(randomTensor(rng, [3, 4]), t);
    loss.backward();
    assert.ok(bytes(x).equals(bytes(xCopy)) && bytes(y).equals(bytes(yCopy)) && bytes(dx).equals(bytes(dxCopy)), loss.name);
    assert.deepEqual([...t.data], [1, 0, 3]);
  }
});

/** Values 0.1 apart in a random order, none within 0.05 of 0: no window ties, and padding's 0 is never within h of a value. */
function distinctTensor(rng: Rng, shape: number[]): Tensor {
  const t = tensor(shape);
  const order = Array.from(t.data, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = randInt(rng, 0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  order.forEach((k, i) => (t.data[i] = 0.1 * (k - order.length / 2 + 0.5)));
  return t;
}

test('Convolution and Pooling backward match central differences: stride 2, pad 1, non-square windows, channels, overlapping windows', () => {
  const rng = new Rng(707);
  const configs: [number, number, number, number, number, number, number, number][] = [
    // N, C, H, W, FH, FW, stride, pad
    [2, 3, 7, 6, 3, 2, 2, 1],
    [1, 2, 5, 5, 3, 3, 1, 1],
    [3, 1, 6, 8, 2, 4, 2, 0],
    [2, 2, 4, 5, 3, 2, 1, 0],
    [1, 3, 6, 6, 1, 1, 1, 0],
  ];
  for (const [n, c, h, w, fh, fw, stride, pad] of configs) {
    const fn = randInt(rng, 1, 4);
    checkLayer(new Convolution('Conv', randomTensor(rng, [fn, c, fh, fw]), randomTensor(rng, [fn]), stride, pad), randomTensor(rng, [n, c, h, w]), true, rng);
    checkLayer(new Pooling('Pool', fh, fw, stride, pad), distinctTensor(rng, [n, c, h, w]), true, rng);
  }
  // The other layers take [N, C, H, W] as they are.
  const images = (gap = 0) => randomTensor(rng, [2, 3, 4, 5], gap);
  checkLayer(new Relu('Relu'), images(0.01), true, rng);
  checkLayer(new Tanh('Tanh'), images(), true, rng);
  checkLayer(new Sigmoid('Sigmoid'), images(), true, rng);
  checkLayer(new LeakyRelu('LeakyRelu', 0.1), images(0.01), true, rng);
  const dropout = new Dropout('Dropout', 0.4, new Rng(1));
  dropout.frozen = true;
  checkLayer(dropout, images(), true, rng);
  const bn = new BatchNorm('BatchNorm', randomTensor(rng, [3]), randomTensor(rng, [3]));
  checkLayer(bn, images(), true, rng);
  checkLayer(bn, images(), false, rng);
  checkLayer(new Affine('Affine', randomTensor(rng, [60, 4]), randomTensor(rng, [4])), images(), true, rng);
});

test('Pooling: a tie goes to the first maximum in row-major order, overlapping windows add up, and the mask marks the winners', () => {
  const pool = new Pooling('Pool', 2, 2, 1);
  const x = fromNested([[[[1, 3, 0], [3, 2, 3], [0, 1, 1]]]]);
  assert.deepEqual(Array.from(pool.forward(x).data), [3, 3, 3, 3]);
  // Windows (0,0) and (0,1) both pick x[0,1], the first 3 of each; (1,0) picks x[1,0]; (1,1) picks x[1,2].
  const dx = pool.backward(fromNested([[[[1, 2], [4, 8]]]]));
  assert.deepEqual(Array.from(dx.data), [0, 3, 0, 4, 0, 8, 0, 0, 0]);
  assert.deepEqual(Array.from(pool.kept().mask.data), [0, 1, 0, 1, 0, 1, 0, 0, 0]);
  assert.deepEqual(pool.kept().mask.shape, [1, 1, 3, 3]);
});

test('Pooling reads padding as 0, as the book does: a window of negatives and padding outputs 0 and sends no gradient', () => {
  const pool = new Pooling('Pool', 2, 2, 2, 1);
  const x = fromNested([[[[-1, -2], [-3, -4]]]]);
  assert.deepEqual(Array.from(pool.forward(x).data), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(pool.backward(fromNested([[[[1, 1], [1, 1]]]])).data), [0, 0, 0, 0]);
});

test('Convolution: a 2×2 filter of ones over a 3×3 image sums each window, plus b; dW sums the windows weighted by dout', () => {
  const conv = new Convolution('Conv', fromNested([[[[1, 1], [1, 1]]]]), fromNested([10]));
  const x = fromNested([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
  const out = conv.forward(x);
  assert.deepEqual(out.shape, [1, 1, 2, 2]);
  assert.deepEqual(Array.from(out.data), [22, 26, 34, 38]);
  const dx = conv.backward(fromNested([[[[1, 0], [0, 2]]]]));
  assert.deepEqual(Array.from(conv.params[0].grad!.data), [1 + 10, 2 + 12, 4 + 16, 5 + 18]);
  assert.deepEqual(Array.from(conv.params[1].grad!.data), [3]);
  assert.deepEqual(Array.from(dx.data), [1, 1, 0, 1, 3, 2, 0, 2, 2]);
  assert.throws(() => conv.forward(fromNested([[1, 2, 3]])), /expects input \[N, C, H, W\], got shape \[1, 3\]/);
  assert.throws(() => new Pooling('Pool', 2, 2, 2).forward(x), /a 2×2 window with stride 2 and pad 0 does not tile 3×3 \(output 1\.5×1\.5\)/);
});
