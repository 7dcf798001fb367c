// `npm run bench`: figures only, never assertions (the machine is shared and noisy). Each figure is
// the median of several runs after a warm-up, except the plain gradient check, which runs once.
import { readFileSync } from 'node:fs';
import { checkEachParamPlain, checkNetwork } from '../src/engine/gradcheck';
import { initWeights } from '../src/engine/init';
import { Affine } from '../src/engine/layers/affine';
import { Relu } from '../src/engine/layers/relu';
import { SoftmaxWithLoss } from '../src/engine/layers/softmax-with-loss';
import { Sequential } from '../src/engine/network';
import { Rng } from '../src/engine/rng';
import { filled } from '../src/engine/ops';
import { decodeMnist, mnistBatch } from '../src/spec/mnist';

function twoLayerNet(seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    [
      new Affine('Affine1', initWeights([784, 50], 'normal', rng, 0.01), filled([50], 0)),
      new Relu('Relu1'),
      new Affine('Affine2', initWeights([50, 10], 'normal', rng, 0.01), filled([10], 0)),
    ],
    new SoftmaxWithLoss(),
  );
}

function batch(count: number) {
  const digits = decodeMnist(readFileSync('dist/mnist-digits.bin'));
  if ('error' in digits) throw new Error(digits.error);
  const b = mnistBatch(digits, 'train', count, 0);
  if ('error' in b) throw new Error(b.error);
  return { x: b.x, t: { shape: [count], data: b.labels } };
}

function median(runs: number, f: () => void): number {
  f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    f();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

const b100 = batch(100);
const net = twoLayerNet(1);
const step = median(50, () => {
  net.objective(b100.x, b100.t, true);
  net.backward();
});
console.log(`TwoLayerNet 784-50-10, batch 100, forward+backward: ${step.toFixed(3)} ms (${(1000 / step).toFixed(0)} per second)`);

const b3 = batch(3);
const checkNet = twoLayerNet(2);
const fastMs = median(5, () => checkNetwork(checkNet, b3.x, b3.t, true));
const fast = checkNetwork(checkNet, b3.x, b3.t, true);
const worst = Math.max(...fast.map((r) => r.result.meanAbsDiff));
const kinks = fast.reduce((sum, r) => sum + r.result.nonDifferentiable, 0);
console.log(
  `book's gradient check, 784-50-10 on 3 digits, every element of every parameter and of each layer's dx: ` +
    `${(fastMs / 1000).toFixed(3)} s (worst mean |a−n| ${worst.toExponential(2)}, ${kinks} non-differentiable points)`,
);
// The plain check recomputes the whole network per element (seconds), so it runs once.
const start = performance.now();
const plain = [...checkEachParamPlain(checkNet, b3.x, b3.t, true)];
const plainMs = performance.now() - start;
let gap = 0;
let scale = 0;
fast.forEach((r, i) =>
  r.result.numerical.data.forEach((n, e) => {
    gap = Math.max(gap, Math.abs(n - plain[i].result.numerical.data[e]));
    scale = Math.max(scale, Math.abs(n));
  }),
);
console.log(
  `  the same check recomputing the whole network per element: ${(plainMs / 1000).toFixed(2)} s, one run ` +
    `(${(plainMs / fastMs).toFixed(0)}× the fast one; numerical gradients differ by ≤ ${gap.toExponential(2)}, largest |n| ${scale.toExponential(2)})`,
);
