// A sequential network: layers in order, then an optional loss, as the book's TwoLayerNet, with the
// weight decay of its MultiLayerNetExtend: loss + ½λΣ‖W‖² over every affine layer's W, dW + λW.
import type { Layer, LossLayer, Param } from './layer';
import { filled } from './ops';
import { tensor, type Tensor } from './tensor';

/** W of an affine layer (the weights weight decay reaches), or null for other layers. */
function decayedWeights(layer: Layer): Param | null {
  return layer.type === 'affine' ? layer.params[0] : null;
}

/** out[i] = grad[i] + λ·w[i]: the decayed gradient (out may be grad itself). */
export function addWeightDecay(grad: Float64Array, w: Float64Array, lambda: number, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = grad[i] + lambda * w[i];
}

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
    /** Weight decay λ; 0 for none. */
    readonly weightDecay = 0,
  ) {
    if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) throw new RangeError(`weight decay must be a non-negative number, got ${weightDecay}`);
    if (weightDecay !== 0 && !loss) throw new Error('weight decay needs a loss layer: it is part of the loss');
  }

  /** ½λΣ‖W‖² over the affine layers' current W, layer by layer (0 without weight decay). */
  penalty(): number {
    const lambda = this.weightDecay;
    if (lambda === 0) return 0;
    let sum = 0;
    for (const layer of this.layers) {
      const W = decayedWeights(layer);
      if (!W) continue;
      let squares = 0;
      for (const w of W.value.data) squares += w * w;
      sum += 0.5 * lambda * squares;
    }
    return sum;
  }

  /** `loss` plus the weight penalty: the loss the network reports and differentiates. */
  withPenalty(loss: number): number {
    return this.weightDecay === 0 ? loss : loss + this.penalty();
  }

  /** After `layer`'s backward: replaces its W gradient by dW + λW, a new tensor (none without weight decay). */
  decayGradient(layer: Layer): void {
    const W = decayedWeights(layer);
    if (this.weightDecay === 0 || !W?.grad) return;
    const out = tensor(W.grad.shape);
    addWeightDecay(W.grad.data, W.value.data, this.weightDecay, out.data);
    W.grad = out;
  }

  /** The network output for `x` (before the loss). */
  predict(x: Tensor, train: boolean): Tensor {
    for (const layer of this.layers) x = layer.forward(x, train);
    return x;
  }

  /**
   * The scalar that backward differentiates: the loss of `x` against `t` plus the weight penalty,
   * or, without a loss, the sum of all outputs (so that backward starts from dout = ones).
   */
  objective(x: Tensor, t: Tensor | null, train: boolean): number {
    const y = this.predict(x, train);
    this.outShape = y.shape;
    if (this.loss) {
      if (!t) throw new Error(`${this.loss.name} needs targets, but none were given`);
      return this.withPenalty(this.loss.forward(y, t));
    }
    let sum = 0;
    for (let i = 0; i < y.data.length; i++) sum += y.data[i];
    return sum;
  }

  /** Backpropagates the last objective: sets every param's grad and returns dx. */
  backward(): Tensor {
    if (!this.outShape) throw new Error('backward before objective');
    let dout = this.loss ? this.loss.backward(1) : filled(this.outShape, 1);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      dout = this.layers[i].backward(dout);
      this.decayGradient(this.layers[i]);
    }
    return dout;
  }
}
