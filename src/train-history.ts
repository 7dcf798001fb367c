// A training run's curves with bounded memory, shared by the host (which replays them to a page that
// joins late) and the training views. A curve that reaches its capacity is thinned by half: loss
// points merge in pairs (their mean, at the later step), flow samples keep every other one, and from
// then on each new point takes twice as many samples (its last point fills up before a new one
// starts). So a 100,000-step run holds at most `capacity` points per curve, evenly spread over the
// whole run, each loss point the exact mean of its steps. The host also keeps a fixed number of
// snapshots (SnapshotRing): the run's first few and a ring of the latest.
import { FLOW_PERCENTILES, type CurveFill, type TrainEval, type TrainHistoryWire, type TrainProgress, type TrainSnapshot } from './protocol';

/** Points each curve holds before it is thinned. */
export const HISTORY_CAPACITY = 2048;

/** A growable pair of Float64 columns (step, values) with a fixed capacity in rows. */
class Curve {
  /** Step of each row (the last sample's). */
  readonly steps: Float64Array;
  /** Values, `width` per row. */
  readonly values: Float64Array;
  /** Rows in use. */
  length = 0;
  /** Samples per full row: 1, doubled by each thinning. */
  stride = 1;
  /** Samples in the last row (1..stride); it takes more before a new row starts. */
  last = 0;

  constructor(
    /** Values per row. */
    readonly width: number,
    /** Rows before thinning. */
    readonly capacity: number,
    /** True: a row is the mean of its samples (loss); false: its latest sample (percentiles). */
    private readonly mean: boolean,
  ) {
    this.steps = new Float64Array(capacity);
    this.values = new Float64Array(capacity * width);
  }

  push(step: number, values: ArrayLike<number>, offset: number): void {
    const w = this.width;
    if (this.length === this.capacity && this.last === this.stride) this.halve();
    if (this.length > 0 && this.last < this.stride) {
      // The last row is still filling: fold the sample in.
      const row = (this.length - 1) * w;
      const n = this.last;
      for (let k = 0; k < w; k++) this.values[row + k] = this.mean ? (this.values[row + k] * n + values[offset + k]) / (n + 1) : values[offset + k];
      this.steps[this.length - 1] = step;
      this.last++;
      return;
    }
    this.steps[this.length] = step;
    for (let k = 0; k < w; k++) this.values[this.length * w + k] = values[offset + k];
    this.length++;
    this.last = 1;
  }

  /** Rows 2i and 2i+1 (both full) become row i, which holds twice the samples. */
  private halve(): void {
    const w = this.width;
    const half = this.length >> 1;
    for (let i = 0; i < half; i++) {
      this.steps[i] = this.steps[2 * i + 1];
      for (let k = 0; k < w; k++) {
        const a = this.values[2 * i * w + k];
        const b = this.values[(2 * i + 1) * w + k];
        this.values[i * w + k] = this.mean ? (a + b) / 2 : b;
      }
    }
    this.stride *= 2;
    this.last = this.stride;
    // An odd last row stays as it is: half full at the new stride.
    if (this.length % 2 === 1) {
      this.steps[half] = this.steps[this.length - 1];
      for (let k = 0; k < w; k++) this.values[half * w + k] = this.values[(this.length - 1) * w + k];
      this.length = half + 1;
      this.last = this.stride / 2;
    } else this.length = half;
  }

  /** Copies of the rows in use, and how the curve fills. */
  wire(): { steps: ArrayBuffer; values: ArrayBuffer; fill: CurveFill } {
    return { steps: this.steps.slice(0, this.length).buffer, values: this.values.slice(0, this.length * this.width).buffer, fill: { stride: this.stride, last: this.last } };
  }

  /** Takes the rows of a wire form, each a full row at `fill`'s stride but the last. */
  load(steps: Float64Array, values: Float64Array, fill: CurveFill | undefined): void {
    const stride = fill?.stride ?? 1;
    this.stride = stride;
    for (let i = 0; i < steps.length; i++) {
      // A sender with a larger capacity: thin as rows come.
      if (this.length === this.capacity) this.halve();
      this.steps[this.length] = steps[i];
      for (let k = 0; k < this.width; k++) this.values[this.length * this.width + k] = values[i * this.width + k];
      this.length++;
      this.last = this.stride;
    }
    if (this.length > 0 && this.stride === stride) this.last = Math.min(stride, Math.max(1, fill?.last ?? stride));
  }
}
/** The loss curve, the gradient-flow samples and every evaluation of one training run. */
export class TrainHistory {
  /** Minibatch loss per step (thinned). */
  readonly loss: Curve;
  /** |grad| percentiles per flow layer per sample (thinned). */
  readonly flow: Curve;
  /** Every evaluation, in order (a run has few: one per epoch or per N steps). */
  readonly evals: TrainEval[] = [];

  /** An empty history for `flowLayers` flow layers. */
  constructor(
    /** Number of layers the flow bands follow. */
    readonly flowLayers: number,
    capacity = HISTORY_CAPACITY,
  ) {
    this.loss = new Curve(1, capacity, true);
    this.flow = new Curve(flowLayers * FLOW_PERCENTILES.length, capacity, false);
  }

  /** Appends one progress message's losses and flow sample. */
  add(p: TrainProgress): void {
    const steps = new Float64Array(p.lossSteps);
    const losses = new Float64Array(p.losses);
    for (let i = 0; i < steps.length; i++) this.loss.push(steps[i], losses, i);
    const flow = new Float64Array(p.flow);
    if (flow.length === this.flow.width && this.flow.width > 0) this.flow.push(p.flowStep, flow, 0);
  }

  /** The whole history as buffers (copies: the history goes on growing). */
  wire(): TrainHistoryWire {
    const loss = this.loss.wire();
    const flow = this.flow.wire();
    return { lossSteps: loss.steps, losses: loss.values, flowSteps: flow.steps, flow: flow.values, evals: [...this.evals], lossFill: loss.fill, flowFill: flow.fill };
  }

  /** A history rebuilt from its wire form; it goes on thinning as the original would. */
  static from(wire: TrainHistoryWire, flowLayers: number, capacity = HISTORY_CAPACITY): TrainHistory {
    const h = new TrainHistory(flowLayers, capacity);
    h.loss.load(new Float64Array(wire.lossSteps), new Float64Array(wire.losses), wire.lossFill);
    if (h.flow.width > 0) h.flow.load(new Float64Array(wire.flowSteps), new Float64Array(wire.flow), wire.flowFill);
    h.evals.push(...wire.evals);
    return h;
  }
}

/** Share of a SnapshotRing kept for the run's first snapshots, so the latest can be compared with the start. */
export const EARLY_SHARE = 1 / 5;

/**
 * At most `capacity` snapshots of a run, oldest first: its first ones (EARLY_SHARE of the capacity,
 * rounded down) are kept for good, and the rest is a ring of the latest, older ones dropped as new
 * ones come.
 */
export class SnapshotRing {
  /** How many of the first snapshots are kept for good. */
  readonly early: number;
  /** The first snapshots, in order. */
  private readonly first: TrainSnapshot[] = [];
  /** The ring's slots; `start` is the oldest. */
  private readonly slots: (TrainSnapshot | undefined)[];
  /** Index of the ring's oldest snapshot. */
  private start = 0;
  /** Snapshots in the ring. */
  private held = 0;

  /** Room for `capacity` (≥ 1) snapshots. */
  constructor(readonly capacity: number) {
    const room = Math.max(1, Math.floor(capacity));
    this.early = Math.floor(room * EARLY_SHARE);
    this.slots = new Array<TrainSnapshot | undefined>(room - this.early);
  }

  /** Snapshots held. */
  get size(): number {
    return this.first.length + this.held;
  }

  /** Keeps `s`: among the first while there is room for them, else in the ring, dropping its oldest when full. */
  push(s: TrainSnapshot): void {
    if (this.first.length < this.early) {
      this.first.push(s);
      return;
    }
    const n = this.slots.length;
    if (this.held < n) this.slots[(this.start + this.held++) % n] = s;
    else {
      this.slots[this.start] = s;
      this.start = (this.start + 1) % n;
    }
  }

  /** Steps held, oldest first. */
  steps(): number[] {
    return this.all().map((s) => s.step);
  }

  /** The snapshot of `step`, or null when it is not (or no longer) held. */
  get(step: number): TrainSnapshot | null {
    return this.all().find((s) => s.step === step) ?? null;
  }

  /** Bytes of tensor data held. */
  bytes(): number {
    let sum = 0;
    for (const s of this.all()) {
      for (const e of s.events) {
        if (e.kind === 'forward') sum += e.activation.buffer.byteLength + (e.mask?.buffer.byteLength ?? 0) + e.params.reduce((a, p) => a + p.value.buffer.byteLength, 0);
        else if (e.kind === 'loss') sum += e.prediction.buffer.byteLength;
        else if (e.kind === 'backward') sum += e.dout.buffer.byteLength + e.dx.buffer.byteLength + e.grads.reduce((a, g) => a + g.grad.buffer.byteLength, 0);
      }
    }
    return sum;
  }

  /** Held snapshots, oldest first. */
  private all(): TrainSnapshot[] {
    const n = this.slots.length;
    return [...this.first, ...Array.from({ length: this.held }, (_, i) => this.slots[(this.start + i) % n] as TrainSnapshot)];
  }
}

/** Where a comparison's overall step (variants one after another, `iterations` each) falls: the variant and its own step. */
export function variantAt(overall: number, iterations: number, variants: number): { variant: number; step: number } {
  if (iterations <= 0 || overall <= 0) return { variant: 0, step: 0 };
  const variant = Math.min(variants - 1, Math.floor((overall - 1) / iterations));
  return { variant, step: overall - variant * iterations };
}
