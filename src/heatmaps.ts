// Which heatmaps a layer has, with which title and colour scale, and which of them each view shows in
// which order: the run panel, the Train panel's snapshots (webview) and the side view (its host builds them).
import type { RunEvent, SideHeatmap, WireTensor } from './protocol';

/** A tensor of a layer that can be drawn. */
export type HeatmapSource = 'activation' | 'target' | 'mask' | 'dout' | 'dx' | 'grads' | 'params';

/** The run panel, in the order data flows: forward, then backward (its gradient checks have their own section). */
export const PANEL_HEATMAPS: readonly HeatmapSource[] = ['activation', 'target', 'mask', 'dout', 'dx', 'grads'];
/** The Train panel's snapshot of a step: the parameters too, to watch them train. */
export const TRAIN_HEATMAPS: readonly HeatmapSource[] = ['activation', 'mask', 'dx', 'grads', 'params'];
/**
 * `event` as a view that draws `shown` needs it: parameter values it does not draw keep only their
 * statistics. The run panel shows ‖W‖ but not W, and Affine1's W on the digits (313 KB) was most of
 * the first message's bytes through code-server's websocket, in front of the first heatmap.
 */
export function eventForView(event: RunEvent, shown: readonly HeatmapSource[]): RunEvent {
  if (event.kind !== 'forward' || shown.includes('params')) return event;
  return { ...event, params: event.params.map((p) => ({ name: p.name, value: { shape: p.value.shape, buffer: new ArrayBuffer(0), stats: p.value.stats } })) };
}

/** The side view, a panel of gradients: the weights' first; dout, the next layer's dx, is left out. */
const SIDE_HEATMAPS: readonly HeatmapSource[] = ['grads', 'activation', 'mask', 'dx'];

/** The tensors of one layer (or of the loss); any of them may be missing, not reached or not kept yet. */
export interface LayerTensors {
  /** The layer's type, named in the mask's title. */
  info: { type: string };
  /** True for the loss, whose output is its prediction. */
  isLoss?: boolean;
  activation?: WireTensor | null;
  /** The loss's targets t, shaped like its prediction. */
  target?: WireTensor | null;
  mask?: WireTensor | null;
  dout?: WireTensor | null;
  dx?: WireTensor | null;
  /** Parameter gradients, in parameter order. */
  grads?: readonly { name: string; grad: WireTensor }[];
  /** Parameter values, in parameter order. */
  params?: readonly { name: string; value: WireTensor }[];
}

/** What a mask's two values mean: a ReLU's 1 drops its element, a pooling layer's 1 is its window's maximum. */
export interface MaskWords {
  /** The 1s. */
  one: string;
  /** The 0s. */
  zero: string;
}

const POOLING_MASK: MaskWords = { one: 'window max', zero: 'not the max' };

/** One heatmap of a layer. */
export interface LayerHeatmap {
  /** Caption: activation (prediction for the loss), mask (relu), dout, dx, dW, W… */
  title: string;
  /** Colour scale: sequential for outputs (the view draws a signed one diverging, see scaleFor), two colours for masks, diverging around 0 for gradients and parameters. */
  kind: 'sequential' | 'mask' | 'diverging';
  tensor: WireTensor;
  /** What a run records the tensor as within its layer (src/engine/run-record): out, y, t, mask, dout, dx, dW, W… */
  record: string;
  /** The parameter (W, b, gamma, beta) whose gradient or value this is. */
  param?: string;
  /** A parameter or its gradient: a 4-D one is a bank of filters, drawn one filter to a group. */
  filters?: boolean;
  /** A mask's meaning, when its 1s are not the masked elements. */
  maskWords?: MaskWords;
}

/** The heatmaps of `layer` that a view showing `shown` draws, in that order. */
export function layerHeatmaps(layer: LayerTensors, shown: readonly HeatmapSource[]): LayerHeatmap[] {
  return shown.flatMap((source): LayerHeatmap[] => {
    switch (source) {
      case 'activation':
        return layer.activation ? [{ title: layer.isLoss ? 'prediction' : 'activation', kind: 'sequential', tensor: layer.activation, record: layer.isLoss ? 'y' : 'out' }] : [];
      case 'target':
        return layer.target ? [{ title: 'targets', kind: 'sequential', tensor: layer.target, record: 't' }] : [];
      case 'mask':
        return layer.mask ? [{ title: `mask (${layer.info.type})`, kind: 'mask', tensor: layer.mask, record: 'mask', ...(layer.info.type === 'pooling' && { maskWords: POOLING_MASK }) }] : [];
      case 'dout':
        return layer.dout ? [{ title: 'dout', kind: 'diverging', tensor: layer.dout, record: 'dout' }] : [];
      case 'dx':
        // The loss's dx, for softmax-with-loss and MSE alike, is what the last layer receives.
        return layer.dx ? [{ title: layer.isLoss ? 'dx = (y − t)/N' : 'dx', kind: 'diverging', tensor: layer.dx, record: 'dx' }] : [];
      case 'grads':
        return (layer.grads ?? []).map((g) => ({ title: `d${g.name}`, kind: 'diverging', tensor: g.grad, record: `d${g.name}`, param: g.name, filters: true }));
      case 'params':
        return (layer.params ?? []).map((p) => ({ title: p.name, kind: 'diverging', tensor: p.value, record: p.name, param: p.name, filters: true }));
    }
  });
}

/** The side view's heatmaps of `layer`, as its host sends them: the side view reveals no parameter, so no `param`. */
export function sideHeatmaps(layer: LayerTensors): SideHeatmap[] {
  return layerHeatmaps(layer, SIDE_HEATMAPS).map(({ param: _revealed, record: _named, ...heatmap }) => heatmap);
}

/**
 * True when the run panel draws or tabulates what a run records as `key` of a layer that records
 * `keys`: its output (y and t for the loss), mask, dout, dx, the loss, and each parameter's gradient
 * (d + a key of the layer); the other tensors a layer keeps for backward (x, col…) it does not show.
 */
export function panelShows(key: string, keys: ReadonlySet<string>): boolean {
  return ['out', 'y', 't', 'mask', 'dout', 'dx', 'loss'].includes(key) || (key.startsWith('d') && keys.has(key.slice(1)));
}
