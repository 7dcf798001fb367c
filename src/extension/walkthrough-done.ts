// When the walkthrough's last two steps are done: context keys its completion events wait for
// (onContext:...), decided from how runs end. Pure: commands.ts feeds it each finished run and sets
// the keys it returns.
import type { Spec } from '../spec/model';

/** True once a run of a spec had no findings after an earlier run of the same spec had some (step 6, a quick fix). */
export const FIXED_KEY = 'backprop.walkthrough.fixed';
/** True once a gradient check finished on a spec with a custom (module:) or Python layer (step 7). */
export const CUSTOM_CHECKED_KEY = 'backprop.walkthrough.customChecked';

export type WalkthroughKey = typeof FIXED_KEY | typeof CUSTOM_CHECKED_KEY;

/** A run that finished. */
export interface FinishedRun {
  /** The spec's URI, as a string. */
  uri: string;
  /** A gradient check (Gradient Check), or a run. */
  check: boolean;
  /** How many gradient-health findings it had; undefined when it reported none (it failed, was cancelled, or had spec errors). */
  findings: number | undefined;
  /** The spec runs the user's own code: a custom or Python layer, loss, network or graph node. */
  ownCode: boolean;
}

/** What the walkthrough remembers between runs: the specs whose last finished run had findings. */
export interface WalkthroughState {
  readonly withFindings: ReadonlySet<string>;
}

export const INITIAL_WALKTHROUGH_STATE: WalkthroughState = { withFindings: new Set() };

/** The state after `run`, and the context keys it makes true. */
export function walkthroughAfter(state: WalkthroughState, run: FinishedRun): { state: WalkthroughState; keys: WalkthroughKey[] } {
  const keys: WalkthroughKey[] = [];
  if (run.findings === undefined) return { state, keys };
  if (run.findings === 0 && state.withFindings.has(run.uri)) keys.push(FIXED_KEY);
  if (run.check && run.ownCode) keys.push(CUSTOM_CHECKED_KEY);
  const withFindings = new Set(state.withFindings);
  if (run.findings > 0) withFindings.add(run.uri);
  else withFindings.delete(run.uri);
  return { state: { withFindings }, keys };
}

/** Whether `spec` runs the user's own code: a `type: custom` or `type: python` layer, a Python loss or network, or an `op: python` node. */
export function usesOwnCode(spec: Spec | null | undefined): boolean {
  if (!spec) return false;
  if (spec.form === 'graph') return spec.nodes.some((n) => n.op === 'python');
  return spec.pythonNetwork !== undefined || spec.pythonLoss !== undefined || spec.layers.some((l) => l.type === 'custom' || l.module !== undefined || l.python !== undefined);
}
