// Dropout with the book's ch. 6 convention (not inverted dropout): training multiplies x by a random
// 0/1 keep mask and scales nothing; evaluation multiplies every x by (1 − ratio), the expected keep.
// Backward: dx = dout·keep in training, dout·(1 − ratio) in evaluation.
import type { Layer, Param } from '../layer';
import type { Rng } from '../rng';
import { tensor, type Tensor } from '../tensor';
import { requireKept } from './require-kept';

/** Drops each input with probability `ratio` in training. */
export class Dropout implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'dropout' as const;
  readonly params: readonly Param[] = [];
  /** 1 where the last training forward dropped the input, else 0; null before one. */
  mask: Tensor | null = null;
  /** While true, training forwards reuse `mask` (when the shape matches) instead of drawing a new one. */
  frozen = false;
  /** Mode of the last forward, which backward follows; null before any forward. */
  private mode: 'train' | 'eval' | null = null;

  /** A dropout layer drawing its masks from `rng`. */
  constructor(
    readonly name: string,
    /** Probability of dropping each input, in [0, 1). */
    readonly ratio: number,
    private readonly rng: Rng,
  ) {
    if (!(ratio >= 0 && ratio < 1)) throw new RangeError(`${name}: ratio must be in [0, 1), got ${ratio}`);
  }

  kept(): Readonly<Record<string, Tensor>> {
    return this.mode === 'train' && this.mask ? { mask: this.mask } : {};
  }

  forward(x: Tensor, train: boolean): Tensor {
    this.mode = train ? 'train' : 'eval';
    const out = new Float64Array(x.data.length);
    if (!train) {
      for (let i = 0; i < out.length; i++) out[i] = x.data[i] * (1.0 - this.ratio);
      return tensor(x.shape, out);
    }
    if (!(this.frozen && this.mask && sameShape(this.mask.shape, x.shape))) {
      // The book keeps an input when rand > ratio, so it drops when rand <= ratio; one draw per element.
      const mask = new Float64Array(x.data.length);
      for (let i = 0; i < mask.length; i++) if (this.rng.next() <= this.ratio) mask[i] = 1;
      this.mask = tensor(x.shape, mask);
    }
    const mask = this.mask.data;
    // x·keep as the book, so NaN and ±Inf stay visible (Inf·0 is NaN) rather than being zeroed.
    for (let i = 0; i < out.length; i++) out[i] = x.data[i] * (1 - mask[i]);
    return tensor(x.shape, out);
  }

  forwardColumn(col: Float64Array, j: number, width: number, train: boolean): void {
    if (!train) {
      for (let r = 0; r < col.length; r++) col[r] *= 1.0 - this.ratio;
      return;
    }
    if (!this.mask || this.mask.data.length !== col.length * width) {
      throw new Error(`${this.name}: no mask of ${col.length}×${width} from a training forward`);
    }
    const mask = this.mask.data;
    for (let r = 0; r < col.length; r++) col[r] *= 1 - mask[r * width + j];
  }

  backward(dout: Tensor): Tensor {
    if (this.mode === null) throw new Error(`${this.name}: backward before forward`);
    const dx = new Float64Array(dout.data.length);
    if (this.mode === 'eval') {
      for (let i = 0; i < dx.length; i++) dx[i] = dout.data[i] * (1.0 - this.ratio);
      return tensor(dout.shape, dx);
    }
    const mask = requireKept(this.mask, this.name, dout).data;
    for (let i = 0; i < dx.length; i++) dx[i] = dout.data[i] * (1 - mask[i]);
    return tensor(dout.shape, dx);
  }
}

/** Whether two shapes are equal. */
function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
