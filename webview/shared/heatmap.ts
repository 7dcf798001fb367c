// One heatmap card: a tensor drawn cell by cell on a canvas (crisp: a small ImageData scaled up with
// smoothing off), a legend, a note when the tensor was pooled, and a tooltip with exact values.
import type { WireTensor } from '../../src/protocol';
import { domainOf, type Domain, type HeatmapTheme, type ScaleKind } from './colormap';
import { h } from './dom';
import type { MaskWords } from '../../src/heatmaps';
import { readTheme, TensorScale } from './scale';
import { bytesOf, tensorValues, wholeBuffer } from './wire-buffer';
import { cellBlock, matrixShape, poolMaxAbs, repool, type Grid } from '../../src/downsample';
import { fmtCount, fmtFull } from '../../src/format';
import { shapeText as fmtShape, t } from './strings';

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
  /** For a mask: what its 1s and 0s mean (masked and passed unless said). */
  maskWords?: MaskWords;
  /** A parameter, its gradient or its check error: a 4-D one is a bank of filters, drawn one filter to a group. */
  filters?: boolean;
  /** For a difference current − baseline (the tensor): both runs' values, element by element, which its tooltip gives too. */
  compare?: { current: Float64Array; baseline: Float64Array };
}

/** What element `i` of `spec`'s tensor, of value `v`, reads as in a tooltip (`pooled`: the extreme of a pooled block): a difference gives both runs' values too. */
export function valueLines(spec: HeatmapSpec, scale: TensorScale, v: number, i: number, pooled = false): string[] {
  const c = spec.compare;
  if (!c) return [pooled ? t('max-|·| value {0}', scale.valueText(v)) : t('value {0}', scale.valueText(v))];
  return [pooled ? t('max-|·| Δ {0}', fmtFull(v)) : `Δ ${fmtFull(v)}`, t('this run {0}', fmtFull(c.current[i])), t('baseline {0}', fmtFull(c.baseline[i]))];
}

/** A drawn tensor: a matrix heatmap, or a grid of images for a 4-D one (see tensor-grid). */
export interface TensorView {
  readonly element: HTMLElement;
  /** Redraws at `zoom` (1 = fit). */
  setZoom(zoom: number): void;
  /** Puts the cursor on element (row, col) of the tensor's 2-D view and scrolls to it, with its tooltip when `tooltip`; false when there is no such element drawn. */
  selectCell(row: number, col: number, tooltip?: boolean): boolean;
  /** Only puts the cursor there; false when there is no such element drawn. */
  markCell(row: number, col: number): boolean;
  /** Hides the tooltip if this view shows it; the cursor stays. */
  clearTooltip(): void;
  /** Hides the cursor, and the tooltip if this view shows it. */
  clearCursor(): void;
}

/** Largest cell edge (CSS px) at zoom 1. */
const MAX_CELL_PX = 24;
/** Cells are at most this many times wider than tall, or the reverse. */
const MAX_ASPECT = 8;

/** How large a zoom-1 heatmap is drawn, for the width the view has. */
export interface HeatmapFit {
  /** Canvas width and height (CSS px) a zoom-1 heatmap aims to fill. */
  width: number;
  /** Cells per axis drawn at zoom 1 (each at least 1 px) before max-|·| pooling sets in; zoom scales it. */
  maxCells: number;
  /** Width a grid of images (a 4-D tensor) aims to fill; `width` when absent. */
  gridWidth?: number;
}

/** The panel's fit: about 320 px, and up to 400 one-pixel cells per axis since the panel is wide. */
export const PANEL_FIT: HeatmapFit = { width: 320, maxCells: 400, gridWidth: 440 };

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
  /** For a big batch of images sent as its first samples: asks the host for sample `n`'s C·H·W values (rejects with a message meant for the user). */
  fetchSample?: (n: number) => Promise<Float64Array>;
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

/** What a matrix heatmap and a grid of images share: the card, its canvas and cell cursor, the note, the legend and the tooltip. `At` names an element drawn. */
export abstract class TensorCard<At> implements TensorView {
  readonly element: HTMLElement;
  protected readonly canvas = h('canvas', { class: 'hm-canvas', tabindex: 0, role: 'img' });
  protected readonly cursor = h('div', { class: 'hm-cursor', hidden: true });
  protected readonly note = h('div', { class: 'hm-note' });
  protected readonly legend = h('div', { class: 'legend' });
  /** The scrolling box around the canvas; a card puts its own controls before it. */
  protected readonly scroll: HTMLElement;
  protected readonly tooltip: Tooltip;
  protected readonly onPick: HeatmapOptions['onPick'];

  constructor(
    protected readonly spec: HeatmapSpec,
    options: HeatmapOptions,
    /** The header's shape text, and what an element is called in the hint. */
    card: { shape: string; element: 'cell' | 'pixel'; className?: string },
  ) {
    this.tooltip = options.tooltip;
    this.onPick = options.onPick;
    const header = h('figcaption', { class: 'hm-header' }, h('span', { class: 'hm-title' }, spec.title), h('span', { class: 'hm-shape' }, card.shape));
    this.scroll = h('div', { class: 'hm-scroll' }, h('div', { class: 'hm-stage' }, this.canvas, this.cursor));
    const hint = this.onPick ? h('div', { class: 'hm-hint' }, card.element === 'cell' ? t('Click a cell to reveal its line in the spec.') : t('Click a pixel to reveal its line in the spec.')) : null;
    this.element = h('figure', { class: card.className ? `hm-card ${card.className}` : 'hm-card' }, header, this.scroll, this.note, this.legend, hint);
    this.canvas.classList.toggle('pickable', this.onPick !== undefined);
    const { canvas } = this;
    canvas.addEventListener('mousemove', (e) => {
      const at = this.hit(e.clientX, e.clientY);
      if (at) this.show(at, { x: e.clientX, y: e.clientY });
      else this.leave();
    });
    canvas.addEventListener('mouseleave', () => this.leave());
    canvas.addEventListener('blur', () => this.leave());
    canvas.addEventListener('keydown', (e) => this.key(e));
    canvas.addEventListener('click', (e) => {
      const at = this.hit(e.clientX, e.clientY);
      if (at) this.pick(at);
    });
    canvas.addEventListener(
      'wheel',
      (e) => {
        if (!e.ctrlKey) return;
        e.preventDefault();
        options.onZoom(e.deltaY < 0 ? 1 : -1);
      },
      { passive: false },
    );
  }

  abstract setZoom(zoom: number): void;
  abstract selectCell(row: number, col: number, tooltip?: boolean): boolean;
  abstract markCell(row: number, col: number): boolean;
  /** The element under a client point, if any. */
  protected abstract hit(clientX: number, clientY: number): At | null;
  /** Puts the cursor on `at` with its tooltip: at the pointer `point`, or (null) beside the cursor. */
  protected abstract show(at: At, point: { x: number; y: number } | null): void;
  protected abstract key(e: KeyboardEvent): void;
  /** Reports the element to the view (onPick). */
  protected abstract pick(at: At): void;

  clearTooltip(): void {
    if (!this.canvas.hasAttribute('aria-describedby')) return;
    this.tooltip.hide();
    this.canvas.removeAttribute('aria-describedby');
  }

  clearCursor(): void {
    this.clearTooltip();
    this.cursor.hidden = true;
  }

  protected leave(): void {
    this.tooltip.hide();
    this.cursor.hidden = true;
    this.canvas.removeAttribute('aria-describedby');
  }

  /** Shows `lines` at the pointer `point`, or (null) beside the cursor, and names the tooltip as the canvas's description. */
  protected showTooltip(lines: string[], point: { x: number; y: number } | null): void {
    if (point) this.tooltip.show(lines, point.x, point.y);
    else this.tooltip.showAt(lines, this.cursor);
    this.canvas.setAttribute('aria-describedby', this.tooltip.element.id);
  }
}

/** A heatmap card. `setZoom` redraws it at another zoom without rebuilding the card. */
export class HeatmapView extends TensorCard<{ r: number; c: number }> {
  private readonly data: Float64Array | null;
  private readonly scale: TensorScale;
  /** For the error scale: the failing flags as values to pool like the tensor's (a block fails when any element in it does). */
  private readonly failed: Float64Array | null;
  private failedGrid: Grid | null = null;
  /** What the engine sent instead of the values of a big tensor. */
  private readonly preview: Grid | null;
  private readonly rows: number;
  private readonly cols: number;
  private readonly fitW: number;
  private readonly fitH: number;
  private grid: Grid | null = null;
  private cellW = 1;
  private cellH = 1;
  private cursorAt: { r: number; c: number } | null = null;
  private readonly maxCells: number;

  constructor(spec: HeatmapSpec, options: HeatmapOptions) {
    const { rows, cols } = matrixShape(spec.tensor.shape);
    const shapeText = fmtShape(spec.tensor.shape);
    super(spec, options, { shape: spec.tensor.shape.length === 2 ? shapeText : t('{0} (shown as {1}×{2})', shapeText, rows, cols), element: 'cell' });
    const { fit } = options;
    this.rows = rows;
    this.cols = cols;
    this.maxCells = fit.maxCells;
    this.data = tensorValues(spec.tensor);
    this.preview = this.data ? null : previewOf(spec.tensor);
    const { data, preview } = this;
    this.scale = new TensorScale(spec.kind, spec.tensor, (kind) => (data ? domainOf(kind, data) : preview ? previewDomain(kind, spec.tensor, preview) : { lo: 0, hi: 0 }), spec.maskWords);
    this.failed = this.scale.kind === 'error' && data && spec.failed?.length === data.length ? Float64Array.from(spec.failed) : null;
    // Cell size at zoom 1 is chosen once so that zooming scales the whole picture evenly.
    const g1 = { rows: Math.ceil(this.rows / Math.ceil(this.rows / fit.maxCells)), cols: Math.ceil(this.cols / Math.ceil(this.cols / fit.maxCells)) };
    let cw = Math.min(MAX_CELL_PX, Math.max(1, Math.floor(fit.width / g1.cols)));
    let ch = Math.min(MAX_CELL_PX, Math.max(1, Math.floor(fit.width / g1.rows)));
    cw = Math.min(cw, ch * MAX_ASPECT);
    ch = Math.min(ch, cw * MAX_ASPECT);
    this.fitW = cw * g1.cols;
    this.fitH = ch * g1.rows;

    this.setZoom(options.zoom);
  }

  /** Redraws at `zoom` (1 = fit); the cell budget grows with zoom, so zooming in undoes pooling. */
  setZoom(zoom: number): void {
    const { spec, data, preview } = this;
    if (!data && !preview) {
      this.note.textContent = t('No tensor data (buffer missing or the wrong size).');
      this.canvas.width = this.canvas.height = 0;
      this.canvas.setAttribute('aria-label', t('{0} of layer {1}: no data', spec.title, spec.layer));
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
    this.legend.replaceChildren(...this.scale.legend(theme, this.failed?.some((f) => f !== 0) ?? false));

    const pooled = grid.rowFactor > 1 || grid.colFactor > 1;
    const matrix = `${this.rows}×${this.cols}`;
    // Zoomed in past what the engine sent, the picture stops gaining detail; say so.
    this.note.textContent =
      !pooled ? ''
      : grid === preview ? t('downsampled {0} → {1}×{2}, max-|·| pooling (the finest the engine sends for a tensor this big)', matrix, grid.rows, grid.cols)
      : t('downsampled {0} → {1}×{2}, max-|·| pooling', matrix, grid.rows, grid.cols);
    this.note.hidden = !pooled;
    const shape = fmtShape(spec.tensor.shape);
    const what = pooled
      ? t('{0} of layer {1}, {2} heatmap, downsampled to {3}×{4} by max-|·| pooling, {5}.', spec.title, spec.layer, shape, grid.rows, grid.cols, this.scale.describe())
      : t('{0} of layer {1}, {2} heatmap, {3}.', spec.title, spec.layer, shape, this.scale.describe());
    const keys = t('Arrow keys move between cells; plus and minus zoom.');
    this.canvas.setAttribute('aria-label', this.onPick ? `${what} ${keys} ${t('Click a cell, or press Enter on it, to reveal its line in the spec.')}` : `${what} ${keys}`);
    this.cursorAt = null;
    this.cursor.hidden = true;
  }

  private draw(grid: Grid, theme: HeatmapTheme): void {
    const failed = this.failedGrid?.values;
    const color = this.scale.colorOf(theme, failed && ((i) => failed[i] !== 0));
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

  protected hit(clientX: number, clientY: number): { r: number; c: number } | null {
    if (!this.grid) return null;
    const rect = this.canvas.getBoundingClientRect();
    const c = Math.floor(((clientX - rect.left) / rect.width) * this.grid.cols);
    const r = Math.floor(((clientY - rect.top) / rect.height) * this.grid.rows);
    return r >= 0 && c >= 0 && r < this.grid.rows && c < this.grid.cols ? { r, c } : null;
  }

  protected key(e: KeyboardEvent): void {
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
    const at = this.cellOf(row, col);
    if (!at || !this.grid) return false;
    this.cursor.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    if (tooltip) this.showCell(at, null, row * this.grid.srcCols + col);
    return true;
  }

  /** Only puts the cell cursor on source element (row, col), as selectCell does. */
  markCell(row: number, col: number): boolean {
    return this.cellOf(row, col) !== null;
  }

  /** Puts the cell cursor on the cell that shows source element (row, col); returns the cell, or null. */
  private cellOf(row: number, col: number): { r: number; c: number } | null {
    const grid = this.grid;
    if (!grid || !(row >= 0 && row < grid.srcRows && col >= 0 && col < grid.srcCols)) return null;
    const at = { r: Math.floor(row / grid.rowFactor), c: Math.floor(col / grid.colFactor) };
    this.placeCursor(at);
    return at;
  }

  /** Reports the source element a cell shows: for a pooled block, its extreme (or NaN) element. */
  protected pick(at: { r: number; c: number }): void {
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

  protected show(at: { r: number; c: number }, point: { x: number; y: number } | null): void {
    this.showCell(at, point);
  }

  /** Shows cell `at` with its tooltip; `selected` is a source element to name too. */
  private showCell(at: { r: number; c: number }, point: { x: number; y: number } | null, selected?: number): void {
    const grid = this.grid;
    if (!grid) return;
    this.placeCursor(at);
    this.showTooltip(this.describe(grid, at.r, at.c, selected), point);
  }

  private describe(grid: Grid, r: number, c: number, selected?: number): string[] {
    const v = grid.values[r * grid.cols + c];
    const valueText = (x: number): string => this.scale.valueText(x);
    const head = `${this.spec.title} · ${this.spec.layer}`;
    if (grid.rowFactor === 1 && grid.colFactor === 1) return [head, t('row {0}, col {1}', r, c), ...valueLines(this.spec, this.scale, v, r * grid.srcCols + c)];
    const b = cellBlock(grid, r, c);
    const range = (lo: number, hi: number): string => (hi - lo === 1 ? `${lo}` : `${lo}–${hi - 1}`);
    const src = grid.sourceIndex[r * grid.cols + c];
    const at = (i: number): string => t('row {0}, col {1}', Math.floor(i / grid.srcCols), i % grid.srcCols);
    const [first, ...more] = valueLines(this.spec, this.scale, v, src, true);
    const lines = [head, t('rows {0}, cols {1} (block of {2})', range(b.r0, b.r1), range(b.c0, b.c1), fmtCount((b.r1 - b.r0) * (b.c1 - b.c0))), t('{0} at {1}', first, at(src)), ...more];
    // A pooled cell shows its block's extreme; an element selected elsewhere in the block gets its own line.
    if (selected !== undefined && selected !== src && this.data) lines.push(t('selected {0}: value {1}', at(selected), valueText(this.data[selected])));
    return lines;
  }
}
