// Argmax accuracy of scores against labels or one-hot rows, shared by the plain evaluation and the
// fast step's chunked one, so both count rows the same way.
import type { LossType } from './layer';
import { tensor, type Tensor } from './tensor';

/**
 * Fraction of rows of scores `y` [N, C] whose argmax (the first, on ties) is the target: label t[i]
 * for labels [N], or the argmax of row i for one-hot rows [N, C].
 */
export function accuracy(y: Tensor, t: Tensor): number {
  const [n, c] = y.shape;
  return correctRows(y.data, n, c, t, 0) / n;
}

/**
 * accuracy(predict(x), t), predicting `rows` rows of x at a time so that no layer holds the
 * activations of every row (a convolution's, over 8,000 digits, would take gigabytes). Rows are
 * independent in evaluation mode, so the count is the same as in one pass.
 */
export function chunkedAccuracy(predict: (x: Tensor) => Tensor, x: Tensor, t: Tensor, rows: number): number {
  const n = x.shape[0];
  const width = x.data.length / n;
  let correct = 0;
  for (let from = 0; from < n; from += rows) {
    const m = Math.min(rows, n - from);
    const y = predict(tensor([m, ...x.shape.slice(1)], x.data.subarray(from * width, (from + m) * width)));
    correct += correctRows(y.data, m, y.shape[1], t, from);
  }
  return correct / n;
}

/** How many of the `rows` rows of scores y [rows, C] match, as accuracy counts them, the targets of rows from, from + 1, … of t. */
export function correctRows(y: Float64Array, rows: number, c: number, t: Tensor, from: number): number {
  const argmax = (data: Float64Array, row: number): number => {
    let best = 0;
    for (let j = 1; j < c; j++) if (data[row * c + j] > data[row * c + best]) best = j;
    return best;
  };
  const oneHot = t.shape.length === 2;
  let correct = 0;
  for (let i = 0; i < rows; i++) if (argmax(y, i) === (oneHot ? argmax(t.data, from + i) : t.data[from + i])) correct++;
  return correct;
}

/**
 * True when argmax accuracy means something for targets `t` of a `loss`: class labels [N], or rows
 * [N, C ≥ 2] of classes (softmax-with-loss reads any rows as class distributions, mse only one-hot
 * rows). A regression (mse on continuous targets) has none: the argmax of a single output column is
 * always 0, and would score 100% whatever the loss.
 */
export function measuresAccuracy(loss: LossType, t: Tensor): boolean {
  if (t.shape.length === 1) return true;
  if (t.shape.length !== 2 || t.shape[1] < 2) return false;
  if (loss === 'softmax-with-loss') return true;
  const [n, c] = t.shape;
  for (let i = 0; i < n; i++) {
    let ones = 0;
    for (let j = 0; j < c; j++) {
      const v = t.data[i * c + j];
      if (v === 1) ones++;
      else if (v !== 0) return false;
    }
    if (ones !== 1) return false;
  }
  return true;
}
