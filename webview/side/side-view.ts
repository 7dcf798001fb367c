// The side view: a narrow sidebar webview that follows the editor's cursor. It shows the training run
// of the spec on show (if any), the layer under the cursor (heatmaps fitted to the sidebar's width)
// and the whole spec's gradient flow (the flow alone when the cursor is on no layer), or a graph
// spec's node values and gradients. The host resends everything on `ready`, so the view keeps only its zoom.
import type { FlowBar, GraphNodeInfo, Histogram, HostToSideView, SideViewToHost } from '../../src/protocol';
import { h } from '../shared/dom';
import { fitLabels, focusRow, renderFlow } from '../shared/flow';
import { escapeControls, fmt, fmtCount, fmtFull } from '../../src/format';
import { Tooltip, type TensorView } from '../shared/heatmap';
import { tensorView } from '../shared/tensor-grid';
import { histogramFigure, histogramOf, variantRow } from '../shared/histogram';
import { TrainSection } from './train-section';
import { startView, type VsCodeApi } from '../shared/vscode-api';
import { ZoomControl, readZoom } from '../shared/zoom';
import { heatmapTitle, shapeText as fmtShape, t, tParts } from '../shared/strings';

type LayerMessage = Extract<HostToSideView, { type: 'layer' }>;
/** The spec's flow with no layer under the cursor: a layer message without its layer. */
type FlowMessage = Extract<HostToSideView, { type: 'flow' }>;
type GraphMessage = Extract<HostToSideView, { type: 'graph' }>;

/** UI state VS Code keeps while the view is hidden or reloaded. */
export interface SideState {
  /** Heatmap zoom, one of ZOOMS. */
  zoom: number;
}

const stale = (): string => t('Stale: the spec changed since this run. Run Backprop again to refresh.');

/** Horizontal space a side heatmap card takes around its canvas: padding, border and stage margin (side.css, heatmap.css). */
const CARD_CHROME = 2 * 8 + 2 * 1 + 2 * 2;
/** Narrowest fit, so that a view squeezed to nothing still draws readable cells once widened. */
const MIN_FIT = 64;

function isSideMessage(data: unknown): data is HostToSideView {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  if (m.type === 'empty') return typeof m.message === 'string';
  // The training message itself is checked by the training section.
  if (m.type === 'train') return typeof m.message === 'object' && m.message !== null;
  if (m.type === 'trainNone') return true;
  if (m.type === 'flow') return typeof m.spec === 'string' && Array.isArray(m.flow) && typeof m.stale === 'boolean';
  if (m.type === 'graph') return typeof m.spec === 'string' && typeof m.output === 'string' && Array.isArray(m.nodes) && typeof m.stale === 'boolean';
  if (m.type === 'layer') {
    return (
      typeof m.spec === 'string' &&
      typeof m.index === 'number' &&
      typeof m.info === 'object' &&
      m.info !== null &&
      Array.isArray(m.heatmaps) &&
      Array.isArray(m.flow) &&
      typeof m.stale === 'boolean'
    );
  }
  return false;
}

/** The whole side view UI. */
class SideView {
  private readonly tooltip = new Tooltip();
  private readonly train = new TrainSection((index) => this.post({ type: 'revealLayer', index }));
  private readonly empty = h('p', { class: 'side-empty', role: 'status' }, t('Waiting for Backprop Lens…'));
  private readonly specName = h('div', { class: 'side-spec' });
  private readonly title = h('h2', { class: 'side-title' });
  private readonly shape = h('div', { class: 'side-shape' });
  private readonly stale = h('div', { class: 'side-stale', role: 'status' });
  private readonly heatmapList = h('div', { class: 'heatmaps side-heatmaps' });
  private readonly heatmapSection: HTMLElement;
  private readonly distBody = h('div', { class: 'dist-columns' });
  private readonly distSection = h('section', { class: 'side-section', 'aria-labelledby': 'bl-side-dist' }, h('div', { class: 'section-header' }, h('h3', { id: 'bl-side-dist' }, t('Distribution'))), this.distBody);
  private readonly flowBody = h('div', { class: 'flow-body' });
  private readonly flowValues = h('div', { class: 'flow-values' });
  private readonly flowSection: HTMLElement;
  private readonly layerView: HTMLElement;
  private readonly zoom: ZoomControl;
  private readonly graphView = h('section', { class: 'side-section side-graph', 'aria-labelledby': 'bl-side-graph', hidden: true });
  private heatmaps: TensorView[] = [];
  private layer: LayerMessage | FlowMessage | null = null;
  /** Width the heatmaps and the chart were last drawn for. */
  private drawnWidth = 0;

  constructor(
    private readonly vscode: VsCodeApi<SideViewToHost, SideState>,
    private readonly ui: SideState,
  ) {
    this.zoom = new ZoomControl(ui.zoom, (zoom) => this.zoomChanged(zoom));
    this.heatmapSection = h(
      'section',
      { class: 'side-section' },
      h('div', { class: 'section-header' }, h('h3', {}, t('Heatmaps')), h('span', { class: 'spacer' }), this.zoom.element),
      this.heatmapList,
    );
    this.zoom.listen(this.heatmapSection);
    this.flowSection = h(
      'section',
      { class: 'side-section', 'aria-labelledby': 'bl-side-flow' },
      h('div', { class: 'section-header' }, h('h3', { id: 'bl-side-flow' }, t('Gradient flow'))),
      h(
        'div',
        { class: 'flow-legend', 'aria-hidden': 'true' },
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-flow-mean' }), t('mean |grad|')),
        h('span', { class: 'legend-item' }, h('span', { class: 'swatch swatch-flow-max' }), t('max |grad|')),
        h('span', { class: 'legend-item flow-scale' }, t('log scale')),
      ),
      this.flowBody,
      this.flowValues,
      h('p', { class: 'flow-note' }, t('|grad| of each layer’s weights, or of its input (dx) where it has none. Click a layer to reveal it in the spec.')),
    );
    this.layerView = h(
      'div',
      { class: 'side-layer', hidden: true },
      h('header', { class: 'side-header' }, this.specName, this.title, this.shape),
      this.stale,
      this.flowSection,
      this.distSection,
      this.heatmapSection,
    );
    // side.css styles the side view under this class.
    document.body.classList.add('side');
    const root = document.getElementById('app') ?? document.body;
    root.replaceChildren(this.train.element, this.empty, this.layerView, this.graphView);
    document.body.appendChild(this.tooltip.element);
    // VS Code swaps the body's theme class on a theme change; mask colours are read when drawing.
    new MutationObserver(() => this.heatmaps.forEach((v) => v.setZoom(this.ui.zoom))).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    // The sidebar can be dragged wider or narrower: fit heatmaps and chart to the new width.
    let pending = false;
    new ResizeObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        // A width of 0 (the view collapsed, or measured mid-layout) would draw nothing: wait for a real one.
        if (this.layer && this.width() > 0 && this.width() !== this.drawnWidth) this.renderLayer(this.layer);
      });
    }).observe(root);
  }

  /** Handles one message from the host. */
  receive(data: unknown): void {
    if (!isSideMessage(data)) return;
    if (data.type === 'train') return this.train.receive(data.message);
    if (data.type === 'trainNone') return this.train.hide();
    if (data.type === 'empty' || data.type === 'graph') {
      this.layer = null;
      this.heatmaps = [];
      this.heatmapList.replaceChildren();
      this.flowBody.replaceChildren();
      this.tooltip.hide();
      this.empty.textContent = data.type === 'empty' ? data.message : '';
      this.empty.hidden = data.type !== 'empty';
      this.layerView.hidden = true;
      this.graphView.hidden = data.type !== 'graph';
      if (data.type === 'graph') this.renderGraph(data);
      return;
    }
    // Names are the spec's: shown with their control characters escaped, as in the run panel.
    const flow = data.flow.map((b) => ({ ...b, name: escapeControls(b.name) }));
    this.layer = data.type === 'layer' ? { ...data, spec: escapeControls(data.spec), info: { ...data.info, name: escapeControls(data.info.name) }, flow } : { ...data, spec: escapeControls(data.spec), flow };
    this.empty.hidden = true;
    this.graphView.hidden = true;
    this.layerView.hidden = false;
    this.renderLayer(this.layer);
  }

  /** A graph spec's nodes: value and gradient of each, exact in the tooltip. */
  private renderGraph(m: GraphMessage): void {
    const spec = escapeControls(m.spec);
    const output = escapeControls(m.output);
    const num = (v: number) => h('td', { class: 'num', title: fmtFull(v) }, fmt(v));
    const row = (n: GraphNodeInfo) => h('tr', {}, h('th', { scope: 'row' }, h('span', { class: 'graph-node' }, escapeControls(n.name)), h('span', { class: 'layer-type' }, n.op)), num(n.value), num(n.grad));
    this.graphView.replaceChildren(
      h('header', { class: 'side-header' }, h('div', { class: 'side-spec', title: spec }, spec), h('h2', { class: 'side-title', id: 'bl-side-graph' }, t('Graph'), h('span', { class: 'layer-type' }, t('output {0}', output)))),
      ...(m.stale ? [h('div', { class: 'side-stale', role: 'status' }, stale())] : []),
      h(
        'table',
        { class: 'plain side-graph-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('Node')), h('th', { scope: 'col', class: 'num' }, t('Value')), h('th', { scope: 'col', class: 'num' }, t('∂{0}/∂node', output)))),
        h('tbody', {}, ...m.nodes.map(row)),
      ),
    );
  }

  /** Width the content may use: the view's width inside its padding. */
  private width(): number {
    return this.layerView.clientWidth;
  }

  private renderLayer(m: LayerMessage | FlowMessage): void {
    const focusedHeatmap = this.heatmaps.findIndex((v) => v.element.contains(document.activeElement));
    const focusedFlow = this.flowBody.contains(document.activeElement);
    this.tooltip.hide();
    this.drawnWidth = this.width();
    this.specName.textContent = m.spec;
    this.specName.title = m.spec;
    this.stale.textContent = m.stale ? stale() : '';
    this.stale.hidden = !m.stale;
    const current = m.type === 'layer' ? m.index : -1;
    this.renderFlow(m.flow, current, focusedFlow);
    this.heatmapSection.hidden = m.type !== 'layer';
    this.distSection.hidden = m.type !== 'layer';
    if (m.type !== 'layer') {
      this.title.replaceChildren(h('span', { class: 'layer-name' }, t('No layer under the cursor')));
      this.shape.textContent = t('Move the cursor onto a layer for its heatmaps.');
      this.heatmaps = [];
      this.heatmapList.replaceChildren();
      return;
    }
    const { info } = m;
    this.title.replaceChildren(h('span', { class: 'layer-name', title: info.name }, info.name), h('span', { class: 'layer-type' }, info.type));
    this.shape.textContent = `${fmtShape(info.inShape)} → ${fmtShape(info.outShape)}` + (info.paramCount > 0 ? ` · ${t('{0} params', fmtCount(info.paramCount))}` : '');

    const fitWidth = Math.max(MIN_FIT, this.drawnWidth - CARD_CHROME);
    this.heatmaps = m.heatmaps.map(
      (spec) =>
        tensorView(
          { ...spec, layer: info.name },
          { zoom: this.ui.zoom, fit: { width: fitWidth, maxCells: fitWidth }, tooltip: this.tooltip, onZoom: (steps) => this.zoom.by(steps) },
        ),
    );
    // The layer's activation and dx, on one count axis; in a comparison of inits, each variant's.
    const spread = m.heatmaps.filter((s) => histogramOf(s.tensor));
    if (m.variants && m.variants.length > 0) {
      // Each variant on its own count axis, as the panel draws them.
      const figure = (variant: string, what: string, histogram: Histogram, top: number) => histogramFigure(h('span', { class: 'dist-title' }, what), `${variant}: ${info.name} ${what}`, histogram, top);
      this.distBody.replaceChildren(
        ...m.variants.map((v) => {
          const top = Math.max(1, ...v.activation.counts, ...v.dx.counts);
          return variantRow(v.label, '', [figure(v.label, t('activation'), v.activation, top), figure(v.label, 'dx', v.dx, top)]);
        }),
      );
      this.distSection.hidden = false;
    } else {
      const top = Math.max(...spread.flatMap((s) => histogramOf(s.tensor)?.counts ?? [0]));
      this.distBody.replaceChildren(...spread.map((s) => histogramFigure(h('span', { class: 'dist-title' }, heatmapTitle(s.title)), `${info.name} ${heatmapTitle(s.title)}`, histogramOf(s.tensor), top)));
      this.distSection.hidden = spread.length === 0;
    }
    this.heatmapList.replaceChildren(
      ...(this.heatmaps.length ? this.heatmaps.map((v) => v.element) : [h('p', { class: 'empty' }, t('No tensors for this layer in the run.'))]),
    );
    // Named after the layer, so a screen reader says whose heatmaps these are.
    this.heatmapSection.setAttribute('aria-label', t('Heatmaps of layer {0}', info.name));

    // A redraw (the cursor moved, the view was resized) must not steal keyboard focus from where the user was.
    if (focusedHeatmap >= 0) this.heatmaps[Math.min(focusedHeatmap, this.heatmaps.length - 1)]?.element.querySelector('canvas')?.focus();
  }

  /** The spec's gradient flow, layer `current` highlighted (none for -1); keyboard focus kept on it when `focused`. */
  private renderFlow(flow: FlowBar[], current: number, focused: boolean): void {
    this.flowSection.hidden = flow.length === 0;
    const svg = renderFlow({ bars: flow, current, width: this.drawnWidth, onReveal: (index) => this.post({ type: 'revealLayer', index }) });
    this.flowBody.replaceChildren(svg);
    fitLabels(svg);
    const bar = flow[current] as FlowBar | undefined;
    this.flowValues.replaceChildren(
      ...(bar
        ? [h('span', { class: 'flow-values-name' }, bar.name), ' · ', ...tParts('mean {0}', h('span', { title: fmtFull(bar.meanAbs) }, fmt(bar.meanAbs))), ' · ', ...tParts('max {0}', h('span', { title: fmtFull(bar.maxAbs) }, fmt(bar.maxAbs)))]
        : []),
    );
    if (focused) focusRow(svg, Math.max(0, current));
  }

  private post(msg: SideViewToHost): void {
    this.vscode.postMessage(msg);
  }

  private zoomChanged(zoom: number): void {
    this.ui.zoom = zoom;
    this.vscode.setState({ zoom });
    this.tooltip.hide();
    for (const v of this.heatmaps) v.setZoom(zoom);
  }
}

/** Starts the side view. */
export function startSide(): void {
  startView((saved): SideState => ({ zoom: readZoom(saved.zoom) }), (vscode: VsCodeApi<SideViewToHost, SideState>, ui) => new SideView(vscode, ui));
}
