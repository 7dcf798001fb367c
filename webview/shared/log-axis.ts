// Log axes of the charts: which decades get a tick and a label, how a label reads, and when a curve
// spans enough decades to be drawn on one. Pure, so the rules are tested without a browser.

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };

/** 10^k as a tick label: 1, 10, else 10 with a superscript exponent (10⁻³). */
export function decadeLabel(k: number): string {
  if (k === 0) return '1';
  if (k === 1) return '10';
  return `10${[...String(k)].map((ch) => SUPERSCRIPT[ch] ?? ch).join('')}`;
}

/**
 * Exponents of the decades a log axis from 10^`from` to 10^`to` marks over `length` px, labels at
 * least `gap` px apart: every decade when they fit, else the multiples of the smallest step that fits
 * (so the marks stay put as the range grows). At least one: a chart spanning 300 decades, as a
 * diverging loss does, still says where it is.
 */
export function decadeTicks(from: number, to: number, length: number, gap: number): number[] {
  if (!(Number.isFinite(from) && Number.isFinite(to) && to >= from)) return [];
  // The tolerance absorbs rounding in ends computed as logarithms.
  const lo = Math.ceil(from - 1e-9);
  const hi = Math.floor(to + 1e-9);
  if (hi < lo) return [lo];
  const room = Math.max(2, Math.floor(length / gap));
  const step = Math.max(1, Math.ceil((hi - lo + 1) / room));
  // With room ≥ 2, lo..hi holds at least `step` whole numbers, so at least one multiple of it.
  const ticks: number[] = [];
  // + 0 turns −0 (from ceil of a small negative) into 0.
  for (let k = Math.ceil(lo / step) * step + 0; k <= hi; k += step) ticks.push(k);
  return ticks;
}

/** The whole decades (as exponents) around `min`..`max` (exponents too): at least one decade; −3..0 when there is nothing. */
export function decadeRange(min: number | null, max: number | null): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [-3, 0];
  const lo = Math.floor(min);
  const hi = Math.ceil(max);
  return [lo, Math.max(hi, lo + 1)];
}

/** Decades between a curve's smallest and largest positive finite values from which its chart turns to a log scale. */
export const LOG_FROM_DECADES = 4;

/** True when the positive finite `values` span LOG_FROM_DECADES decades or more. */
export function spansDecades(values: ArrayLike<number>): boolean {
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0 && v < Infinity) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return hi > 0 && hi / lo >= 10 ** LOG_FROM_DECADES;
}
