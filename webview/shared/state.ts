// The run as the panel knows it, built up one message at a time. Pure: no DOM, so it reads as the
// single place that decides what an event changes.
import { escapeControls } from '../../src/format';
import type { Finding, HostToWebview, LayerInfo, RunEvent, WireCheck, WireMaskStats, WireTensor } from '../../src/protocol';

/** A scalar graph event. */
export type GraphEvent = Extract<RunEvent, { kind: 'graph' }>;
type DoneEvent = Extract<RunEvent, { kind: 'done' }>;
/** A comparison of inits: each variant's distributions. */
export type VariantsEvent = Extract<RunEvent, { kind: 'variants' }>;
/** Host messages about the run; `select` is UI only and the baseline the panel's own, so neither reaches the model. */
export type RunMessage = Exclude<HostToWebview, { type: 'select' | 'baseline' | 'sample' | 'inspect' }>;

/** One table row: a layer, or the loss (always last). */
export interface LayerRecord {
  /** Static facts from the start event. */
  info: LayerInfo;
  /** True for the loss row. */
  isLoss: boolean;
  /** Output of forward (for the loss row: its prediction y). */
  activation: WireTensor | null;
  /** The loss row's targets t, shaped like y. */
  target: WireTensor | null;
  /** Mask kept by forward (1 = masked), for ReLU and Dropout. */
  mask: WireTensor | null;
  /** Summary of `mask`. */
  maskStats: WireMaskStats | null;
  /** Parameter values after forward, W before b. */
  params: { name: string; value: WireTensor }[];
  /** Loss value (loss row only). */
  lossValue: number | null;
  /** Upstream gradient backward received. */
  dout: WireTensor | null;
  /** Gradient with respect to the layer's input (for the loss row: (y − t)/N). */
  dx: WireTensor | null;
  /** Parameter gradients, in parameter order. */
  grads: { name: string; grad: WireTensor }[];
  /** Gradient-check results, one per checked parameter. */
  checks: { param: string; result: WireCheck }[];
  /** Gradient-health findings about this row's layer. */
  findings: Finding[];
}

/** Everything the panel shows about the current run. */
export interface RunModel {
  /** Title from the last reset (the spec's file name). */
  title: string;
  /** Run the events belong to; null before the first reset or event. */
  runId: number | null;
  /** Network name from the start event. */
  name: string | null;
  /** Layer rows, then the loss row if the network has a loss. */
  rows: LayerRecord[];
  /** The scalar graph, for graph specs. */
  graph: GraphEvent | null;
  /** The done event, once the run finished. */
  done: DoneEvent | null;
  /** Message of a failed run or a spec with errors. */
  error: string | null;
  /** True while an ended run's messages are shown again to a reloaded page: it is not running. */
  replay: boolean;
  /** True once the run was cancelled. */
  cancelled: boolean;
  /** Where a debug session of the run is stopped (`backward Relu1`); null while it runs. */
  paused: string | null;
  /** Gradient-health findings of the run, in the engine's order; null until they arrive. */
  findings: Finding[] | null;
  /** The variants of a comparison of inits, with labels escaped; null without one (or until they ran). */
  variants: VariantsEvent | null;
  /** True once the spec was edited after this run began: its figures are the old spec's. */
  stale: boolean;
  /** What the findings' fixes would change in the spec now, as the host last said; null until it does. */
  fixes: FixTitles | null;
}

/** The titles of the findings' fixes (by finding, null without one) and what Fix all changes (null when nothing). */
export interface FixTitles {
  titles: (string | null)[];
  all: string[] | null;
}

/** What a message changed, so the view redraws only that. */
export type Change =
  /** A stale or unknown message. */
  | { what: 'nothing' }
  /** A reset or a start: every part of the panel. */
  | { what: 'everything' }
  /** One row's data (and the summary). */
  | { what: 'row'; index: number }
  /** The scalar graph. */
  | { what: 'graph' }
  /** The findings list and every row's finding marker. */
  | { what: 'findings' }
  /** The variants' distributions. */
  | { what: 'variants' }
  /** Status, summary or error message only. */
  | { what: 'status' };

/** An empty model. */
export function emptyModel(): RunModel {
  return { title: '', runId: null, name: null, rows: [], graph: null, done: null, error: null, replay: false, cancelled: false, paused: null, findings: null, variants: null, stale: false, fixes: null };
}

function record(info: LayerInfo, isLoss: boolean): LayerRecord {
  return { info, isLoss, activation: null, target: null, mask: null, maskStats: null, params: [], lossValue: null, dout: null, dx: null, grads: [], checks: [], findings: [] };
}

/** Applies one host message to `model` in place and says what changed. */
export function applyMessage(model: RunModel, msg: RunMessage): Change {
  if (msg.type === 'reset') {
    Object.assign(model, emptyModel(), { title: msg.title, runId: msg.runId, replay: msg.replay === true });
    return { what: 'everything' };
  }
  if (msg.type === 'stale') {
    if (model.runId === null || model.stale) return { what: 'nothing' };
    model.stale = true;
    return { what: 'status' };
  }
  // Events of an older run can still be in flight after a reset; they must not mix into the new one.
  if (model.runId !== null && msg.runId !== model.runId) return { what: 'nothing' };
  model.runId = msg.runId;
  if (msg.type === 'error') {
    model.error = escapeControls(msg.message);
    return { what: 'status' };
  }
  if (msg.type === 'cancelled') {
    model.cancelled = true;
    model.paused = null;
    return { what: 'status' };
  }
  if (msg.type === 'paused') {
    model.paused = escapeControls(msg.at);
    return { what: 'status' };
  }
  if (msg.type === 'fixes') {
    // The titles name the spec's layers, whose control characters are shown escaped.
    model.fixes = { titles: msg.fixes.map((t) => (typeof t === 'string' ? escapeControls(t) : null)), all: msg.all?.map(escapeControls) ?? null };
    return { what: 'findings' };
  }
  model.paused = null;
  return applyEvent(model, msg.event);
}

function applyEvent(model: RunModel, ev: RunEvent): Change {
  switch (ev.kind) {
    case 'start':
      // Names are the spec's: shown with their control characters escaped (the rows are read by index, never by name).
      model.name = escapeControls(ev.name);
      model.rows = ev.layers.map((l) => record({ ...l, name: escapeControls(l.name) }, false));
      if (ev.loss) model.rows.push(record(ev.loss, true));
      return { what: 'everything' };
    case 'forward': {
      const row = layerRow(model, ev.index);
      if (!row) return { what: 'nothing' };
      row.activation = ev.activation;
      row.mask = ev.mask;
      row.maskStats = ev.maskStats;
      row.params = ev.params;
      return { what: 'row', index: ev.index };
    }
    case 'loss': {
      const index = lossIndex(model);
      if (index < 0) return { what: 'status' };
      model.rows[index].lossValue = ev.value;
      model.rows[index].activation = ev.prediction;
      model.rows[index].target = ev.target;
      model.rows[index].dx = ev.dx;
      return { what: 'row', index };
    }
    case 'backward': {
      // The loss row takes index layers.length, the index after the last layer.
      const row = model.rows[ev.index] as LayerRecord | undefined;
      if (!row) return { what: 'nothing' };
      row.dout = ev.dout;
      row.dx = ev.dx;
      row.grads = ev.grads;
      return { what: 'row', index: ev.index };
    }
    case 'check': {
      const row = layerRow(model, ev.index);
      if (!row) return { what: 'nothing' };
      row.checks = [...row.checks.filter((c) => c.param !== ev.param), { param: ev.param, result: ev.result }];
      return { what: 'row', index: ev.index };
    }
    case 'graph':
      // Escaped alike everywhere, so names still match the operands that refer to them.
      model.graph = {
        ...ev,
        name: escapeControls(ev.name),
        output: escapeControls(ev.output),
        nodes: ev.nodes.map((n) => ({ ...n, name: escapeControls(n.name), in: n.in.map(escapeControls) })),
      };
      return { what: 'graph' };
    case 'findings': {
      const findings = ev.findings.map((f) => ({ ...f, message: escapeControls(f.message) }));
      model.findings = findings;
      model.rows.forEach((row, i) => (row.findings = findings.filter((f) => f.index === i)));
      return { what: 'findings' };
    }
    case 'variants':
      model.variants = { ...ev, variants: ev.variants.map((v) => ({ ...v, label: escapeControls(v.label) })) };
      return { what: 'variants' };
    case 'done':
      model.done = ev;
      return { what: 'status' };
  }
}

function layerRow(model: RunModel, index: number): LayerRecord | null {
  const row = model.rows[index] as LayerRecord | undefined;
  return row && !row.isLoss ? row : null;
}

function lossIndex(model: RunModel): number {
  const last = model.rows.length - 1;
  return last >= 0 && model.rows[last].isLoss ? last : -1;
}

/** The loss value of the run, from the loss row or the done event. */
export function lossOf(model: RunModel): number | null {
  const i = lossIndex(model);
  return (i >= 0 ? model.rows[i].lossValue : null) ?? model.done?.loss ?? null;
}
