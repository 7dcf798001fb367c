// The training charts, drawn by uPlot: the loss curve, train/test accuracy, and per flow layer the
// percentile bands of |grad| over steps (after TensorBoard's distributions). Colours and font come
// from the theme's CSS variables; data is pushed to uPlot on the page's paint clock (paintSoon).
import uPlot from 'uplot';
import { FLOW_PERCENTILES } from '../../src/protocol';
import { fmt, fmtCount } from '../../src/format';
import { h } from './dom';
import { t } from './strings';
import { decadeLabel, decadeRange, decadeTicks, spansDecades } from './log-axis';
import { isRunning, type TrainModel } from './train-state';
import { smoothCurve } from '../../src/smooth-curve';

/** Chart colours and fonts, read from the theme. */
interface Palette {
  /** Axis values. */
  muted: string;
  /** Grid and tick lines. */
  grid: string;
  /** Canvas font of axis values (CSS px; uPlot scales it). */
  font: string;
  /** Font family, for the marker labels drawn at device pixels. */
  family: string;
  /** Loss line and train accuracy. */
  blue: string;
  /** Test accuracy. */
  orange: string;
  /** Flow bands and median. */
  flow: string;
  /** The NaN/Inf marker. */
  bad: string;
  /** The scrubbed-step marker. */
  cursor: string;
  /** One colour per variant of a comparison, in turn. */
  variants: string[];
}

/** Width of every y axis (CSS px), so stacked charts share their x positions. */
const Y_AXIS_W = 50;

const scratch = document.createElement('canvas').getContext('2d');

/** `color` (any CSS colour) at opacity `a`, as rgba(). */
function withAlpha(color: string, a: number): string {
  if (!scratch) return color;
  scratch.fillStyle = '#808080';
  scratch.fillStyle = color;
  // The canvas normalises a colour to #rrggbb, or to rgba() when it is translucent.
  const c = String(scratch.fillStyle);
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c) ?? /^rgba?\((\d+), (\d+), (\d+)/.exec(c);
  if (!m) return color;
  const [r, g, b] = m.slice(1, 4).map((x) => (c.startsWith('#') ? parseInt(x, 16) : Number(x)));
  return `rgba(${r}, ${g}, ${b}, ${a})`;
}

function readPalette(): Palette {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  const fg = v('--vscode-foreground', '#cccccc');
  const family = v('--vscode-font-family', 'sans-serif');
  return {
    muted: v('--vscode-descriptionForeground', fg),
    grid: v('--vscode-editorWidget-border', '') || withAlpha(fg, 0.14),
    font: `11px ${family}`,
    family,
    blue: v('--vscode-charts-blue', '#3794ff'),
    orange: v('--vscode-charts-orange', '#d18616'),
    flow: v('--vscode-charts-blue', '#3794ff'),
    bad: v('--vscode-charts-red', '#f14c4c'),
    // The text colour: the curves are blue, so a blue marker would vanish into them.
    cursor: withAlpha(fg, 0.75),
    variants: [
      v('--vscode-charts-blue', '#3794ff'),
      v('--vscode-charts-orange', '#d18616'),
      v('--vscode-charts-green', '#89d185'),
      v('--vscode-charts-purple', '#b180d7'),
      v('--vscode-charts-red', '#f14c4c'),
      v('--vscode-charts-yellow', '#cca700'),
    ],
  };
}

/** The colour of variant `i` of a comparison in the current theme (the loss chart's line, the table's swatch). */
export function variantColour(i: number): string {
  const colours = readPalette().variants;
  return colours[i % colours.length];
}

/** A step count as an axis label: 3,000, then 12k, 1.5M. */
function stepLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${fmt(v / 1e6)}M`;
  if (a >= 1e4) return `${fmt(v / 1e3)}k`;
  return fmtCount(v);
}

/** Least room between two labels of a log axis (CSS px): a label is ~11 px high. */
const LOG_LABEL_GAP = 16;

/**
 * A log y axis is a linear one over log10 of the values (drawable puts them there), ticked and
 * labelled at whole decades (decadeTicks says which). uPlot's own log axis draws no label at all once
 * a value passes 10¹⁷, as a diverging loss does.
 */
const logAxis: Pick<uPlot.Axis, 'splits' | 'values'> = {
  splits: (u, _axis, min, max) => decadeTicks(min, max, u.bbox.height / uPlot.pxRatio, LOG_LABEL_GAP),
  values: (_u, splits) => splits.map(decadeLabel),
};

/** The scale of a log y axis: exponents, over whole decades. */
const logScale: uPlot.Scale = { range: (_u, min, max) => decadeRange(min, max) };

/**
 * Finite values as they are, the rest as gaps; on a log scale their log10, with zeros and negatives
 * at the smallest positive value's.
 */
function drawable(values: ArrayLike<number>, log: boolean): (number | null)[] {
  let floor = Infinity;
  if (log) for (let i = 0; i < values.length; i++) if (values[i] > 0 && values[i] < floor && Number.isFinite(values[i])) floor = values[i];
  const out: (number | null)[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) out[i] = null;
    else if (!log) out[i] = v;
    else out[i] = v > 0 ? Math.log10(v) : floor === Infinity ? null : Math.log10(floor);
  }
  return out;
}

/**
 * Least time between two redraws of a chart with new data (ms). Progress arrives up to 10 times a
 * second; drawing every chart at 30 kept the webview's renderer busy ~45% of the time, and at 10
 * the renderer still used as much CPU as the training thread, on a machine where they share 2
 * cores. Five a second still reads as a live curve.
 */
const REDRAW_GAP_MS = 200;

/** Marks drawn over a chart: the step of the first NaN/Inf, with its label, and the scrubbed step. */
export interface Markers {
  /** The first non-finite step and the text beside its line (NaN, +Inf, −Inf). */
  nonFinite: { step: number; label: string } | null;
  /** The step the scrubber shows. */
  cursor: number | null;
}

/**
 * The page's paint clock: the charts' redraws, data or markers, run together in one animation frame,
 * at least REDRAW_GAP_MS after the last. The webview shares its renderer with the whole workbench, and
 * every frame it paints costs the page's layerize and commit (a few ms each), so one frame where
 * there were several saves more than the drawing itself.
 */
const clock = { due: new Set<() => void>(), timer: 0, frame: 0, drawnAt: -Infinity };

/** Runs `paint` in the page's next paint frame (see `clock`); the same function asked for again before then runs once. */
function paintSoon(paint: () => void): void {
  clock.due.add(paint);
  if (clock.frame || clock.timer) return;
  const wait = clock.drawnAt + REDRAW_GAP_MS - performance.now();
  const draw = () => {
    clock.timer = 0;
    clock.frame = requestAnimationFrame(() => {
      clock.frame = 0;
      clock.drawnAt = performance.now();
      const due = [...clock.due];
      clock.due.clear();
      for (const f of due) f();
    });
  };
  if (wait > 0) clock.timer = window.setTimeout(draw, wait);
  else draw();
}

/** One uPlot chart in a figure with an accessible summary and a readout of the hovered (else latest) point. */
abstract class Chart {
  /** The figure: header, plot and readout. */
  readonly element: HTMLElement;
  private readonly host = h('div', { class: 'chart-plot', role: 'img' });
  private readonly readout = h('div', { class: 'chart-readout', 'aria-hidden': 'true' });
  /** New data to draw at the next paint (else only the markers moved). */
  private stale = false;
  /** The chart's share of the page's next paint frame: the page's charts draw in one frame. */
  private readonly paint = () => {
    if (this.stale) this.flush();
    else this.plot?.redraw(false, false);
  };
  private plot: uPlot | null = null;
  private draws = 0;
  private hover: number | null = null;
  private palette = readPalette();
  private markers: Markers = { nonFinite: null, cursor: null };
  private readonly resize: ResizeObserver;

  constructor(
    /** The run the chart draws. */
    protected readonly model: () => TrainModel,
    private readonly height: number,
    className: string,
    header: HTMLElement,
  ) {
    this.element = h('figure', { class: `chart ${className}` }, header, this.host, this.readout);
    this.resize = new ResizeObserver(() => {
      const width = this.host.clientWidth;
      if (this.plot && width > 0 && width !== this.plot.width) this.plot.setSize({ width, height: this.height });
    });
    this.resize.observe(this.host);
    this.invalidate();
  }

  /** uPlot options the chart adds: its series, bands, y scale and y axis values. */
  protected abstract build(p: Palette): { series: uPlot.Series[]; bands?: uPlot.Band[]; y: uPlot.Scale; yAxis?: Pick<uPlot.Axis, 'splits' | 'values'>; points: boolean };
  /** The data to draw now: x (steps), then one array per series. */
  protected abstract data(): uPlot.AlignedData;
  /** Points drawn. */
  protected abstract count(): number;
  /** The accessible summary of what is drawn. */
  protected abstract label(): string;
  /** The values at point `i`, in words. */
  protected abstract at(i: number): string;

  /** Schedules a redraw with fresh data in the page's next paint frame (paintSoon); calls in between coalesce. */
  invalidate(): void {
    this.stale = true;
    paintSoon(this.paint);
  }

  /** Re-reads the theme and redraws from scratch. */
  restyle(): void {
    this.palette = readPalette();
    this.plot?.destroy();
    this.plot = null;
    this.invalidate();
  }

  /** Sets the markers (only those given) and repaints without new data, in the page's next paint frame. */
  mark(markers: Partial<Markers>): void {
    this.markers = { ...this.markers, ...markers };
    if (this.plot) paintSoon(this.paint);
  }

  /** Stops observing and drops the plot. */
  destroy(): void {
    clock.due.delete(this.paint);
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  /** True when the chart must be built anew before this draw (its scale changed); false by default. */
  protected rescaled(): boolean {
    return false;
  }

  private flush(): void {
    this.stale = false;
    if (this.rescaled()) {
      this.plot?.destroy();
      this.plot = null;
    }
    if (this.plot) this.plot.setData(this.data());
    else this.create();
    this.draws++;
    // For tests and for anyone checking how often the chart redraws.
    this.element.dataset.draws = String(this.draws);
    this.element.dataset.points = String(this.count());
    this.host.setAttribute('aria-label', this.label());
    this.showReadout();
  }

  private create(): void {
    const p = this.palette;
    const spec = this.build(p);
    const axis = (more: uPlot.Axis): uPlot.Axis => ({
      stroke: p.muted,
      font: p.font,
      grid: { stroke: p.grid, width: 1 },
      ticks: { stroke: p.grid, width: 1, size: 3 },
      gap: 3,
      ...more,
    });
    this.plot = new uPlot(
      {
        width: this.host.clientWidth || 300,
        height: this.height,
        legend: { show: false },
        cursor: { drag: { x: false, y: false, setScale: false }, y: false, points: { show: spec.points } },
        scales: { x: { time: false, range: (_u, min, max) => this.xRange(min, max) }, y: spec.y },
        axes: [axis({ space: 72, size: 26, values: (_u, splits) => splits.map(stepLabel) }), axis({ size: Y_AXIS_W, space: 22, ...spec.yAxis })],
        series: [{}, ...spec.series],
        bands: spec.bands,
        padding: [8, 22, 0, 0],
        hooks: {
          draw: [(u) => this.drawMarkers(u)],
          setCursor: [
            (u) => {
              this.hover = u.cursor.idx ?? null;
              this.showReadout();
            },
          ],
        },
      },
      this.data(),
      this.host,
    );
  }

  /** While running, steps 0 to the run's last iteration, so the curves grow from left to right; once stopped, to the last step. Stacked charts line up either way. */
  private xRange(_min: number | null, max: number | null): uPlot.Range.MinMax {
    const m = this.model();
    // A comparison's variants each run all iterations, so its axis spans them even when one stopped early.
    return [0, Math.max(isRunning(m) || m.info?.compare ? (m.info?.iterations ?? 0) : m.step, max ?? 0, 1)];
  }

  private showReadout(): void {
    const n = this.count();
    const i = this.hover !== null && this.hover < n ? this.hover : n - 1;
    this.readout.textContent = i >= 0 ? this.at(i) : ' ';
  }

  private drawMarkers(u: uPlot): void {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    const px = uPlot.pxRatio;
    const line = (step: number, color: string, lineWidth: number, dash: number[]): number | null => {
      const x = Math.round(u.valToPos(step, 'x', true));
      if (!(x >= left && x <= left + width)) return null;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.lineWidth = lineWidth * px;
      ctx.setLineDash(dash.map((d) => d * px));
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      ctx.restore();
      return x;
    };
    const { cursor, nonFinite } = this.markers;
    if (cursor !== null) line(cursor, this.palette.cursor, 1.5, []);
    if (nonFinite) {
      const x = line(nonFinite.step, this.palette.bad, 1.5, [4, 3]);
      if (x === null) return;
      ctx.save();
      ctx.fillStyle = this.palette.bad;
      ctx.font = `600 ${Math.round(10 * px)}px ${this.palette.family}`;
      const room = left + width - x;
      ctx.textAlign = room < 36 * px ? 'right' : 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(nonFinite.label, x + (room < 36 * px ? -4 : 4) * px, top + 2 * px);
      ctx.restore();
    }
  }
}

/** Largest |loss| drawn as is: uPlot puts no tick on values of more than 17 integer digits. */
const AXIS_LIMIT = 1e15;

/**
 * The minibatch loss per step, linear or log: log once it spans LOG_FROM_DECADES decades, unless the
 * user chose. In a comparison, one line per variant in its colour, with a legend, and the book's
 * smooth_curve as an option.
 */
export class LossChart extends Chart {
  private log = false;
  /** True once the user set the scale with the toggle: it is no longer chosen for them. */
  private chosen = false;
  private readonly toggle = h('input', { type: 'checkbox', class: 'chart-log' });
  private readonly smoothToggle = h('input', { type: 'checkbox', class: 'chart-smooth' });
  private readonly smoothLabel = h('label', { class: 'chart-toggle', hidden: true, title: t('The book’s smooth_curve: a Kaiser window (β 2) over 11 points') }, this.smoothToggle, t('smooth'));
  private readonly legend = h('span', { class: 'chart-legend', hidden: true });
  /** On the linear axis the loss is drawn in units of this: a power of ten when it exceeds AXIS_LIMIT, else 1; labels undo it. */
  private unit = 1;
  /** The variants the series were built for, as a key ('' for one run). */
  private seriesKey = '';
  /** The x values drawn last (a comparison joins its variants' steps). */
  private drawn: uPlot.AlignedData = [[]];

  constructor(model: () => TrainModel, height: number, withScaleToggle: boolean) {
    const header = h('figcaption', { class: 'chart-header' }, h('span', { class: 'chart-title' }, t('Loss')));
    super(model, height, 'chart-loss', header);
    header.append(this.legend, h('span', { class: 'spacer' }));
    if (withScaleToggle) header.append(this.smoothLabel, h('label', { class: 'chart-toggle' }, this.toggle, t('log scale')));
    this.toggle.addEventListener('change', () => {
      this.chosen = true;
      this.log = this.toggle.checked;
      this.restyle();
    });
    this.smoothToggle.addEventListener('change', () => this.invalidate());
  }

  /** The variants of the run on show; empty for one run. */
  private variants(): string[] {
    return this.model().info?.compare?.variants ?? [];
  }

  /** The curves drawn: every variant's in a comparison, else the run's. */
  private curves(): TrainModel['history']['loss'][] {
    const m = this.model();
    return m.info?.compare ? m.histories.map((h) => h.loss) : [m.history.loss];
  }

  protected override rescaled(): boolean {
    const key = JSON.stringify(this.variants());
    const rebuilt = key !== this.seriesKey;
    this.seriesKey = key;
    if (this.chosen) return rebuilt;
    const log = this.curves().some((c) => spansDecades(c.values.subarray(0, c.length)));
    if (log === this.log) return rebuilt;
    this.log = this.toggle.checked = log;
    return true;
  }

  protected build(p: Palette): ReturnType<Chart['build']> {
    const variants = this.variants();
    this.legend.hidden = variants.length === 0;
    this.smoothLabel.hidden = variants.length === 0;
    this.legend.replaceChildren(
      ...variants.map((label, i) => {
        const swatch = h('span', { class: 'swatch-line' });
        swatch.style.borderTopColor = p.variants[i % p.variants.length];
        return h('span', { class: 'legend-item' }, swatch, label);
      }),
    );
    const series: uPlot.Series[] =
      variants.length === 0
        ? [{ label: 'loss', stroke: p.blue, width: 1.25, points: { show: false } }]
        : variants.map((label, i) => ({ label, stroke: p.variants[i % p.variants.length], width: 1.25, points: { show: false } }));
    return {
      series,
      y: this.log ? logScale : { range: (_u, min, max) => uPlot.rangeNum(Math.min(0, min ?? 0), max ?? 1, 0.1, true) },
      yAxis: this.log ? logAxis : { values: (_u, splits) => splits.map((v) => fmt(v * this.unit)) },
      points: true,
    };
  }

  /** The values of `curve` as drawn: smoothed when asked (in a comparison). */
  private shown(curve: TrainModel['history']['loss']): Float64Array {
    const values = curve.values.subarray(0, curve.length);
    return !this.smoothLabel.hidden && this.smoothToggle.checked ? smoothCurve(values) : values;
  }

  protected data(): uPlot.AlignedData {
    const curves = this.curves();
    const values = curves.map((c) => this.shown(c));
    let top = 0;
    if (!this.log) for (const vs of values) for (const v of vs) if (Number.isFinite(v)) top = Math.max(top, Math.abs(v));
    // A diverging run reaches 1e306 before Infinity; drawn in units of its decade, the axis keeps its labels.
    this.unit = top > AXIS_LIMIT ? Number(`1e${Math.floor(Math.log10(top))}`) : 1;
    const scaled = (vs: Float64Array) => drawable(this.unit === 1 ? vs : vs.map((v) => v / this.unit), this.log);
    const tables: uPlot.AlignedData[] = curves.map((c, i) => [c.steps.slice(0, c.length), scaled(values[i])]);
    // Variants share their steps once done; the one training is shorter (join pads it).
    this.drawn = tables.length === 1 ? tables[0] : uPlot.join(tables);
    return this.drawn;
  }

  protected count(): number {
    return this.drawn[0].length;
  }

  protected label(): string {
    const variants = this.variants();
    const curves = this.curves();
    const longest = curves.reduce((a, c) => (c.length > a.length ? c : a), curves[0]);
    if (!longest || longest.length === 0) return t('Loss curve, no steps yet');
    const steps = longest.steps[longest.length - 1];
    const facts = (...all: (string | false)[]): string => all.filter((f) => f !== false).join(', ');
    if (variants.length > 0) {
      const latest = curves.map((c, i) => `${variants[i]} ${c.length > 0 ? fmt(c.values[c.length - 1]) : t('not started')}`).join(', ');
      const curvesOf = t('Loss curves of {0} variants over {1} steps', fmtCount(variants.length), fmtCount(steps));
      return `${facts(curvesOf, this.smoothToggle.checked && t('smoothed'), this.log && t('log scale'))}; ${t('latest {0}', latest)}`;
    }
    const curve =
      longest.length < steps ? t('Loss curve, {0} steps ({1} points, each the mean of its steps)', fmtCount(steps), fmtCount(longest.length)) : t('Loss curve, {0} steps', fmtCount(steps));
    return facts(curve, t('latest {0}', fmt(longest.values[longest.length - 1])), this.log && t('log scale'));
  }

  protected at(i: number): string {
    const [steps, ...series] = this.drawn;
    const variants = this.variants();
    if (variants.length === 0) {
      const { loss } = this.model().history;
      return `${t('step {0}', fmtCount(loss.steps[i]))} · ${t('loss {0}', fmt(loss.values[i]))}`;
    }
    // The drawn values undo the axis unit and log to read as losses.
    const value = (v: number | null | undefined) => (v === null || v === undefined ? '—' : fmt((this.log ? 10 ** v : v) * this.unit));
    return `${t('step {0}', fmtCount(steps[i] as number))} · ${variants.map((label, k) => `${label} ${value(series[k][i])}`).join(' · ')}`;
  }
}

/** Train and test accuracy at each evaluation; the test line only with a test set. */
export class AccuracyChart extends Chart {
  private readonly testLegend = h('span', { class: 'legend-item legend-test' }, h('span', { class: 'swatch-line swatch-test' }), t('test'));
  private readonly noTest = h('span', { class: 'legend-item legend-no-test', hidden: true }, t('no test set'));

  constructor(model: () => TrainModel, height: number) {
    const header = h('figcaption', { class: 'chart-header' }, h('span', { class: 'chart-title' }, t('Accuracy')), h('span', { class: 'spacer' }));
    super(model, height, 'chart-accuracy', header);
    header.append(h('span', { class: 'legend-item' }, h('span', { class: 'swatch-line swatch-train' }), t('train')), this.testLegend, this.noTest);
  }

  /** Shows the chart only for a run that measures accuracy, and its test legend only with a test set. */
  fit(info: TrainModel['info']): void {
    // A comparison's accuracies are in its table, one row per variant.
    this.element.hidden = info !== null && (!info.measuresAccuracy || info.compare !== undefined);
    const test = !info || info.testRows > 0;
    this.testLegend.hidden = !test;
    this.noTest.hidden = test;
  }

  protected build(p: Palette): ReturnType<Chart['build']> {
    return {
      series: [
        { label: 'train', stroke: p.blue, width: 1.5, points: { show: true, size: 5, fill: p.blue } },
        { label: 'test', stroke: p.orange, width: 1.5, dash: [5, 3], points: { show: true, size: 5, fill: p.orange } },
      ],
      y: { range: [0, 1] },
      yAxis: { values: (_u, splits) => splits.map((v) => `${Math.round(v * 100)}%`) },
      points: true,
    };
  }

  protected data(): uPlot.AlignedData {
    const { evals } = this.model().history;
    return [evals.map((e) => e.step), evals.map((e) => e.trainAcc), evals.map((e) => e.testAcc)];
  }

  protected count(): number {
    return this.model().history.evals.length;
  }

  protected label(): string {
    const { evals } = this.model().history;
    const last = evals.at(-1);
    if (!last) return t('Accuracy, no evaluation yet');
    return evals.length === 1
      ? t('Accuracy, {0} evaluation, latest train {1}, {2}', fmtCount(evals.length), pct(last.trainAcc), test(last.testAcc))
      : t('Accuracy, {0} evaluations, latest train {1}, {2}', fmtCount(evals.length), pct(last.trainAcc), test(last.testAcc));
  }

  protected at(i: number): string {
    const e = this.model().history.evals[i];
    return [t('step {0}', fmtCount(e.step)), t('epoch {0}', fmt(e.epoch)), t('train {0}', pct(e.trainAcc)), test(e.testAcc)].join(' · ');
  }
}

/** An accuracy as a percentage; a dash when it was not measured. */
function pct(f: number | null): string {
  return f === null ? '—' : `${fmt(f * 100)}%`;
}

/** The test accuracy in words: "test 90%", or "no test set". */
function test(f: number | null): string {
  return f === null ? t('no test set') : t('test {0}', pct(f));
}

/** Percentile pairs of the bands, outermost first, as indices into FLOW_PERCENTILES; the median is index 4. */
const BANDS: [number, number][] = [
  [8, 0],
  [7, 1],
  [6, 2],
  [5, 3],
];
const MEDIAN = 4;
/** Opacity of one band; nested bands add up, so the middle is darkest. */
const BAND_ALPHA = 0.2;

/** The legend of the flow bands (their colours in charts.css match the stacked opacities). */
export function flowLegend(): HTMLElement {
  const p = FLOW_PERCENTILES;
  const items: [string, string, string][] = [
    [t('min–max'), 'band-0', t('{0}–{1} percentile', p[0], p[8])],
    ['±1.5σ', 'band-1', t('{0}–{1} percentile', p[1], p[7])],
    ['±1σ', 'band-2', t('{0}–{1} percentile', p[2], p[6])],
    ['±0.5σ', 'band-3', t('{0}–{1} percentile', p[3], p[5])],
  ];
  return h(
    'div',
    { class: 'flow-bands-legend' },
    ...items.map(([text, cls, title]) => h('span', { class: 'legend-item', title }, h('span', { class: `swatch swatch-${cls}` }), text)),
    h('span', { class: 'legend-item' }, h('span', { class: 'swatch-line swatch-median' }), t('median')),
    h('span', { class: 'legend-item flow-scale' }, t('|grad|, log scale')),
  );
}

/** Percentile bands of one flow layer's |grad| over steps, on a log scale. */
export class FlowChart extends Chart {
  constructor(
    model: () => TrainModel,
    height: number,
    /** Position of the layer among TrainInfo.flowLayers. */
    private readonly slot: number,
    /** The layer's name. */
    private readonly layer: string,
    onReveal: () => void,
  ) {
    const name = h('button', { class: 'link-button chart-title', type: 'button', title: t('Reveal {0} in the spec', layer) }, layer);
    name.addEventListener('click', onReveal);
    super(model, height, 'chart-flow', h('figcaption', { class: 'chart-header' }, name, h('span', { class: 'chart-sub' }, t('weight |grad|'))));
    this.element.dataset.layer = layer;
  }

  protected build(p: Palette): ReturnType<Chart['build']> {
    const series: uPlot.Series[] = FLOW_PERCENTILES.map((q, k) => ({
      label: `p${q}`,
      stroke: p.flow,
      width: k === MEDIAN ? 1.5 : 0,
      points: { show: false },
    }));
    const fill = withAlpha(p.flow, BAND_ALPHA);
    // Series 0 is x: percentile k is series k + 1.
    return { series, bands: BANDS.map(([hi, lo]) => ({ series: [hi + 1, lo + 1], fill })), y: logScale, yAxis: logAxis, points: false };
  }

  /** Percentile k of this layer at every sample. */
  private column(k: number): Float64Array {
    const { flow } = this.model().history;
    const out = new Float64Array(flow.length);
    const offset = this.slot * FLOW_PERCENTILES.length + k;
    for (let i = 0; i < flow.length; i++) out[i] = flow.values[i * flow.width + offset];
    return out;
  }

  protected data(): uPlot.AlignedData {
    const { flow } = this.model().history;
    const columns = FLOW_PERCENTILES.map((_, k) => this.column(k));
    // One floor for the whole layer, so a zero percentile sits at the bottom of every band alike.
    const all = drawable(Float64Array.from(columns.flatMap((c) => [...c])), true);
    const n = flow.length;
    return [flow.steps.slice(0, n), ...columns.map((_, k) => all.slice(k * n, (k + 1) * n))];
  }

  protected count(): number {
    return this.model().history.flow.length;
  }

  private valueAt(i: number, k: number): number {
    const { flow } = this.model().history;
    return flow.values[i * flow.width + this.slot * FLOW_PERCENTILES.length + k];
  }

  protected label(): string {
    const n = this.count();
    if (n === 0) return t('Gradient flow of {0}, no samples yet', this.layer);
    const v = (k: number): string => fmt(this.valueAt(n - 1, k));
    return t('Gradient flow of {0}: percentiles of |grad| over {1} samples, log scale; latest median {2}, min {3}, max {4}', this.layer, fmtCount(n), v(MEDIAN), v(0), v(8));
  }

  protected at(i: number): string {
    const { flow } = this.model().history;
    const v = (k: number): string => fmt(this.valueAt(i, k));
    return `${t('step {0}', fmtCount(flow.steps[i]))} · ${t('median {0} · ±1σ {1} to {2} · min {3}, max {4}', v(MEDIAN), v(2), v(6), v(0), v(8))}`;
  }
}

/** Heights of the charts a view shows (CSS px); no accuracy chart when its height is 0. */
export interface ChartSizes {
  /** Loss chart. */
  loss: number;
  /** Accuracy chart, or 0 for none. */
  accuracy: number;
  /** Each flow layer's chart. */
  flow: number;
}

/** The charts of one training view: loss, accuracy (optional) and one flow chart per flow layer. */
export class TrainCharts {
  /** The loss chart. */
  readonly loss: LossChart;
  /** The accuracy chart, when the view has one. */
  readonly accuracy: AccuracyChart | null;
  /** Where the flow charts go. */
  readonly flowList = h('div', { class: 'flow-charts' });
  private flows: FlowChart[] = [];
  /** Flow layers the flow charts were built for, as a key. */
  private flowKey = '';
  private markers: Markers = { nonFinite: null, cursor: null };

  constructor(
    private readonly model: () => TrainModel,
    private readonly sizes: ChartSizes,
    /** A flow chart's layer name was clicked: reveal layer `index` in the spec. */
    private readonly onReveal: (index: number) => void,
    withScaleToggle: boolean,
  ) {
    this.loss = new LossChart(model, sizes.loss, withScaleToggle);
    this.accuracy = sizes.accuracy > 0 ? new AccuracyChart(model, sizes.accuracy) : null;
  }

  /** Every chart. */
  private all(): (LossChart | AccuracyChart | FlowChart)[] {
    return [this.loss, ...(this.accuracy ? [this.accuracy] : []), ...this.flows];
  }

  /** Builds the flow charts anew when the flow layers changed, then redraws everything. */
  layout(): void {
    const layers = this.model().info?.flowLayers ?? [];
    const key = JSON.stringify(layers);
    if (key !== this.flowKey) {
      this.flowKey = key;
      for (const f of this.flows) f.destroy();
      this.flows = layers.map((l, slot) => new FlowChart(this.model, this.sizes.flow, slot, l.name, () => this.onReveal(l.index)));
      for (const f of this.flows) f.mark(this.markers);
      this.flowList.replaceChildren(...this.flows.map((f) => f.element));
    }
    this.accuracy?.fit(this.model().info);
    for (const c of this.all()) c.invalidate();
  }

  /** New progress: the loss and flow charts redraw on the next frame. */
  progressed(): void {
    this.loss.invalidate();
    for (const f of this.flows) f.invalidate();
  }

  /** Another variant of a comparison is on show: the flow charts draw its bands. */
  variantChanged(): void {
    for (const f of this.flows) f.invalidate();
  }

  /** A new evaluation. */
  evaluated(): void {
    this.accuracy?.invalidate();
  }

  /** Sets markers on the loss and flow charts. */
  mark(markers: Partial<Markers>): void {
    this.markers = { ...this.markers, ...markers };
    this.loss.mark(this.markers);
    for (const f of this.flows) f.mark(this.markers);
  }

  /** Re-reads the theme. */
  restyle(): void {
    for (const c of this.all()) c.restyle();
  }
}
