// The book's training loop (ch. 4/5 train_neuralnet.py) as a generator: each step draws a random
// minibatch (with replacement, as np.random.choice), runs forward and backward, and updates every
// param; every `evalEvery` steps it measures accuracy on the whole train and test sets. Pure: the
// caller times it, prints it, or stops pulling events to cancel.
import type { Sequential } from './network';
import type { Optimizer } from './optimizers';
import { Rng } from './rng';
import { tensor, type Tensor } from './tensor';

/** Training and test sets: inputs [N, ...] and targets as labels [N] or rows [N, C] (one-hot). */
export interface TrainData {
  /** Training inputs. */
  xTrain: Tensor;
  /** Training targets. */
  tTrain: Tensor;
  /** Test inputs. */
  xTest: Tensor;
  /** Test targets. */
  tTest: Tensor;
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
}

/** One evaluation, or the end of the run. */
export type TrainEvent =
  | {
      /** An evaluation after `iteration` updates. */
      kind: 'eval';
      /** Updates done so far. */
      iteration: number;
      /** Epochs done so far: iteration · batch / N (fractional). */
      epoch: number;
      /** Loss of the last update's minibatch (before that update). */
      loss: number;
      /** Accuracy on the whole training set. */
      trainAcc: number;
      /** Accuracy on the whole test set. */
      testAcc: number;
    }
  | {
      /** The run finished. */
      kind: 'done';
      /** Updates done. */
      iterations: number;
      /** Epochs done. */
      epoch: number;
      /** Loss of the last minibatch. */
      loss: number;
      /** Final training accuracy. */
      trainAcc: number;
      /** Final test accuracy. */
      testAcc: number;
    };

/** Trains `net` (which must have a loss) on `data`, yielding each evaluation and then a summary. */
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
  for (let iteration = 1; iteration <= opts.iterations; iteration++) {
    for (let k = 0; k < rows.length; k++) rows[k] = Math.floor(rng.next() * n);
    loss = net.objective(gatherRows(data.xTrain, rows), gatherRows(data.tTrain, rows), true);
    net.backward();
    opts.optimizer.update(params);
    if (iteration % every === 0 || iteration === opts.iterations) {
      last = {
        kind: 'eval',
        iteration,
        epoch: (iteration * opts.batch) / n,
        loss,
        trainAcc: accuracy(net.predict(data.xTrain, false), data.tTrain),
        testAcc: accuracy(net.predict(data.xTest, false), data.tTest),
      };
      yield last;
    }
  }
  yield { kind: 'done', iterations: opts.iterations, epoch: (opts.iterations * opts.batch) / n, loss, trainAcc: last?.trainAcc ?? NaN, testAcc: last?.testAcc ?? NaN };
}

/** Rows `rows` of `t` (any rank; axis 0 is the row), in that order. */
export function gatherRows(t: Tensor, rows: Int32Array): Tensor {
  const width = t.shape.length === 0 ? 1 : t.data.length / t.shape[0];
  const out = tensor([rows.length, ...t.shape.slice(1)]);
  for (let k = 0; k < rows.length; k++) out.data.set(t.data.subarray(rows[k] * width, (rows[k] + 1) * width), k * width);
  return out;
}

/**
 * Fraction of rows of scores `y` [N, C] whose argmax (the first, on ties) is the target: label t[i]
 * for labels [N], or the argmax of row i for one-hot rows [N, C].
 */
export function accuracy(y: Tensor, t: Tensor): number {
  const [n, c] = y.shape;
  const argmax = (data: Float64Array, row: number): number => {
    let best = 0;
    for (let j = 1; j < c; j++) if (data[row * c + j] > data[row * c + best]) best = j;
    return best;
  };
  const oneHot = t.shape.length === 2;
  let correct = 0;
  for (let i = 0; i < n; i++) if (argmax(y.data, i) === (oneHot ? argmax(t.data, i) : t.data[i])) correct++;
  return correct / n;
}
