// Engine events → protocol events. Every tensor is copied into its own buffer, which the worker then
// transfers: the engine still holds its tensors (a layer's output is the next layer's kept input).
// A big batch-sized tensor goes as a pooled preview instead: Affine1's dx on 8,000 digits is 50 MB,
// which took seconds to reach the panel through code-server, to be pooled there to 400 rows anyway.
// A big batch of images [N, C, H, W] goes as its first samples, since each image is drawn whole.
import { matrixShape, poolMaxAbs } from '../downsample';
import type { RunEvent as EngineEvent } from '../engine/run';
import { histogram, maskStats, tensorStats } from '../engine/stats';
import type { LayerType } from '../engine/layer';
import type { Tensor } from '../engine/tensor';
import type { RunEvent, WireStats, WireTensor } from '../protocol';

/** A protocol event and the buffers to transfer with it. */
export interface Wired {
  event: RunEvent;
  /** Its tensors' buffers. */
  transfer: ArrayBuffer[];
}

/** Batch-sized tensors (activations, masks, dout, dx) with more elements than this (2 MB) go as a preview. */
export const PREVIEW_ABOVE = 1 << 18;
/** Cells per axis of a preview: more than the panel draws at zoom 2 (400 cells × 2). */
export const PREVIEW_CELLS = 1024;

/** Bins of an activation's or dx's histogram, as the book's weight-init figures have. */
export const HISTOGRAM_BINS = 30;
/** Outputs bounded by their layer's math are binned over the bound, so layers compare on one axis. */
const OUTPUT_RANGE: Partial<Record<LayerType, readonly [number, number]>> = { sigmoid: [0, 1], tanh: [-1, 1] };

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function wireStats(t: Tensor): WireStats {
  const s = tensorStats(t);
  return { ...s, mean: orNull(s.mean), meanAbs: orNull(s.meanAbs), std: orNull(s.std), min: orNull(s.min), max: orNull(s.max), l2: orNull(s.l2) };
}

/** `t` copied whole into its own buffer, which is added to `transfer`. */
export function wholeTensor(t: Tensor, transfer: ArrayBuffer[]): WireTensor {
  const buffer = t.data.slice().buffer as ArrayBuffer;
  transfer.push(buffer);
  return { shape: [...t.shape], buffer, stats: wireStats(t) };
}

/** Converts one engine event; the engine's `done` is left to the worker, which adds timing. */
export function toWire(e: Exclude<EngineEvent, { kind: 'done' }>): Wired {
  const transfer: ArrayBuffer[] = [];
  const wire = (t: Tensor): WireTensor => wholeTensor(t, transfer);
  // Parameters and check errors always go whole: the host reads their elements (selectCell).
  const batch = (t: Tensor): WireTensor => {
    const { rows, cols } = matrixShape(t.shape);
    if (t.data.length <= PREVIEW_ABOVE || (rows <= PREVIEW_CELLS && cols <= PREVIEW_CELLS)) return wire(t);
    // Images are drawn whole, a sample at a time: the first samples go as they are.
    if (t.shape.length === 4) {
      const samples = Math.max(1, Math.floor(PREVIEW_ABOVE / cols));
      const buffer = t.data.slice(0, samples * cols).buffer as ArrayBuffer;
      transfer.push(buffer);
      return { shape: [...t.shape], buffer, stats: wireStats(t), samples };
    }
    const grid = poolMaxAbs(t.data, rows, cols, PREVIEW_CELLS);
    const preview = { rowFactor: grid.rowFactor, colFactor: grid.colFactor, values: grid.values.buffer as ArrayBuffer, sourceIndex: grid.sourceIndex.buffer as ArrayBuffer };
    transfer.push(preview.values, preview.sourceIndex);
    return { shape: [...t.shape], buffer: new ArrayBuffer(0), stats: wireStats(t), preview };
  };
  const distributed = (t: Tensor, range?: readonly [number, number]): WireTensor => ({ ...batch(t), histogram: histogram(t, HISTOGRAM_BINS, range) });
  switch (e.kind) {
    case 'forward': {
      const mask = e.kept.mask ?? null;
      return {
        event: {
          kind: 'forward',
          index: e.index,
          activation: distributed(e.output, OUTPUT_RANGE[e.type]),
          mask: mask && batch(mask),
          maskStats: mask && maskStats(mask),
          params: e.params.map((p) => ({ name: p.name, value: wire(p.value) })),
        },
        transfer,
      };
    }
    case 'loss':
      return { event: { kind: 'loss', value: e.value, prediction: batch(e.y), target: batch(e.t), dx: batch(e.dx) }, transfer };
    case 'backward':
      return {
        event: { kind: 'backward', index: e.index, dout: batch(e.dout), dx: distributed(e.dx), grads: e.grads.map((g) => ({ name: g.name, grad: wire(g.grad) })) },
        transfer,
      };
    case 'check': {
      const r = e.result;
      const failed = r.failed.slice().buffer as ArrayBuffer;
      transfer.push(failed);
      const result = {
        meanAbsDiff: r.meanAbsDiff,
        maxAbsDiff: r.maxAbsDiff,
        maxRelError: r.maxRelError,
        failures: r.failures,
        nonDifferentiable: r.nonDifferentiable,
        ok: r.ok,
        error: wire(r.error),
        relError: wire(r.relError),
        failed,
        worst: r.worst.map((w) => ({ ...w, index: [...w.index] })),
      };
      return { event: { kind: 'check', index: e.index, param: e.param, result }, transfer };
    }
  }
}
