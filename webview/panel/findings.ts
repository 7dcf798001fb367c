// Gradient-health findings in the panel: a list under the summary whose items select their layer,
// and a ⚠ before the name of each layer that has findings.
import type { Finding } from '../../src/protocol';
import { h } from '../shared/dom';
import type { LayerRecord } from '../shared/state';

type FixKind = NonNullable<Finding['fix']>['kind'];

const KIND_TEXT: Record<Finding['kind'], string> = {
  nan: 'NaN/Inf',
  exploding: 'exploding',
  vanishing: 'vanishing',
  'dead-relu': 'dead ReLU',
  saturated: 'saturated',
  'check-failed': 'check failed',
};

const FIX_TEXT: Record<FixKind, string> = {
  'he-init': 'He init',
  'xavier-init': 'Xavier init',
  'smaller-std': 'a smaller init std',
};

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
  const count = `${findings.length} finding${findings.length === 1 ? '' : 's'}`;
  return h(
    'span',
    {
      class: `finding-mark ${severityOf(findings)}`,
      role: 'img',
      title: findings.map((f) => f.message).join('\n'),
      'aria-label': `${count}: ${findings.map((f) => f.message).join('; ')}`,
    },
    '⚠',
  );
}

/** The findings section: a heading and one item per finding; clicking an item selects its layer. */
export class FindingsList {
  readonly element: HTMLElement;
  private readonly heading = h('h2', { class: 'findings-heading', id: 'bl-findings-heading' });
  private readonly list = h('ul', { class: 'findings-list', role: 'list', 'aria-labelledby': 'bl-findings-heading' });

  constructor(private readonly onSelect: (index: number) => void) {
    this.element = h('section', { class: 'findings', hidden: true }, this.heading, this.list);
  }

  /** Shows `findings` (hidden while null, as before they arrive or for graph runs). */
  render(findings: readonly Finding[] | null, rows: readonly LayerRecord[]): void {
    this.element.hidden = findings === null;
    if (findings === null) return;
    this.heading.textContent = findings.length ? `Findings (${findings.length})` : 'Findings';
    this.element.classList.toggle('none', findings.length === 0);
    this.list.replaceChildren(
      ...(findings.length
        ? findings.map((f) => this.item(f, rows[f.index] as LayerRecord | undefined, rows))
        : [h('li', { class: 'finding ok' }, 'No gradient-health problems found.')]),
    );
  }

  private item(f: Finding, row: LayerRecord | undefined, rows: readonly LayerRecord[]): HTMLElement {
    const layer = row?.info.name ?? `layer ${f.index}`;
    // Messages usually start with the layer name, which the item already shows.
    const message = f.message.startsWith(`${layer}: `) ? f.message.slice(layer.length + 2) : f.message;
    const fixLayer = f.fix ? (rows[f.fix.layer]?.info.name ?? `layer ${f.fix.layer}`) : '';
    const body: Node[] = [
      h('span', { class: 'finding-icon', 'aria-hidden': 'true' }, '⚠'),
      h('span', { class: 'finding-layer' }, layer),
      h('span', { class: 'finding-kind' }, KIND_TEXT[f.kind] ?? f.kind),
      h('span', { class: 'finding-message' }, message),
    ];
    if (f.fix) body.push(h('span', { class: 'finding-fix' }, `Fix: ${FIX_TEXT[f.fix.kind] ?? f.fix.kind} for ${fixLayer}`));
    const li = h('li', { class: `finding ${severity(f)}` });
    if (!row) {
      li.append(h('span', { class: 'finding-body' }, ...body));
      return li;
    }
    const button = h('button', { class: 'finding-body', type: 'button', title: `Select ${layer}` }, ...body);
    button.addEventListener('click', () => this.onSelect(f.index));
    li.append(button);
    return li;
  }
}
