// What each webview page may tell the host, parsed. A webview is untrusted input: a message that is
// not exactly one of its page's kinds, with fields of the right types and sizes, is dropped. Pure
// (no vscode), so unit tests feed the parsers generated hostile values.
import { HELD_RECORDS, type SampleRef, type SideViewToHost, type TrainViewToHost, type WebviewToHost } from '../protocol';

/** A non-negative integer of sane size. */
export const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e9;

/**
 * The message's own fields, or null for anything but a plain object. Only own fields count: what a
 * webview posts arrives as a plain object, so an inherited `type` can only be a polluted prototype.
 */
function fields(data: unknown): Record<string, unknown> | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const own: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of ['type', 'index', 'row', 'col', 'param', 'step', 'ref', 'sample', 'record']) if (Object.hasOwn(data, key)) own[key] = (data as Record<string, unknown>)[key];
  return own;
}

/** A sample request's tensor: with a snapshot's step from a Train panel (`withStep`), without from a run panel. */
function parseRef(data: unknown, withStep: boolean): SampleRef | null {
  const r = fields(data);
  const record = HELD_RECORDS.find((k) => k === r?.record);
  if (!r || !isIndex(r.index) || !record) return null;
  if (!withStep) return r.step === undefined ? { index: r.index, record } : null;
  return isIndex(r.step) ? { index: r.index, record, step: r.step } : null;
}

/** A run panel's message. */
export function parseWebviewMessage(data: unknown): WebviewToHost | null {
  const m = fields(data);
  switch (m?.type) {
    case 'ready':
    case 'rerun':
    case 'fixAll':
    case 'pinBaseline':
    case 'clearBaseline':
      return { type: m.type };
    case 'selectLayer':
    case 'applyFix':
      return isIndex(m.index) ? { type: m.type, index: m.index } : null;
    case 'selectCell':
      return isIndex(m.index) && isIndex(m.row) && isIndex(m.col) && (m.param === 'W' || m.param === 'b' || m.param === 'gamma' || m.param === 'beta')
        ? { type: 'selectCell', index: m.index, param: m.param, row: m.row, col: m.col }
        : null;
    case 'sample': {
      const ref = parseRef(m.ref, false);
      return ref && isIndex(m.sample) ? { type: 'sample', ref, sample: m.sample } : null;
    }
    default:
      return null;
  }
}

/** A Train panel's message. */
export function parseTrainViewMessage(data: unknown): TrainViewToHost | null {
  const m = fields(data);
  switch (m?.type) {
    case 'ready':
    case 'cancel':
    case 'retrain':
      return { type: m.type };
    case 'snapshot':
      return isIndex(m.step) ? { type: 'snapshot', step: m.step } : null;
    case 'sample': {
      const ref = parseRef(m.ref, true);
      return ref && isIndex(m.sample) ? { type: 'sample', ref, sample: m.sample } : null;
    }
    case 'revealLayer':
      return isIndex(m.index) ? { type: 'revealLayer', index: m.index } : null;
    default:
      return null;
  }
}

/** The side view's message. */
export function parseSideViewMessage(data: unknown): SideViewToHost | null {
  const m = fields(data);
  switch (m?.type) {
    case 'ready':
      return { type: 'ready' };
    case 'revealLayer':
      return isIndex(m.index) ? { type: 'revealLayer', index: m.index } : null;
    default:
      return null;
  }
}
