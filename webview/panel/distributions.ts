// Each layer's activation (or dx) distribution as a histogram, one column per layer on one count
// axis, as the book's weight-init figures draw them: std 1 piles sigmoid outputs at 0 and 1, std
// 0.01 at 0.5, Xavier spreads them. A comparison of inits draws one row of columns per variant
// instead, each layer's columns on the same range.
import { fmt } from '../../src/format';
import type { Histogram } from '../../src/protocol';
import { h } from '../shared/dom';
import { histogramFigure, histogramOf, variantRow } from '../shared/histogram';
import type { LayerRecord, VariantsEvent } from '../shared/state';
import { t } from '../shared/strings';

type Of = 'activation' | 'dx';

export class Distributions {
  readonly element: HTMLElement;
  private readonly columns = h('div', { class: 'dist-columns' });
  private readonly buttons: Record<Of, HTMLButtonElement>;
  private of: Of = 'activation';
  private rows: readonly LayerRecord[] = [];
  private variants: VariantsEvent | null = null;

  constructor(private readonly onSelect: (index: number) => void) {
    const button = (of: Of): HTMLButtonElement => {
      const b = h('button', { class: 'button secondary', type: 'button', 'aria-pressed': String(of === this.of) }, of === 'activation' ? t('activation') : of);
      b.addEventListener('click', () => {
        this.of = of;
        for (const [k, other] of Object.entries(this.buttons)) other.setAttribute('aria-pressed', String(k === of));
        this.render(this.rows, this.variants);
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

  /** Draws the histograms the rows have so far, or each variant's; hidden while none has one. */
  render(rows: readonly LayerRecord[], variants: VariantsEvent | null): void {
    this.rows = rows;
    this.variants = variants;
    const layers = rows.map((row, index) => ({ row, index })).filter((l) => !l.row.isLoss);
    if (variants && variants.variants.length > 0) return this.renderVariants(layers, variants);
    const shown = layers.map((l) => ({ ...l, histogram: histogramOf(this.of === 'activation' ? l.row.activation : l.row.dx) }));
    this.element.hidden = !layers.some((l) => histogramOf(l.row.activation) || histogramOf(l.row.dx));
    if (this.element.hidden) return;
    // One count axis for every column, so a layer whose values pile up looks taller than one whose spread.
    const top = Math.max(1, ...shown.flatMap((l) => l.histogram?.counts ?? []));
    this.columns.replaceChildren(...shown.map((l) => this.column(l.row.info.name, l.index, l.histogram, top)));
  }

  /** One row per variant, labelled with its loss when the network has one. */
  private renderVariants(layers: readonly { row: LayerRecord; index: number }[], { key, variants }: VariantsEvent): void {
    this.element.hidden = false;
    const of = (layer: { activation: Histogram; dx: Histogram }) => (this.of === 'activation' ? layer.activation : layer.dx);
    this.columns.replaceChildren(
      h('p', { class: 'dist-note' }, t('{0} compared: one row per variant, each run once, on its own count axis; the table above is the spec as written.', key)),
      ...variants.map((v) => {
        // A row's count axis is its own, as each of the book's figures has: std 0.01 piles 60% into
        // one bin, which would flatten Xavier's spread to a few pixels on a shared axis.
        const top = Math.max(1, ...v.layers.flatMap((l) => of(l).counts));
        const figures = layers.map((l) => this.column(l.row.info.name, l.index, v.layers[l.index] ? of(v.layers[l.index]) : null, top, v.label));
        return variantRow(v.label, v.loss === null ? '' : ` · ${t('loss {0}', fmt(v.loss))}`, figures);
      }),
    );
  }

  /** `variant`: the comparison's variant the column is of, for a screen reader. */
  private column(name: string, index: number, histogram: Histogram | null, top: number, variant?: string): HTMLElement {
    const title = h('button', { class: 'dist-name', type: 'button', title: t('Select {0}', name) }, name);
    title.addEventListener('click', () => this.onSelect(index));
    const what = this.of === 'activation' ? t('{0} activation', name) : `${name} ${this.of}`;
    return histogramFigure(title, variant ? `${variant}: ${what}` : what, histogram, top);
  }
}
