// The gradient-flow chart (after the plot_grad_flow recipe): one row per layer with its max |grad|
// as a light bar and its mean |grad| as a solid bar over it, on a log axis, so vanishing and
// exploding layers stand out by decades. Bars run horizontally because the view is narrow.
import type { FlowBar } from '../../src/protocol';
import { s } from './dom';
import { fmt, fmtFull } from '../../src/format';
import { decadeLabel } from './log-axis';
import { t } from './strings';

/** Height of one layer's row (px). */
const ROW_H = 22;
/** Height of a bar (px). */
const BAR_H = 12;
/** Height of the axis under the rows (px). */
const AXIS_H = 20;
/** Room right of the plot for the last tick label and the ∞ marker (px). */
const RIGHT_PAD = 16;
/** Labels closer than this (px) would collide; the axis then labels every second (third…) decade. */
const MIN_LABEL_GAP = 34;

/** What the chart draws and where clicks go. */
export interface FlowOptions {
  /** One bar pair per layer, in layer order. */
  bars: readonly FlowBar[];
  /** Index of the layer to highlight. */
  current: number;
  /** Width (CSS px) the chart fills. */
  width: number;
  /** The user clicked a layer's bars (or pressed Enter on them). */
  onReveal(index: number): void;
}

/** The log axis: whole decades from 10^lo to 10^hi. */
export interface Axis {
  /** Exponent of the axis start. */
  lo: number;
  /** Exponent of the axis end. */
  hi: number;
}

/** Decades around every positive finite value, with the smallest strictly above the axis start. */
export function flowAxis(bars: readonly FlowBar[]): Axis {
  const values = bars.flatMap((b) => [b.meanAbs, b.maxAbs]).filter((v) => Number.isFinite(v) && v > 0);
  if (values.length === 0) return { lo: -3, hi: 0 };
  const lo = Math.ceil(Math.log10(Math.min(...values))) - 1;
  const hi = Math.floor(Math.log10(Math.max(...values))) + 1;
  return { lo, hi };
}

/** True when a value has a place on the log axis: finite and positive. */
function drawable(v: number): boolean {
  return Number.isFinite(v) && v > 0;
}

/** The marker for values no log bar can show: zero, NaN or infinite; null when both are drawable. */
function markerOf(b: FlowBar): { text: string; cls: string } | null {
  if (drawable(b.meanAbs) && drawable(b.maxAbs)) return null;
  if (Number.isNaN(b.meanAbs) || Number.isNaN(b.maxAbs)) return { text: 'NaN', cls: 'bad' };
  if (b.meanAbs === Infinity || b.maxAbs === Infinity) return { text: '∞', cls: 'bad' };
  return { text: t('0 · no gradient'), cls: 'zero' };
}

function describe(b: FlowBar): string {
  return t('mean |grad| {0}, max |grad| {1}', fmt(b.meanAbs), fmt(b.maxAbs));
}

/** Draws the chart; `fitLabels` must run once it is in the document. */
export function renderFlow(o: FlowOptions): SVGSVGElement {
  const { bars, width } = o;
  const axis = flowAxis(bars);
  const nameW = Math.round(Math.min(140, Math.max(56, width * 0.3)));
  const x0 = nameW;
  const x1 = Math.max(x0 + 40, width - RIGHT_PAD);
  const xOf = (v: number): number => x0 + ((Math.log10(v) - axis.lo) / (axis.hi - axis.lo)) * (x1 - x0);
  const plotBottom = bars.length * ROW_H;
  const height = plotBottom + AXIS_H;
  const svg = s('svg', {
    class: 'flow',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'group',
    'aria-label': t('Gradient flow, log scale from {0} to {1}: mean and max |grad| of each layer. Arrow keys move between layers; Enter reveals one in the spec.', decadeLabel(axis.lo), decadeLabel(axis.hi)),
  });

  // Decade grid and labels under the rows.
  const decades = axis.hi - axis.lo;
  const every = Math.max(1, Math.ceil(MIN_LABEL_GAP / ((x1 - x0) / decades)));
  const grid = s('g', { class: 'flow-axis', 'aria-hidden': 'true' });
  for (let k = axis.lo; k <= axis.hi; k++) {
    const x = x0 + ((k - axis.lo) / decades) * (x1 - x0);
    grid.append(s('line', { class: 'flow-grid', x1: x, x2: x, y1: 0, y2: plotBottom + 3 }));
    if ((k - axis.lo) % every === 0) grid.append(s('text', { class: 'flow-tick', x, y: plotBottom + 15, 'text-anchor': 'middle' }, decadeLabel(k)));
  }
  grid.append(s('line', { class: 'flow-baseline', x1: x0, x2: x0, y1: 0, y2: plotBottom }));
  svg.append(grid);

  const rows = bars.map((b, i) => {
    const top = i * ROW_H;
    const mid = top + ROW_H / 2;
    const isCurrent = i === o.current;
    const marker = markerOf(b);
    const label = isCurrent ? t('{0}: {1} (this layer). Enter reveals it in the spec.', b.name, describe(b)) : t('{0}: {1}. Enter reveals it in the spec.', b.name, describe(b));
    const row = s('g', {
      class: `flow-row${isCurrent ? ' current' : ''}`,
      role: 'button',
      tabindex: -1,
      'aria-label': label,
      'aria-current': isCurrent ? 'true' : null,
      'data-index': i,
    });
    row.append(
      s('title', {}, `${b.name}\n${t('mean |grad| {0}', fmtFull(b.meanAbs))}\n${t('max |grad| {0}', fmtFull(b.maxAbs))}`),
      s('rect', { class: 'flow-hit', x: 0, y: top, width, height: ROW_H }),
      s('rect', { class: 'flow-focus', x: 0.5, y: top + 0.5, width: width - 1, height: ROW_H - 1, rx: 2 }),
      s('text', { class: 'flow-name', x: nameW - 6, y: mid, 'text-anchor': 'end', 'dominant-baseline': 'central' }, b.name),
    );
    // An infinite value runs off the plot's right end, where its ∞ marker sits.
    const endOf = (v: number): number | null => (drawable(v) ? xOf(v) : v === Infinity ? x1 : null);
    let end = x0;
    for (const [cls, v] of [['flow-max', b.maxAbs], ['flow-mean', b.meanAbs]] as const) {
      const x = endOf(v);
      if (x === null) continue;
      end = Math.max(end, x);
      row.append(s('rect', { class: cls, x: x0, y: mid - BAR_H / 2, width: Math.max(1, x - x0), height: BAR_H }));
    }
    if (marker) {
      row.append(s('text', { class: `flow-marker ${marker.cls}`, x: end + (end === x0 ? 5 : 3), y: mid, 'dominant-baseline': 'central' }, marker.text));
    }
    row.addEventListener('click', () => o.onReveal(i));
    row.addEventListener('keydown', (e) => {
      const last = bars.length - 1;
      const target = e.key === 'ArrowDown' ? Math.min(last, i + 1) : e.key === 'ArrowUp' ? Math.max(0, i - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : -1;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        o.onReveal(i);
      } else if (target >= 0) {
        e.preventDefault();
        focusRow(svg, target);
      }
    });
    return row;
  });
  svg.append(...rows);
  // One tab stop: the current layer's row, or the first.
  const tabRow = rows[o.current] ?? rows[0];
  tabRow?.setAttribute('tabindex', '0');
  return svg;
}

/** Moves keyboard focus (and the single tab stop) to row `index`. */
export function focusRow(svg: SVGSVGElement, index: number): void {
  const rows = [...svg.querySelectorAll<SVGGElement>('g.flow-row')];
  const target = rows[index] as SVGGElement | undefined;
  if (!target) return;
  for (const r of rows) r.setAttribute('tabindex', r === target ? '0' : '-1');
  target.focus();
}

/** Shortens layer names that overflow their column, ending them with … (the full name is in the row's title). */
export function fitLabels(svg: SVGSVGElement): void {
  for (const text of svg.querySelectorAll<SVGTextElement>('text.flow-name')) {
    const room = Number(text.getAttribute('x')) - 2;
    const full = text.textContent ?? '';
    if (text.getComputedTextLength() <= room) continue;
    let n = full.length - 1;
    text.textContent = `${full.slice(0, n)}…`;
    while (n > 1 && text.getComputedTextLength() > room) text.textContent = `${full.slice(0, --n)}…`;
  }
}
