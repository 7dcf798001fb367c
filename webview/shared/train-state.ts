// A training run as the training views know it, built up one host message at a time. Pure (no DOM),
// shared by the Train panel and the side view's training section.
import { FLOW_PERCENTILES, type CurveFill, type HostToTrainView, type NonFiniteAt, type TrainEval, type TrainInfo, type TrainStatus } from '../../src/protocol';
import { escapeControls, fmt, fmtCount, fmtDuration } from '../../src/format';
import { TrainHistory, variantAt } from '../../src/train-history';
import { isSampleMessage } from './sample-requests';
import { bytesOf, wholeBuffer } from './wire-buffer';
import { t } from './strings';

/** Everything the training views show about the current run, except the snapshot on show. */
export interface TrainModel {
  /** Run of the latest reset; null before any (every other message is ignored until one comes). */
  runId: number | null;
  /** Spec file name from the reset. */
  title: string;
  /** Spec URI from the reset. */
  uri: string | null;
  /** Static facts from trainStart. */
  info: TrainInfo | null;
  /** Loss curve, flow samples and evaluations: of the variant on show, in a comparison. */
  history: TrainHistory;
  /** Every variant's history in a comparison (`history` is one of them); else just `history`. */
  histories: TrainHistory[];
  /** The variant whose history is `history` (0 outside a comparison). */
  variant: number;
  /** Latest step known (from progress, history or status): where the curves end. */
  step: number;
  /** Time since training began at `step`, from the latest progress; null when unknown (a late join). */
  elapsedMs: number | null;
  /** Where the run is as the host shows it everywhere (trainPosition); null before the first. The status line reads this. */
  position: { step: number; elapsedMs: number; paused?: string } | null;
  /** The latest status; null until the host sends one (the run is starting). */
  status: TrainStatus | null;
  /** Steps the host's snapshot ring holds, oldest first. */
  snapshots: number[];
  /** Where the first NaN/Inf appeared, once it did. */
  nonFinite: NonFiniteAt | null;
}

/** What a message changed, so a view redraws only that. */
export type TrainChange = 'nothing' | 'everything' | 'progress' | 'position' | 'evals' | 'snapshots' | 'snapshot' | 'sample' | 'nonFinite' | 'status';

/** An empty model, before any reset. */
export function emptyTrainModel(): TrainModel {
  const history = new TrainHistory(0);
  return { runId: null, title: '', uri: null, info: null, history, histories: [history], variant: 0, step: 0, elapsedMs: null, position: null, status: null, snapshots: [], nonFinite: null };
}

/** A Float64 view of a wire buffer (see wire-buffer); null when it is none or not whole doubles. */
function f64(b: unknown): Float64Array | null {
  const bytes = bytesOf(b);
  return bytes && bytes.byteLength % 8 === 0 ? new Float64Array(wholeBuffer(bytes)) : null;
}

/** A bare ArrayBuffer of Float64 values, or null when `b` is not one (nor a view of one). */
function buffer(b: unknown): ArrayBuffer | null {
  const a = f64(b);
  return a && (a.buffer as ArrayBuffer);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** A curve's fill when well-formed (positive whole numbers, last ≤ stride), else undefined (one sample per point). */
function fillOf(v: unknown): CurveFill | undefined {
  if (!isObject(v)) return undefined;
  const { stride, last } = v;
  return typeof stride === 'number' && typeof last === 'number' && Number.isInteger(stride) && Number.isInteger(last) && last >= 1 && last <= stride ? { stride, last } : undefined;
}

/** Checks a host message's shape loosely and returns it with every buffer a bare ArrayBuffer; null when malformed. */
export function readTrainMessage(data: unknown): HostToTrainView | null {
  if (!isObject(data) || typeof data.runId !== 'number') return null;
  const m = data;
  switch (m.type) {
    case 'trainReset':
      return typeof m.title === 'string' && typeof m.uri === 'string' ? (m as HostToTrainView) : null;
    case 'trainStart': {
      const i = m.info;
      const compare = isObject(i) ? i.compare : undefined;
      const compareOk = compare === undefined || (isObject(compare) && typeof compare.key === 'string' && Array.isArray(compare.variants) && compare.variants.length > 0 && compare.variants.every((v) => typeof v === 'string'));
      return isObject(i) && Array.isArray(i.layers) && Array.isArray(i.flowLayers) && typeof i.iterations === 'number' && typeof i.name === 'string' && compareOk ? (m as HostToTrainView) : null;
    }
    case 'trainHistory': {
      const h = m.history;
      if (!isObject(h) || !Array.isArray(h.evals) || !optionalIndex(m.variant)) return null;
      const [lossSteps, losses, flowSteps, flow] = [buffer(h.lossSteps), buffer(h.losses), buffer(h.flowSteps), buffer(h.flow)];
      if (!lossSteps || !losses || !flowSteps || !flow) return null;
      const history = { lossSteps, losses, flowSteps, flow, evals: h.evals as TrainEval[], lossFill: fillOf(h.lossFill), flowFill: fillOf(h.flowFill) };
      return { type: 'trainHistory', runId: m.runId as number, history, ...(m.variant !== undefined && { variant: m.variant as number }) };
    }
    case 'trainProgress': {
      const p = m.progress;
      if (!isObject(p) || typeof p.step !== 'number' || typeof p.elapsedMs !== 'number' || typeof p.flowStep !== 'number' || !optionalIndex(p.variant)) return null;
      const [lossSteps, losses, flow] = [buffer(p.lossSteps), buffer(p.losses), buffer(p.flow)];
      if (!lossSteps || !losses || !flow) return null;
      const variant = p.variant === undefined ? {} : { variant: p.variant as number };
      return { type: 'trainProgress', runId: m.runId as number, progress: { step: p.step, elapsedMs: p.elapsedMs, flowStep: p.flowStep, lossSteps, losses, flow, ...variant } };
    }
    case 'trainEval':
      return isObject(m.eval) && typeof m.eval.step === 'number' && optionalIndex(m.eval.variant) ? (m as HostToTrainView) : null;
    case 'trainSnapshots':
      return Array.isArray(m.steps) && m.steps.every((s) => typeof s === 'number') ? (m as HostToTrainView) : null;
    case 'trainSnapshot':
      return isObject(m.snapshot) && typeof m.snapshot.step === 'number' && Array.isArray(m.snapshot.events) ? (m as HostToTrainView) : null;
    case 'trainNonFinite':
      return isObject(m.at) && typeof m.at.step === 'number' && typeof m.at.index === 'number' && typeof m.at.layer === 'string' && typeof m.at.tensor === 'string'
        ? (m as HostToTrainView)
        : null;
    case 'trainStatus':
      return isObject(m.status) && typeof m.status.state === 'string' ? (m as HostToTrainView) : null;
    case 'trainPosition':
      return typeof m.step === 'number' && typeof m.elapsedMs === 'number' ? (m as HostToTrainView) : null;
    case 'sample':
      return isSampleMessage(m) ? (m as HostToTrainView) : null;
    default:
      return null;
  }
}

/** Absent, or a whole number ≥ 0 (a variant's index). */
function optionalIndex(v: unknown): boolean {
  return v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 0);
}

/** Shows variant `index` of a comparison: its history becomes the one the flow charts draw. */
export function selectVariant(model: TrainModel, index: number): void {
  if (index < 0 || index >= model.histories.length) return;
  model.variant = index;
  model.history = model.histories[index];
}

/** The history of `variant` (0 outside a comparison); undefined when there is no such variant. */
function historyOf(model: TrainModel, variant: number | undefined): TrainHistory | undefined {
  return model.histories[variant ?? 0];
}

/** Flow layers a history holds: from the run's info, else from the history's own sizes. */
function flowLayersOf(model: TrainModel, flowSteps: number, flowValues: number): number {
  if (model.info) return model.info.flowLayers.length;
  return flowSteps > 0 ? Math.round(flowValues / (flowSteps * FLOW_PERCENTILES.length)) : 0;
}

/** Applies one host message to `model` in place and says what changed. */
export function applyTrainMessage(model: TrainModel, msg: HostToTrainView): TrainChange {
  if (msg.type === 'trainReset') {
    Object.assign(model, emptyTrainModel(), { runId: msg.runId, title: msg.title, uri: msg.uri });
    return 'everything';
  }
  // Messages of an older run can still be in flight after a reset; they must not mix into the new one.
  if (model.runId === null || msg.runId !== model.runId) return 'nothing';
  switch (msg.type) {
    case 'trainStart': {
      // Names are the spec's: shown with their control characters escaped, as in the run panel.
      const named = <T extends { name: string }>(x: T): T => ({ ...x, name: escapeControls(x.name) });
      const { info } = msg;
      model.info = {
        ...info,
        name: escapeControls(info.name),
        layers: info.layers.map(named),
        loss: info.loss && named(info.loss),
        flowLayers: info.flowLayers.map(named),
        // A run saved before the field existed measured accuracy.
        measuresAccuracy: (info.measuresAccuracy as unknown) !== false,
        ...(info.compare && { compare: { key: escapeControls(info.compare.key), variants: info.compare.variants.map(escapeControls) } }),
      };
      const variants = info.compare?.variants.length ?? 1;
      if (model.history.flowLayers !== info.flowLayers.length || model.histories.length !== variants) {
        model.histories = Array.from({ length: variants }, () => new TrainHistory(info.flowLayers.length));
        model.variant = Math.min(model.variant, variants - 1);
        model.history = model.histories[model.variant];
      }
      return 'everything';
    }
    case 'trainHistory': {
      const h = msg.history;
      const variant = msg.variant ?? 0;
      if (!historyOf(model, variant)) return 'nothing';
      const history = TrainHistory.from(h, flowLayersOf(model, h.flowSteps.byteLength / 8, h.flow.byteLength / 8));
      model.histories[variant] = history;
      if (variant === model.variant) model.history = history;
      const { loss, flow } = history;
      model.step = Math.max(model.step, loss.length ? loss.steps[loss.length - 1] : 0, flow.length ? flow.steps[flow.length - 1] : 0);
      return 'everything';
    }
    case 'trainProgress':
      historyOf(model, msg.progress.variant)?.add(msg.progress);
      model.step = msg.progress.step;
      model.elapsedMs = msg.progress.elapsedMs;
      return 'progress';
    case 'trainPosition':
      model.position = { step: msg.step, elapsedMs: msg.elapsedMs, ...(typeof msg.paused === 'string' && { paused: escapeControls(msg.paused) }) };
      return 'position';
    case 'trainEval':
      historyOf(model, msg.eval.variant)?.evals.push(msg.eval);
      return 'evals';
    case 'trainSnapshots':
      model.snapshots = [...msg.steps];
      return 'snapshots';
    case 'trainSnapshot':
      return 'snapshot';
    case 'sample':
      return 'sample';
    case 'trainNonFinite':
      model.nonFinite = { ...msg.at, layer: escapeControls(msg.at.layer) };
      return 'nonFinite';
    case 'trainStatus':
      model.status = msg.status;
      if (msg.status.state !== 'running' && msg.status.state !== 'failed') {
        model.step = msg.status.step;
        model.elapsedMs = msg.status.elapsedMs;
      }
      return 'status';
  }
}

/** One variant as the table shows it. */
export interface VariantRow {
  label: string;
  /** Steps trained so far. */
  steps: number;
  /** Loss of the last evaluated minibatch; null before the first evaluation. */
  loss: number | null;
  trainAcc: number | null;
  testAcc: number | null;
  /** How it stands, in words: done, training, waiting, or where it stopped. */
  state: string;
}

/** The rows of a comparison's table, in variant order. */
export function variantRows(model: TrainModel): VariantRow[] {
  const info = model.info;
  if (!info?.compare) return [];
  const running = isRunning(model);
  // Variants train in turn: the first one without a full curve is the one training.
  const current = model.histories.findIndex((h) => (h.loss.length ? h.loss.steps[h.loss.length - 1] : 0) < info.iterations);
  return info.compare.variants.map((label, i) => {
    const h = model.histories[i];
    const steps = h && h.loss.length > 0 ? h.loss.steps[h.loss.length - 1] : 0;
    const last = h?.evals.at(-1);
    const finished = h !== undefined && steps >= info.iterations;
    let state = t('done');
    if (!finished) {
      const later = model.histories.slice(i + 1).some((o) => o.loss.length > 0);
      // A variant that stopped short while later ones trained hit a NaN/Inf (a comparison goes on without it).
      if (later || (!running && model.status?.state === 'finished')) state = t('stopped at step {0}: NaN/Inf', fmtCount(steps + 1));
      else if (!running) state = steps > 0 ? t('stopped at step {0}', fmtCount(steps)) : t('not run');
      else state = i === current && steps > 0 ? t('training…') : t('waiting');
    }
    return { label, steps, loss: last?.loss ?? null, trainAcc: last?.trainAcc ?? null, testAcc: last?.testAcc ?? null, state };
  });
}

/** True while the run has not ended (no status yet counts as starting). */
export function isRunning(model: TrainModel): boolean {
  return model.runId !== null && (model.status === null || model.status.state === 'running');
}

/** Steps per second, whole above 100. */
function fmtRate(rate: number): string {
  return rate >= 100 ? fmtCount(Math.round(rate)) : fmt(rate);
}

/** The value of a non-finite marker, short: NaN, +Inf or −Inf. */
export function nonFiniteShort(at: NonFiniteAt): string {
  return at.value === 'NaN' ? 'NaN' : at.value === 'Infinity' ? '+Inf' : '−Inf';
}

/** Where in the step the tensor lies, in words: backward tensors (dx, dW…) mean forward was still finite. */
export function nonFiniteWhere(at: NonFiniteAt): string {
  if (at.tensor.startsWith('d')) return t('forward was finite');
  if (at.tensor === 'loss') return t('in the loss');
  if (['W', 'b', 'gamma', 'beta'].includes(at.tensor)) return t('in the weights, before the update');
  return t('in the forward pass');
}

/** The status line and its tone (ok, bad or plain). */
export function statusOf(model: TrainModel): { text: string; tone: '' | 'ok' | 'bad' } {
  const s = model.status;
  if (model.runId === null) return { text: '', tone: '' };
  if (s === null || s.state === 'running') {
    const info = model.info;
    // The host's position, which the other views and the notification show too; before it, where the curves are.
    const { step, elapsedMs, paused } = model.position ?? { step: model.step, elapsedMs: model.elapsedMs };
    if (!info || step <= 0) return { text: t('starting…'), tone: '' };
    if (paused !== undefined) return { text: t('debugger paused in step {0} / {1}: {2}', fmtCount(step), fmtCount(info.iterations), paused), tone: '' };
    // A comparison's position counts every variant's steps, one variant after another.
    const variants = info.compare?.variants ?? [];
    const total = info.iterations * Math.max(1, variants.length);
    const at = variantAt(step, info.iterations, variants.length);
    let text =
      variants.length > 0
        ? `${variants[at.variant]} (${at.variant + 1}/${variants.length}) · ${t('step {0} / {1}', fmtCount(at.step), fmtCount(info.iterations))}`
        : t('step {0} / {1}', fmtCount(step), fmtCount(info.iterations));
    if (elapsedMs !== null && elapsedMs > 0) {
      const rate = (step / elapsedMs) * 1000;
      text += ` · ${t('{0} steps/s', fmtRate(rate))} · ${t('ETA {0}', fmtDuration((1000 * Math.max(0, total - step)) / rate))}`;
    }
    return { text, tone: '' };
  }
  switch (s.state) {
    case 'finished':
      return { text: t('finished in {0}', fmtDuration(s.elapsedMs, 1)), tone: 'ok' };
    case 'cancelled': {
      const variants = model.info?.compare?.variants;
      if (!variants || !model.info) return { text: t('cancelled at step {0}', fmtCount(s.step)), tone: '' };
      const at = variantAt(s.step, model.info.iterations, variants.length);
      return { text: t('cancelled in {0} at step {1}', variants[at.variant], fmtCount(at.step)), tone: '' };
    }
    case 'nonFinite': {
      const at = model.nonFinite;
      // s.step counts the updates done; the step that produced it is the next one, whose update never ran.
      const step = fmtCount(at?.step ?? s.step + 1);
      return { text: at ? t('stopped at step {0}: {1} in {2} {3}', step, at.value, at.layer, at.tensor) : t('stopped at step {0}: NaN or Inf', step), tone: 'bad' };
    }
    case 'failed':
      return { text: t('failed'), tone: 'bad' };
  }
}
