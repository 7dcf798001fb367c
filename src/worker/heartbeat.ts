// Heartbeats while user code runs. The host ends a worker whose custom layer goes silent too long,
// and takes any other message as the end of the custom phase. So a heartbeat goes out when a phase
// begins (or begins again after another message), then at most once per interval while our own
// loops keep calling into the layer; code that never returns sends nothing more, and is stopped.

/** Posts heartbeats for one run: on entering a phase, then at most once per `intervalMs`. */
export class Heartbeat {
  /** The phase last posted and when, or null when another message has been posted since. */
  private last: { layer: number; phase: string; at: number } | null = null;

  /** Heartbeats posted through `send`, timed by `now` (milliseconds). */
  constructor(
    private readonly send: (layer: number, phase: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 200,
  ) {}

  /** Called before each call into custom layer `layer`'s code in `phase` (load, forward, backward, check). */
  beat(layer: number, phase: string): void {
    const at = this.now();
    const last = this.last;
    if (last && last.layer === layer && last.phase === phase && at - last.at < this.intervalMs) return;
    this.last = { layer, phase, at };
    this.send(layer, phase);
  }

  /** Another message went out, which ends the phase for the host: the next beat posts at once. */
  reset(): void {
    this.last = null;
  }
}
