// Which heatmaps a layer has, in which order, with which title and colour scale, and which of them each
// view shows: the run panel, the Train panel's snapshots (webview) and the side view (its host builds them).
import type { SideHeatmap, WireTensor } from './protocol';

/** A tensor of a layer that can be drawn; a layer's heatmaps come in this order, the way data flows. */
export type HeatmapSource = 'activation' | 'mask' | 'dout' | 'dx' | 'grads' | 'params';

/** The run panel: forward, then backward (its gradient checks have their own section). */
export const PANEL_HEATMAPS: readonly HeatmapSource[] = ['activation', 'mask', 'dout', 'dx', 'grads'];
/** The Train panel's snapshot of a step: the parameters too, to watch them train. */
export const TRAIN_HEATMAPS: readonly HeatmapSource[] = ['activation', 'mask', 'dx', 'grads', 'params'];
/** The side view, narrow: dout, the next layer's dx, is left out. */
const SIDE_HEATMAPS: readonly HeatmapSource[] = ['activation', 'mask', 'dx', 'grads'];

/** The tensors of one layer (or of the loss); any of them may be missing, not reached or not kept yet. */
export interface LayerTensors {
  /** The layer's type, named in the mask's title. */
  info: { type: string };
  /** True for the loss, whose output is its prediction. */
  isLoss?: boolean;
  activation?: WireTensor | null;
  mask?: WireTensor | null;
  dout?: WireTensor | null;
  dx?: WireTensor | null;
  /** Parameter gradients, in parameter order. */
  grads?: readonly { name: string; grad: WireTensor }[];
  /** Parameter values, in parameter order. */
  params?: readonly { name: string; value: WireTensor }[];
}

/** One heatmap of a layer. */
export interface LayerHeatmap {
  /** Caption: activation (prediction for the loss), mask (relu), dout, dx, dW, W… */
  title: string;
  /** Colour scale: sequential for outputs, two colours for masks, diverging around 0 for gradients and parameters. */
  kind: 'sequential' | 'mask' | 'diverging';
  tensor: WireTensor;
  /** The parameter (W, b, gamma, beta) whose gradient or value this is. */
  param?: string;
}

/** The heatmaps of `layer` that a view showing `shown` draws, in HeatmapSource order. */
export function layerHeatmaps(layer: LayerTensors, shown: readonly HeatmapSource[]): LayerHeatmap[] {
  const out: LayerHeatmap[] = [];
  const has = (source: HeatmapSource): boolean => shown.includes(source);
  if (has('activation') && layer.activation) out.push({ title: layer.isLoss ? 'prediction' : 'activation', kind: 'sequential', tensor: layer.activation });
  if (has('mask') && layer.mask) out.push({ title: `mask (${layer.info.type})`, kind: 'mask', tensor: layer.mask });
  if (has('dout') && layer.dout) out.push({ title: 'dout', kind: 'diverging', tensor: layer.dout });
  if (has('dx') && layer.dx) out.push({ title: 'dx', kind: 'diverging', tensor: layer.dx });
  if (has('grads')) for (const g of layer.grads ?? []) out.push({ title: `d${g.name}`, kind: 'diverging', tensor: g.grad, param: g.name });
  if (has('params')) for (const p of layer.params ?? []) out.push({ title: p.name, kind: 'diverging', tensor: p.value, param: p.name });
  return out;
}

/** The side view's heatmaps of `layer`, as its host sends them: the side view reveals no parameter, so no `param`. */
export function sideHeatmaps(layer: LayerTensors): SideHeatmap[] {
  return layerHeatmaps(layer, SIDE_HEATMAPS).map(({ title, kind, tensor }) => ({ title, kind, tensor }));
}
