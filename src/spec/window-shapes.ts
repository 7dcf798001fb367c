// Shape inference of the layers that slide a window over [N, C, H, W] images (convolution,
// pooling): the output size (H + 2·pad − FH) / stride + 1 on each axis must be a positive integer,
// and when it is not, the message gives the numbers and a pad or stride that would fit.
import { fmtCount } from '../format';
import type { ParamName } from '../engine/layer';
import { windowPositions } from '../engine/window';
import { sizeOf } from '../engine/tensor';
import type { DataSource, LayerSpec, NetworkSpec, Phrase, Range } from './model';
import { phrase, type PhraseArgs, type SpecMessageId } from './problem';
import { formatShape } from './suggest';

/** A window layer's shapes, an error on a range, or null when a weights file's shape is needed first. */
export type WindowShapes = { outShape: number[]; paramShapes: Record<string, number[]> } | { error: Phrase; range: Range } | null;

/** An explicit parameter's source and the shape known without reading files (null for a file). */
type Known = (p: ParamName) => { source: DataSource; shape: number[] | null } | undefined;

/** Shapes of convolution or pooling layer `index` of `spec` for input `inShape`. */
export function windowShapes(spec: NetworkSpec, index: number, inShape: number[], known: Known): WindowShapes {
  const layer = spec.layers[index];
  const at = layer.typeRange;
  const fail = (error: Phrase, range: Range = at) => ({ error, range });
  const failWith = (id: SpecMessageId, args: PhraseArgs, range: Range = at) => fail(phrase(id, args), range);
  if (inShape.length !== 4) {
    const args = { layer: layer.name, from: spec.layers[index - 1]?.name ?? phrase('spec.what.theInput'), shape: formatShape(inShape) };
    return failWith(index === 0 && spec.input.kind === 'dataset' ? 'spec.windowNeedsImagesMnist' : 'spec.windowNeedsImages', args);
  }
  const [n, c, h, w] = inShape;
  let size = layer.size;
  let filters = layer.filters;
  const paramShapes: Record<string, number[]> = {};
  if (layer.type === 'convolution') {
    const W = known('W');
    if (W?.shape) {
      if (W.shape.length !== 4) return failWith('spec.convW4d', { layer: layer.name, shape: formatShape(W.shape) }, W.source.range);
      const [fn, wc, fh, fw] = W.shape;
      if (wc !== c) return failWith(wc === 1 ? 'spec.convChannelsOne' : 'spec.convChannels', { layer: layer.name, channels: String(wc), shape: formatShape(W.shape), input: String(c) }, W.source.range);
      if (filters !== undefined && filters !== fn) return failWith('spec.convFiltersW', { layer: layer.name, filters: String(filters), w: String(fn) });
      if (size && (size[0] !== fh || size[1] !== fw)) return failWith('spec.convSizeW', { layer: layer.name, size: size.join('×'), w: `${fh}×${fw}` });
      [filters, size] = [fn, [fh, fw]];
    }
    if (filters === undefined || size === undefined) {
      return W ? null : failWith('spec.convNeedsFilters', { layer: layer.name });
    }
    const b = known('b');
    if (b?.shape && (b.shape.length !== 1 || b.shape[0] !== filters)) return failWith('spec.paramShape', { param: 'b', layer: layer.name, shape: formatShape(b.shape), expected: formatShape([filters]) }, b.source.range);
    paramShapes.W = [filters, c, size[0], size[1]];
    paramShapes.b = [filters];
  } else if (size === undefined) {
    return failWith('spec.poolingNeedsSize', { layer: layer.name });
  }
  const stride = layer.stride ?? (layer.type === 'pooling' ? size[0] : 1);
  const pad = layer.pad ?? 0;
  const misfit = tilingProblem(layer, [h, w], size, stride, pad);
  if (misfit) return fail(misfit);
  const outShape = [n, filters ?? c, windowPositions(h, size[0], stride, pad), windowPositions(w, size[1], stride, pad)];
  for (const [what, shape] of [[phrase('spec.what.paramOf', { param: 'W', layer: layer.name }), paramShapes.W], [phrase('spec.what.outputOf', { layer: layer.name }), outShape]] as const) {
    if (shape && sizeOf(shape) > spec.maxElements) {
      return failWith('spec.wouldOverLimit', { what, shape: formatShape(shape), elements: fmtCount(sizeOf(shape)), limit: fmtCount(spec.maxElements) });
    }
  }
  return { outShape, paramShapes };
}

/** A window larger than the padded input, by the pad or stride that would fit (none, one or both). */
const TOO_LARGE = {
  none: 'spec.windowTooLarge',
  pad: 'spec.windowTooLargePad',
  stride: 'spec.windowTooLargeStride',
  padOrStride: 'spec.windowTooLargePadOrStride',
} as const satisfies Record<string, SpecMessageId>;

/** An output size that is not a whole number, by the pad or stride that would fit. */
const NOT_WHOLE = {
  none: 'spec.windowNotWhole',
  pad: 'spec.windowNotWholePad',
  stride: 'spec.windowNotWholeStride',
  padOrStride: 'spec.windowNotWholePadOrStride',
} as const satisfies Record<string, SpecMessageId>;

/** Whether a window of `size` moved by `stride` tiles `length` padded by `pad` on each side. */
function tiles(length: number, size: number, stride: number, pad: number): boolean {
  const span = length + 2 * pad - size;
  return span >= 0 && span % stride === 0;
}

/** Why the window does not tile the image, with the numbers and a pad or stride that would; null when it does. */
function tilingProblem(layer: LayerSpec, image: [number, number], size: [number, number], stride: number, pad: number): Phrase | null {
  const axis = [0, 1].find((a) => !tiles(image[a], size[a], stride, pad));
  if (axis === undefined) return null;
  const [len, f] = [image[axis], size[axis]];
  const fitsBoth = (s: number, p: number) => tiles(image[0], size[0], s, p) && tiles(image[1], size[1], s, p);
  const pads = Array.from({ length: Math.max(...size) + 1 }, (_, p) => p).filter((p) => p !== pad && fitsBoth(stride, p));
  const strides = Array.from({ length: Math.max(...image) + 2 * pad }, (_, s) => s + 1)
    .filter((s) => s !== stride && fitsBoth(s, pad))
    .sort((a, b) => Math.abs(a - stride) - Math.abs(b - stride) || a - b);
  const fix = pads.length > 0 && strides.length > 0 ? 'padOrStride' : pads.length > 0 ? 'pad' : strides.length > 0 ? 'stride' : 'none';
  const args = {
    layer: layer.name,
    axis: phrase(axis === 0 ? 'spec.what.height' : 'spec.what.width'),
    length: String(len),
    pad: String(pad),
    ...(pads.length > 0 && { fitPad: String(pads[0]) }),
    ...(strides.length > 0 && { fitStride: String(strides[0]) }),
  };
  if (len + 2 * pad < f) return phrase(TOO_LARGE[fix], { ...args, size: size.join('×') });
  const sum = `(${len} + 2·${pad} − ${f}) / ${stride} + 1 = ${Number(windowPositions(len, f, stride, pad).toFixed(4))}`;
  return phrase(NOT_WHOLE[fix], { ...args, sum });
}
