// The layer contract, after the book's layers.py: forward(x) keeps what backward needs; backward(dout)
// returns dx and sets parameter gradients. Unlike the book, backward never writes into `dout` or into
// any tensor it returned before: a gradient streamed to a viewer must never change after it is sent.
import type { Tensor } from './tensor';

/** Every layer type the engine knows, as spelled in specs; `custom` is a user-written layer (layers/custom.ts). */
export type LayerType = 'affine' | 'convolution' | 'pooling' | 'relu' | 'sigmoid' | 'tanh' | 'leaky-relu' | 'dropout' | 'batchnorm' | 'custom';

/** Every loss the engine knows, as spelled in specs. */
export type LossType = 'softmax-with-loss' | 'mse';

/** Names of the built-in layers' trainable parameters. */
export type ParamName = 'W' | 'b' | 'gamma' | 'beta';

/** A trainable parameter and its gradient from the last backward. */
export interface Param {
  /** Which parameter: W, b, gamma, beta, or a custom layer's own name for it. */
  readonly name: string;
  /** Current value; replaced (not written into) by optimizers. */
  value: Tensor;
  /** Gradient from the last backward, or null before any backward. */
  grad: Tensor | null;
}

/** A differentiable layer of a sequential network. */
export interface Layer {
  /** Display name, such as Affine1 or the spec's own name. */
  readonly name: string;
  /** Type as spelled in specs. */
  readonly type: LayerType;
  /** Trainable parameters in a fixed order (W before b, gamma before beta). */
  readonly params: readonly Param[];
  /** What forward kept for backward: `x`, `mask` (1 = masked; Pooling's: 1 = its window's maximum) or `out`, by name. */
  kept(): Readonly<Record<string, Tensor>>;
  /**
   * Present on layers with randomness or running state (Dropout, BatchNorm). While true, forward
   * reuses the last Dropout mask and leaves BatchNorm running statistics alone, so that repeated
   * passes compute one fixed function, as a gradient check needs.
   */
  frozen?: boolean;
  /** Computes the output; `train` selects training behaviour (Dropout masks, BatchNorm batch stats). */
  forward(x: Tensor, train: boolean): Tensor;
  /**
   * Present on layers whose output column j depends only on input column j (elementwise layers,
   * BatchNorm): replaces `col`, column j of an input [col.length, width], by that column of the
   * output, with forward's exact arithmetic and the last forward's state (Dropout's mask), changing
   * no state. The gradient check uses it to recompute one column instead of the whole layer.
   * BatchNorm's holds for 2-D input only (on [N, C, H, W] it normalises per channel).
   */
  forwardColumn?(col: Float64Array, j: number, width: number, train: boolean): void;
  /** Returns dx for the upstream gradient `dout`, and sets each param's `grad`. */
  backward(dout: Tensor): Tensor;
}

/** A loss layer: the last step of a network, turning scores and targets into one number. */
export interface LossLayer {
  /** Display name, such as SoftmaxWithLoss. */
  readonly name: string;
  /** Type as spelled in specs. */
  readonly type: LossType;
  /** What forward kept: `y` (its prediction) and `t` (targets as given). */
  kept(): Readonly<Record<string, Tensor>>;
  /** Loss of scores `x` against `t`: integer labels of shape [N], or targets shaped like `x`. */
  forward(x: Tensor, t: Tensor): number;
  /** dL/dx scaled by `dout` (1 by default). */
  backward(dout?: number): Tensor;
}
