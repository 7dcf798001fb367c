// A sequential network: layers in order, then an optional loss, as the book's TwoLayerNet.
import type { Layer, LossLayer } from './layer';
import { filled } from './ops';
import type { Tensor } from './tensor';

/** Layers applied in order, then an optional loss layer. */
export class Sequential {
  /** Shape of the last objective's network output, which seeds backward when there is no loss. */
  private outShape: readonly number[] | null = null;

  /** A network of `layers` and `loss` (null for forward-only networks). */
  constructor(
    /** The layers, first to last. */
    readonly layers: readonly Layer[],
    /** The loss layer, or null. */
    readonly loss: LossLayer | null,
  ) {}

  /** The network output for `x` (before the loss). */
  predict(x: Tensor, train: boolean): Tensor {
    for (const layer of this.layers) x = layer.forward(x, train);
    return x;
  }

  /**
   * The scalar that backward differentiates: the loss of `x` against `t`, or, without a loss,
   * the sum of all outputs (so that backward starts from dout = ones).
   */
  objective(x: Tensor, t: Tensor | null, train: boolean): number {
    const y = this.predict(x, train);
    this.outShape = y.shape;
    if (this.loss) {
      if (!t) throw new Error(`${this.loss.name} needs targets, but none were given`);
      return this.loss.forward(y, t);
    }
    let sum = 0;
    for (let i = 0; i < y.data.length; i++) sum += y.data[i];
    return sum;
  }

  /** Backpropagates the last objective: sets every param's grad and returns dx. */
  backward(): Tensor {
    if (!this.outShape) throw new Error('backward before objective');
    let dout = this.loss ? this.loss.backward(1) : filled(this.outShape, 1);
    for (let i = this.layers.length - 1; i >= 0; i--) dout = this.layers[i].backward(dout);
    return dout;
  }
}
