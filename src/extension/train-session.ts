// One training run on the host side: its worker, its bounded history and snapshot ring, and the
// views that follow it. Pure Node (no vscode), so tests drive it with a real worker. The host keeps
// everything a view shows, so a view that opens late, or reloads, gets the whole run, and nothing is
// lost when the run is cancelled: cancel terminates the worker at once and keeps what arrived.
import { Worker } from 'node:worker_threads';
import type { HostToTrainView, HostToWorker, NonFiniteAt, TrainInfo, TrainStatus, WorkerToHost } from '../protocol';
import type { Problem } from '../spec/model';
import { fmtCustomCall } from '../format';
import { SnapshotRing, TrainHistory } from '../train-history';

/** Defaults of the backprop.training.* settings (package.json says the same; a test checks). */
export const TRAINING_DEFAULTS = { snapshotEvery: 100, snapshots: 30 } as const;

/** Where training messages go: the Train panel, the side view. */
export interface TrainView {
  /** Delivers one message. */
  post(msg: HostToTrainView): void;
}

/** What a session needs besides its request. */
export interface SessionOptions {
  /** Path of dist/worker.js. */
  workerPath: string;
  /** Snapshots the ring keeps. */
  ringSize: number;
  /** Ms a custom layer may stay silent before its worker is stopped. */
  customTimeoutMs: number;
  /** Hears the spec's problems (for the Problems view). */
  onProblems(problems: Problem[]): void;
}

/** Where the run is, for progress notifications and the status bar. */
export interface TrainPosition {
  /** Updates done. */
  step: number;
  /** Updates planned (0 before the start event). */
  iterations: number;
  /** Ms since the run began. */
  elapsedMs: number;
}

/** One training run of one spec. */
export class TrainSession {
  /** Static facts, from the worker's start event. */
  info: TrainInfo | null = null;
  /** Curves and evaluations. */
  history: TrainHistory | null = null;
  /** The latest snapshots. */
  readonly ring: SnapshotRing;
  /** The first NaN/Inf, if one appeared. */
  nonFinite: NonFiniteAt | null = null;
  /** Running, or how it ended. */
  status: TrainStatus = { state: 'running' };
  /** Where the run is. */
  readonly position: TrainPosition = { step: 0, iterations: 0, elapsedMs: 0 };
  /** Settles with the final status. */
  readonly ended: Promise<TrainStatus>;
  /** Settles once the worker thread is gone (after the end, it is terminated). */
  readonly exited: Promise<void>;
  private settle!: (s: TrainStatus) => void;
  private readonly worker: Worker;
  private readonly views = new Set<TrainView>();
  /** The custom layer whose code runs now and when the worker last spoke of it, or null. */
  private custom: { layer: number; phase: string; heardAt: number } | null = null;
  private readonly watchdog: ReturnType<typeof setInterval>;

  /** Starts training `request` in a new worker. */
  constructor(
    /** The request sent to the worker. */
    readonly request: Extract<HostToWorker, { type: 'train' }>,
    /** Title for views (the spec's file name). */
    readonly title: string,
    /** The spec's URI, which views save for restore. */
    readonly uri: string,
    private readonly options: SessionOptions,
  ) {
    this.ring = new SnapshotRing(options.ringSize);
    this.ended = new Promise((resolve) => (this.settle = resolve));
    // A heap limit makes a runaway spec kill its worker (ERR_WORKER_OUT_OF_MEMORY), not the host.
    this.worker = new Worker(options.workerPath, { resourceLimits: { maxOldGenerationSizeMb: 4096 } });
    this.worker.on('message', (msg: WorkerToHost) => this.receive(msg));
    this.worker.on('error', (e: Error & { code?: string }) =>
      this.end({ state: 'failed', message: e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'the engine ran out of memory' : `the engine crashed: ${e.message}` }),
    );
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('exit', (code) => this.end({ state: 'failed', message: `the engine stopped unexpectedly (exit code ${code})` }));
    this.watchdog = setInterval(() => {
      const c = this.custom;
      if (!c || Date.now() - c.heardAt < options.customTimeoutMs) return;
      const name = this.info?.layers[c.layer]?.name ?? `layer ${c.layer + 1}`;
      this.end({ state: 'failed', message: `${fmtCustomCall(name, c.phase)} did not return within ${options.customTimeoutMs / 1000} s, so training was stopped` });
    }, 250);
    this.worker.postMessage(request);
  }

  /** The run's id. */
  get runId(): number {
    return this.request.runId;
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

  /** Stops sending to `view`. */
  detach(view: TrainView): void {
    this.views.delete(view);
  }

  /** Sends `view` the snapshot of `step`, if the ring still holds it. */
  sendSnapshot(view: TrainView, step: number): void {
    const snapshot = this.ring.get(step);
    if (snapshot) view.post({ type: 'trainSnapshot', runId: this.runId, snapshot });
  }

  /** Stops the run now; what arrived before is kept. */
  cancel(): void {
    if (this.running) this.end({ state: 'cancelled', step: this.position.step, elapsedMs: this.position.elapsedMs });
  }

  /** The messages that bring a new view up to date. */
  private replay(): HostToTrainView[] {
    const runId = this.runId;
    const out: HostToTrainView[] = [{ type: 'trainReset', runId, title: this.title, uri: this.uri }];
    if (this.info && this.history) {
      out.push({ type: 'trainStart', runId, info: this.info });
      out.push({ type: 'trainHistory', runId, history: this.history.wire() });
      out.push({ type: 'trainSnapshots', runId, steps: this.ring.steps() });
    }
    if (this.nonFinite) out.push({ type: 'trainNonFinite', runId, at: this.nonFinite });
    out.push({ type: 'trainStatus', runId, status: this.status });
    return out;
  }

  private broadcast(msg: HostToTrainView): void {
    for (const v of this.views) v.post(msg);
  }

  private receive(msg: WorkerToHost): void {
    if (!this.running || msg.runId !== this.runId) return;
    this.custom = msg.type === 'heartbeat' && msg.layer !== null ? { layer: msg.layer, phase: msg.phase, heardAt: Date.now() } : null;
    const runId = this.runId;
    switch (msg.type) {
      case 'heartbeat':
      case 'event':
        return;
      case 'problems': {
        this.options.onProblems(msg.problems);
        const errors = msg.problems.filter((p) => p.severity === 'error');
        if (errors.length > 0) {
          const more = errors.length > 1 ? ` (and ${errors.length - 1} more in the Problems view)` : '';
          this.end({ state: 'failed', message: `The spec has errors: ${errors[0].message}${more}` });
        }
        return;
      }
      case 'failed':
        this.end({ state: 'failed', message: msg.message });
        return;
      case 'train':
        break;
    }
    const e = msg.event;
    switch (e.kind) {
      case 'start':
        this.info = e.info;
        this.history = new TrainHistory(e.info.flowLayers.length);
        this.position.iterations = e.info.iterations;
        this.broadcast({ type: 'trainStart', runId, info: e.info });
        this.broadcast({ type: 'trainHistory', runId, history: this.history.wire() });
        return;
      case 'progress':
        this.history?.add(e.progress);
        this.position.step = e.progress.step;
        this.position.elapsedMs = e.progress.elapsedMs;
        this.broadcast({ type: 'trainProgress', runId, progress: e.progress });
        return;
      case 'eval':
        this.history?.evals.push(e.eval);
        this.broadcast({ type: 'trainEval', runId, eval: e.eval });
        return;
      case 'snapshot':
        this.ring.push(e.snapshot);
        this.broadcast({ type: 'trainSnapshots', runId, steps: this.ring.steps() });
        return;
      case 'nonFinite':
        this.nonFinite = e.at;
        this.broadcast({ type: 'trainNonFinite', runId, at: e.at });
        return;
      case 'done':
        this.position.step = e.step;
        this.position.elapsedMs = e.elapsedMs;
        this.end({ state: e.reason, step: e.step, elapsedMs: e.elapsedMs });
        return;
    }
  }

  /** Settles the run once: stops the worker and tells every view. */
  private end(status: TrainStatus): void {
    if (!this.running) return;
    this.status = status;
    clearInterval(this.watchdog);
    this.worker.removeAllListeners('message');
    void this.worker.terminate();
    this.broadcast({ type: 'trainStatus', runId: this.runId, status });
    this.settle(status);
  }
}
