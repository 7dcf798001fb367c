// Max pooling after the book's ch. 7 layer: each output is the largest value of its window, padding
// read as 0 as the book's im2col pads. Backward: each window's dout goes to the first maximum of
// the window in row-major order (the book's np.argmax), windows that overlap adding up.
import type { Layer, Param } from '../layer';
import { sizeOf, tensor, type Tensor } from '../tensor';
import { gridOf, type Grid, type Window } from '../window';

/** Max pooling of [N, C, H, W] inputs per channel, giving [N, C, OH, OW]. */
export class Pooling implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'pooling' as const;
  readonly params: readonly Param[] = [];
  /** Window size, stride and pad. */
  readonly window: Window;
  /** Per output, the row-major offset i·FW + j of its window's first maximum. */
  private argmax: Int32Array | null = null;
  /** Shape of the last forward's input, and its grid. */
  private input: { shape: readonly number[]; grid: Grid } | null = null;
  /** 1 where a window's maximum was, built from argmax when first asked for. */
  private mask: Tensor | null = null;

  /** A pooling layer with an FH×FW window, moved `stride` at a time over the input padded by `pad`. */
  constructor(
    readonly name: string,
    fh: number,
    fw: number,
    stride: number = fh,
    pad = 0,
  ) {
    this.window = { fh, fw, stride, pad };
  }

  kept(): Readonly<Record<string, Tensor>> {
    if (!this.argmax || !this.input) return {};
    if (!this.mask) {
      const mask = new Float64Array(sizeOf(this.input.shape));
      unpool(this.argmax, null, this.input.grid, this.window, mask);
      this.mask = tensor(this.input.shape, mask);
    }
    return { mask: this.mask };
  }

  forward(x: Tensor): Tensor {
    const grid = gridOf(this.name, x.shape, this.window);
    const { c: C, oh: OH, ow: OW } = grid;
    const out = new Float64Array(x.shape[0] * C * OH * OW);
    const argmax = new Int32Array(out.length);
    maxPool(x.data, x.shape[0] * C, grid, this.window, out, argmax);
    this.argmax = argmax;
    this.input = { shape: x.shape, grid };
    this.mask = null;
    return tensor([x.shape[0], C, OH, OW], out);
  }

  /** Output o of the last forward's geometry over `x`, with x[at] read as `value` instead (the gradient check's one-pixel change). */
  outputWith(x: Tensor, o: number, at: number, value: number): number {
    if (!this.input) throw new Error(`${this.name}: outputWith before forward`);
    const { grid } = this.input;
    return this.read(x.data, grid, o, this.firstMax(x.data, grid, o, at, value), at, value);
  }

  /**
   * The offset i·FW + j of the first maximum of output o's window, padding read as 0 and x[at] as
   * `value` (at < 0: none).
   */
  private firstMax(x: Float64Array, grid: Grid, o: number, at: number, value: number): number {
    const { h: H, w: W, oh: OH, ow: OW } = grid;
    const { fh: FH, fw: FW, stride, pad } = this.window;
    const base = Math.floor(o / (OH * OW)) * H * W;
    const y0 = (Math.floor(o / OW) % OH) * stride - pad;
    const x0 = (o % OW) * stride - pad;
    let best = -Infinity;
    let offset = -1;
    for (let i = 0; i < FH; i++) {
      const y = y0 + i;
      for (let j = 0; j < FW; j++) {
        const xx = x0 + j;
        const p = base + y * W + xx;
        const v = y < 0 || y >= H || xx < 0 || xx >= W ? 0 : p === at ? value : x[p];
        if (offset < 0 || beats(v, best)) {
          best = v;
          offset = i * FW + j;
        }
      }
    }
    return offset;
  }

  /** The value at offset k = i·FW + j of output o's window: 0 in the padding, `value` at input position `at`. */
  private read(x: Float64Array, grid: Grid, o: number, k: number, at: number, value: number): number {
    const { h: H, w: W, oh: OH, ow: OW } = grid;
    const { fw: FW, stride, pad } = this.window;
    const plane = Math.floor(o / (OH * OW));
    const y = (Math.floor(o / OW) % OH) * stride + Math.floor(k / FW) - pad;
    const xx = (o % OW) * stride + (k % FW) - pad;
    if (y < 0 || y >= H || xx < 0 || xx >= W) return 0;
    const p = (plane * H + y) * W + xx;
    return p === at ? value : x[p];
  }

  backward(dout: Tensor): Tensor {
    if (!this.argmax || !this.input) throw new Error(`${this.name}: backward before forward`);
    const { shape, grid } = this.input;
    const expected = [shape[0], grid.c, grid.oh, grid.ow];
    if (dout.shape.length !== 4 || dout.shape.some((d, i) => d !== expected[i])) {
      throw new RangeError(`${this.name}: dout has shape [${dout.shape.join(', ')}], forward gave [${expected.join(', ')}]`);
    }
    const dx = new Float64Array(sizeOf(shape));
    unpool(this.argmax, dout.data, grid, this.window, dx);
    return tensor(shape, dx);
  }
}

/** Whether v displaces `best` as a window's maximum: strictly greater keeps the first maximum; a NaN wins and stays, as in np.argmax. */
function beats(v: number, best: number): boolean {
  return !Number.isNaN(best) && (v > best || Number.isNaN(v));
}

/**
 * Max pooling of the first `planes` planes [H, W] of x (samples × channels): out [planes, OH, OW]
 * gets each window's maximum, padding read as 0, and argmax the row-major offset i·FW + j of its
 * first maximum.
 */
export function maxPool(x: Float64Array, planes: number, grid: Grid, win: Window, out: Float64Array, argmax: Int32Array): void {
  const { h: H, w: W, oh: OH, ow: OW } = grid;
  const { fh: FH, fw: FW, stride, pad } = win;
  for (let plane = 0, o = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++, o++) {
        let best = -Infinity;
        let offset = -1;
        for (let i = 0; i < FH; i++) {
          const y = oy * stride + i - pad;
          for (let j = 0; j < FW; j++) {
            const xx = ox * stride + j - pad;
            const v = y < 0 || y >= H || xx < 0 || xx >= W ? 0 : x[base + y * W + xx];
            if (offset < 0 || beats(v, best)) {
              best = v;
              offset = i * FW + j;
            }
          }
        }
        out[o] = best;
        argmax[o] = offset;
      }
    }
  }
}

/**
 * Pooling's backward: adds dout[o] (1 when dout is null: the mask, written, not added) into dx at
 * each output o's window winner, skipping winners in the padding. Offsets go outermost, as the
 * book's col2im adds, so overlapping windows add in its order.
 */
export function unpool(argmax: Int32Array, dout: Float64Array | null, grid: Grid, win: Window, dx: Float64Array): void {
  const { h: H, w: W, oh: OH, ow: OW } = grid;
  const { fh: FH, fw: FW, stride, pad } = win;
  const planes = argmax.length / (OH * OW);
  if (stride >= FH && stride >= FW) {
    // Windows that do not overlap send each input at most one dout: one pass over the outputs adds the same.
    for (let plane = 0, o = 0; plane < planes; plane++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++, o++) {
          const y = oy * stride + Math.floor(argmax[o] / FW) - pad;
          const xx = ox * stride + (argmax[o] % FW) - pad;
          if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
          const at = (plane * H + y) * W + xx;
          if (dout) dx[at] += dout[o];
          else dx[at] = 1;
        }
      }
    }
    return;
  }
  for (let i = 0; i < FH; i++) {
    for (let j = 0; j < FW; j++) {
      const offset = i * FW + j;
      for (let plane = 0, o = 0; plane < planes; plane++) {
        for (let oy = 0; oy < OH; oy++) {
          const y = oy * stride + i - pad;
          for (let ox = 0; ox < OW; ox++, o++) {
            if (argmax[o] !== offset) continue;
            const xx = ox * stride + j - pad;
            if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
            const at = (plane * H + y) * W + xx;
            if (dout) dx[at] += dout[o];
            else dx[at] = 1;
          }
        }
      }
    }
  }
}
