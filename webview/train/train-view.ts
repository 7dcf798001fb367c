// The Train panel: a training run streamed by the host. Curves (loss, accuracy, gradient-flow
// bands) grow as progress arrives; a step scrubber asks the host for recorded snapshots and shows
// the chosen layer's heatmaps at that step, as the Run panel draws them.
import type { TrainInfo, TrainSnapshot, TrainViewToHost } from '../../src/protocol';
import { fmtCount } from '../../src/format';
import { TRAIN_HEATMAPS, layerHeatmaps } from '../../src/heatmaps';
import { heldRecord, SampleRequests } from '../shared/sample-requests';
import { TrainCharts, flowLegend } from '../shared/charts';
import { h } from '../shared/dom';
import { PANEL_FIT, Tooltip, type TensorView } from '../shared/heatmap';
import { tensorView } from '../shared/tensor-grid';
import { applyMessage, emptyModel, type LayerRecord, type RunModel } from '../shared/state';
import { NO_RUN, restoreRun, saveRun } from './train-saved';
import { applyTrainMessage, emptyTrainModel, isRunning, nonFiniteShort, readTrainMessage, selectVariant, type TrainChange, type TrainModel } from '../shared/train-state';
import { CompareTable, VariantPicker } from './compare-view';
import { StatusLine, nonFiniteText } from '../shared/train-status';
import { savedIndex, startView, type VsCodeApi } from '../shared/vscode-api';
import { ZoomControl, readZoom } from '../shared/zoom';
import { t, tParts } from '../shared/strings';

/** UI state VS Code keeps while the panel is hidden or reloaded; the host reads `uri` to restore. */
export interface TrainState {
  /** URI of the spec trained (from the last reset), or null before any. */
  uri: string | null;
  /** Layer whose heatmaps the snapshot shows (layers, then the loss). */
  selected: number;
  /** Heatmap zoom, one of ZOOMS. */
  zoom: number;
  /** The run on show, kept for after a window reload (which ends it); unchecked until restored. */
  run?: unknown;
}

/** Least time between two saves of the run while progress streams in (ms): a window reload loses at most this much of the curves. */
const SAVE_GAP_MS = 5000;

/**
 * Least time between two snapshot requests while following the newest (ms), so the heatmaps stay
 * readable: each brings every layer's tensors (~1.5 MB for the book's net) across the editor's link.
 */
const FOLLOW_GAP_MS = 1000;
/**
 * The same while the run trains: fetching and painting a snapshot (its message crosses the
 * workbench's renderer, which paints the webview too) cost that renderer more than the charts did,
 * CPU the training thread then lacks on a 2-core machine. The heatmaps say the step they show.
 */
const FOLLOW_GAP_RUNNING_MS = 3000;
/** A request unanswered by then is given up (its step may have left the host's ring). */
const ANSWER_TIMEOUT_MS = 3000;

function readState(saved: Record<string, unknown>): TrainState {
  return { uri: typeof saved.uri === 'string' ? saved.uri : null, selected: savedIndex(saved.selected) ?? 0, zoom: readZoom(saved.zoom), run: saved.run };
}

/** The snapshot on show: its step and the run model built from its events. */
interface Shown {
  step: number;
  /** Rows of every layer with that step's tensors. */
  run: RunModel;
}

/** A snapshot's events as a run model, its start event made from the run's TrainInfo. */
function runOf(model: TrainModel, snapshot: TrainSnapshot): RunModel | null {
  const info = model.info;
  if (!info) return null;
  const run = emptyModel();
  applyMessage(run, { type: 'event', runId: 0, event: { kind: 'start', form: 'network', name: info.name, layers: info.layers, loss: info.loss } });
  for (const event of snapshot.events) applyMessage(run, { type: 'event', runId: 0, event });
  return run;
}

/**
 * The kept steps as ranges: "500–3,000", or "1–500 and 7,700–10,000" when the ring's first and latest
 * snapshots lie apart (split at the widest gap, when it is over three times the next widest).
 */
function keptRanges(steps: readonly number[]): string {
  const range = (a: number, b: number): string => (a === b ? fmtCount(a) : `${fmtCount(a)}–${fmtCount(b)}`);
  let widest = 0;
  let next = 0;
  let at = -1;
  for (let i = 1; i < steps.length; i++) {
    const gap = steps[i] - steps[i - 1];
    if (gap > widest) [next, widest, at] = [widest, gap, i];
    else next = Math.max(next, gap);
  }
  if (at < 0 || next === 0 || widest <= 3 * next) return range(steps[0], steps[steps.length - 1]);
  return t('{0} and {1}', range(steps[0], steps[at - 1]), range(steps[at], steps[steps.length - 1]));
}

/** The sets a run trains and tests on, and whether it measures accuracy, in words. */
function rowsOf(info: TrainInfo): string {
  const rows = info.testRows > 0 ? t('{0} train / {1} test rows', fmtCount(info.trainRows), fmtCount(info.testRows)) : t('{0} train rows, no test set', fmtCount(info.trainRows));
  return !info.measuresAccuracy ? `${rows} · ${t('no accuracy (a regression: continuous targets)')}` : rows;
}

/** The whole Train panel. */
class TrainView {
  private readonly model: TrainModel = emptyTrainModel();
  private readonly charts = new TrainCharts(() => this.model, { loss: 220, accuracy: 220, flow: 140 }, (index) => this.post({ type: 'revealLayer', index }), true);
  private readonly tooltip = new Tooltip();
  /** Samples of a snapshot's big batches of images, asked of the host. */
  private readonly samples = new SampleRequests((ref, sample) => this.post({ type: 'sample', ref, sample }));
  private readonly title = h('h1', { class: 'title' }, t('Backprop Lens: training'));
  private readonly status = new StatusLine(() => this.model);
  private readonly cancel = h('button', { class: 'button', type: 'button', title: t('Stop the run') }, t('Cancel'));
  private readonly retrain = h('button', { class: 'button secondary', type: 'button', title: t('Train the spec again') }, t('Train again'));
  private readonly alert = h('div', { class: 'alert', role: 'alert', hidden: true });
  private readonly empty = h('p', { class: 'empty' }, t('Waiting for a training run…'));
  private readonly summary = h('p', { class: 'summary' });
  private readonly callout = h('div', { class: 'nan-callout', role: 'alert', hidden: true });
  private readonly showNaN = h('button', { class: 'button secondary', type: 'button' });
  private readonly content: HTMLElement;
  /** Curves, flow and snapshot: shown once the run's info is known (a run that failed before has none). */
  private readonly runSections: HTMLElement;
  private readonly scrub = h('input', { type: 'range', id: 'bl-scrub', class: 'scrub', min: 0, max: 0, step: 1, value: 0, disabled: true });
  private readonly scrubStep = h('output', { class: 'scrub-step', for: 'bl-scrub' });
  private readonly follow = h('input', { type: 'checkbox', checked: true });
  private readonly scrubNote = h('p', { class: 'scrub-note' });
  private readonly loading = h('span', { class: 'scrub-loading' });
  private readonly layerGroup = h('div', { class: 'layer-buttons', role: 'group', 'aria-label': t('Layer') });
  private readonly heatmapTitle = h('h3', { class: 'snapshot-title' });
  private readonly heatmapGrid = h('div', { class: 'heatmaps' });
  private readonly zoom: ZoomControl;
  private readonly compareTable = new CompareTable();
  private readonly variantPicker = new VariantPicker((index) => this.pickVariant(index));
  private readonly snapshotSection: HTMLElement;
  private heatmaps: TensorView[] = [];
  private shown: Shown | null = null;
  /** Step the scrubber asks for; null for none. */
  private wanted: number | null = null;
  /** Step requested and not answered yet. */
  private inFlight: number | null = null;
  private inFlightTimer = 0;
  private followTimer = 0;
  private lastAnswer = -Infinity;
  private savedAt = -Infinity;
  /** Run whose Cancel was clicked: its button says so until the host's status ends the run. */
  private cancelledRun: number | null = null;

  constructor(
    private readonly vscode: VsCodeApi<TrainViewToHost, TrainState>,
    private readonly ui: TrainState,
  ) {
    this.cancel.addEventListener('click', () => {
      if (this.cancelledRun === this.model.runId) return;
      this.cancelledRun = this.model.runId;
      this.post({ type: 'cancel' });
      this.renderStatus();
    });
    this.retrain.addEventListener('click', () => this.post({ type: 'retrain' }));
    this.showNaN.addEventListener('click', () => {
      const at = this.model.nonFinite;
      if (!at) return;
      this.follow.checked = false;
      this.choose(at.step);
    });
    const header = h('header', { class: 'toolbar' }, this.title, this.status.element, h('span', { class: 'spacer' }), this.cancel, this.retrain);

    const curves = h(
      'section',
      { class: 'train-section', 'aria-labelledby': 'bl-curves' },
      h('h2', { id: 'bl-curves' }, t('Curves')),
      h('div', { class: 'chart-grid' }, this.charts.loss.element, this.charts.accuracy?.element),
      this.compareTable.element,
    );
    const flow = h(
      'section',
      { class: 'train-section', 'aria-labelledby': 'bl-flow' },
      h('h2', { id: 'bl-flow' }, t('Gradient flow')),
      h('p', { class: 'train-note' }, t('Percentiles of |grad| of each layer’s weights at each sampled step, as in TensorBoard’s distributions. Click a layer name to reveal it in the spec.')),
      this.variantPicker.element,
      flowLegend(),
      this.charts.flowList,
    );

    this.zoom = new ZoomControl(ui.zoom, (zoom) => this.zoomChanged(zoom));
    this.scrub.addEventListener('input', () => {
      this.follow.checked = false;
      const step = this.model.snapshots[Number(this.scrub.value)] as number | undefined;
      if (step !== undefined) this.choose(step);
    });
    this.follow.addEventListener('change', () => this.followLatest());
    const snapshot = (this.snapshotSection = h(
      'section',
      { class: 'train-section', 'aria-labelledby': 'bl-snapshot' },
      h('div', { class: 'section-header' }, h('h2', { id: 'bl-snapshot' }, t('Snapshot')), h('span', { class: 'spacer' }), this.zoom.element),
      h(
        'div',
        { class: 'scrubber' },
        h('label', { for: 'bl-scrub' }, t('Snapshot step')),
        this.scrub,
        this.scrubStep,
        this.loading,
        h('label', { class: 'follow', title: t('Show the newest snapshot as the run goes') }, this.follow, t('latest')),
      ),
      this.scrubNote,
      this.layerGroup,
      this.heatmapTitle,
      this.heatmapGrid,
    ));
    this.zoom.listen(snapshot);

    this.runSections = h('div', {}, curves, flow, snapshot);
    this.content = h('div', { class: 'train-content', hidden: true }, this.summary, this.callout, this.runSections);
    const root = document.getElementById('app') ?? document.body;
    root.replaceChildren(header, this.alert, this.empty, this.content);
    document.body.appendChild(this.tooltip.element);
    // VS Code swaps the body's theme class on a theme change: charts and mask colours are read when drawing.
    new MutationObserver(() => {
      this.charts.restyle();
      this.renderCompare();
      for (const v of this.heatmaps) v.setZoom(this.ui.zoom);
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.renderAll();
  }

  /** Handles one message from the host. */
  receive(data: unknown): void {
    const msg = readTrainMessage(data);
    if (!msg) return;
    if (msg.type === 'trainReset') {
      // Another spec's layer numbers mean nothing here.
      if (msg.uri !== this.ui.uri) this.ui.selected = 0;
      this.ui.uri = msg.uri;
      this.forgetSnapshot();
      this.samples.reset(msg.runId);
    }
    const change = applyTrainMessage(this.model, msg);
    if (msg.type === 'trainReset' && msg.runId === 0) {
      // The host has no run of this spec (the window reloaded since, or none began): show the saved one, if any.
      const restored = restoreRun(this.ui.run, msg.uri);
      for (const m of restored.length ? restored : [NO_RUN]) this.receive(m);
    }
    this.saveRun(change);
    switch (change) {
      case 'nothing':
        return;
      case 'everything':
        return this.renderAll();
      case 'progress':
        this.charts.progressed();
        this.compareTable.render(this.model);
        // Until the host's first position, the status line follows the curves.
        if (!this.model.position) this.status.soon();
        return;
      case 'position':
        return this.status.now();
      case 'evals':
        this.compareTable.render(this.model);
        return this.charts.evaluated();
      case 'snapshots':
        this.renderScrubber();
        this.renderShowNaN();
        return this.followLatest();
      case 'snapshot':
        if (msg.type === 'trainSnapshot') this.answered(msg.snapshot);
        return;
      case 'sample':
        if (msg.type === 'sample') this.samples.receive(msg);
        return;
      case 'nonFinite':
        this.renderNonFinite();
        return this.renderStatus();
      case 'status':
        // A stopped run's x axis ends at its last step.
        this.charts.layout();
        this.renderCompare();
        return this.renderStatus();
    }
  }

  private post(msg: TrainViewToHost): void {
    this.vscode.postMessage(msg);
  }

  private save(): void {
    this.vscode.setState({ uri: this.ui.uri, selected: this.ui.selected, zoom: this.ui.zoom, run: this.ui.run });
  }

  /** Saves the run after a change: at once for a new run, an evaluation, a NaN or a status; progress and position at most every SAVE_GAP_MS. */
  private saveRun(change: TrainChange): void {
    if (change === 'nothing' || change === 'snapshot' || change === 'snapshots') return;
    if ((change === 'progress' || change === 'position') && performance.now() - this.savedAt < SAVE_GAP_MS) return;
    // A reset of run 0 keeps what it restores from; any other reset starts a new run.
    if (this.model.runId !== 0 || this.model.info) this.ui.run = saveRun(this.model);
    this.savedAt = performance.now();
    this.save();
  }

  private renderAll(): void {
    const m = this.model;
    this.title.textContent = m.title || t('Backprop Lens: training');
    this.empty.hidden = m.runId !== null;
    this.content.hidden = m.runId === null;
    const info = m.info;
    this.runSections.hidden = info === null;
    const compared = info?.compare
      ? t('{0} iterations per variant · batch {1} · {2} compared over {3} variants', fmtCount(info.iterations), fmtCount(info.batch), info.compare.key, fmtCount(info.compare.variants.length))
      : null;
    this.summary.replaceChildren(
      ...(info
        ? [
            h('span', { class: 'net-name' }, info.name),
            ` · ${compared ?? t('{0} iterations · batch {1} · {2}', fmtCount(info.iterations), fmtCount(info.batch), info.optimizer)} · ${rowsOf(info)} · ${info.fast ? t('fast path') : t('general path')}`,
          ]
        : []),
    );
    // A comparison keeps no snapshots: its variants' steps would share one ring.
    this.snapshotSection.hidden = info?.compare !== undefined;
    this.charts.layout();
    this.renderCompare();
    this.renderNonFinite();
    this.renderLayers();
    this.renderScrubber();
    this.renderHeatmaps();
    this.renderStatus();
  }

  /** A comparison's table and variant picker (hidden for a single run). */
  private renderCompare(): void {
    this.compareTable.render(this.model);
    this.variantPicker.render(this.model);
  }

  /** Shows variant `index`'s gradient flow. */
  private pickVariant(index: number): void {
    selectVariant(this.model, index);
    this.variantPicker.render(this.model);
    this.charts.variantChanged();
    const focus = this.variantPicker.element.querySelectorAll('button')[index];
    focus?.focus();
  }

  private renderStatus(): void {
    this.status.now();
    const s = this.model.status;
    this.alert.textContent = s?.state === 'failed' ? s.message : '';
    this.alert.hidden = s?.state !== 'failed';
    // The answer crosses two websockets in code-server; until it comes, the click shows it was heard.
    const cancelling = this.cancelledRun !== null && this.cancelledRun === this.model.runId;
    this.cancel.textContent = cancelling ? t('Cancelling…') : t('Cancel');
    this.cancel.setAttribute('aria-disabled', String(cancelling));
    const hadFocus = document.activeElement === this.cancel;
    this.cancel.hidden = !isRunning(this.model);
    this.retrain.hidden = this.model.runId === null;
    // Keyboard users keep their place: the run's end takes Cancel away, Train again takes its place.
    if (hadFocus && this.cancel.hidden && !this.retrain.hidden) this.retrain.focus();
  }

  private renderNonFinite(): void {
    const at = this.model.nonFinite;
    this.callout.hidden = at === null;
    this.charts.mark({ nonFinite: at && { step: at.step, label: nonFiniteShort(at) } });
    if (!at) return this.callout.replaceChildren();
    this.showNaN.textContent = t('Show step {0}', fmtCount(at.step));
    this.renderShowNaN();
    this.callout.replaceChildren(h('span', { class: 'nan-text' }, ...nonFiniteText(at, (index) => this.post({ type: 'revealLayer', index }))), this.showNaN);
  }

  /** The callout's "Show step" button, while the host still keeps that step's snapshot. */
  private renderShowNaN(): void {
    const at = this.model.nonFinite;
    this.showNaN.hidden = !at || !this.model.snapshots.includes(at.step);
  }

  /** One toggle button per layer (and the loss), the selected one pressed. */
  private renderLayers(): void {
    const info = this.model.info;
    const layers = info ? [...info.layers, ...(info.loss ? [info.loss] : [])] : [];
    if (this.ui.selected >= layers.length) this.ui.selected = 0;
    this.layerGroup.replaceChildren(
      ...layers.map((l, i) => {
        const b = h('button', { class: 'layer-button', type: 'button', 'aria-pressed': String(i === this.ui.selected) }, l.name, h('span', { class: 'layer-type' }, l.type));
        b.addEventListener('click', () => this.selectLayer(i));
        return b;
      }),
    );
  }

  private selectLayer(index: number): void {
    this.ui.selected = index;
    this.save();
    this.layerGroup.querySelectorAll('button').forEach((b, i) => b.setAttribute('aria-pressed', String(i === index)));
    this.renderHeatmaps();
  }

  private renderScrubber(): void {
    const steps = this.model.snapshots;
    // Following the newest, the scrubber says the step whose heatmaps are on show (the next one is
    // "loading…"): the newest moves on faster than its snapshots come. Scrubbed by hand, it says where the user put it.
    const at = this.follow.checked ? (this.shown?.step ?? this.wanted) : (this.wanted ?? this.shown?.step ?? null);
    this.scrub.disabled = steps.length === 0;
    this.scrub.max = String(Math.max(0, steps.length - 1));
    // The nearest kept step, when the one on show has left the ring.
    let index = steps.length - 1;
    if (at !== null && steps.length > 0) index = steps.reduce((best, s, i) => (Math.abs(s - at) < Math.abs(steps[best] - at) ? i : best), 0);
    this.scrub.value = String(Math.max(0, index));
    const text = at === null ? t('none') : t('step {0}', fmtCount(at));
    this.scrubStep.textContent = text;
    this.scrub.setAttribute('aria-valuetext', text);
    const kept =
      steps.length === 0 ? t('No snapshots yet.')
      : steps.length === 1 ? t('{0} snapshot kept, steps {1}.', fmtCount(steps.length), keptRanges(steps))
      : t('{0} snapshots kept, steps {1}.', fmtCount(steps.length), keptRanges(steps));
    this.scrubNote.textContent = at !== null && steps.length > 0 && !steps.includes(at) ? `${kept} ${t('Step {0} is no longer kept.', fmtCount(at))}` : kept;
  }

  /** With "latest" on, asks for the newest snapshot. */
  private followLatest(): void {
    const last = this.model.snapshots.at(-1);
    if (this.follow.checked && last !== undefined) this.choose(last);
  }

  /** The scrubber (or "latest") chose `step`: mark it (by hand; "latest" marks what it shows) and ask the host for it. */
  private choose(step: number): void {
    this.wanted = step;
    if (!this.follow.checked) this.charts.mark({ cursor: step });
    this.renderScrubber();
    this.request();
  }

  /** Asks for the wanted step unless it is on show or a request is in flight (its answer asks again); following, at most every FOLLOW_GAP_MS (FOLLOW_GAP_RUNNING_MS while it trains). */
  private request(): void {
    clearTimeout(this.followTimer);
    this.followTimer = 0;
    const step = this.wanted;
    if (step === null || this.inFlight !== null || step === this.shown?.step) return;
    const wait = this.lastAnswer + (isRunning(this.model) ? FOLLOW_GAP_RUNNING_MS : FOLLOW_GAP_MS) - performance.now();
    if (this.follow.checked && wait > 0) {
      this.followTimer = window.setTimeout(() => this.request(), wait);
      return;
    }
    this.inFlight = step;
    this.inFlightTimer = window.setTimeout(() => this.giveUp(), ANSWER_TIMEOUT_MS);
    this.loading.textContent = t('loading step {0}…', fmtCount(step));
    this.post({ type: 'snapshot', step });
  }

  /** The host did not answer: go back to the step on show. */
  private giveUp(): void {
    this.inFlight = null;
    this.loading.textContent = '';
    this.wanted = this.shown?.step ?? null;
    this.charts.mark({ cursor: this.wanted });
    this.renderScrubber();
    this.renderHeatmaps();
  }

  private answered(snapshot: TrainSnapshot): void {
    clearTimeout(this.inFlightTimer);
    this.inFlight = null;
    this.loading.textContent = '';
    this.lastAnswer = performance.now();
    // Scrubbed by hand past this step while it was coming: fetch where the scrubber is now instead.
    // Following the newest, draw it (it is newer than what is on show) and then fetch the newest.
    const following = this.follow.checked;
    if (!following && this.wanted !== null && this.wanted !== snapshot.step) return this.request();
    const run = runOf(this.model, snapshot);
    if (!run) return;
    if (!following) this.wanted = snapshot.step;
    this.shown = { step: snapshot.step, run };
    this.charts.mark({ cursor: snapshot.step });
    this.renderScrubber();
    this.renderHeatmaps();
    if (following) this.request();
  }

  private forgetSnapshot(): void {
    clearTimeout(this.inFlightTimer);
    clearTimeout(this.followTimer);
    this.inFlight = null;
    this.loading.textContent = '';
    this.wanted = null;
    this.shown = null;
    this.lastAnswer = -Infinity;
    this.follow.checked = true;
    this.charts.mark({ cursor: null });
  }

  private renderHeatmaps(): void {
    const focused = this.heatmaps.findIndex((v) => v.element.contains(document.activeElement));
    this.tooltip.hide();
    const shown = this.shown;
    const row = shown?.run.rows[this.ui.selected] as LayerRecord | undefined;
    if (!shown || !row) {
      this.heatmaps = [];
      this.heatmapTitle.textContent = '';
      this.heatmapGrid.replaceChildren(h('p', { class: 'empty' }, t('Snapshots of recorded steps appear here: pick a step and a layer for its activation, mask and gradient heatmaps.')));
      return;
    }
    this.heatmapTitle.replaceChildren(...tParts('{0} at step {1}', h('span', { class: 'layer-name' }, row.info.name), fmtCount(shown.step)));
    const index = this.ui.selected;
    this.heatmaps = layerHeatmaps(row, TRAIN_HEATMAPS).map((m) => {
      const record = heldRecord(m.record, row.isLoss);
      const fetchSample = record && ((n: number) => this.samples.fetch({ index, record, step: shown.step }, n));
      return tensorView({ ...m, layer: row.info.name }, { zoom: this.ui.zoom, fit: PANEL_FIT, tooltip: this.tooltip, onZoom: (steps) => this.zoom.by(steps), ...(fetchSample && { fetchSample }) });
    });
    this.heatmapGrid.replaceChildren(...(this.heatmaps.length ? this.heatmaps.map((v) => v.element) : [h('p', { class: 'empty' }, t('No tensors for this layer at this step.'))]));
    // Rebuilt cards must not steal keyboard focus from where the user was.
    if (focused >= 0) this.heatmaps[Math.min(focused, this.heatmaps.length - 1)]?.element.querySelector('canvas')?.focus();
  }

  private zoomChanged(zoom: number): void {
    this.ui.zoom = zoom;
    this.save();
    this.tooltip.hide();
    for (const v of this.heatmaps) v.setZoom(zoom);
  }
}

/** Starts the Train panel. */
export function startTrain(): void {
  startView(readState, (vscode: VsCodeApi<TrainViewToHost, TrainState>, ui) => new TrainView(vscode, ui));
}
