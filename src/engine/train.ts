// The book's training loop (ch. 4/5 train_neuralnet.py) as a generator: each step draws a random
// minibatch (with replacement, as np.random.choice), runs forward and backward, and updates every
// param; every `evalEvery` steps it measures accuracy on the whole train set and the test set, when
// the targets are classes and there is a test set (measuresAccuracy says which). A step whose
// loss or gradients hold a NaN or ±Infinity ends the run before its update, with where it began.
// Pure: the caller times it, prints it, or stops pulling events to cancel.
import type { Sequential } from './network';
import type { Optimizer } from './optimizers';
import { chunkedAccuracy, measuresAccuracy } from './accuracy';
import { fastStep, type FastStep } from './fast-step';
import { Rng } from './rng';
import { runNetwork, type RunEvent } from './run';
import { tensor, type Tensor } from './tensor';

/** Training and test sets: inputs [N, ...] and targets as labels [N] or rows [N, C]. */
export interface TrainData {
  /** Training inputs. */
  xTrain: Tensor;
  /** Training targets. */
  tTrain: Tensor;
  /** Test inputs; absent when there is no test set apart from the training rows. */
  xTest?: Tensor;
  /** Test targets, with xTest. */
  tTest?: Tensor;
}

/** Settings of one training run. */
export interface TrainOptions {
  /** Number of updates. */
  iterations: number;
  /** Minibatch size. */
  batch: number;
  /** Seed of the minibatch draws. */
  seed: number;
  /** The update rule. */
  optimizer: Optimizer;
  /** Evaluate every this many updates, or once per epoch (⌈N / batch⌉ updates); always after the last. */
  evalEvery: number | 'epoch';
  /** Steps whose run events (forward, loss, backward) the 'step' event carries; none when absent. */
  snapshotAt?: (step: number) => boolean;
  /** The fast step for the other steps and the evaluations: null for the plain path; when absent, fastStep(net, batch, the shape of a training input). */
  fast?: FastStep | null;
}

/** Where a NaN or ±Infinity first shows in one step's events. */
export interface NonFinite {
  /** Layer index; layers.length for the loss. */
  index: number;
  /** Layer name. */
  layer: string;
  /** The tensor: a param name (W), 'activation', 'loss', 'dx', or d + param name (dW). */
  tensor: string;
  /** The first non-finite value found. */
  value: 'NaN' | 'Infinity' | '-Infinity';
}

/** One step, one evaluation, the first NaN/Inf, or the end of the run. */
export type TrainEvent =
  | {
      /** One update done. */
      kind: 'step';
      /** Updates done, this one included. */
      iteration: number;
      /** Loss of this step's minibatch (before its update). */
      loss: number;
      /**
       * This step's run events when snapshotAt asked for them. Their tensors are this step's: param
       * values before the update. Read them before pulling the next event.
       */
      events: RunEvent[] | null;
    }
  | {
      /** An evaluation after `iteration` updates. */
      kind: 'eval';
      /** Updates done so far. */
      iteration: number;
      /** Epochs done so far: iteration · batch / N (fractional). */
      epoch: number;
      /** Loss of the last update's minibatch (before that update). */
      loss: number;
      /** Accuracy on the whole training set; null when the targets are not classes (a regression). */
      trainAcc: number | null;
      /** Accuracy on the whole test set; null without classes or without a test set. */
      testAcc: number | null;
    }
  | {
      /**
       * Step `iteration`'s loss or gradients hold a NaN or ±Infinity: its update is not applied, and
       * training stops. `events` are that step's, rerun with every tensor kept.
       */
      kind: 'nonFinite';
      /** The step. */
      iteration: number;
      /** Where it first shows, in forward then backward order. */
      at: NonFinite;
      /** The step's run events. */
      events: RunEvent[];
    }
  | {
      /** The run finished, or stopped at a NaN/Inf. */
      kind: 'done';
      /** Updates done. */
      iterations: number;
      /** Epochs done. */
      epoch: number;
      /** Loss of the last minibatch. */
      loss: number;
      /** Final training accuracy (NaN when training stopped before its first evaluation; null when not measured). */
      trainAcc: number | null;
      /** Final test accuracy, as trainAcc. */
      testAcc: number | null;
      /** All steps done, or stopped at a NaN/Inf. */
      reason: 'finished' | 'nonFinite';
    };

/** Trains `net` (which must have a loss) on `data`, yielding each step, each evaluation and then a summary. */
export function* train(net: Sequential, data: TrainData, opts: TrainOptions): Generator<TrainEvent> {
  if (!net.loss) throw new Error('training needs a loss layer');
  const n = data.xTrain.shape[0];
  if (data.tTrain.shape[0] !== n) throw new Error(`${n} training inputs but ${data.tTrain.shape[0]} targets`);
  const every = opts.evalEvery === 'epoch' ? Math.max(Math.ceil(n / opts.batch), 1) : opts.evalEvery;
  if (!(Number.isInteger(every) && every >= 1)) throw new Error(`evalEvery must be a positive integer or 'epoch', got ${opts.evalEvery}`);
  const params = net.layers.flatMap((l) => l.params);
  const rng = new Rng(opts.seed);
  const rows = new Int32Array(opts.batch);
  let loss = NaN;
  let last: Extract<TrainEvent, { kind: 'eval' }> | null = null;
  const done = (iterations: number, reason: 'finished' | 'nonFinite'): TrainEvent => ({
    kind: 'done',
    iterations,
    epoch: (iterations * opts.batch) / n,
    loss,
    trainAcc: last ? last.trainAcc : NaN,
    testAcc: last ? last.testAcc : NaN,
    reason,
  });
  // Steps without a snapshot take the fast path when the network allows it: the same bits, no
  // allocation, values updated in place (nothing streams them: snapshot events hold copies).
  const fast = opts.fast === undefined ? fastStep(net, opts.batch, data.xTrain.shape.slice(1)) : opts.fast;
  // It evaluates too: the same accuracies, a chunk of rows at a time over the inputs' nonzeros,
  // where the dense predict over every input took most of a run.
  const evaluate = (x: Tensor, t: Tensor) => (fast ? fast.accuracyOn(x, t) : chunkedAccuracy((rows) => net.predict(rows, false), x, t, opts.batch));
  const classes = measuresAccuracy(net.loss.type, data.tTrain);
  const test = classes && data.xTest && data.tTest ? { x: data.xTest, t: data.tTest } : null;
  for (let iteration = 1; iteration <= opts.iterations; iteration++) {
    for (let k = 0; k < rows.length; k++) rows[k] = Math.floor(rng.next() * n);
    const minibatch = () => ({ x: gatherRows(data.xTrain, rows), t: gatherRows(data.tTrain, rows) });
    let events: RunEvent[] | null = null;
    if (opts.snapshotAt?.(iteration)) {
      const { x, t } = minibatch();
      events = [...runNetwork(net, x, t, { train: true })];
      const end = events.pop();
      loss = end?.kind === 'done' && end.loss !== null ? end.loss : NaN;
    } else if (fast) {
      loss = fast.step(data.xTrain, data.tTrain, rows);
    } else {
      const { x, t } = minibatch();
      loss = net.objective(x, t, true);
      net.backward();
    }
    if (!Number.isFinite(loss) || !params.every((p) => p.grad !== null && allFinite(p.grad.data))) {
      // Rerun the step with every tensor kept to find where it began (dropout draws afresh).
      let rerun = events;
      if (!rerun) {
        const { x, t } = minibatch();
        rerun = [...runNetwork(net, x, t, { train: true })].filter((e) => e.kind !== 'done');
      }
      const at = firstNonFinite(rerun);
      if (at) {
        yield { kind: 'nonFinite', iteration, at, events: rerun };
        yield done(iteration - 1, 'nonFinite');
        return;
      }
    }
    yield { kind: 'step', iteration, loss, events };
    if (fast && !events) opts.optimizer.updateInPlace(params);
    else opts.optimizer.update(params);
    if (iteration % every === 0 || iteration === opts.iterations) {
      last = {
        kind: 'eval',
        iteration,
        epoch: (iteration * opts.batch) / n,
        loss,
        trainAcc: classes ? evaluate(data.xTrain, data.tTrain) : null,
        testAcc: test && evaluate(test.x, test.t),
      };
      yield last;
    }
  }
  yield done(opts.iterations, 'finished');
}

/** True when no element is NaN or ±Infinity. */
function allFinite(data: Float64Array): boolean {
  // x − x is NaN exactly for NaN and ±Infinity, so one sum tests them all.
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i] - data[i];
  return sum === 0;
}

/** The first non-finite value of `data`, or null. */
function nonFiniteValue(data: Float64Array): NonFinite['value'] | null {
  if (allFinite(data)) return null;
  for (const v of data) if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return null;
}

/**
 * Where a NaN or ±Infinity first shows in one step's events: forward layer by layer (params, then
 * activation), then the loss, then backward from the last layer (param gradients, then dx).
 */
export function firstNonFinite(events: readonly RunEvent[]): NonFinite | null {
  const lossIndex = events.filter((e) => e.kind === 'forward').length;
  for (const e of events) {
    const tensors: [string, Float64Array][] =
      e.kind === 'forward'
        ? [...e.params.map((p): [string, Float64Array] => [p.name, p.value.data]), ['activation', e.output.data]]
        : e.kind === 'loss'
          ? [['loss', Float64Array.of(e.value)]]
          : e.kind === 'backward'
            ? [...e.grads.map((g): [string, Float64Array] => [`d${g.name}`, g.grad.data]), ['dx', e.dx.data]]
            : [];
    for (const [tensor, data] of tensors) {
      const value = nonFiniteValue(data);
      if (value && e.kind !== 'check' && e.kind !== 'done') return { index: e.kind === 'loss' ? lossIndex : e.index, layer: e.name, tensor, value };
    }
  }
  return null;
}

/** Rows `rows` of `t` (any rank; axis 0 is the row), in that order. */
export function gatherRows(t: Tensor, rows: Int32Array): Tensor {
  const width = t.shape.length === 0 ? 1 : t.data.length / t.shape[0];
  const out = tensor([rows.length, ...t.shape.slice(1)]);
  for (let k = 0; k < rows.length; k++) out.data.set(t.data.subarray(rows[k] * width, (rows[k] + 1) * width), k * width);
  return out;
}
