// Two runs compared tensor by tensor, matched by name (`layer/tensor`, so layers match by name):
// the element-wise difference current − baseline, its largest |Δ| and where, and what cannot be
// compared (a layer or tensor added, removed or reshaped). Pure: both the CLI's `diff` and viewers use it.
import { layerOf } from './run-record';
import { tensor, unravel, type Tensor } from './tensor';

/** The test a difference passes: |current − baseline| ≤ atol + rtol·|baseline|, as numpy's allclose. */
export interface Tolerance {
  /** Relative tolerance, times |baseline|. */
  rtol: number;
  /** Absolute tolerance. */
  atol: number;
}

/** No difference at all passes. */
export const EXACT: Tolerance = { rtol: 0, atol: 0 };

/** One tensor in both runs, with one shape. */
export interface TensorDiff {
  /** Its name, `layer/tensor`. */
  name: string;
  /** The layer part of the name. */
  layer: string;
  /** Axis sizes. */
  shape: number[];
  /** current − baseline, element by element (NaN where either is NaN, as IEEE subtraction gives). */
  delta: Tensor;
  /**
   * The largest gap |current − baseline| over the elements: 0 where both hold the same value (NaN
   * included), Infinity where one is NaN or ±Infinity and the other differs.
   */
  maxAbs: number;
  /** Index along each axis of the first element with that gap; null for an empty tensor. */
  at: number[] | null;
  /** The current value there (NaN for an empty tensor). */
  current: number;
  /** The baseline value there (NaN for an empty tensor). */
  baseline: number;
  /** Elements whose gap fails the tolerance. */
  over: number;
}

/** Why a layer or tensor cannot be compared. */
export interface Incomparable {
  /** The layer. */
  layer: string;
  /** The tensor's name, or null when the whole layer is added or removed. */
  name: string | null;
  /** added: only in the current run; removed: only in the baseline; reshaped: in both, with other shapes. */
  reason: 'added' | 'removed' | 'reshaped';
  /** For reshaped: "[784, 50] → [784, 100]" (baseline → current); for a whole layer: "3 tensors"; otherwise the shape it has. */
  detail: string;
  /** A whole layer's tensor count, for a viewer that words `detail` in another language. */
  tensors?: number;
}

/** How two runs differ. */
export interface RunDiff {
  /** Tensors in both runs with one shape: the current run's order. */
  compared: TensorDiff[];
  /** Layers and tensors that cannot be compared: the current run's order, then what only the baseline has. */
  incomparable: Incomparable[];
}

/** |a − b| as a gap: 0 for the same value (NaN and NaN too), Infinity when NaN meets another value. */
function gap(a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  const d = Math.abs(a - b);
  return Number.isNaN(d) ? Infinity : d;
}

const wholeLayerEntry = (layer: string, reason: 'added' | 'removed', tensors: number): Incomparable => ({ layer, name: null, reason, detail: `${tensors} tensors`, tensors });

/** A tensor in both runs with one shape, matched by name. */
export interface MatchedPair<T> {
  name: string;
  layer: string;
  baseline: T;
  current: T;
}

/**
 * Which tensors of two runs can be compared: by name, with one shape; the rest with the reason. Only
 * shapes are read, so a viewer that holds some tensors' statistics alone matches them the same way.
 */
export function matchRuns<T extends { readonly shape: readonly number[] }>(
  baseline: ReadonlyMap<string, T>,
  current: ReadonlyMap<string, T>,
): { pairs: MatchedPair<T>[]; incomparable: Incomparable[] } {
  const layersOf = (run: ReadonlyMap<string, T>) => new Set([...run.keys()].map(layerOf));
  const [baseLayers, currentLayers] = [layersOf(baseline), layersOf(current)];
  const shape = (t: T) => `[${t.shape.join(', ')}]`;
  const pairs: MatchedPair<T>[] = [];
  const incomparable: Incomparable[] = [];
  const wholeLayer = new Set<string>();
  for (const [name, now] of current) {
    const layer = layerOf(name);
    const before = baseline.get(name);
    if (!baseLayers.has(layer)) {
      if (!wholeLayer.has(layer)) incomparable.push(wholeLayerEntry(layer, 'added', [...current.keys()].filter((n) => layerOf(n) === layer).length));
      wholeLayer.add(layer);
    } else if (!before) incomparable.push({ layer, name, reason: 'added', detail: shape(now) });
    else if (before.shape.length !== now.shape.length || before.shape.some((d, i) => d !== now.shape[i])) incomparable.push({ layer, name, reason: 'reshaped', detail: `${shape(before)} → ${shape(now)}` });
    else pairs.push({ name, layer, baseline: before, current: now });
  }
  for (const [name, before] of baseline) {
    const layer = layerOf(name);
    if (current.has(name) || wholeLayer.has(layer)) continue;
    if (!currentLayers.has(layer)) {
      incomparable.push(wholeLayerEntry(layer, 'removed', [...baseline.keys()].filter((n) => layerOf(n) === layer).length));
      wholeLayer.add(layer);
    } else incomparable.push({ layer, name, reason: 'removed', detail: shape(before) });
  }
  return { pairs, incomparable };
}

/** `current` against `baseline`, both named tensors (`layer/tensor`); over counts use `tolerance`. */
export function diffRuns(baseline: ReadonlyMap<string, Tensor>, current: ReadonlyMap<string, Tensor>, tolerance: Tolerance = EXACT): RunDiff {
  const { pairs, incomparable } = matchRuns(baseline, current);
  return { compared: pairs.map((p) => diffTensor(p.name, p.baseline, p.current, tolerance)), incomparable };
}

/** One tensor's element-wise difference current − baseline, of two tensors of one shape named `name` (`layer/tensor`). */
export function diffTensor(name: string, before: Tensor, now: Tensor, tolerance: Tolerance = EXACT): TensorDiff {
  const [a, b] = [now.data, before.data];
  const delta = new Float64Array(a.length);
  let [maxAbs, worst, over] = [0, a.length === 0 ? -1 : 0, 0];
  for (let i = 0; i < a.length; i++) {
    delta[i] = a[i] - b[i];
    const g = gap(a[i], b[i]);
    if (g > maxAbs) [maxAbs, worst] = [g, i];
    if (g === Infinity || g > tolerance.atol + tolerance.rtol * Math.abs(b[i])) over++;
  }
  return {
    name,
    layer: layerOf(name),
    shape: [...now.shape],
    delta: tensor(now.shape, delta),
    maxAbs,
    at: worst < 0 ? null : unravel(worst, now.shape),
    current: worst < 0 ? NaN : a[worst],
    baseline: worst < 0 ? NaN : b[worst],
    over,
  };
}
