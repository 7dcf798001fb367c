// Gradient-health findings: small networks with figures worked out by hand, the thresholds' edges,
// where non-finite values are first reported, and the shipped examples (healthy and broken on purpose).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_CHECK } from '../../src/engine/check-options';
import { gradientHealth, type Finding } from '../../src/engine/health';
import { DEFAULT_THRESHOLDS, type HealthThresholds } from '../../src/engine/health-thresholds';
import type { Layer, LossLayer } from '../../src/engine/layer';
import { Affine } from '../../src/engine/layers/affine';
import { BatchNorm } from '../../src/engine/layers/batchnorm';
import { Dropout } from '../../src/engine/layers/dropout';
import { LeakyRelu } from '../../src/engine/layers/leaky-relu';
import { MSELoss } from '../../src/engine/layers/mse';
import { Relu } from '../../src/engine/layers/relu';
import { Sigmoid } from '../../src/engine/layers/sigmoid';
import { SoftmaxWithLoss } from '../../src/engine/layers/softmax-with-loss';
import { Tanh } from '../../src/engine/layers/tanh';
import { Sequential } from '../../src/engine/network';
import { Rng } from '../../src/engine/rng';
import { maskStats } from '../../src/engine/stats';
import { runNetwork, type RunEvent } from '../../src/engine/run';
import { fromNested, tensor, type Tensor } from '../../src/engine/tensor';
import { fixAll, initFix } from '../../src/spec/fixes';
import { loadSpec, memoryFile } from '../../src/spec/index';
import type { Range } from '../../src/spec/model';

const root = join(__dirname, '..', '..', '..');

/** The events of one training-mode run. */
function run(layers: Layer[], x: Tensor, loss: LossLayer | null = null, t: Tensor | null = null, check = false): RunEvent[] {
  return [...runNetwork(new Sequential(layers, loss), x, t, { train: true, check: check ? DEFAULT_CHECK : null })];
}

const affine = (name: string, W: number[][], b: number[] = W[0].map(() => 0)) => new Affine(name, fromNested(W), fromNested(b));
// Findings without their message id and arguments (test/unit/engine-messages.test.ts checks those): the English text, kind and fix.
const health = (events: RunEvent[], changes: Partial<HealthThresholds> = {}) => gradientHealth(events, { ...DEFAULT_THRESHOLDS, ...changes }).map(({ id: _id, args: _args, ...f }) => f);

test('exploding and vanishing: dW against the limits, which are strict; no other layer to blame, no fix', () => {
  // No loss, so dout = 1 and dW = xᵀ·1 = [[3], [4]]: L2 norm exactly 5. The layer's own W plays no part in it.
  const events = run([affine('Affine1', [[1], [1]])], fromNested([[3, 4]]));
  assert.deepEqual(health(events, { explodingNorm: 4.9 }), [
    { index: 0, kind: 'exploding', message: 'Affine1: dW has L2 norm 5, above 4.9: the gradient is exploding' },
  ]);
  assert.deepEqual(health(events, { vanishingNorm: 5.5 }), [
    { index: 0, kind: 'vanishing', message: 'Affine1: dW has L2 norm 5, below 5.5: the gradient is vanishing' },
  ]);
  assert.deepEqual(health(events, { explodingNorm: 5, vanishingNorm: 5 }), []);
  assert.deepEqual(health(events), []);
});

test("an exploding dW is blamed on the other layer whose init widens the signal, fixed as that layer's activation suits", () => {
  const x = fromNested([[1, 2], [3, 5], [2, 1]]);
  // Wide: std 15 over fan-in 2, a gain of 15·√2 ≈ 21.2. Tame: std 0.829, a gain of 1.17, within He's √2 by far less than 2×.
  const wide = () => affine('A', [[30, 0], [0, 30]]);
  const tame = () => affine('B', [[1, 2], [3, 1]]);
  const findingOf = (layers: Layer[], index: number) => health(run(layers, x), { explodingNorm: 0 }).find((f) => f.index === index && f.kind === 'exploding');
  assert.deepEqual(findingOf([wide(), new Relu('R'), tame()], 2)?.fix, { kind: 'he-init', layer: 0 });
  assert.deepEqual(findingOf([wide(), new LeakyRelu('L', 0.1), tame()], 2)?.fix, { kind: 'he-init', layer: 0 });
  assert.deepEqual(findingOf([wide(), new Sigmoid('S'), tame()], 2)?.fix, { kind: 'xavier-init', layer: 0 });
  assert.deepEqual(findingOf([wide(), new Dropout('D', 0, new Rng(1)), new Tanh('T'), tame()], 3)?.fix, { kind: 'xavier-init', layer: 0 });
  // Downstream too: dout reaches A through B's W.
  assert.deepEqual(findingOf([tame(), new Relu('R'), affine('C', [[30, 0], [0, 30]])], 0)?.fix, { kind: 'smaller-std', layer: 2 });
  assert.match(findingOf([wide(), new Relu('R'), tame()], 2)!.message, /^B: dW has L2 norm .*: the gradient is exploding; A's init widens the spread of its input 21\.2× \(W std 15, fan-in 2\)$/);
  // The tame layer is no cause: A's own finding has no fix.
  assert.equal(findingOf([wide(), new Relu('R'), tame()], 0)?.fix, undefined);
  // BatchNorm renormalises what passes, so nothing across it is blamed; it has no init to fix.
  const withNorm = health(run([wide(), new BatchNorm('N', fromNested([1, 1]), fromNested([0, 0])), new Relu('R'), tame()], x), { explodingNorm: 0 });
  assert.deepEqual(
    withNorm.map((f) => [f.index, f.kind, f.fix?.kind]),
    [[0, 'exploding', undefined], [1, 'exploding', undefined], [3, 'exploding', undefined]],
  );
  assert.match(withNorm[1].message, /^N: dgamma has L2 norm /);
});

test('a vanishing dW is blamed on the layer whose init shrinks the signal most; logits get Xavier', () => {
  const x = fromNested([[1, 2], [3, 5], [2, 1]]);
  const narrow = (name: string) => affine(name, [[0.001, 0], [0, 0.001]]);
  const findings = health(run([narrow('A'), new Relu('R'), affine('B', [[1, 2], [3, 1]]), new Relu('S'), narrow('C')], x), { vanishingNorm: 1 });
  assert.deepEqual(findings.find((f) => f.index === 2)?.fix, { kind: 'he-init', layer: 0 });
  assert.deepEqual(findings.find((f) => f.index === 0)?.fix, { kind: 'xavier-init', layer: 4 });
  assert.match(findings.find((f) => f.index === 2)!.message, /; A's init shrinks the spread of its input to 7\.1e-4× \(W std 5e-4, fan-in 2\)$/);
});

test('BatchNorm with the same dout on every row (no loss): gradients from it down vanish, and the finding says why, with no init fix', () => {
  const x = fromNested([[1, 2], [3, 5], [2, 1]]);
  const W = [[1, 2], [3, 1]];
  // β ≠ 0: with β = 0 the outputs would also sum to 0 per column, and an affine after it would get dW = 0 too.
  const norm = () => new BatchNorm('N', fromNested([1, 1]), fromNested([0.5, -0.5]));
  // Last, or before an affine only: dout is ones, or ones·Wᵀ, the same on every row.
  for (const layers of [[affine('A', W), norm()], [affine('A', W), norm(), affine('B', W)]]) {
    const findings = health(run(layers, x));
    assert.deepEqual(findings.map((f) => [f.index, f.kind, f.fix]), [[0, 'vanishing', undefined], [1, 'vanishing', undefined]]);
    for (const f of findings) assert.match(f.message, /: N gets the same dout on every row \(a network without a loss backpropagates ones\), and BatchNorm passes that back as 0; a loss gives real gradients$/);
  }
  // A ReLU after it makes dout differ between rows: nothing to say at the usual limits.
  assert.deepEqual(health(run([affine('A', W), norm(), new Relu('R'), affine('B', W)], x)), []);
});

test('dead ReLU: units masked on every row, over the limit, with He init on the affine before; a negative bias that kills them is named', () => {
  // x·W + b per row: units 0 and 1 get 1·r − 10 < 0 on every row r = 1, 2, 3 (x·W = r alone would fire); units 2 and 3 stay positive.
  const x = fromNested([[1], [2], [3]]);
  const events = run([affine('Affine1', [[1, 1, 1, 1]], [-10, -10, 0, 0]), new Relu('Relu1')], x);
  assert.deepEqual(health(events), []);
  assert.deepEqual(health(events, { deadFraction: 0.49 }), [
    { index: 1, kind: 'dead-relu', message: "Relu1: 2 of 4 units (50%) are dead for the whole batch; Affine1's bias -10 holds them below 0: without it, 2 of the 2 would fire", fix: { kind: 'he-init', layer: 0 } },
  ]);
  // Negative weights, no bias: nothing to blame on the bias.
  assert.deepEqual(health(run([affine('Affine1', [[-1, -1, 1, 1]]), new Relu('Relu1')], x), { deadFraction: 0.49 }), [
    { index: 1, kind: 'dead-relu', message: 'Relu1: 2 of 4 units (50%) are dead for the whole batch', fix: { kind: 'he-init', layer: 0 } },
  ]);
  // Biases that differ are given by the lowest; a bias too small to matter (unit 1: −r − 0.5, dead without it too) is not counted.
  assert.deepEqual(health(run([affine('Affine1', [[1, -1, 1, 1]], [-10, -0.5, 0, 0]), new Relu('Relu1')], x), { deadFraction: 0.49 })[0].message,
    "Relu1: 2 of 4 units (50%) are dead for the whole batch; Affine1's bias -10 holds them below 0: without it, 1 of the 2 would fire");
  assert.deepEqual(health(run([affine('Affine1', [[1, 1, 1, 1]], [-10, -5, 0, 0]), new Relu('Relu1')], x), { deadFraction: 0.49 })[0].message,
    "Relu1: 2 of 4 units (50%) are dead for the whole batch; Affine1's negative biases (down to -10) hold them below 0: without them, 2 of the 2 would fire");
  // Two rows are too few to call a unit dead.
  assert.deepEqual(health(run([affine('Affine1', [[1, 1, 1, 1]], [-10, -10, 0, 0]), new Relu('Relu1')], fromNested([[1], [2]])), { deadFraction: 0.49 }), []);
  // A ReLU straight on the input has no init to fix.
  assert.deepEqual(health(run([new Relu('Relu1')], fromNested([[-1, 2], [-2, 3], [0, 1]])), { deadFraction: 0.49 }), [
    { index: 0, kind: 'dead-relu', message: 'Relu1: 1 of 2 units (50%) are dead for the whole batch' },
  ]);
});

test('an all-zero gradient is vanishing, unless dead units explain it', () => {
  const allDead = run([affine('Affine1', [[1, 1]], [-10, -10]), new Relu('Relu1'), affine('Affine2', [[1], [1]])], fromNested([[1], [2], [3]]));
  assert.deepEqual(
    health(allDead).map((f) => [f.index, f.kind, f.message]),
    [[1, 'dead-relu', "Relu1: 2 of 2 units (100%) are dead for the whole batch; Affine1's bias -10 holds them below 0: without it, 2 of the 2 would fire"]],
  );
  // Zero input: dW = xᵀ·dout = 0 with no dead ReLU anywhere.
  assert.deepEqual(health(run([affine('Affine1', [[1], [1]])], fromNested([[0, 0]]))), [
    { index: 0, kind: 'vanishing', message: 'Affine1: dW has L2 norm 0, below 1e-7: the gradient is vanishing' },
  ]);
});

test('saturation: sigmoid by out·(1 − out), tanh by 1 − out², with Xavier init on the affine before', () => {
  // sigmoid(±10)·(1 − sigmoid(±10)) ≈ 4.5e-5; sigmoid(0) gives 0.25.
  const sigmoid = run([new Sigmoid('Sigmoid1')], fromNested([[-10, 10, 0, 0]]));
  assert.deepEqual(health(sigmoid), []);
  assert.deepEqual(health(sigmoid, { saturatedFraction: 0.49 }), [
    { index: 0, kind: 'saturated', message: 'Sigmoid1: 2 of 4 outputs (50%) are saturated (out·(1 − out) < 0.001)' },
  ]);
  assert.equal(health(sigmoid, { saturationEpsilon: 0.3 })[0].message, 'Sigmoid1: 4 of 4 outputs (100%) are saturated (out·(1 − out) < 0.3)');
  // 1 − tanh(5)² ≈ 1.8e-4 and 1 − tanh(−6)² ≈ 2.5e-5; 1 − tanh(0.5)² ≈ 0.79.
  const tanh = run([affine('Affine1', [[1]]), new Tanh('Tanh1')], fromNested([[5], [0.5], [-6]]));
  assert.deepEqual(health(tanh), [
    { index: 1, kind: 'saturated', message: 'Tanh1: 2 of 3 outputs (66%) are saturated (1 − out² < 0.001)', fix: { kind: 'xavier-init', layer: 0 } },
  ]);
});

test('NaN and Infinity: only the first appearance, in data-flow order', () => {
  // Affine2 overflows its first score to +Infinity; softmax then turns the row into NaN, and NaN
  // flows through the loss and all of backward. Only Affine2's activation is reported.
  const x = fromNested([[1e300]]);
  const layers = [affine('Affine1', [[1, 1]]), new Relu('Relu1'), affine('Affine2', [[1e10, 1], [0, 1]])];
  const events = run(layers, x, new SoftmaxWithLoss(), fromNested([1]));
  assert.ok(events.some((e) => e.kind === 'backward' && e.index === 0 && e.grads.some((g) => g.grad.data.some(Number.isNaN))));
  assert.deepEqual(health(events), [{ index: 2, kind: 'nan', message: 'Infinity first appears in Affine2\'s activation (1 of 2 values)' }]);

  assert.deepEqual(health(run([affine('Affine1', [[1], [1]])], fromNested([[NaN, 1]]))), [
    { index: 0, kind: 'nan', message: 'NaN first appears in Affine1\'s input (1 of 2 values)' },
  ]);
  // Finite forward, but dW = Σ over 2 rows of 1e308 overflows in backward (dx = 1e-300 stays finite).
  assert.deepEqual(health(run([new Relu('Relu1'), affine('Affine1', [[1e-300]])], fromNested([[1e308], [1e308]]))), [
    { index: 1, kind: 'nan', message: 'Infinity first appears in Affine1\'s dW (1 of 1 values)' },
  ]);
  // 0.5·(1e200)² overflows the loss itself; its gradient 1e200 is finite.
  assert.deepEqual(health(run([new Relu('Relu1')], fromNested([[1e200]]), new MSELoss(), fromNested([[0]]))), [
    { index: 0, kind: 'nan', message: 'Infinity first appears in the loss MSE' },
  ]);
});

test('NaN order comes from the layers, not from the order of the events', () => {
  const finite = fromNested([[1, 2]]);
  const bad = fromNested([[NaN, Infinity]]);
  const forward = (index: number): RunEvent => ({ kind: 'forward', index, name: `L${index}`, type: 'relu', input: finite, output: finite, kept: {}, params: [] });
  const backward = (index: number, dx: Tensor): RunEvent => ({ kind: 'backward', index, name: `L${index}`, type: 'relu', dout: finite, dx, grads: [] });
  const events = [backward(0, bad), forward(1), backward(1, bad), forward(0), backward(2, finite), forward(2)];
  assert.deepEqual(health(events), [{ index: 1, kind: 'nan', message: 'NaN and Infinity first appear in L1\'s dx (2 of 2 values)' }]);
});

test('a failed gradient check names the parameter, the failures and the worst relative error', () => {
  /** An affine layer whose dW is twice the truth: every element fails, with relative error 1/2. */
  class DoubledAffine extends Affine {
    override backward(dout: Tensor): Tensor {
      const dx = super.backward(dout);
      const dW = this.params[0].grad!;
      this.params[0].grad = tensor(dW.shape, dW.data.map((v) => 2 * v));
      return dx;
    }
  }
  const layer = new DoubledAffine('Affine1', fromNested([[0.5, -1, 2], [1.5, 0.25, -0.75]]), fromNested([0.1, 0.2, 0.3]));
  const events = run([layer], fromNested([[1, 2], [-3, 0.5]]), new MSELoss(), fromNested([[1, 0, 0], [0, 1, 0]]), true);
  const found = health(events);
  // Every element misses by |a − n| = |n|, which over atol + rtol·|n| grows with |n|: the worst has the largest |n|.
  const check = events.find((e) => e.kind === 'check' && e.param === 'W');
  assert.ok(check?.kind === 'check');
  const n = check.result.numerical.data;
  const w = n.reduce((best, v, i) => (Math.abs(v) > Math.abs(n[best]) ? i : best), 0);
  const three = (v: number) => String(Number(v.toPrecision(3)));
  assert.deepEqual(found, [
    {
      index: 0,
      kind: 'check-failed',
      message: `Affine1.W: gradient check failed at 6 of 6 elements (max rel error 0.5); worst W[${Math.floor(w / 3)}, ${w % 3}]: backprop ${three(check.result.analytic.data[w])}, numerical ${three(n[w])}`,
    },
  ]);
});

// The examples, loaded as the CLI and the extension load them.
const io = (file: string) => ({ openFile: (p: string) => memoryFile(readFileSync(join(dirname(file), p))), mnist: () => readFileSync(join(root, 'dist', 'mnist-digits.bin')) });

function runExample(file: string, text = readFileSync(file, 'utf8'), check = false): RunEvent[] {
  const loaded = loadSpec(text, file, io(file));
  assert.ok(loaded.network && loaded.x, `${file}: ${loaded.problems.map((p) => p.message).join('; ')}`);
  return [...runNetwork(loaded.network, loaded.x, loaded.t ?? null, { train: true, check: check ? DEFAULT_CHECK : null })];
}

const example = (name: string) => join(root, 'examples', name);

test('the healthy examples give no findings (small ones with a gradient check)', () => {
  for (const name of ['relu.backprop.yaml', 'sigmoid.backprop.yaml', 'two-layer-net.backprop.json', 'conv-gradcheck.backprop.yaml']) {
    assert.deepEqual(health(runExample(example(name), undefined, true)), [], name);
  }
  for (const name of ['two-layer-net.backprop.yaml', 'two-layer-net-batch100.backprop.yaml', 'simple-convnet.backprop.yaml']) {
    assert.deepEqual(health(runExample(example(name))), [], name);
  }
});

test('broken/dead-relu: every unit of Relu1 is dead, by the bias -1; its zero gradients are not also called vanishing', () => {
  assert.deepEqual(health(runExample(example('broken/dead-relu.backprop.yaml'))), [
    { index: 1, kind: 'dead-relu', message: "Relu1: 30 of 30 units (100%) are dead for the whole batch; Affine1's bias -1 holds them below 0: without it, 25 of the 30 would fire", fix: { kind: 'he-init', layer: 0 } },
  ]);
});

test('broken/saturated-sigmoid: both sigmoids saturated, counted independently here', () => {
  const events = runExample(example('broken/saturated-sigmoid.backprop.yaml'));
  const expected = events.flatMap((e): Omit<Finding, 'id' | 'args'>[] => {
    if (e.kind !== 'forward' || e.type !== 'sigmoid') return [];
    const n = e.output.data.filter((v) => v * (1 - v) < 1e-3).length;
    const pct = Math.floor((100 * n) / e.output.data.length);
    return [{ index: e.index, kind: 'saturated', message: `${e.name}: ${n} of 640 outputs (${pct}%) are saturated (out·(1 − out) < 0.001)`, fix: { kind: 'xavier-init', layer: e.index - 1 } }];
  });
  assert.deepEqual(expected.map((f) => f.index), [1, 3]);
  assert.deepEqual(health(events), expected);
});

test('broken/exploding-init: every dW explodes, each blamed on another std-3 layer; He init before ReLUs, a smaller std for the logits', () => {
  const found = health(runExample(example('broken/exploding-init.backprop.yaml')));
  assert.deepEqual(found.map((f) => [f.index, f.kind]), [0, 2, 4, 6].map((i) => [i, 'exploding']));
  for (const f of found) {
    assert.ok(f.fix && f.fix.layer !== f.index && [0, 2, 4, 6].includes(f.fix.layer), JSON.stringify(f));
    assert.equal(f.fix.kind, f.fix.layer === 6 ? 'smaller-std' : 'he-init');
    assert.match(f.message, /^Affine\d: dW has L2 norm \d(\.\d+)?e\+4, above 1000: the gradient is exploding; Affine\d's init widens the spread of its input 2\d(\.\d+)?× \(W std [23]\.\d+, fan-in 64\)$/);
  }
});

test('applying the proposed fixes one at a time, as a user would, leaves each broken example healthy; every edit changes the spec', () => {
  for (const name of ['dead-relu', 'saturated-sigmoid', 'exploding-init']) {
    const file = example(`broken/${name}.backprop.yaml`);
    let text = readFileSync(file, 'utf8');
    for (let round = 0; round < 8; round++) {
      const findings = health(runExample(file, text));
      if (findings.length === 0) break;
      const f = findings.find((g) => g.fix);
      assert.ok(f?.fix, `${name}: no fix for ${findings[0].message}`);
      const edit = initFix(text, file, f.fix.layer, f.fix.kind);
      assert.ok(edit, `${name}: no edit for ${f.message}`);
      const next = applyEdit(text, edit);
      assert.notEqual(next, text, `${name}: the edit for ${f.message} changes nothing`);
      text = next;
    }
    assert.deepEqual(health(runExample(file, text)), [], `${name} after the fixes:\n${text}`);
  }
});

test('broken/exploding-init: each finding also names the other std-3 layers, so one Fix all leaves it healthy', () => {
  const file = example('broken/exploding-init.backprop.yaml');
  const text = readFileSync(file, 'utf8');
  const found = health(runExample(file, text));
  for (const f of found) {
    assert.deepEqual([f.fix!.layer, ...(f.alsoFix ?? []).map((g) => g.layer)].sort(), [0, 2, 4, 6].filter((i) => i !== f.index), f.message);
  }
  const names = ['Affine1', 'Relu1', 'Affine2', 'Relu2', 'Affine3', 'Relu3', 'Affine4'];
  const all = fixAll(text, file, names, found);
  assert.deepEqual(all?.changes, [
    'Use He init (suits ReLU stacks) in Affine2',
    'Use a smaller init std (0.01) in Affine4',
    'Use He init (suits ReLU stacks) in Affine3',
    'Use He init (suits ReLU stacks) in Affine1',
  ]);
  const fixed = [...all!.edits].sort((a, b) => b.range.start.line - a.range.start.line).reduce(applyEdit, text);
  assert.deepEqual(health(runExample(file, fixed)), [], fixed);
});

function applyEdit(text: string, edit: { range: Range; newText: string }): string {
  const lines = text.split('\n');
  const offset = (p: Range['start']) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, offset(edit.range.start)) + edit.newText + text.slice(offset(edit.range.end));
}

test('after a convolution: dead filters (a whole channel masked on every row) with He init as the fix, and exploding dW traced to a conv init', () => {
  const dead = 'seed: 1\ninput: { random: { shape: [4, 1, 8, 8] } }\ntarget: { labels: [0, 1, 2, 3] }\nlayers:\n  - { type: convolution, filters: 4, size: 3, init: { std: 0.01, bias: -1 } }\n  - relu\n  - { type: pooling, size: 2 }\n  - { type: affine, units: 4 }\nloss: softmax-with-loss\n';
  assert.deepEqual(health(runExample('dead.backprop.yaml', dead)), [
    { index: 1, kind: 'dead-relu', message: 'Relu1: 4 of 4 filters (100%) are dead for the whole batch', fix: { kind: 'he-init', layer: 0 } },
  ]);
  // One live filter of four: 75% dead, over the threshold; none dead gives no finding.
  const some = dead.replace('filters: 4, size: 3, init: { std: 0.01, bias: -1 }', 'filters: 4, size: 3, init: { std: 0.01, bias: -1 }, weights: { b: [-1, -1, -1, 1] }');
  const someEvents = runExample('some.backprop.yaml', some);
  assert.deepEqual(health(someEvents).map((f) => f.message), ['Relu1: 3 of 4 filters (75%) are dead for the whole batch']);
  // The layer table's masked/dead figure (maskStats, as the wire sends it) counts the same filters.
  const relu = someEvents.find((e) => e.kind === 'forward' && e.index === 1);
  assert.ok(relu?.kind === 'forward' && relu.kept.mask);
  const table = maskStats(relu.kept.mask);
  assert.deepEqual([table.deadUnits, table.deadFraction, table.unit], [3, 0.75, 'filter']);
  const exploding = 'seed: 1\ninput: { random: { shape: [4, 3, 8, 8] } }\ntarget: { labels: [0, 1, 2, 3] }\nlayers:\n  - { type: convolution, filters: 8, size: 3, init: { std: 5 } }\n  - relu\n  - { type: convolution, filters: 8, size: 3, init: { std: 5 } }\n  - relu\n  - { type: affine, units: 4 }\nloss: softmax-with-loss\n';
  const found = health(runExample('exploding.backprop.yaml', exploding));
  const conv = found.filter((f) => f.kind === 'exploding');
  assert.ok(conv.length > 0, JSON.stringify(found));
  assert.match(conv[conv.length - 1].message, /Convolution\d's init widens the spread of its input [\d.]+× \(W std [\d.]+, fan-in (27|72)\)/);
  assert.equal(conv[conv.length - 1].fix?.kind, 'he-init');
});
