// Mean squared error over the batch. The book's mean_squared_error is 0.5·Σ(y − t)² over everything;
// here that sum is divided by the batch size N, like the cross-entropy, so the loss does not grow
// with N:  loss = 0.5·Σ(x − t)² / N,  dx = (x − t)·dout / N. The prediction y is x itself.
import type { LossLayer } from '../layer';
import { tensor, type Tensor } from '../tensor';
import { denseTargets, lossGradient } from './targets';

/** 0.5·Σ(y − t)² / n over y. */
export function mse(y: Float64Array, t: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i] - t[i];
    sum += d * d;
  }
  return (0.5 * sum) / n;
}

/** Half the sum of squared errors, divided by the batch size (the first axis). */
export class MSELoss implements LossLayer {
  /** Type as spelled in specs. */
  readonly type = 'mse' as const;
  /** Prediction (the input) of the last forward. */
  private y: Tensor | null = null;
  /** Targets of the last forward, as given. */
  private t: Tensor | null = null;
  /** Targets of the last forward as dense values shaped like y. */
  private tDense: Float64Array | null = null;

  /** A mean-squared-error loss. */
  constructor(
    readonly name = 'MSE',
  ) {}

  kept(): Readonly<Record<string, Tensor>> {
    return this.y && this.t ? { y: this.y, t: this.t } : {};
  }

  forward(x: Tensor, t: Tensor): number {
    if (x.shape.length === 0 || x.shape[0] === 0) throw new RangeError(`${this.name} expects a non-empty batch [N, ...], got shape [${x.shape.join(', ')}]`);
    const tDense = denseTargets(this.name, x, t);
    this.y = x;
    this.t = t;
    this.tDense = tDense;
    return mse(x.data, tDense, x.shape[0]);
  }

  backward(dout = 1): Tensor {
    if (!this.y || !this.tDense) throw new Error(`${this.name}: backward before forward`);
    const dx = new Float64Array(this.y.data.length);
    lossGradient(this.y.data, this.tDense, dout, this.y.shape[0], dx);
    return tensor(this.y.shape, dx);
  }
}
