// Every tensor of one run under a name `layer/tensor` (Affine1/W, Affine1/dW, Relu1/mask), in run
// order: what a saved run (.npz) holds, and what comparing two runs matches by name.
import type { GraphResult } from './graph';
import type { RunEvent } from './run';
import { tensor, type Tensor } from './tensor';

/** One named tensor of a run. */
export interface RecordedTensor {
  /** The layer (or loss layer, or graph node) it belongs to. */
  layer: string;
  /** What it is within the layer: out, a kept tensor (x, mask, …), a param (W), dout, dx, or d + param (dW). */
  tensor: string;
  /** The values, as the run streamed them. */
  value: Tensor;
}

/** The name a recorded tensor is saved and matched under. */
export function recordName(t: Pick<RecordedTensor, 'layer' | 'tensor'>): string {
  return `${t.layer}/${t.tensor}`;
}

/** The layer part of a tensor's name: what comes before its last `/` (the whole name without one). */
export function layerOf(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash < 0 ? name : name.slice(0, slash);
}

/** Recorded tensors as a map by name, the form runs are compared in. */
export function recordMap(tensors: readonly RecordedTensor[]): Map<string, Tensor> {
  return new Map(tensors.map((t) => [recordName(t), t.value]));
}

/** The scalar `v` as a 0-d tensor. */
const scalar = (v: number): Tensor => tensor([], Float64Array.of(v));

/**
 * The tensors of a network run's events: per layer its output `out`, what it kept (x, mask, out, …),
 * its params, then from backward `dout`, `dx` and each param's gradient `d<param>`; the loss layer's
 * prediction `y`, dense targets `t`, `dx` and the scalar `loss`. Check events are left out. A name a
 * layer has already used (a kept `out`, which is its output) is recorded once, first come.
 */
export function runTensors(events: Iterable<RunEvent>): RecordedTensor[] {
  const out: RecordedTensor[] = [];
  const seen = new Set<string>();
  const add = (layer: string, name: string, value: Tensor) => {
    const key = recordName({ layer, tensor: name });
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ layer, tensor: name, value });
  };
  for (const e of events) {
    if (e.kind === 'forward') {
      add(e.name, 'out', e.output);
      for (const [key, kept] of Object.entries(e.kept)) add(e.name, key, kept);
      for (const p of e.params) add(e.name, p.name, p.value);
    } else if (e.kind === 'loss') {
      add(e.name, 'y', e.y);
      add(e.name, 't', e.t);
      add(e.name, 'dx', e.dx);
      add(e.name, 'loss', scalar(e.value));
    } else if (e.kind === 'backward') {
      add(e.name, 'dout', e.dout);
      add(e.name, 'dx', e.dx);
      for (const g of e.grads) add(e.name, `d${g.name}`, g.grad);
    }
  }
  return out;
}

/** A graph's tensors: each input's and node's `value` and `grad` (d output / d it), as 0-d tensors. */
export function graphTensors(result: GraphResult): RecordedTensor[] {
  return [...result.values].flatMap(([name, value]) => [
    { layer: name, tensor: 'value', value: scalar(value) },
    { layer: name, tensor: 'grad', value: scalar(result.grads.get(name)!) },
  ]);
}
