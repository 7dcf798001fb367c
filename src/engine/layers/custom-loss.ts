// A loss written by the user, as the book's SoftmaxWithLoss is: forward(x, t) returns the loss, a
// number, and backward(dout = 1) returns dx. The adapter times each call (beforeCall/afterCall, as a
// CustomLayer does), checks what comes back, and turns every failure into a CustomLayerError on the
// loss, whose index is the number of layers (the loss line follows them).
import type { LossLayer } from '../layer';
import { engineMessage, type EngineText } from '../messages';
import type { Tensor } from '../tensor';
import { CustomLayerError, changedCount, reason, type CustomCall } from './custom';
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
  /** The copies of x and t the last forward handed the user's code, which its backward may write into too. */
  private handed: { x: Tensor; t: Tensor } | null = null;
  /** The writes into inputs already warned about, as 'method x'. */
  private readonly warned = new Set<string>();

  constructor(
    readonly name: string,
    /** The loss's index: the number of layers. */
    private readonly index: number,
    private readonly user: UserLoss,
    private readonly beforeCall: (call: CustomCall) => void = () => {},
    private readonly afterCall: () => void = () => {},
    /** Hears each write into x or t, once per method and input, as English text and as its message (`id`, `args`). */
    private readonly onWarning: (message: string, text: EngineText) => void = () => {},
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
    const handed = { x: { shape: x.shape, data: x.data.slice() }, t: { shape: t.shape, data: t.data.slice() } };
    const loss = this.timed('forward', () => this.user.forward(handed.x, handed.t));
    this.warnWrites('forward', handed, { x: x.data, t: t.data });
    this.x = x;
    this.t = t;
    this.handed = handed;
    return loss;
  }

  backward(dout = 1): Tensor {
    if (!this.x) throw new Error(`${this.name}: backward before forward`);
    const handed = this.handed!;
    const before = { x: handed.x.data.slice(), t: handed.t.data.slice() };
    const dx = this.timed('backward', () => this.user.backward(dout));
    this.warnWrites('backward', handed, before);
    const want = this.x.shape;
    if (dx.shape.length !== want.length || dx.shape.some((d, i) => d !== want[i])) {
      throw new CustomLayerError(engineMessage('engine.custom.dxShape', { layer: this.name, shape: `[${dx.shape.join(', ')}]`, inShape: `[${want.join(', ')}]` }), this.index);
    }
    return dx;
  }

  /** The code had copies, so the run stays right; a write into them (x -= x.max(...)) is said once. */
  private warnWrites(method: 'forward' | 'backward', handed: { x: Tensor; t: Tensor }, before: { x: Float64Array; t: Float64Array }): void {
    for (const what of ['x', 't'] as const) {
      const changed = changedCount(handed[what].data, before[what]);
      const key = `${method} ${what}`;
      if (changed === 0 || this.warned.has(key)) continue;
      this.warned.add(key);
      const args = { layer: this.name, method, name: what, count: String(changed) };
      const warning = changed === 1 ? engineMessage('engine.loss.changedInput.one', args) : engineMessage('engine.loss.changedInput.many', args);
      this.onWarning(warning.message, warning);
    }
  }

  private timed<T>(call: CustomCall, body: () => T): T {
    this.beforeCall(call);
    try {
      return body();
    } catch (e) {
      throw new CustomLayerError(engineMessage('engine.custom.threw', { layer: this.name, method: call, reason: reason(e) }), this.index);
    } finally {
      this.afterCall();
    }
  }
}
