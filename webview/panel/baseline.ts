// The run compared with the spec's baseline: tensors matched by name (`layer/tensor`, as run-record
// names them) and shape, each difference current − baseline by run-diff's one element-wise rule, and
// what cannot be compared, with why. A tensor sent as a preview has no elements here to subtract: its
// diff is said to be unavailable, never made up from the preview. A big batch of images sent as its
// first samples is diffed over the samples both runs sent, and says so.
import { diffTensor, matchRuns, type Incomparable, type TensorDiff } from '../../src/engine/run-diff';
import { layerOf } from '../../src/engine/run-record';
import { tensor } from '../../src/engine/tensor';
import { escapeControls, fmt, fmtCount, fmtFull } from '../../src/format';
import { PANEL_HEATMAPS, layerHeatmaps } from '../../src/heatmaps';
import type { GraphNodeInfo, WireBaseline, WireTensor } from '../../src/protocol';
import { wireStats } from '../../src/wire-tensor';
import { h } from '../shared/dom';
import type { LayerRecord } from '../shared/state';
import { tensorValues } from '../shared/wire-buffer';
import { t as tr, tParts } from '../shared/strings';

/** What the baseline says about one tensor of the current run. */
export type TensorComparison =
  /**
   * Both runs' elements are here: the difference, as a tensor to draw, and both runs' values. With
   * `samples`, of a batch of images only the first `samples` of its `of` were sent by a run: the
   * difference covers those, as does `delta` (shaped [samples, …]; indices are the batch's own).
   */
  | { kind: 'diff'; diff: TensorDiff; delta: WireTensor; current: Float64Array; baseline: Float64Array; samples?: { compared: number; of: number } }
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

/** The tensors of a graph run by name, as run-record saves them: each node's (and input's) scalar `value` and `grad`. */
export function graphTensorsOf(nodes: readonly GraphNodeInfo[]): Map<string, WireTensor> {
  const out = new Map<string, WireTensor>();
  for (const n of nodes) {
    const name = escapeControls(n.name);
    out.set(`${name}/value`, scalarWire(n.value));
    out.set(`${name}/grad`, scalarWire(n.grad));
  }
  return out;
}

function scalarWire(v: number): WireTensor {
  const t = tensor([], Float64Array.of(v));
  return { shape: [], buffer: t.data.buffer as ArrayBuffer, stats: wireStats(t) };
}

/** Why `t`'s elements are not all here, or null when they are. */
function missingValues(t: WireTensor, side: 'run' | 'baseline'): string | null {
  if (t.preview) {
    return side === 'run'
      ? tr('this run sent it as a pooled preview (a big batch), so its elements are not here to subtract')
      : tr('this baseline sent it as a pooled preview (a big batch), so its elements are not here to subtract');
  }
  if (!tensorValues(t)) return side === 'baseline' ? tr('the baseline holds too many of its elements to send') : tr('its values did not arrive');
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
    // The samples both runs sent, of a batch of images either sent only the start of.
    const of = current.shape[0];
    const compared = Math.min(current.samples ?? of, before.samples ?? of);
    const shape = compared < of ? [compared, ...current.shape.slice(1)] : current.shape;
    const count = shape.reduce((a, d) => a * d, 1);
    const [now, then] = [tensorValues(current)!.subarray(0, count), tensorValues(before)!.subarray(0, count)];
    const diff = diffTensor(name, tensor(shape, then), tensor(shape, now));
    return {
      kind: 'diff',
      diff,
      delta: { shape: [...shape], buffer: diff.delta.data.buffer as ArrayBuffer, stats: wireStats(diff.delta) },
      current: now,
      baseline: then,
      ...(compared < of && { samples: { compared, of } }),
    };
  }

  /** The whole run (its tensors by name, in run order) against the baseline: each matched tensor's comparison, and what cannot be compared. */
  summarize(current: ReadonlyMap<string, WireTensor>): { compared: { name: string; comparison: TensorComparison }[]; incomparable: Incomparable[] } {
    const { pairs, incomparable } = matchRuns(this.tensors, current);
    return { compared: pairs.map((p) => ({ name: p.name, comparison: this.compare(p.name, p.current) })), incomparable };
  }
}

/** "+0.012", "−3e-5", "0": a difference with its sign. */
export function fmtDelta(d: number): string {
  return d > 0 ? `+${fmt(d)}` : d < 0 ? `−${fmt(-d)}` : fmt(d);
}

/** Why a tensor cannot be compared, in words. */
function reasonText(reason: Incomparable['reason']): string {
  switch (reason) {
    case 'added':
      return tr('not in the baseline');
    case 'removed':
      return tr('not in this run');
    case 'reshaped':
      return tr('reshaped');
  }
}

/** What cannot be compared, in words: "layer Affine3: not in the baseline (4 tensors)"; of a graph spec, "node tax: …". */
export function incomparableText(c: Incomparable, graph = false): string {
  // run-diff counts a whole layer's tensors in English ("4 tensors"); shapes need no words.
  const count = /^(\d+) tensors$/.exec(c.detail);
  const detail = count ? tr('{0} tensors', count[1]) : c.detail;
  return `${c.name ?? (graph ? tr('node {0}', c.layer) : tr('layer {0}', c.layer))}: ${reasonText(c.reason)} (${detail})`;
}

/** The summary near the top of the panel: the largest |Δ| of each tensor with its element, and what cannot be compared. */
export class BaselineSummary {
  readonly element = h('section', { class: 'baseline-summary', 'aria-labelledby': 'bl-baseline-heading', hidden: true });

  /** Draws `comparison` of the run's tensors `current` (runTensorsOf, or graphTensorsOf with `graph`); `done`: the run is complete, so what is missing is really missing. */
  render(comparison: RunComparison | null, current: ReadonlyMap<string, WireTensor>, done: boolean, graph: boolean): void {
    this.element.hidden = comparison === null || current.size === 0;
    if (!comparison || current.size === 0) return this.element.replaceChildren();
    const heading = h('h2', { id: 'bl-baseline-heading' }, ...tParts('Compared with the baseline {0}', h('span', { class: 'baseline-label' }, comparison.label)));
    if (!done) return this.element.replaceChildren(heading, h('p', { class: 'baseline-headline' }, tr('Comparing as the run arrives…')));
    const { compared, incomparable } = comparison.summarize(current);
    const diffs = compared.flatMap((c) => (c.comparison.kind === 'diff' ? [{ name: c.name, diff: c.comparison.diff }] : []));
    const unavailable = compared.flatMap((c) => (c.comparison.kind === 'unavailable' ? [{ name: c.name, reason: c.comparison.reason }] : []));
    const partial = compared.flatMap((c) => (c.comparison.kind === 'diff' && c.comparison.samples ? [{ name: c.name, ...c.comparison.samples }] : []));
    const changed = diffs.filter((d) => d.diff.maxAbs !== 0);
    const worst = changed.reduce<(typeof diffs)[number] | null>((w, d) => (w === null || d.diff.maxAbs > w.diff.maxAbs ? d : w), null);
    const headline =
      diffs.length === 0 ? tr('No tensor could be compared element by element.')
      : worst === null ? tr('All {0} tensors compared equal the baseline: every Δ is 0.', fmtCount(diffs.length))
      : tr('{0} of {1} tensors differ; the largest |Δ| is {2}, in {3} at {4}.', fmtCount(changed.length), fmtCount(diffs.length), fmt(worst.diff.maxAbs), worst.name, atText(worst.diff));
    const body = h(
      'tbody',
      {},
      ...diffs.map(({ name, diff }) =>
        h(
          'tr',
          { class: diff.maxAbs === 0 ? 'same' : 'changed', title: diff.maxAbs === 0 ? tr('{0}: equal', name) : tr('{0} at {1}: baseline {2}, this run {3}, Δ {4}', name, atText(diff), fmtFull(diff.baseline), fmtFull(diff.current), fmtFull(diff.current - diff.baseline)) },
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
            { class: 'diff-table', 'aria-label': tr('Largest |Δ| of each tensor') },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, tr('Tensor')), h('th', { scope: 'col', class: 'num' }, tr('max |Δ|')), h('th', { scope: 'col', class: 'num' }, tr('at')), h('th', { scope: 'col', class: 'num diff-values' }, tr('baseline → run')))),
            body,
          ),
        )
      );
    const notes = [
      ...incomparable.map((c) => incomparableText(c, graph)),
      ...unavailable.map((u) => tr('{0}: diff not available, {1}', u.name, u.reason)),
      ...partial.map((p) => tr('{0}: compared over its first {1} of {2} samples, the ones both runs sent', p.name, fmtCount(p.compared), fmtCount(p.of))),
    ];
    this.element.replaceChildren(
      heading,
      h('p', { class: `baseline-headline ${worst === null && diffs.length > 0 ? 'ok' : ''}` }, headline),
      table,
      notes.length === 0 ? '' : h('ul', { class: 'diff-notes', 'aria-label': tr('Not compared') }, ...notes.map((n) => h('li', {}, n))),
    );
  }
}

/** The element of a diff's largest |Δ|: "[3, 1]", or "the value" of a scalar. */
function atText(diff: TensorDiff): string {
  return diff.at === null ? '–' : diff.at.length === 0 ? tr('the value') : `[${diff.at.join(', ')}]`;
}

/** A card beside a heatmap that has no difference to draw, saying why. */
export function diffNote(title: string, text: string): HTMLElement {
  return h('figure', { class: 'hm-card hm-diff-note' }, h('figcaption', { class: 'hm-header' }, h('span', { class: 'hm-title' }, title)), h('p', { class: 'hm-note' }, text));
}
