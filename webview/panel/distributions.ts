// Each layer's activation (or dx) distribution as a histogram, one column per layer on one count
// axis, as the book's weight-init figures draw them: std 1 piles sigmoid outputs at 0 and 1, std
// 0.01 at 0.5, Xavier spreads them.
import type { Histogram } from '../../src/protocol';
import { h } from '../shared/dom';
import { histogramFigure, histogramOf } from '../shared/histogram';
import type { LayerRecord } from '../shared/state';
import { t } from '../shared/strings';

type Of = 'activation' | 'dx';

export class Distributions {
  readonly element: HTMLElement;
  private readonly columns = h('div', { class: 'dist-columns' });
  private readonly buttons: Record<Of, HTMLButtonElement>;
  private of: Of = 'activation';
  private rows: readonly LayerRecord[] = [];

  constructor(private readonly onSelect: (index: number) => void) {
    const button = (of: Of): HTMLButtonElement => {
      const b = h('button', { class: 'button secondary', type: 'button', 'aria-pressed': String(of === this.of) }, of === 'activation' ? t('activation') : of);
      b.addEventListener('click', () => {
        this.of = of;
        for (const [k, other] of Object.entries(this.buttons)) other.setAttribute('aria-pressed', String(k === of));
        this.render(this.rows);
      });
      return b;
    };
    this.buttons = { activation: button('activation'), dx: button('dx') };
    this.element = h(
      'section',
      { class: 'dists', 'aria-labelledby': 'bl-dists-heading' },
      h('div', { class: 'section-header' }, h('h2', { id: 'bl-dists-heading' }, t('Distributions')), h('span', { class: 'spacer' }), h('div', { class: 'dist-of', role: 'group', 'aria-label': t('Distribution of') }, this.buttons.activation, this.buttons.dx)),
      this.columns,
    );
    this.element.hidden = true;
  }

  /** Draws the histograms the rows have so far; hidden while none has one. */
  render(rows: readonly LayerRecord[]): void {
    this.rows = rows;
    const layers = rows.map((row, index) => ({ row, index, histogram: histogramOf(this.of === 'activation' ? row.activation : row.dx) })).filter((l) => !l.row.isLoss);
    this.element.hidden = !rows.some((r) => !r.isLoss && (histogramOf(r.activation) || histogramOf(r.dx)));
    if (this.element.hidden) return;
    // One count axis for every column, so a layer whose values pile up looks taller than one whose spread.
    const top = Math.max(1, ...layers.flatMap((l) => l.histogram?.counts ?? []));
    this.columns.replaceChildren(...layers.map((l) => this.column(l.row.info.name, l.index, l.histogram, top)));
  }

  private column(name: string, index: number, histogram: Histogram | null, top: number): HTMLElement {
    const title = h('button', { class: 'dist-name', type: 'button', title: t('Select {0}', name) }, name);
    title.addEventListener('click', () => this.onSelect(index));
    return histogramFigure(title, this.of === 'activation' ? t('{0} activation', name) : `${name} ${this.of}`, histogram, top);
  }
}
