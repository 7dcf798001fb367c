// The engine's gradients against the scalar oracle (test/unit/oracle.ts), built element by element.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Layer } from '../../src/engine/layer';
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
import { runNetwork, type RunEvent } from '../../src/engine/run';
import { Rng } from '../../src/engine/rng';
import { initWeights } from '../../src/engine/init';
import { fromNested, tensor, type Tensor } from '../../src/engine/tensor';
import { grads, maxOf, sum, Value, values } from './oracle';

const REL = 1e-9;

function randomTensor(rng: Rng, shape: number[]): Tensor {
  return tensor(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 4 * rng.next() - 2));
}

/** Asserts |a − o| ≤ 1e-9·|o| element by element (1e-300 lets exact zeros through). */
function assertRel(a: ArrayLike<number>, o: ArrayLike<number>, what: string): void {
  assert.strictEqual(a.length, o.length, `${what}: sizes`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - o[i]) <= REL * Math.abs(o[i]) + 1e-300, `${what}[${i}]: engine ${a[i]} vs oracle ${o[i]}`);
  }
}

/** out[i, j] = Σ_k x[i, k]·W[k, j] + b[j], in scalars. */
function oracleAffine(x: Value[], n: number, W: Value[], b: Value[]): Value[] {
  const m = b.length;
  const d = W.length / m;
  const out: Value[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out.push(sum(Array.from({ length: d }, (_, k) => x[i * d + k].mul(W[k * m + j]))).add(b[j]));
  return out;
}

/** Runs the engine layer with upstream gradient c, builds L = Σ c·out in the oracle, and compares dx and param grads. */
function compareLayer(
  layer: Layer,
  x: Tensor,
  train: boolean,
  oracleForward: (xs: Value[], ps: Value[][]) => Value[],
  rng: Rng,
): void {
  const out = layer.forward(x, train);
  const c = randomTensor(rng, [...out.shape]);
  const dx = layer.backward(c);
  const xs = values(x.data);
  const ps = layer.params.map((p) => values(p.value.data));
  const outs = oracleForward(xs, ps);
  assertRel(out.data, outs.map((v) => v.data), `${layer.name} out`);
  sum(outs.map((v, i) => v.mul(c.data[i]))).backward();
  assertRel(dx.data, grads(xs), `${layer.name} dx`);
  layer.params.forEach((p, k) => assertRel(p.grad!.data, grads(ps[k]), `${layer.name} d${p.name}`));
}

test('each layer agrees with the scalar oracle', () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 5; trial++) {
    const [n, d, m] = [2 + trial, 3, 4];
    const x = (): Tensor => randomTensor(rng, [n, d]);
    compareLayer(new Affine('Affine', randomTensor(rng, [d, m]), randomTensor(rng, [m])), x(), true, (xs, [W, b]) => oracleAffine(xs, n, W, b), rng);
    compareLayer(new Relu('Relu'), x(), true, (xs) => xs.map((v) => v.relu()), rng);
    compareLayer(new LeakyRelu('Leaky', 0.05), x(), true, (xs) => xs.map((v) => (v.data > 0 ? v : v.mul(0.05))), rng);
    compareLayer(new Sigmoid('Sigmoid'), x(), true, (xs) => xs.map((v) => v.sigmoid()), rng);
    compareLayer(new Tanh('Tanh'), x(), true, (xs) => xs.map((v) => v.tanh()), rng);
    const dropout = new Dropout('Dropout', 0.5, new Rng(trial));
    compareLayer(dropout, x(), true, (xs) => xs.map((v, i) => v.mul(1 - dropout.mask!.data[i])), rng);
    compareLayer(new Dropout('DropoutEval', 0.5, new Rng(trial)), x(), false, (xs) => xs.map((v) => v.mul(0.5)), rng);

    const bn = new BatchNorm('BatchNorm', randomTensor(rng, [d]), randomTensor(rng, [d]));
    const bnTrain = (xs: Value[], [gamma, beta]: Value[][]): Value[] => {
      const out: Value[] = new Array(n * d);
      for (let j = 0; j < d; j++) {
        const col = Array.from({ length: n }, (_, i) => xs[i * d + j]);
        const mu = sum(col).div(n);
        const xc = col.map((v) => v.sub(mu));
        const std = sum(xc.map((v) => v.mul(v))).div(n).add(1e-5).pow(0.5);
        xc.forEach((v, i) => (out[i * d + j] = gamma[j].mul(v.div(std)).add(beta[j])));
      }
      return out;
    };
    compareLayer(bn, x(), true, bnTrain, rng);
    const [rm, rv] = [bn.runningMean.data, bn.runningVar.data];
    compareLayer(bn, x(), false, (xs, [gamma, beta]) => xs.map((v, i) => gamma[i % d].mul(v.sub(rm[i % d]).div(Math.sqrt(rv[i % d] + 1e-5))).add(beta[i % d])), rng);
  }
});

test('MSE agrees with the scalar oracle', () => {
  const rng = new Rng(12);
  const x = randomTensor(rng, [3, 4]);
  const t = randomTensor(rng, [3, 4]);
  const mse = new MSELoss();
  const loss = mse.forward(x, t);
  const dx = mse.backward();
  const xs = values(x.data);
  const L = sum(xs.map((v, i) => v.sub(t.data[i]).pow(2))).mul(0.5).div(3);
  L.backward();
  assertRel([loss], [L.data], 'mse loss');
  assertRel(dx.data, grads(xs), 'mse dx');
});

test('Affine → ReLU → Affine → SoftmaxWithLoss agrees with the oracle (dW, db, dx)', () => {
  const rng = new Rng(13);
  const [n, d, h, c] = [4, 5, 6, 3];
  const x = randomTensor(rng, [n, d]);
  const labels = fromNested([2, 0, 1, 2]);
  const W1 = initWeights([d, h], 'he', rng);
  const b1 = randomTensor(rng, [h]);
  const W2 = initWeights([h, c], 'he', rng);
  const b2 = randomTensor(rng, [c]);
  const net = new Sequential([new Affine('Affine1', W1, b1), new Relu('Relu1'), new Affine('Affine2', W2, b2)], new SoftmaxWithLoss());
  const events = [...runNetwork(net, x, labels, { train: true })];
  const backward = (i: number): Extract<RunEvent, { kind: 'backward' }> =>
    events.find((e): e is Extract<RunEvent, { kind: 'backward' }> => e.kind === 'backward' && e.index === i)!;
  const lossEvent = events.find((e) => e.kind === 'loss')!;

  const [xs, w1, bb1, w2, bb2] = [x, W1, b1, W2, b2].map((t) => values(t.data));
  const hidden = oracleAffine(xs, n, w1, bb1).map((v) => v.relu());
  const scores = oracleAffine(hidden, n, w2, bb2);
  const terms: Value[] = [];
  let guardedLoss = 0;
  for (let i = 0; i < n; i++) {
    const row = scores.slice(i * c, (i + 1) * c);
    const max = Math.max(...row.map((v) => v.data));
    const e = row.map((v) => v.sub(max).exp());
    const y = e[labels.data[i]].div(sum(e));
    // The engine's dx is the gradient of −log y (see softmax-with-loss.ts); its loss value adds 1e-7.
    terms.push(y.log().neg());
    guardedLoss -= Math.log(y.data + 1e-7);
  }
  sum(terms).div(n).backward();

  assert.ok(lossEvent.kind === 'loss');
  assertRel([lossEvent.value], [guardedLoss / n], 'loss');
  assert.ok(hidden.some((v) => v.data === 0) && hidden.some((v) => v.data > 0), 'ReLU both masks and passes');
  assertRel(backward(2).grads[0].grad.data, grads(w2), 'dW2');
  assertRel(backward(2).grads[1].grad.data, grads(bb2), 'db2');
  assertRel(backward(0).grads[0].grad.data, grads(w1), 'dW1');
  assertRel(backward(0).grads[1].grad.data, grads(bb1), 'db1');
  assertRel(backward(0).dx.data, grads(xs), 'dx');
});

/** A window layer's geometry: input [N, C, H, W], window FH×FW, stride and pad. */
interface Geometry {
  shape: [number, number, number, number];
  fh: number;
  fw: number;
  stride: number;
  pad: number;
}

/** Output height and width of `g`. */
function outputSize(g: Geometry): [number, number] {
  const [, , h, w] = g.shape;
  return [(h + 2 * g.pad - g.fh) / g.stride + 1, (w + 2 * g.pad - g.fw) / g.stride + 1];
}

/** Input pixel (n, c, y, x) of `g`, or null in the padding. */
function pixel(xs: Value[], g: Geometry, n: number, c: number, y: number, x: number): Value | null {
  const [, C, H, W] = g.shape;
  return y >= 0 && y < H && x >= 0 && x < W ? xs[((n * C + c) * H + y) * W + x] : null;
}

/** out[n, f, oy, ox] = Σ_{c,i,j} x[n, c, oy·s + i − p, ox·s + j − p]·W[f, c, i, j] + b[f], by direct loops (no im2col). */
function oracleConvolution(xs: Value[], W: Value[], b: Value[], g: Geometry): Value[] {
  const [N, C] = g.shape;
  const [OH, OW] = outputSize(g);
  const out: Value[] = [];
  for (let n = 0; n < N; n++) {
    for (let f = 0; f < b.length; f++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          const terms: Value[] = [];
          for (let c = 0; c < C; c++) {
            for (let i = 0; i < g.fh; i++) {
              for (let j = 0; j < g.fw; j++) {
                const v = pixel(xs, g, n, c, oy * g.stride + i - g.pad, ox * g.stride + j - g.pad);
                if (v) terms.push(v.mul(W[((f * C + c) * g.fh + i) * g.fw + j]));
              }
            }
          }
          out.push(sum(terms).add(b[f]));
        }
      }
    }
  }
  return out;
}

/** out[n, c, oy, ox] = the first maximum of the window, padding counting as 0, by direct loops. */
function oraclePooling(xs: Value[], g: Geometry): Value[] {
  const [N, C] = g.shape;
  const [OH, OW] = outputSize(g);
  const out: Value[] = [];
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          const window: Value[] = [];
          for (let i = 0; i < g.fh; i++) for (let j = 0; j < g.fw; j++) window.push(pixel(xs, g, n, c, oy * g.stride + i - g.pad, ox * g.stride + j - g.pad) ?? new Value(0));
          out.push(maxOf(window));
        }
      }
    }
  }
  return out;
}

/** A random geometry whose window tiles the padded input: several channels, non-square windows, stride up to 2, pad up to 1. */
function randomGeometry(rng: Rng, maxWindow: number): Geometry {
  const pick = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  for (;;) {
    const g: Geometry = { shape: [pick(1, 3), pick(1, 3), pick(3, 7), pick(3, 7)], fh: pick(1, maxWindow), fw: pick(1, maxWindow), stride: pick(1, 2), pad: pick(0, 1) };
    const [oh, ow] = outputSize(g);
    if (Number.isInteger(oh) && Number.isInteger(ow) && oh > 0 && ow > 0) return g;
  }
}

test('Convolution and Pooling agree with direct-loop oracles (no im2col) on random geometries', () => {
  const rng = new Rng(21);
  const seen = { stride2: false, pad1: false, nonSquare: false, overlap: false };
  for (let trial = 0; trial < 40; trial++) {
    const g = randomGeometry(rng, 4);
    const fn = 1 + Math.floor(rng.next() * 3);
    const C = g.shape[1];
    const conv = new Convolution('Conv', randomTensor(rng, [fn, C, g.fh, g.fw]), randomTensor(rng, [fn]), g.stride, g.pad);
    compareLayer(conv, randomTensor(rng, g.shape), true, (xs, [W, b]) => oracleConvolution(xs, W, b, g), rng);
    compareLayer(new Pooling('Pool', g.fh, g.fw, g.stride, g.pad), randomTensor(rng, g.shape), true, (xs) => oraclePooling(xs, g), rng);
    seen.stride2 ||= g.stride === 2;
    seen.pad1 ||= g.pad === 1;
    seen.nonSquare ||= g.fh !== g.fw;
    seen.overlap ||= g.stride < Math.max(g.fh, g.fw);
  }
  assert.deepEqual(seen, { stride2: true, pad1: true, nonSquare: true, overlap: true });
});

test('BatchNorm on [N, C, H, W] normalises per channel over N·H·W, as the oracle does', () => {
  const rng = new Rng(22);
  const [N, C, H, W] = [2, 3, 2, 3];
  const plane = H * W;
  const bn = new BatchNorm('BatchNorm', randomTensor(rng, [C]), randomTensor(rng, [C]));
  compareLayer(bn, randomTensor(rng, [N, C, H, W]), true, (xs, [gamma, beta]) => {
    const out: Value[] = new Array(xs.length);
    for (let c = 0; c < C; c++) {
      const at = Array.from({ length: N * plane }, (_, k) => (Math.floor(k / plane) * C + c) * plane + (k % plane));
      const mu = sum(at.map((i) => xs[i])).div(N * plane);
      const xc = at.map((i) => xs[i].sub(mu));
      const std = sum(xc.map((v) => v.mul(v))).div(N * plane).add(1e-5).pow(0.5);
      xc.forEach((v, k) => (out[at[k]] = gamma[c].mul(v.div(std)).add(beta[c])));
    }
    return out;
  }, rng);
});

test('SimpleConvNet in small (Convolution → ReLU → Pooling → Affine → SoftmaxWithLoss) agrees with the oracle', () => {
  const rng = new Rng(23);
  const g: Geometry = { shape: [2, 2, 6, 5], fh: 3, fw: 2, stride: 1, pad: 1 };
  const fn = 3;
  const pool: Geometry = { shape: [2, fn, 6, 6], fh: 2, fw: 2, stride: 2, pad: 0 };
  assert.deepEqual(outputSize(g), [6, 6]);
  const [W1, b1] = [randomTensor(rng, [fn, 2, 3, 2]), randomTensor(rng, [fn])];
  const d = fn * 3 * 3;
  const [W2, b2] = [initWeights([d, 4], 'he', rng), randomTensor(rng, [4])];
  const x = randomTensor(rng, g.shape);
  const labels = fromNested([3, 1]);
  const net = new Sequential(
    [new Convolution('Conv1', W1, b1, 1, 1), new Relu('Relu1'), new Pooling('Pool1', 2, 2, 2), new Affine('Affine1', W2, b2)],
    new SoftmaxWithLoss(),
  );
  const events = [...runNetwork(net, x, labels, { train: true })];
  const backward = (i: number): Extract<RunEvent, { kind: 'backward' }> =>
    events.find((e): e is Extract<RunEvent, { kind: 'backward' }> => e.kind === 'backward' && e.index === i)!;
  const [xs, w1, bb1, w2, bb2] = [x, W1, b1, W2, b2].map((t) => values(t.data));
  const pooled = oraclePooling(oracleConvolution(xs, w1, bb1, g).map((v) => v.relu()), pool);
  const scores = oracleAffine(pooled, 2, w2, bb2);
  const terms: Value[] = [];
  for (let i = 0; i < 2; i++) {
    const row = scores.slice(i * 4, (i + 1) * 4);
    const max = Math.max(...row.map((v) => v.data));
    const e = row.map((v) => v.sub(max).exp());
    terms.push(e[labels.data[i]].div(sum(e)).log().neg());
  }
  sum(terms).div(2).backward();
  assertRel(backward(3).grads[0].grad.data, grads(w2), 'dW2');
  assertRel(backward(0).grads[0].grad.data, grads(w1), 'dW1');
  assertRel(backward(0).grads[1].grad.data, grads(bb1), 'db1');
  assertRel(backward(0).dx.data, grads(xs), 'dx');
  assert.deepEqual(backward(3).dx.shape, [2, fn, 3, 3], "Affine's dx takes the pooled images' shape back");
});
