// The one clock for user code, shared by the CLI and the editor. Nothing on the engine's thread can
// interrupt a synchronous loop, so user code runs on a worker thread that marks each call into it
// (loading a module, constructing a class, forward, backward, the check's calls) in memory both
// threads share, as the call starts and as it returns. The host's watch reads the mark and ends the
// worker once a single call has run longer than the limit. Messages the worker posts play no part.
import { ENGINE_MESSAGES, engineMessage, type EngineMessageId, type EngineText } from './engine/messages';
import { sentence, type Sentence } from './message';

/** What user code is called for. 'check' is any call the gradient check makes. */
export type CallKind = 'load' | 'construct' | 'forward' | 'backward' | 'check';

const KINDS: readonly CallKind[] = ['load', 'construct', 'forward', 'backward', 'check'];

/** A call into user code, running now. */
export interface RunningCall {
  /** Index of the layer whose code runs. */
  layer: number;
  kind: CallKind;
  /** Milliseconds since the call began. */
  ms: number;
}

/** The user-code call running now, as both threads see it. */
export class CallClock {
  /** [1 while a call runs, 2 once it returned, 0 before any; its layer; its kind (index in KINDS); ms from `base` when it began]. */
  private readonly slots: Int32Array;
  /** Date.now() when the clock was made: the origin of the times in `slots`. */
  private readonly base: Float64Array;

  /** The pid of the Python process the thread talks to (0: none), which the host ends with the thread. */
  private readonly helper: Int32Array;

  /** A clock over `shared` (from another thread's clock), or over new shared memory. */
  constructor(readonly shared = new SharedArrayBuffer(32)) {
    this.slots = new Int32Array(shared, 0, 4);
    this.base = new Float64Array(shared, 16, 1);
    this.helper = new Int32Array(shared, 24, 1);
    if (this.base[0] === 0) this.base[0] = Date.now();
  }

  /** The thread started the helper process `pid` (its Python bridge). */
  setHelperPid(pid: number): void {
    Atomics.store(this.helper, 0, pid);
  }

  /**
   * Ends the thread's helper process, if any. A thread blocked reading from a hung Python process
   * cannot be terminated until that process is gone.
   */
  endHelper(): void {
    const pid = Atomics.exchange(this.helper, 0, 0);
    if (pid === 0) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Layer `layer`'s code is called for `kind`, from now. */
  enter(layer: number, kind: CallKind): void {
    Atomics.store(this.slots, 1, layer);
    Atomics.store(this.slots, 2, KINDS.indexOf(kind));
    Atomics.store(this.slots, 3, Date.now() - this.base[0]);
    Atomics.store(this.slots, 0, 1);
  }

  /** The call returned (or threw). */
  leave(): void {
    Atomics.compareExchange(this.slots, 0, 1, 2);
  }

  /** The call running at `now`, and for how long; null between calls. */
  running(now = Date.now()): RunningCall | null {
    if (Atomics.load(this.slots, 0) !== 1) return null;
    return this.call(now);
  }

  /** The call running now, or else the last one, with whether it still runs; null before the first. */
  latest(now = Date.now()): (RunningCall & { running: boolean }) | null {
    const state = Atomics.load(this.slots, 0);
    return state === 0 ? null : { ...this.call(now), running: state === 1 };
  }

  private call(now: number): RunningCall {
    return { layer: Atomics.load(this.slots, 1), kind: KINDS[Atomics.load(this.slots, 2)] ?? 'forward', ms: now - this.base[0] - Atomics.load(this.slots, 3) };
  }
}

/** Seconds one call into user code may take unless the user says otherwise. */
export const DEFAULT_USER_CODE_SECONDS = 10;

/** A time limit in seconds as the user gave it (setting or flag), or null when it is not a number above 0. */
export function userCodeSeconds(value: unknown): number | null {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/** Calls `overran` once, the first time a call on `clock` has run longer than `limitMs`; returns the stop. */
export function watchUserCode(clock: CallClock, limitMs: number, overran: (call: RunningCall) => void): () => void {
  const timer = setInterval(() => {
    const call = clock.running();
    if (!call || call.ms <= limitMs) return;
    clearInterval(timer);
    overran(call);
  }, Math.min(100, limitMs / 4));
  return () => clearInterval(timer);
}

/** The layer whose code ran, as the spec names it. */
export interface UserCodeLayer {
  name: string;
  /** Its module path as the spec writes it, if it has one. */
  module?: string;
}

/** "Loop1.forward", "Loop1 (check)", or a phrase ("loading ./loop.js", "constructing Loop1"): the call, as messages name it. */
function callText(layer: UserCodeLayer | undefined, call: Pick<RunningCall, 'layer' | 'kind'>): string | EngineText {
  const name = layer?.name ?? `layer ${call.layer + 1}`;
  if (call.kind === 'load') return layer?.module ? engineMessage('engine.call.loading', { module: layer.module }) : engineMessage('engine.call.loadingModule', { layer: name });
  if (call.kind === 'construct') return engineMessage('engine.call.constructing', { layer: name });
  return call.kind === 'forward' || call.kind === 'backward' ? `${name}.${call.kind}` : `${name} (${call.kind})`;
}

/** Engine message `id` about a call: the call's phrase, if it is one, is said in the user's language too. */
const callMessage = (id: EngineMessageId, args: Readonly<Record<string, string | EngineText>>): Sentence => sentence(id, ENGINE_MESSAGES[id], args);

/** "Loop1.forward did not return within 10 s, so the engine was stopped": the call that overran. */
export function overrunMessage(layer: UserCodeLayer | undefined, call: RunningCall, limitMs: number): Sentence {
  return callMessage('engine.call.overrun', { call: callText(layer, call), seconds: String(limitMs / 1000) });
}

/** How a thread running user code ended before its job did. */
export type ThreadEnd =
  /** Ended with this code, with nobody terminating it: process.exit(code). */
  | { cause: 'exit'; code: number }
  /** Nothing was left to run while the job awaited: a promise that never settles. */
  | { cause: 'stalled' }
  | { cause: 'memory' }
  /** An error nothing caught: a rejected promise nobody handled, or a throw in a timer. */
  | { cause: 'error'; message: string };

/**
 * Why the thread ended, in a sentence naming the call that ran (`call.running`), or the last one
 * that ran, since code of the user's can run between calls (a timer, a promise's callback).
 */
export function threadEndMessage(layer: UserCodeLayer | undefined, call: Pick<RunningCall, 'layer' | 'kind'> & { running: boolean }, end: ThreadEnd): Sentence {
  const what = callText(layer, call);
  switch (end.cause) {
    case 'exit':
      return callMessage(call.running ? 'engine.call.exit' : 'engine.call.exit.after', { call: what, code: String(end.code) });
    case 'stalled':
      return callMessage('engine.call.stalled', { call: what });
    case 'memory':
      return callMessage(call.running ? 'engine.call.memory' : 'engine.call.memory.after', { call: what });
    case 'error':
      return callMessage(call.running ? 'engine.call.error' : 'engine.call.error.after', { call: what, error: end.message });
  }
}
