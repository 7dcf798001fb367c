// Colour scales for heatmaps: 256-entry lookup tables, viridis and inferno sampled once from
// d3-scale-chromatic, the diverging and error scales built for the theme's background.
import { interpolateInferno, interpolateViridis } from 'd3-scale-chromatic';
import type { WireStats } from '../../src/protocol';

/**
 * How a tensor's values map to colour. `log` is inferno over log10 of the positive values; `error`
 * (|a − n| of a gradient check) is the same log scale drawn on two ramps, a quiet one for elements
 * that pass and a hot one for those that fail, since each element has its own tolerance.
 */
export type ScaleKind = 'sequential' | 'diverging' | 'mask' | 'error' | 'log';

/** The scales drawn from a lookup table. */
export type ContinuousKind = Exclude<ScaleKind, 'mask'>;

/** The lookup tables: the error scale has one for elements that pass and one for those that fail. */
export type TableKind = Exclude<ContinuousKind, 'error'> | 'error-ok' | 'error-fail';

/** An RGB colour, each channel 0..255. */
export type Rgb = readonly [number, number, number];

/** What the scales take from the theme: zero is drawn in the background, so that nothing reads as nothing. */
export interface HeatmapTheme {
  /** Behind the heatmaps: the colour of 0 on the diverging and error scales. */
  background: Rgb;
  /** Text colour: the far end of the error scale's quiet ramp leans towards it. */
  foreground: Rgb;
}

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

/** True for a dark background (Rec. 709 luma below half): the ramps then grow lighter away from it, not darker. */
export function isDark(c: Rgb): boolean {
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] < 128;
}

/** The colour at s (0..1) along `stops`, linear between neighbours. */
function along(stops: readonly Rgb[], s: number): Rgb {
  const x = Math.min(1, Math.max(0, s)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [stops[i], stops[i + 1]];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** `a` moved the fraction f of the way to `b`. */
function mix(a: Rgb, b: Rgb, f: number): Rgb {
  return along([a, b], f);
}

const hex = (...cs: string[]): Rgb[] => cs.map(parseRgb);
/** RdBu's stops without its white centre, from light to dark: the diverging scale's two sides. */
const RED = hex('#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f');
const BLUE = hex('#d1e5f0', '#92c5de', '#4393c3', '#2166ac', '#053061');
/** Failing elements: orange, whose hue no quiet ramp shares, from light to dark. */
const FAIL = hex('#fdd0a2', '#fd8d3c', '#e6550d', '#a63603');

/** Stops leading away from `background`: on a dark one lightness must rise with |v| (light-to-dark stops reversed), and the palest is dropped. */
function awayFrom(background: Rgb, lightToDark: readonly Rgb[]): Rgb[] {
  return [background, ...(isDark(background) ? [...lightToDark].reverse().slice(0, -1) : lightToDark)];
}

/** A 256-entry table of `colour(t)`, t from 0 to 1. */
function table(colour: (t: number) => Rgb): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(colour(i / 255).map(Math.round), i * 3);
  return lut;
}

/** The theme-dependent tables: the diverging scale is RdBu with the background at 0; the error scale's ramps start from the background too. */
function themed(kind: 'diverging' | 'error-ok' | 'error-fail', theme: HeatmapTheme): Uint8ClampedArray {
  const { background, foreground } = theme;
  switch (kind) {
    case 'diverging': {
      const red = awayFrom(background, RED);
      const blue = awayFrom(background, BLUE);
      // t = 0 is the most positive end, 1 the most negative; 0 sits at t = 0.5.
      return table((t) => (t < 0.5 ? along(red, 1 - 2 * t) : along(blue, 2 * t - 1)));
    }
    case 'error-ok':
      // Quiet: from the background to grey, half way to the text colour.
      return table((t) => mix(background, foreground, 0.1 + 0.45 * t));
    case 'error-fail': {
      // Hot, and already far from the background at its low end.
      const fail = isDark(background) ? FAIL.slice(0, 3).reverse() : FAIL.slice(1);
      return table((t) => along(fail, t));
    }
  }
}

let fixed: Record<'sequential' | 'log', Uint8ClampedArray> | null = null;
const byTheme = new Map<string, Uint8ClampedArray>();

/** The lookup table of a scale in `theme`; t = 0 is the low end (for diverging: most positive). */
export function lutOf(kind: TableKind, theme: HeatmapTheme): Uint8ClampedArray {
  if (kind === 'sequential' || kind === 'log') {
    fixed ??= { sequential: sample(interpolateViridis), log: sample(interpolateInferno) };
    return fixed[kind];
  }
  const key = `${kind} ${theme.background.join()} ${theme.foreground.join()}`;
  let lut = byTheme.get(key);
  if (!lut) byTheme.set(key, (lut = themed(kind, theme)));
  return lut;
}

/** The scale a tensor is drawn on: a sequential one becomes diverging (centred on 0) when any value is negative, since a signed tensor reads against 0, not against its own range. */
export function scaleFor(kind: ScaleKind, stats: WireStats): ScaleKind {
  return kind === 'sequential' && ((stats.min !== null && stats.min < 0) || stats.negInf > 0) ? 'diverging' : kind;
}

/** The one value every element of a tensor holds, or null: such a tensor is labelled ("all 0", "constant −0.5"), since a colour scale over a single value says nothing. */
export function constantOf(stats: WireStats): number | null {
  const { count, nan, posInf, negInf, min, max } = stats;
  return count > 0 && nan + posInf + negInf === 0 && min !== null && min === max ? min : null;
}

/** Value range a scale spans: finite min..max, or −m..+m with m the largest finite |v| for diverging. */
export interface Domain {
  /** Value drawn at the low end of the legend. */
  lo: number;
  /** Value drawn at the high end of the legend. */
  hi: number;
}

/** True for the scales over log10 of the positive values. */
const isLog = (kind: ScaleKind): boolean => kind === 'log' || kind === 'error';

/** The domain of `kind` over the finite values of `data` (for `log` and `error`, the positive ones); [0, 0] when there are none. */
export function domainOf(kind: ScaleKind, data: Float64Array): Domain {
  if (kind === 'mask') return { lo: 0, hi: 1 };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (!Number.isFinite(v) || (isLog(kind) && v <= 0)) continue;
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
  const t = isLog(kind) ? logPosition(domain, v) : legendPosition(domain, v);
  return Math.round((kind === 'diverging' ? 1 - t : t) * 255);
}
