// Tanh: out = tanh(x). Backward: dx = dout·(1 − out²).
import type { Layer, Param } from '../layer';
import { tensor, type Tensor } from '../tensor';
import { requireKept } from './require-kept';

export function tanh(x: number): number {
  return Math.tanh(x);
}

/** dx = dout·(1 − out²): the derivative read off the output. */
export function tanhDx(out: number, dout: number): number {
  return dout * (1 - out * out);
}

/** The hyperbolic tangent, elementwise. */
export class Tanh implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'tanh' as const;
  readonly params: readonly Param[] = [];
  /** Output of the last forward. */
  out: Tensor | null = null;

  /** A tanh layer. */
  constructor(
    readonly name: string,
  ) {}

  kept(): Readonly<Record<string, Tensor>> {
    return this.out ? { out: this.out } : {};
  }

  forward(x: Tensor): Tensor {
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = tanh(x.data[i]);
    this.out = tensor(x.shape, out);
    return this.out;
  }

  forwardColumn(col: Float64Array): void {
    for (let r = 0; r < col.length; r++) col[r] = tanh(col[r]);
  }

  backward(dout: Tensor): Tensor {
    const out = requireKept(this.out, this.name, dout).data;
    const dx = new Float64Array(dout.data.length);
    for (let i = 0; i < dx.length; i++) dx[i] = tanhDx(out[i], dout.data[i]);
    return tensor(dout.shape, dx);
  }
}
