// Runs specs in worker threads, one per spec, so the extension host thread never does engine work.
// Cancelling a run (a newer run of the same spec, or the user) terminates its worker: the engine
// loop is synchronous, and terminate() stops it wherever it is.
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { DEFAULT_THRESHOLDS } from '../engine/health-thresholds';
import type { HealthThresholds, HostToWorker, RunEvent, WorkerToHost } from '../protocol';
import { fmtCustomCall } from '../format';
import type { Problem } from '../spec/model';

/** How a run ended. */
export type RunOutcome =
  | { status: 'done'; ok: boolean; loss: number | null }
  | { status: 'problems'; errors: number; first?: string }
  | { status: 'cancelled' }
  | { status: 'failed'; message: string; layer?: number };

/** What a caller hears while a run goes on. */
export interface RunListener {
  /** An engine event, in order. */
  onEvent(event: RunEvent, runId: number): void;
}

/** A spec's worker and the run it is doing. */
interface Slot {
  /** The worker thread. */
  worker: Worker;
  /** The run in progress, if any, and where it is (for the progress notification). */
  current: {
    runId: number;
    step: string;
    layers: string[];
    /** The custom layer whose code is running (from the last heartbeat), and when the worker last spoke. */
    custom: { layer: number; phase: string; heardAt: number } | null;
    finish(outcome: RunOutcome): void;
  } | null;
}

/** A few words on where a run is, from its latest event. */
function describeStep(event: RunEvent, layers: readonly string[]): string {
  switch (event.kind) {
    case 'start':
      return 'forward';
    case 'forward':
      return `forward ${layers[event.index] ?? ''} (${event.index + 1}/${layers.length})`;
    case 'loss':
      return 'loss';
    case 'backward':
      return `backward ${layers[event.index] ?? ''}`;
    case 'check':
      return `checked ${layers[event.index] ?? ''}.${event.param}`;
    case 'findings':
      return 'looking for gradient problems';
    case 'graph':
    case 'done':
      return 'done';
  }
}

const PROGRESS_DELAY_MS = 500;

/** The backprop.health.* settings, each falling back to its default. */
function healthThresholds(): HealthThresholds {
  const config = vscode.workspace.getConfiguration('backprop.health');
  const read = (key: keyof HealthThresholds) => {
    const v = config.get<number>(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : DEFAULT_THRESHOLDS[key];
  };
  return {
    explodingNorm: read('explodingNorm'),
    vanishingNorm: read('vanishingNorm'),
    deadFraction: read('deadFraction'),
    saturationEpsilon: read('saturationEpsilon'),
    saturatedFraction: read('saturatedFraction'),
  };
}

/** Seconds a custom layer's code may run without returning (backprop.customLayerTimeoutSeconds). */
function customLayerTimeoutSeconds(): number {
  const v = vscode.workspace.getConfiguration('backprop').get<number>('customLayerTimeoutSeconds');
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 10;
}

/** Starts, streams and cancels runs. */
export class Runner implements vscode.Disposable {
  private readonly slots = new Map<string, Slot>();
  private nextRunId = 1;

  constructor(
    private readonly extensionUri: vscode.Uri,
    /** Hears what the worker found loading a spec and its data. */
    private readonly onProblems: (doc: vscode.TextDocument, problems: Problem[]) => void,
  ) {}

  /** Runs `doc`; a run of the same document already going is cancelled first. `layerNames` name layers until the run's start event does. */
  run(doc: vscode.TextDocument, check: boolean, layerNames: string[], listener: RunListener): { runId: number; outcome: Promise<RunOutcome> } {
    const key = doc.uri.toString();
    this.cancel(key);
    const slot = this.slot(key);
    const runId = this.nextRunId++;
    const folder = vscode.Uri.joinPath(doc.uri, '..').fsPath;
    const outcome = new Promise<RunOutcome>((resolve) => {
      slot.current = {
        runId,
        step: 'starting the engine',
        layers: layerNames,
        custom: null,
        finish: (o) => {
          slot.current = null;
          clearInterval(watchdog);
          resolve(o);
        },
      };
      // User code may loop forever; the engine's own never does (and has Cancel). A custom layer
      // that stays silent past the limit gets its worker terminated.
      const limitMs = 1000 * customLayerTimeoutSeconds();
      const watchdog = setInterval(() => {
        const run = slot.current;
        if (!run?.custom || Date.now() - run.custom.heardAt < limitMs) return;
        const { layer, phase } = run.custom;
        const name = run.layers[layer] ?? `layer ${layer + 1}`;
        const what = fmtCustomCall(name, phase);
        run.finish({ status: 'failed', layer, message: `${what[0].toUpperCase()}${what.slice(1)} did not return within ${limitMs / 1000} s, so the engine was stopped` });
        this.slots.delete(key);
        void slot.worker.terminate();
      }, 250);
      slot.worker.removeAllListeners('message');
      slot.worker.on('message', (msg: WorkerToHost) => {
        if (msg.runId !== runId || slot.current?.runId !== runId) return;
        this.receive(doc, msg, listener, slot.current);
      });
      const request: HostToWorker = {
        type: 'run',
        runId,
        text: doc.getText(),
        fileName: doc.uri.path.split('/').pop() ?? 'spec',
        folder,
        check,
        mnistPath: vscode.Uri.joinPath(this.extensionUri, 'dist', 'mnist-digits.bin').fsPath,
        thresholds: healthThresholds(),
        allowCustom: vscode.workspace.isTrusted,
      };
      slot.worker.postMessage(request);
    });
    this.showProgressIfSlow(doc, check, slot, outcome, () => this.cancel(key));
    return { runId, outcome };
  }

  /** Starts the spec's worker ahead of its first run, so that run does not wait for it. */
  warm(uri: vscode.Uri): void {
    this.slot(uri.toString());
  }

  /** Cancels the run of the spec `key` (its URI), if one is going. */
  cancel(key: string): void {
    const slot = this.slots.get(key);
    if (!slot?.current) return;
    slot.current.finish({ status: 'cancelled' });
    this.slots.delete(key);
    void slot.worker.terminate();
  }

  /** Ends the spec's worker, and its run if one is going. */
  release(key: string): void {
    this.cancel(key);
    const slot = this.slots.get(key);
    this.slots.delete(key);
    void slot?.worker.terminate();
  }

  dispose(): void {
    for (const key of [...this.slots.keys()]) this.release(key);
  }

  private receive(doc: vscode.TextDocument, msg: WorkerToHost, listener: RunListener, run: NonNullable<Slot['current']>): void {
    const { finish } = run;
    run.custom = msg.type === 'heartbeat' && msg.layer !== null ? { layer: msg.layer, phase: msg.phase, heardAt: Date.now() } : null;
    switch (msg.type) {
      case 'heartbeat':
        if (msg.layer !== null) run.step = `${run.layers[msg.layer] ?? 'custom layer'}: ${msg.phase}`;
        return;
      case 'problems': {
        this.onProblems(doc, msg.problems);
        const errors = msg.problems.filter((p) => p.severity === 'error');
        if (errors.length > 0) finish({ status: 'problems', errors: errors.length, first: errors[0].message });
        return;
      }
      case 'event':
        if (msg.event.kind === 'start') run.layers = msg.event.layers.map((l) => l.name);
        run.step = describeStep(msg.event, run.layers);
        listener.onEvent(msg.event, msg.runId);
        if (msg.event.kind === 'done') finish({ status: 'done', ok: msg.event.ok, loss: msg.event.loss });
        return;
      case 'failed':
        finish({ status: 'failed', message: msg.message, ...(msg.layer === undefined ? {} : { layer: msg.layer }) });
        return;
    }
  }

  private slot(key: string): Slot {
    const existing = this.slots.get(key);
    if (existing) return existing;
    // A heap limit makes a runaway spec kill its worker (ERR_WORKER_OUT_OF_MEMORY), not the host.
    const worker = new Worker(vscode.Uri.joinPath(this.extensionUri, 'dist', 'worker.js').fsPath, {
      resourceLimits: { maxOldGenerationSizeMb: 4096 },
    });
    const slot: Slot = { worker, current: null };
    const crashed = (why: string) => {
      if (this.slots.get(key) === slot) this.slots.delete(key);
      slot.current?.finish({ status: 'failed', message: why });
    };
    worker.on('error', (e: Error & { code?: string }) =>
      crashed(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'the engine ran out of memory' : `the engine crashed: ${e.message}`),
    );
    worker.on('exit', (code) => crashed(`the engine stopped unexpectedly (exit code ${code})`));
    this.slots.set(key, slot);
    return slot;
  }

  private showProgressIfSlow(doc: vscode.TextDocument, check: boolean, slot: Slot, outcome: Promise<RunOutcome>, cancel: () => void): void {
    const run = slot.current;
    let finished = false;
    void outcome.then(() => (finished = true));
    setTimeout(() => {
      if (finished || !run) return;
      const name = doc.uri.path.split('/').pop();
      const title = `Backprop: ${check ? 'checking gradients of' : 'running'} ${name}`;
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
        token.onCancellationRequested(cancel);
        let shown = '';
        const tick = setInterval(() => {
          if (run.step !== shown) progress.report({ message: (shown = run.step) });
        }, 250);
        return outcome.finally(() => clearInterval(tick));
      });
    }, PROGRESS_DELAY_MS);
  }
}
