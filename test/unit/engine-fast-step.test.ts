// The fast training step against the plain path (objective, backward, update()), on the book's
// TwoLayerNet and SimpleConvNet with MNIST digits and on small random networks of every supported layer; its
// evaluation against accuracy(net.predict(x, false), t); and the optimizers' in-place update
// against update().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fastStep, type FastStep } from '../../src/engine/fast-step';
import { initWeights } from '../../src/engine/init';
import type { Layer, Param } from '../../src/engine/layer';
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
import { Sequential } from '../../src/engine/network';
import { filled, reshape } from '../../src/engine/ops';
import { AdaGrad, Adam, Momentum, Nesterov, RMSprop, SGD, type Optimizer } from '../../src/engine/optimizers';
import { Rng } from '../../src/engine/rng';
import { accuracy } from '../../src/engine/accuracy';
import { gatherRows } from '../../src/engine/train';
import { tensor, type Tensor } from '../../src/engine/tensor';
import { decodeMnist, mnistBatch } from '../../src/spec/mnist';

const decoded = decodeMnist(readFileSync(join(__dirname, '..', '..', '..', 'dist', 'mnist-digits.bin')));
if ('error' in decoded) throw new Error(JSON.stringify(decoded.error));
const digits = decoded;

/** The first `count` digits of a split: x [count, 784] and labels [count]. */
function mnist(count: number, split: 'train' | 'test' = 'train'): { x: Tensor; t: Tensor } {
  const b = mnistBatch(digits, split, count, 0);
  if ('error' in b) throw new Error(JSON.stringify(b.error));
  return { x: b.x, t: tensor([count], b.labels) };
}

/** The book's TwoLayerNet 784-50-10 with 0.01·randn weights, and weight decay λ. */
function twoLayerNet(seed: number, weightDecay = 0): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    [new Affine('Affine1', initWeights([784, 50], 'normal', rng), filled([50], 0)), new Relu('Relu1'), new Affine('Affine2', initWeights([50, 10], 'normal', rng), filled([10], 0))],
    new SoftmaxWithLoss(),
    weightDecay,
  );
}

/** fastStep(net, batch, sample), which must support the network. */
function mustStep(net: Sequential, batch: number, sample?: readonly number[]): FastStep {
  return fastStep(net, batch, sample) ?? assert.fail('the network is supported');
}

/** Every param of `net`, in layer order. */
const paramsOf = (net: Sequential): Param[] => net.layers.flatMap((l) => l.params);

/** Each element equal, or (unless `exact`) within 1e-12 of the larger magnitude; NaN only where NaN. */
function assertClose(actual: Float64Array, expected: Float64Array, what: string, exact = false): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const [a, b] = [actual[i], expected[i]];
    if (!(Object.is(a, b) || (!exact && Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b))))) assert.fail(`${what}[${i}]: fast ${a}, plain ${b}`);
  }
}

/** `count` random row indices below `n`. */
function draw(rng: Rng, count: number, n: number): Int32Array {
  return Int32Array.from({ length: count }, () => Math.floor(rng.next() * n));
}

/**
 * Fast steps of one network that `make` builds, one per minibatch of `batches` (the first scans its
 * rows, the later ones read the inputs' cached lists), each against a plain step of another copy:
 * the losses are equal and so is every gradient (to 1e-12, or to the bit when `exact`). Returns
 * the fast losses.
 */
function compareSteps(make: () => Sequential, x: Tensor, t: Tensor, batches: Int32Array[], exact = false): number[] {
  const fastNet = make();
  const step = mustStep(fastNet, batches[0].length, x.shape.slice(1));
  return batches.map((rows) => {
    const loss = step.step(x, t, rows);
    // Nothing updates the weights, so a new copy is the plain twin of every step.
    const plainNet = make();
    assert.equal(loss, plainNet.objective(gatherRows(x, rows), gatherRows(t, rows), true));
    plainNet.backward();
    const plain = paramsOf(plainNet);
    paramsOf(fastNet).forEach((p, i) => {
      assert.ok(p.grad && plain[i].grad, `${p.name} has a gradient`);
      assertClose(p.grad.data, plain[i].grad.data, `grad ${i} (${p.name})`, exact);
    });
    return loss;
  });
}

/** compareSteps for one minibatch. */
const compareStep = (make: () => Sequential, x: Tensor, t: Tensor, rows: Int32Array, exact = false): number => compareSteps(make, x, t, [rows], exact)[0];

test('TwoLayerNet on 100 MNIST digits: the fast step gives the plain loss and gradients', () => {
  const { x, t } = mnist(1000);
  const rng = new Rng(4);
  const losses = compareSteps(() => twoLayerNet(1), x, t, [draw(rng, 100, 1000), draw(rng, 100, 1000), draw(rng, 100, 1000)]);
  for (const loss of losses) assert.ok(loss > 2 && loss < 2.5, `the loss of an untrained net is about ln 10, got ${loss}`);
});

test('the fast gradients are not all zero, and a wrong weight shows', () => {
  const { x, t } = mnist(100);
  const rows = Int32Array.from({ length: 100 }, (_, i) => i);
  const net = twoLayerNet(1);
  mustStep(net, 100).step(x, t, rows);
  const grads = paramsOf(net).map((p) => p.grad?.data ?? new Float64Array(0));
  assert.ok(grads.every((g) => g.some((v) => v !== 0)));
  const other = twoLayerNet(1);
  other.layers[0].params[0].value.data[300 * 50] += 1e-3;
  mustStep(other, 100).step(x, t, rows);
  assert.throws(() => assertClose(other.layers[0].params[0].grad?.data ?? new Float64Array(0), grads[0], 'dW1'), /fast .*plain/);
});

/** A network of `layers` built from a seeded rng, widths as given; `loss` picks the loss layer. */
function randomNet(seed: number, widths: number[], kinds: string[], loss: 'softmax' | 'mse'): Sequential {
  const rng = new Rng(seed);
  const layers: Layer[] = [];
  let w = 0;
  for (const kind of kinds) {
    if (kind === 'affine') {
      const [d, m] = [widths[w], widths[w + 1]];
      w++;
      layers.push(new Affine(`Affine${w}`, initWeights([d, m], 'xavier', rng), tensor([m], Float64Array.from({ length: m }, () => 0.1 * rng.normal()))));
    } else if (kind === 'relu') layers.push(new Relu('Relu'));
    else if (kind === 'sigmoid') layers.push(new Sigmoid('Sigmoid'));
    else if (kind === 'tanh') layers.push(new Tanh('Tanh'));
    else layers.push(new LeakyRelu('LeakyRelu', 0.1));
  }
  return new Sequential(layers, loss === 'softmax' ? new SoftmaxWithLoss() : new MSELoss());
}

/** n rows of `width` inputs, normal with about `zeros` of them exactly 0 (some −0). */
function randomInputs(rng: Rng, n: number, width: number, zeros: number): Tensor {
  return tensor([n, width], Float64Array.from({ length: n * width }, () => (rng.next() < zeros ? (rng.next() < 0.5 ? 0 : -0) : rng.normal())));
}

/** n one-hot rows of `classes`. */
function oneHot(rng: Rng, n: number, classes: number): Tensor {
  const t = tensor([n, classes]);
  for (let i = 0; i < n; i++) t.data[i * classes + Math.floor(rng.next() * classes)] = 1;
  return t;
}

/** n labels below `classes`. */
function labels(rng: Rng, n: number, classes: number): Tensor {
  return tensor([n], Float64Array.from({ length: n }, () => Math.floor(rng.next() * classes)));
}

/** n rows of `classes` soft targets (positive, summing to about 1). */
function soft(rng: Rng, n: number, classes: number): Tensor {
  const t = tensor([n, classes], Float64Array.from({ length: n * classes }, () => rng.next()));
  for (let i = 0; i < n; i++) {
    const row = t.data.subarray(i * classes, (i + 1) * classes);
    const sum = row.reduce((a, b) => a + b, 0);
    row.forEach((v, j) => (row[j] = v / sum));
  }
  return t;
}

const shapes: { kinds: string[]; widths: number[]; loss: 'softmax' | 'mse' }[] = [
  { kinds: ['affine', 'sigmoid', 'affine'], widths: [9, 7, 3], loss: 'softmax' },
  { kinds: ['affine', 'tanh', 'affine', 'leaky-relu', 'affine'], widths: [16, 11, 6, 5], loss: 'mse' },
  { kinds: ['affine', 'leaky-relu', 'affine', 'relu', 'affine', 'sigmoid'], widths: [13, 8, 9, 4], loss: 'mse' },
  { kinds: ['tanh', 'affine', 'relu', 'affine'], widths: [10, 12, 5], loss: 'softmax' },
  { kinds: ['affine'], widths: [17, 1], loss: 'mse' },
];

test('small random networks: sigmoid, tanh, leaky-relu, mse, one-hot and label targets, sparse and dense inputs', () => {
  const rng = new Rng(9);
  shapes.forEach(({ kinds, widths, loss }, s) => {
    const classes = widths[widths.length - 1];
    for (const zeros of [0, 0.6, 0.9]) {
      const x = randomInputs(rng, 40, widths[0], zeros);
      const targets = loss === 'mse' ? [tensor([40, classes], Float64Array.from({ length: 40 * classes }, () => rng.normal()))] : [oneHot(rng, 40, classes), labels(rng, 40, classes), soft(rng, 40, classes)];
      for (const t of targets) for (const batch of [1, 7, 12]) compareStep(() => randomNet(s, widths, kinds, loss), x, t, draw(rng, batch, 40));
    }
  });
});

test('the fast step gives the plain bits exactly (so training can mix the two paths)', () => {
  const { x, t } = mnist(1000);
  const rng = new Rng(8);
  compareSteps(() => twoLayerNet(2), x, t, [draw(rng, 100, 1000), draw(rng, 100, 1000), draw(rng, 100, 1000)], true);
  shapes.forEach(({ kinds, widths, loss }, s) => {
    const classes = widths[widths.length - 1];
    const xs = randomInputs(rng, 40, widths[0], 0.6);
    const ts = loss === 'mse' ? tensor([40, classes], Float64Array.from({ length: 40 * classes }, () => rng.normal())) : soft(rng, 40, classes);
    compareSteps(() => randomNet(s, widths, kinds, loss), xs, ts, [draw(rng, 12, 40), draw(rng, 12, 40), draw(rng, 12, 40)], true);
  });
});

test('with weight decay the fast step gives the plain decayed loss and dW + λW, to the bit', () => {
  const { x, t } = mnist(1000);
  const rng = new Rng(9);
  const losses = compareSteps(() => twoLayerNet(2, 0.5), x, t, [draw(rng, 100, 1000), draw(rng, 100, 1000)], true);
  const undecayed = mustStep(twoLayerNet(2), 100);
  const rows = draw(new Rng(9), 100, 1000);
  assert.ok(losses[0] > undecayed.step(x, t, rows), 'the penalty adds to the loss');
});

test('inputs of rank > 2 are flattened per row, as Affine does', () => {
  const rng = new Rng(2);
  const x = randomInputs(rng, 20, 12, 0.5);
  const x3 = tensor([20, 3, 4], x.data);
  const t = oneHot(rng, 20, 3);
  compareStep(() => randomNet(5, [12, 6, 3], ['affine', 'relu', 'affine'], 'softmax'), x3, t, draw(rng, 8, 20));
});

test('non-finite weights and gradients: every term is taken, so NaN and Inf land where the plain path puts them', () => {
  const { x, t } = mnist(200);
  const rng = new Rng(3);
  // An infinite weight on pixel 0, which is 0 in every digit: the plain path makes 0·Inf = NaN.
  const infiniteW1 = (net: Sequential) => (net.layers[0].params[0].value.data[3] = Infinity);
  // Huge finite weights: the scores overflow, and dout is NaN while W1 stays finite.
  const hugeW2 = (net: Sequential) => net.layers[2].params[0].value.data.fill(1e308);
  // Spoiled at the first step, which scans the minibatch, or at the third, which reads the inputs' cached lists.
  for (const [spoil, at] of [[infiniteW1, 0], [infiniteW1, 2], [hugeW2, 0], [hugeW2, 2]] as const) {
    const [fastNet, plainNet] = [twoLayerNet(1), twoLayerNet(1)];
    const step = mustStep(fastNet, 100);
    for (let k = 0; k <= at; k++) {
      if (k === at) [fastNet, plainNet].forEach(spoil);
      const rows = draw(rng, 100, 200);
      const loss = step.step(x, t, rows);
      assert.equal(loss, plainNet.objective(gatherRows(x, rows), gatherRows(t, rows), true));
      plainNet.backward();
      paramsOf(fastNet).forEach((p, i) => assertClose(p.grad?.data ?? new Float64Array(0), paramsOf(plainNet)[i].grad?.data ?? new Float64Array(1), `grad ${i}`));
    }
    assert.ok(fastNet.layers[0].params[0].grad?.data.some((v) => Number.isNaN(v)));
  }
});

test('a new inputs tensor is listed afresh, and NaN inputs count as nonzero', () => {
  const rng = new Rng(6);
  const make = () => randomNet(1, [10, 4, 3], ['affine', 'relu', 'affine'], 'softmax');
  const net = make();
  const step = mustStep(net, 5);
  const withNaN = randomInputs(rng, 30, 10, 0.8);
  withNaN.data[4] = NaN;
  // Row 0 has no target class at all: the plain loss is still NaN (0·log(NaN)).
  const t = oneHot(rng, 30, 3);
  t.data.fill(0, 0, 3);
  for (const x of [randomInputs(rng, 30, 10, 0.7), randomInputs(rng, 30, 10, 0.9), withNaN]) {
    for (let k = 0; k < 4; k++) {
      const rows = draw(rng, 5, 30);
      if (k === 3) rows[2] = 0;
      const loss = step.step(x, t, rows);
      // `net` keeps its weights (nothing updates them), so a new copy is the plain twin.
      const plain = make();
      assert.equal(loss, plain.objective(gatherRows(x, rows), gatherRows(t, rows), true));
      assert.equal(Number.isNaN(loss), x === withNaN && rows.includes(0));
      plain.backward();
      paramsOf(net).forEach((p, i) => assertClose(p.grad?.data ?? new Float64Array(0), paramsOf(plain)[i].grad?.data ?? new Float64Array(1), `grad ${i}`));
    }
  }
});

test('the grads are the same tensors every step, rewritten in place', () => {
  const { x, t } = mnist(300);
  const net = twoLayerNet(1);
  const step = mustStep(net, 100);
  step.step(x, t, draw(new Rng(1), 100, 300));
  const grad = net.layers[0].params[0].grad;
  const before = grad?.data.slice();
  step.step(x, t, draw(new Rng(2), 100, 300));
  assert.equal(net.layers[0].params[0].grad, grad);
  assert.notDeepEqual(grad?.data, before);
});

test('unsupported layers (dropout, batchnorm, user layers), no loss, no affine layer, and widths that do not chain give null', () => {
  const rng = new Rng(1);
  const affine = (d: number, m: number) => new Affine('A', initWeights([d, m], 'normal', rng), tensor([m]));
  assert.equal(fastStep(new Sequential([affine(4, 3), new Dropout('D', 0.5, rng)], new SoftmaxWithLoss()), 10), null);
  assert.equal(fastStep(new Sequential([affine(4, 3), new BatchNorm('BN', filled([3], 1), tensor([3]))], new SoftmaxWithLoss()), 10), null);
  assert.equal(fastStep(new Sequential([affine(4, 3)], null), 10), null);
  // A layer of the user's that calls itself relu is still not the built-in one.
  const imitation: Layer = { name: 'Mine', type: 'relu', params: [], kept: () => ({}), forward: (x) => x, backward: (d) => d };
  assert.equal(fastStep(new Sequential([affine(4, 3), imitation], new SoftmaxWithLoss()), 10), null);
  assert.equal(fastStep(new Sequential([new Relu('R')], new MSELoss()), 10), null);
  assert.equal(fastStep(new Sequential([affine(4, 3), affine(5, 2)], new MSELoss()), 10), null);
  assert.ok(fastStep(new Sequential([affine(4, 3), affine(3, 2)], new MSELoss()), 10));
  assert.throws(() => fastStep(new Sequential([affine(4, 3)], new MSELoss()), 0), /batch must be a positive integer/);
});

test("bad targets and rows throw the plain path's errors", () => {
  const rng = new Rng(1);
  const make = () => randomNet(1, [6, 3], ['affine'], 'softmax');
  const x = randomInputs(rng, 10, 6, 0.5);
  const rows = Int32Array.from([1, 2, 3]);
  const labels = tensor([10], Float64Array.from({ length: 10 }, (_, i) => i % 3));
  labels.data[2] = 3;
  const plainError = (t: Tensor) => {
    try {
      make().objective(gatherRows(x, rows), gatherRows(t, rows), true);
    } catch (e) {
      return (e as Error).message;
    }
    return assert.fail('the plain path accepted the targets');
  };
  const step = mustStep(make(), 3);
  for (const t of [labels, tensor([10, 4]), tensor([10, 3, 1])]) assert.throws(() => step.step(x, t, rows), { message: plainError(t) });
  assert.throws(() => step.step(x, labels, Int32Array.from([1, 2])), /minibatches of 3 rows/);
  assert.throws(() => step.step(x, labels, Int32Array.from([1, 2, 10])), /row 10 is outside 0..9/);
  assert.throws(() => step.step(randomInputs(rng, 10, 5, 0), labels, rows), /expects inputs \[N, 6\]/);
});

/** One-hot rows of the first argmax of each row of scores y [N, C]. */
function argmaxRows(y: Tensor): Tensor {
  const [n, c] = y.shape;
  const t = tensor([n, c]);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (y.data[i * c + j] > y.data[i * c + best]) best = j;
    t.data[i * c + best] = 1;
  }
  return t;
}

/**
 * step.accuracyOn(x, t) is accuracy(net.predict(x, false), t) exactly; and it is 1 against the
 * plain argmax of every row, so one row whose scores the fast path gets wrong enough to move its
 * argmax fails. Returns the plain accuracy.
 */
function assertSameAccuracy(step: FastStep, x: Tensor, t: Tensor, what: string): number {
  const y = step.net.predict(x, false);
  const plain = accuracy(y, t);
  assert.equal(step.accuracyOn(x, t), plain, `${what}: accuracy`);
  assert.equal(step.accuracyOn(x, argmaxRows(y)), 1, `${what}: some row's argmax differs from the plain one`);
  return plain;
}

test('evaluation on the 8,000 training and 2,000 test digits gives the plain accuracies, before and during training', () => {
  const [train, testSet] = [mnist(8000), mnist(2000, 'test')];
  const net = twoLayerNet(1);
  const step = mustStep(net, 100);
  const sgd = new SGD(0.1);
  const rng = new Rng(7);
  const accuracies: number[] = [];
  for (let round = 0; round < 3; round++) {
    accuracies.push(assertSameAccuracy(step, train.x, train.t, `round ${round}, train`), assertSameAccuracy(step, testSet.x, testSet.t, `round ${round}, test`));
    for (let k = 0; k < 60; k++) {
      step.step(train.x, train.t, draw(rng, 100, 8000));
      sgd.updateInPlace(paramsOf(net));
    }
  }
  assert.ok(accuracies[5] > 0.7, `the net learns: test accuracy ${accuracies[1]} → ${accuracies[5]}`);
  // The step still gives the plain bits, reading the training inputs' lists that the evaluation made.
  const rows = draw(rng, 100, 8000);
  const loss = step.step(train.x, train.t, rows);
  const grads = paramsOf(net).map((p) => p.grad?.data.slice() ?? new Float64Array(0));
  assert.equal(net.objective(gatherRows(train.x, rows), gatherRows(train.t, rows), true), loss);
  net.backward();
  paramsOf(net).forEach((p, i) => assertClose(p.grad?.data ?? new Float64Array(1), grads[i], `grad ${i}`, true));
});

test('evaluation of small random networks (sigmoid, tanh, leaky-relu; one-hot and label targets) is exact, also after training steps', () => {
  const rng = new Rng(12);
  shapes.forEach(({ kinds, widths, loss }, s) => {
    const classes = widths[widths.length - 1];
    for (const zeros of [0, 0.6, 0.9]) {
      // 40 rows: whole chunks, a shorter last chunk, and one chunk larger than the rows.
      for (const batch of [1, 8, 12, 64]) {
        const net = randomNet(s, widths, kinds, loss);
        const step = mustStep(net, batch);
        const x = randomInputs(rng, 40, widths[0], zeros);
        const [hot, label] = [oneHot(rng, 40, classes), labels(rng, 40, classes)];
        const sgd = new SGD(0.5);
        for (let round = 0; round < 3; round++) {
          const what = `${kinds.join('-')}, zeros ${zeros}, batch ${batch}, round ${round}`;
          assertSameAccuracy(step, x, hot, `${what}, one-hot`);
          assertSameAccuracy(step, x, label, `${what}, labels`);
          for (let k = 0; k < 5; k++) {
            step.step(x, hot, draw(rng, batch, 40));
            sgd.updateInPlace(paramsOf(net));
          }
        }
      }
    }
  });
});

test('the argmax check catches a skipped bias, a skipped layer or a wrong layer order', () => {
  const rng = new Rng(13);
  const x = randomInputs(rng, 200, 12, 0.5);
  const net = randomNet(2, [12, 8, 4], ['affine', 'tanh', 'affine'], 'softmax');
  const t = argmaxRows(net.predict(x, false));
  assert.equal(mustStep(net, 16).accuracyOn(x, t), 1);
  const [a1, tanh, a2] = net.layers;
  const unbiased = (l: Layer) => new Affine(l.name, l.params[0].value, tensor(l.params[1].value.shape));
  const wrong = [
    [unbiased(a1), tanh, a2],
    [a1, tanh, unbiased(a2)],
    [a1, a2],
    [tanh, a1, a2],
  ];
  // What a fast path with one of these bugs would compute falls short of 1.
  for (const layers of wrong) assert.ok(accuracy(new Sequential(layers, null).predict(x, false), t) < 1, layers.map((l) => l.name).join(', '));
});

test('evaluation with non-finite weights takes every term: NaN scores where the plain path has them', () => {
  const { x, t } = mnist(300);
  // Pixel 0 is 0 in every digit: the plain path makes 0·Inf = NaN, in every row's scores.
  const infiniteW1 = (net: Sequential) => (net.layers[0].params[0].value.data[3] = Infinity);
  // Inf in W2 makes NaN only in the rows whose hidden unit 0 is 0 after the ReLU.
  const infiniteW2 = (net: Sequential) => (net.layers[2].params[0].value.data[0] = Infinity);
  for (const spoil of [infiniteW1, infiniteW2]) {
    const net = twoLayerNet(1);
    const step = mustStep(net, 100);
    assertSameAccuracy(step, x, t, 'finite');
    spoil(net);
    assertSameAccuracy(step, x, t, spoil.name);
    assert.ok(net.predict(x, false).data.some((v) => Number.isNaN(v)));
  }
});

test('evaluation of several inputs tensors (a third drops the oldest lists), dense and rank-3 inputs, interleaved with steps', () => {
  const rng = new Rng(14);
  const net = randomNet(3, [10, 6, 3], ['affine', 'relu', 'affine'], 'softmax');
  const step = mustStep(net, 8);
  const sgd = new SGD(0.5);
  const xTrain = randomInputs(rng, 30, 10, 0.7);
  const tTrain = oneHot(rng, 30, 3);
  const dense = randomInputs(rng, 21, 10, 0);
  const inputs = [xTrain, randomInputs(rng, 25, 10, 0.8), randomInputs(rng, 33, 10, 0.5), dense, tensor([21, 2, 5], dense.data)];
  for (let round = 0; round < 4; round++) {
    inputs.forEach((x, i) => assertSameAccuracy(step, x, labels(rng, x.shape[0], 3), `round ${round}, inputs ${i}`));
    for (let k = 0; k < 3; k++) {
      const rows = draw(rng, 8, 30);
      const loss = step.step(xTrain, tTrain, rows);
      assert.equal(loss, net.objective(gatherRows(xTrain, rows), gatherRows(tTrain, rows), true));
      sgd.updateInPlace(paramsOf(net));
    }
  }
  assert.throws(() => step.accuracyOn(randomInputs(rng, 10, 9, 0), labels(rng, 10, 3)), /expects inputs \[N, 10\]/);
});

const optimizers: [string, () => Optimizer][] = [
  ['SGD', () => new SGD(0.1)],
  ['Momentum', () => new Momentum(0.05)],
  ['Nesterov', () => new Nesterov(0.05)],
  ['AdaGrad', () => new AdaGrad(0.05)],
  ['RMSprop', () => new RMSprop(0.01)],
  ['Adam', () => new Adam(0.01)],
];

for (const [name, make] of optimizers) {
  test(`${name}: 20 fast steps with updateInPlace follow 20 plain steps with update()`, () => {
    const { x, t } = mnist(500);
    const [fastNet, plainNet] = [twoLayerNet(3), twoLayerNet(3)];
    const [fastOpt, plainOpt] = [make(), make()];
    const step = mustStep(fastNet, 100);
    const rng = new Rng(11);
    const losses: number[] = [];
    for (let k = 0; k < 20; k++) {
      const rows = draw(rng, 100, 500);
      const loss = step.step(x, t, rows);
      fastOpt.updateInPlace(paramsOf(fastNet));
      assert.equal(loss, plainNet.objective(gatherRows(x, rows), gatherRows(t, rows), true));
      plainNet.backward();
      plainOpt.update(paramsOf(plainNet));
      losses.push(loss);
    }
    assert.ok(losses[19] < losses[0], `the loss falls: ${losses[0]} → ${losses[19]}`);
    paramsOf(fastNet).forEach((p, i) => assertClose(p.value.data, paramsOf(plainNet)[i].value.data, `${name} param ${i}`));
  });

  test(`${name}: updateInPlace writes the bits update() makes, into the same array`, () => {
    const rng = new Rng(5);
    const values = Float64Array.from({ length: 13 }, () => rng.normal());
    const [a, b]: Param[] = [
      { name: 'W', value: tensor([13], values.slice()), grad: null },
      { name: 'W', value: tensor([13], values.slice()), grad: null },
    ];
    const [optA, optB] = [make(), make()];
    const array = b.value.data;
    for (let k = 0; k < 3; k++) {
      const g = tensor([13], Float64Array.from({ length: 13 }, () => rng.normal()));
      [a.grad, b.grad] = [g, g];
      const [old, oldBits] = [a.value, [...a.value.data]];
      optA.update([a]);
      optB.updateInPlace([b]);
      assert.notEqual(a.value, old);
      assert.deepEqual([...old.data], oldBits);
      assert.equal(b.value.data, array);
      assert.deepEqual([...b.value.data], [...a.value.data]);
    }
    assert.notDeepEqual([...array], [...values]);
  });
}

/** The book's SimpleConvNet (conv 30×5×5 – ReLU – pool 2×2 – affine 100 – ReLU – affine 10) with 0.01·randn weights. */
function simpleConvNet(seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    [
      new Convolution('Convolution1', initWeights([30, 1, 5, 5], 'normal', rng), filled([30], 0)),
      new Relu('Relu1'),
      new Pooling('Pooling1', 2, 2, 2),
      new Affine('Affine1', initWeights([4320, 100], 'normal', rng), filled([100], 0)),
      new Relu('Relu2'),
      new Affine('Affine2', initWeights([100, 10], 'normal', rng), filled([10], 0)),
    ],
    new SoftmaxWithLoss(),
  );
}

/** The first `count` digits as images [count, 1, 28, 28], and their labels. */
function images(count: number, split: 'train' | 'test' = 'train'): { x: Tensor; t: Tensor } {
  const { x, t } = mnist(count, split);
  return { x: reshape(x, [count, 1, 28, 28]), t };
}

test('SimpleConvNet on 100 MNIST digits: the fast step gives the plain loss and gradients, to the bit', () => {
  const { x, t } = images(500);
  const rng = new Rng(4);
  const losses = compareSteps(() => simpleConvNet(1), x, t, [draw(rng, 100, 500), draw(rng, 100, 500)], true);
  for (const loss of losses) assert.ok(loss > 2 && loss < 2.5, `the loss of an untrained net is about ln 10, got ${loss}`);
});

test('SimpleConvNet: 4 fast Adam steps with updateInPlace give the plain losses and updated params, to the bit', () => {
  const { x, t } = images(300);
  const [fastNet, plainNet] = [simpleConvNet(2), simpleConvNet(2)];
  const [fastOpt, plainOpt] = [new Adam(0.001), new Adam(0.001)];
  const step = mustStep(fastNet, 100, [1, 28, 28]);
  const rng = new Rng(8);
  for (let k = 0; k < 4; k++) {
    const rows = draw(rng, 100, 300);
    const loss = step.step(x, t, rows);
    assert.equal(loss, plainNet.objective(gatherRows(x, rows), gatherRows(t, rows), true));
    plainNet.backward();
    paramsOf(fastNet).forEach((p, i) => assertClose(p.grad?.data ?? new Float64Array(0), paramsOf(plainNet)[i].grad?.data ?? new Float64Array(1), `step ${k}, grad ${i}`, true));
    fastOpt.updateInPlace(paramsOf(fastNet));
    plainOpt.update(paramsOf(plainNet));
  }
  paramsOf(fastNet).forEach((p, i) => assertClose(p.value.data, paramsOf(plainNet)[i].value.data, `param ${i}`, true));
  const conv = fastNet.layers[0].params;
  assert.ok(conv.every((p) => p.grad?.data.some((v) => v !== 0)), "the convolution's gradients are not all zero");
});

/** A random network of a convolution (and what follows it) on images of `sample`, described by `layers`. */
function randomConvNet(seed: number, sample: number[], layers: string[], classes: number, loss: 'softmax' | 'mse'): Sequential {
  const rng = new Rng(seed);
  let shape = sample;
  const built = layers.map((spec, i): Layer => {
    const [kind, ...args] = spec.split(' ');
    const [a, b, stride, pad] = args.map(Number);
    if (kind === 'conv') {
      // conv FN FH×FW stride pad
      const [fh, fw] = args[1].split('x').map(Number);
      const layer = new Convolution(`Conv${i}`, initWeights([a, shape[0], fh, fw], 'he', rng), tensor([a], Float64Array.from({ length: a }, () => 0.1 * rng.normal())), stride, pad);
      shape = [a, (shape[1] + 2 * pad - fh) / stride + 1, (shape[2] + 2 * pad - fw) / stride + 1];
      return layer;
    }
    if (kind === 'pool') {
      // pool FH FW stride pad
      shape = [shape[0], (shape[1] + 2 * pad - a) / stride + 1, (shape[2] + 2 * pad - b) / stride + 1];
      return new Pooling(`Pool${i}`, a, b, stride, pad);
    }
    if (kind === 'affine') {
      const d = shape.reduce((p, q) => p * q, 1);
      shape = [a];
      return new Affine(`Affine${i}`, initWeights([d, a], 'xavier', rng), tensor([a], Float64Array.from({ length: a }, () => 0.1 * rng.normal())));
    }
    return kind === 'relu' ? new Relu('Relu') : kind === 'tanh' ? new Tanh('Tanh') : kind === 'sigmoid' ? new Sigmoid('Sigmoid') : new LeakyRelu('LeakyRelu', 0.1);
  });
  assert.deepEqual(shape, [classes]);
  const net = new Sequential(built, loss === 'softmax' ? new SoftmaxWithLoss() : new MSELoss());
  net.predict(tensor([1, ...sample]), false); // throws unless every window tiles its input
  return net;
}

/** n images [C, H, W], with about `zeros` of the pixels 0 (some −0) and the others from a few values, so that pooling windows tie. */
function randomImages(rng: Rng, n: number, sample: number[], zeros: number): Tensor {
  const size = sample.reduce((p, q) => p * q, 1);
  return tensor([n, ...sample], Float64Array.from({ length: n * size }, () => (rng.next() < zeros ? (rng.next() < 0.5 ? 0 : -0) : [0.5, -1, 2, 0.25][Math.floor(rng.next() * 4)])));
}

const convShapes: { sample: number[]; layers: string[]; classes: number; loss: 'softmax' | 'mse' }[] = [
  { sample: [2, 7, 8], layers: ['conv 3 3x2 2 1', 'relu', 'pool 2 2 1 0', 'affine 4'], classes: 4, loss: 'softmax' },
  { sample: [3, 7, 7], layers: ['conv 4 3x3 1 1', 'leaky-relu', 'pool 3 3 2 1', 'affine 5', 'tanh', 'affine 3'], classes: 3, loss: 'softmax' },
  { sample: [1, 9, 7], layers: ['conv 2 2x4 1 0', 'tanh', 'affine 3'], classes: 3, loss: 'mse' },
  { sample: [2, 8, 8], layers: ['pool 2 2 2 0', 'conv 5 3x3 1 2', 'sigmoid', 'pool 3 2 1 0', 'affine 6', 'relu', 'affine 2'], classes: 2, loss: 'softmax' },
];

test('small random conv networks (stride 2, pad 1, non-square filters, channels, overlapping and padded pooling, ties) give the plain bits', () => {
  const rng = new Rng(21);
  convShapes.forEach(({ sample, layers, classes, loss }, s) => {
    for (const zeros of [0, 0.5, 0.9]) {
      const x = randomImages(rng, 30, sample, zeros);
      const t = loss === 'mse' ? tensor([30, classes], Float64Array.from({ length: 30 * classes }, () => rng.normal())) : labels(rng, 30, classes);
      compareSteps(() => randomConvNet(s, sample, layers, classes, loss), x, t, [draw(rng, 7, 30), draw(rng, 7, 30)], true);
    }
  });
});

test('conv networks: several SGD steps and the evaluation give the plain bits', () => {
  const rng = new Rng(22);
  convShapes.forEach(({ sample, layers, classes, loss }, s) => {
    const [fastNet, plainNet] = [randomConvNet(s, sample, layers, classes, loss), randomConvNet(s, sample, layers, classes, loss)];
    const step = mustStep(fastNet, 8, sample);
    const x = randomImages(rng, 40, sample, 0.5);
    const t = labels(rng, 40, classes);
    const hot = oneHot(rng, 40, classes);
    const [fastSgd, plainSgd] = [new SGD(0.3), new SGD(0.3)];
    for (let k = 0; k < 6; k++) {
      const rows = draw(rng, 8, 40);
      const targets = loss === 'mse' ? hot : t;
      assert.equal(step.step(x, targets, rows), plainNet.objective(gatherRows(x, rows), gatherRows(targets, rows), true));
      plainNet.backward();
      fastSgd.updateInPlace(paramsOf(fastNet));
      plainSgd.update(paramsOf(plainNet));
      assertSameAccuracy(step, x, hot, `${layers.join(', ')}, step ${k}`);
    }
    paramsOf(fastNet).forEach((p, i) => assertClose(p.value.data, paramsOf(plainNet)[i].value.data, `${layers.join(', ')}: param ${i}`, true));
  });
});

test('conv networks with a non-finite filter weight or input pixel take every term: NaN lands where the plain path puts it', () => {
  const rng = new Rng(23);
  const { sample, layers, classes, loss } = convShapes[0];
  const t = labels(rng, 20, classes);
  // On blank images an infinite weight makes 0·Inf = NaN at every position: the plain loss is NaN.
  const infiniteW = (net: Sequential) => (net.layers[0].params[0].value.data[1] = Infinity);
  // Under positive filters a −Inf pixel gives −Inf outputs, which ReLU zeroes: the forward stays
  // finite, and only dW = Σ dout·col gets 0·(−Inf) = NaN, where the masked outputs meet the pixel.
  const positiveW = (net: Sequential) => net.layers[0].params[0].value.data.forEach((w, e, W) => (W[e] = Math.abs(w)));
  const cases = [
    { spoil: infiniteW, x: randomImages(rng, 20, sample, 1), nanLoss: true },
    { spoil: positiveW, x: randomImages(rng, 20, sample, 0.6), nanLoss: false },
  ];
  cases[1].x.data[5 * 112 + 20] = -Infinity;
  for (const { spoil, x, nanLoss } of cases) {
    const [net, plain] = [randomConvNet(0, sample, layers, classes, loss), randomConvNet(0, sample, layers, classes, loss)];
    [net, plain].forEach(spoil);
    const rows = Int32Array.from({ length: 20 }, (_, i) => i);
    const fast = mustStep(net, 20, sample).step(x, t, rows);
    assert.ok(Object.is(fast, plain.objective(x, t, true)), `loss ${fast}`);
    assert.equal(Number.isNaN(fast), nanLoss);
    plain.backward();
    paramsOf(net).forEach((p, i) => assertClose(p.grad?.data ?? new Float64Array(0), paramsOf(plain)[i].grad?.data ?? new Float64Array(1), `${spoil.name}: grad ${i}`, true));
    const dW = net.layers[0].params[0].grad?.data ?? new Float64Array(0);
    assert.ok(dW.some((v) => Number.isNaN(v)) && (nanLoss || dW.some((v) => Number.isFinite(v))), `${spoil.name}: some of the convolution's dW is NaN`);
  }
});

test('conv networks: no fast step without the input shape, for a shape that does not fit, or with a convolution after the first weighted layer; wrong inputs throw', () => {
  const net = simpleConvNet(1);
  assert.equal(fastStep(net, 10), null);
  assert.equal(fastStep(net, 10, [784]), null);
  assert.equal(fastStep(net, 10, [1, 28, 27]), null);
  assert.equal(fastStep(net, 10, [2, 28, 28]), null);
  const rng = new Rng(1);
  const conv = (c: number) => new Convolution('Conv', initWeights([2, c, 3, 3], 'he', rng), tensor([2]));
  assert.equal(fastStep(new Sequential([conv(1), new Relu('R'), conv(2), new Affine('A', initWeights([8, 2], 'he', rng), tensor([2]))], new SoftmaxWithLoss()), 4, [1, 6, 6]), null);
  assert.equal(fastStep(new Sequential([conv(1)], new MSELoss()), 4, [1, 6, 6]), null, 'scores must be [N, C]');
  const step = mustStep(net, 10, [1, 28, 28]);
  const { x, t } = mnist(20);
  assert.throws(() => step.step(x, t, Int32Array.from({ length: 10 }, (_, i) => i)), /Convolution1 expects inputs \[N, 1, 28, 28\], got \[20, 784\]/);
});

test('SimpleConvNet: evaluation on 300 training and 200 test digits gives the plain accuracies', () => {
  const [train, testSet] = [images(300), images(200, 'test')];
  const net = simpleConvNet(3);
  const step = mustStep(net, 100, [1, 28, 28]);
  const adam = new Adam(0.001);
  const rng = new Rng(9);
  for (let round = 0; round < 2; round++) {
    assertSameAccuracy(step, train.x, train.t, `round ${round}, train`);
    assertSameAccuracy(step, testSet.x, testSet.t, `round ${round}, test`);
    for (let k = 0; k < 3; k++) {
      step.step(train.x, train.t, draw(rng, 100, 300));
      adam.updateInPlace(paramsOf(net));
    }
  }
});
