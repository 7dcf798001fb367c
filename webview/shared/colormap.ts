// Colour scales for heatmaps: 256-entry lookup tables sampled once from d3-scale-chromatic.
import { interpolateInferno, interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';

/** How a tensor's values map to colour; `log` is the error scale over log10 of the positive values. */
export type ScaleKind = 'sequential' | 'diverging' | 'mask' | 'error' | 'log';

/** The scales drawn from a lookup table. */
export type ContinuousKind = Exclude<ScaleKind, 'mask'>;

/** An RGB colour, each channel 0..255. */
export type Rgb = readonly [number, number, number];

/** NaN cells: magenta, which no scale here uses. */
export const NAN_RGB: Rgb = [255, 0, 255];

/** Parses the colour strings d3 produces: `#rrggbb` or `rgb(r, g, b)`. */
export function parseRgb(text: string): Rgb {
  const s = text.trim();
  if (/^#[0-9a-f]{6}$/i.test(s)) {
    return [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16)];
  }
  const m = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  throw new Error(`unparsable colour ${text}`);
}

function sample(interpolate: (t: number) => string): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(parseRgb(interpolate(i / 255)), i * 3);
  return lut;
}

let luts: Record<'sequential' | 'diverging' | 'error', Uint8ClampedArray> | null = null;

/** The lookup table of a continuous scale; t = 0 is the low end (for diverging: most positive). */
export function lutOf(kind: ContinuousKind): Uint8ClampedArray {
  // Positive gradients read red, as in the book's figures: RdBu starts at red, so t runs from +m down.
  luts ??= { sequential: sample(interpolateViridis), diverging: sample(interpolateRdBu), error: sample(interpolateInferno) };
  return luts[kind === 'log' ? 'error' : kind];
}

/** Value range a scale spans: finite min..max, or −m..+m with m the largest finite |v| for diverging. */
export interface Domain {
  /** Value drawn at the low end of the legend. */
  lo: number;
  /** Value drawn at the high end of the legend. */
  hi: number;
}

/** The domain of `kind` over the finite values of `data` (for `log`, the positive ones); [0, 0] when there are none. */
export function domainOf(kind: ScaleKind, data: Float64Array): Domain {
  if (kind === 'mask') return { lo: 0, hi: 1 };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (!Number.isFinite(v) || (kind === 'log' && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return { lo: 0, hi: 0 };
  if (kind === 'diverging') {
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    return { lo: -m, hi: m };
  }
  return { lo, hi };
}

/** Position 0..1 of `v` on the legend (low end 0); infinities clamp to the ends, a flat domain is 0.5. */
function legendPosition(domain: Domain, v: number): number {
  if (domain.hi === domain.lo) return v > domain.hi ? 1 : v < domain.lo ? 0 : 0.5;
  const t = (v - domain.lo) / (domain.hi - domain.lo);
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/** Position 0..1 of `v` between log10 of the domain ends; zero and anything below the domain take the low end. */
function logPosition(domain: Domain, v: number): number {
  if (!(v > 0 && v >= domain.lo)) return 0;
  if (domain.hi === domain.lo) return v > domain.hi ? 1 : 0.5;
  const t = (Math.log10(v) - Math.log10(domain.lo)) / (Math.log10(domain.hi) - Math.log10(domain.lo));
  return t > 1 ? 1 : t;
}

/** LUT index (0..255) of `v` for a continuous scale. */
export function lutIndex(kind: ContinuousKind, domain: Domain, v: number): number {
  const t = kind === 'log' ? logPosition(domain, v) : legendPosition(domain, v);
  return Math.round((kind === 'diverging' ? 1 - t : t) * 255);
}
