// The training views' model: messages of another run are ignored, buffers are read whether they come
// as ArrayBuffers or typed-array views, and the status line reads as the brief says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostToTrainView } from '../../src/protocol';
import { applyTrainMessage, emptyTrainModel, readTrainMessage, selectVariant, statusOf, variantRows } from '../../webview/shared/train-state';
import { TrainHistory } from '../../src/train-history';
import { restoreRun, saveRun } from '../../webview/train/train-saved';
import { LAST_STEP, PROGRESS_MESSAGES, TRAIN_INFO, compareLossAt, progressOf, trainCompare, trainNaN, trainRun } from './train-fixtures';

function play(messages: HostToTrainView[]): ReturnType<typeof emptyTrainModel> {
  const model = emptyTrainModel();
  for (const m of messages) {
    const msg = readTrainMessage(m);
    assert.ok(msg, `accepted: ${m.type}`);
    applyTrainMessage(model, msg);
  }
  return model;
}

test('a run: curves, evaluations, snapshots and the status line with rate and ETA', () => {
  const model = play(trainRun(1));
  // 3,000 steps in at most HISTORY_CAPACITY points, exactly as the host's history holds them.
  const host = new TrainHistory(2);
  for (let k = 0; k < PROGRESS_MESSAGES; k++) host.add(progressOf(k));
  assert.equal(model.history.loss.length, host.loss.length);
  assert.equal(model.history.loss.steps[model.history.loss.length - 1], LAST_STEP);
  assert.equal(model.history.flow.length, 300);
  assert.equal(model.history.evals.length, 5);
  assert.deepEqual(model.snapshots, [500, 1000, 1500, 2000, 2500, 3000]);
  // 3,000 steps in 6 s: 500 steps/s, 7,000 steps to go.
  assert.equal(statusOf(model).text, 'step 3,000 / 10,000 · 500 steps/s · ETA 14\u00a0s');
  applyTrainMessage(model, { type: 'trainStatus', runId: 1, status: { state: 'finished', step: 10000, elapsedMs: 83_400 } });
  assert.deepEqual(statusOf(model), { text: 'finished in 1\u00a0min 23\u00a0s', tone: 'ok' });
  applyTrainMessage(model, { type: 'trainStatus', runId: 1, status: { state: 'cancelled', step: 1234, elapsedMs: 12_300 } });
  assert.equal(statusOf(model).text, 'cancelled at step 1,234');
});

test('a debugged training paused in a step says so, without a rate or ETA, until a position without a pause', () => {
  const model = play(trainRun(1));
  applyTrainMessage(model, { type: 'trainPosition', runId: 1, step: 3000, elapsedMs: 6000, paused: 'backward Relu1\u001b' });
  assert.deepEqual(statusOf(model), { text: 'debugger paused in step 3,000 / 10,000: backward Relu1\\u001b', tone: '' });
  applyTrainMessage(model, { type: 'trainPosition', runId: 1, step: 3000, elapsedMs: 6000 });
  assert.equal(statusOf(model).text, 'step 3,000 / 10,000 · 500 steps/s · ETA 14\u00a0s');
});

test('a NaN stop names the layer and tensor', () => {
  const model = play([...trainRun(1), ...trainNaN(1)]);
  assert.deepEqual(statusOf(model), { text: 'stopped at step 3,001: NaN in Affine2 dW', tone: 'bad' });
  assert.equal(model.nonFinite?.layer, 'Affine2');
});

test('messages of another run, or before any reset, change nothing; a reset clears everything', () => {
  const model = emptyTrainModel();
  assert.equal(applyTrainMessage(model, { type: 'trainStart', runId: 1, info: TRAIN_INFO }), 'nothing');
  const run = play(trainRun(1));
  assert.equal(applyTrainMessage(run, { type: 'trainProgress', runId: 2, progress: progressOf(400) }), 'nothing');
  assert.equal(run.history.loss.steps[run.history.loss.length - 1], LAST_STEP);
  assert.equal(applyTrainMessage(run, { type: 'trainReset', runId: 2, title: 't', uri: 'u' }), 'everything');
  assert.deepEqual([run.history.loss.length, run.info, run.snapshots, run.step], [0, null, [], 0]);
});

test('buffers arrive as ArrayBuffers or typed-array views; malformed messages are refused', () => {
  const p = progressOf(0);
  const viaViews = readTrainMessage({ type: 'trainProgress', runId: 1, progress: { ...p, lossSteps: new Float64Array(p.lossSteps), losses: new Uint8Array(p.losses), flow: new Float64Array(p.flow) } });
  assert.ok(viaViews?.type === 'trainProgress');
  assert.deepEqual([...new Float64Array(viaViews.progress.losses)], [...new Float64Array(p.losses)]);
  assert.equal(Object.prototype.toString.call(viaViews.progress.lossSteps), '[object ArrayBuffer]');
  for (const bad of [null, 'x', { type: 'trainProgress', runId: 1 }, { type: 'trainStart', runId: 1, info: {} }, { type: 'trainReset', runId: '1', title: '', uri: '' }, { type: 'nope', runId: 1 }]) {
    assert.equal(readTrainMessage(bad), null, JSON.stringify(bad));
  }
});

test("the spec's names arrive with control characters escaped: the layers, the loss, the flow layers and a NaN's layer", () => {
  const model = emptyTrainModel();
  applyTrainMessage(model, { type: 'trainReset', runId: 9, title: 't.backprop.yaml', uri: 'file:///t.backprop.yaml' });
  const bad = 'Evil\n\u001b[31m';
  const info = { ...TRAIN_INFO, name: bad, layers: TRAIN_INFO.layers.map((l, i) => (i === 0 ? { ...l, name: bad } : l)), flowLayers: [{ index: 0, name: bad }] };
  applyTrainMessage(model, { type: 'trainStart', runId: 9, info });
  assert.equal(model.info?.name, 'Evil\\n\\u001b[31m');
  assert.equal(model.info?.layers[0].name, 'Evil\\n\\u001b[31m');
  assert.equal(model.info?.flowLayers[0].name, 'Evil\\n\\u001b[31m');
  applyTrainMessage(model, { type: 'trainNonFinite', runId: 9, at: { step: 3, index: 0, layer: bad, tensor: 'dW', value: 'NaN' } });
  assert.equal(model.nonFinite?.layer, 'Evil\\n\\u001b[31m');
});

test('a comparison: one history per variant, the picker’s choice is what the flow charts read, the status names the variant training', () => {
  const messages = trainCompare(1);
  // Up to the host's position at adagrad's step 1,000 (overall 5,000), and a status of running.
  const at = messages.findIndex((m) => m.type === 'trainPosition' && m.step === 5000);
  const model = play(messages.slice(0, at + 1));
  assert.equal(model.histories.length, 4);
  assert.deepEqual(model.histories.map((h) => h.loss.length), [2000, 2000, 1000, 0]);
  assert.deepEqual(model.histories.map((h) => h.evals.map((e) => e.step)), [[500, 1000, 1500, 2000], [500, 1000, 1500, 2000], [500, 1000], []]);
  assert.equal(model.history, model.histories[0]);
  // 5,000 of 8,000 steps in 10 s: 500 steps/s, 3,000 to go.
  assert.equal(statusOf(model).text, 'adagrad (3/4) · step 1,000 / 2,000 · 500 steps/s · ETA 6\u00a0s');
  assert.deepEqual(variantRows(model).map((r) => [r.label, r.steps, r.state]), [['sgd', 2000, 'done'], ['momentum', 2000, 'done'], ['adagrad', 1000, 'training…'], ['adam', 0, 'waiting']]);
  assert.equal(variantRows(model)[1].loss, compareLossAt(1, 2000));
  selectVariant(model, 2);
  assert.deepEqual([model.variant, model.history], [2, model.histories[2]]);
  selectVariant(model, 9);
  assert.equal(model.variant, 2);
  applyTrainMessage(model, { type: 'trainStatus', runId: 1, status: { state: 'cancelled', step: 5000, elapsedMs: 10_000 } });
  assert.equal(statusOf(model).text, 'cancelled in adagrad at step 1,000');
  assert.deepEqual(variantRows(model).map((r) => r.state), ['done', 'done', 'stopped at step 1,000', 'not run']);
  // A variant index that is not one is refused.
  assert.equal(readTrainMessage({ type: 'trainEval', runId: 1, eval: { step: 1, epoch: 0, loss: 1, trainAcc: null, testAcc: null, variant: 'constructor' } }), null);
  // A variant that stopped short while later ones trained hit a NaN/Inf.
  const diverged = play(messages.filter((m) => !(m.type === 'trainProgress' && m.progress.variant === 0 && m.progress.step > 100)));
  assert.equal(variantRows(diverged)[0].state, 'stopped at step 101: NaN/Inf');
});

test('a comparison saved in the panel’s state comes back with every variant’s curves', () => {
  const model = play(trainCompare(1));
  const saved = JSON.parse(JSON.stringify(saveRun(model)));
  const restored = play([{ type: 'trainReset', runId: 0, title: model.title, uri: model.uri! }, ...(restoreRun(saved, model.uri!) as HostToTrainView[])]);
  assert.deepEqual(restored.info?.compare, model.info?.compare);
  assert.deepEqual(restored.histories.map((h) => [h.loss.length, h.evals.length, h.flow.length]), model.histories.map((h) => [h.loss.length, h.evals.length, h.flow.length]));
  assert.deepEqual([...restored.histories[3].loss.values.subarray(0, 2000)], [...model.histories[3].loss.values.subarray(0, 2000)]);
});
