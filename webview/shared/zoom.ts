// Heatmap zoom shared by the panel and the side view: − / 100% / + buttons, the +, −, = and 0 keys.
import { h } from './dom';
import { t } from './strings';

/** Zoom steps for heatmaps. */
export const ZOOMS = [0.25, 0.5, 1, 2, 4, 8];

/** `saved` when it is one of ZOOMS (state may come from an older version), else 1. */
export function readZoom(saved: unknown): number {
  return typeof saved === 'number' && ZOOMS.includes(saved) ? saved : 1;
}

/** The zoom buttons and keys; tells the view each new zoom. */
export class ZoomControl {
  /** The button group. */
  readonly element: HTMLElement;
  private readonly label = h('button', { class: 'button secondary zoom-level', type: 'button', title: t('Reset zoom (0)') });

  constructor(
    private current: number,
    private readonly onChange: (zoom: number) => void,
  ) {
    const zoomOut = h('button', { class: 'button secondary icon', type: 'button', title: t('Zoom out (−)'), 'aria-label': t('Zoom out') }, '−');
    const zoomIn = h('button', { class: 'button secondary icon', type: 'button', title: t('Zoom in (+)'), 'aria-label': t('Zoom in') }, '+');
    zoomOut.addEventListener('click', () => this.by(-1));
    zoomIn.addEventListener('click', () => this.by(1));
    this.label.addEventListener('click', () => this.set(1));
    this.element = h('div', { class: 'zoom', role: 'group', 'aria-label': t('Heatmap zoom') }, zoomOut, this.label, zoomIn);
    this.label.textContent = `${current * 100}%`;
  }

  /** The current zoom. */
  get zoom(): number {
    return this.current;
  }

  /** Zooms with +, = and − and resets with 0 while focus is inside `area`. */
  listen(area: HTMLElement): void {
    area.addEventListener('keydown', (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const step = e.key === '+' || e.key === '=' ? 1 : e.key === '-' ? -1 : 0;
      if (step) this.by(step);
      else if (e.key === '0') this.set(1);
      else return;
      e.preventDefault();
    });
  }

  /** Moves `steps` steps along ZOOMS, stopping at either end. */
  by(steps: number): void {
    const i = ZOOMS.indexOf(this.current);
    this.set(ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, i + steps))]);
  }

  /** Sets the zoom; tells the view only when it changed. */
  set(zoom: number): void {
    if (zoom === this.current) return;
    this.current = zoom;
    this.label.textContent = `${zoom * 100}%`;
    this.onChange(zoom);
  }
}
