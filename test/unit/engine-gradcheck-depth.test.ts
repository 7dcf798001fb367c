// The gradient check in depth: relative errors, the worst elements, non-differentiable points told
// apart from failures, and each layer's dx checked on its own, on the fast path and the plain one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CHECK } from '../../src/engine/check-options';
import {
  checkEachParamPlain,
  checkNetwork,
  compareGradients,
  FINER_STEP,
  nonDifferentiableAt,
  WORST_COUNT,
  type LayerParamCheck,
} from '../../src/engine/gradcheck';
import type { Layer } from '../../src/engine/layer';
import { Affine } from '../../src/engine/layers/affine';
import { MSELoss } from '../../src/engine/layers/mse';
import { Relu } from '../../src/engine/layers/relu';
import { Tanh } from '../../src/engine/layers/tanh';
import { Sequential } from '../../src/engine/network';
import { Rng } from '../../src/engine/rng';
import { clone, fromNested, tensor, type Tensor } from '../../src/engine/tensor';

const H = DEFAULT_CHECK.h;

/** Differences with f0 = 0 and one-sided slopes s+ and s− per element (so f± = ±h·s±). */
function slopes(plus: number[], minus: number[], h = 0.5) {
  return { f0: 0, plus: Float64Array.from(plus, (s) => s * h), minus: Float64Array.from(minus, (s) => -s * h) };
}

test('nonDifferentiableAt: a kink when backprop matches a one-sided slope, not at a smooth point or a wrong value', () => {
  // One kink within h of a piecewise-linear path: a is the slope of its own side; n averages both.
  assert.equal(nonDifferentiableAt(1, (1 + 0.25) / 2, 1, 0.25), true);
  assert.equal(nonDifferentiableAt(0.25, (1 + 0.25) / 2, 1, 0.25), true);
  // A smooth point with curvature: a sits midway between the slopes.
  assert.equal(nonDifferentiableAt(0.5, 0.5, 0.5 + 1e-4, 0.5 - 1e-4), false);
  // A wrong value near a kink misses both slopes: twice the right side's slope, or its negative.
  assert.equal(nonDifferentiableAt(2, 0.625, 1, 0.25), false);
  assert.equal(nonDifferentiableAt(-1, 0.625, 1, 0.25), false);
  // NaN is never a kink.
  assert.equal(nonDifferentiableAt(NaN, 0.5, 1, 0), false);
});

test('compareGradients: relative error per element, failures apart from kinks, and the worst elements ranked', () => {
  // Element: 0 exact; 1 both zero; 2 a small miss inside the tolerance; 3 a kink (a = s+ = 2, s− = 0);
  // 4 a failure missing by 0.5 / 1e-3 = 500 tolerances; 5 one missing by 1.5 / 2e-3 = 750; 6 NaN.
  const a = tensor([7], Float64Array.of(1, 0, 3.001, 2, 1.5, 3.5, NaN));
  const r = compareGradients(a, slopes([1, 0, 3, 2, 1, 2, 1], [1, 0, 3, 0, 1, 2, 1]), { h: 0.5, atol: 0, rtol: 1e-3 });
  assert.deepEqual([...r.numerical.data], [1, 0, 3, 1, 1, 2, 1]);
  const rel = [...r.relError.data];
  assert.deepEqual(rel.slice(0, 2), [0, 0]);
  assert.equal(rel[2], Math.abs(3.001 - 3) / 3.001);
  assert.deepEqual(rel.slice(3, 6), [1 / 2, 0.5 / 1.5, 1.5 / 3.5]);
  assert.ok(Number.isNaN(rel[6]) && Number.isNaN(r.maxRelError));
  assert.deepEqual([r.failures, r.nonDifferentiable, r.ok], [3, 1, false]);
  // Failures first (NaN misses most), then the kink, then passing elements; equal misses keep index order.
  assert.deepEqual(
    r.worst.map((w) => [w.flat, w.failed, w.nonDifferentiable]),
    [[6, true, false], [5, true, false], [4, true, false], [3, false, true], [2, false, false], [0, false, false], [1, false, false]],
  );
  assert.deepEqual(r.worst[2], { flat: 4, index: [4], analytic: 1.5, numerical: 1, nonDifferentiable: false, failed: true });
});

test('compareGradients flags each failing element, so a view can mark every one whatever its |a − n|', () => {
  // 0 passes with |a − n| = 0.5 under a large |n| (tolerance 0.1 + 0.01·100 = 1.1); 1 fails with 0.2 under a small one
  // (tolerance 0.11); 2 is a kink (a = s+ = 2, s− = 0: outside the tolerance, not a failure); 3 NaN fails.
  const a = tensor([4], Float64Array.of(100.5, 1.2, 2, NaN));
  const r = compareGradients(a, slopes([100, 1, 2, 1], [100, 1, 0, 1]), { h: 0.5, atol: 0.1, rtol: 0.01 });
  assert.deepEqual([...r.error.data.slice(0, 3)], [0.5, 1.2 - 1, 1]);
  assert.deepEqual([...r.failed], [0, 1, 0, 1]);
  assert.equal(r.failures, 2);
  assert.equal(r.nonDifferentiable, 1);
});

test('compareGradients: the maxima leave out non-differentiable points, so a passing check does not read "max rel 0.5"', () => {
  // Element 0 a small miss inside the tolerance; 1 a kink (a = s+ = 2, s− = 0, n = 1): |a − n| = 1, relative 0.5.
  const r = compareGradients(tensor([2], Float64Array.of(3.001, 2)), slopes([3, 2], [3, 0]), { h: 0.5, atol: 0, rtol: 1e-3 });
  assert.deepEqual([r.failures, r.nonDifferentiable, r.ok], [0, 1, true]);
  assert.equal(r.maxRelError, Math.abs(3.001 - 3) / 3.001);
  assert.equal(r.maxAbsDiff, Math.abs(3.001 - 3));
  // The kink still shows where each element is shown: its relative error, and the worst list.
  assert.equal(r.relError.data[1], 0.5);
  assert.deepEqual(r.worst.map((w) => [w.flat, w.nonDifferentiable]), [[1, true], [0, false]]);
  // The book's mean |a − n| covers every element.
  assert.equal(r.meanAbsDiff, (Math.abs(3.001 - 3) + 1) / 2);
});

test('the worst list keeps the WORST_COUNT worst, with per-axis indices', () => {
  const n = 30;
  const analytic = tensor([5, 6], Float64Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 10 + i : 1)));
  const r = compareGradients(analytic, slopes(Array(n).fill(1), Array(n).fill(1)), { h: 0.5, atol: 1e-5, rtol: 1e-3 });
  const failing = [3, 10, 17, 24];
  assert.equal(r.failures, failing.length);
  assert.equal(r.worst.length, WORST_COUNT);
  // The largest analytic value misses most.
  assert.deepEqual(r.worst.slice(0, 4).map((w) => [w.flat, w.index]), [...failing].reverse().map((f) => [f, [Math.floor(f / 6), f % 6]]));
  assert.ok(r.worst.slice(4).every((w) => !w.failed && w.analytic === 1));
});

/**
 * Affine1 → Relu → Affine2 → MSE with the pre-activation z[1, 2] = h/4, within h/2 of ReLU's kink;
 * every other z is at least 0.05 from 0. `relu` and `second` replace the Relu and Affine2.
 */
function kinkNet(relu: Layer = new Relu('Relu1'), second?: Affine): { net: Sequential; x: Tensor; t: Tensor } {
  const x = fromNested([[0.5, -1.0], [1.0, 0.5]]);
  // z = x·W1 + b1: row 0 = [0.3, −0.7, −0.45 + h/4], row 1 = [1.3, 0.35, h/4].
  const W1 = fromNested([[0.8, -0.6, 0.3], [0.4, 0.9, 0.2]]);
  const b1 = fromNested([0.3, 0.5, H / 4 - 0.4]);
  const W2 = fromNested([[0.7, -0.5], [0.2, 0.6], [-0.9, 0.4]]);
  const b2 = fromNested([0.1, -0.2]);
  const net = new Sequential([new Affine('Affine1', W1, b1), relu, second ?? new Affine('Affine2', W2, b2)], new MSELoss());
  return { net, x, t: fromNested([[1, 0], [0, 1]]) };
}

const summary = (results: readonly LayerParamCheck[]) => results.map((r) => `${r.name}.${r.param}:${r.result.failures}/${r.result.nonDifferentiable}`);
const kinks = (r: LayerParamCheck) => r.result.worst.filter((w) => w.nonDifferentiable).map((w) => w.flat).sort((a, b) => a - b);

test('a ReLU input within h/2 of 0 gives non-differentiable points, not failures, on both paths', () => {
  const { net, x, t } = kinkNet();
  const z = net.layers[0].forward(x, true).data;
  assert.ok(Math.abs(z[5]) < H / 2 && [0, 1, 2, 3, 4].every((i) => Math.abs(z[i]) > 0.05), `z = ${[...z]}`);
  for (const [path, results] of [
    ['fast', checkNetwork(net, x, t, true)],
    ['plain', [...checkEachParamPlain(net, x, t, true)]],
  ] as const) {
    // Perturbing b1[2], or W1[i, 2] (x[1, i] ≥ 0.5 moves z[1, 2] by more than h/4), or Relu's input
    // at [1, 2] crosses the kink. Affine1's dx is checked on Affine1 alone, which is linear.
    assert.deepEqual(summary(results), ['Affine1.W:0/2', 'Affine1.b:0/1', 'Affine1.dx:0/0', 'Relu1.dx:0/1', 'Affine2.W:0/0', 'Affine2.b:0/0', 'Affine2.dx:0/0'], path);
    assert.ok(results.every((r) => r.result.ok), path);
    assert.deepEqual(results.slice(0, 4).map(kinks), [[2, 5], [2], [], [5]], path);
    const relu = results[3].result.worst.find((w) => w.nonDifferentiable)!;
    assert.deepEqual(relu.index, [1, 2]);
    // Backprop's slope is the pass-through side's; the central difference sees 5/8 of it (kink at h/4).
    assert.ok(Math.abs(relu.numerical / relu.analytic - 5 / 8) < 1e-3, `${relu.numerical} / ${relu.analytic}`);
  }
});

/** ReLU with dx = 2·dout where it passes: wrong everywhere it is not masked. */
class DoubledRelu extends Relu {
  override backward(dout: Tensor): Tensor {
    const dx = super.backward(dout);
    return tensor(dx.shape, dx.data.map((v) => 2 * v));
  }
}

/** Affine whose dW is wrong by ×1.5 at element 3. */
class OneWrongAffine extends Affine {
  override backward(dout: Tensor): Tensor {
    const dx = super.backward(dout);
    const dW = clone(this.params[0].grad!);
    dW.data[3] *= 1.5;
    this.params[0].grad = dW;
    return dx;
  }
}

test('a wrong backward still fails next to a kink, and is not mislabelled', () => {
  // Relu1's doubled dx fails at its 4 unmasked inputs, the one at the kink included.
  const doubled = kinkNet(new DoubledRelu('Relu1'));
  const [, , , relu] = checkNetwork(doubled.net, doubled.x, doubled.t, true);
  assert.deepEqual([relu.name, relu.param, relu.result.failures, relu.result.nonDifferentiable], ['Relu1', 'dx', 4, 0]);
  assert.deepEqual(relu.result.worst.filter((w) => w.failed).map((w) => w.flat).sort(), [0, 3, 4, 5]);

  // A wrong dW2 element fails alone while the kinks upstream stay labelled.
  const W2 = fromNested([[0.7, -0.5], [0.2, 0.6], [-0.9, 0.4]]);
  const wrong = kinkNet(new Relu('Relu1'), new OneWrongAffine('Affine2', W2, fromNested([0.1, -0.2])));
  const results = checkNetwork(wrong.net, wrong.x, wrong.t, true);
  assert.deepEqual(summary(results), ['Affine1.W:0/2', 'Affine1.b:0/1', 'Affine1.dx:0/0', 'Relu1.dx:0/1', 'Affine2.W:1/0', 'Affine2.b:0/0', 'Affine2.dx:0/0']);
  assert.deepEqual(results[4].result.worst[0], {
    flat: 3,
    index: [1, 1],
    analytic: results[4].result.analytic.data[3],
    numerical: results[4].result.numerical.data[3],
    nonDifferentiable: false,
    failed: true,
  });
});

test('a layer\'s dx is checked on the layer alone: a wrong dx fails there, with backprop 2× the truth', () => {
  class DoubledTanh extends Tanh {
    override backward(dout: Tensor): Tensor {
      const dx = super.backward(dout);
      return tensor(dx.shape, dx.data.map((v) => 2 * v));
    }
  }
  const rng = new Rng(5);
  const normal = (shape: number[]) => tensor(shape, Float64Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()));
  // No loss and Tanh last: the objective's dout is all ones, but the dx check uses its own R.
  const net = new Sequential([new Affine('Affine1', normal([3, 4]), normal([4])), new DoubledTanh('Tanh1')], null);
  const x = normal([2, 3]);
  for (const results of [checkNetwork(net, x, null, false), [...checkEachParamPlain(net, x, null, false)]]) {
    const tanh = results.find((r) => r.param === 'dx' && r.name === 'Tanh1')!.result;
    assert.deepEqual([tanh.failures, tanh.nonDifferentiable, tanh.shape], [8, 0, [2, 4]]);
    // An independent oracle: Tanh1's local objective Σ tanh(x)·R has gradient R·(1 − tanh²(x)); the
    // analytic side is twice that, so R can be read back from it.
    const input = net.layers[0].forward(x, false).data;
    tanh.numerical.data.forEach((n, i) => {
      const slope = 1 - Math.tanh(input[i]) ** 2;
      const R = tanh.analytic.data[i] / (2 * slope);
      assert.ok(Math.abs(n - R * slope) < 1e-8 * Math.max(1, Math.abs(n)), `element ${i}`);
    });
    // The projection is not all ones: R varies, so every element is checked against its own weight.
    assert.equal(new Set(Array.from(tanh.analytic.data, (v, i) => (v / (1 - Math.tanh(input[i]) ** 2)).toFixed(6))).size, 8);
  }
});

test('random ReLU networks with kinks and wrong layers: fast and plain agree on failures, kinks and the worst', () => {
  let kinked = 0;
  let failed = 0;
  for (let seed = 300; seed < 330; seed++) {
    const rng = new Rng(seed);
    const normal = (shape: number[]) => tensor(shape, Float64Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()));
    const n = 2 + Math.floor(rng.next() * 3);
    const [d, m, c] = [2 + Math.floor(rng.next() * 3), 2 + Math.floor(rng.next() * 4), 2 + Math.floor(rng.next() * 3)];
    const x = normal([n, d]);
    const W1 = normal([d, m]);
    const b1 = normal([m]);
    // Put one pre-activation within h/2 of 0 by moving its bias.
    const [row, col] = [Math.floor(rng.next() * n), Math.floor(rng.next() * m)];
    let z = b1.data[col];
    for (let i = 0; i < d; i++) z += x.data[row * d + i] * W1.data[i * m + col];
    b1.data[col] -= z - (rng.next() - 0.5) * H;
    const wrong = Math.floor(rng.next() * 3);
    const layers: Layer[] = [
      new Affine('Affine1', W1, b1),
      wrong === 1 ? new DoubledRelu('Relu1') : new Relu('Relu1'),
      wrong === 2 ? new OneWrongAffine('Affine2', normal([m, c]), normal([c])) : new Affine('Affine2', normal([m, c]), normal([c])),
    ];
    const net = new Sequential(layers, new MSELoss());
    const t = normal([n, c]);
    const fast = checkNetwork(net, x, t, true);
    const plain = [...checkEachParamPlain(net, x, t, true)];
    const flagged = (r: LayerParamCheck) => r.result.worst.filter((w) => w.failed || w.nonDifferentiable).map((w) => `${w.flat}:${w.failed}:${w.nonDifferentiable}`);
    assert.deepEqual(summary(fast), summary(plain), `seed ${seed}`);
    fast.forEach((r, i) => assert.deepEqual(flagged(r), flagged(plain[i]), `seed ${seed} ${r.name}.${r.param}`));
    kinked += fast.some((r) => r.result.nonDifferentiable > 0) ? 1 : 0;
    failed += fast.some((r) => r.result.failures > 0) ? 1 : 0;
  }
  assert.ok(kinked >= 20 && failed >= 10, `networks with kinks ${kinked}, with failures ${failed}`);
});

test('two kinks within h: a failure at h, a non-differentiable point when the finer step h/10 sees one kink; a wrong value still fails', () => {
  // f(v) = relu(v) + relu(v + h/2) at v = 0: backprop's slope is 1 (the first ReLU masks 0, the second passes).
  const h = 0.5;
  const f = (v: number) => Math.max(v, 0) + Math.max(v + h / 2, 0);
  const at = (step: number) => ({ f0: f(0), plus: Float64Array.of(f(step)), minus: Float64Array.of(f(-step)) });
  const opts = { h, atol: 0, rtol: 1e-6 };
  const once = compareGradients(fromNested([1]), at(h), opts);
  assert.deepEqual([once.failures, once.nonDifferentiable], [1, 0], 'slopes 2 and 0.5 on either side: neither is backprop\'s 1');
  const twice = compareGradients(fromNested([1]), at(h), opts, [at(h / FINER_STEP)]);
  assert.deepEqual([twice.failures, twice.nonDifferentiable, twice.ok], [0, 1, true]);
  assert.equal(twice.numerical.data[0], 1.25, 'the numerical gradient reported is still the one at h');
  const wrong = compareGradients(fromNested([3]), at(h), opts, [at(h / FINER_STEP), at(h / FINER_STEP ** 2)]);
  assert.deepEqual([wrong.failures, wrong.nonDifferentiable], [1, 0]);
});
