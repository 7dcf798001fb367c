// A promise of user code rejected and nothing handled it. Node would format the reason itself,
// outside any timed call, so a reason whose toString never returns would hang the thread for good.
// Formatted here instead, timed as a call of the layer whose code ran last, then thrown as an
// ordinary error that ends the thread with that text.
import type { CallClock } from '../call-clock';
import { reason } from '../engine/layers/custom';

/** Ends the thread on an unhandled rejection with the reason as text, formatted under `clock`. */
export function failOnUnhandledRejection(clock: CallClock): void {
  process.on('unhandledRejection', (why: unknown) => {
    const last = clock.latest();
    if (last) clock.enter(last.layer, last.kind);
    const text = reason(why);
    clock.leave();
    throw new Error(text);
  });
}
