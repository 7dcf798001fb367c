// A tensor's colour scale, shared by the matrix heatmap and the 4-D grid: which scale it is drawn on,
// its domain, the colour of each value in the current theme, its legend and the words a screen
// reader hears for it.
import type { MaskWords } from '../../src/heatmaps';
import type { WireTensor } from '../../src/protocol';
import { NAN_RGB, constantOf, domainOf as domainOver, lutIndex, lutOf, scaleFor, type Domain, type HeatmapTheme, type Rgb, type ScaleKind, type TableKind } from './colormap';
import { h } from './dom';
import { fmt, fmtFull } from '../../src/format';
import { maskWord, t } from './strings';

/** A continuous scale in words. */
function kindText(kind: Exclude<ScaleKind, 'mask'>): string {
  switch (kind) {
    case 'sequential':
      return t('sequential colour scale (viridis)');
    case 'diverging':
      return t('diverging colour scale centred on 0 (red positive, blue negative, 0 in the background colour)');
    case 'error':
      return t('logarithmic colour scale, zero at the low end, failing elements in orange and the others in grey');
    case 'log':
      return t('logarithmic colour scale (inferno), zero at the low end');
  }
}

/** What the legend calls the error scale's ramps, and what they hold. */
function errorRamps(): { table: TableKind; label: string; title: string }[] {
  return [
    { table: 'error-ok', label: t('ok'), title: t('within the tolerance |a − n| ≤ atol + rtol·|n|, or a non-differentiable point') },
    { table: 'error-fail', label: t('fail'), title: t('outside the tolerance |a − n| ≤ atol + rtol·|n|') },
  ];
}

const MASKED: MaskWords = { one: 'masked', zero: 'passed' };

/** The theme's colours for the scales, read when drawing, so a theme change redraws in the new ones. */
export function readTheme(): HeatmapTheme {
  return { background: themeColor('--bl-heatmap-zero', '#ffffff'), foreground: themeColor('--vscode-foreground', '#3b3b3b') };
}

/** Reads a theme colour from a CSS custom property (resolved through the canvas, so any CSS colour works). */
function themeColor(property: string, fallback: string): Rgb {
  const raw = getComputedStyle(document.body).getPropertyValue(property).trim();
  const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  if (!ctx) return [128, 128, 128];
  ctx.fillStyle = fallback;
  if (raw) ctx.fillStyle = raw;
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
  return [r, g, b];
}

/** "all 0", "constant -0.5": what a constant tensor's legend says instead of a scale. */
function constantText(value: number): string {
  return value === 0 ? t('all 0') : t('constant {0}', fmt(value));
}

/** The scale of one tensor. */
export class TensorScale {
  /** The scale drawn: the spec's, or diverging for a signed tensor. */
  readonly kind: ScaleKind;
  /** The value of a constant tensor, or null. */
  readonly constant: number | null;
  readonly domain: Domain;
  /** What a mask's 1s and 0s mean, in the user's language. */
  private readonly maskWords: MaskWords;

  constructor(
    requested: ScaleKind,
    private readonly tensor: WireTensor,
    /** The domain of the scale drawn, from the tensor's values or what stands in for them. */
    domainOf: (kind: ScaleKind) => Domain,
    words: MaskWords = MASKED,
  ) {
    this.maskWords = { one: maskWord(words.one), zero: maskWord(words.zero) };
    this.kind = scaleFor(requested, tensor.stats);
    this.constant = this.kind === 'mask' ? null : constantOf(tensor.stats);
    this.domain = domainOf(this.kind);
  }

  /** A scale whose domain spans `values` (a tensor sent whole). */
  static of(kind: ScaleKind, tensor: WireTensor, values: Float64Array | null, maskWords?: MaskWords): TensorScale {
    return new TensorScale(kind, tensor, (k) => (values ? domainOver(k, values) : { lo: 0, hi: 0 }), maskWords);
  }

  /** The colour of value v; `failed(i)` says whether drawn value i fails its check (the error scale). */
  colorOf(theme: HeatmapTheme, failed?: (i: number) => boolean): (v: number, i: number) => Rgb {
    const { kind } = this;
    if (kind === 'mask') {
      const one = themeColor('--bl-mask-masked', '#d18616');
      const zero = themeColor('--bl-mask-passed', '#3794ff');
      return (v) => (Number.isNaN(v) ? NAN_RGB : v !== 0 ? one : zero);
    }
    // All zeros are nothing to see: the background, whatever the scale.
    if (this.constant === 0) return (v) => (Number.isNaN(v) ? NAN_RGB : theme.background);
    const entry = (lut: Uint8ClampedArray, v: number): Rgb => {
      const i = lutIndex(kind, this.domain, v) * 3;
      return [lut[i], lut[i + 1], lut[i + 2]];
    };
    if (kind === 'error') {
      const ok = lutOf('error-ok', theme);
      const fail = lutOf('error-fail', theme);
      return (v, i) => (Number.isNaN(v) ? NAN_RGB : entry(failed?.(i) ? fail : ok, v));
    }
    const lut = lutOf(kind, theme);
    return (v) => (Number.isNaN(v) ? NAN_RGB : entry(lut, v));
  }

  /** How an element's value reads in a tooltip: a mask's says what its 0 or 1 means. */
  valueText(v: number): string {
    return this.kind === 'mask' && !Number.isNaN(v) ? `${fmtFull(v)} (${v !== 0 ? this.maskWords.one : this.maskWords.zero})` : fmtFull(v);
  }

  /** The scale in words, for the canvas's accessible label. */
  describe(): string {
    if (this.constant !== null) return constantText(this.constant);
    if (this.kind === 'mask') return t('two colours ({0}, {1})', this.maskWords.one, this.maskWords.zero);
    return t('{0}, from {1} to {2}', kindText(this.kind), fmt(this.domain.lo), fmt(this.domain.hi));
  }

  /** The legend's items; `anyFailed` adds the error scale's failing ramp. */
  legend(theme: HeatmapTheme, anyFailed: boolean): HTMLElement[] {
    const { kind } = this;
    const { stats } = this.tensor;
    const nan = stats.nan > 0 ? h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-nan' }), 'NaN') : null;
    const items = (...elements: (HTMLElement | null)[]): HTMLElement[] => elements.filter((e) => e !== null);
    if (kind === 'mask') {
      return items(
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-passed' }), `${this.maskWords.zero} (0)`),
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-masked' }), `${this.maskWords.one} (1)`),
        nan,
      );
    }
    if (this.constant !== null) {
      const swatch = h('span', { class: 'swatch' });
      const [r, g, b] = this.colorOf(theme)(this.constant, 0);
      swatch.style.background = `rgb(${r}, ${g}, ${b})`;
      return [h('span', { class: 'legend-item legend-constant', title: fmtFull(this.constant) }, swatch, constantText(this.constant))];
    }
    const { lo, hi } = this.domain;
    // On the log scales zeros have no place of their own: they share the low end.
    const zeros = (kind === 'log' || kind === 'error') && stats.zeros > 0;
    const ends = h(
      'div',
      { class: 'legend-ends' },
      h('span', { title: zeros ? t('0, and {0} and below', fmtFull(lo)) : fmtFull(lo) }, zeros ? `≤${fmt(lo)}` : fmt(lo)),
      kind === 'diverging' ? h('span', {}, '0') : kind === 'log' || kind === 'error' ? h('span', { class: 'legend-mid' }, t('log scale')) : null,
      h('span', { title: fmtFull(hi) }, fmt(hi)),
    );
    if (kind === 'error') {
      // One bar per ramp, the failing one only when something fails; both span the same ends.
      const ramps = errorRamps().filter((r) => r.table === 'error-ok' || anyFailed);
      const rows = ramps.map((r) => h('div', { class: 'legend-ramp', title: r.title }, bar(r.table, theme), h('span', { class: 'legend-ramp-label' }, r.label)));
      return items(h('div', { class: 'legend-scale legend-error' }, ...rows, ends), nan);
    }
    return items(h('div', { class: 'legend-scale' }, bar(kind, theme), ends), nan);
  }
}

/** A legend bar of `table`, low end on the left (the diverging table runs from + to −, so it is flipped to put − on the left). */
function bar(table: TableKind, theme: HeatmapTheme): HTMLCanvasElement {
  const canvas = h('canvas', { class: 'legend-bar', width: 256, height: 1, 'aria-hidden': 'true' });
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const image = new ImageData(256, 1);
  const lut = lutOf(table, theme);
  for (let x = 0; x < 256; x++) {
    const i = (table === 'diverging' ? 255 - x : x) * 3;
    image.data.set([lut[i], lut[i + 1], lut[i + 2], 255], x * 4);
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}
