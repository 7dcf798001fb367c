// A custom layer's code that never returns would hang `backprop`: nothing on the engine's thread can
// interrupt a synchronous loop. So a spec with custom layers runs on a worker thread, which marks
// each call into custom code in memory both threads share; the main thread reads the mark and ends
// the worker once one call has run longer than the limit.

/** What custom code is called for: loading its module, constructing its class, or a method. */
export type CallKind = 'load' | 'construct' | 'forward' | 'backward';

const KINDS: readonly CallKind[] = ['load', 'construct', 'forward', 'backward'];

/** The custom call running now, as both threads see it. */
export class CallClock {
  /** [1 while a call runs, its layer, its kind (index in KINDS), ms from `base` when it began]. */
  private readonly slots: Int32Array;
  /** Date.now() when the clock was made: the origin of the times in `slots`. */
  private readonly base: Float64Array;

  /** A clock over `shared` (from another thread's clock), or over new shared memory. */
  constructor(readonly shared = new SharedArrayBuffer(24)) {
    this.slots = new Int32Array(shared, 0, 4);
    this.base = new Float64Array(shared, 16, 1);
    if (this.base[0] === 0) this.base[0] = Date.now();
  }

  /** Custom layer `layer`'s code is called for `kind`, from now. */
  enter(layer: number, kind: CallKind): void {
    Atomics.store(this.slots, 1, layer);
    Atomics.store(this.slots, 2, KINDS.indexOf(kind));
    Atomics.store(this.slots, 3, Date.now() - this.base[0]);
    Atomics.store(this.slots, 0, 1);
  }

  /** The call returned (or threw). */
  leave(): void {
    Atomics.store(this.slots, 0, 0);
  }

  /** The call running at `now`, and for how long; null between calls. */
  running(now = Date.now()): { layer: number; kind: CallKind; ms: number } | null {
    if (Atomics.load(this.slots, 0) !== 1) return null;
    return { layer: Atomics.load(this.slots, 1), kind: KINDS[Atomics.load(this.slots, 2)] ?? 'forward', ms: now - this.base[0] - Atomics.load(this.slots, 3) };
  }
}
