// Shape inference of the layers that slide a window over [N, C, H, W] images (convolution,
// pooling): the output size (H + 2·pad − FH) / stride + 1 on each axis must be a positive integer,
// and when it is not, the message gives the numbers and a pad or stride that would fit.
import { fmtCount } from '../format';
import type { ParamName } from '../engine/layer';
import { windowPositions } from '../engine/window';
import { sizeOf } from '../engine/tensor';
import type { DataSource, LayerSpec, NetworkSpec, Range } from './model';
import { formatShape } from './suggest';

/** A window layer's shapes, an error on a range, or null when a weights file's shape is needed first. */
export type WindowShapes = { outShape: number[]; paramShapes: Record<string, number[]> } | { error: string; range: Range } | null;

/** An explicit parameter's source and the shape known without reading files (null for a file). */
type Known = (p: ParamName) => { source: DataSource; shape: number[] | null } | undefined;

/** Shapes of convolution or pooling layer `index` of `spec` for input `inShape`. */
export function windowShapes(spec: NetworkSpec, index: number, inShape: number[], known: Known): WindowShapes {
  const layer = spec.layers[index];
  const at = layer.typeRange;
  const fail = (error: string, range: Range = at) => ({ error, range });
  if (inShape.length !== 4) {
    const from = spec.layers[index - 1]?.name ?? 'the input';
    const hint = index === 0 && spec.input.kind === 'dataset' ? '; give each digit a shape, e.g. dataset: mnist, shape: [1, 28, 28]' : '';
    return fail(`${layer.name} needs images [N, C, H, W], but ${from} outputs ${formatShape(inShape)}${hint}`);
  }
  const [n, c, h, w] = inShape;
  let size = layer.size;
  let filters = layer.filters;
  const paramShapes: Record<string, number[]> = {};
  if (layer.type === 'convolution') {
    const W = known('W');
    if (W?.shape) {
      if (W.shape.length !== 4) return fail(`W of ${layer.name} must be 4-D [filters, channels, height, width], got shape ${formatShape(W.shape)}`, W.source.range);
      const [fn, wc, fh, fw] = W.shape;
      if (wc !== c) return fail(`W of ${layer.name} has ${wc} channel${wc === 1 ? '' : 's'} (shape ${formatShape(W.shape)}), but its input has ${c}`, W.source.range);
      if (filters !== undefined && filters !== fn) return fail(`${layer.name} has filters ${filters}, but W has ${fn}`);
      if (size && (size[0] !== fh || size[1] !== fw)) return fail(`${layer.name} has size ${size.join('×')}, but W's filters are ${fh}×${fw}`);
      [filters, size] = [fn, [fh, fw]];
    }
    if (filters === undefined || size === undefined) {
      return W ? null : fail(`${layer.name} needs filters and size (or weights W), e.g. { type: convolution, filters: 30, size: 5 }`);
    }
    const b = known('b');
    if (b?.shape && (b.shape.length !== 1 || b.shape[0] !== filters)) return fail(`b of ${layer.name} has shape ${formatShape(b.shape)}, expected [${filters}]`, b.source.range);
    paramShapes.W = [filters, c, size[0], size[1]];
    paramShapes.b = [filters];
  } else if (size === undefined) {
    return fail(`${layer.name} needs size, the window's height and width, e.g. { type: pooling, size: 2 }`);
  }
  const stride = layer.stride ?? (layer.type === 'pooling' ? size[0] : 1);
  const pad = layer.pad ?? 0;
  const misfit = tilingProblem(layer, [h, w], size, stride, pad);
  if (misfit) return fail(misfit);
  const outShape = [n, filters ?? c, windowPositions(h, size[0], stride, pad), windowPositions(w, size[1], stride, pad)];
  for (const [what, shape] of [[`W of ${layer.name}`, paramShapes.W], [`${layer.name}'s output`, outShape]] as const) {
    if (shape && sizeOf(shape) > spec.maxElements) {
      return fail(`${what} would have shape ${formatShape(shape)}: ${fmtCount(sizeOf(shape))} elements, over the limit of ${fmtCount(spec.maxElements)} (limits.maxElements)`);
    }
  }
  return { outShape, paramShapes };
}

/** Whether a window of `size` moved by `stride` tiles `length` padded by `pad` on each side. */
function tiles(length: number, size: number, stride: number, pad: number): boolean {
  const span = length + 2 * pad - size;
  return span >= 0 && span % stride === 0;
}

/** Why the window does not tile the image, with the numbers and a pad or stride that would; null when it does. */
function tilingProblem(layer: LayerSpec, image: [number, number], size: [number, number], stride: number, pad: number): string | null {
  const axis = [0, 1].find((a) => !tiles(image[a], size[a], stride, pad));
  if (axis === undefined) return null;
  const [len, f] = [image[axis], size[axis]];
  const fitsBoth = (s: number, p: number) => tiles(image[0], size[0], s, p) && tiles(image[1], size[1], s, p);
  const pads = Array.from({ length: Math.max(...size) + 1 }, (_, p) => p).filter((p) => p !== pad && fitsBoth(stride, p));
  const strides = Array.from({ length: Math.max(...image) + 2 * pad }, (_, s) => s + 1)
    .filter((s) => s !== stride && fitsBoth(s, pad))
    .sort((a, b) => Math.abs(a - stride) - Math.abs(b - stride) || a - b);
  const ways = [...(pads.length ? [`pad ${pads[0]}`] : []), ...(strides.length ? [`stride ${strides[0]}`] : [])];
  const fix = ways.length ? `; ${ways.join(' or ')} would fit` : '';
  const name = axis === 0 ? 'height' : 'width';
  const sum = `(${len} + 2·${pad} − ${f}) / ${stride} + 1 = ${Number(windowPositions(len, f, stride, pad).toFixed(4))}`;
  if (len + 2 * pad < f) return `${layer.name}: the ${size.join('×')} window is larger than the input's ${name} ${len} padded by ${pad}${fix}`;
  return `${layer.name}: output ${name} ${sum} is not a whole number${fix}`;
}
