// Gradient-health findings in the panel: a list under the summary whose items select their layer,
// each with a button that applies its fix (the quick fix's edit, made by the host), Fix all for
// several, and a ⚠ before the name of each layer that has findings.
import type { Finding } from '../../src/protocol';
import { h } from '../shared/dom';
import type { FixTitles, LayerRecord } from '../shared/state';
import { t } from '../shared/strings';

/** A finding's kind in words; an unknown kind (from a newer engine) as it is. */
function kindText(kind: Finding['kind']): string {
  switch (kind) {
    case 'nan':
      return 'NaN/Inf';
    case 'exploding':
      return t('exploding');
    case 'vanishing':
      return t('vanishing');
    case 'dead-relu':
      return t('dead ReLU');
    case 'saturated':
      return t('saturated');
    case 'check-failed':
      return t('check failed');
    default:
      return String(kind);
  }
}

/** NaN/Inf and failed checks are wrong results; the other kinds are warnings about training. */
function severity(f: Finding): 'error' | 'warning' {
  return f.kind === 'nan' || f.kind === 'check-failed' ? 'error' : 'warning';
}

function severityOf(findings: readonly Finding[]): 'error' | 'warning' {
  return findings.some((f) => severity(f) === 'error') ? 'error' : 'warning';
}

/** The ⚠ before a layer name, its findings' messages as hover and accessible name; null without findings. */
export function findingMark(findings: readonly Finding[]): HTMLElement | null {
  if (findings.length === 0) return null;
  const messages = findings.map((f) => f.message).join('; ');
  return h(
    'span',
    {
      class: `finding-mark ${severityOf(findings)}`,
      role: 'img',
      title: findings.map((f) => f.message).join('\n'),
      'aria-label': findings.length === 1 ? t('{0} finding: {1}', findings.length, messages) : t('{0} findings: {1}', findings.length, messages),
    },
    '⚠',
  );
}

/** The findings section: a heading (with Fix all), and one item per finding that selects its layer, with its fix's button. */
export class FindingsList {
  readonly element: HTMLElement;
  private readonly heading = h('h2', { class: 'findings-heading', id: 'bl-findings-heading' });
  private readonly fixAll = h('button', { class: 'button findings-fix-all', type: 'button', hidden: true });
  private readonly list = h('ul', { class: 'findings-list', role: 'list', 'aria-labelledby': 'bl-findings-heading' });

  constructor(
    private readonly onSelect: (index: number) => void,
    /** Asks the host for the fix of finding `which` (its index in the run's findings), or for every finding's. */
    private readonly onFix: (which: number | 'all') => void,
  ) {
    this.fixAll.addEventListener('click', () => this.applying(this.fixAll, 'all'));
    this.element = h('section', { class: 'findings', hidden: true }, h('div', { class: 'findings-header' }, this.heading, this.fixAll), this.list);
  }

  /** Shows `findings` (hidden while null, as before they arrive or for graph runs) with the fixes the host offers. */
  render(findings: readonly Finding[] | null, rows: readonly LayerRecord[], fixes: FixTitles | null): void {
    this.element.hidden = findings === null;
    if (findings === null) return;
    this.heading.textContent = findings.length ? t('Findings ({0})', findings.length) : t('Findings');
    this.element.classList.toggle('none', findings.length === 0);
    // Fix all when it does more than any one fix.
    const all = fixes?.all ?? [];
    this.fixAll.hidden = findings.length === 0 || all.length < 2;
    this.fixAll.removeAttribute('aria-disabled');
    this.fixAll.textContent = t('Fix all ({0} changes)', all.length);
    this.fixAll.title = `${t('Edits the spec:')}\n${all.map((c) => `• ${c}`).join('\n')}`;
    this.list.replaceChildren(
      ...(findings.length
        ? findings.map((f, i) => this.item(f, i, rows[f.index] as LayerRecord | undefined, fixes?.titles[i] ?? null))
        : [h('li', { class: 'finding ok' }, t('No gradient-health problems found.'))]),
    );
  }

  private item(f: Finding, index: number, row: LayerRecord | undefined, fix: string | null): HTMLElement {
    const layer = row?.info.name ?? t('layer {0}', f.index);
    // Messages usually start with the layer name, which the item already shows.
    const message = f.message.startsWith(`${layer}: `) ? f.message.slice(layer.length + 2) : f.message;
    const body: Node[] = [
      h('span', { class: 'finding-icon', 'aria-hidden': 'true' }, '⚠'),
      h('span', { class: 'finding-layer' }, layer),
      h('span', { class: 'finding-kind' }, kindText(f.kind)),
      h('span', { class: 'finding-message' }, message),
    ];
    const li = h('li', { class: `finding ${severity(f)}` });
    if (!row) li.append(h('span', { class: 'finding-body' }, ...body));
    else {
      const select = h('button', { class: 'finding-body', type: 'button', title: t('Select {0}', layer) }, ...body);
      select.addEventListener('click', () => this.onSelect(f.index));
      li.append(select);
    }
    if (fix !== null) {
      const apply = h('button', { class: 'button secondary finding-fix', type: 'button', title: t('Edit the spec as the quick fix does; run it again to see the result') }, fix);
      apply.addEventListener('click', () => this.applying(apply, index));
      li.append(apply);
    }
    return li;
  }

  /** The button's fix is asked for once: it waits, inert but focusable, until the host says what is left to fix. */
  private applying(button: HTMLButtonElement, which: number | 'all'): void {
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    this.onFix(which);
  }
}
