// One heatmap card: a tensor drawn cell by cell on a canvas (crisp: a small ImageData scaled up with
// smoothing off), a legend, a note when the tensor was pooled, and a tooltip with exact values.
import type { WireTensor } from '../../src/protocol';
import { NAN_RGB, constantOf, domainOf, lutIndex, lutOf, scaleFor, type Domain, type HeatmapTheme, type Rgb, type ScaleKind, type TableKind } from './colormap';
import { h } from './dom';
import { bytesOf, wholeBuffer } from './wire-buffer';
import { cellBlock, matrixShape, poolMaxAbs, repool, type Grid } from '../../src/downsample';
import { fmt, fmtCount, fmtFull, fmtShape } from '../../src/format';

/** What to draw. */
export interface HeatmapSpec {
  /** Short title: activation, mask, dout, dx, dW, |a − n| (W)… */
  title: string;
  /** Name of the layer the tensor belongs to (for the accessible label). */
  layer: string;
  tensor: WireTensor;
  /** Colour scale; a sequential one turns diverging for a signed tensor (see scaleFor). */
  kind: ScaleKind;
  /** For the `error` scale: 1 per element of `tensor` that fails its check, else 0. */
  failed?: Uint8Array | null;
}

/** Largest cell edge (CSS px) at zoom 1. */
const MAX_CELL_PX = 24;
/** Cells are at most this many times wider than tall, or the reverse. */
const MAX_ASPECT = 8;

const KIND_TEXT: Record<ScaleKind, string> = {
  sequential: 'sequential colour scale (viridis)',
  diverging: 'diverging colour scale centred on 0 (red positive, blue negative, 0 in the background colour)',
  mask: 'two colours (masked, passed)',
  error: 'logarithmic colour scale, zero at the low end, failing elements in orange and the others in grey',
  log: 'logarithmic colour scale (inferno), zero at the low end',
};

/** What the legend calls the error scale's ramps, and what they hold. */
const ERROR_RAMPS: { table: TableKind; label: string; title: string }[] = [
  { table: 'error-ok', label: 'ok', title: 'within the tolerance |a − n| ≤ atol + rtol·|n|, or a non-differentiable point' },
  { table: 'error-fail', label: 'fail', title: 'outside the tolerance |a − n| ≤ atol + rtol·|n|' },
];

/** How large a zoom-1 heatmap is drawn, for the width the view has. */
export interface HeatmapFit {
  /** Canvas width and height (CSS px) a zoom-1 heatmap aims to fill. */
  width: number;
  /** Cells per axis drawn at zoom 1 (each at least 1 px) before max-|·| pooling sets in; zoom scales it. */
  maxCells: number;
}

/** The panel's fit: about 320 px, and up to 400 one-pixel cells per axis since the panel is wide. */
export const PANEL_FIT: HeatmapFit = { width: 320, maxCells: 400 };

/** The panel's gradient-check heatmaps: smaller, so that both fit beside the worst elements; zoom undoes the pooling. */
export const CHECK_FIT: HeatmapFit = { width: 240, maxCells: 240 };

/** How a heatmap card behaves in its view. */
export interface HeatmapOptions {
  /** Zoom, 1 = fit. */
  zoom: number;
  /** Size at zoom 1. */
  fit: HeatmapFit;
  /** The tooltip the view's heatmaps share. */
  tooltip: Tooltip;
  /** Ctrl+wheel over the canvas asks the view to zoom by `steps`. */
  onZoom(steps: number): void;
  /** Makes cells clickable: called with the source row and column of a clicked cell (or Enter on the cell cursor). */
  onPick?: (row: number, col: number) => void;
}

/** The one tooltip all heatmaps share. Text only, positioned next to the pointer or the cell. */
export class Tooltip {
  /** The tooltip element (lives under body). */
  readonly element = h('div', { class: 'tooltip', role: 'tooltip', id: 'bl-tooltip', hidden: true });
  private anchor: Element | null = null;

  constructor() {
    // The tooltip is fixed: on a scroll, one beside a cell follows the cell (one at the pointer moves with the pointer).
    window.addEventListener('scroll', () => this.place(), { capture: true, passive: true });
  }

  /** Shows `lines` with its top-left corner near client point (x, y), kept inside the window. */
  show(lines: string[], x: number, y: number): void {
    this.anchor = null;
    this.element.textContent = lines.join('\n');
    this.element.hidden = false;
    this.moveTo(x, y);
  }

  /** Shows `lines` beside the bottom-right corner of `anchor`, and keeps it there while the page scrolls. */
  showAt(lines: string[], anchor: Element): void {
    this.anchor = anchor;
    this.element.textContent = lines.join('\n');
    this.element.hidden = false;
    this.place();
  }

  /** Hides the tooltip. */
  hide(): void {
    this.anchor = null;
    this.element.hidden = true;
  }

  private place(): void {
    if (!this.anchor) return;
    const r = this.anchor.getBoundingClientRect();
    // Scrolled out of sight, the cell takes its tooltip along.
    this.element.hidden = r.bottom < 0 || r.top > window.innerHeight || r.right < 0 || r.left > window.innerWidth;
    if (!this.element.hidden) this.moveTo(r.right, r.bottom);
  }

  private moveTo(x: number, y: number): void {
    const w = this.element.offsetWidth;
    const ht = this.element.offsetHeight;
    const left = x + 14 + w > window.innerWidth ? Math.max(0, x - 14 - w) : x + 14;
    const top = y + 14 + ht > window.innerHeight ? Math.max(0, y - 14 - ht) : y + 14;
    this.element.style.left = `${left}px`;
    this.element.style.top = `${top}px`;
  }
}

/** The theme's colours for the scales, read when drawing, so a theme change redraws in the new ones. */
function readTheme(): HeatmapTheme {
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

/** Float64 view of a wire tensor, or null when its buffer is missing or the wrong size. */
function valuesOf(t: WireTensor): Float64Array | null {
  const bytes = bytesOf(t.buffer);
  const count = t.shape.reduce((a, d) => a * d, 1);
  if (!bytes || bytes.byteLength !== count * 8) return null;
  return bytes.byteOffset % 8 === 0 ? new Float64Array(bytes.buffer, bytes.byteOffset, count) : new Float64Array(bytes.slice().buffer);
}

/** The grid a tensor's preview holds (see WirePreview), or null when it has none or it does not fit the shape. */
function previewOf(t: WireTensor): Grid | null {
  const p = t.preview;
  if (!p || !(p.rowFactor >= 1 && p.colFactor >= 1)) return null;
  const { rows: srcRows, cols: srcCols } = matrixShape(t.shape);
  const rows = Math.ceil(srcRows / p.rowFactor);
  const cols = Math.ceil(srcCols / p.colFactor);
  const values = bytesOf(p.values);
  const sourceIndex = bytesOf(p.sourceIndex);
  if (values?.byteLength !== rows * cols * 8 || sourceIndex?.byteLength !== rows * cols * 4) return null;
  return { rows, cols, rowFactor: p.rowFactor, colFactor: p.colFactor, srcRows, srcCols, values: new Float64Array(wholeBuffer(values)), sourceIndex: new Int32Array(wholeBuffer(sourceIndex)) };
}

/** The colour domain of a preview: the tensor's own min and max (pooling keeps only each block's largest |v|). */
function previewDomain(kind: ScaleKind, t: WireTensor, preview: Grid): Domain {
  const { min, max } = t.stats;
  return kind === 'mask' || kind === 'log' || kind === 'error' || min === null || max === null ? domainOf(kind, preview.values) : domainOf(kind, Float64Array.of(min, max));
}

/** "all 0", "constant -0.5": what a constant tensor's legend says instead of a scale. */
function constantText(value: number): string {
  return value === 0 ? 'all 0' : `constant ${fmt(value)}`;
}

/** A heatmap card. `setZoom` redraws it at another zoom without rebuilding the card. */
export class HeatmapView {
  readonly element: HTMLElement;
  private readonly canvas = h('canvas', { class: 'hm-canvas', tabindex: 0, role: 'img' });
  private readonly cursor = h('div', { class: 'hm-cursor', hidden: true });
  private readonly note = h('div', { class: 'hm-note' });
  private readonly legend = h('div', { class: 'legend' });
  private readonly data: Float64Array | null;
  /** The scale drawn: the spec's, or diverging for a signed tensor. */
  private readonly kind: ScaleKind;
  /** The value of a constant tensor, or null. */
  private readonly constant: number | null;
  /** For the error scale: the failing flags as values to pool like the tensor's (a block fails when any element in it does). */
  private readonly failed: Float64Array | null;
  private failedGrid: Grid | null = null;
  /** What the engine sent instead of the values of a big tensor. */
  private readonly preview: Grid | null;
  private readonly domain: Domain;
  private readonly rows: number;
  private readonly cols: number;
  private readonly fitW: number;
  private readonly fitH: number;
  private grid: Grid | null = null;
  private cellW = 1;
  private cellH = 1;
  private cursorAt: { r: number; c: number } | null = null;
  private readonly tooltip: Tooltip;
  private readonly maxCells: number;
  private readonly onPick: ((row: number, col: number) => void) | undefined;

  constructor(
    private readonly spec: HeatmapSpec,
    options: HeatmapOptions,
  ) {
    const { fit } = options;
    this.tooltip = options.tooltip;
    this.onPick = options.onPick;
    this.maxCells = fit.maxCells;
    this.data = valuesOf(spec.tensor);
    this.preview = this.data ? null : previewOf(spec.tensor);
    this.kind = scaleFor(spec.kind, spec.tensor.stats);
    this.constant = this.kind === 'mask' ? null : constantOf(spec.tensor.stats);
    this.failed = this.kind === 'error' && this.data && spec.failed?.length === this.data.length ? Float64Array.from(spec.failed) : null;
    this.domain = this.data ? domainOf(this.kind, this.data) : this.preview ? previewDomain(this.kind, spec.tensor, this.preview) : { lo: 0, hi: 0 };
    ({ rows: this.rows, cols: this.cols } = matrixShape(spec.tensor.shape));
    // Cell size at zoom 1 is chosen once so that zooming scales the whole picture evenly.
    const g1 = { rows: Math.ceil(this.rows / Math.ceil(this.rows / fit.maxCells)), cols: Math.ceil(this.cols / Math.ceil(this.cols / fit.maxCells)) };
    let cw = Math.min(MAX_CELL_PX, Math.max(1, Math.floor(fit.width / g1.cols)));
    let ch = Math.min(MAX_CELL_PX, Math.max(1, Math.floor(fit.width / g1.rows)));
    cw = Math.min(cw, ch * MAX_ASPECT);
    ch = Math.min(ch, cw * MAX_ASPECT);
    this.fitW = cw * g1.cols;
    this.fitH = ch * g1.rows;

    const shapeText = fmtShape(spec.tensor.shape);
    const header = h(
      'figcaption',
      { class: 'hm-header' },
      h('span', { class: 'hm-title' }, spec.title),
      h('span', { class: 'hm-shape' }, spec.tensor.shape.length === 2 ? shapeText : `${shapeText} (shown as ${this.rows}×${this.cols})`),
    );
    const stage = h('div', { class: 'hm-stage' }, this.canvas, this.cursor);
    const hint = this.onPick ? h('div', { class: 'hm-hint' }, 'Click a cell to reveal its line in the spec.') : null;
    this.element = h('figure', { class: 'hm-card' }, header, h('div', { class: 'hm-scroll' }, stage), this.note, this.legend, hint);
    this.canvas.classList.toggle('pickable', this.onPick !== undefined);

    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => this.leave());
    this.canvas.addEventListener('blur', () => this.leave());
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    this.canvas.addEventListener('click', (e) => {
      const at = this.cellAt(e.clientX, e.clientY);
      if (at) this.pick(at);
    });
    this.canvas.addEventListener(
      'wheel',
      (e) => {
        if (!e.ctrlKey) return;
        e.preventDefault();
        options.onZoom(e.deltaY < 0 ? 1 : -1);
      },
      { passive: false },
    );
    this.setZoom(options.zoom);
  }

  /** Redraws at `zoom` (1 = fit); the cell budget grows with zoom, so zooming in undoes pooling. */
  setZoom(zoom: number): void {
    const { spec, data, preview } = this;
    if (!data && !preview) {
      this.note.textContent = 'No tensor data (buffer missing or the wrong size).';
      this.canvas.width = this.canvas.height = 0;
      this.canvas.setAttribute('aria-label', `${spec.title} of layer ${spec.layer}: no data`);
      return;
    }
    const budget = Math.max(16, Math.round(this.maxCells * zoom));
    const grid = data ? poolMaxAbs(data, this.rows, this.cols, budget) : repool(preview!, budget);
    this.grid = grid;
    this.failedGrid = this.failed && poolMaxAbs(this.failed, this.rows, this.cols, budget);
    this.cellW = Math.max(1, Math.round((this.fitW * zoom) / grid.cols));
    this.cellH = Math.max(1, Math.round((this.fitH * zoom) / grid.rows));
    const theme = readTheme();
    this.draw(grid, theme);
    this.legend.replaceChildren(...this.legendItems(theme).filter((e) => e !== null));

    const pooled = grid.rowFactor > 1 || grid.colFactor > 1;
    const matrix = `${this.rows}×${this.cols}`;
    // Zoomed in past what the engine sent, the picture stops gaining detail; say so.
    const limit = grid === preview ? ' (the finest the engine sends for a tensor this big)' : '';
    this.note.textContent = pooled ? `downsampled ${matrix} → ${grid.rows}×${grid.cols}, max-|·| pooling${limit}` : '';
    this.note.hidden = !pooled;
    this.canvas.setAttribute(
      'aria-label',
      `${spec.title} of layer ${spec.layer}, ${fmtShape(spec.tensor.shape)} heatmap` +
        (pooled ? `, downsampled to ${grid.rows}×${grid.cols} by max-|·| pooling` : '') +
        (this.constant !== null ? `, ${constantText(this.constant)}` : `, ${KIND_TEXT[this.kind]}`) +
        (this.kind === 'mask' || this.constant !== null ? '' : `, from ${fmt(this.domain.lo)} to ${fmt(this.domain.hi)}`) +
        '. Arrow keys move between cells; plus and minus zoom.' +
        (this.onPick ? ' Click a cell, or press Enter on it, to reveal its line in the spec.' : ''),
    );
    this.cursorAt = null;
    this.cursor.hidden = true;
  }

  /** The colour of cell i of the grid drawn, whose value is v. */
  private colorOf(theme: HeatmapTheme): (v: number, i: number) => Rgb {
    const { kind } = this;
    if (kind === 'mask') {
      const masked = themeColor('--bl-mask-masked', '#d18616');
      const passed = themeColor('--bl-mask-passed', '#3794ff');
      return (v) => (Number.isNaN(v) ? NAN_RGB : v !== 0 ? masked : passed);
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
      const failed = this.failedGrid?.values;
      return (v, i) => (Number.isNaN(v) ? NAN_RGB : entry(failed?.[i] ? fail : ok, v));
    }
    const lut = lutOf(kind, theme);
    return (v) => (Number.isNaN(v) ? NAN_RGB : entry(lut, v));
  }

  private draw(grid: Grid, theme: HeatmapTheme): void {
    const color = this.colorOf(theme);
    const image = new ImageData(grid.cols, grid.rows);
    for (let i = 0; i < grid.values.length; i++) {
      const [r, g, b] = color(grid.values[i], i);
      image.data.set([r, g, b, 255], i * 4);
    }
    const small = document.createElement('canvas');
    small.width = grid.cols;
    small.height = grid.rows;
    small.getContext('2d')?.putImageData(image, 0, 0);
    this.canvas.width = grid.cols * this.cellW;
    this.canvas.height = grid.rows * this.cellH;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, this.canvas.width, this.canvas.height);
  }

  /** A legend bar of `table`, low end on the left (the diverging table runs from + to −, so it is flipped to put − on the left). */
  private bar(table: TableKind, theme: HeatmapTheme): HTMLCanvasElement {
    const bar = h('canvas', { class: 'legend-bar', width: 256, height: 1, 'aria-hidden': 'true' });
    const ctx = bar.getContext('2d');
    if (!ctx) return bar;
    const image = new ImageData(256, 1);
    const lut = lutOf(table, theme);
    for (let x = 0; x < 256; x++) {
      const i = (table === 'diverging' ? 255 - x : x) * 3;
      image.data.set([lut[i], lut[i + 1], lut[i + 2], 255], x * 4);
    }
    ctx.putImageData(image, 0, 0);
    return bar;
  }

  private legendItems(theme: HeatmapTheme): (HTMLElement | null)[] {
    const { kind } = this;
    const hasNaN = this.spec.tensor.stats.nan > 0;
    const nan = hasNaN ? h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-nan' }), 'NaN') : null;
    if (kind === 'mask') {
      return [
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-passed' }), 'passed (0)'),
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-masked' }), 'masked (1)'),
        nan,
      ];
    }
    if (this.constant !== null) {
      const swatch = h('span', { class: 'swatch' });
      const [r, g, b] = this.colorOf(theme)(this.constant, 0);
      swatch.style.background = `rgb(${r}, ${g}, ${b})`;
      return [h('span', { class: 'legend-item legend-constant', title: fmtFull(this.constant) }, swatch, constantText(this.constant))];
    }
    const { lo, hi } = this.domain;
    // On the log scales zeros have no place of their own: they share the low end.
    const zeros = (kind === 'log' || kind === 'error') && this.spec.tensor.stats.zeros > 0;
    const ends = h(
      'div',
      { class: 'legend-ends' },
      h('span', { title: zeros ? `0, and ${fmtFull(lo)} and below` : fmtFull(lo) }, zeros ? `≤${fmt(lo)}` : fmt(lo)),
      kind === 'diverging' ? h('span', {}, '0') : kind === 'log' || kind === 'error' ? h('span', { class: 'legend-mid' }, 'log scale') : null,
      h('span', { title: fmtFull(hi) }, fmt(hi)),
    );
    if (kind === 'error') {
      // One bar per ramp, the failing one only when something fails; both span the same ends.
      const fails = this.failed?.some((f) => f !== 0) ?? false;
      const ramps = ERROR_RAMPS.filter((r) => r.table === 'error-ok' || fails);
      const rows = ramps.map((r) => h('div', { class: 'legend-ramp', title: r.title }, this.bar(r.table, theme), h('span', { class: 'legend-ramp-label' }, r.label)));
      return [h('div', { class: 'legend-scale legend-error' }, ...rows, ends), nan];
    }
    return [h('div', { class: 'legend-scale' }, this.bar(kind, theme), ends), nan];
  }

  private cellAt(clientX: number, clientY: number): { r: number; c: number } | null {
    if (!this.grid) return null;
    const rect = this.canvas.getBoundingClientRect();
    const c = Math.floor(((clientX - rect.left) / rect.width) * this.grid.cols);
    const r = Math.floor(((clientY - rect.top) / rect.height) * this.grid.rows);
    return r >= 0 && c >= 0 && r < this.grid.rows && c < this.grid.cols ? { r, c } : null;
  }

  private hover(e: MouseEvent): void {
    const at = this.cellAt(e.clientX, e.clientY);
    if (!at) return this.leave();
    this.showCell(at, { x: e.clientX, y: e.clientY });
  }

  private leave(): void {
    this.tooltip.hide();
    this.cursor.hidden = true;
    this.canvas.removeAttribute('aria-describedby');
  }

  private key(e: KeyboardEvent): void {
    const grid = this.grid;
    if (!grid) return;
    const move: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (e.key === 'Escape') return this.leave();
    if (e.key === 'Enter' && this.cursorAt && !this.cursor.hidden) {
      e.preventDefault();
      return this.pick(this.cursorAt);
    }
    const d = move[e.key] as [number, number] | undefined;
    if (!d) return;
    e.preventDefault();
    const from = this.cursorAt ?? { r: 0, c: 0 };
    const at = this.cursorAt
      ? { r: Math.min(grid.rows - 1, Math.max(0, from.r + d[0])), c: Math.min(grid.cols - 1, Math.max(0, from.c + d[1])) }
      : from;
    this.showCell(at, null);
  }

  /**
   * Puts the cell cursor on the cell that shows source element (row, col) of the 2-D view (its pooled
   * block when downsampled), scrolls it into view and, with `tooltip`, shows its tooltip there.
   * False when the element is outside the tensor or there is nothing drawn.
   */
  selectCell(row: number, col: number, tooltip = true): boolean {
    const at = this.markCell(row, col);
    if (!at || !this.grid) return false;
    this.cursor.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    if (tooltip) this.showCell(at, null, row * this.grid.srcCols + col);
    return true;
  }

  /** Only puts the cell cursor on source element (row, col), as selectCell does; returns the cell, or null. */
  markCell(row: number, col: number): { r: number; c: number } | null {
    const grid = this.grid;
    if (!grid || !(row >= 0 && row < grid.srcRows && col >= 0 && col < grid.srcCols)) return null;
    const at = { r: Math.floor(row / grid.rowFactor), c: Math.floor(col / grid.colFactor) };
    this.placeCursor(at);
    return at;
  }

  /** Hides the tooltip if this heatmap shows it; the cell cursor stays. */
  clearTooltip(): void {
    if (!this.canvas.hasAttribute('aria-describedby')) return;
    this.tooltip.hide();
    this.canvas.removeAttribute('aria-describedby');
  }

  /** Hides the cell cursor, and the tooltip if this heatmap shows it. */
  clearCursor(): void {
    this.clearTooltip();
    this.cursor.hidden = true;
  }

  /** Reports the source element a cell shows: for a pooled block, its extreme (or NaN) element. */
  private pick(at: { r: number; c: number }): void {
    const grid = this.grid;
    if (!grid || !this.onPick) return;
    const src = grid.sourceIndex[at.r * grid.cols + at.c];
    this.onPick(Math.floor(src / grid.srcCols), src % grid.srcCols);
  }

  private placeCursor(at: { r: number; c: number }): void {
    this.cursorAt = at;
    this.cursor.hidden = false;
    this.cursor.style.left = `${at.c * this.cellW}px`;
    this.cursor.style.top = `${at.r * this.cellH}px`;
    this.cursor.style.width = `${this.cellW}px`;
    this.cursor.style.height = `${this.cellH}px`;
  }

  /** Shows cell `at` with its tooltip: at the pointer `point`, or (null) beside the cell. `selected` is a source element to name too. */
  private showCell(at: { r: number; c: number }, point: { x: number; y: number } | null, selected?: number): void {
    const grid = this.grid;
    if (!grid) return;
    this.placeCursor(at);
    const lines = this.describe(grid, at.r, at.c, selected);
    if (point) this.tooltip.show(lines, point.x, point.y);
    else this.tooltip.showAt(lines, this.cursor);
    this.canvas.setAttribute('aria-describedby', this.tooltip.element.id);
  }

  private describe(grid: Grid, r: number, c: number, selected?: number): string[] {
    const v = grid.values[r * grid.cols + c];
    const valueText = (x: number): string => (this.spec.kind === 'mask' && !Number.isNaN(x) ? `${fmtFull(x)} (${x !== 0 ? 'masked' : 'passed'})` : fmtFull(x));
    const head = `${this.spec.title} · ${this.spec.layer}`;
    if (grid.rowFactor === 1 && grid.colFactor === 1) return [head, `row ${r}, col ${c}`, `value ${valueText(v)}`];
    const b = cellBlock(grid, r, c);
    const range = (lo: number, hi: number): string => (hi - lo === 1 ? `${lo}` : `${lo}–${hi - 1}`);
    const src = grid.sourceIndex[r * grid.cols + c];
    const at = (i: number): string => `row ${Math.floor(i / grid.srcCols)}, col ${i % grid.srcCols}`;
    const lines = [head, `rows ${range(b.r0, b.r1)}, cols ${range(b.c0, b.c1)} (block of ${fmtCount((b.r1 - b.r0) * (b.c1 - b.c0))})`, `max-|·| value ${valueText(v)} at ${at(src)}`];
    // A pooled cell shows its block's extreme; an element selected elsewhere in the block gets its own line.
    if (selected !== undefined && selected !== src && this.data) lines.push(`selected ${at(selected)}: value ${valueText(this.data[selected])}`);
    return lines;
  }
}
