// The fast gradient check (recompute after the perturbed layer, one column after an Affine) against
// the plain one that recomputes the whole network per element, and the kernels it relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEachParamPlain, checkNetwork, WORST_COUNT, type LayerParamCheck, type WorstElement } from '../../src/engine/gradcheck';
import type { Layer, LayerType, LossLayer } from '../../src/engine/layer';
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
import { matmul, matmulTransA, matmulTransB } from '../../src/engine/ops';
import { Rng } from '../../src/engine/rng';
import { runNetwork } from '../../src/engine/run';
import { clone, tensor, type Tensor } from '../../src/engine/tensor';

const bytes = (t: Tensor | Float64Array): Buffer => {
  const d = t instanceof Float64Array ? t : t.data;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
};
const randInt = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng.next() * (hi - lo + 1));

function randomTensor(rng: Rng, shape: number[]): Tensor {
  return tensor(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()));
}

/** Rows minus their mean: mixes columns, so the check must run it whole. dx = dout − row mean of dout. */
class CenterRows implements Layer {
  // A test-only type: the check treats every type but 'affine' alike.
  readonly type = 'center-rows' as unknown as LayerType;
  readonly params = [];
  constructor(readonly name: string) {}
  kept(): Record<string, Tensor> {
    return {};
  }
  forward(x: Tensor): Tensor {
    return centerRows(x);
  }
  backward(dout: Tensor): Tensor {
    return centerRows(dout);
  }
}

function centerRows(x: Tensor): Tensor {
  const [n, d] = x.shape;
  const out = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x.data[r * d + j] / d;
    for (let j = 0; j < d; j++) out[r * d + j] = x.data[r * d + j] - mean;
  }
  return tensor(x.shape, out);
}

/** `inner` without forwardColumn, so the check must fall back to running it whole. */
function whole(inner: Layer): Layer {
  return {
    name: inner.name,
    type: inner.type,
    params: inner.params,
    get frozen() {
      return inner.frozen;
    },
    set frozen(v) {
      inner.frozen = v;
    },
    kept: () => inner.kept(),
    forward: (x, train) => inner.forward(x, train),
    backward: (dout) => inner.backward(dout),
  };
}

/** A layer that keeps a change in column j within column j, or one that does not. */
function randomFollower(rng: Rng, name: string, width: number): Layer {
  switch (randInt(rng, 0, 8)) {
    case 0: return new Relu(name);
    case 1: return new LeakyRelu(name, 0.1);
    case 2: return new Sigmoid(name);
    case 3: return new Tanh(name);
    case 4: return new Dropout(name, 0.3, rng);
    case 5: return new BatchNorm(name, randomTensor(rng, [width]), randomTensor(rng, [width]));
    case 6: return whole(new BatchNorm(name, randomTensor(rng, [width]), randomTensor(rng, [width])));
    case 7: return whole(new Tanh(name));
    default: return new CenterRows(name);
  }
}

interface Case {
  net: Sequential;
  x: Tensor;
  t: Tensor | null;
  train: boolean;
}

/** Targets for `loss` on outputs [n, c]: labels for the softmax loss, values for MSE. */
function targetsFor(rng: Rng, loss: LossLayer | null, n: number, c: number): Tensor | null {
  if (!loss) return null;
  if (loss.type === 'mse') return randomTensor(rng, [n, c]);
  return tensor([n], Float64Array.from({ length: n }, () => randInt(rng, 0, c - 1)));
}

/** 1–3 Affines, each followed by 0–3 random layers, then softmax-with-loss, MSE or no loss; train or eval. */
function randomCase(seed: number): Case {
  const rng = new Rng(seed);
  const n = randInt(rng, 1, 4);
  let width = randInt(rng, 2, 5);
  const x = randomTensor(rng, [n, width]);
  const layers: Layer[] = [];
  const blocks = randInt(rng, 1, 3);
  for (let b = 0; b < blocks; b++) {
    const out = randInt(rng, 2, 5);
    layers.push(new Affine(`Affine${b + 1}`, randomTensor(rng, [width, out]), randomTensor(rng, [out])));
    width = out;
    const followers = randInt(rng, 0, 3);
    for (let f = 0; f < followers; f++) layers.push(randomFollower(rng, `L${b + 1}.${f + 1}`, width));
  }
  const loss = [new SoftmaxWithLoss(), new MSELoss(), null][randInt(rng, 0, 2)];
  const t = targetsFor(rng, loss, n, width);
  const net = new Sequential(layers, loss);
  const train = rng.next() < 0.5;
  // A training pass gives BatchNorm running statistics and Dropout a mask, as a run before the check would.
  net.objective(x, t, true);
  return { net, x, t, train };
}

/** A fixed Affine → ... → loss case with the named layers in between, random values from `seed`. */
function fixedCase(seed: number, middle: (rng: Rng) => Layer[], widths: number[], loss: LossLayer | null, train: boolean): Case {
  const rng = new Rng(seed);
  const n = 3;
  const x = randomTensor(rng, [n, widths[0]]);
  const layers: Layer[] = [new Affine('Affine1', randomTensor(rng, [widths[0], widths[1]]), randomTensor(rng, [widths[1]]))];
  layers.push(...middle(rng));
  for (let i = 2; i < widths.length; i++) {
    layers.push(new Affine(`Affine${i}`, randomTensor(rng, [widths[i - 1], widths[i]]), randomTensor(rng, [widths[i]])));
  }
  const net = new Sequential(layers, loss);
  const t = targetsFor(rng, loss, n, widths[widths.length - 1]);
  net.objective(x, t, true);
  return { net, x, t, train };
}

/**
 * Asserts fast and plain checks agree: same elements, same analytic gradients bit for bit, and
 * numerical gradients equal up to rounding. Each objective carries rounding of ~1e-16 times the sizes
 * it is computed from (|f| and the outputs |y|, taken as at least 1), and (f+ − f−) / 2h multiplies
 * that by 1/2h = 5e3. Differences seen reach ~3e-11 of that scale, so 1e-9 of it bounds the noise
 * with a wide margin, far below any change a different function would make. Returns the largest
 * difference seen.
 */
function assertAgree(c: Case, what: string): number {
  const fast = checkNetwork(c.net, c.x, c.t, c.train);
  const plain = [...checkEachParamPlain(c.net, c.x, c.t, c.train)];
  const label = (r: LayerParamCheck): string => `${r.index}:${r.name}.${r.param}`;
  assert.deepEqual(fast.map(label), plain.map(label), `${what}: elements`);
  const frozen = c.net.layers.filter((l) => l.frozen !== undefined);
  for (const l of frozen) l.frozen = true;
  const f = c.net.objective(c.x, c.t, c.train);
  const y = c.net.predict(c.x, c.train);
  for (const l of frozen) l.frozen = false;
  let scale = Math.max(1, Math.abs(f));
  for (const v of y.data) scale = Math.max(scale, Math.abs(v));
  // A dx check's objective is Σ out·R of its layer alone, so its rounding goes with that layer's values.
  const layerScale: number[] = [];
  let a = c.x;
  for (const l of frozen) l.frozen = true;
  for (const layer of c.net.layers) {
    const out = layer.forward(a, c.train);
    layerScale.push(Math.max(1, ...a.data.map(Math.abs), ...out.data.map(Math.abs)));
    a = out;
  }
  for (const l of frozen) l.frozen = false;
  let worst = 0;
  fast.forEach((r, i) => {
    const p = plain[i];
    const tol = 1e-9 * (r.param === 'dx' ? layerScale[r.index] : scale);
    assert.ok(bytes(r.result.analytic).equals(bytes(p.result.analytic)), `${what} ${label(r)}: analytic`);
    r.result.numerical.data.forEach((v, e) => {
      const diff = Math.abs(v - p.result.numerical.data[e]);
      worst = Math.max(worst, diff);
      assert.ok(diff <= tol, `${what} ${label(r)}[${e}]: fast ${v}, plain ${p.result.numerical.data[e]}, tolerance ${tol}`);
      // The relative error moves with the numerical value, by at most its change over max(|a|, |n|).
      const size = Math.max(Math.abs(r.result.analytic.data[e]), Math.abs(v), Math.abs(p.result.numerical.data[e]));
      const relDiff = Math.abs(r.result.relError.data[e] - p.result.relError.data[e]);
      assert.ok(relDiff <= (2 * tol) / size || (size === 0 && relDiff === 0), `${what} ${label(r)}[${e}]: relError`);
    });
    // Which elements fail and which are non-differentiable points is the same; the order of passing
    // elements among the worst can differ with rounding, as their misses are rounding-sized, and so
    // can the order of kinks whose misses differ by rounding alone (a pooling window's tied zeros).
    const flagged = (w: WorstElement[]) => w.filter((e) => e.failed || e.nonDifferentiable).map((e) => `${e.flat}:${e.failed}:${e.nonDifferentiable}`).sort();
    assert.deepEqual([r.result.failures, r.result.nonDifferentiable], [p.result.failures, p.result.nonDifferentiable], `${what} ${label(r)}: counts`);
    assert.deepEqual(flagged(r.result.worst), flagged(p.result.worst), `${what} ${label(r)}: worst`);
    assert.equal(r.result.worst.length, Math.min(WORST_COUNT, r.result.analytic.data.length));
  });
  return worst;
}

test('forwardColumn gives the bits of forward for every column-wise layer, and changes no state', () => {
  const rng = new Rng(3);
  for (let trial = 0; trial < 10; trial++) {
    const n = randInt(rng, 1, 5);
    const d = randInt(rng, 1, 5);
    const x = randomTensor(rng, [n, d]);
    x.data[0] = 0;
    if (x.data.length > 1) x.data[1] = -0;
    const bn = new BatchNorm('BatchNorm', randomTensor(rng, [d]), randomTensor(rng, [d]));
    bn.forward(randomTensor(rng, [n, d]), true); // running statistics for evaluation
    const cases: [Layer, boolean][] = [
      [new Relu('Relu'), true],
      [new LeakyRelu('LeakyRelu', 0.1), true],
      [new Sigmoid('Sigmoid'), true],
      [new Tanh('Tanh'), true],
      [new Dropout('Dropout', 0.4, rng), true],
      [new Dropout('Dropout', 0.4, rng), false],
      [bn, true],
      [bn, false],
    ];
    for (const [layer, train] of cases) {
      const out = layer.forward(x, train);
      const state = layer instanceof Dropout && train ? [layer.mask!] : layer instanceof BatchNorm ? [layer.runningMean, layer.runningVar] : [];
      const before = state.map((s) => [s, bytes(clone(s))] as const);
      for (let j = 0; j < d; j++) {
        const col = Float64Array.from({ length: n }, (_, r) => x.data[r * d + j]);
        layer.forwardColumn!(col, j, d, train);
        const expected = Float64Array.from({ length: n }, (_, r) => out.data[r * d + j]);
        assert.ok(bytes(col).equals(bytes(expected)), `${layer.name} ${train ? 'train' : 'eval'} column ${j}`);
      }
      for (const [s, b] of before) assert.ok(bytes(s).equals(b), `${layer.name} state`);
      if (layer instanceof Dropout && train) assert.strictEqual(layer.mask, state[0]);
      if (layer instanceof BatchNorm) assert.deepEqual([layer.runningMean, layer.runningVar], state);
    }
  }
});

test('matmul kernels give the bits of plain loops that add terms in index order', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 20; trial++) {
    const [m, k, n] = [randInt(rng, 1, 9), randInt(rng, 1, 9), randInt(rng, 1, 9)];
    const a = randomTensor(rng, [m, k]);
    const b = randomTensor(rng, [k, n]);
    const at = randomTensor(rng, [m, n]); // for aᵀ·(m × n) and (m × n)·bᵀ
    const ab = new Float64Array(m * n);
    const atb = new Float64Array(k * n);
    const abt = new Float64Array(m * k);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a.data[i * k + p] * b.data[p * n + j];
        ab[i * n + j] = s;
      }
    }
    for (let p = 0; p < k; p++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += a.data[i * k + p] * at.data[i * n + j];
        atb[p * n + j] = s;
      }
    }
    const bt = tensor([k, n], b.data); // rows of b as the rows of the transposed operand
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < k; p++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += at.data[i * n + j] * bt.data[p * n + j];
        abt[i * k + p] = s;
      }
    }
    assert.ok(bytes(matmul(a, b)).equals(bytes(ab)), `matmul ${m}×${k}·${k}×${n}`);
    assert.ok(bytes(matmulTransA(a, at)).equals(bytes(atb)), `matmulTransA ${m}×${k}, ${m}×${n}`);
    assert.ok(bytes(matmulTransB(at, bt)).equals(bytes(abt)), `matmulTransB ${m}×${n}, ${k}×${n}`);
  }
});

test('fast and plain checks agree where the perturbed Affine feeds the loss, another Affine, or a non-local layer', () => {
  const none = (): Layer[] => [];
  const cases: [string, Case][] = [
    ['Affine → softmax loss', fixedCase(1, none, [4, 3], new SoftmaxWithLoss(), true)],
    ['Affine → MSE', fixedCase(2, none, [4, 3], new MSELoss(), false)],
    ['Affine → sum', fixedCase(3, none, [4, 3], null, true)],
    ['Affine → Affine → softmax loss', fixedCase(4, none, [4, 5, 3], new SoftmaxWithLoss(), true)],
    ['Affine → Tanh → Affine → Tanh → sum', fixedCase(5, () => [new Tanh('Tanh1')], [4, 5, 3], null, false)],
    [
      'Affine → Sigmoid → Dropout → LeakyRelu → Affine → Affine → MSE',
      fixedCase(6, (rng) => [new Sigmoid('S'), new Dropout('D', 0.5, rng), new LeakyRelu('L', 0.2)], [4, 5, 3, 2], new MSELoss(), true),
    ],
    ['Affine → BatchNorm → Relu → Affine → softmax loss (train)', fixedCase(7, (rng) => [new BatchNorm('BN', randomTensor(rng, [5]), randomTensor(rng, [5])), new Relu('R')], [4, 5, 3], new SoftmaxWithLoss(), true)],
    ['Affine → BatchNorm → Affine → MSE (eval)', fixedCase(8, (rng) => [new BatchNorm('BN', randomTensor(rng, [5]), randomTensor(rng, [5]))], [4, 5, 3], new MSELoss(), false)],
    ['Affine → CenterRows → Affine → softmax loss', fixedCase(9, () => [new CenterRows('C')], [4, 5, 3], new SoftmaxWithLoss(), true)],
    ['Affine → Relu → CenterRows → sum', fixedCase(10, () => [new Relu('R'), new CenterRows('C')], [4, 5], null, true)],
    ['Affine → whole BatchNorm → Affine → MSE', fixedCase(11, (rng) => [whole(new BatchNorm('BN', randomTensor(rng, [5]), randomTensor(rng, [5])))], [4, 5, 3], new MSELoss(), true)],
  ];
  const rng = new Rng(12);
  const image = new Sequential([new Affine('Affine1', randomTensor(rng, [6, 4]), randomTensor(rng, [4])), new Relu('R')], new SoftmaxWithLoss());
  cases.push(['Affine on [N, 2, 3] images → Relu → softmax loss', { net: image, x: randomTensor(rng, [3, 2, 3]), t: tensor([3], Float64Array.of(0, 3, 1)), train: true }]);
  const empty = new Sequential([new Affine('Affine1', randomTensor(rng, [4, 3]), randomTensor(rng, [3])), new Tanh('T')], null);
  cases.push(['an empty batch → Tanh → sum', { net: empty, x: tensor([0, 4]), t: null, train: false }]);
  for (const [what, c] of cases) assertAgree(c, what);
});

test('fast and plain checks agree on 60 random networks', () => {
  let worst = 0;
  for (let seed = 100; seed < 160; seed++) worst = Math.max(worst, assertAgree(randomCase(seed), `seed ${seed}`));
  assert.ok(worst > 0, 'the two paths round differently somewhere, so the comparison is not vacuous');
});

test('fast and plain checks agree on convolutional networks: a channel per filter, the windows over a pixel', () => {
  const rng = new Rng(31);
  const conv = (name: string, fn: number, c: number, fh: number, fw: number, stride = 1, pad = 0) => new Convolution(name, randomTensor(rng, [fn, c, fh, fw]), randomTensor(rng, [fn]), stride, pad);
  const affine = (d: number, m: number) => new Affine('Affine1', randomTensor(rng, [d, m]), randomTensor(rng, [m]));
  const cases: [string, Layer[], number[], LossLayer | null][] = [
    ['Conv (stride 2, pad 1) → Relu → Pool → Affine → softmax loss', [conv('C', 3, 2, 3, 2, 2, 1), new Relu('R'), new Pooling('P', 2, 2), affine(3 * 2 * 2, 3)], [2, 2, 7, 6], new SoftmaxWithLoss()],
    ['Conv → BatchNorm per channel → overlapping Pool (pad 1) → Affine → MSE', [conv('C', 2, 1, 2, 2), new BatchNorm('BN', randomTensor(rng, [2]), randomTensor(rng, [2])), new Pooling('P', 3, 3, 1, 1), affine(2 * 4 * 4, 2)], [3, 1, 5, 5], new MSELoss()],
    ['Pool → Conv → Tanh → Conv → sum', [new Pooling('P', 2, 1, 1), conv('C1', 2, 2, 2, 2), new Tanh('T'), conv('C2', 1, 2, 1, 2)], [2, 2, 5, 4], null],
  ];
  for (const [what, layers, shape, loss] of cases) {
    const net = new Sequential(layers, loss);
    const x = randomTensor(rng, shape);
    const out = net.predict(x, true);
    const t = targetsFor(rng, loss, shape[0], out.shape[1]);
    net.objective(x, t, true);
    assertAgree({ net, x, t, train: true }, what);
  }
});

test('the fast check runs the perturbed Affine and its column-wise followers once, not per element', () => {
  const calls = new Map<string, number>();
  const counted = <T extends Layer>(layer: T): T => {
    const forward = layer.forward.bind(layer);
    layer.forward = (x, train) => {
      calls.set(layer.name, (calls.get(layer.name) ?? 0) + 1);
      return forward(x, train);
    };
    return layer;
  };
  const rng = new Rng(4);
  const net = new Sequential(
    [
      counted(new Affine('Affine1', randomTensor(rng, [6, 5]), randomTensor(rng, [5]))),
      counted(new BatchNorm('BN', randomTensor(rng, [5]), randomTensor(rng, [5]))),
      counted(new Relu('Relu')),
      counted(new Affine('Affine2', randomTensor(rng, [5, 4]), randomTensor(rng, [4]))),
      counted(new Tanh('Tanh')),
    ],
    new MSELoss(),
  );
  const x = randomTensor(rng, [3, 6]);
  checkNetwork(net, x, randomTensor(rng, [3, 4]), true);
  // Every layer runs in the analytic, clean and final passes, and once for its dx check's backward.
  // Affine1's 2·(30 + 5) perturbations go down column j through BN and Relu, reach Affine2 as a rank-1
  // update, and run only Tanh whole. BN's 2·(5 + 5) run everything from BN on. Affine2's 2·(20 + 4) go
  // down one column through Tanh. The dx checks move one row of an Affine's output, or recompute one
  // column of the others', without running any forward.
  assert.equal(calls.get('Affine1'), 4);
  for (const name of ['BN', 'Relu', 'Affine2']) assert.equal(calls.get(name), 4 + 2 * 10, name);
  assert.equal(calls.get('Tanh'), 4 + 2 * 35 + 2 * 10);
});

/** Affine whose dW is wrong by ×1.5 at element 7. */
class OneWrongAffine extends Affine {
  override backward(dout: Tensor): Tensor {
    const dx = super.backward(dout);
    const dW = clone(this.params[0].grad!);
    dW.data[7] *= 1.5;
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

test('the fast check still fails a wrong layer at the wrong elements', () => {
  const rng = new Rng(21);
  const x = randomTensor(rng, [4, 3]);
  const t = randomTensor(rng, [4, 2]);
  // Affine1.W[1, 3] (element 7) has a wrong gradient; Affine1 feeds Tanh, then Affine2 (rank-1 path).
  const net = new Sequential(
    [
      new OneWrongAffine('Affine1', randomTensor(rng, [3, 4]), randomTensor(rng, [4])),
      new Tanh('Tanh1'),
      new Affine('Affine2', randomTensor(rng, [4, 2]), randomTensor(rng, [2])),
    ],
    new MSELoss(),
  );
  const [w1, b1, dx1, tanh, w2, b2, dx2] = checkNetwork(net, x, t, true);
  assert.ok([b1, dx1, tanh, w2, b2, dx2].every((r) => r.result.ok));
  assert.equal(w1.result.failures, 1);
  assert.deepEqual(
    w1.result.worst[0],
    { flat: 7, index: [1, 3], analytic: w1.result.analytic.data[7], numerical: w1.result.numerical.data[7], nonDifferentiable: false, failed: true },
  );
  assert.ok(w1.result.worst.slice(1).every((w) => !w.failed && !w.nonDifferentiable));
  const err = w1.result.error.data;
  assert.equal(err.indexOf(Math.max(...err)), 7);
  assert.ok(Math.abs(err[7] - Math.abs(0.5 * w1.result.numerical.data[7])) < 1e-6 && err[7] > 1e-3, `element 7: ${err[7]}`);
  // Central differences are off by O(h²·f''') = O(1e-8) through Tanh.
  for (let e = 0; e < err.length; e++) if (e !== 7) assert.ok(err[e] < 1e-6, `element ${e}: ${err[e]}`);

  // A doubled dx in Tanh1 breaks every element before it, and its own dx check; nothing after it.
  const doubled = new Sequential(
    [
      new Affine('Affine1', randomTensor(rng, [3, 4]), randomTensor(rng, [4])),
      new DoubledTanh('Tanh1'),
      new Affine('Affine2', randomTensor(rng, [4, 2]), randomTensor(rng, [2])),
    ],
    new MSELoss(),
  );
  const results = checkNetwork(doubled, x, t, true);
  assert.deepEqual(
    results.map((r) => `${r.name}.${r.param}:${r.result.failures}`),
    ['Affine1.W:12', 'Affine1.b:4', 'Affine1.dx:0', 'Tanh1.dx:16', 'Affine2.W:0', 'Affine2.b:0', 'Affine2.dx:0'],
  );
  for (const r of [results[0], results[1], results[3]]) {
    r.result.numerical.data.forEach((n, e) => assert.ok(Math.abs(r.result.analytic.data[e] - 2 * n) < 2e-6, 'analytic is twice the truth'));
  }
});

test('a fast check changes no tensor a run event gave out, and leaves the network as after the run', () => {
  for (const loss of [new SoftmaxWithLoss(), new MSELoss(), null]) {
    const rng = new Rng(8);
    const net = new Sequential(
      [
        new Affine('Affine1', randomTensor(rng, [4, 5]), randomTensor(rng, [5])),
        new Dropout('Dropout1', 0.3, rng),
        new BatchNorm('BN', randomTensor(rng, [5]), randomTensor(rng, [5])),
        new Sigmoid('Sigmoid1'),
        new Affine('Affine2', randomTensor(rng, [5, 3]), randomTensor(rng, [3])),
        new CenterRows('Center'),
        new Affine('Affine3', randomTensor(rng, [3, 3]), randomTensor(rng, [3])),
      ],
      loss,
    );
    const x = randomTensor(rng, [3, 4]);
    const t = targetsFor(rng, loss, 3, 3);
    const held: [Tensor, Buffer][] = [];
    const hold = (tt: Tensor): void => void held.push([tt, bytes(clone(tt))]);
    const kept: Buffer[] = [];
    const values = net.layers.flatMap((l) => l.params.map((p) => p.value));
    const grads: Tensor[] = [];
    let checks = 0;
    for (const e of runNetwork(net, x, t, { train: true, check: { h: 1e-4, atol: 1e-5, rtol: 1e-3 } })) {
      if (e.kind === 'forward') [e.input, e.output, ...Object.values(e.kept), ...e.params.map((p) => p.value)].forEach(hold);
      if (e.kind === 'loss') hold(e.y);
      if (e.kind === 'backward') {
        [e.dout, e.dx, ...e.grads.map((g) => g.grad)].forEach(hold);
        grads.unshift(...e.grads.map((g) => g.grad));
        if (e.index === 0) for (const l of net.layers) for (const v of Object.values(l.kept())) kept.push(bytes(clone(v)));
      }
      if (e.kind === 'check') {
        checks++;
        assert.ok(e.result.ok, `${e.name}.${e.param}`);
      }
    }
    assert.equal(checks, 8 + 7);
    for (const [tt, b] of held) assert.ok(bytes(tt).equals(b), `${loss?.name ?? 'no loss'}: an event tensor changed`);
    const after = net.layers.flatMap((l) => Object.values(l.kept()).map((v) => bytes(v)));
    assert.deepEqual(after, kept, 'kept tensors as after the run');
    const params = net.layers.flatMap((l) => l.params);
    params.forEach((p, i) => {
      assert.strictEqual(p.value, values[i]);
      assert.ok(bytes(p.grad!).equals(bytes(grads[i])), `${p.name} grad as after backward`);
    });
  }
});
