// Runs and gradient checks: jobs of the engine client, one warm worker per spec, so the extension host
// thread never does engine work. A newer run of the same spec, or the user, cancels the one going.
import * as vscode from 'vscode';
import { fmtCustomCall } from '../format';
import type { HeldBatch, RunEvent } from '../protocol';
import type { Problem } from '../spec/model';
import type { EngineClient, EngineJob } from './engine-client';
import { healthThresholds } from './settings';
import type { AnalysedSpec } from '../spec/analyse';
import { specText } from './specs';

/** How a run ended. */
export type RunOutcome =
  | { status: 'done'; ok: boolean; loss: number | null }
  | { status: 'problems'; errors: number; first?: string }
  | { status: 'cancelled' }
  | { status: 'failed'; message: string; layer?: number };

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

/** Starts, streams and cancels runs. */
export class Runner {
  constructor(
    private readonly engine: EngineClient,
    /** Hears what the worker found loading a spec and its data. */
    private readonly onProblems: (doc: vscode.TextDocument, problems: Problem[]) => void,
  ) {}

  /**
   * Runs `doc`, parsed as `parsed`; a run of the same document already going is cancelled first.
   * With `onSaved`, the worker also hands over the run's tensors as an .npz file. `held`: the big
   * batches of images the event carries the first samples of, whole.
   */
  run(
    doc: vscode.TextDocument,
    parsed: AnalysedSpec,
    check: boolean,
    onEvent: (event: RunEvent, runId: number, held: readonly HeldBatch[]) => void,
    onSaved?: (npz: Uint8Array) => void,
  ): { runId: number; outcome: Promise<RunOutcome> } {
    const layers = parsed.spec?.form === 'network' ? parsed.spec.layers : [];
    let names = layers.map((l) => l.name);
    let step = 'starting the engine';
    let done: { ok: boolean; loss: number | null } | null = null;
    const job = this.engine.start(doc.uri.toString(), specText(doc), { type: 'run', check, thresholds: healthThresholds(), save: onSaved !== undefined }, layers, (msg) => {
      if (msg.type === 'problems') this.onProblems(doc, msg.problems);
      if (msg.type === 'saved') onSaved?.(new Uint8Array(msg.npz));
      if (msg.type !== 'event') return;
      const event = msg.event;
      if (event.kind === 'start') names = event.layers.map((l) => l.name);
      if (event.kind === 'done') done = { ok: event.ok, loss: event.loss };
      step = describeStep(event, names);
      onEvent(event, msg.runId, msg.held ?? []);
    });
    const outcome = job.ended.then((end): RunOutcome => {
      switch (end.status) {
        case 'finished':
          return done ? { status: 'done', ...done } : { status: 'failed', message: 'the engine ended the run without a result' };
        case 'problems':
          return { status: 'problems', errors: end.errors.length, first: end.errors[0].message };
        case 'cancelled':
        case 'failed':
          return end;
      }
    });
    const where = () => {
      const call = job.userCall();
      return call ? fmtCustomCall(names[call.layer] ?? 'custom layer', call.kind) : step;
    };
    this.showProgressIfSlow(doc, check, job, where);
    return { runId: job.runId, outcome };
  }

  /** Starts the spec's worker ahead of its first run, so that run does not wait for it. */
  warm(uri: vscode.Uri): void {
    this.engine.warm(uri.toString());
  }

  /** Cancels the spec's run, if one is going. */
  cancel(uri: vscode.Uri): void {
    this.engine.cancel(uri.toString());
  }

  /** Ends the spec's worker, and its run if one is going. */
  release(uri: vscode.Uri): void {
    this.engine.release(uri.toString());
  }

  private showProgressIfSlow(doc: vscode.TextDocument, check: boolean, job: EngineJob, where: () => string): void {
    let finished = false;
    void job.ended.then(() => (finished = true));
    setTimeout(() => {
      if (finished) return;
      const name = doc.uri.path.split('/').pop();
      const title = `Backprop: ${check ? 'checking gradients of' : 'running'} ${name}`;
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
        token.onCancellationRequested(() => job.cancel());
        let shown = '';
        const tick = setInterval(() => {
          const step = where();
          if (step !== shown) progress.report({ message: (shown = step) });
        }, 250);
        return job.ended.finally(() => clearInterval(tick));
      });
    }, PROGRESS_DELAY_MS);
  }
}
