// A saved run (an .npz of run-record tensors) as the run panel gets it for a baseline: the tensors the
// panel shows, each with its stats, and its values when a run's events would carry them whole, so a
// baseline costs the webview no more than a run does. Read in the worker: a 130 MB saved run takes
// half a second to check and copy, which the extension host's thread must not spend.
import { inflateRawSync } from 'node:zlib';
import type { Tensor } from '../engine/tensor';
import { layerOf } from '../engine/run-record';
import { panelShows } from '../heatmaps';
import { sentenceOf } from '../message';
import type { HostToWorker, WireBaseline } from '../protocol';
import { readSavedRun } from '../spec/npz';
import { englishOf } from '../spec/problem';
import { sentWhole, wireStats } from '../wire-tensor';
import type { Post } from './load';

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
    const buffer = sentWhole(t.shape) ? (t.data.slice().buffer as ArrayBuffer) : new ArrayBuffer(0);
    return [{ name, tensor: { shape: [...t.shape], buffer, stats: wireStats(t) } }];
  });
  return { label, tensors };
}

/** Reads the baseline job's .npz and posts its baseline, or fails with why it holds none. */
export function readBaseline(msg: Extract<HostToWorker, { type: 'baseline' }>, post: Post): void {
  const read = readSavedRun(msg.npz, (compressed) => inflateRawSync(compressed));
  if ('error' in read) return post({ type: 'failed', runId: msg.runId, ...sentenceOf({ ...read.error, message: englishOf(read.error) }) });
  const baseline = baselineWire(read.arrays, msg.label);
  post({ type: 'baseline', runId: msg.runId, baseline }, baseline.tensors.flatMap((t) => (t.tensor.buffer.byteLength > 0 ? [t.tensor.buffer] : [])));
}
