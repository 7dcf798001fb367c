// A training run as the Train panel saves it in its webview state. A window reload ends the run (its
// worker belongs to the extension host), but VS Code keeps the state: the restored panel shows the
// curves as they were instead of nothing. State is JSON, so buffers become arrays, and NaN and ±∞
// (which JSON turns into null) are kept as strings. The snapshots stay with the host and are gone.
import { fmtCount } from '../../src/format';
import type { HostToTrainView, NonFiniteAt, TrainHistoryWire, TrainInfo, TrainStatus } from '../../src/protocol';
import type { TrainModel } from '../shared/train-state';
import { t } from '../shared/strings';

/** A number, or NaN / Infinity / -Infinity spelled out. */
type JsonNumber = number | string;

/** What the panel saves of a run. */
export interface SavedRun {
  /** The spec trained. */
  uri: string;
  /** Static facts of the run. */
  info: TrainInfo;
  /** The history's buffers as arrays, with its evaluations and fills (in a comparison, the variant on show's). */
  history: SavedHistory;
  /** In a comparison, every variant's history in variant order. */
  variants?: SavedHistory[];
  /** Latest step. */
  step: number;
  /** The first NaN/Inf, if any. */
  nonFinite: NonFiniteAt | null;
  /** The latest status. */
  status: TrainStatus | null;
}

/** A history with its buffers as arrays. */
type SavedHistory = Omit<TrainHistoryWire, 'lossSteps' | 'losses' | 'flowSteps' | 'flow'> & Record<'lossSteps' | 'losses' | 'flowSteps' | 'flow', JsonNumber[]>;

const toJson = (b: ArrayBuffer): JsonNumber[] => Array.from(new Float64Array(b), (v) => (Number.isFinite(v) ? v : String(v)));

/** The run of `model` to save; null before its start. */
export function saveRun(model: TrainModel): SavedRun | null {
  if (!model.info || !model.uri) return null;
  const saved = (history: TrainModel['history']): SavedHistory => {
    const wire = history.wire();
    return { ...wire, lossSteps: toJson(wire.lossSteps), losses: toJson(wire.losses), flowSteps: toJson(wire.flowSteps), flow: toJson(wire.flow) };
  };
  return {
    uri: model.uri,
    info: model.info,
    history: saved(model.history),
    ...(model.info.compare && { variants: model.histories.map(saved) }),
    step: model.step,
    nonFinite: model.nonFinite,
    status: model.status,
  };
}

/**
 * The messages that show `saved` again as run 0, the run of a spec the host has no session of; none
 * when it is of another spec or malformed. The panel reads them as it reads the host's, so
 * whatever an old or edited state holds goes through the same checks.
 */
export function restoreRun(saved: unknown, uri: string): unknown[] {
  if (typeof saved !== 'object' || saved === null) return [];
  const s = saved as Partial<Record<keyof SavedRun, unknown>>;
  const values = (a: unknown) => (Array.isArray(a) ? Float64Array.from(a, (v: unknown) => (typeof v === 'number' ? v : Number(v))) : null);
  const history = (saved: unknown, variant?: number) => {
    const h = (typeof saved === 'object' && saved !== null ? saved : {}) as Record<string, unknown>;
    const wire = { ...h, lossSteps: values(h.lossSteps), losses: values(h.losses), flowSteps: values(h.flowSteps), flow: values(h.flow) };
    return { type: 'trainHistory', runId: 0, history: wire, ...(variant !== undefined && { variant }) };
  };
  if (s.uri !== uri || typeof s.step !== 'number') return [];
  const status = s.status as TrainStatus | null;
  // A run still going when the window reloaded ended with it; one that had ended keeps its own status.
  const ended = status && status.state !== 'running' ? status : { state: 'failed', message: t('The window reloaded at step {0}, which ended this run; its curves are as they were. Train again starts a new run.', fmtCount(s.step)) };
  return [
    { type: 'trainStart', runId: 0, info: s.info },
    ...(Array.isArray(s.variants) ? s.variants.map((v: unknown, i) => history(v, i)) : [history(s.history)]),
    ...(s.nonFinite ? [{ type: 'trainNonFinite', runId: 0, at: s.nonFinite }] : []),
    { type: 'trainStatus', runId: 0, status: ended },
  ];
}

/** What the panel says when the host has no run of its spec and nothing was saved. */
export const NO_RUN: HostToTrainView = {
  type: 'trainStatus',
  runId: 0,
  status: { state: 'failed', message: t('No training run of this spec since the window opened. Press Train again to start one.') },
};
