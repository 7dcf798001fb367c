// A saved run (an .npz of run-record tensors) as the run panel gets it for a baseline: the tensors the
// panel shows, each with its stats, and its values when a run's events would carry them whole (a big
// batch of images, its first samples), so a baseline costs the webview no more than a run does.
// Pure (no Node modules): the webview tests' fixtures make baselines with it too.
import type { Tensor } from '../engine/tensor';
import { layerOf } from '../engine/run-record';
import { panelShows } from '../heatmaps';
import type { WireBaseline } from '../protocol';
import { firstSamples, sentWhole, wireStats } from '../wire-tensor';

/** A graph spec's node (or input) holds exactly its scalar `value` and `grad`, both of which its panel shows. */
const isGraphNode = (keys: ReadonlySet<string>): boolean => keys.size === 2 && keys.has('value') && keys.has('grad');

/** `arrays` (an .npz's, by `layer/tensor` name) as the baseline `label`; the buffers returned are fresh copies, free to transfer. */
export function baselineWire(arrays: ReadonlyMap<string, Tensor>, label: string): WireBaseline {
  const keysOf = new Map<string, Set<string>>();
  for (const name of arrays.keys()) {
    const layer = layerOf(name);
    keysOf.set(layer, (keysOf.get(layer) ?? new Set()).add(name.slice(layer.length + 1)));
  }
  const tensors = [...arrays].flatMap(([name, t]) => {
    const layer = layerOf(name);
    const keys = keysOf.get(layer)!;
    if (!panelShows(name.slice(layer.length + 1), keys) && !isGraphNode(keys)) return [];
    // A big batch of images goes as its first samples, as a run's events send it, so their Δ can be drawn.
    if (!sentWhole(t.shape) && t.shape.length === 4) return [{ name, tensor: firstSamples(t) }];
    const buffer = sentWhole(t.shape) ? (t.data.slice().buffer as ArrayBuffer) : new ArrayBuffer(0);
    return [{ name, tensor: { shape: [...t.shape], buffer, stats: wireStats(t) } }];
  });
  return { label, tensors };
}
