// Tanh: out = tanh(x). Backward: dx = dout·(1 − out²).
import type { Layer, Param } from '../layer';
import { tensor, type Tensor } from '../tensor';
import { requireKept } from './require-kept';

/** The hyperbolic tangent, elementwise. */
export class Tanh implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'tanh' as const;
  /** No parameters. */
  readonly params: readonly Param[] = [];
  /** Output of the last forward. */
  out: Tensor | null = null;

  /** A tanh layer. */
  constructor(
    /** Display name. */
    readonly name: string,
  ) {}

  kept(): Readonly<Record<string, Tensor>> {
    return this.out ? { out: this.out } : {};
  }

  forward(x: Tensor): Tensor {
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.tanh(x.data[i]);
    this.out = tensor(x.shape, out);
    return this.out;
  }

  forwardColumn(col: Float64Array): void {
    for (let r = 0; r < col.length; r++) col[r] = Math.tanh(col[r]);
  }

  backward(dout: Tensor): Tensor {
    const out = requireKept(this.out, this.name, dout).data;
    const dx = new Float64Array(dout.data.length);
    for (let i = 0; i < dx.length; i++) dx[i] = dout.data[i] * (1 - out[i] * out[i]);
    return tensor(dout.shape, dx);
  }
}
