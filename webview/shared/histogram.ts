// One histogram as a column of bars: the panel's Distributions and the side view draw them alike.
import type { Histogram, WireTensor } from '../../src/protocol';
import { fmt, fmtCount } from '../../src/format';
import { h } from './dom';
import { t } from './strings';

/** The tensor's histogram, if it came with a usable one. */
export function histogramOf(t: WireTensor | null | undefined): Histogram | null {
  const hist = t?.histogram;
  return hist && Array.isArray(hist.counts) && hist.counts.length > 0 ? hist : null;
}

/**
 * A figure of `histogram` under `title`, its bars scaled to `top` counts (shared by figures drawn side
 * by side, so a distribution that piles up looks taller than one that spreads). `what` names it for
 * a screen reader: "Sigmoid1 activation".
 */
export function histogramFigure(title: HTMLElement, what: string, histogram: Histogram | null, top: number): HTMLElement {
  if (!histogram) return h('figure', { class: 'dist' }, title, h('div', { class: 'dist-none' }, t('not yet')));
  const { lo, hi, counts, outside } = histogram;
  const width = (hi - lo) / counts.length;
  const total = counts.reduce((a, c) => a + c, 0);
  const peak = counts.indexOf(Math.max(...counts));
  const bars = counts.map((count, k) => {
    const bar = h('span', { class: 'dist-bar', title: `[${fmt(lo + k * width)}, ${fmt(lo + (k + 1) * width)}${k === counts.length - 1 ? ']' : ')'}: ${fmtCount(count)}` });
    bar.style.height = `${(100 * count) / Math.max(1, top)}%`;
    return bar;
  });
  const spread = [what, fmtCount(total), fmt(lo), fmt(hi), fmtCount(counts[peak]), fmt(lo + peak * width), fmt(lo + (peak + 1) * width)];
  const label =
    hi === lo ? t('{0}: all {1} values are {2}', what, fmtCount(total), fmt(lo))
    : outside > 0 ? t('{0}: {1} values from {2} to {3}, most ({4}) in [{5}, {6}], {7} outside', ...spread, fmtCount(outside))
    : t('{0}: {1} values from {2} to {3}, most ({4}) in [{5}, {6}]', ...spread);
  return h(
    'figure',
    { class: 'dist' },
    title,
    h('div', { class: 'dist-bars', role: 'img', 'aria-label': label }, ...bars),
    h('div', { class: 'dist-ends' }, h('span', {}, fmt(lo)), h('span', {}, fmt(hi))),
  );
}

/** A comparison's row: the variant's name (then `detail`, such as its loss) above its figures, a group named for a screen reader. */
export function variantRow(label: string, detail: string, figures: readonly HTMLElement[]): HTMLElement {
  return h('div', { class: 'dist-variant', role: 'group', 'aria-label': label }, h('div', { class: 'dist-variant-label' }, h('span', { class: 'dist-variant-name' }, label), detail), h('div', { class: 'dist-variant-columns' }, ...figures));
}
