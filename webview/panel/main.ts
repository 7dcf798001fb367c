// The panel: receives host messages, keeps the run model and the UI state (selected row, zoom), and
// redraws only what each message changed, so the table fills in layer by layer as events arrive.
import type { HostToWebview, WebviewToHost, WireTensor } from '../../src/protocol';
import { BaselineSummary, RunComparison, diffNote, graphTensorsOf, incomparableText, runTensorsOf, tensorName } from './baseline';
import { CheckSummary, checksInOrder } from './check-summary';
import { CheckView } from './checks';
import { h } from '../shared/dom';
import { fmt, fmtCount, fmtDuration, fmtFull } from '../../src/format';
import { PANEL_HEATMAPS, layerHeatmaps, type LayerHeatmap } from '../../src/heatmaps';
import { heldRecord, isSampleMessage, SampleRequests } from '../shared/sample-requests';
import { FindingsList } from './findings';
import { renderGraph } from './graph';
import { CHECK_FIT, PANEL_FIT, Tooltip, type HeatmapFit, type HeatmapOptions, type TensorView } from '../shared/heatmap';
import { tensorView } from '../shared/tensor-grid';
import { Distributions } from './distributions';
import { applyMessage, emptyModel, lossOf, type GraphEvent, type LayerRecord, type RunModel } from '../shared/state';
import { LayerTable } from './table';
import { savedIndex, startView, type VsCodeApi } from '../shared/vscode-api';
import { ZoomControl, readZoom } from '../shared/zoom';
import { heatmapTitle, t, tParts } from '../shared/strings';

/** UI state VS Code keeps while the panel is hidden or reloaded; the host reads `uri` to restore. */
export interface PanelState {
  /** Selected row (layers, then the loss row), or null. */
  selected: number | null;
  /** Heatmap zoom, one of ZOOMS. */
  zoom: number;
  /** URI of the spec shown (from the last reset), or null before any. */
  uri: string | null;
}

function readState(saved: Record<string, unknown>): PanelState {
  return { selected: savedIndex(saved.selected), zoom: readZoom(saved.zoom), uri: typeof saved.uri === 'string' ? saved.uri : null };
}

function isHostMessage(data: unknown): data is HostToWebview {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  if (m.type === 'reset') return typeof m.runId === 'number' && typeof m.title === 'string' && typeof m.uri === 'string';
  if (m.type === 'error') return typeof m.runId === 'number' && typeof m.message === 'string';
  if (m.type === 'cancelled') return typeof m.runId === 'number';
  if (m.type === 'paused') return typeof m.runId === 'number' && typeof m.at === 'string';
  if (m.type === 'event') return typeof m.runId === 'number' && typeof m.event === 'object' && m.event !== null;
  if (m.type === 'select') return typeof m.index === 'number';
  if (m.type === 'fixes') return typeof m.runId === 'number' && Array.isArray(m.fixes) && (m.all === null || Array.isArray(m.all));
  if (m.type === 'baseline') return m.baseline === null || (typeof m.baseline === 'object' && Array.isArray((m.baseline as Record<string, unknown>).tensors));
  if (m.type === 'sample') return isSampleMessage(m);
  if (m.type === 'inspect') return typeof m.name === 'string' && typeof m.where === 'string' && typeof m.tensor === 'object' && m.tensor !== null;
  return m.type === 'stale';
}

/** The whole panel UI. */
class Panel {
  private readonly model: RunModel = emptyModel();
  private readonly tooltip = new Tooltip();
  /** Samples of big batches of images, asked of the host. */
  private readonly samples = new SampleRequests((ref, sample) => this.post({ type: 'sample', ref, sample }));
  private readonly table = new LayerTable((i) => this.select(i));
  private readonly findings = new FindingsList(
    (i) => this.select(i),
    (which) => this.post(which === 'all' ? { type: 'fixAll' } : { type: 'applyFix', index: which }),
  );
  private readonly checkSummary = new CheckSummary((i, param) => this.showCheck(i, param));
  private readonly distributions = new Distributions((i) => this.select(i));
  private readonly baselineSummary = new BaselineSummary();
  /** The tensors of the graph on show, made once per graph event. */
  private graphTensors: { graph: GraphEvent; tensors: Map<string, WireTensor> } | null = null;
  /** The spec's baseline, which the host sends after each reset; null: none. */
  private comparison: RunComparison | null = null;
  private readonly clearBaseline = h('button', { class: 'button secondary', type: 'button', title: t('Stop comparing the runs of this spec with the baseline'), hidden: true }, t('Clear Baseline'));
  private readonly title = h('h1', { class: 'title' }, 'Backprop Lens');
  private readonly status = h('span', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly alert = h('div', { class: 'alert', role: 'alert', hidden: true });
  private readonly staleNote = h('p', { class: 'stale-note', hidden: true }, t('The spec has changed since this run: these figures are from before your edits. Run again to update them.'));
  private readonly summary = h('p', { class: 'summary' });
  private readonly empty = h('p', { class: 'empty' }, t('Waiting for a run… Run a .backprop spec to see its layers here.'));
  private readonly layersSection: HTMLElement;
  private readonly detailTitle = h('h2', {});
  private readonly zoom: ZoomControl;
  private readonly heatmapGrid = h('div', { class: 'heatmaps' });
  private readonly checkList = h('div', {});
  private readonly checksSection = h(
    'section',
    { class: 'checks', 'aria-labelledby': 'bl-checks-heading' },
    h('h2', { id: 'bl-checks-heading' }, t('Gradient check')),
    h('p', { class: 'checks-intro' }, t('Backprop (a) against central differences (n), element by element.')),
    this.checkList,
  );
  private readonly detailSection: HTMLElement;
  private readonly graphTitle = h('h2', {});
  private readonly graphBody = h('div', {});
  private readonly graphSection: HTMLElement;
  /** A debugger variable shown as a heatmap (Show as Heatmap), above the layers until closed or the next run. */
  private readonly inspectTitle = h('h2', { id: 'bl-inspect-heading' });
  private readonly inspectBody = h('div', { class: 'heatmaps' });
  private readonly inspectSection: HTMLElement;
  private inspected: TensorView | null = null;
  private heatmaps: TensorView[] = [];
  private checks: CheckView[] = [];
  /** The row whose detail is drawn, to tell a redraw of it from a change of layer. */
  private detailIndex: number | null = null;

  constructor(
    private readonly vscode: VsCodeApi<WebviewToHost, PanelState>,
    private readonly ui: PanelState,
  ) {
    const rerun = h('button', { class: 'button', type: 'button', title: t('Run the spec again') }, t('Run again'));
    rerun.addEventListener('click', () => this.post({ type: 'rerun' }));
    const pin = h('button', { class: 'button secondary', type: 'button', title: t('Keep this run (the spec run again, seeded) as the baseline that later runs are compared with') }, t('Pin as Baseline'));
    pin.addEventListener('click', () => this.post({ type: 'pinBaseline' }));
    this.clearBaseline.addEventListener('click', () => this.post({ type: 'clearBaseline' }));
    const header = h('header', { class: 'toolbar' }, this.title, this.status, h('span', { class: 'spacer' }), pin, this.clearBaseline, rerun);

    this.layersSection = h('section', { class: 'layers-section', 'aria-label': t('Layers') }, this.summary, this.findings.element, this.checkSummary.element, this.baselineSummary.element, this.table.element, this.distributions.element);

    this.zoom = new ZoomControl(ui.zoom, (zoom) => this.zoomChanged(zoom));
    this.detailSection = h(
      'section',
      { class: 'detail', 'aria-label': t('Heatmaps of the selected layer') },
      h('div', { class: 'section-header' }, this.detailTitle, h('span', { class: 'spacer' }), this.zoom.element),
      this.heatmapGrid,
      this.checksSection,
    );
    this.zoom.listen(this.detailSection);

    this.graphSection = h('section', { class: 'graph-section', 'aria-label': t('Computational graph') }, this.graphTitle, this.graphBody);

    const close = h('button', { class: 'button secondary', type: 'button', title: t('Close this heatmap of a debugger variable') }, t('Close'));
    close.addEventListener('click', () => this.showInspected(null));
    this.inspectSection = h('section', { class: 'inspect', 'aria-labelledby': 'bl-inspect-heading', hidden: true }, h('div', { class: 'section-header' }, this.inspectTitle, h('span', { class: 'spacer' }), close), this.inspectBody);

    const root = document.getElementById('app') ?? document.body;
    root.replaceChildren(header, this.staleNote, this.alert, this.inspectSection, this.empty, this.layersSection, this.detailSection, this.graphSection);
    document.body.appendChild(this.tooltip.element);
    // VS Code swaps the body's theme class on a theme change; mask colours are read when drawing.
    new MutationObserver(() => this.redrawHeatmaps()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.renderAll();
  }

  /** Handles one message from the host. */
  receive(data: unknown): void {
    if (!isHostMessage(data)) return;
    if (data.type === 'select') return this.selectFromHost(data.index);
    if (data.type === 'baseline') return this.setBaseline(data.baseline && new RunComparison(data.baseline));
    if (data.type === 'sample') return this.samples.receive(data);
    if (data.type === 'inspect') return this.showInspected(data);
    if (data.type === 'reset') {
      this.showInspected(null);
      this.setComparison(null);
      // A re-run keeps the selected row; another spec's row numbers mean nothing here.
      if (data.uri !== this.ui.uri) this.ui.selected = null;
      this.ui.uri = data.uri;
      this.save();
      this.samples.reset(data.runId);
    }
    const change = applyMessage(this.model, data);
    switch (change.what) {
      case 'nothing':
        return;
      case 'everything':
        if (this.ui.selected !== null && this.model.rows.length > 0 && this.ui.selected >= this.model.rows.length) {
          this.ui.selected = null;
          this.save();
        }
        // Heatmaps from the first event on: the first layer is selected until the user picks another.
        // Not posted to the host, which would move the editor's cursor.
        if (this.ui.selected === null && this.model.rows.length > 0) {
          this.ui.selected = 0;
          this.save();
        }
        this.renderAll();
        return;
      case 'row':
        this.table.updateRow(change.index, this.model.rows[change.index]);
        this.checkSummary.render(this.model.rows);
        this.distributions.render(this.model.rows, this.model.variants);
        if (change.index === this.ui.selected) this.renderDetail();
        break;
      case 'graph':
        this.renderGraph();
        break;
      case 'variants':
        this.distributions.render(this.model.rows, this.model.variants);
        break;
      case 'findings':
        this.model.rows.forEach((row, i) => this.table.updateRow(i, row));
        this.findings.render(this.model.findings, this.model.rows, this.model.fixes);
        break;
      case 'status':
        break;
    }
    this.renderStatus();
  }

  /** Draws the debugger's variable (null: closes it) and brings it into view. */
  private showInspected(msg: Extract<HostToWebview, { type: 'inspect' }> | null): void {
    this.inspectSection.hidden = msg === null;
    this.inspected = null;
    if (!msg) return this.inspectBody.replaceChildren();
    this.inspectTitle.replaceChildren(...tParts('Debugger: {0}{1}', h('span', { class: 'layer-name' }, msg.name), h('span', { class: 'layer-type' }, msg.where)));
    const view = tensorView(
      { title: msg.name, layer: msg.where, tensor: msg.tensor, kind: msg.mask ? 'mask' : 'sequential' },
      { zoom: this.ui.zoom, fit: PANEL_FIT, tooltip: this.tooltip, onZoom: (steps) => this.zoom.by(steps) },
    );
    this.inspected = view;
    this.inspectBody.replaceChildren(view.element);
    // It sits at the top of the page, under the sticky toolbar.
    window.scrollTo({ top: 0 });
  }

  /** Compares the run with `comparison` from now on, and redraws what shows it. */
  private setBaseline(comparison: RunComparison | null): void {
    this.setComparison(comparison);
    this.model.rows.forEach((row, i) => this.table.updateRow(i, row));
    this.renderDetail();
    this.renderGraph();
    this.renderStatus();
  }

  /** The run's tensors by name, as the baseline compares them: a graph's nodes, or the rows'. */
  private runTensors(): ReadonlyMap<string, WireTensor> {
    const g = this.model.graph;
    if (!g) return runTensorsOf(this.model.rows);
    if (this.graphTensors?.graph !== g) this.graphTensors = { graph: g, tensors: graphTensorsOf(g.nodes) };
    return this.graphTensors.tensors;
  }

  private setComparison(comparison: RunComparison | null): void {
    this.comparison = comparison;
    this.table.setBaseline(comparison);
    this.clearBaseline.hidden = comparison === null;
  }

  private post(msg: WebviewToHost): void {
    this.vscode.postMessage(msg);
  }

  private save(): void {
    this.vscode.setState({ selected: this.ui.selected, zoom: this.ui.zoom, uri: this.ui.uri });
  }

  private select(index: number): void {
    this.ui.selected = index;
    this.table.select(index, false);
    this.save();
    this.renderDetail();
    this.post({ type: 'selectLayer', index });
  }

  /** Selects row `index` and brings the check of `param` into view. */
  private showCheck(index: number, param: string): void {
    if (index !== this.ui.selected) this.select(index);
    this.checks.find((c) => c.param === param)?.element.scrollIntoView({ block: 'start' });
  }

  /** The editor's cursor moved onto layer `index`: follow it, without telling the host what it told us. */
  private selectFromHost(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.model.rows.length) return;
    this.table.reveal(index);
    if (index === this.ui.selected) return;
    this.ui.selected = index;
    this.table.select(index, false);
    this.save();
    this.renderDetail();
  }

  private renderAll(): void {
    this.table.setRows(this.model.rows);
    this.findings.render(this.model.findings, this.model.rows, this.model.fixes);
    this.checkSummary.render(this.model.rows);
    this.distributions.render(this.model.rows, this.model.variants);
    this.table.select(this.ui.selected, false);
    this.renderDetail();
    this.renderGraph();
    this.renderStatus();
  }

  private renderStatus(): void {
    const m = this.model;
    this.title.textContent = m.title || 'Backprop Lens';
    this.status.textContent =
      m.error !== null ? t('failed')
      : m.done ? (m.done.ok ? t('done in {0}', fmtDuration(m.done.elapsedMs, 1)) : t('done with problems in {0}', fmtDuration(m.done.elapsedMs, 1)))
      : m.cancelled ? t('cancelled')
      : m.paused !== null ? t('paused at {0}', m.paused)
      : m.runId !== null ? (m.replay ? t('restoring…') : t('running…'))
      : '';
    if (m.stale) this.status.textContent += ` · ${t('stale')}`;
    this.staleNote.hidden = !m.stale;
    this.status.className = `status ${m.error !== null || (m.done && !m.done.ok) ? 'bad' : m.done ? 'ok' : ''}`;
    this.alert.textContent = m.error ?? '';
    this.alert.hidden = m.error === null;

    const layerCount = m.rows.filter((r) => !r.isLoss).length;
    this.layersSection.hidden = m.rows.length === 0;
    this.detailSection.hidden = m.rows.length === 0;
    this.empty.hidden = m.rows.length > 0 || m.graph !== null || m.error !== null;
    const loss = lossOf(m);
    this.summary.replaceChildren(h('span', { class: 'net-name' }, m.name ?? ''), ` · ${layerCount === 1 ? t('{0} layer', layerCount) : t('{0} layers', layerCount)}`);
    if (loss !== null) this.summary.append(' · ', ...tParts('loss {0}', h('span', { class: 'loss', title: fmtFull(loss) }, fmt(loss))));
    // A graph run's summary sits above its drawing; a network run's, among the layers.
    const summary = this.baselineSummary.element;
    if (m.graph ? summary.parentElement !== this.graphSection : summary.previousElementSibling !== this.checkSummary.element) {
      if (m.graph) this.graphTitle.after(summary);
      else this.checkSummary.element.after(summary);
    }
    this.baselineSummary.render(this.comparison, this.runTensors(), m.done !== null, m.graph !== null);
  }

  private renderGraph(): void {
    const g = this.model.graph;
    this.graphSection.hidden = g === null;
    if (!g) return this.graphBody.replaceChildren();
    this.graphTitle.textContent = t('Graph {0}', g.name);
    this.graphBody.replaceChildren(renderGraph(g, this.comparison && { comparison: this.comparison, tensors: this.runTensors() }));
  }

  private renderDetail(): void {
    const focused = this.heatmaps.findIndex((v) => v.element.contains(document.activeElement));
    const focusedRow = this.checks.flatMap((c) => (c.focusedRow() < 0 ? [] : [{ param: c.param, row: c.focusedRow() }])).at(0);
    const chosen = this.checks.flatMap((c) => (c.chosenIndex === null ? [] : [{ param: c.param, row: c.chosenIndex }])).at(0);
    this.tooltip.hide();
    const i = this.ui.selected;
    const row = i === null ? undefined : (this.model.rows[i] as LayerRecord | undefined);
    // A chosen worst element survives a redraw of the same layer (more of its checks arriving), not a change of layer.
    const sameLayer = i !== null && i === this.detailIndex;
    this.detailIndex = i;
    if (i === null || !row) {
      this.detailTitle.textContent = t('Heatmaps');
      this.heatmaps = [];
      this.checks = [];
      this.heatmapGrid.replaceChildren(h('p', { class: 'empty' }, t('Select a layer (click, or arrow keys and Enter) to see its activation, mask and gradient heatmaps.')));
      this.checkList.replaceChildren();
      this.checksSection.hidden = true;
      return;
    }
    this.detailTitle.replaceChildren(h('span', { class: 'layer-name' }, row.info.name), h('span', { class: 'layer-type' }, row.info.type));
    if (row.isLoss && row.lossValue !== null) this.detailTitle.append(h('span', { class: 'loss', title: fmtFull(row.lossValue) }, t('loss {0}', fmt(row.lossValue))));
    const options = (param: string | undefined, fit: HeatmapFit): HeatmapOptions => ({
      zoom: this.ui.zoom,
      fit,
      tooltip: this.tooltip,
      onZoom: (steps) => this.zoom.by(steps),
      onPick: this.picker(i, param),
    });
    const shown = layerHeatmaps(row, PANEL_HEATMAPS);
    const plain = shown.map((m) => {
      const record = heldRecord(m.record, row.isLoss);
      return tensorView({ ...m, layer: row.info.name }, { ...options(m.param, PANEL_FIT), ...(record && { fetchSample: (n: number) => this.samples.fetch({ index: i, record }, n) }) });
    });
    // Each heatmap's difference from the baseline goes beside it.
    const diffs = this.comparison ? shown.map((m) => this.diffOf(row, m, options(m.param, PANEL_FIT))) : [];
    const cards = plain.map((v, k) => (diffs[k] ? h('div', { class: 'hm-pair' }, v.element, diffs[k] instanceof HTMLElement ? diffs[k] : diffs[k].element) : v.element));
    // The host reveals elements of parameters only; dx is the layer's input, not in the spec.
    this.checks = checksInOrder(row).map((c) => new CheckView(row.info.name, c.param, c.result, options(c.param === 'dx' ? undefined : c.param, CHECK_FIT), (view, r, c) => this.chose(i, view, r, c)));
    this.heatmaps = [...plain.flatMap((v, k) => [v, ...(diffs[k] && !(diffs[k] instanceof HTMLElement) ? [diffs[k]] : [])]), ...this.checks.flatMap((c) => c.heatmaps)];
    this.heatmapGrid.replaceChildren(
      ...(plain.length ? cards : [h('p', { class: 'empty' }, t('No tensors for this layer yet; they appear as the run reaches it.'))]),
    );
    this.checkList.replaceChildren(...this.checks.map((c) => c.element));
    this.checksSection.hidden = this.checks.length === 0;
    if (sameLayer && chosen) this.checks.find((c) => c.param === chosen.param)?.restore(chosen.row);
    // Rebuilt cards must not steal keyboard focus from where the user was.
    if (sameLayer && focusedRow) this.checks.find((c) => c.param === focusedRow.param)?.focusRow(focusedRow.row);
    else if (focused >= 0) this.heatmaps[Math.min(focused, this.heatmaps.length - 1)]?.element.querySelector('canvas')?.focus();
  }

  /** Beside heatmap `m` of `row`: its difference from the baseline on the diverging scale, or a card saying why there is none. */
  private diffOf(row: LayerRecord, m: LayerHeatmap, options: HeatmapOptions): TensorView | HTMLElement {
    const c = this.comparison!.compare(tensorName(row, m.record), m.tensor);
    const title = `Δ ${heatmapTitle(m.title)}`;
    if (c.kind !== 'diff') return diffNote(title, c.kind === 'unavailable' ? t('Diff not available: {0}.', c.reason) : t('No diff: {0}.', incomparableText(c.what)));
    // Of a batch of images sent as its first samples, the Δ of those both runs sent.
    const shown = c.samples ? t('{0} of the first {1} of {2} samples', title, fmtCount(c.samples.compared), fmtCount(c.samples.of)) : title;
    return tensorView({ title: shown, layer: row.info.name, tensor: c.delta, kind: 'diverging', filters: m.filters, compare: { current: c.current, baseline: c.baseline } }, options);
  }

  /** The user chose a worst element of `view`: other checks let go of theirs; a parameter's element is revealed in the spec, as a click on its cell would. */
  private chose(index: number, view: CheckView, row: number, col: number): void {
    for (const c of this.checks) if (c !== view) c.deselect();
    if (view.param !== 'dx') this.post({ type: 'selectCell', index, param: view.param, row, col });
  }

  /** Cells of a parameter's gradient or check heatmap ask the host to reveal that element in the spec. */
  private picker(index: number, param: string | undefined): ((row: number, col: number) => void) | undefined {
    return param === undefined ? undefined : (row, col) => this.post({ type: 'selectCell', index, param, row, col });
  }

  private zoomChanged(zoom: number): void {
    this.ui.zoom = zoom;
    this.save();
    this.tooltip.hide();
    this.redrawHeatmaps();
  }

  /** Redraws every heatmap at the current zoom (and theme); a chosen worst element keeps its cursor. */
  private redrawHeatmaps(): void {
    for (const v of this.heatmaps) v.setZoom(this.ui.zoom);
    this.inspected?.setZoom(this.ui.zoom);
    for (const c of this.checks) c.remark();
  }
}

/** Starts the panel. */
export function start(): void {
  startView(readState, (vscode: VsCodeApi<WebviewToHost, PanelState>, ui) => new Panel(vscode, ui));
}
