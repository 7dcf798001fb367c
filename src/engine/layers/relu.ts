// ReLU: out = x where x > 0, else 0. Backward: dx = dout where x > 0, else 0.
import type { Layer, Param } from '../layer';
import { tensor, type Tensor } from '../tensor';
import { requireKept } from './require-kept';

/** Rectified linear unit; masks exactly the entries with x <= 0 (so 0 and −0 are masked, NaN is not). */
export class Relu implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'relu' as const;
  /** No parameters. */
  readonly params: readonly Param[] = [];
  /** 1 where the last forward's x <= 0, else 0. */
  mask: Tensor | null = null;

  /** A ReLU layer. */
  constructor(
    /** Display name. */
    readonly name: string,
  ) {}

  kept(): Readonly<Record<string, Tensor>> {
    return this.mask ? { mask: this.mask } : {};
  }

  forward(x: Tensor): Tensor {
    const mask = new Float64Array(x.data.length);
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < out.length; i++) {
      const v = x.data[i];
      if (v <= 0) mask[i] = 1;
      else out[i] = v;
    }
    this.mask = tensor(x.shape, mask);
    return tensor(x.shape, out);
  }

  forwardColumn(col: Float64Array): void {
    for (let r = 0; r < col.length; r++) if (col[r] <= 0) col[r] = 0;
  }

  backward(dout: Tensor): Tensor {
    const mask = requireKept(this.mask, this.name, dout);
    const dx = new Float64Array(dout.data.length);
    for (let i = 0; i < dx.length; i++) if (mask.data[i] === 0) dx[i] = dout.data[i];
    return tensor(dout.shape, dx);
  }
}
