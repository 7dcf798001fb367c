// The gradient check at a glance, at the top of the panel: pass or fail, then per checked tensor its
// failures and the book's figure, the mean |a − n|. A tensor's name shows that check in the detail;
// the names are one Tab stop, moved between with the arrow keys.
import { h, rowKeyTarget } from '../shared/dom';
import { fmt, fmtCount, fmtFull } from '../../src/format';
import type { LayerRecord } from '../shared/state';
import { t } from '../shared/strings';

/** A row's checks: its parameters in parameter order, then dx. */
export function checksInOrder(r: LayerRecord): LayerRecord['checks'] {
  const rank = (param: string): number => {
    const k = r.params.findIndex((p) => p.name === param);
    return param === 'dx' ? r.params.length + 1 : k < 0 ? r.params.length : k;
  };
  return [...r.checks].sort((a, b) => rank(a.param) - rank(b.param));
}

/** Called with the row index and the tensor whose check the user wants to see. */
export type ShowCheckHandler = (index: number, param: string) => void;

/** The summary section; hidden while no check has arrived. */
export class CheckSummary {
  readonly element: HTMLElement;
  private readonly verdict = h('span', { class: 'check-verdict' });
  private readonly body = h('tbody');

  private links: HTMLButtonElement[] = [];

  constructor(private readonly onShow: ShowCheckHandler) {
    const th = (text: string, title: string, numeric = false): HTMLElement => h('th', { scope: 'col', title, class: numeric ? 'num' : undefined }, text);
    this.element = h(
      'section',
      { class: 'check-overview', 'aria-labelledby': 'bl-check-overview-heading', hidden: true },
      h('h2', { id: 'bl-check-overview-heading' }, t('Gradient check'), this.verdict),
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'check-overview-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              th(t('Tensor'), t('Layer and checked tensor; choose one to see its heatmaps and worst elements')),
              th(t('Failures'), t('Elements outside the tolerance, of all elements checked'), true),
              th(t('mean |a − n|'), t('Mean absolute difference of backprop (a) and central differences (n), as the book prints it'), true),
              th(t('max rel'), t('Largest relative error |a − n| / max(|a|, |n|), non-differentiable points aside'), true),
            ),
          ),
          this.body,
        ),
      ),
    );
  }

  /** Shows the checks of `rows` (hidden when there are none). */
  render(rows: readonly LayerRecord[]): void {
    const checks = rows.flatMap((r, index) => checksInOrder(r).map((c) => ({ layer: r.info.name, index, ...c })));
    this.element.hidden = checks.length === 0;
    const failed = checks.filter((c) => !c.result.ok).length;
    this.verdict.className = `check-verdict ${failed === 0 ? 'ok' : 'bad'}`;
    const one = checks.length === 1;
    this.verdict.replaceChildren(
      h('span', { class: `check-badge ${failed === 0 ? 'ok' : 'bad'}` }, failed === 0 ? t('pass') : t('fail')),
      failed === 0
        ? one ? t('{0} tensor checked, none fail', checks.length) : t('{0} tensors checked, none fail', checks.length)
        : one ? t('{0} of {1} tensor fail', failed, checks.length) : t('{0} of {1} tensors fail', failed, checks.length),
    );
    const focused = this.links.indexOf(document.activeElement as HTMLButtonElement);
    this.links = checks.map((c, i) => {
      const show = h('button', { class: 'check-link', type: 'button', tabindex: i === Math.max(focused, 0) ? 0 : -1, title: t('Show the check of {0} of {1}', c.param, c.layer) }, h('span', { class: 'check-layer' }, c.layer), ' ', c.param);
      show.addEventListener('click', () => this.onShow(c.index, c.param));
      show.addEventListener('keydown', (e) => this.onKey(e, i));
      return show;
    });
    this.body.replaceChildren(
      ...checks.map((c, i) => {
        const r = c.result;
        const show = this.links[i];
        const num = (v: number): HTMLElement => h('td', { class: 'num', title: fmtFull(v) }, fmt(v));
        return h(
          'tr',
          { class: r.ok ? 'ok' : 'bad' },
          h('td', {}, show),
          h('td', { class: `num overview-fails${r.failures > 0 ? ' some' : ''}` }, t('{0} of {1}', fmtCount(r.failures), fmtCount(r.error.stats.count))),
          num(r.meanAbsDiff),
          num(r.maxRelError),
        );
      }),
    );
    // A redraw as more checks arrive keeps keyboard focus where it was.
    if (focused >= 0) this.links[focused]?.focus();
  }

  /** Arrows, Home and End move focus between the tensors' names; Enter and Space are the buttons' own. */
  private onKey(e: KeyboardEvent, i: number): void {
    if (e.key === 'Enter' || e.key === ' ') return;
    const target = rowKeyTarget(e.key, i, this.links.length - 1);
    if (target < 0) return;
    e.preventDefault();
    this.links.forEach((b, k) => (b.tabIndex = k === target ? 0 : -1));
    this.links[target].focus();
  }
}
