// The host's side of training with a real engine worker (dist/worker.js): what views hear, cancel
// while snapshots stream, the bounds on what a long run keeps, and specs that cannot train.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { HostToTrainView } from '../../src/protocol';
import type { Problem } from '../../src/spec/model';
import { EngineClient } from '../../src/extension/engine-client';
import { POSITION_GAP_MS, TrainSession, trainJob, type TrainPosition } from '../../src/extension/train-session';
import { TRAINING_NICE } from '../../src/worker/train';
import { HISTORY_CAPACITY } from '../../src/train-history';

const engine = new EngineClient({ workerPath: resolve('dist/worker.js'), mnistPath: resolve('dist/mnist-digits.bin'), userCodeLimitMs: () => 10_000, trusted: () => false });
let nextSpec = 1;

/** A session training `text`, with a view that records every message. */
function start(text: string, options: { snapshotEvery?: number; ringSize?: number } = {}) {
  const problems: Problem[] = [];
  // Each session its own spec URI, so none cancels another's worker.
  const uri = `file:///test-${nextSpec++}.backprop.yaml`;
  const spec = { text, fileName: 'test.backprop.yaml', folder: process.cwd() };
  const session = new TrainSession(trainJob(engine, spec, { type: 'train', snapshotEvery: options.snapshotEvery ?? 10, updateMs: 1000 / 30 }, uri, []), 'test.backprop.yaml', uri, {
    ringSize: options.ringSize ?? 5,
    layers: [],
    onProblems: (p) => problems.push(...p),
  });
  const heard: HostToTrainView[] = [];
  const view = { post: (m: HostToTrainView) => heard.push(m) };
  session.attach(view);
  return { session, heard, view, problems };
}

/** A spec: 2-feature points, class 1 when x0 + x1 > 0, a 2-8-2 ReLU net. */
const tiny = (iterations: number) => `
name: tiny
seed: 3
input: { data: [[1, 0.5], [-1, -0.2], [0.3, 0.4], [-0.6, -0.1], [0.9, -0.2], [-0.3, -0.8]] }
target: { labels: [1, 0, 1, 0, 1, 0] }
layers:
  - { type: affine, units: 8 }
  - relu
  - { type: affine, units: 2 }
loss: softmax-with-loss
train: { iterations: ${iterations}, batch: 4, optimizer: { type: sgd, lr: 0.1 }, eval: { every: ${Math.max(1, Math.floor(iterations / 4))} } }
`;

test('a training run: start, history, coalesced progress, evaluations, snapshots, finished', async () => {
  const { session, heard } = start(tiny(400), { snapshotEvery: 100 });
  const status = await session.ended;
  assert.deepEqual(status.state, 'finished');
  const types = heard.map((m) => m.type);
  assert.deepEqual(types.slice(0, 2), ['trainReset', 'trainStatus']);
  assert.ok(types.includes('trainStart') && types.includes('trainProgress'));
  assert.equal(types.at(-1), 'trainStatus');
  assert.deepEqual(session.history?.evals.map((e) => e.step), [100, 200, 300, 400]);
  // Every step's loss arrives exactly once, in order.
  const loss = session.history!.loss;
  assert.deepEqual([...loss.steps.subarray(0, loss.length)], Array.from({ length: 400 }, (_, i) => i + 1));
  // Snapshots: the first step, then every 100th (the last among them), unless two came within 1/30 s.
  const steps = session.ring.steps();
  assert.equal(steps[steps.length - 1], 400);
  assert.ok(steps.every((s) => s === 1 || s % 100 === 0), steps.join());
  const snap = session.ring.get(400)!;
  assert.deepEqual(snap.events.map((e) => e.kind), ['forward', 'forward', 'forward', 'loss', 'backward', 'backward', 'backward']);
  assert.equal(session.info?.flowLayers.map((f) => f.name).join(), 'Affine1,Affine2');
  await session.exited;
});

/** The nice value of each thread of this process, by thread id (Linux's /proc). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    // Fields after "(comm)" start at field 3; nice is field 19.
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return nices;
}

test('the training thread runs at a lower priority than the rest of the process', { skip: process.platform !== 'linux' && 'per-thread nice values are Linux only; elsewhere the worker keeps the normal priority' }, async () => {
  const before = threadNices();
  const { session, heard } = start(tiny(10_000_000));
  while (!heard.some((m) => m.type === 'trainStart')) await new Promise((r) => setTimeout(r, 10));
  const during = threadNices();
  session.cancel();
  await session.exited;
  const lowered = [...during].filter(([tid, nice]) => nice === TRAINING_NICE && !before.has(tid));
  assert.equal(lowered.length, 1, `threads and their nice values: ${JSON.stringify([...during])}`);
  assert.equal(during.get(process.pid), before.get(process.pid), 'the main thread kept its priority');
  assert.equal(threadNices().get(process.pid), before.get(process.pid));
});

test('cancel while snapshots stream: the run stops, no view hears anything after, and nothing received is lost', async () => {
  // Every step asks for a snapshot (the worker sends up to ~30 a second) of a run far too long to end first.
  const { session, heard, view } = start(tiny(10_000_000), { snapshotEvery: 1, ringSize: 3 });
  await new Promise<void>((done) => {
    const poll = setInterval(() => {
      if (session.ring.size >= 2) {
        clearInterval(poll);
        done();
      }
    }, 1);
  });
  const before = session.ring.steps();
  session.cancel();
  assert.equal(session.status.state, 'cancelled');
  const count = heard.length;
  assert.deepEqual(heard.at(-1), { type: 'trainStatus', runId: session.runId, status: session.status });
  await session.exited;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(heard.length, count, 'a view heard something after the cancel');
  assert.deepEqual(session.ring.steps(), before);
  // What arrived is still there for a view that asks.
  const asked: HostToTrainView[] = [];
  session.sendSnapshot({ post: (m) => asked.push(m) }, before[0]);
  assert.equal(asked[0]?.type === 'trainSnapshot' && asked[0].snapshot.step, before[0]);
  session.detach(view);
});

test('a 100,000-step run keeps at most the ring of snapshots and HISTORY_CAPACITY curve points', async () => {
  const { session } = start(tiny(100_000), { snapshotEvery: 1, ringSize: 4 });
  let most = 0;
  const poll = setInterval(() => (most = Math.max(most, session.ring.size)), 5);
  const status = await session.ended;
  clearInterval(poll);
  assert.equal(status.state, 'finished');
  assert.ok(most <= 4 && session.ring.size === 4, `ring held ${most}`);
  const h = session.history!;
  assert.ok(h.loss.length <= HISTORY_CAPACITY && h.loss.length > HISTORY_CAPACITY / 2, `${h.loss.length} loss points`);
  assert.equal(h.loss.steps[h.loss.length - 1], 100_000);
  assert.ok(h.flow.length <= HISTORY_CAPACITY);
  assert.equal(session.ring.steps().at(-1), 100_000);
});

test('one position for the views and the notification: the same step at each change, paced, and the last step at the end', async () => {
  const { session, heard } = start(tiny(100_000), { snapshotEvery: 10_000 });
  // What the notification hears, beside the last position the views heard at that moment.
  const changes: { at: number; step: number; views: number | undefined }[] = [];
  session.onPosition((p: TrainPosition) => {
    const last = heard.filter((m) => m.type === 'trainPosition').at(-1);
    changes.push({ at: performance.now(), step: p.step, views: last?.type === 'trainPosition' ? last.step : undefined });
  });
  const status = await session.ended;
  assert.equal(status.state, 'finished');
  assert.ok(changes.length >= 2, `${changes.length} position changes`);
  for (const c of changes) assert.equal(c.views, c.step);
  // Paced, but for the end, which comes at once.
  for (let i = 1; i < changes.length - 1; i++) assert.ok(changes[i].at - changes[i - 1].at >= POSITION_GAP_MS - 1, `changes ${i - 1} and ${i} ${changes[i].at - changes[i - 1].at} ms apart`);
  assert.equal(changes.at(-1)?.step, 100_000);
  assert.equal(session.position.step, 100_000);
  // The views heard exactly the positions the notification did.
  const positions = heard.flatMap((m) => (m.type === 'trainPosition' ? [m.step] : []));
  assert.deepEqual(positions, changes.map((c) => c.step));
});

test('a spec without train:, one with errors, and one without a loss end as failed, with the reason', async () => {
  const noTrain = start(tiny(10).replace(/^train:.*$/m, ''));
  const s1 = await noTrain.session.ended;
  assert.ok(s1.state === 'failed' && /no train: section/.test(s1.message), JSON.stringify(s1));
  const broken = start(tiny(10).replace('units: 8', 'units: -8'));
  const s2 = await broken.session.ended;
  assert.ok(s2.state === 'failed' && /spec has errors/.test(s2.message), JSON.stringify(s2));
  assert.ok(broken.problems.some((p) => p.severity === 'error' && /units/.test(p.message)));
  const noLoss = start(tiny(10).replace('loss: softmax-with-loss', ''));
  const s3 = await noLoss.session.ended;
  assert.ok(s3.state === 'failed' && /loss/.test(s3.message), JSON.stringify(s3));
});

test('a diverging run ends at its first Infinity, with the snapshot of that step', async () => {
  const { readFileSync } = await import('node:fs');
  const { session, heard } = start(readFileSync('examples/broken/diverging-lr.backprop.yaml', 'utf8'), { snapshotEvery: 1000 });
  const status = await session.ended;
  assert.equal(status.state, 'nonFinite');
  assert.deepEqual(session.nonFinite, { step: 1208, index: 3, layer: 'MSE', tensor: 'loss', value: 'Infinity' });
  assert.ok(heard.some((m) => m.type === 'trainNonFinite'));
  assert.equal(session.ring.steps().at(-1), 1208);
  // A regression on its own rows: no accuracy, no test set, and the views are told so.
  assert.deepEqual([session.info?.measuresAccuracy, session.info?.testRows], [false, 0]);
  assert.deepEqual(session.history?.evals.map((e) => [e.step, e.trainAcc, e.testAcc]), [[500, null, null], [1000, null, null]]);
});

test('a comparison: each variant trains in turn in the worker, its progress and evaluations in a history of its own; the position counts them all', async () => {
  const { session, heard } = start(`${tiny(200)}compare: { optimizer: [{ type: sgd, lr: 0.1 }, { type: adam, lr: 0.01 }, { type: momentum, lr: 0.1 }] }\n`);
  const status = await session.ended;
  assert.deepEqual(status, { state: 'finished', step: 600, elapsedMs: (status as { elapsedMs: number }).elapsedMs });
  assert.deepEqual(session.info?.compare, { key: 'optimizer', variants: ['sgd', 'adam', 'momentum'] });
  assert.deepEqual(session.position.iterations, 600);
  assert.equal(session.histories.length, 3);
  for (const h of session.histories) {
    assert.deepEqual([...h.loss.steps.subarray(0, h.loss.length)], Array.from({ length: 200 }, (_, i) => i + 1));
    assert.deepEqual(h.evals.map((e) => e.step), [50, 100, 150, 200]);
  }
  const first = session.histories.map((h) => h.loss.values[0]);
  // The same weights and the same first minibatch: the same first loss; then the optimizers part.
  assert.deepEqual([first[1], first[2]], [first[0], first[0]]);
  assert.notEqual(session.histories[1].loss.values[199], session.histories[0].loss.values[199]);
  // No snapshots: the variants' steps would share one ring.
  assert.deepEqual(session.ring.steps(), []);
  assert.equal(heard.filter((m) => m.type === 'trainNonFinite').length, 0);
  // A late view gets one history per variant.
  const late: HostToTrainView[] = [];
  session.attach({ post: (m) => late.push(m) });
  assert.deepEqual(late.flatMap((m) => (m.type === 'trainHistory' ? [m.variant] : [])), [0, 1, 2]);
  await session.exited;
});

test('a comparison goes on past a variant that hits a NaN/Inf: its curve ends there, the next variant trains in full', async () => {
  const { session, heard } = start(`${tiny(100)}compare: { optimizer: [{ type: sgd, lr: 1e300 }, { type: sgd, lr: 0.1 }] }\n`);
  assert.equal((await session.ended).state, 'finished');
  const [diverged, fine] = session.histories;
  assert.ok(diverged.loss.length < 100, `diverged after ${diverged.loss.length} steps`);
  assert.ok([...diverged.loss.values.subarray(0, diverged.loss.length)].every(Number.isFinite));
  assert.equal(fine.loss.length, 100);
  assert.deepEqual(fine.evals.map((e) => e.step), [25, 50, 75, 100]);
  assert.equal(heard.filter((m) => m.type === 'trainNonFinite').length, 0);
  await session.exited;
});

test('a snapshot of conv images cut to its first samples: the session holds the batch whole and sends a view any sample of it', async () => {
  // Conv1's output [20, 30, 24, 24] is over PREVIEW_ABOVE: the snapshot carries its first 15 samples.
  const labels = Array.from({ length: 20 }, (_, i) => i % 3).join(', ');
  const conv = `name: conv\nseed: 1\ninput: { random: { shape: [20, 1, 28, 28] } }\ntarget: { labels: [${labels}] }\nlayers:\n  - { type: convolution, filters: 30, size: 5 }\n  - relu\n  - { type: pooling, size: 2 }\n  - { type: affine, units: 3 }\nloss: softmax-with-loss\ntrain: { iterations: 2, batch: 20, optimizer: { type: sgd, lr: 0.01 } }\n`;
  const { session, heard, view, problems } = start(conv, { snapshotEvery: 1 });
  assert.equal((await session.ended).state, 'finished', JSON.stringify(problems));
  const snapshot = session.ring.get(2)!;
  const forward = snapshot.events.find((e) => e.kind === 'forward' && e.index === 0);
  assert.ok(forward?.kind === 'forward');
  const perSample = 30 * 24 * 24;
  assert.equal(forward.activation.samples, 15);
  const asked = (sample: number, ref: { index: number; record: 'out' | 'mask'; step: number }) => {
    session.sendSample(view, ref, sample);
    const answer = heard.at(-1);
    assert.ok(answer?.type === 'sample' && answer.runId === session.runId);
    return answer.answer;
  };
  // Sample 0 as the host holds it is the one the snapshot carried; sample 17 was not sent.
  const first = asked(0, { index: 0, record: 'out', step: 2 });
  assert.ok('values' in first);
  assert.deepEqual(new Float64Array(first.values), new Float64Array(forward.activation.buffer, 0, perSample));
  const later = asked(17, { index: 0, record: 'out', step: 2 });
  assert.ok('values' in later && later.values.byteLength === perSample * 8);
  // Relu1's mask of the same step: its 0/1 values for sample 19.
  const mask = asked(19, { index: 1, record: 'mask', step: 2 });
  assert.ok('values' in mask && new Float64Array(mask.values).every((v) => v === 0 || v === 1));
  const gone = asked(17, { index: 0, record: 'out', step: 7 });
  assert.deepEqual(gone, { error: 'Sample 17 cannot be shown: the snapshot of step 7 is no longer kept.' });
  await session.exited;
});
