// A comparison in the Train panel (a spec's `compare:`): the table of each variant's final loss and
// accuracy, and the picker that chooses whose gradient-flow bands the flow charts draw.
import { fmt, fmtCount, fmtPercent } from '../../src/format';
import { variantColour } from '../shared/charts';
import { h } from '../shared/dom';
import { variantRows, type TrainModel } from '../shared/train-state';
import { t } from '../shared/strings';

/** A colour swatch for variant `i`, coloured as its line in the loss chart. */
function swatch(i: number): HTMLElement {
  const s = h('span', { class: 'swatch-line' });
  s.style.borderTopColor = variantColour(i);
  return s;
}

/** The table of each variant's final loss and accuracy. */
export class CompareTable {
  readonly element = h('div', { class: 'compare-table-wrap', hidden: true });

  /** Draws the table of `model`'s comparison, or hides it for a single run. */
  render(model: TrainModel): void {
    const rows = variantRows(model);
    // A single run's progress, ten times a second, must not touch the DOM: each touch costs the page a frame.
    if (rows.length === 0 && this.element.hidden) return;
    this.element.hidden = rows.length === 0;
    if (rows.length === 0) return this.element.replaceChildren();
    const accuracy = model.info?.measuresAccuracy !== false;
    const test = (model.info?.testRows ?? 0) > 0;
    const pct = (a: number | null) => (a === null ? '—' : fmtPercent(a));
    const head = [t('variant'), t('steps'), t('final loss'), ...(accuracy ? [t('train acc'), ...(test ? [t('test acc')] : [])] : []), t('state')];
    const num = (text: string) => h('td', { class: 'num' }, text);
    this.element.replaceChildren(
      h(
        'table',
        { class: 'compare-table' },
        h('caption', {}, t('{0} compared: the last evaluation of each variant', model.info?.compare?.key ?? '')),
        h('thead', {}, h('tr', {}, ...head.map((c, i) => h('th', { scope: 'col', class: i > 0 && i < head.length - 1 ? 'num' : '' }, c)))),
        h(
          'tbody',
          {},
          ...rows.map((r, i) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, swatch(i), ` ${r.label}`),
              num(fmtCount(r.steps)),
              num(r.loss === null ? '—' : fmt(r.loss)),
              ...(accuracy ? [num(pct(r.trainAcc)), ...(test ? [num(pct(r.testAcc))] : [])] : []),
              h('td', {}, r.state),
            ),
          ),
        ),
      ),
    );
  }
}

/** Toggle buttons, one per variant: the pressed one's gradient flow is on show. */
export class VariantPicker {
  readonly element = h('div', { class: 'layer-buttons variant-buttons', role: 'group', 'aria-label': t('Variant whose gradient flow is shown'), hidden: true });

  constructor(private readonly onPick: (index: number) => void) {}

  /** One button per variant of `model`'s comparison, or hidden for a single run. */
  render(model: TrainModel): void {
    const variants = model.info?.compare?.variants ?? [];
    this.element.hidden = variants.length === 0;
    this.element.replaceChildren(
      ...variants.map((label, i) => {
        const b = h('button', { class: 'layer-button', type: 'button', 'aria-pressed': String(i === model.variant) }, swatch(i), ` ${label}`);
        b.addEventListener('click', () => this.onPick(i));
        return b;
      }),
    );
  }
}
