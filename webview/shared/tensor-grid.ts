// A 4-D tensor [N, C, H, W] as a grid of small images: one group per sample (per filter for W and
// dW, as the book's visualize_filter draws them), its C channels side by side, all on one colour
// scale. A page holds at most TILE_BUDGET images, so each pixel stays at least MIN_PIXEL px wide.
// A big batch arrives as its first samples; with `fetchSample`, the sample box asks the host for a
// later one, which is then shown alone (the pager's buttons go back to the pages sent).
import { HeatmapView, TensorCard, valueLines, type HeatmapOptions, type HeatmapSpec, type TensorView } from './heatmap';
import { domainOf } from './colormap';
import { h } from './dom';
import { readTheme, TensorScale } from './scale';
import { tensorValues } from './wire-buffer';
import { fmtCount } from '../../src/format';
import { heatmapTitle, shapeText as fmtShape, t } from './strings';

/** Images on one page. */
const TILE_BUDGET = 64;
/** An image's longer side (CSS px) at zoom 1, unless that would make its pixels smaller than MIN_PIXEL. */
const TILE_PX = 48;
const MIN_PIXEL = 2;
/** Between the channels of a group, and between groups. */
const GAP = 2;
const GROUP_GAP = 8;

/** A matrix heatmap, or a grid of images for a 4-D tensor. */
export function tensorView(spec: HeatmapSpec, options: HeatmapOptions): TensorView {
  // Titles come from the pure modules and the host in English: shown in the user's language.
  const shown = { ...spec, title: heatmapTitle(spec.title) };
  return spec.tensor.shape.length === 4 ? new TensorGridView(shown, options) : new HeatmapView(shown, options);
}

/** An element of the tensor: group (sample or filter), channel, row, column. */
interface At {
  n: number;
  c: number;
  y: number;
  x: number;
}

/** Where images go on the canvas, for one zoom. */
interface Layout {
  /** CSS px per tensor pixel. */
  px: number;
  /** Channels per line of a group. */
  groupCols: number;
  /** Lines of a group. */
  groupRows: number;
  /** Groups per line of the grid. */
  perLine: number;
  groupW: number;
  groupH: number;
  width: number;
  height: number;
}

export class TensorGridView extends TensorCard<At> {
  private readonly pageText = h('span', { class: 'grid-page', 'aria-live': 'polite' });
  private readonly prev = h('button', { class: 'button secondary icon', type: 'button', 'aria-label': t('Previous page (Page Up)'), title: t('Previous page (Page Up)') }, '‹');
  private readonly next = h('button', { class: 'button secondary icon', type: 'button', 'aria-label': t('Next page (Page Down)'), title: t('Next page (Page Down)') }, '›');
  private readonly jump = h('input', { class: 'grid-jump', type: 'number', min: 0, step: 1 });
  /** "loading sample n…", or why it could not be shown. */
  private readonly sampleStatus = h('p', { class: 'grid-sample-status', role: 'status', hidden: true });
  private readonly fetchSample: HeatmapOptions['fetchSample'];
  /** A sample that was not sent, fetched and shown alone; null: a page of the samples sent is shown. */
  private extra: { n: number; data: Float64Array } | null = null;
  /** The sample asked of the host, until its answer. */
  private loading: number | null = null;
  private readonly data: Float64Array | null;
  private readonly scale: TensorScale;
  private readonly failed: Uint8Array | null;
  /** Axis sizes; `n` counts the groups sent, which for a big batch is fewer than the shape's. */
  private readonly dims: { n: number; c: number; h: number; w: number };
  private readonly perPage: number;
  /** Whether the groups are filters (a parameter's bank) rather than samples. */
  private readonly filters: boolean;
  private readonly axes: string;
  private readonly width: number;
  private page = 0;
  private zoom = 1;
  private layout: Layout | null = null;
  private cursorAt: At | null = null;

  constructor(spec: HeatmapSpec, options: HeatmapOptions) {
    super(spec, options, { shape: fmtShape(spec.tensor.shape), element: 'pixel', className: 'hm-grid' });
    const { tensor } = spec;
    const [total, c, hh, w] = tensor.shape;
    this.width = options.fit.gridWidth ?? options.fit.width;
    this.data = tensorValues(tensor);
    this.dims = { n: this.data ? (tensor.samples ?? total) : 0, c, h: hh, w };
    this.perPage = Math.max(1, Math.floor(TILE_BUDGET / Math.max(1, c)));
    this.filters = spec.filters === true;
    this.axes = spec.filters ? '[f, c, h, w]' : '[n, c, h, w]';
    const data = this.data;
    this.scale = new TensorScale(spec.kind, tensor, (kind) => (data ? domainOf(kind, data) : { lo: 0, hi: 0 }), spec.maskWords);
    this.failed = this.scale.kind === 'error' && data && spec.failed?.length === data.length ? spec.failed : null;

    // Only a batch cut short can have samples to fetch.
    this.fetchSample = this.data && this.dims.n < total ? options.fetchSample : undefined;
    // From a fetched sample, either button goes back to the page it was asked from.
    this.prev.addEventListener('click', () => this.goTo(this.extra ? this.page : this.page - 1));
    this.next.addEventListener('click', () => this.goTo(this.extra ? this.page : this.page + 1));
    this.jump.max = String(Math.max(0, (this.fetchSample ? total : this.dims.n) - 1));
    this.jump.setAttribute('aria-label', this.filters ? t('Go to filter') : t('Go to sample'));
    this.jump.addEventListener('change', () => {
      const n = Number(this.jump.value);
      if (!Number.isInteger(n) || n < 0) return;
      if (n < this.dims.n) this.goTo(Math.floor(n / this.perPage));
      else if (n < total && this.fetchSample) this.ask(n);
    });
    const pager = h('div', { class: 'grid-pager', role: 'group', 'aria-label': t('{0} pages', spec.title) }, this.prev, this.pageText, this.next, h('label', { class: 'grid-jump-label' }, `${this.filters ? t('filter') : t('sample')} `, this.jump));
    pager.hidden = this.pages() <= 1 && !this.fetchSample;
    this.scroll.before(pager, this.sampleStatus);
    this.setZoom(options.zoom);
  }

  setZoom(zoom: number): void {
    this.zoom = zoom;
    this.render();
  }

  /** (row, col) address the tensor's 2-D view [N, C·H·W], as the host and the gradient check do. */
  selectCell(row: number, col: number, tooltip = true): boolean {
    const at = this.fromCell(row, col);
    if (!at) return false;
    this.placeCursor(at);
    this.cursor.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    if (tooltip) this.show(at, null);
    return true;
  }

  markCell(row: number, col: number): boolean {
    const at = this.fromCell(row, col);
    if (at) this.placeCursor(at);
    return at !== null;
  }

  private pages(): number {
    return Math.max(1, Math.ceil(this.dims.n / this.perPage));
  }

  private goTo(page: number): void {
    const to = Math.min(this.pages() - 1, Math.max(0, page));
    if (to === this.page && !this.extra) return;
    this.page = to;
    this.extra = null;
    this.clearCursor();
    this.cursorAt = null;
    this.render();
  }

  /** The element (row, col) of the 2-D view stands for, on its page (turned to); null when it is outside what was sent. */
  private fromCell(row: number, col: number): At | null {
    const { n, c, h: hh, w } = this.dims;
    const area = hh * w;
    if (!(Number.isInteger(row) && Number.isInteger(col) && row >= 0 && row < n && col >= 0 && col < c * area)) return null;
    const at = { n: row, c: Math.floor(col / area), y: Math.floor((col % area) / w), x: col % w };
    const page = Math.floor(row / this.perPage);
    if (page !== this.page) {
      this.page = page;
      this.render();
    }
    return at;
  }

  /** Asks the host for sample `n`, which was not sent, and shows it alone once it comes. */
  private ask(n: number): void {
    const { c, h: hh, w } = this.dims;
    this.loading = n;
    this.status(this.filters ? t('loading filter {0}…', n) : t('loading sample {0}…', n));
    this.fetchSample!(n).then(
      (values) => {
        if (this.loading !== n) return;
        this.loading = null;
        if (values.length !== c * hh * w) return this.status(t('Sample {0} came with {1} values instead of {2}.', n, fmtCount(values.length), fmtCount(c * hh * w)));
        this.status('');
        this.extra = { n, data: values };
        this.clearCursor();
        this.cursorAt = null;
        this.render();
      },
      (e: unknown) => {
        if (this.loading === n) this.status(e instanceof Error ? e.message : String(e));
        this.loading = null;
      },
    );
  }

  private status(text: string): void {
    this.sampleStatus.textContent = text;
    this.sampleStatus.hidden = text === '';
  }

  /** The groups shown: a page of those sent, or the one fetched. */
  private shown(): number[] {
    if (this.extra) return [this.extra.n];
    return Array.from({ length: this.shownCount() }, (_, k) => this.first() + k);
  }

  /** The values of group `n` (on show) and where its first element is in them. */
  private valuesOf(n: number): { data: Float64Array; base: number } {
    if (this.extra?.n === n) return { data: this.extra.data, base: 0 };
    const { c, h: hh, w } = this.dims;
    return { data: this.data!, base: n * c * hh * w };
  }

  private layoutFor(zoom: number): Layout {
    const { c, h: hh, w } = this.dims;
    const base = Math.max(MIN_PIXEL, Math.floor(TILE_PX / Math.max(hh, w)));
    const px = Math.max(1, Math.round(base * zoom));
    const tileW = w * px;
    const tilesPerLine = Math.max(1, Math.floor((this.width + GAP) / (tileW + GAP)));
    const groupCols = Math.min(c, tilesPerLine);
    const groupRows = Math.ceil(c / groupCols);
    const groupW = groupCols * (tileW + GAP) - GAP;
    const groupH = groupRows * (hh * px + GAP) - GAP;
    const shown = this.shown().length;
    const perLine = Math.max(1, Math.min(shown, Math.floor((this.width + GROUP_GAP) / (groupW + GROUP_GAP))));
    const lines = Math.ceil(shown / perLine);
    return { px, groupCols, groupRows, perLine, groupW, groupH, width: perLine * (groupW + GROUP_GAP) - GROUP_GAP, height: lines * (groupH + GROUP_GAP) - GROUP_GAP };
  }

  private first(): number {
    return this.page * this.perPage;
  }

  private shownCount(): number {
    return Math.max(0, Math.min(this.perPage, this.dims.n - this.first()));
  }

  /** Top-left corner (CSS px) of channel c of the k-th group on the page. */
  private tileOrigin(l: Layout, k: number, c: number): { x: number; y: number } {
    const gx = (k % l.perLine) * (l.groupW + GROUP_GAP);
    const gy = Math.floor(k / l.perLine) * (l.groupH + GROUP_GAP);
    return { x: gx + (c % l.groupCols) * (this.dims.w * l.px + GAP), y: gy + Math.floor(c / l.groupCols) * (this.dims.h * l.px + GAP) };
  }

  private render(): void {
    const { spec, data, dims } = this;
    const shape = fmtShape(spec.tensor.shape);
    if (!data || dims.n === 0) {
      this.note.textContent = t('No tensor data (buffer missing or the wrong size).');
      this.canvas.width = this.canvas.height = 0;
      this.canvas.setAttribute('aria-label', t('{0} of layer {1}: no data', spec.title, spec.layer));
      return;
    }
    const l = (this.layout = this.layoutFor(this.zoom));
    const theme = readTheme();
    const failed = this.failed;
    const color = this.scale.colorOf(theme, failed ? (i) => failed[i] !== 0 : undefined);
    const image = new ImageData(l.width, l.height);
    const area = dims.h * dims.w;
    const shown = this.shown();
    shown.forEach((n, k) => {
      const values = this.valuesOf(n);
      for (let c = 0; c < dims.c; c++) {
        const o = this.tileOrigin(l, k, c);
        const base = values.base + c * area;
        for (let y = 0; y < dims.h; y++) {
          for (let x = 0; x < dims.w; x++) {
            const i = base + y * dims.w + x;
            // `i` indexes the values drawn; the full tensor's index marks failures (only a tensor sent whole has them).
            const [r, g, b] = color(values.data[i], n * dims.c * area + i - values.base);
            for (let dy = 0; dy < l.px; dy++) {
              let p = ((o.y + y * l.px + dy) * l.width + o.x + x * l.px) * 4;
              for (let dx = 0; dx < l.px; dx++, p += 4) {
                image.data[p] = r;
                image.data[p + 1] = g;
                image.data[p + 2] = b;
                image.data[p + 3] = 255;
              }
            }
          }
        }
      }
    });
    this.canvas.width = l.width;
    this.canvas.height = l.height;
    this.canvas.getContext('2d')?.putImageData(image, 0, 0);
    this.legend.replaceChildren(...this.scale.legend(theme, failed?.some((f) => f !== 0) ?? false));

    const [first, last] = [shown[0], shown[shown.length - 1]];
    const total = spec.tensor.shape[0];
    const span = first === last ? `${first}` : `${first}–${last}`;
    const range =
      this.extra ? (this.filters ? t('filter {0} of {1}', this.extra.n, fmtCount(total)) : t('sample {0} of {1}', this.extra.n, fmtCount(total)))
      : this.filters ? t('filters {0} of {1}', span, fmtCount(dims.n))
      : t('samples {0} of {1}', span, fmtCount(dims.n));
    this.pageText.textContent = range;
    this.prev.disabled = !this.extra && this.page === 0;
    this.next.disabled = !this.extra && this.page >= this.pages() - 1;
    const [sent, of] = [fmtCount(dims.n), fmtCount(total)];
    const cut =
      this.fetchSample ?
        this.filters ? t("The first {0} of {1} filters were sent; type a later one's number in the filter box to fetch it.", sent, of)
        : t("The first {0} of {1} samples were sent; type a later one's number in the sample box to fetch it.", sent, of)
      : this.filters ? t('The first {0} of {1} filters were sent: the rest would make the message too big to draw quickly.', sent, of)
      : t('The first {0} of {1} samples were sent: the rest would make the message too big to draw quickly.', sent, of);
    this.note.textContent = dims.n < total ? cut : '';
    this.note.hidden = this.note.textContent === '';
    const scale = this.scale.describe();
    const what =
      dims.c === 1 ?
        this.filters ? t('{0} of layer {1}, {2}, drawn as one image per filter, {3}, {4}.', spec.title, spec.layer, shape, range, scale)
        : t('{0} of layer {1}, {2}, drawn as one image per sample, {3}, {4}.', spec.title, spec.layer, shape, range, scale)
      : this.filters ? t('{0} of layer {1}, {2}, drawn as {3} channel images side by side per filter, {4}, {5}.', spec.title, spec.layer, shape, dims.c, range, scale)
      : t('{0} of layer {1}, {2}, drawn as {3} channel images side by side per sample, {4}, {5}.', spec.title, spec.layer, shape, dims.c, range, scale);
    const keys = t('Arrow keys move between pixels, Page Up and Page Down between pages; plus and minus zoom.');
    this.canvas.setAttribute('aria-label', this.onPick ? `${what} ${keys} ${t('Press Enter on a pixel to reveal its line in the spec.')}` : `${what} ${keys}`);
    if (this.cursorAt && this.onPage(this.cursorAt)) this.placeCursor(this.cursorAt);
    else this.cursor.hidden = true;
  }

  private onPage(at: At): boolean {
    return this.shown().includes(at.n);
  }

  protected hit(clientX: number, clientY: number): At | null {
    const l = this.layout;
    if (!l) return null;
    const rect = this.canvas.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return null;
    const px = ((clientX - rect.left) / rect.width) * l.width;
    const py = ((clientY - rect.top) / rect.height) * l.height;
    const col = Math.floor(px / (l.groupW + GROUP_GAP));
    const line = Math.floor(py / (l.groupH + GROUP_GAP));
    const k = line * l.perLine + col;
    const shown = this.shown();
    if (col < 0 || col >= l.perLine || line < 0 || k >= shown.length) return null;
    const lx = px - col * (l.groupW + GROUP_GAP);
    const ly = py - line * (l.groupH + GROUP_GAP);
    const tileW = this.dims.w * l.px;
    const tileH = this.dims.h * l.px;
    const tc = Math.floor(lx / (tileW + GAP));
    const tr = Math.floor(ly / (tileH + GAP));
    const ix = lx - tc * (tileW + GAP);
    const iy = ly - tr * (tileH + GAP);
    const c = tr * l.groupCols + tc;
    if (tc >= l.groupCols || c >= this.dims.c || ix >= tileW || iy >= tileH) return null;
    return { n: shown[k], c, y: Math.floor(iy / l.px), x: Math.floor(ix / l.px) };
  }

  protected key(e: KeyboardEvent): void {
    if (!this.layout) return;
    const { n, c, h: hh, w } = this.dims;
    if (e.key === 'Escape') return this.leave();
    if (e.key === 'PageDown' || e.key === 'PageUp') {
      e.preventDefault();
      const at = this.cursorAt;
      this.goTo(this.page + (e.key === 'PageDown' ? 1 : -1));
      if (at) this.show({ ...at, n: Math.min(n - 1, this.first() + (at.n % this.perPage)) }, null);
      return;
    }
    if (e.key === 'Enter' && this.cursorAt && !this.cursor.hidden) {
      e.preventDefault();
      return this.pick(this.cursorAt);
    }
    if (!['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'].includes(e.key)) return;
    e.preventDefault();
    const from = this.cursorAt && this.onPage(this.cursorAt) ? this.cursorAt : null;
    if (!from) return this.show({ n: this.first(), c: 0, y: 0, x: 0 }, null);
    const to = { ...from };
    // Right past an image's last column is the next channel's first; down past its last row, the next group's first.
    if (e.key === 'ArrowRight') {
      if (to.x < w - 1) to.x++;
      else if (to.c < c - 1) [to.c, to.x] = [to.c + 1, 0];
    } else if (e.key === 'ArrowLeft') {
      if (to.x > 0) to.x--;
      else if (to.c > 0) [to.c, to.x] = [to.c - 1, w - 1];
    } else if (e.key === 'ArrowDown') {
      if (to.y < hh - 1) to.y++;
      else if (to.n < n - 1) [to.n, to.y] = [to.n + 1, 0];
    } else if (to.y > 0) to.y--;
    else if (to.n > 0) [to.n, to.y] = [to.n - 1, hh - 1];
    // A fetched sample is shown alone: the arrows stay in it.
    if (this.extra && to.n !== from.n) return;
    if (!this.onPage(to)) this.goTo(Math.floor(to.n / this.perPage));
    this.show(to, null);
  }

  protected pick(at: At): void {
    const { h: hh, w } = this.dims;
    this.onPick?.(at.n, (at.c * hh + at.y) * w + at.x);
  }

  private placeCursor(at: At): void {
    const l = this.layout;
    if (!l || !this.onPage(at)) return;
    this.cursorAt = at;
    const o = this.tileOrigin(l, this.shown().indexOf(at.n), at.c);
    Object.assign(this.cursor.style, { left: `${o.x + at.x * l.px}px`, top: `${o.y + at.y * l.px}px`, width: `${l.px}px`, height: `${l.px}px` });
    this.cursor.hidden = false;
  }

  protected show(at: At, point: { x: number; y: number } | null): void {
    const { c, h: hh, w } = this.dims;
    this.placeCursor(at);
    if (!this.data || this.cursor.hidden) return;
    const values = this.valuesOf(at.n);
    const local = (at.c * hh + at.y) * w + at.x;
    const i = at.n * c * hh * w + local;
    const lines = [`${this.spec.title} · ${this.spec.layer}`, `${this.axes} [${at.n}, ${at.c}, ${at.y}, ${at.x}]`, ...valueLines(this.spec, this.scale, values.data[values.base + local], i)];
    this.showTooltip(lines, point);
  }
}
