// The layer table: one row per layer, filled in as forward, backward and check events arrive.
// Rows are an ARIA grid with one focusable row at a time (roving tabindex).
import type { WireStats, WireTensor } from '../../src/protocol';
import { nonDifferentiableText } from './checks';
import { h, rowKeyTarget } from '../shared/dom';
import { findingMark } from './findings';
import { fmt, fmtCount, fmtFull, fmtPercent } from '../../src/format';
import { tensorValues } from '../shared/wire-buffer';
import type { LayerRecord } from '../shared/state';
import { fmtDelta, tensorName, type RunComparison } from './baseline';
import { shapeText as fmtShape, t } from '../shared/strings';

/** One rendered cell: text plus an optional hover title and CSS classes. */
interface Cell {
  text: string;
  title?: string;
  cls?: string;
  /** A short tag after the text, such as which gradient a norm is of. */
  tag?: string;
  /** A marker before the text, such as the ⚠ of a layer with findings. */
  mark?: HTMLElement | null;
}

/** Where a column goes in a narrow panel: into the line of `group` under the layer's name, as `label text suffix`. */
interface Fold {
  group: 'about' | 'activity' | 'ratio' | 'delta';
  label?: string;
  suffix?: string;
}

interface Column {
  key: string;
  header: string;
  title: string;
  numeric: boolean;
  fold?: Fold;
  cell(r: LayerRecord, index: number, baseline: RunComparison | null): Cell;
}

const NA: Cell = { text: '–', cls: 'na' };
const PENDING: Cell = { text: '' };

function statCell(t: WireTensor | null, pick: (s: WireStats) => number | null): Cell {
  if (!t) return PENDING;
  const v = pick(t.stats);
  return v === null ? NA : { text: fmt(v), title: fmtFull(v) };
}

/** The parameter whose gradient norm the row reports: W when there is one, else the first. */
function mainGrad(r: LayerRecord): { name: string; grad: WireTensor } | null {
  return r.grads.find((g) => g.name === 'W') ?? r.grads[0] ?? null;
}

function gradNormCell(r: LayerRecord): Cell {
  const g = mainGrad(r);
  if (g) {
    const l2 = g.grad.stats.l2;
    return { text: fmt(l2), tag: `d${g.name}`, title: t('‖d{0}‖₂ = {1} (gradient of parameter {0})', g.name, l2 === null ? t('n/a') : fmtFull(l2)) };
  }
  if (!r.dx) return PENDING;
  const l2 = r.dx.stats.l2;
  return { text: fmt(l2), tag: 'dx', title: t('‖dx‖₂ = {0} (no parameters: gradient with respect to the input)', l2 === null ? t('n/a') : fmtFull(l2)) };
}

function ratioCell(r: LayerRecord): Cell {
  if (r.info.paramCount === 0 || r.isLoss) return NA;
  const g = mainGrad(r);
  const p = g && r.params.find((q) => q.name === g.name);
  if (!g || !p) return PENDING;
  const num = g.grad.stats.l2;
  const den = p.value.stats.l2;
  if (num === null || den === null || den === 0) return { ...NA, title: den === 0 ? t('‖{0}‖₂ is zero', g.name) : t('‖{0}‖₂ is not finite', g.name) };
  const ratio = num / den;
  // The header names W; only another parameter (gamma of BatchNorm) needs a tag.
  return { text: fmt(ratio), tag: g.name === 'W' ? undefined : `d${g.name}/${g.name}`, title: t('‖d{0}‖₂ / ‖{0}‖₂ = {1} (update scale relative to the weights)', g.name, fmtFull(ratio)) };
}

function nonFiniteCell(r: LayerRecord): Cell {
  const parts: [string, WireTensor | null][] = [
    [t('activation'), r.activation],
    ['dx', r.dx],
    ...r.grads.map((g): [string, WireTensor] => [`d${g.name}`, g.grad]),
  ];
  const present = parts.filter((p): p is [string, WireTensor] => p[1] !== null);
  if (present.length === 0) return PENDING;
  let nan = 0;
  let inf = 0;
  const lines: string[] = [];
  for (const [name, t] of present) {
    const i = t.stats.posInf + t.stats.negInf;
    nan += t.stats.nan;
    inf += i;
    lines.push(`${name}: ${t.stats.nan} NaN, ${t.stats.posInf} +Inf, ${t.stats.negInf} −Inf`);
  }
  return { text: `${nan} / ${inf}`, title: lines.join('\n'), cls: nan + inf > 0 ? 'bad' : undefined };
}

function maskCell(r: LayerRecord): Cell {
  if (!r.maskStats) return r.activation ? NA : PENDING;
  const m = r.maskStats;
  return {
    text: `${fmtPercent(m.maskedFraction)} / ${fmtPercent(m.deadFraction)}`,
    title:
      m.unit === 'filter'
        ? t('{0}% of elements masked; {1} dead filter(s): channels masked at every pixel for every sample', fmtFull(m.maskedFraction * 100), fmtCount(m.deadUnits))
        : t('{0}% of elements masked; {1} unit(s) masked for every sample (dead)', fmtFull(m.maskedFraction * 100), fmtCount(m.deadUnits)),
    cls: m.deadUnits > 0 ? 'warn' : undefined,
  };
}

function checkCell(r: LayerRecord): Cell {
  if (r.checks.length === 0) return NA;
  const worst = Math.max(...r.checks.map((c) => c.result.maxRelError));
  const failed = r.checks.filter((c) => !c.result.ok).length;
  const kinks = r.checks.reduce((n, c) => n + c.result.nonDifferentiable, 0);
  const params = r.checks.map((c) => c.param).join(', ');
  const checked = r.checks.length === 1 ? t('{0} tensor checked ({1})', r.checks.length, params) : t('{0} tensors checked ({1})', r.checks.length, params);
  const verdict = failed === 0 ? t('all ok') : t('{0} failed', failed);
  const points = kinks > 0 ? t('{0} (not failures)', nonDifferentiableText(kinks)) : nonDifferentiableText(kinks);
  const head = `${checked}: ${verdict} · ${points}`;
  const lines = r.checks.map(
    (c) =>
      `${c.param}: ${c.result.ok ? t('ok') : t('FAIL')} · ` +
      t('{0} failure(s) · {1} non-differentiable · max rel error {2} · mean |Δ| {3} · max |Δ| {4}', c.result.failures, c.result.nonDifferentiable, fmtFull(c.result.maxRelError), fmtFull(c.result.meanAbsDiff), fmtFull(c.result.maxAbsDiff)),
  );
  return { text: fmt(worst), tag: failed === 0 ? t('ok') : t('fail'), title: [head, ...lines].join('\n'), cls: failed === 0 ? 'ok' : 'bad' };
}

/** A figure of the run against the baseline's: current − baseline, both in the hover. */
function deltaCell(what: string, current: number | null | undefined, baseline: number | null | undefined, tag?: string): Cell {
  if (current === undefined) return PENDING;
  if (baseline === undefined) return { ...NA, title: t('{0}: not in the baseline', what) };
  if (current === null || baseline === null) return { ...NA, title: current === null ? t('{0}: not finite in this run', what) : t('{0}: not finite in the baseline', what) };
  const d = current - baseline;
  return { text: fmtDelta(d), tag, title: t('{0}: this run {1}, baseline {2}, Δ {3}', what, fmtFull(current), fmtFull(baseline), fmtFull(d)), cls: d === 0 ? 'same' : 'changed' };
}

/** The Δ of statistic `pick` of the row's tensor `key` (`tensor` in this run). */
function statDelta(r: LayerRecord, b: RunComparison | null, key: string, tensor: WireTensor | null, what: string, pick: (s: WireStats) => number | null, tag?: string): Cell {
  if (!b) return NA;
  if (!tensor) return PENDING;
  const before = b.get(tensorName(r, key));
  return deltaCell(what, pick(tensor.stats), before && pick(before.stats), tag);
}

function gradDeltaCell(r: LayerRecord, b: RunComparison | null): Cell {
  if (r.info.paramCount === 0 || r.isLoss) return NA;
  const g = mainGrad(r);
  if (!g) return b ? PENDING : NA;
  return statDelta(r, b, `d${g.name}`, g.grad, `‖d${g.name}‖₂`, (s) => s.l2, g.name === 'W' ? undefined : `d${g.name}`);
}

// The layer's identity first, then the diagnostics, the Check column before any other. As the panel
// narrows, whole groups fold into lines under the layer's name (panel.css, by container width): first
// `about`, then `activity`, then `ratio`; the rest stays a column at any width.
const COLUMNS: Column[] = [
  { key: 'index', header: '#', title: t('Layer index'), numeric: true, cell: (r, i) => ({ text: r.isLoss ? 'L' : String(i) }) },
  { key: 'name', header: t('Layer'), title: t('Layer name'), numeric: false, cell: (r) => ({ text: r.info.name, title: r.info.name, mark: findingMark(r.findings) }) },
  { key: 'type', header: t('Type'), title: t('Layer type'), numeric: false, fold: { group: 'about' }, cell: (r) => ({ text: r.info.type, title: r.info.type }) },
  {
    key: 'shape',
    header: t('In → out'),
    title: t('Input shape → output shape'),
    numeric: false,
    fold: { group: 'about' },
    cell: (r) => ({ text: `${fmtShape(r.info.inShape)} → ${fmtShape(r.info.outShape)}` }),
  },
  { key: 'params', header: t('Params'), title: t('Trainable scalars'), numeric: true, fold: { group: 'about', suffix: ` ${t('params')}` }, cell: (r) => (r.isLoss ? NA : { text: fmtCount(r.info.paramCount) }) },
  {
    key: 'check',
    header: t('Check'),
    title: t('Largest relative error of backprop against numerical gradients, over the parameters and dx; ok when no element fails'),
    numeric: true,
    cell: checkCell,
  },
  { key: 'nonfinite', header: 'NaN/Inf', title: t('NaN and ±Inf elements in the output and the gradients'), numeric: true, cell: nonFiniteCell },
  {
    key: 'grad',
    header: t('‖grad‖'),
    title: t('L2 norm of the gradient: of dW for layers with parameters, of dx (gradient w.r.t. the input) otherwise'),
    numeric: true,
    cell: gradNormCell,
  },
  { key: 'ratio', header: '‖dW‖/‖W‖', title: t('Gradient norm over weight norm'), numeric: true, fold: { group: 'ratio', label: '‖dW‖/‖W‖' }, cell: ratioCell },
  { key: 'mean', header: t('Mean'), title: t('Mean of the layer output (finite elements)'), numeric: true, fold: { group: 'activity', label: t('mean') }, cell: (r) => statCell(r.activation, (s) => s.mean) },
  { key: 'std', header: t('Std'), title: t('Standard deviation of the layer output'), numeric: true, fold: { group: 'activity', label: t('std') }, cell: (r) => statCell(r.activation, (s) => s.std) },
  { key: 'min', header: t('Min'), title: t('Smallest finite output element'), numeric: true, fold: { group: 'activity', label: t('min') }, cell: (r) => statCell(r.activation, (s) => s.min) },
  { key: 'max', header: t('Max'), title: t('Largest finite output element'), numeric: true, fold: { group: 'activity', label: t('max') }, cell: (r) => statCell(r.activation, (s) => s.max) },
  { key: 'mask', header: t('Masked/dead'), title: t('Masked elements / units masked for the whole batch (ReLU, Dropout); after a convolution, dead filters: channels masked at every pixel'), numeric: true, fold: { group: 'activity', label: t('masked/dead') }, cell: maskCell },
  // Against the pinned baseline (shown only with one): columns in a wide panel, a line under the name below 1,200 px.
  { key: 'ddw', header: 'Δ‖dW‖', title: t('Change of ‖dW‖₂ from the baseline (this run − baseline)'), numeric: true, fold: { group: 'delta', label: 'Δ‖dW‖' }, cell: (r, _i, b) => gradDeltaCell(r, b) },
  { key: 'ddx', header: 'Δ‖dx‖', title: t('Change of ‖dx‖₂ from the baseline'), numeric: true, fold: { group: 'delta', label: 'Δ‖dx‖' }, cell: (r, _i, b) => statDelta(r, b, 'dx', r.dx, '‖dx‖₂', (s) => s.l2) },
  { key: 'dmean', header: t('Δmean'), title: t('Change of the output mean from the baseline'), numeric: true, fold: { group: 'delta', label: t('Δmean') }, cell: (r, _i, b) => (r.isLoss ? NA : statDelta(r, b, 'out', r.activation, t('mean'), (s) => s.mean)) },
  { key: 'dstd', header: t('Δstd'), title: t('Change of the output standard deviation from the baseline'), numeric: true, fold: { group: 'delta', label: t('Δstd') }, cell: (r, _i, b) => (r.isLoss ? NA : statDelta(r, b, 'out', r.activation, t('std'), (s) => s.std)) },
];

/** Called with the index of the row the user selected. */
export type SelectHandler = (index: number) => void;

/** The table element and the operations the panel needs on it. */
export class LayerTable {
  /** Root element to insert into the page. */
  readonly element: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private rows: HTMLTableRowElement[] = [];
  private selected: number | null = null;
  private baseline: RunComparison | null = null;
  private readonly table: HTMLTableElement;

  constructor(private readonly onSelect: SelectHandler) {
    this.body = h('tbody');
    const head = h(
      'tr',
      { role: 'row' },
      ...COLUMNS.map((c) => h('th', { role: 'columnheader', scope: 'col', title: c.title, class: classOf(c) }, c.header)),
    );
    this.table = h('table', { class: 'layers', role: 'grid', 'aria-label': t('Layers'), 'aria-readonly': 'true' }, h('thead', {}, head), this.body);
    this.element = h('div', { class: 'table-scroll layers-scroll' }, this.table);
    this.body.addEventListener('click', (e) => {
      const tr = (e.target as Element).closest('tr');
      const i = tr ? this.rows.indexOf(tr) : -1;
      if (i >= 0) this.onSelect(i);
    });
    this.body.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Compares the rows with `baseline` from now on (null: none, and no Δ columns); redraw them after. */
  setBaseline(baseline: RunComparison | null): void {
    this.baseline = baseline;
    this.table.classList.toggle('compared', baseline !== null);
  }

  /** Rebuilds every row. */
  setRows(records: LayerRecord[]): void {
    this.rows = records.map((_, i) => h('tr', { role: 'row', 'aria-rowindex': i + 2 }));
    this.body.replaceChildren(...this.rows);
    records.forEach((r, i) => this.updateRow(i, r));
    this.markSelection(false);
  }

  /** Redraws row `index` from its record. */
  updateRow(index: number, r: LayerRecord): void {
    const tr = this.rows[index] as HTMLTableRowElement | undefined;
    if (!tr) return;
    tr.classList.toggle('loss', r.isLoss);
    const cells = COLUMNS.map((col) => ({ col, cell: col.cell(r, index, this.baseline) }));
    tr.replaceChildren(...cells.map(({ col, cell }) => renderCell(col, cell)));
    const fold = foldOf(cells);
    tr.querySelector('td.col-name')?.appendChild(fold);
    if (r.isLoss) this.fillLossValue(tr, r, fold);
    if (r.isLoss && this.baseline) this.fillLossDelta(tr, r, fold, this.baseline);
  }

  /** Scrolls row `index` into view, if it exists. */
  reveal(index: number): void {
    this.rows[index]?.scrollIntoView({ block: 'nearest' });
  }

  /** Marks row `index` selected (null: none); moves keyboard focus there when `focus`. */
  select(index: number | null, focus: boolean): void {
    this.selected = index !== null && index < this.rows.length ? index : null;
    this.markSelection(focus);
  }

  private markSelection(focus: boolean): void {
    // Exactly one row takes Tab focus: the selected one, or the first.
    const tabRow = this.selected ?? 0;
    this.rows.forEach((tr, i) => {
      tr.setAttribute('aria-selected', String(i === this.selected));
      tr.tabIndex = i === tabRow ? 0 : -1;
    });
    if (focus && this.selected !== null) this.rows[this.selected].focus();
  }

  private fillLossValue(tr: HTMLTableRowElement, r: LayerRecord, fold: HTMLElement): void {
    // The loss row has no activation statistics; its value spans those four columns instead.
    const cells = [...tr.children];
    const first = COLUMNS.findIndex((c) => c.key === 'mean');
    const span = cells.slice(first, first + 4);
    const text = r.lossValue === null ? '' : t('loss = {0}', fmt(r.lossValue));
    const title = r.lossValue === null ? undefined : fmtFull(r.lossValue);
    const td = h('td', { role: 'gridcell', colspan: 4, 'aria-colspan': 4, class: 'num loss-value fold-activity', title }, text);
    span[0].replaceWith(td);
    for (const c of span.slice(1)) c.remove();
    if (text) fold.appendChild(h('span', { class: 'fold-group fold-activity' }, h('span', { class: 'fold-item', title }, text)));
  }

  private fillLossDelta(tr: HTMLTableRowElement, r: LayerRecord, fold: HTMLElement, b: RunComparison): void {
    // Δmean and Δstd of a prediction say little; the loss row's change of loss spans them instead.
    const [mean, std] = [tr.querySelector('td.col-dmean'), tr.querySelector('td.col-dstd')];
    if (!mean || !std) return;
    const before = b.get(tensorName(r, 'loss'));
    const cell = r.lossValue === null ? PENDING : deltaCell(t('loss'), r.lossValue, before && tensorValues(before)?.[0]);
    const text = cell.text && cell !== NA ? t('Δloss {0}', cell.text) : cell.text;
    const td = h('td', { role: 'gridcell', colspan: 2, 'aria-colspan': 2, class: ['num loss-delta fold-delta', cell.cls ?? ''].filter(Boolean).join(' '), title: cell.title }, text);
    mean.replaceWith(td);
    std.remove();
    if (!text) return;
    const line = fold.querySelector('.fold-group.fold-delta') ?? fold.appendChild(h('span', { class: 'fold-group fold-delta' }));
    line.append(h('span', { class: ['fold-item', cell.cls ?? ''].filter(Boolean).join(' '), title: cell.title }, text), ' ');
  }

  private onKey(e: KeyboardEvent): void {
    const tr = (e.target as Element).closest('tr');
    const i = tr ? this.rows.indexOf(tr) : -1;
    if (i < 0) return;
    const last = this.rows.length - 1;
    const target = rowKeyTarget(e.key, i, last);
    if (target < 0) return;
    e.preventDefault();
    this.onSelect(target);
    this.rows[target].focus();
  }
}

function classOf(col: Column): string {
  return [col.numeric ? 'num' : '', `col-${col.key}`, col.fold ? `fold-${col.fold.group}` : ''].filter(Boolean).join(' ');
}

function renderCell(col: Column, c: Cell): HTMLTableCellElement {
  const td = h('td', { role: 'gridcell', class: [classOf(col), c.cls ?? ''].filter(Boolean).join(' '), title: c.title }, c.mark, c.text);
  if (c.tag) td.appendChild(h('span', { class: 'tag' }, c.tag));
  return td;
}

/** The lines under a layer's name that repeat its foldable cells, a group each; panel.css shows the groups whose columns it hides. */
function foldOf(cells: { col: Column; cell: Cell }[]): HTMLElement {
  const groups = new Map<Fold['group'], HTMLElement>();
  for (const { col, cell } of cells) {
    if (!col.fold || cell === NA || cell.text === '') continue;
    const { group, label, suffix } = col.fold;
    let line = groups.get(group);
    if (!line) {
      line = h('span', { class: `fold-group fold-${group}` });
      groups.set(group, line);
    }
    line.append(
      h('span', { class: ['fold-item', cell.cls ?? ''].filter(Boolean).join(' '), title: cell.title }, label ? h('span', { class: 'fold-label' }, `${label} `) : null, cell.text, cell.tag ? h('span', { class: 'tag' }, cell.tag) : null, suffix),
      ' ',
    );
  }
  return h('div', { class: 'fold' }, ...groups.values());
}
