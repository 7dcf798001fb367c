// The debug session's moves over the engine's real events, in-process: each engine event goes
// through the worker's own conversion (toDebugStep), so the stages are the ones the host sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import { runNetwork } from '../../src/engine/run';
import { loadSpec, memoryFile } from '../../src/spec/index';
import { parseHitCondition, Stepper, valuesOf, type Moved, type StepSource } from '../../src/debug/stepper';
import { toDebugStep } from '../../src/worker/debug';
import type { DebugStep } from '../../src/protocol';
import { TINY_SPEC as SPEC } from './debug-spec';


/** A source over the engine run of `text`, and a log of the events pulled. */
function source(text: string, check = false): StepSource & { pulled: string[] } {
  const root = process.cwd();
  const loaded = loadSpec(text, 'tiny.backprop.yaml', { openFile: (p) => memoryFile(readFileSync(p)), mnist: () => readFileSync(join(root, 'dist', 'mnist-digits.bin')) }, { job: check ? 'check' : 'run' });
  assert.ok(loaded.network && loaded.x, loaded.problems.map((p) => p.message).join('\n'));
  const spec = loaded.spec!;
  assert.equal(spec.form, 'network');
  const network = loaded.network;
  const events = runNetwork(network, loaded.x, loaded.t ?? null, { train: false, check: check && spec.form === 'network' ? spec.check : null });
  let loss: number | null = null;
  const pulled: string[] = [];
  return {
    pulled,
    next: () => {
      const e = events.next();
      if (e.done || e.value.kind === 'done') return Promise.resolve(null);
      if (e.value.kind === 'loss') loss = e.value.value;
      const { step } = toDebugStep(e.value, network, loss, DEFAULT_THRESHOLDS);
      pulled.push(`${step.kind} ${step.name}`);
      return Promise.resolve(step);
    },
  };
}

/** `forward Affine1 [x W b]`: the event and the tensors revealed at the stop. */
function where(stepper: Stepper, moved: Moved): string {
  if ('ended' in moved) return 'ended';
  const at = stepper.position()!;
  return `${moved.stopped.reason}: ${at.step.kind} ${at.step.name}${at.step.param ? `.${at.step.param}` : ''} [${stepper.visible().map((t) => t.name).join(' ')}]`;
}

const tensorOf = (step: DebugStep, name: string) => step.tensors.find((t) => t.name === name)!.tensor;

test('Step Over walks forward layer by layer, the loss, then backward in reverse; Step Into reveals the parts', async () => {
  const s = new Stepper(source(SPEC));
  assert.equal(where(s, await s.start(true)), 'entry: forward Affine1 [x W b]');
  assert.equal(where(s, await s.resume('stepIn')), 'step: forward Affine1 [x W b out]');
  // x·W + b: row 0 = [1 − 1 − 0.5 + 0.1, −1 − 4 + 0 − 0.2], row 1 = [1.5 − 1 + 0.1, 6 − 0.2].
  const out = valuesOf(tensorOf(s.position()!.step, 'out'));
  [-0.4, -5.2, 0.6, 5.8].forEach((v, i) => assert.ok(Math.abs(out[i] - v) < 1e-15, `out[${i}] = ${out[i]}`));
  assert.equal(where(s, await s.resume('next')), 'step: forward Relu1 [x]');
  assert.equal(where(s, await s.resume('stepIn')), 'step: forward Relu1 [x out mask]');
  assert.equal(where(s, await s.resume('next')), 'step: forward Affine2 [x W b]');
  assert.equal(where(s, await s.resume('next')), 'step: loss SoftmaxWithLoss [y t]');
  assert.equal(where(s, await s.resume('next')), 'step: backward Affine2 [dout x W b]');
  assert.equal(where(s, await s.resume('stepIn')), 'step: backward Affine2 [dout x W b dW]');
  assert.equal(where(s, await s.resume('stepIn')), 'step: backward Affine2 [dout x W b dW db]');
  assert.equal(where(s, await s.resume('stepIn')), 'step: backward Affine2 [dout x W b dW db dx]');
  assert.equal(where(s, await s.resume('stepIn')), 'step: backward Relu1 [dout mask]');
  // Relu1's mask (x ≤ 0) of its input [[−0.4, −5.2], [0.6, 5.8]].
  assert.deepEqual([...valuesOf(tensorOf(s.position()!.step, 'mask'))], [1, 1, 0, 0]);
  assert.equal(where(s, await s.resume('next')), 'step: backward Affine1 [dout x W b]');
  assert.equal(where(s, await s.resume('next')), 'ended');
  assert.equal(s.position(), null);
});

test('breakpoints stop before forward and before backward; conditions read the tensors in scope', async () => {
  const s = new Stepper(source(SPEC));
  s.breakpoints = [{ index: 1 }];
  assert.equal(where(s, await s.start(false)), 'breakpoint: forward Relu1 [x]');
  assert.equal(where(s, await s.resume('continue')), 'breakpoint: backward Relu1 [dout mask]');
  assert.equal(where(s, await s.resume('continue')), 'ended');

  // The loss line is index 3 (the layer count); a condition on dout is false before the forward.
  const c = new Stepper(source(SPEC));
  c.breakpoints = [{ index: 3 }, { index: 2, condition: 'dout.absmax() > 0' }];
  assert.equal(where(c, await c.start(false)), 'breakpoint: loss SoftmaxWithLoss [y t]');
  assert.equal(c.scope().get('loss')?.kind, 'number');
  assert.equal(where(c, await c.resume('continue')), 'breakpoint: backward Affine2 [dout x W b]');
  assert.equal(where(c, await c.resume('continue')), 'ended');

  // A condition that cannot be evaluated stops with its message, as a debugger does.
  const bad = new Stepper(source(SPEC));
  bad.breakpoints = [{ index: 0, condition: 'x.sum( > 0' }];
  const moved = await bad.start(false);
  assert.ok('stopped' in moved);
  assert.equal(moved.stopped.text, "The condition 'x.sum( > 0' cannot be evaluated here: expected ')', found '>' (column 8)");
  const notBoolean = new Stepper(source(SPEC));
  notBoolean.breakpoints = [{ index: 1, condition: 'x.sum()' }];
  const stopped = await notBoolean.start(false);
  assert.equal(where(notBoolean, stopped), 'breakpoint: forward Relu1 [x]');
  assert.ok('stopped' in stopped);
  assert.equal(stopped.stopped.text, "The condition 'x.sum()' is not true or false here");
});

test('hit counts: a hit is the line reached with its condition true; 5, >= 3, % 10 choose which hits stop', async () => {
  const stopsAt = (text: string) => {
    const t = parseHitCondition(text);
    assert.equal(typeof t, 'function', text);
    return [1, 2, 3, 4, 5, 6, 10, 20].filter((n) => (t as (hits: number) => boolean)(n));
  };
  assert.deepEqual(stopsAt('5'), [5]);
  assert.deepEqual(stopsAt('== 5'), [5]);
  assert.deepEqual(stopsAt('=5'), [5]);
  assert.deepEqual(stopsAt('>= 3'), [3, 4, 5, 6, 10, 20]);
  assert.deepEqual(stopsAt('>3'), [4, 5, 6, 10, 20]);
  assert.deepEqual(stopsAt('< 3'), [1, 2]);
  assert.deepEqual(stopsAt('<= 3'), [1, 2, 3]);
  assert.deepEqual(stopsAt('% 10'), [10, 20]);
  assert.deepEqual(parseHitCondition('% 0'), { message: "The hit count '% 0' divides by 0: write % 1 or more" });
  assert.deepEqual(parseHitCondition('x > 3'), { message: "The hit count 'x > 3' is not a count: write 5, >= 3 or % 10" });
  assert.deepEqual(parseHitCondition('-1'), { message: "The hit count '-1' is not a count: write 5, >= 3 or % 10" });

  // Relu1's line is hit before its forward (1) and before its backward (2).
  const second = new Stepper(source(SPEC));
  second.breakpoints = [{ index: 1, hitCondition: '2' }];
  assert.equal(where(second, await second.start(false)), 'breakpoint: backward Relu1 [dout mask]');
  assert.equal(where(second, await second.resume('continue')), 'ended');
  const every = new Stepper(source(SPEC));
  every.breakpoints = [{ index: 1, hitCondition: '>= 1' }];
  assert.equal(where(every, await every.start(false)), 'breakpoint: forward Relu1 [x]');
  assert.equal(where(every, await every.resume('continue')), 'breakpoint: backward Relu1 [dout mask]');
  // A false condition is no hit: Affine2's first hit with dout in scope is its backward.
  const conditioned = new Stepper(source(SPEC));
  conditioned.breakpoints = [{ index: 2, condition: 'dout.absmax() > 0', hitCondition: '1' }];
  assert.equal(where(conditioned, await conditioned.start(false)), 'breakpoint: backward Affine2 [dout x W b]');
  // A third hit never comes; a hit count that does not parse never stops.
  const never = new Stepper(source(SPEC));
  never.breakpoints = [{ index: 1, hitCondition: '3' }, { index: 0, hitCondition: 'often' }];
  assert.equal(where(never, await never.start(false)), 'ended');
  // Counts survive the breakpoints being set again (VS Code sends a file's all at each change).
  const kept = new Stepper(source(SPEC));
  kept.breakpoints = [{ index: 1, hitCondition: '2' }];
  await kept.start(true);
  assert.equal(where(kept, await kept.resume('next')), 'step: forward Relu1 [x]');
  kept.breakpoints = [{ index: 0 }, { index: 1, hitCondition: '2' }];
  assert.equal(where(kept, await kept.resume('continue')), 'breakpoint: backward Relu1 [dout mask]');
});

test('Step Out finishes the pass; a breakpoint on the way still stops it', async () => {
  const src = source(SPEC);
  const s = new Stepper(src);
  await s.start(true);
  assert.equal(where(s, await s.resume('stepOut')), 'step: loss SoftmaxWithLoss [y t]');
  assert.equal(where(s, await s.resume('stepOut')), 'step: backward Affine2 [dout x W b]');
  s.breakpoints = [{ index: 0 }];
  assert.equal(where(s, await s.resume('stepOut')), 'breakpoint: backward Affine1 [dout x W b]');
  assert.equal(where(s, await s.resume('stepOut')), 'ended');
  // Every event was pulled once, in the engine's order.
  assert.deepEqual(src.pulled, ['forward Affine1', 'forward Relu1', 'forward Affine2', 'loss SoftmaxWithLoss', 'backward Affine2', 'backward Relu1', 'backward Affine1']);
});

test('the gradient check steps parameter by parameter; the check-failure filter stops at a failing one', async () => {
  // Labels [1, 1]: both rows' targets are likely classes, and the check passes everywhere.
  const passing = new Stepper(source(SPEC.replace('labels: [1, 0]', 'labels: [1, 1]'), true));
  passing.filters.add('checkFailed');
  passing.breakpoints = [{ index: 0 }];
  await passing.start(false);
  assert.equal(where(passing, await passing.resume('continue')), 'breakpoint: backward Affine1 [dout x W b]');
  assert.equal(where(passing, await passing.resume('next')), 'step: check Affine1.W [analytic numerical error]');
  assert.equal(where(passing, await passing.resume('next')), 'step: check Affine1.b [analytic numerical error]');
  assert.equal(where(passing, await passing.resume('next')), 'step: check Affine1.dx [analytic numerical error]');
  assert.equal(where(passing, await passing.resume('continue')), 'ended');
  // Labels [1, 0]: row 1's target has y ≈ 9e-5, where the book's log(y + 1e-7) differs from the
  // analytic y − t by about 1e-7 / 9e-5: the check fails (as `backprop check` says too).
  const failing = new Stepper(source(SPEC, true));
  failing.filters.add('checkFailed');
  const moved = await failing.start(false);
  assert.equal(where(failing, moved), 'exception: check Affine1.W [analytic numerical error]');
  assert.ok('stopped' in moved);
  assert.equal(moved.stopped.text, 'Affine1.W: gradient check failed at 4 of 6 elements (max rel error 0.00109); worst W[1, 1]: backprop 2.25, numerical 2.25');
});

test('the NaN-or-Inf filter stops at the first tensor holding one and names its element', async () => {
  const overflow = SPEC.replace('[[1, -2, 0.5], [0, 3, 1]]', '[[1, -2, 0.5], [1e308, 3, 1]]');
  const s = new Stepper(source(overflow));
  s.filters.add('nonFinite');
  const moved = await s.start(false);
  // Affine1's row 1 is [1e308 + 0.6, −1e308 + 5.8], still finite, and Relu1 keeps [1e308, 0]; Affine2
  // doubles it in its second column: 1e308·2 = Infinity.
  assert.equal(where(s, moved), 'exception: forward Affine2 [x W b out]');
  assert.ok('stopped' in moved);
  assert.equal(moved.stopped.text, "Infinity in Affine2's out[1, 1] (1 of 4 values are not finite)");
  // It stops once: from there NaN and Infinity spread to the loss and every gradient.
  assert.equal(where(s, await s.resume('continue')), 'ended');
  // With W[0, 0] = 2 the overflow comes one layer earlier: 2·1e308 = Infinity in Affine1's out[1, 0].
  const sooner = new Stepper(source(overflow.replace('W: [[1, -1], [0.5, 2], [-1, 0]]', 'W: [[2, -1], [0.5, 2], [-1, 0]]')));
  sooner.filters.add('nonFinite');
  const first = await sooner.start(false);
  assert.equal(where(sooner, first), 'exception: forward Affine1 [x W b out]');
  assert.ok('stopped' in first);
  assert.equal(first.stopped.text, "Infinity in Affine1's out[1, 0] (1 of 4 values are not finite)");
});

test('the Dead ReLU and Exploding filters stop where the health rules find trouble', async () => {
  const dead = `name: dead
seed: 1
input: { random: { shape: [32, 20], dist: uniform } }
target: { random: { shape: [32] } }
layers:
  - { type: affine, units: 30, init: { std: 0.01, bias: -1 } }
  - relu
  - { type: affine, units: 5 }
loss: softmax-with-loss
`;
  const s = new Stepper(source(dead));
  s.filters.add('deadRelu');
  const moved = await s.start(false);
  assert.equal(where(s, moved), 'exception: forward Relu1 [x out mask]');
  assert.ok('stopped' in moved);
  assert.equal(moved.stopped.text?.startsWith('Relu1: 30 of 30 units (100%) are dead for the whole batch'), true, moved.stopped.text);

  const exploding = SPEC.replace('W: [[1, 2], [-1, 0.5]]', 'W: [[1e4, 2e4], [-1e4, 5e3]]');
  const e = new Stepper(source(exploding));
  e.filters.add('exploding');
  const blown = await e.start(false);
  assert.equal(where(e, blown), 'exception: backward Affine1 [dout x W b dW db dx]');
  assert.ok('stopped' in blown);
  assert.match(blown.stopped.text!, /^Affine1: dW has L2 norm 2\.9e\+4, above 1000: the gradient is exploding/);
});

test('Pause stops a running Continue at the next point', async () => {
  const src = source(SPEC);
  const slow: StepSource = { next: () => new Promise((resolve) => setTimeout(() => resolve(src.next()), 5)) };
  const s = new Stepper(slow);
  await s.start(true);
  const moving = s.resume('continue');
  s.pause();
  // The move had revealed Affine1's out before it waited for the engine; it stops at the next event.
  assert.equal(where(s, await moving), 'pause: forward Relu1 [x]');
});
