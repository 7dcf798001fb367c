// The side view's training section: the run of the spec on show, compact (status, first NaN, loss
// curve and gradient-flow bands; no scrubber, no heatmaps). It follows the same message stream as
// the Train panel, wrapped in the side view's 'train' messages.
import { TrainCharts, flowLegend } from '../shared/charts';
import { h } from '../shared/dom';
import { applyTrainMessage, emptyTrainModel, nonFiniteShort, readTrainMessage, type TrainModel } from '../shared/train-state';
import { StatusLine, nonFiniteText } from '../shared/train-status';
import { t } from '../shared/strings';

/** The training section at the top of the side view; hidden until a run arrives. */
export class TrainSection {
  readonly element: HTMLElement;
  private model: TrainModel = emptyTrainModel();
  private readonly charts: TrainCharts;
  private readonly status = new StatusLine(() => this.model);
  private readonly spec = h('div', { class: 'train-side-spec' });
  private readonly nan = h('p', { class: 'side-nan', role: 'alert', hidden: true });
  private readonly alert = h('p', { class: 'side-failed', role: 'alert', hidden: true });
  private readonly flowTitle = h('h3', { class: 'train-side-flow' }, t('Gradient flow over steps'));

  constructor(private readonly onReveal: (index: number) => void) {
    this.charts = new TrainCharts(() => this.model, { loss: 110, accuracy: 0, flow: 90 }, onReveal, false);
    this.element = h(
      'section',
      { class: 'side-section train-side', 'aria-labelledby': 'bl-side-train', hidden: true },
      h('div', { class: 'section-header' }, h('h3', { id: 'bl-side-train' }, t('Training'))),
      this.spec,
      this.status.element,
      this.alert,
      this.nan,
      this.charts.loss.element,
      this.flowTitle,
      flowLegend(),
      this.charts.flowList,
    );
    // VS Code swaps the body's theme class on a theme change.
    new MutationObserver(() => this.charts.restyle()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** Handles one training-view message (the payload of a 'train' side-view message). */
  receive(data: unknown): void {
    const msg = readTrainMessage(data);
    if (!msg) return;
    const change = applyTrainMessage(this.model, msg);
    if (change === 'nothing') return;
    this.element.hidden = false;
    switch (change) {
      case 'everything':
        this.spec.textContent = this.model.title;
        this.spec.title = this.model.title;
        this.charts.layout();
        // A comparison's bands here are its first variant's (the Train panel picks among them).
        this.flowTitle.textContent = this.model.info?.compare ? `${t('Gradient flow over steps')} · ${this.model.info.compare.variants[this.model.variant]}` : t('Gradient flow over steps');
        this.renderNonFinite();
        return this.renderStatus();
      case 'progress':
        this.charts.progressed();
        // Until the host's first position, the status line follows the curves.
        if (!this.model.position) this.status.soon();
        return;
      case 'position':
        return this.status.now();
      case 'nonFinite':
        this.renderNonFinite();
        return this.renderStatus();
      case 'status':
        // A stopped run's x axis ends at its last step.
        this.charts.layout();
        return this.renderStatus();
      default:
        // Evaluations, snapshots: the side view has no accuracy chart, no scrubber.
        return;
    }
  }

  /** The spec on show has no training run: hide the section and forget the old run. */
  hide(): void {
    this.element.hidden = true;
    this.model = emptyTrainModel();
    this.charts.mark({ nonFinite: null });
    this.charts.layout();
  }

  private renderStatus(): void {
    this.status.now();
    const s = this.model.status;
    this.alert.textContent = s?.state === 'failed' ? s.message : '';
    this.alert.hidden = s?.state !== 'failed';
  }

  private renderNonFinite(): void {
    const at = this.model.nonFinite;
    this.nan.hidden = at === null;
    this.charts.mark({ nonFinite: at && { step: at.step, label: nonFiniteShort(at) } });
    this.nan.replaceChildren(...(at ? nonFiniteText(at, this.onReveal) : []));
  }
}
