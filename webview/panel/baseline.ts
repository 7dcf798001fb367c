// The run compared with the spec's baseline: tensors matched by name (`layer/tensor`, as run-record
// names them) and shape, each difference current − baseline by run-diff's one element-wise rule, and
// what cannot be compared, with why. A tensor sent as a preview has no elements here to subtract: its
// diff is said to be unavailable, never made up from the preview.
import { diffTensor, matchRuns, type Incomparable, type TensorDiff } from '../../src/engine/run-diff';
import { layerOf } from '../../src/engine/run-record';
import { tensor } from '../../src/engine/tensor';
import { escapeControls, fmt, fmtCount, fmtFull } from '../../src/format';
import { PANEL_HEATMAPS, layerHeatmaps } from '../../src/heatmaps';
import type { WireBaseline, WireTensor } from '../../src/protocol';
import { wireStats } from '../../src/wire-tensor';
import { h } from '../shared/dom';
import type { LayerRecord } from '../shared/state';
import { tensorValues } from '../shared/wire-buffer';

/** What the baseline says about one tensor of the current run. */
export type TensorComparison =
  /** Both runs' elements are here: the difference, as a tensor to draw, and both runs' values. */
  | { kind: 'diff'; diff: TensorDiff; delta: WireTensor; current: Float64Array; baseline: Float64Array }
  /** Matched, but the elements of one side are not here; `reason` says why. */
  | { kind: 'unavailable'; reason: string }
  /** Not in the baseline, or in it with another shape. */
  | { kind: 'incomparable'; what: Incomparable };

/** The name a row's tensor of record key `key` goes by; names are the model's, control characters escaped alike on both sides. */
export const tensorName = (row: LayerRecord, key: string): string => `${row.info.name}/${key}`;

/** The tensors of the run as the panel holds them, by name: what each row draws, and the loss. */
export function runTensorsOf(rows: readonly LayerRecord[]): Map<string, WireTensor> {
  const out = new Map<string, WireTensor>();
  for (const row of rows) {
    for (const m of layerHeatmaps(row, PANEL_HEATMAPS)) out.set(tensorName(row, m.record), m.tensor);
    if (row.isLoss && row.lossValue !== null) out.set(tensorName(row, 'loss'), scalarWire(row.lossValue));
  }
  return out;
}

function scalarWire(v: number): WireTensor {
  const t = tensor([], Float64Array.of(v));
  return { shape: [], buffer: t.data.buffer as ArrayBuffer, stats: wireStats(t) };
}

/** Why `t`'s elements are not all here, or null when they are. */
function missingValues(t: WireTensor, side: 'run' | 'baseline'): string | null {
  if (t.preview) return `this ${side === 'run' ? 'run' : 'baseline'} sent it as a pooled preview (a big batch), so its elements are not here to subtract`;
  if (t.samples !== undefined) return `only the first ${fmtCount(t.samples)} of its ${fmtCount(t.shape[0])} samples were sent`;
  if (!tensorValues(t)) return side === 'baseline' ? 'the baseline holds too many of its elements to send' : 'its values did not arrive';
  return null;
}

/** A spec's baseline and the comparisons of the current run's tensors with it. */
export class RunComparison {
  readonly label: string;
  readonly tensors: Map<string, WireTensor>;
  /** By current tensor: a row redrawn as more of the run arrives reuses its tensors' diffs. */
  private readonly cache = new WeakMap<WireTensor, TensorComparison>();

  constructor(baseline: WireBaseline) {
    this.label = escapeControls(baseline.label);
    this.tensors = new Map(baseline.tensors.map((t) => [escapeControls(t.name), t.tensor]));
  }

  /** The baseline's tensor `name`, if it has one. */
  get(name: string): WireTensor | undefined {
    return this.tensors.get(name);
  }

  /** How the current tensor `name` compares. */
  compare(name: string, current: WireTensor): TensorComparison {
    const known = this.cache.get(current);
    if (known) return known;
    const result = this.compute(name, current);
    this.cache.set(current, result);
    return result;
  }

  private compute(name: string, current: WireTensor): TensorComparison {
    // Against its own layer's tensors in the baseline: the tensors it leaves over are the summary's business.
    const layer = layerOf(name);
    const { pairs, incomparable } = matchRuns(new Map([...this.tensors].filter(([n]) => layerOf(n) === layer)), new Map([[name, current]]));
    if (pairs.length === 0) return { kind: 'incomparable', what: incomparable[0] };
    const before = pairs[0].baseline;
    const missing = missingValues(current, 'run') ?? missingValues(before, 'baseline');
    if (missing) return { kind: 'unavailable', reason: missing };
    const [now, then] = [tensorValues(current)!, tensorValues(before)!];
    const diff = diffTensor(name, tensor(before.shape, then), tensor(current.shape, now));
    return { kind: 'diff', diff, delta: { shape: [...current.shape], buffer: diff.delta.data.buffer as ArrayBuffer, stats: wireStats(diff.delta) }, current: now, baseline: then };
  }

  /** The whole run against the baseline: each matched tensor's comparison, in run order, and what cannot be compared. */
  summarize(rows: readonly LayerRecord[]): { compared: { name: string; comparison: TensorComparison }[]; incomparable: Incomparable[] } {
    const current = runTensorsOf(rows);
    const { pairs, incomparable } = matchRuns(this.tensors, current);
    return { compared: pairs.map((p) => ({ name: p.name, comparison: this.compare(p.name, p.current) })), incomparable };
  }
}

/** "+0.012", "−3e-5", "0": a difference with its sign. */
export function fmtDelta(d: number): string {
  return d > 0 ? `+${fmt(d)}` : d < 0 ? `−${fmt(-d)}` : fmt(d);
}

const REASON: Record<Incomparable['reason'], string> = { added: 'not in the baseline', removed: 'not in this run', reshaped: 'reshaped' };

/** What cannot be compared, in words: "layer Affine3: not in the baseline (4 tensors)". */
export function incomparableText(c: Incomparable): string {
  return `${c.name ?? `layer ${c.layer}`}: ${REASON[c.reason]} (${c.detail})`;
}

/** The summary near the top of the panel: the largest |Δ| of each tensor with its element, and what cannot be compared. */
export class BaselineSummary {
  readonly element = h('section', { class: 'baseline-summary', 'aria-labelledby': 'bl-baseline-heading', hidden: true });

  /** Draws `comparison` of the run's `rows`; `done`: the run is complete, so what is missing is really missing. */
  render(comparison: RunComparison | null, rows: readonly LayerRecord[], done: boolean): void {
    this.element.hidden = comparison === null || rows.length === 0;
    if (!comparison || rows.length === 0) return this.element.replaceChildren();
    const heading = h('h2', { id: 'bl-baseline-heading' }, 'Compared with the baseline ', h('span', { class: 'baseline-label' }, comparison.label));
    if (!done) return this.element.replaceChildren(heading, h('p', { class: 'baseline-headline' }, 'Comparing as the run arrives…'));
    const { compared, incomparable } = comparison.summarize(rows);
    const diffs = compared.flatMap((c) => (c.comparison.kind === 'diff' ? [{ name: c.name, diff: c.comparison.diff }] : []));
    const unavailable = compared.flatMap((c) => (c.comparison.kind === 'unavailable' ? [{ name: c.name, reason: c.comparison.reason }] : []));
    const changed = diffs.filter((d) => d.diff.maxAbs !== 0);
    const worst = changed.reduce<(typeof diffs)[number] | null>((w, d) => (w === null || d.diff.maxAbs > w.diff.maxAbs ? d : w), null);
    const headline =
      diffs.length === 0 ? 'No tensor could be compared element by element.'
      : worst === null ? `All ${fmtCount(diffs.length)} tensors compared equal the baseline: every Δ is 0.`
      : `${fmtCount(changed.length)} of ${fmtCount(diffs.length)} tensors differ; the largest |Δ| is ${fmt(worst.diff.maxAbs)}, in ${worst.name} at ${atText(worst.diff)}.`;
    const body = h(
      'tbody',
      {},
      ...diffs.map(({ name, diff }) =>
        h(
          'tr',
          { class: diff.maxAbs === 0 ? 'same' : 'changed', title: diff.maxAbs === 0 ? `${name}: equal` : `${name} at ${atText(diff)}: baseline ${fmtFull(diff.baseline)}, this run ${fmtFull(diff.current)}, Δ ${fmtFull(diff.current - diff.baseline)}` },
          h('td', { class: 'diff-name' }, name),
          h('td', { class: 'num' }, fmt(diff.maxAbs)),
          h('td', { class: 'num' }, diff.maxAbs === 0 ? '–' : atText(diff)),
          h('td', { class: 'num diff-values' }, diff.maxAbs === 0 ? '–' : `${fmt(diff.baseline)} → ${fmt(diff.current)}`),
        ),
      ),
    );
    const table =
      diffs.length === 0 ? '' : (
        h(
          'div',
          { class: 'diff-scroll' },
          h(
            'table',
            { class: 'diff-table', 'aria-label': 'Largest |Δ| of each tensor' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Tensor'), h('th', { scope: 'col', class: 'num' }, 'max |Δ|'), h('th', { scope: 'col', class: 'num' }, 'at'), h('th', { scope: 'col', class: 'num diff-values' }, 'baseline → run'))),
            body,
          ),
        )
      );
    const notes = [...incomparable.map(incomparableText), ...unavailable.map((u) => `${u.name}: diff not available, ${u.reason}`)];
    this.element.replaceChildren(
      heading,
      h('p', { class: `baseline-headline ${worst === null && diffs.length > 0 ? 'ok' : ''}` }, headline),
      table,
      notes.length === 0 ? '' : h('ul', { class: 'diff-notes', 'aria-label': 'Not compared' }, ...notes.map((n) => h('li', {}, n))),
    );
  }
}

/** The element of a diff's largest |Δ|: "[3, 1]", or "the value" of a scalar. */
function atText(diff: TensorDiff): string {
  return diff.at === null ? '–' : diff.at.length === 0 ? 'the value' : `[${diff.at.join(', ')}]`;
}

/** A card beside a heatmap that has no difference to draw, saying why. */
export function diffNote(title: string, text: string): HTMLElement {
  return h('figure', { class: 'hm-card hm-diff-note' }, h('figcaption', { class: 'hm-header' }, h('span', { class: 'hm-title' }, title)), h('p', { class: 'hm-note' }, text));
}
