// ReLU: out = x where x > 0, else 0. Backward: dx = dout where x > 0, else 0.
import type { Layer, Param } from '../layer';
import { tensor, type Tensor } from '../tensor';
import { requireKept } from './require-kept';

/** Whether ReLU masks x: exactly when x <= 0, so 0 and −0 are masked and NaN is not. */
export function reluMasks(x: number): boolean {
  return x <= 0;
}

export function relu(x: number): number {
  return reluMasks(x) ? 0 : x;
}

/** dx = 0 where the input was masked, else dout. */
export function reluDx(masked: boolean, dout: number): number {
  return masked ? 0 : dout;
}

/** Rectified linear unit, keeping the mask of the entries it zeroes. */
export class Relu implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'relu' as const;
  readonly params: readonly Param[] = [];
  /** 1 where the last forward's x <= 0, else 0. */
  mask: Tensor | null = null;

  /** A ReLU layer. */
  constructor(
    readonly name: string,
  ) {}

  kept(): Readonly<Record<string, Tensor>> {
    return this.mask ? { mask: this.mask } : {};
  }

  forward(x: Tensor): Tensor {
    const mask = new Float64Array(x.data.length);
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < out.length; i++) {
      if (reluMasks(x.data[i])) mask[i] = 1;
      out[i] = relu(x.data[i]);
    }
    this.mask = tensor(x.shape, mask);
    return tensor(x.shape, out);
  }

  forwardColumn(col: Float64Array): void {
    for (let r = 0; r < col.length; r++) col[r] = relu(col[r]);
  }

  backward(dout: Tensor): Tensor {
    const mask = requireKept(this.mask, this.name, dout);
    const dx = new Float64Array(dout.data.length);
    for (let i = 0; i < dx.length; i++) dx[i] = reluDx(mask.data[i] !== 0, dout.data[i]);
    return tensor(dout.shape, dx);
  }
}
