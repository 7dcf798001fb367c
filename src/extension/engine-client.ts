// The host's one client of the engine worker (dist/worker.js). Runs, gradient checks and training
// are jobs it sends; it spawns each worker with its heap limit, keeps one warm per key (a spec's
// runs, a spec's training), hands a job only the messages of its runId, times every call into user
// code on the worker's CallClock, and turns a crash, an out-of-memory or an overrun into the job's
// end. Cancelling a job terminates its worker: the engine loop is synchronous, and terminate()
// stops it wherever it is. Pure Node (no vscode), so tests drive it with the real worker.
import { Worker } from 'node:worker_threads';
import { CallClock, overrunMessage, threadEndMessage, watchUserCode, type RunningCall, type ThreadEnd, type UserCodeLayer } from '../call-clock';
import { sentenceOf, type Sentence } from '../message';
import type { HostToJob, HostToWorker, JobSource, WorkerToHost } from '../protocol';
import type { Problem } from '../spec/model';
import { hostMessage } from './host-messages';

/** What the host tells the client once; the limit and trust are read again for every job. */
export interface EngineHost {
  /** Path of dist/worker.js. */
  workerPath: string;
  /** Path of dist/mnist-digits.bin. */
  mnistPath: string;
  /** Ms one call into user code may run. */
  userCodeLimitMs(): number;
  /** False in Restricted Mode. */
  trusted(): boolean;
  /** The interpreter for Python layers (backprop.python.path); undefined: the worker's default. */
  pythonPath?(): string | undefined;
  /** The workspace folders' paths, to which Restricted Mode confines data files (none: the spec's folder). */
  workspaceFolders?(): string[];
}

/** The spec a job works on: its text, file name and folder. */
export type SpecText = Omit<JobSource, 'mnistPath' | 'allowCustom' | 'confineTo' | 'python'>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a job asks of the worker beyond the shared fields, e.g. `{ type: 'run', check, thresholds }`. */
export type JobRequest = DistributiveOmit<HostToWorker, keyof JobSource | 'runId'>;

/** The messages a job hears: all of its runId's but the end and the failure, which settle `ended`. */
export type JobMessage = Exclude<WorkerToHost, { type: 'end' | 'failed' }>;

/** How a job ended. */
export type JobEnd =
  | { status: 'finished' }
  /** The worker found errors loading the spec or its data (listed, the warnings left out); nothing ran. */
  | { status: 'problems'; errors: Problem[] }
  | { status: 'cancelled' }
  /** `layer`: the custom layer at fault, if any. */
  | ({ status: 'failed'; layer?: number } & Sentence);

/** One job of the engine. */
export interface EngineJob {
  readonly runId: number;
  /** Settles once, with how the job ended. */
  readonly ended: Promise<JobEnd>;
  /** The call into user code running now, if any. */
  userCall(): RunningCall | null;
  /** Tells the job something while it runs (a debug job's next step); nothing once it ended. */
  send(message: DistributiveOmit<HostToJob, 'runId'>): void;
  /** Ends the job now, if it still runs, and its worker with it. */
  cancel(): void;
  /** Ends the job if it still runs, and the worker in any case; settles once the thread is gone. */
  release(): Promise<void>;
}

interface Slot {
  worker: Worker;
  clock: CallClock;
  /** Settles when the thread is gone. */
  exited: Promise<void>;
  job: { runId: number; layers: readonly UserCodeLayer[]; startedAt: number; onMessage(msg: JobMessage): void; finish(end: JobEnd): void } | null;
}

/** A heap limit makes a runaway spec kill its worker (ERR_WORKER_OUT_OF_MEMORY), not the host. */
const WORKER_HEAP_MB = 4096;

export class EngineClient {
  private readonly slots = new Map<string, Slot>();
  private nextRunId = 1;

  constructor(private readonly host: EngineHost) {}

  /**
   * Starts `request` on `spec` in the worker of `key`, cancelling a job of that key still going.
   * `layers` name the spec's layers in messages about their code; `onMessage` hears the job's
   * messages in order.
   */
  start(key: string, spec: SpecText, request: JobRequest, layers: readonly UserCodeLayer[], onMessage: (msg: JobMessage) => void): EngineJob {
    this.cancel(key);
    const slot = this.slot(key);
    const runId = this.nextRunId++;
    const limitMs = this.host.userCodeLimitMs();
    // Python layers' code runs in the Python process, not on the thread: their worker stays warm.
    const ranUserCode = layers.some((l) => l.module !== undefined && !/\.py$/i.test(l.module));
    let settle!: (end: JobEnd) => void;
    const ended = new Promise<JobEnd>((resolve) => (settle = resolve));
    const job: NonNullable<Slot['job']> = {
      runId,
      layers,
      startedAt: Date.now(),
      onMessage,
      finish: (end) => {
        if (slot.job !== job) return;
        slot.job = null;
        stopWatch();
        // A worker that failed or was cancelled may be anywhere; the next job gets a fresh one. So does
        // the next job after user code: its timers and callbacks would run, untimed, between jobs.
        if (end.status === 'cancelled' || end.status === 'failed' || ranUserCode) this.discard(key, slot);
        settle(end);
      },
    };
    slot.job = job;
    const stopWatch = watchUserCode(slot.clock, limitMs, (call) =>
      job.finish({ status: 'failed', layer: call.layer, ...overrunMessage(layers[call.layer], call, limitMs) }),
    );
    const trusted = this.host.trusted();
    const folders = this.host.workspaceFolders?.() ?? [];
    const confineTo = trusted ? null : folders.length > 0 ? folders : [spec.folder];
    const python = this.host.pythonPath?.();
    const message = { ...request, ...spec, runId, mnistPath: this.host.mnistPath, allowCustom: trusted, confineTo, ...(python && { python }) } as HostToWorker;
    slot.worker.postMessage(message);
    return {
      runId,
      ended,
      userCall: () => (slot.job === job ? slot.clock.running() : null),
      send: (control) => {
        if (slot.job === job) slot.worker.postMessage({ ...control, runId });
      },
      cancel: () => job.finish({ status: 'cancelled' }),
      release: () => {
        job.finish({ status: 'cancelled' });
        this.discard(key, slot);
        return slot.exited;
      },
    };
  }

  /** Starts the worker of `key` ahead of its first job, so that job does not wait for it. */
  warm(key: string): void {
    this.slot(key);
  }

  /** Cancels the job of `key`, if one is going. */
  cancel(key: string): void {
    this.slots.get(key)?.job?.finish({ status: 'cancelled' });
  }

  /** Ends the worker of `key`, and its job if one is going. */
  release(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    slot.job?.finish({ status: 'cancelled' });
    this.discard(key, slot);
  }

  dispose(): void {
    for (const key of [...this.slots.keys()]) this.release(key);
  }

  /** The keys that have a worker, and whether a job runs in it: what fault tests look at. */
  workers(): { key: string; running: boolean }[] {
    return [...this.slots].map(([key, slot]) => ({ key, running: slot.job !== null }));
  }

  /**
   * Ends the thread of `key`'s worker behind its job's back, as a thread that dies (a native crash,
   * process.exit inside it) would: the job hears the exit like any crash. Only fault tests call it.
   */
  kill(key: string): Promise<void> {
    const slot = this.slots.get(key);
    if (!slot) return Promise.resolve();
    void slot.worker.terminate();
    return slot.exited;
  }

  private slot(key: string): Slot {
    const existing = this.slots.get(key);
    if (existing) return existing;
    const clock = new CallClock();
    const worker = new Worker(this.host.workerPath, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB }, workerData: { clock: clock.shared } });
    const slot: Slot = { worker, clock, exited: new Promise((resolve) => worker.once('exit', () => resolve())), job: null };
    worker.on('message', (msg: unknown) => this.receive(slot, msg));
    // The thread ended under a job: on the layer whose code ran, or ran last in this job, if any did.
    const crashed = (end: ThreadEnd, said: Sentence) => {
      const job = slot.job;
      const now = Date.now();
      const call = slot.clock.latest(now);
      if (job && call && (call.running || now - call.ms >= job.startedAt)) {
        job.finish({ status: 'failed', layer: call.layer, ...threadEndMessage(job.layers[call.layer], call, end) });
      } else job?.finish({ status: 'failed', ...said });
      this.discard(key, slot);
    };
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') crashed({ cause: 'memory' }, hostMessage('host.engine.outOfMemory'));
      else crashed({ cause: 'error', message: e.message.split('\n')[0] }, hostMessage('host.engine.crashed', { error: e.message }));
    });
    // process.exit in user code ends only this thread, never the host.
    worker.on('exit', (code) => crashed({ cause: 'exit', code }, hostMessage('host.engine.exited', { code: String(code) })));
    this.slots.set(key, slot);
    return slot;
  }

  /** Routes a worker's message to its job. User code on that thread can post too, so anything may arrive. */
  private receive(slot: Slot, data: unknown): void {
    const job = slot.job;
    if (!job || typeof data !== 'object' || data === null || (data as { runId?: unknown }).runId !== job.runId) return;
    const msg = data as WorkerToHost;
    switch (msg.type) {
      case 'end':
        job.finish({ status: 'finished' });
        return;
      case 'failed':
        job.finish({ status: 'failed', ...sentenceOf(msg), ...(msg.layer === undefined ? {} : { layer: msg.layer }) });
        return;
      case 'problems': {
        job.onMessage(msg);
        const errors = msg.problems.filter((p) => p.severity === 'error');
        if (errors.length > 0) job.finish({ status: 'problems', errors });
        return;
      }
      case 'event':
      case 'train':
      case 'debugStart':
      case 'debug':
      case 'saved':
      case 'baseline':
        job.onMessage(msg);
        return;
    }
  }

  /** Forgets `slot` and ends its thread. */
  private discard(key: string, slot: Slot): void {
    if (this.slots.get(key) === slot) this.slots.delete(key);
    slot.worker.removeAllListeners('message');
    slot.clock.endHelper();
    void slot.worker.terminate();
  }
}
