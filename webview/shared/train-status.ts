// The parts of a training view's text shared by the Train panel and the side view: the status line
// and the first-NaN callout.
import type { NonFiniteAt } from '../../src/protocol';
import { fmtCount } from '../../src/format';
import { h } from './dom';
import { t, tParts } from './strings';
import { nonFiniteWhere, statusOf, type TrainModel } from './train-state';

/** Least time between two refreshes of the status line while progress streams in (ms). */
const STATUS_GAP_MS = 500;

/** The status line (role=status). Progress refreshes it at most every STATUS_GAP_MS, so a screen reader is not flooded. */
export class StatusLine {
  /** The line. */
  readonly element = h('span', { class: 'status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  private shownAt = -Infinity;
  private timer = 0;

  constructor(private readonly model: () => TrainModel) {}

  /** Shows the status now. */
  now(): void {
    clearTimeout(this.timer);
    this.timer = 0;
    this.shownAt = performance.now();
    const { text, tone } = statusOf(this.model());
    this.element.textContent = text;
    this.element.className = `status ${tone}`;
  }

  /** Shows the status now, or once STATUS_GAP_MS has passed since the last time. */
  soon(): void {
    if (this.timer) return;
    const wait = this.shownAt + STATUS_GAP_MS - performance.now();
    if (wait <= 0) this.now();
    else this.timer = window.setTimeout(() => this.now(), wait);
  }
}

/** "First NaN at step 3,001: Affine2 dW (forward was finite)", the layer name a button that reveals it. */
export function nonFiniteText(at: NonFiniteAt, onReveal: (index: number) => void): (string | Node)[] {
  const layer = h('button', { class: 'link-button nan-layer', type: 'button', title: t('Reveal {0} in the spec', at.layer) }, at.layer);
  layer.addEventListener('click', () => onReveal(at.index));
  return tParts('First {0} at step {1}: {2} {3} ({4})', at.value, fmtCount(at.step), layer, at.tensor, nonFiniteWhere(at));
}
