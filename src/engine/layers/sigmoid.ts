// Sigmoid: out = 1 / (1 + exp(−x)). Backward: dx = dout·(1 − out)·out.
import type { Layer, Param } from '../layer';
import { tensor, type Tensor } from '../tensor';
import { requireKept } from './require-kept';

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** dx = dout·(1 − out)·out: the derivative read off the output. */
export function sigmoidDx(out: number, dout: number): number {
  return dout * (1.0 - out) * out;
}

/** The logistic function, elementwise. */
export class Sigmoid implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'sigmoid' as const;
  readonly params: readonly Param[] = [];
  /** Output of the last forward. */
  out: Tensor | null = null;

  /** A sigmoid layer. */
  constructor(
    readonly name: string,
  ) {}

  kept(): Readonly<Record<string, Tensor>> {
    return this.out ? { out: this.out } : {};
  }

  forward(x: Tensor): Tensor {
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = sigmoid(x.data[i]);
    this.out = tensor(x.shape, out);
    return this.out;
  }

  forwardColumn(col: Float64Array): void {
    for (let r = 0; r < col.length; r++) col[r] = sigmoid(col[r]);
  }

  backward(dout: Tensor): Tensor {
    const out = requireKept(this.out, this.name, dout).data;
    const dx = new Float64Array(dout.data.length);
    for (let i = 0; i < dx.length; i++) dx[i] = sigmoidDx(out[i], dout.data[i]);
    return tensor(dout.shape, dx);
  }
}
