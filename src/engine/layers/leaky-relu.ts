// Leaky ReLU: out = x where x > 0, else alpha·x. Backward: dx = dout where x > 0, else alpha·dout.
import type { Layer, Param } from '../layer';
import { tensor, type Tensor } from '../tensor';
import { reluMasks } from './relu';
import { requireKept } from './require-kept';

export function leakyRelu(x: number, alpha: number): number {
  return reluMasks(x) ? alpha * x : x;
}

/** dx = alpha·dout where the input was masked, else dout. */
export function leakyReluDx(masked: boolean, dout: number, alpha: number): number {
  return masked ? alpha * dout : dout;
}

/** ReLU with a negative slope `alpha`; masks exactly the entries with x <= 0, like Relu. */
export class LeakyRelu implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'leaky-relu' as const;
  readonly params: readonly Param[] = [];
  /** 1 where the last forward's x <= 0 (slope alpha), else 0. */
  mask: Tensor | null = null;

  /** A leaky ReLU with slope `alpha` for x <= 0. */
  constructor(
    readonly name: string,
    /** Slope for x <= 0. */
    readonly alpha: number,
  ) {}

  kept(): Readonly<Record<string, Tensor>> {
    return this.mask ? { mask: this.mask } : {};
  }

  forward(x: Tensor): Tensor {
    const mask = new Float64Array(x.data.length);
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < out.length; i++) {
      if (reluMasks(x.data[i])) mask[i] = 1;
      out[i] = leakyRelu(x.data[i], this.alpha);
    }
    this.mask = tensor(x.shape, mask);
    return tensor(x.shape, out);
  }

  forwardColumn(col: Float64Array): void {
    for (let r = 0; r < col.length; r++) col[r] = leakyRelu(col[r], this.alpha);
  }

  backward(dout: Tensor): Tensor {
    const mask = requireKept(this.mask, this.name, dout).data;
    const dx = new Float64Array(dout.data.length);
    for (let i = 0; i < dx.length; i++) dx[i] = leakyReluDx(mask[i] !== 0, dout.data[i], this.alpha);
    return tensor(dout.shape, dx);
  }
}
