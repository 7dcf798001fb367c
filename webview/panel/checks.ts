// The gradient check of one tensor (a parameter, or dx) of the selected layer: a summary line, heatmaps
// of |a − n| and of the relative error, and the worst elements. Choosing a worst element (click, or
// Enter) puts both heatmaps' cell cursor on it and shows the |a − n| heatmap's tooltip there.
import type { WireCheck, WorstElement } from '../../src/protocol';
import { h, rowKeyTarget } from '../shared/dom';
import { bytesOf } from '../shared/wire-buffer';
import { matrixShape } from '../../src/downsample';
import { fmt, fmtCount, fmtFull, fmtGraph } from '../../src/format';
import type { HeatmapOptions, TensorView } from '../shared/heatmap';
import { tensorView } from '../shared/tensor-grid';
import { t } from '../shared/strings';

/** Why a non-differentiable point is labelled rather than failed. */
function nonDifferentiableTitle(): string {
  return t('Non-differentiable point: the element is within h of a kink (such as a ReLU input near 0), where the one-sided slopes disagree, so central differences cannot match backprop there. Not a failure.');
}

/** "2 non-differentiable points", "1 non-differentiable point", "0 non-differentiable points". */
export function nonDifferentiableText(count: number): string {
  return count === 1 ? t('{0} non-differentiable point', fmtCount(count)) : t('{0} non-differentiable points', fmtCount(count));
}

/** What a worst element's status column says. */
type WorstStatus = 'fail' | 'ok' | 'non-differentiable point';

/** A non-differentiable point is never a failure, whatever its error. */
function statusOf(w: WorstElement): WorstStatus {
  return w.nonDifferentiable ? 'non-differentiable point' : w.failed ? 'fail' : 'ok';
}

const STATUS_CLASS: Record<WorstStatus, string> = { fail: 'bad', ok: 'ok', 'non-differentiable point': 'kink' };

/** What the status column shows for `status`. */
function statusText(status: WorstStatus): string {
  switch (status) {
    case 'fail':
      return t('fail');
    case 'ok':
      return t('ok');
    case 'non-differentiable point':
      return t('non-differentiable point');
  }
}

/** |a − n| / max(|a|, |n|), 0 where both are 0: the engine's relative error. */
function relativeError(a: number, n: number): number {
  const diff = Math.abs(a - n);
  return diff === 0 ? 0 : diff / Math.max(Math.abs(a), Math.abs(n));
}

/** Called when the user chooses a worst element of `view`, before the view shows it: its row and column in the heatmaps' 2-D view. */
export type ChooseHandler = (view: CheckView, row: number, col: number) => void;

/** One check's section. */
export class CheckView {
  readonly element: HTMLElement;
  /** The |a − n| heatmap, then the relative-error heatmap. */
  readonly heatmaps: TensorView[];
  private readonly rows: HTMLTableRowElement[];
  private chosen: number | null = null;

  constructor(
    /** Layer name, for titles and labels. */
    layer: string,
    /** Checked tensor: W, b, gamma, beta or dx. */
    readonly param: string,
    private readonly result: WireCheck,
    heatmapOptions: HeatmapOptions,
    private readonly onChoose: ChooseHandler,
  ) {
    const filters = param !== 'dx';
    const error = tensorView({ title: `|a − n| (${param})`, layer, tensor: result.error, kind: 'error', failed: bytesOf(result.failed), filters }, heatmapOptions);
    const rel = tensorView({ title: t('relative error ({0})', param), layer, tensor: result.relError, kind: 'log', filters }, heatmapOptions);
    this.heatmaps = [error, rel];
    this.rows = result.worst.map((w, i) => this.row(w, i));
    this.element = h(
      'section',
      { class: 'check', 'aria-label': t('Gradient check of {0}', param) },
      this.summary(),
      h('div', { class: 'heatmaps' }, error.element, rel.element, this.worstCard(layer)),
    );
  }

  /** The user chose worst element `i`: tells the panel, marks the row, and shows the element in both heatmaps with the tooltip. */
  choose(i: number): void {
    const w = this.result.worst[i] as WorstElement | undefined;
    if (!w) return;
    const { row, col } = this.cellOf(w);
    this.onChoose(this, row, col);
    this.deselect();
    this.chosen = i;
    this.markRows();
    this.heatmaps[1].selectCell(row, col, false);
    this.heatmaps[0].selectCell(row, col, true);
  }

  /** Marks worst element `i` as chosen again, quietly (no tooltip, no scrolling, nothing told), as after a redraw. */
  restore(i: number): void {
    if (!this.result.worst[i]) return;
    this.chosen = i;
    this.markRows();
    this.remark();
  }

  /** Puts the cursors back on the chosen element after the heatmaps were redrawn (zoom, theme). */
  remark(): void {
    const w = this.chosen === null ? undefined : this.result.worst[this.chosen];
    if (!w) return;
    const { row, col } = this.cellOf(w);
    for (const v of this.heatmaps) v.markCell(row, col);
  }

  /** Unmarks the chosen element and hides both cursors. */
  deselect(): void {
    this.chosen = null;
    this.markRows();
    for (const v of this.heatmaps) v.clearCursor();
  }

  /** Index of the chosen worst element, or null. */
  get chosenIndex(): number | null {
    return this.chosen;
  }

  /** Index of the worst row holding keyboard focus, or -1. */
  focusedRow(): number {
    return this.rows.findIndex((tr) => tr === document.activeElement);
  }

  /** Focuses worst row `i` (clamped to the rows there are). */
  focusRow(i: number): void {
    this.rows[Math.min(i, this.rows.length - 1)]?.focus();
  }

  /** Where `w` sits in the heatmaps' 2-D view: `flat` is row-major in the tensor, so it is in the view too. */
  private cellOf(w: WorstElement): { row: number; col: number } {
    const { cols } = matrixShape(this.result.error.shape);
    return { row: Math.floor(w.flat / cols), col: w.flat % cols };
  }

  private summary(): HTMLElement {
    const r = this.result;
    const count = r.error.stats.count;
    const kinks = h('span', { class: r.nonDifferentiable > 0 ? 'check-kinks some' : 'check-kinks', title: nonDifferentiableTitle() }, nonDifferentiableText(r.nonDifferentiable));
    const fails = h('span', { class: r.failures > 0 ? 'check-fails some' : 'check-fails' }, t('{0} of {1} fail', fmtCount(r.failures), fmtCount(count)));
    const maxRel = h('span', { title: t('largest relative error {0}; largest |a − n| {1}; mean |a − n| {2}', fmtFull(r.maxRelError), fmtFull(r.maxAbsDiff), fmtFull(r.meanAbsDiff)) }, t('max rel {0}', fmt(r.maxRelError)));
    return h(
      'h3',
      { class: 'check-summary' },
      h('span', { class: `check-badge ${r.ok ? 'ok' : 'bad'}` }, r.ok ? t('ok') : t('fail')),
      h('span', { class: 'check-line' }, `${this.param}: `, fails, ' · ', kinks, ' · ', maxRel),
    );
  }

  private worstCard(layer: string): HTMLElement {
    const worst = this.result.worst;
    const th = (text: string, title: string, numeric: boolean): HTMLElement => h('th', { role: 'columnheader', scope: 'col', title, class: numeric ? 'num' : undefined }, text);
    const head = h(
      'tr',
      { role: 'row' },
      th(t('Index'), t('Position of the element in the checked tensor'), false),
      th('a', t('Analytic: the gradient backprop computed'), true),
      th('n', t('Numerical: the central-difference gradient'), true),
      th('|a − n|', t('Absolute difference'), true),
      th(t('rel'), t('Relative error |a − n| / max(|a|, |n|)'), true),
      th(t('Status'), t('fail: outside the tolerance; non-differentiable point: within h of a kink, not a failure'), false),
    );
    const table = h(
      'table',
      { class: 'worst', role: 'grid', 'aria-readonly': 'true', 'aria-label': t('Worst elements of {0}, layer {1}', this.param, layer) },
      h('thead', {}, head),
      h('tbody', {}, ...this.rows),
    );
    table.addEventListener('click', (e) => {
      const i = this.rows.indexOf((e.target as Element).closest('tr') as HTMLTableRowElement);
      if (i >= 0) this.choose(i);
    });
    table.addEventListener('keydown', (e) => this.onKey(e));
    // The tooltip belongs to the chosen row while focus is in the table.
    table.addEventListener('focusout', (e) => {
      if (!table.contains(e.relatedTarget as Node | null)) this.heatmaps[0].clearTooltip();
    });
    this.markRows();
    const kinks = worst.some((w) => w.nonDifferentiable);
    return h(
      'figure',
      { class: 'hm-card worst-card' },
      h(
        'figcaption',
        { class: 'hm-header' },
        h('span', { class: 'hm-title' }, t('worst elements ({0})', this.param)),
        h('span', { class: 'hm-shape' }, t('{0} of {1}', worst.length, fmtCount(this.result.error.stats.count))),
      ),
      worst.length ? h('div', { class: 'table-scroll' }, table) : h('p', { class: 'empty' }, t('No elements listed.')),
      kinks ? h('p', { class: 'worst-note' }, nonDifferentiableTitle()) : null,
      worst.length ? h('div', { class: 'hm-hint' }, t('Click a row, or press Enter on it, to find the element in the heatmaps.')) : null,
    );
  }

  private row(w: WorstElement, i: number): HTMLTableRowElement {
    const status = statusOf(w);
    const diff = Math.abs(w.analytic - w.numerical);
    const rel = relativeError(w.analytic, w.numerical);
    const num = (text: string, title: string): HTMLElement => h('td', { role: 'gridcell', class: 'num', title }, text);
    return h(
      'tr',
      { role: 'row', 'aria-rowindex': i + 2 },
      h('td', { role: 'gridcell' }, `[${w.index.join(', ')}]`),
      num(fmtGraph(w.analytic), fmtFull(w.analytic)),
      num(fmtGraph(w.numerical), fmtFull(w.numerical)),
      num(fmt(diff), fmtFull(diff)),
      num(fmt(rel), fmtFull(rel)),
      h(
        'td',
        { role: 'gridcell', class: 'worst-status' },
        h('span', { class: `status-chip ${STATUS_CLASS[status]}`, title: status === 'non-differentiable point' ? nonDifferentiableTitle() : undefined }, statusText(status)),
      ),
    );
  }

  private markRows(): void {
    // One row takes Tab focus: the chosen one, or the first.
    const tabRow = this.chosen ?? 0;
    this.rows.forEach((tr, i) => {
      tr.setAttribute('aria-selected', String(i === this.chosen));
      tr.tabIndex = i === tabRow ? 0 : -1;
    });
  }

  private onKey(e: KeyboardEvent): void {
    const i = this.rows.indexOf((e.target as Element).closest('tr') as HTMLTableRowElement);
    if (i < 0) return;
    const last = this.rows.length - 1;
    const target = rowKeyTarget(e.key, i, last);
    if (target < 0) return;
    e.preventDefault();
    this.rows[target].focus();
    this.choose(target);
  }
}
