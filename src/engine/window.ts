// The geometry of a window sliding over [N, C, H, W] images, shared by Convolution, Pooling and
// shape inference: the window, and the output size (H + 2·pad − FH) / stride + 1 on each axis.

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
 * The window positions [first, last] along one axis whose window covers input index `at` (first >
 * last when none do): those p with p·stride − pad ≤ at ≤ p·stride − pad + size − 1, 0 ≤ p < positions.
 */
export function covering(at: number, size: number, stride: number, pad: number, positions: number): [number, number] {
  return [Math.max(0, Math.ceil((at + pad - size + 1) / stride)), Math.min(positions - 1, Math.floor((at + pad) / stride))];
}
