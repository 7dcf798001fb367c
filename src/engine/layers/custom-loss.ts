// A loss written by the user, as the book's SoftmaxWithLoss is: forward(x, t) returns the loss, a
// number, and backward(dout = 1) returns dx. The adapter times each call (beforeCall/afterCall, as a
// CustomLayer does), checks what comes back, and turns every failure into a CustomLayerError on the
// loss, whose index is the number of layers (the loss line follows them).
import type { LossLayer } from '../layer';
import type { Tensor } from '../tensor';
import { CustomLayerError, reason, type CustomCall } from './custom';
import { softmax } from './softmax-with-loss';

/** What the user's loss object offers the adapter, already copied out of the user's world. */
export interface UserLoss {
  /** The loss of `x` against `t`, or why it is not a number. */
  forward(x: Tensor, t: Tensor): number;
  /** dx for `dout`; its shape is checked here. */
  backward(dout: number): Tensor;
  /** The object behind it, when it lives in the Python bridge (see CustomLayer.suffixDifferences). */
  remote?: unknown;
}

export class CustomLoss implements LossLayer {
  /** Checked against losses' targets as the book's SoftmaxWithLoss is: labels or one-hot rows. */
  readonly type = 'softmax-with-loss' as const;
  private x: Tensor | null = null;
  private t: Tensor | null = null;

  constructor(
    readonly name: string,
    /** The loss's index: the number of layers. */
    private readonly index: number,
    private readonly user: UserLoss,
    private readonly beforeCall: (call: CustomCall) => void = () => {},
    private readonly afterCall: () => void = () => {},
  ) {}

  /** The prediction y shown beside the loss: softmax of the scores, as the loss is checked as softmax-with-loss. */
  /** The user's object in the Python bridge, if it lives there. */
  remote(): unknown {
    return this.user.remote;
  }

  kept(): Readonly<Record<string, Tensor>> {
    if (!this.x || !this.t) return {};
    const c = this.x.shape[this.x.shape.length - 1];
    const y = new Float64Array(this.x.data.length);
    softmax(this.x.data, y, c);
    return { y: { shape: this.x.shape, data: y }, t: this.t };
  }

  forward(x: Tensor, t: Tensor): number {
    const loss = this.timed('forward', () => this.user.forward(x, t));
    this.x = x;
    this.t = t;
    return loss;
  }

  backward(dout = 1): Tensor {
    if (!this.x) throw new Error(`${this.name}: backward before forward`);
    const dx = this.timed('backward', () => this.user.backward(dout));
    const want = this.x.shape;
    if (dx.shape.length !== want.length || dx.shape.some((d, i) => d !== want[i])) {
      throw new CustomLayerError(`${this.name}.backward returned dx of shape [${dx.shape.join(', ')}]; its input x had shape [${want.join(', ')}]`, this.index);
    }
    return dx;
  }

  private timed<T>(call: CustomCall, body: () => T): T {
    this.beforeCall(call);
    try {
      return body();
    } catch (e) {
      throw new CustomLayerError(`${this.name}.${call} threw: ${reason(e)}`, this.index);
    } finally {
      this.afterCall();
    }
  }
}
