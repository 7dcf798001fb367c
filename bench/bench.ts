// `npm run bench`: figures only, never assertions (the machine is shared and noisy). Each figure is
// the median of several runs after a warm-up, except the plain gradient check, which runs once, and
// the extension's start, which is cold in each of its processes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastStep } from '../src/engine/fast-step';
import { checkEachParamPlain, checkNetwork } from '../src/engine/gradcheck';
import { initWeights } from '../src/engine/init';
import { Affine } from '../src/engine/layers/affine';
import { Convolution } from '../src/engine/layers/convolution';
import { Pooling } from '../src/engine/layers/pooling';
import { Relu } from '../src/engine/layers/relu';
import { SoftmaxWithLoss } from '../src/engine/layers/softmax-with-loss';
import { Sequential } from '../src/engine/network';
import { Rng } from '../src/engine/rng';
import { filled, reshape } from '../src/engine/ops';
import { createOptimizer, SGD } from '../src/engine/optimizers';
import { accuracy } from '../src/engine/accuracy';
import { gatherRows } from '../src/engine/train';
import type { Tensor } from '../src/engine/tensor';
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

function batch(count: number, split: 'train' | 'test' = 'train') {
  const digits = decodeMnist(readFileSync('dist/mnist-digits.bin'));
  if ('error' in digits) throw new Error(JSON.stringify(digits.error));
  const b = mnistBatch(digits, split, count, 0);
  if ('error' in b) throw new Error(JSON.stringify(b.error));
  return { x: b.x, t: { shape: [count], data: b.labels } };
}

/** Median ms of `runs` timed calls of f, after `warmup` untimed ones. */
function median(runs: number, f: () => void, warmup = 1): number {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    f();
    times.push(performance.now() - start);
  }
  return middle(times);
}

/** The median of `values` (the upper one of an even count); sorts them. */
function middle(values: number[]): number {
  return values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

// The extension's cold start in fresh node processes (bench/activation.ts), against a stub vscode API.
const starts = Array.from({ length: 9 }, () => {
  const run = spawnSync(process.execPath, ['out/bench/activation.js'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`out/bench/activation.js failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { loadMs: number; activateMs: number };
});
console.log(
  `extension start, plain node against a stub vscode API (no-op calls), median of ${starts.length} fresh processes: ` +
    `require dist/extension.js ${middle(starts.map((s) => s.loadMs)).toFixed(1)} ms, activate() ${middle(starts.map((s) => s.activateMs)).toFixed(1)} ms, ` +
    `both ${middle(starts.map((s) => s.loadMs + s.activateMs)).toFixed(1)} ms (goal: under 50 ms)`,
);

const b100 = batch(100);
const net = twoLayerNet(1);
const step = median(50, () => {
  net.objective(b100.x, b100.t, true);
  net.backward();
});
console.log(`TwoLayerNet 784-50-10, batch 100, forward+backward: ${step.toFixed(3)} ms (${(1000 / step).toFixed(0)} per second)`);

// One SGD training step (lr 0.1) on a random minibatch of 100 of the 8,000 training digits, from
// drawing the rows to the updated weights, by the plain path, the fast one, and the book's numpy code.
const digits8000 = batch(8000);
const perStep = (ms: number) => `${ms.toFixed(3)} ms/step (${(1000 / ms).toFixed(0)} steps/s)`;
/** One training step of a new TwoLayerNet per call, by the fast path or the plain one; null when there is no fast step. */
function trainer(fast: boolean): (() => void) | null {
  const net = twoLayerNet(1);
  const params = net.layers.flatMap((l) => l.params);
  const sgd = new SGD(0.1);
  const rng = new Rng(5);
  const rows = new Int32Array(100);
  const draw = () => rows.forEach((_, k) => (rows[k] = Math.floor(rng.next() * 8000)));
  if (!fast) {
    return () => {
      draw();
      net.objective(gatherRows(digits8000.x, rows), gatherRows(digits8000.t, rows), true);
      net.backward();
      sgd.update(params);
    };
  }
  const stepper = fastStep(net, 100);
  return (
    stepper &&
    (() => {
      draw();
      stepper.step(digits8000.x, digits8000.t, rows);
      sgd.updateInPlace(params);
    })
  );
}
const plainStep = median(300, trainer(false) as () => void, 30);
const fastTrainer = trainer(true);
console.log('training step, TwoLayerNet 784-50-10, batch 100 of 8,000 digits, SGD lr 0.1 (draw, gather, forward, backward, update):');
console.log(`  plain (objective, backward, update()): ${perStep(plainStep)}`);
if (fastTrainer) {
  const fastTrainStep = median(3000, fastTrainer, 300);
  console.log(`  fast (FastStep.step, updateInPlace()): ${perStep(fastTrainStep)}, ${(plainStep / fastTrainStep).toFixed(1)}× the plain one`);
  for (const line of numpyStep('bench/numpy_step.py', digits8000.x, digits8000.t, 3000, fastTrainStep, 'the fast step')) console.log(`  ${line}`);
} else console.log('  fast: not available (no WebAssembly SIMD here)');

// One evaluation as train() runs it each epoch: accuracy on all 8,000 training and 2,000 test
// digits, by the plain predict and by FastStep.accuracyOn (its input lists made in the warm-up).
const digits2000 = batch(2000, 'test');
const evalNet = twoLayerNet(1);
const evalStep = fastStep(evalNet, 100);
const plainEval = median(5, () => [digits8000, digits2000].forEach(({ x, t }) => accuracy(evalNet.predict(x, false), t)));
const fastEval = evalStep && median(30, () => [digits8000, digits2000].forEach(({ x, t }) => evalStep.accuracyOn(x, t)));
console.log(
  `evaluation, TwoLayerNet 784-50-10, train + test accuracy on all 10,000 digits: plain (predict) ${plainEval.toFixed(1)} ms, ` +
    (fastEval === null ? 'fast: not available' : `fast (FastStep.accuracyOn) ${fastEval.toFixed(1)} ms, ${(plainEval / fastEval).toFixed(1)}× faster`),
);

/**
 * The book's step in numpy (`script`: bench/numpy_step.py or numpy_conv_step.py) on the same digits,
 * as lines to print: one per python3 that has numpy (Debian's /usr/bin/python3 and the one on PATH,
 * such as pyenv's, may have different numpy and BLAS builds). `ours` names the step taking `fastMs`.
 */
function numpyStep(script: string, x: Tensor, labels: Tensor, steps: number, fastMs: number, ours: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-bench-'));
  try {
    writeFileSync(join(dir, 'x.f64'), x.data);
    writeFileSync(join(dir, 't.u8'), Uint8Array.from(labels.data));
    const args = [script, join(dir, 'x.f64'), join(dir, 't.u8'), String(labels.data.length), String(steps)];
    const lines: string[] = [];
    for (const python of ['/usr/bin/python3', 'python3']) {
      const run = spawnSync(python, args, { encoding: 'utf8' });
      if (run.status !== 0) continue;
      const r = JSON.parse(run.stdout) as { ms: number; blas: string; threads: number | null; numpy: string };
      const threads = r.threads === null ? 'threads unknown' : `${r.threads} thread${r.threads === 1 ? '' : 's'}`;
      lines.push(`numpy ${r.numpy} (${python}; ${r.blas}, ${threads}): ${perStep(r.ms)}; ${ours} takes ${(fastMs / r.ms).toFixed(2)}× its time`);
      if (r.blas.includes(' Prescott ')) lines.push('  (OpenBLAS runs its generic Prescott kernels here; on a CPU with AVX2, OPENBLAS_CORETYPE=Haswell picks faster ones)');
    }
    return lines.length ? lines : ['numpy: not available (apt-get install python3-numpy)'];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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

// SimpleConvNet (the book's ch. 7: conv 30×5×5 – ReLU – pool 2×2 – affine 100 – ReLU – affine 10,
// 0.01·N(0, 1)): its full gradient check on one digit, and one Adam (lr 0.001) training step at
// batch 100 of the 8,000 digits by the plain path and the fast one, beside the book's numpy im2col step.
function simpleConvNet(seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    [
      new Convolution('Convolution1', initWeights([30, 1, 5, 5], 'normal', rng, 0.01), filled([30], 0)),
      new Relu('Relu1'),
      new Pooling('Pooling1', 2, 2, 2),
      new Affine('Affine1', initWeights([4320, 100], 'normal', rng, 0.01), filled([100], 0)),
      new Relu('Relu2'),
      new Affine('Affine2', initWeights([100, 10], 'normal', rng, 0.01), filled([10], 0)),
    ],
    new SoftmaxWithLoss(),
  );
}
const images = (t: Tensor) => reshape(t, [t.shape[0], 1, 28, 28]);
const digit = batch(1);
const convNet = simpleConvNet(3);
const convX = images(digit.x);
const convCheckMs = median(3, () => checkNetwork(convNet, convX, digit.t, true));
const convCheck = checkNetwork(convNet, convX, digit.t, true);
const convParams = convNet.layers.reduce((n, l) => n + l.params.reduce((m, p) => m + p.value.data.length, 0), 0);
// The plain check's cost, scaled from timed passes: two whole objectives per parameter element, and
// two forwards of the layer alone per element of its input for each dx.
const objectiveMs = median(20, () => convNet.objective(convX, digit.t, true));
let plainConvMs = 2 * convParams * objectiveMs;
let layerInput = convX;
for (const layer of convNet.layers) {
  const input = layerInput;
  plainConvMs += 2 * input.data.length * median(20, () => layer.forward(input, true));
  layerInput = layer.forward(input, true);
}
console.log(
  `SimpleConvNet's full gradient check on one digit (${convParams.toLocaleString('en')} parameters, every element and each layer's dx): ` +
    `${(convCheckMs / 1000).toFixed(2)} s (goal: under 20 s; ${convCheck.filter((r) => !r.result.ok).length} failing, ` +
    `${convCheck.reduce((n, r) => n + r.result.nonDifferentiable, 0)} non-differentiable points)`,
);
console.log(
  `  the whole-network check, scaled from timed passes (2 objectives of ${objectiveMs.toFixed(2)} ms per parameter element, ` +
    `2 forwards of the layer per dx element): about ${(plainConvMs / 1000).toFixed(0)} s, ${(plainConvMs / convCheckMs).toFixed(0)}× the fast one`,
);
/** One Adam training step of a new SimpleConvNet per call, by the fast path or the plain one; null when there is no fast step. */
function convTrainer(fast: boolean): (() => void) | null {
  const net = simpleConvNet(1);
  const params = net.layers.flatMap((l) => l.params);
  const adam = createOptimizer({ type: 'adam', lr: 0.001 });
  const rng = new Rng(5);
  const rows = new Int32Array(100);
  const x = images(digits8000.x);
  const draw = () => rows.forEach((_, k) => (rows[k] = Math.floor(rng.next() * 8000)));
  if (!fast) {
    return () => {
      draw();
      net.objective(gatherRows(x, rows), gatherRows(digits8000.t, rows), true);
      net.backward();
      adam.update(params);
    };
  }
  const stepper = fastStep(net, 100, [1, 28, 28]);
  return (
    stepper &&
    (() => {
      draw();
      stepper.step(x, digits8000.t, rows);
      adam.updateInPlace(params);
    })
  );
}
const convStep = median(10, convTrainer(false) as () => void, 2);
const fastConvTrainer = convTrainer(true);
console.log('training step, SimpleConvNet, batch 100 of 8,000 digits, Adam lr 0.001 (draw, gather, forward, backward, update):');
console.log(`  plain (objective, backward, update()): ${perStep(convStep)}`);
if (fastConvTrainer) {
  const fastConvStep = median(50, fastConvTrainer, 5);
  console.log(`  fast (FastStep.step, updateInPlace()): ${perStep(fastConvStep)}, ${(convStep / fastConvStep).toFixed(1)}× the plain one`);
  for (const line of numpyStep('bench/numpy_conv_step.py', digits8000.x, digits8000.t, 20, fastConvStep, 'the fast step')) console.log(`  ${line}`);
} else console.log('  fast: not available (no WebAssembly SIMD here)');
