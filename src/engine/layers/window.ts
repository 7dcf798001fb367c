// Sliding windows over [N, C, H, W] images, shared by Convolution and Pooling: the output size and
// the book's im2col / col2im (common/util.py) for one sample at a time, so that no layer holds the
// whole batch's column matrix (for 8,000 digits and 5×5 filters that would be about 0.9 GB).

/** A window's height and width, its stride and the zero padding on every side. */
export interface Window {
  readonly fh: number;
  readonly fw: number;
  readonly stride: number;
  readonly pad: number;
}

/** The sizes of an input image and of the window positions over it. */
export interface Grid {
  readonly c: number;
  readonly h: number;
  readonly w: number;
  /** Output height (H + 2·pad − FH) / stride + 1. */
  readonly oh: number;
  /** Output width (W + 2·pad − FW) / stride + 1. */
  readonly ow: number;
}

/** Positions of a window of `size` over `length` with `pad` on each side: (length + 2·pad − size) / stride + 1, maybe not an integer. */
export function windowPositions(length: number, size: number, stride: number, pad: number): number {
  return (length + 2 * pad - size) / stride + 1;
}

/** The grid of `win` over an input of shape [N, C, H, W]; throws unless both output sizes are positive integers. */
export function gridOf(layer: string, shape: readonly number[], win: Window): Grid {
  if (shape.length !== 4) throw new RangeError(`${layer} expects input [N, C, H, W], got shape [${shape.join(', ')}]`);
  const [, c, h, w] = shape;
  const oh = windowPositions(h, win.fh, win.stride, win.pad);
  const ow = windowPositions(w, win.fw, win.stride, win.pad);
  if (!(Number.isInteger(oh) && oh > 0 && Number.isInteger(ow) && ow > 0)) {
    throw new RangeError(`${layer}: a ${win.fh}×${win.fw} window with stride ${win.stride} and pad ${win.pad} does not tile ${h}×${w} (output ${oh}×${ow})`);
  }
  return { c, h, w, oh, ow };
}

/**
 * Sample n of `x` as the book's im2col lays it out: one row per window position (oh, ow), one
 * column per (c, i, j), padding read as 0. Writes `col` [OH·OW, C·FH·FW].
 */
export function im2col(x: Float64Array, n: number, g: Grid, win: Window, col: Float64Array): void {
  const { c: C, h: H, w: W, oh: OH, ow: OW } = g;
  const { fh: FH, fw: FW, stride, pad } = win;
  const k = C * FH * FW;
  const base = n * C * H * W;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      let at = (oy * OW + ox) * k;
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < FH; i++) {
          const y = oy * stride + i - pad;
          const row = base + (c * H + y) * W;
          for (let j = 0; j < FW; j++) {
            const xx = ox * stride + j - pad;
            col[at++] = y >= 0 && y < H && xx >= 0 && xx < W ? x[row + xx] : 0;
          }
        }
      }
    }
  }
}

/**
 * Adds the column gradient `dcol` [OH·OW, C·FH·FW] of sample n into `dx` (the book's col2im): a
 * pixel covered by several windows gets their sum, in the book's order (window offset (i, j)
 * outermost); entries in the padding are dropped.
 */
export function col2im(dcol: Float64Array, n: number, g: Grid, win: Window, dx: Float64Array): void {
  const { c: C, h: H, w: W, oh: OH, ow: OW } = g;
  const { fh: FH, fw: FW, stride, pad } = win;
  const k = C * FH * FW;
  const base = n * C * H * W;
  for (let i = 0; i < FH; i++) {
    for (let j = 0; j < FW; j++) {
      for (let c = 0; c < C; c++) {
        const column = (c * FH + i) * FW + j;
        for (let oy = 0; oy < OH; oy++) {
          const y = oy * stride + i - pad;
          if (y < 0 || y >= H) continue;
          const row = base + (c * H + y) * W;
          for (let ox = 0; ox < OW; ox++) {
            const xx = ox * stride + j - pad;
            if (xx >= 0 && xx < W) dx[row + xx] += dcol[(oy * OW + ox) * k + column];
          }
        }
      }
    }
  }
}
