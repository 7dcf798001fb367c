// One training run on the host side: its job on the engine client, its bounded history and snapshot
// ring, and the views that follow it. Pure Node (no vscode), so tests drive it with a real worker.
// The host keeps everything a view shows, so a view that opens late, or reloads, gets the whole run,
// and nothing is lost when the run is cancelled: cancel ends the worker at once and keeps what arrived.
// Of the newest snapshots it also keeps the big batches of images whole, for a view that asks a sample.
import type { UserCodeLayer } from '../call-clock';
import { inEnglish, type Sentence } from '../message';
import type { HostToTrainView, NonFiniteAt, SampleRef, TrainInfo, TrainStatus } from '../protocol';
import type { Problem } from '../spec/model';
import { SnapshotRing, TrainHistory } from '../train-history';
import type { EngineClient, EngineJob, JobMessage, JobRequest, SpecText } from './engine-client';
import { HeldBatches } from './held-batches';
import { hostMessage } from './host-messages';

/**
 * Least time between two changes of a run's shown position (ms): the Train panel, the side view and
 * the notification all show that one position, so they agree, and a screen reader reading the
 * status line is not flooded.
 */
export const POSITION_GAP_MS = 500;

/**
 * Least time between two progress messages of a training (ms). The charts redraw at most five times
 * a second, so more would only cost the host, the websocket and the webview's renderer.
 */
export const TRAIN_UPDATE_MS = 100;

/** Defaults of the backprop.training.* settings (package.json says the same; a test checks). */
export const TRAINING_DEFAULTS = { snapshotEvery: 100, snapshots: 30 } as const;

/** Where training messages go: the Train panel, the side view. */
export interface TrainView {
  /** Delivers one message. */
  post(msg: HostToTrainView): void;
}

/** What a session needs besides its request. */
export interface SessionOptions {
  /** Snapshots the ring keeps. */
  ringSize: number;
  /** The spec's layers, naming user code that overran. */
  layers: readonly UserCodeLayer[];
  /** Hears the spec's problems (for the Problems view). */
  onProblems(problems: Problem[]): void;
  /** A sentence as the views show it: in the display language (the host's said()); English when not given. */
  say?(sentence: Sentence): string;
}

/** Where the run is, for progress notifications and the status bar. */
export interface TrainPosition {
  /** Updates done. */
  step: number;
  /** Updates planned (0 before the start event). */
  iterations: number;
  /** Ms since the run began. */
  elapsedMs: number;
  /** A debugged training stopped in `step`: where (`forward Affine1`), until the run goes on. */
  paused?: string;
}

/** How a session gets its job: started with the session's receiver of the job's messages. */
export type TrainJobStart = (receive: (msg: JobMessage) => void) => EngineJob;

/** A TrainSession's start: training `spec` as `request` says, in a worker of its own. */
export function trainJob(engine: EngineClient, spec: SpecText, request: Extract<JobRequest, { type: 'train' }>, uri: string, layers: readonly UserCodeLayer[]): TrainJobStart {
  return (receive) => engine.start(`train ${uri}`, spec, request, layers, receive);
}

/** One training run of one spec. */
export class TrainSession {
  /** Static facts, from the worker's start event. */
  info: TrainInfo | null = null;
  /** Curves and evaluations: one per variant in a comparison, else one. */
  histories: TrainHistory[] = [];
  /** The latest snapshots. */
  readonly ring: SnapshotRing;
  /** The big batches of images of the newest snapshots, whole. */
  readonly held = new HeldBatches();
  /** The first NaN/Inf, if one appeared. */
  nonFinite: NonFiniteAt | null = null;
  /** Running, or how it ended. */
  status: TrainStatus = { state: 'running' };
  /** Where the run is as every view shows it: updated at most every POSITION_GAP_MS, and at the end. */
  readonly position: TrainPosition = { step: 0, iterations: 0, elapsedMs: 0 };
  /** The latest progress's step and time, ahead of `position` by up to POSITION_GAP_MS. */
  private readonly latest = { step: 0, elapsedMs: 0 };
  private positionAt = -Infinity;
  private readonly positionListeners = new Set<(p: TrainPosition) => void>();
  /** Settles with the final status. */
  readonly ended: Promise<TrainStatus>;
  /** Settles once the worker thread is gone (after the end, it is released). */
  readonly exited: Promise<void>;
  private settle!: (s: TrainStatus) => void;
  private markExited!: () => void;
  private readonly job: EngineJob;
  private readonly views = new Set<TrainView>();

  /**
   * Follows the job `start` starts with the session's receiver: a train job in a worker of its own
   * (trainJob), or a debug job training under the debugger, whose 'train' messages it hears.
   */
  constructor(
    start: TrainJobStart,
    /** Title for views (the spec's file name). */
    readonly title: string,
    /** The spec's URI, which views save for restore. */
    readonly uri: string,
    private readonly options: SessionOptions,
  ) {
    this.ring = new SnapshotRing(options.ringSize);
    this.ended = new Promise((resolve) => (this.settle = resolve));
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    this.job = start((msg) => this.receive(msg));
    void this.job.ended.then((end) => {
      // A debug session stopped (a train job's cancel ends the session first).
      if (end.status === 'cancelled') this.cancel();
      if (end.status === 'problems') {
        const [error, ...more] = end.errors;
        this.end({ state: 'failed', message: this.say(more.length > 0 ? hostMessage('host.train.specErrors.more', { error, more: String(more.length) }) : hostMessage('host.train.specErrors', { error })) });
      } else if (end.status === 'failed') this.end({ state: 'failed', message: this.say(end) });
      else if (end.status === 'finished') this.end({ state: 'failed', message: this.say(hostMessage('host.train.noResult')) });
    });
  }

  /** The curves and evaluations of the run (of the last variant in a comparison); null before the start. */
  get history(): TrainHistory | null {
    return this.histories.at(-1) ?? null;
  }

  /** `sentence` as the views show it. */
  private say(sentence: Sentence): string {
    return (this.options.say ?? inEnglish)(sentence);
  }

  /** The run's id. */
  get runId(): number {
    return this.job.runId;
  }

  /** True while training goes on. */
  get running(): boolean {
    return this.status.state === 'running';
  }

  /** Adds a view and sends it the whole run so far. */
  attach(view: TrainView): void {
    this.views.add(view);
    for (const msg of this.replay()) view.post(msg);
  }

  /** Calls `listener` whenever the shown position changes; returns the unsubscribe. */
  onPosition(listener: (p: TrainPosition) => void): () => void {
    this.positionListeners.add(listener);
    return () => this.positionListeners.delete(listener);
  }

  /** Stops sending to `view`. */
  detach(view: TrainView): void {
    this.views.delete(view);
  }

  /** Sends `view` the snapshot of `step`, if the ring still holds it. */
  sendSnapshot(view: TrainView, step: number): void {
    const snapshot = this.ring.get(step);
    if (snapshot) view.post({ type: 'trainSnapshot', runId: this.runId, snapshot });
  }

  /** Sends `view` sample `sample` of `ref` (a snapshot's batch tensor), or why it cannot. */
  sendSample(view: TrainView, ref: SampleRef, sample: number): void {
    const say = (s: Sentence) => this.say(s);
    const answer = ref.step !== undefined && this.ring.get(ref.step) ? this.held.sample(ref, sample, say) : { error: say(hostMessage('host.sample.notKept', { sample: String(sample), step: String(ref.step ?? '?') })) };
    view.post({ type: 'sample', runId: this.runId, ref, sample, answer });
  }

  /** The debugger stopped this training in step `step`, at `where`: every view shows it paused there until the run goes on. */
  pause(step: number, where: string): void {
    if (this.running) this.moveTo(step, this.latest.elapsedMs, where);
  }

  /** Stops the run now; what arrived before is kept. */
  cancel(): void {
    if (!this.running) return;
    this.moveTo(this.latest.step, this.latest.elapsedMs);
    this.end({ state: 'cancelled', step: this.position.step, elapsedMs: this.position.elapsedMs });
  }

  /** The messages that bring a new view up to date. */
  private replay(): HostToTrainView[] {
    const runId = this.runId;
    const out: HostToTrainView[] = [{ type: 'trainReset', runId, title: this.title, uri: this.uri }];
    if (this.info && this.histories.length > 0) {
      out.push({ type: 'trainStart', runId, info: this.info });
      const compared = this.info.compare !== undefined;
      this.histories.forEach((h, variant) => out.push({ type: 'trainHistory', runId, history: h.wire(), ...(compared && { variant }) }));
      out.push({ type: 'trainSnapshots', runId, steps: this.ring.steps() });
      if (this.position.step > 0) out.push({ type: 'trainPosition', runId, ...this.position });
    }
    if (this.nonFinite) out.push({ type: 'trainNonFinite', runId, at: this.nonFinite });
    out.push({ type: 'trainStatus', runId, status: this.status });
    return out;
  }

  private broadcast(msg: HostToTrainView): void {
    for (const v of this.views) v.post(msg);
  }

  private receive(msg: JobMessage): void {
    if (!this.running) return;
    if (msg.type === 'problems') this.options.onProblems(msg.problems);
    if (msg.type !== 'train') return;
    const runId = this.runId;
    const e = msg.event;
    switch (e.kind) {
      case 'start':
        this.info = e.info;
        this.histories = Array.from({ length: e.info.compare?.variants.length ?? 1 }, () => new TrainHistory(e.info.flowLayers.length));
        // A comparison's position counts the steps of every variant, one after another.
        this.position.iterations = e.info.iterations * this.histories.length;
        this.broadcast({ type: 'trainStart', runId, info: e.info });
        this.histories.forEach((h, variant) => this.broadcast({ type: 'trainHistory', runId, history: h.wire(), ...(e.info.compare && { variant }) }));
        return;
      case 'progress': {
        const variant = e.progress.variant ?? 0;
        this.histories[variant]?.add(e.progress);
        this.latest.step = variant * (this.info?.iterations ?? 0) + e.progress.step;
        this.latest.elapsedMs = e.progress.elapsedMs;
        this.broadcast({ type: 'trainProgress', runId, progress: e.progress });
        if (performance.now() - this.positionAt >= POSITION_GAP_MS) this.moveTo(this.latest.step, e.progress.elapsedMs);
        return;
      }
      case 'eval':
        this.histories[e.eval.variant ?? 0]?.evals.push(e.eval);
        this.broadcast({ type: 'trainEval', runId, eval: e.eval });
        return;
      case 'snapshot':
        this.ring.push(e.snapshot);
        if (msg.held) this.held.hold(e.snapshot.step, msg.held);
        this.broadcast({ type: 'trainSnapshots', runId, steps: this.ring.steps() });
        return;
      case 'nonFinite':
        this.nonFinite = e.at;
        this.broadcast({ type: 'trainNonFinite', runId, at: e.at });
        return;
      case 'done':
        this.moveTo(e.step, e.elapsedMs);
        this.end({ state: e.reason, step: e.step, elapsedMs: e.elapsedMs });
        return;
    }
  }

  /** Moves the shown position (paused at `paused`, or going) and tells every view and listener. */
  private moveTo(step: number, elapsedMs: number, paused?: string): void {
    this.positionAt = performance.now();
    if (step === this.position.step && paused === this.position.paused) return;
    this.position.step = step;
    this.position.elapsedMs = elapsedMs;
    if (paused === undefined) delete this.position.paused;
    else this.position.paused = paused;
    this.broadcast({ type: 'trainPosition', runId: this.runId, step, elapsedMs, ...(paused !== undefined && { paused }) });
    for (const listener of this.positionListeners) listener(this.position);
  }

  /** Settles the run once: ends the worker and tells every view. */
  private end(status: TrainStatus): void {
    if (!this.running) return;
    this.status = status;
    void this.job.release().then(this.markExited);
    this.broadcast({ type: 'trainStatus', runId: this.runId, status });
    this.settle(status);
  }
}
