// Hand-made training runs for the Train panel and the side view's training section: TwoLayerNet
// 784-50-10 with batch 100, 300 progress messages of 10 steps each (a falling loss, |grad|
// percentiles of Affine1 and Affine2 whose minimum is sometimes exactly 0), an evaluation every 600
// steps, snapshots every 500 steps, and a continuation that hits a NaN in Affine2's dW at step 3,001.
// Also a SimpleConvNet-like run (the panel's conv fixture) whose snapshots are 4-D.
import { FLOW_PERCENTILES, type HostToTrainView, type LayerInfo, type RunEvent, type TrainEval, type TrainInfo, type TrainProgress } from '../../src/protocol';
import { TrainHistory } from '../../src/train-history';
import { CONV_LAYERS, CONV_N, convEvents, wire } from './fixtures';

/** Minibatch rows. */
const N = 100;
/** Steps per progress message. */
const PER_MESSAGE = 10;
/** Progress messages of the run. */
export const PROGRESS_MESSAGES = 300;
/** The last step of the run so far. */
export const LAST_STEP = PER_MESSAGE * PROGRESS_MESSAGES;
/** Milliseconds per step: 500 steps/s. */
const MS_PER_STEP = 2;
/** Steps between evaluations. */
const EVAL_EVERY = 600;
/** The step whose backward first made a NaN. */
export const NAN_STEP = LAST_STEP + 1;
/** URI of the trained spec. */
export const TRAIN_URI = 'file:///work/examples/train-two-layer-net.backprop.yaml';
/** Its file name. */
export const TRAIN_TITLE = 'train-two-layer-net.backprop.yaml';

const LAYERS: LayerInfo[] = [
  { name: 'Affine1', type: 'affine', inShape: [N, 784], outShape: [N, 50], paramCount: 784 * 50 + 50, line: 10 },
  { name: 'Relu1', type: 'relu', inShape: [N, 50], outShape: [N, 50], paramCount: 0, line: 11 },
  { name: 'Affine2', type: 'affine', inShape: [N, 50], outShape: [N, 10], paramCount: 50 * 10 + 10, line: 12 },
];
const LOSS: LayerInfo = { name: 'SoftmaxWithLoss', type: 'softmax-with-loss', inShape: [N, 10], outShape: [], paramCount: 0, line: 13 };

/** The run's static facts. */
export const TRAIN_INFO: TrainInfo = {
  name: 'two-layer-net',
  layers: LAYERS,
  loss: LOSS,
  iterations: 10000,
  batch: N,
  optimizer: 'sgd, lr 0.1',
  trainRows: 60000,
  testRows: 10000,
  measuresAccuracy: true,
  snapshotEvery: 500,
  flowLayers: [
    { index: 0, name: 'Affine1' },
    { index: 2, name: 'Affine2' },
  ],
  fast: true,
};

/** A deterministic value in [-1, 1) for (a, b). */
function noise(a: number, b: number): number {
  const x = Math.sin(a * 12.9898 + b * 78.233) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/** The minibatch loss of `step`: from about 2.4 down towards 0.1, noisy. */
export function lossAt(step: number): number {
  return 2.3 * Math.exp(-step / 800) + 0.1 + 0.05 * noise(step, 1);
}

/** Ratios of each percentile to the median, from min to max. */
const SPREAD = [0.01, 0.15, 0.35, 0.6, 1, 1.6, 2.8, 5, 20];

/** |grad| percentiles of both flow layers at `step`; Affine1's minimum is 0 on every third sample (a dead unit's column). */
function flowAt(step: number, sample: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(TRAIN_INFO.flowLayers.length * FLOW_PERCENTILES.length);
  TRAIN_INFO.flowLayers.forEach((_, l) => {
    const median = (l === 0 ? 2e-3 : 2e-2) * Math.exp(-step / 4000) * (1 + 0.15 * noise(step, l + 5));
    SPREAD.forEach((r, k) => (out[l * FLOW_PERCENTILES.length + k] = l === 0 && k === 0 && sample % 3 === 0 ? 0 : median * r));
  });
  return out;
}

/** Progress message `k` (0-based): steps 10k+1 … 10k+10. */
export function progressOf(k: number): TrainProgress {
  const first = k * PER_MESSAGE + 1;
  const steps = Float64Array.from({ length: PER_MESSAGE }, (_, i) => first + i);
  const step = first + PER_MESSAGE - 1;
  return { step, elapsedMs: step * MS_PER_STEP, lossSteps: steps.buffer, losses: Float64Array.from(steps, lossAt).buffer, flowStep: step, flow: flowAt(step, k).buffer };
}

/** The evaluation at `step`: accuracy climbing from 0.6 towards 0.95, test a little behind train. */
function evalAt(step: number): TrainEval {
  const trainAcc = 0.95 - 0.35 * Math.exp(-step / 1200);
  return { step, epoch: (step * N) / TRAIN_INFO.trainRows, loss: lossAt(step), trainAcc, testAcc: trainAcc - 0.02 };
}

/** Snapshot steps the host keeps after `last`: every 500th. */
function snapshotSteps(last: number): number[] {
  return Array.from({ length: Math.floor(last / TRAIN_INFO.snapshotEvery) }, (_, i) => (i + 1) * TRAIN_INFO.snapshotEvery);
}

/** Messages of a run up to step 3,000: reset, start, running, progress with positions, evaluations and the snapshot list between. */
export function trainRun(runId: number): HostToTrainView[] {
  const out: HostToTrainView[] = [
    { type: 'trainReset', runId, title: TRAIN_TITLE, uri: TRAIN_URI },
    { type: 'trainStart', runId, info: TRAIN_INFO },
    { type: 'trainStatus', runId, status: { state: 'running' } },
  ];
  for (let k = 0; k < PROGRESS_MESSAGES; k++) {
    const progress = progressOf(k);
    out.push({ type: 'trainProgress', runId, progress });
    // The host's paced position, which the status lines show: every 250 steps here.
    if (progress.step % 250 === 0) out.push({ type: 'trainPosition', runId, step: progress.step, elapsedMs: progress.elapsedMs });
    if (progress.step % EVAL_EVERY === 0) out.push({ type: 'trainEval', runId, eval: evalAt(progress.step) });
    if (progress.step % TRAIN_INFO.snapshotEvery === 0) out.push({ type: 'trainSnapshots', runId, steps: snapshotSteps(progress.step) });
  }
  return out;
}

/** Evaluations of the run up to step 3,000. */
export function trainEvals(): TrainEval[] {
  return snapshotSteps(LAST_STEP)
    .map((_, i) => (i + 1) * EVAL_EVERY)
    .filter((s) => s <= LAST_STEP)
    .map(evalAt);
}

/** What follows trainRun when step 3,001 makes a NaN: its progress, its snapshot kept, the NaN, the stop. */
export function trainNaN(runId: number): HostToTrainView[] {
  const lossSteps = Float64Array.of(NAN_STEP);
  // Affine2's percentiles are NaN at the NaN step.
  const flow = flowAt(NAN_STEP, 1);
  flow.fill(NaN, FLOW_PERCENTILES.length);
  const progress: TrainProgress = { step: NAN_STEP, elapsedMs: NAN_STEP * MS_PER_STEP, lossSteps: lossSteps.buffer, losses: Float64Array.of(NaN).buffer, flowStep: NAN_STEP, flow: flow.buffer };
  return [
    { type: 'trainProgress', runId, progress },
    { type: 'trainSnapshots', runId, steps: [...snapshotSteps(LAST_STEP), NAN_STEP] },
    { type: 'trainNonFinite', runId, at: { step: NAN_STEP, index: 2, layer: 'Affine2', tensor: 'dW', value: 'NaN' } },
    { type: 'trainStatus', runId, status: { state: 'nonFinite', step: NAN_STEP, elapsedMs: NAN_STEP * MS_PER_STEP } },
  ];
}

/** The same run up to step 3,000 as a page that joins late gets it: its history in one message. */
export function trainReplay(runId: number): HostToTrainView[] {
  const history = new TrainHistory(TRAIN_INFO.flowLayers.length);
  for (let k = 0; k < PROGRESS_MESSAGES; k++) history.add(progressOf(k));
  history.evals.push(...trainEvals());
  return [
    { type: 'trainReset', runId, title: TRAIN_TITLE, uri: TRAIN_URI },
    { type: 'trainStart', runId, info: TRAIN_INFO },
    { type: 'trainHistory', runId, history: history.wire() },
    { type: 'trainSnapshots', runId, steps: snapshotSteps(LAST_STEP) },
    { type: 'trainStatus', runId, status: { state: 'running' } },
  ];
}

/** The recorded events of `step` (forward, loss, backward); step NAN_STEP has NaNs from Affine2's dW down. */
export function snapshotEvents(step: number): RunEvent[] {
  const bad = step === NAN_STEP;
  const t = step / 1000;
  const a1 = wire([N, 50], (r, c) => noise(r + t, c + 50) * 1.5);
  const mask = wire([N, 50], (r, c) => (noise(r + t, c + 50) <= 0 ? 1 : 0));
  const relu = wire([N, 50], (r, c) => Math.max(0, noise(r + t, c + 50) * 1.5));
  const scores = wire([N, 10], (r, c) => noise(r + t, c + 99) * 3);
  const prediction = wire([N, 10], (r, c) => (c === r % 10 ? 0.7 : 0.3 / 9));
  const dScores = wire([N, 10], (r, c) => ((c === r % 10 ? -0.3 : 0.3 / 9) * (1 + 0.2 * noise(r, c))) / N);
  const nanIf = (v: number, r: number, c: number): number => (bad && (r + c) % 7 === 0 ? NaN : v);
  const dW2 = wire([50, 10], (r, c) => nanIf(noise(r, c + t) * 0.02, r, c));
  const dx2 = wire([N, 50], (r, c) => nanIf(noise(r + 3, c + t) * 0.01, r, c));
  const dRelu = wire([N, 50], (r, c) => nanIf(noise(r + t, c + 50) <= 0 ? 0 : noise(r + 3, c + t) * 0.01, r, c));
  const dW1 = wire([784, 50], (r, c) => nanIf(noise(r, c + t) * 1e-3 * (noise(r + t, c) > 0.6 ? 1 : 0), r, c));
  return [
    { kind: 'forward', index: 0, activation: a1, mask: null, maskStats: null, params: [{ name: 'W', value: wire([784, 50], (r, c) => noise(r, c) * 0.01) }, { name: 'b', value: wire([50], () => 0) }] },
    { kind: 'forward', index: 1, activation: relu, mask, maskStats: { maskedFraction: 0.5, deadUnits: 0, deadFraction: 0, unit: 'unit' }, params: [] },
    { kind: 'forward', index: 2, activation: scores, mask: null, maskStats: null, params: [{ name: 'W', value: wire([50, 10], (r, c) => noise(r + 1, c) * 0.1) }, { name: 'b', value: wire([10], () => 0) }] },
    { kind: 'loss', value: bad ? NaN : lossAt(step), prediction, target: wire([N, 10], (r, c) => (c === r % 10 ? 1 : 0)), dx: dScores },
    { kind: 'backward', index: 3, dout: wire([], () => 1), dx: dScores, grads: [] },
    { kind: 'backward', index: 2, dout: dScores, dx: dx2, grads: [{ name: 'W', grad: dW2 }, { name: 'b', grad: wire([10], (_r, c) => nanIf(noise(c, t) * 0.01, 0, c)) }] },
    { kind: 'backward', index: 1, dout: dx2, dx: dRelu, grads: [] },
    { kind: 'backward', index: 0, dout: dRelu, dx: wire([N, 784], (r, c) => nanIf(noise(r, c) * 1e-4, r, c)), grads: [{ name: 'W', grad: dW1 }, { name: 'b', grad: wire([50], (_r, c) => nanIf(noise(c, t) * 1e-3, 0, c)) }] },
  ];
}

/** The host's answer to a request for `step`'s snapshot. */
export function snapshotAnswer(runId: number, step: number): HostToTrainView {
  return { type: 'trainSnapshot', runId, snapshot: { step, events: snapshotEvents(step) } };
}

/** Steps of the diverging regression before its loss overflows (examples/broken/diverging-lr). */
export const DIVERGING_LAST = 1207;

/** The diverging regression's static facts: MSE on continuous targets, trained and "tested" on its own 64 rows. */
export const DIVERGING_INFO: TrainInfo = {
  name: 'diverging-lr',
  layers: [
    { name: 'Affine1', type: 'affine', inShape: [16, 8], outShape: [16, 16], paramCount: 8 * 16 + 16, line: 12 },
    { name: 'Tanh1', type: 'tanh', inShape: [16, 16], outShape: [16, 16], paramCount: 0, line: 13 },
    { name: 'Affine2', type: 'affine', inShape: [16, 16], outShape: [16, 1], paramCount: 16 + 1, line: 14 },
  ],
  loss: { name: 'MSE', type: 'mse', inShape: [16, 1], outShape: [], paramCount: 0, line: 15 },
  iterations: 5000,
  batch: 16,
  optimizer: 'sgd, lr 1',
  trainRows: 64,
  testRows: 0,
  measuresAccuracy: false,
  snapshotEvery: 100,
  flowLayers: [
    { index: 0, name: 'Affine1' },
    { index: 2, name: 'Affine2' },
  ],
  fast: false,
};

/** Its minibatch loss: about 0.8 for 300 steps, then up by a factor every step, to 2.8e306 at step 1,207. */
function divergingLoss(step: number): number {
  return 0.8 * (1 + 0.1 * noise(step, 3)) * 10 ** ((Math.max(0, step - 300) * 306.54) / (DIVERGING_LAST - 300));
}

/** The diverging run, 10 steps a message, evaluations (no accuracy) at 500 and 1,000, then Infinity in the loss at step 1,208. */
export function trainDiverging(runId: number): HostToTrainView[] {
  const out: HostToTrainView[] = [
    { type: 'trainReset', runId, title: 'diverging-lr.backprop.yaml', uri: 'file:///work/examples/broken/diverging-lr.backprop.yaml' },
    { type: 'trainStart', runId, info: DIVERGING_INFO },
    { type: 'trainStatus', runId, status: { state: 'running' } },
  ];
  const snapshots: number[] = [1];
  for (let first = 1; first <= DIVERGING_LAST; first += PER_MESSAGE) {
    const steps = Float64Array.from({ length: Math.min(PER_MESSAGE, DIVERGING_LAST - first + 1) }, (_, i) => first + i);
    const step = steps[steps.length - 1];
    // |grad| grows with the square root of the loss.
    const flow = new Float64Array(DIVERGING_INFO.flowLayers.length * FLOW_PERCENTILES.length);
    for (let l = 0; l < 2; l++) SPREAD.forEach((r, k) => (flow[l * FLOW_PERCENTILES.length + k] = 0.05 * (l + 1) * Math.sqrt(divergingLoss(step)) * r));
    out.push({ type: 'trainProgress', runId, progress: { step, elapsedMs: step * 4, lossSteps: steps.buffer, losses: Float64Array.from(steps, divergingLoss).buffer, flowStep: step, flow: flow.buffer } });
    for (const e of [500, 1000]) if (e > step - steps.length && e <= step) out.push({ type: 'trainEval', runId, eval: { step: e, epoch: (e * 16) / 64, loss: divergingLoss(e), trainAcc: null, testAcc: null } });
    for (let s = step - steps.length + 1; s <= step; s++) if (s % 100 === 0) snapshots.push(s);
  }
  snapshots.push(DIVERGING_LAST + 1);
  out.push(
    { type: 'trainSnapshots', runId, steps: snapshots },
    { type: 'trainNonFinite', runId, at: { step: DIVERGING_LAST + 1, index: 3, layer: 'MSE', tensor: 'loss', value: 'Infinity' } },
    { type: 'trainStatus', runId, status: { state: 'nonFinite', step: DIVERGING_LAST, elapsedMs: DIVERGING_LAST * 4 } },
  );
  return out;
}

/** Steps each variant of the comparison trains. */
export const COMPARE_ITERATIONS = 2000;
/** The variants of the comparison, as the book's optimizer_compare_mnist. */
export const COMPARE_VARIANTS = ['sgd', 'momentum', 'adagrad', 'adam'];

/** The comparison's static facts: TwoLayerNet's layers, four optimizers of 2,000 steps each. */
export const COMPARE_INFO: TrainInfo = {
  ...TRAIN_INFO,
  name: 'optimizer_compare_mnist',
  iterations: COMPARE_ITERATIONS,
  batch: 128,
  optimizer: 'optimizers compared',
  trainRows: 8000,
  testRows: 2000,
  compare: { key: 'optimizer', variants: COMPARE_VARIANTS },
};

/** Variant `v`'s minibatch loss at `step`: each falls faster than the one before, sgd slowest. */
export function compareLossAt(v: number, step: number): number {
  return (2.3 * Math.exp(-step / (600 / (v + 1))) + 0.05) * (1 + 0.3 * noise(step, v + 11));
}

/**
 * The comparison after it finished: per variant 200 progress messages of 10 steps (its flow median
 * 10^v times sgd's, so the picker's switch shows), evaluations every 500 steps, and the host's
 * position over all variants.
 */
export function trainCompare(runId: number): HostToTrainView[] {
  const out: HostToTrainView[] = [
    { type: 'trainReset', runId, title: 'optimizer_compare_mnist.backprop.yaml', uri: 'file:///work/examples/optimizer_compare_mnist.backprop.yaml' },
    { type: 'trainStart', runId, info: COMPARE_INFO },
    { type: 'trainStatus', runId, status: { state: 'running' } },
  ];
  COMPARE_VARIANTS.forEach((_, variant) => {
    for (let k = 0; k < COMPARE_ITERATIONS / PER_MESSAGE; k++) {
      const first = k * PER_MESSAGE + 1;
      const steps = Float64Array.from({ length: PER_MESSAGE }, (_, i) => first + i);
      const step = first + PER_MESSAGE - 1;
      const flow = flowAt(step, k).map((x) => x * 10 ** variant);
      const overall = variant * COMPARE_ITERATIONS + step;
      out.push({ type: 'trainProgress', runId, progress: { step, elapsedMs: overall * MS_PER_STEP, lossSteps: steps.buffer, losses: Float64Array.from(steps, (s) => compareLossAt(variant, s)).buffer, flowStep: step, flow: flow.buffer, variant } });
      if (step % 500 === 0) {
        const trainAcc = 0.98 - 0.3 * Math.exp(-step / (400 / (variant + 1)));
        out.push({ type: 'trainEval', runId, eval: { step, epoch: (step * 128) / 8000, loss: compareLossAt(variant, step), trainAcc, testAcc: trainAcc - 0.03, variant } });
        out.push({ type: 'trainPosition', runId, step: overall, elapsedMs: overall * MS_PER_STEP });
      }
    }
  });
  const total = COMPARE_ITERATIONS * COMPARE_VARIANTS.length;
  out.push({ type: 'trainStatus', runId, status: { state: 'finished', step: total, elapsedMs: total * MS_PER_STEP } });
  return out;
}

/** The SimpleConvNet-like run: the panel's conv fixture (Conv1 → Pool1 → Affine1), batch CONV_N. */
export const CONV_TRAIN_INFO: TrainInfo = {
  ...TRAIN_INFO,
  name: 'simple-convnet',
  layers: CONV_LAYERS,
  loss: { ...LOSS, inShape: [CONV_N, 10] },
  batch: CONV_N,
  optimizer: 'adam, lr 0.001, β1 0.9, β2 0.999',
  snapshotEvery: 50,
  flowLayers: [
    { index: 0, name: 'Conv1' },
    { index: 2, name: 'Affine1' },
  ],
};
/** The conv run's last step: ten progress messages. */
export const CONV_LAST_STEP = 10 * PER_MESSAGE;

/** Messages of the conv run up to step 100, with snapshots at steps 1, 50 and 100. */
export function trainConvRun(runId: number): HostToTrainView[] {
  const out: HostToTrainView[] = [
    { type: 'trainReset', runId, title: 'simple-convnet.backprop.yaml', uri: 'file:///work/examples/simple-convnet.backprop.yaml' },
    { type: 'trainStart', runId, info: CONV_TRAIN_INFO },
    { type: 'trainStatus', runId, status: { state: 'running' } },
  ];
  for (let k = 0; k < CONV_LAST_STEP / PER_MESSAGE; k++) out.push({ type: 'trainProgress', runId, progress: progressOf(k) });
  out.push({ type: 'trainSnapshots', runId, steps: [1, 50, CONV_LAST_STEP] });
  out.push({ type: 'trainPosition', runId, step: CONV_LAST_STEP, elapsedMs: CONV_LAST_STEP * MS_PER_STEP });
  return out;
}

/** The host's answer to a request for a snapshot of the conv run: the conv fixture's forward, loss and backward events. */
export function convSnapshotAnswer(runId: number, step: number): HostToTrainView {
  const events = convEvents().filter((e) => e.kind === 'forward' || e.kind === 'loss' || e.kind === 'backward');
  return { type: 'trainSnapshot', runId, snapshot: { step, events } };
}
