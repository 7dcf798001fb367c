// Summary figures of tensors and masks, for tables and status lines. Figures can be NaN (e.g. the
// mean of a tensor with no finite element); turning NaN into null for JSON is the caller's job.
import type { Tensor } from './tensor';

/** Summary of a tensor. mean, meanAbs, std, min, max and l2 cover finite elements only; NaN when there are none. */
export interface TensorStats {
  shape: number[];
  /** Number of elements, finite or not. */
  count: number;
  /** Mean of the finite elements. */
  mean: number;
  /** Mean of |x| over the finite elements: the typical magnitude, which a mean near 0 hides. */
  meanAbs: number;
  /** Population standard deviation (divided by the count) of the finite elements. */
  std: number;
  /** Smallest finite element. */
  min: number;
  /** Largest finite element. */
  max: number;
  /** Euclidean norm of the finite elements (0 when there are none). */
  l2: number;
  /** Elements equal to 0 (including −0). */
  zeros: number;
  /** NaN elements. */
  nan: number;
  /** +Infinity elements. */
  posInf: number;
  /** −Infinity elements. */
  negInf: number;
}

/** Summary figures of `t`, in two passes (mean first, then the spread) for an accurate std. */
export function tensorStats(t: Tensor): TensorStats {
  const d = t.data;
  let finite = 0;
  let sum = 0;
  let sumAbs = 0;
  let min = Infinity;
  let max = -Infinity;
  let maxAbs = 0;
  let zeros = 0;
  let nan = 0;
  let posInf = 0;
  let negInf = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
    else {
      finite++;
      sum += v;
      sumAbs += Math.abs(v);
      if (v < min) min = v;
      if (v > max) max = v;
      if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
      if (v === 0) zeros++;
    }
  }
  const mean = finite === 0 ? NaN : sum / finite;
  let spread = 0;
  let scaledSquares = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v)) continue;
    spread += (v - mean) * (v - mean);
    // Scaled by the largest |v| so the squares cannot overflow for |v| > 1e154.
    scaledSquares += (v / maxAbs) * (v / maxAbs);
  }
  return {
    shape: [...t.shape],
    count: d.length,
    mean,
    meanAbs: finite === 0 ? NaN : sumAbs / finite,
    std: finite === 0 ? NaN : Math.sqrt(spread / finite),
    min: finite === 0 ? NaN : min,
    max: finite === 0 ? NaN : max,
    l2: maxAbs === 0 ? 0 : maxAbs * Math.sqrt(scaledSquares),
    zeros,
    nan,
    posInf,
    negInf,
  };
}

/** How a tensor's finite values spread: counts[k] holds those in [lo + k·w, lo + (k+1)·w), w = (hi − lo)/bins; the last bin holds hi too. */
export interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
  /** Finite values outside a fixed [lo, hi], in no bin. */
  outside: number;
}

/** [min, max] of `t`'s finite values; [0, 0] when it has none. */
export function finiteRange(t: Tensor): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of t.data) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo > hi ? [0, 0] : [lo, hi];
}

/** The histogram of `t`'s finite values in `bins` bins over `range`, or over [min, max] (a constant tensor fills the first bin). */
export function histogram(t: Tensor, bins: number, range?: readonly [number, number]): Histogram {
  const [lo, hi] = range ?? finiteRange(t);
  const counts = new Array<number>(bins).fill(0);
  let outside = 0;
  const scale = hi > lo ? bins / (hi - lo) : 0;
  for (const v of t.data) {
    if (!Number.isFinite(v)) continue;
    if (v < lo || v > hi) {
      outside++;
      continue;
    }
    counts[Math.min(bins - 1, Math.floor((v - lo) * scale))]++;
  }
  return { lo, hi, counts, outside };
}

/** Summary of a 0/1 mask (1 = masked) over a batch. */
export interface MaskStats {
  /** Fraction of masked elements (0 for an empty mask). */
  maskedFraction: number;
  /**
   * Units masked in every row of the batch: columns of the [N, D] mask, or for a mask of images
   * [N, C, H, W] (after a convolution) filters, i.e. channels masked at every pixel of every row.
   */
  deadUnits: number;
  /** deadUnits over the units (0 when there are none). */
  deadFraction: number;
  /** What deadUnits counts. */
  unit: 'unit' | 'filter';
}

/** Masked fraction and dead units of a mask; rank 4 counts filters, other ranks > 2 are flattened to [N, rest], rank 1 is one row. */
export function maskStats(mask: Tensor): MaskStats {
  const images = mask.shape.length === 4;
  const n = mask.shape.length === 1 ? 1 : mask.shape[0];
  // A unit is a column of [N, D], or a channel of [N, C, H, W] with its H·W pixels.
  const units = images ? mask.shape[1] : n === 0 ? 0 : mask.data.length / n;
  const plane = images ? mask.shape[2] * mask.shape[3] : 1;
  let masked = 0;
  const maskedCount = new Float64Array(units);
  for (let i = 0; i < mask.data.length; ) {
    for (let j = 0; j < units; j++) {
      for (let p = 0; p < plane; p++, i++) {
        if (mask.data[i] === 0) continue;
        masked++;
        maskedCount[j]++;
      }
    }
  }
  let deadUnits = 0;
  for (let j = 0; j < units; j++) if (n > 0 && maskedCount[j] === n * plane) deadUnits++;
  return {
    maskedFraction: mask.data.length === 0 ? 0 : masked / mask.data.length,
    deadUnits,
    deadFraction: units === 0 ? 0 : deadUnits / units,
    unit: images ? 'filter' : 'unit',
  };
}

/**
 * Percentiles (0–100, linear interpolation between ranks) of |x| over the elements of `data`, or over
 * an evenly strided sample of at most `maxSamples` of them, which bounds the sort for big tensors.
 * Non-finite elements sort last (NaN as +Infinity).
 */
export function absPercentiles(data: Float64Array, levels: readonly number[], maxSamples = 4096): Float64Array {
  const stride = Math.max(1, Math.ceil(data.length / maxSamples));
  const sample = new Float64Array(Math.ceil(data.length / stride));
  for (let i = 0, k = 0; i < data.length; i += stride, k++) {
    const v = Math.abs(data[i]);
    sample[k] = Number.isNaN(v) ? Infinity : v;
  }
  sample.sort();
  const out = new Float64Array(levels.length);
  if (sample.length === 0) return out.fill(NaN);
  levels.forEach((level, j) => {
    const rank = (level / 100) * (sample.length - 1);
    const lo = Math.floor(rank);
    const hi = Math.min(lo + 1, sample.length - 1);
    out[j] = rank === lo || sample[lo] === sample[hi] ? sample[lo] : sample[lo] + (rank - lo) * (sample[hi] - sample[lo]);
  });
  return out;
}
