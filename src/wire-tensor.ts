// How a tensor crosses to a webview, shared by the worker (a run's events) and the host (a baseline's
// tensors, a debugger variable): its statistics as the wire carries them, and its values whole or,
// for a big batch, as a preview or its first samples.
import { matrixShape, poolMaxAbs } from './downsample';
import { tensorStats } from './engine/stats';
import type { Tensor } from './engine/tensor';
import type { WireStats, WireTensor } from './protocol';

/** Batch-sized tensors (activations, masks, dout, dx) with more elements than this (2 MB) go as a preview. */
export const PREVIEW_ABOVE = 1 << 18;
/** Cells per axis of a preview: more than the panel draws at zoom 2 (400 cells × 2). */
export const PREVIEW_CELLS = 1024;

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** A tensor's statistics on the wire: figures that are not finite become null. */
export function wireStats(t: Tensor): WireStats {
  const s = tensorStats(t);
  return { ...s, mean: orNull(s.mean), meanAbs: orNull(s.meanAbs), std: orNull(s.std), min: orNull(s.min), max: orNull(s.max), l2: orNull(s.l2) };
}

/** True when a batch-sized tensor of `shape` goes whole; a bigger one goes as a preview or its first samples. */
export function sentWhole(shape: readonly number[]): boolean {
  const { rows, cols } = matrixShape(shape);
  return rows * cols <= PREVIEW_ABOVE || (rows <= PREVIEW_CELLS && cols <= PREVIEW_CELLS);
}

/** `t` copied whole into its own buffer, which is added to `transfer`. */
export function wholeTensor(t: Tensor, transfer: ArrayBuffer[]): WireTensor {
  const buffer = t.data.slice().buffer as ArrayBuffer;
  transfer.push(buffer);
  return { shape: [...t.shape], buffer, stats: wireStats(t) };
}

/**
 * A batch-sized tensor as a view draws it, its buffers added to `transfer`: whole when small; a big
 * batch of images as its first samples, each whole (a view draws an image whole, a sample at a
 * time); anything else big as its 2-D view pooled to a preview.
 */
export function batchTensor(t: Tensor, transfer: ArrayBuffer[]): WireTensor {
  if (sentWhole(t.shape)) return wholeTensor(t, transfer);
  if (t.shape.length === 4) {
    const sent = firstSamples(t);
    transfer.push(sent.buffer);
    return sent;
  }
  const { rows, cols } = matrixShape(t.shape);
  const grid = poolMaxAbs(t.data, rows, cols, PREVIEW_CELLS);
  const preview = { rowFactor: grid.rowFactor, colFactor: grid.colFactor, values: grid.values.buffer as ArrayBuffer, sourceIndex: grid.sourceIndex.buffer as ArrayBuffer };
  transfer.push(preview.values, preview.sourceIndex);
  return { shape: [...t.shape], buffer: new ArrayBuffer(0), stats: wireStats(t), preview };
}

/** A big batch of images [N, C, H, W] as its first samples, each whole, in a buffer of its own: as many as PREVIEW_ABOVE elements hold. */
export function firstSamples(t: Tensor): WireTensor {
  const { cols } = matrixShape(t.shape);
  const samples = Math.max(1, Math.floor(PREVIEW_ABOVE / cols));
  return { shape: [...t.shape], buffer: t.data.slice(0, samples * cols).buffer as ArrayBuffer, stats: wireStats(t), samples };
}
