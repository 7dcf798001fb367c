// What decides how a tensor crosses to a webview, shared by the worker (a run's events) and the host
// (a baseline's tensors): its statistics as the wire carries them, and whether its values go whole.
import { matrixShape } from './downsample';
import { tensorStats } from './engine/stats';
import type { Tensor } from './engine/tensor';
import type { WireStats } from './protocol';

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
