// The book's im2col / col2im (common/util.py) for one sample at a time, so that no layer holds the
// whole batch's column matrix (for 8,000 digits and 5×5 filters that would be about 0.9 GB).
import type { Grid, Window } from '../window';

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
