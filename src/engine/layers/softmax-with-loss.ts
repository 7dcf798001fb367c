// Softmax followed by cross-entropy, as the book's SoftmaxWithLoss:
//   y = softmax(x) row by row (row max subtracted first, so exp never overflows),
//   loss = −Σ t·log(y + 1e-7) / N,
//   dx = (y − t)·dout / N.
// The 1e-7 guards log(0) in the loss only; dx is the exact gradient of −Σ t·log(y) / N (as in the
// book), which differs from the guarded loss's gradient by at most 1e-7 / (N·y) for the true class.
// dx is right for one-hot or soft targets whose rows sum to 1.
import type { LossLayer } from '../layer';
import { tensor, type Tensor } from '../tensor';
import { denseTargets, lossGradient } from './targets';

/** y = softmax of each row of c scores in x, over y's length. */
export function softmax(x: Float64Array, y: Float64Array, c: number): void {
  for (let r = 0; r < y.length; r += c) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, x[r + j]);
    let sum = 0;
    for (let j = 0; j < c; j++) {
      y[r + j] = Math.exp(x[r + j] - max);
      sum += y[r + j];
    }
    for (let j = 0; j < c; j++) y[r + j] /= sum;
  }
}

/**
 * −Σ t·log(y + 1e-7) / n over a softmax y. A term with t = 0 is ±0 (y is in [0, 1], so the log
 * is finite) unless y is NaN, and adding ±0 leaves the sum as it is: so only the other terms are
 * taken, one log per row for one-hot targets.
 */
export function crossEntropy(y: Float64Array, t: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) if (t[i] !== 0 || Number.isNaN(y[i])) sum += t[i] * Math.log(y[i] + 1e-7);
  return -sum / n;
}

/** Softmax and cross-entropy error for scores [N, C]. */
export class SoftmaxWithLoss implements LossLayer {
  /** Type as spelled in specs. */
  readonly type = 'softmax-with-loss' as const;
  /** Softmax output of the last forward, [N, C]. */
  private y: Tensor | null = null;
  /** Targets of the last forward, as given. */
  private t: Tensor | null = null;
  /** Targets of the last forward as dense rows shaped like y. */
  private tDense: Float64Array | null = null;

  /** A softmax-with-loss layer. */
  constructor(
    readonly name = 'SoftmaxWithLoss',
  ) {}

  kept(): Readonly<Record<string, Tensor>> {
    return this.y && this.t ? { y: this.y, t: this.t } : {};
  }

  forward(x: Tensor, t: Tensor): number {
    if (x.shape.length !== 2) throw new RangeError(`${this.name} expects scores [N, C], got shape [${x.shape.join(', ')}]`);
    const [n, c] = x.shape;
    if (n === 0 || c === 0) throw new RangeError(`${this.name} needs at least one row and one class, got [${n}, ${c}]`);
    const tDense = denseTargets(this.name, x, t);
    const y = new Float64Array(n * c);
    softmax(x.data, y, c);
    this.y = tensor([n, c], y);
    this.t = t;
    this.tDense = tDense;
    return crossEntropy(y, tDense, n);
  }

  backward(dout = 1): Tensor {
    if (!this.y || !this.tDense) throw new Error(`${this.name}: backward before forward`);
    const dx = new Float64Array(this.y.data.length);
    lossGradient(this.y.data, this.tDense, dout, this.y.shape[0], dx);
    return tensor(this.y.shape, dx);
  }
}
