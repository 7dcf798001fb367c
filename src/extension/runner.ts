// Runs and gradient checks: jobs of the engine client, one warm worker per spec, so the extension host
// thread never does engine work. A newer run of the same spec, or the user, cancels the one going.
import * as vscode from 'vscode';
import type { Sentence } from '../message';
import type { HeldBatch, RunEvent } from '../protocol';
import type { Problem } from '../spec/model';
import type { EngineClient, EngineJob } from './engine-client';
import { healthThresholds } from './settings';
import type { AnalysedSpec } from '../spec/analyse';
import { count, said } from './locale';
import { specText } from './specs';

/** How a run ended. */
export type RunOutcome =
  | { status: 'done'; ok: boolean; loss: number | null }
  | { status: 'problems'; errors: number; first?: string }
  | { status: 'cancelled' }
  | ({ status: 'failed'; layer?: number } & Sentence);

/** A few words on where a run is, from its latest event. */
function describeStep(event: RunEvent, layers: readonly string[]): string {
  switch (event.kind) {
    case 'start':
      return vscode.l10n.t({ message: 'forward', comment: ['Progress of a run: the forward pass starts.'] });
    case 'forward':
      return vscode.l10n.t({ message: 'forward {0} ({1}/{2})', args: [layers[event.index] ?? '', count(event.index + 1), count(layers.length)], comment: ['Progress of a run: the forward pass of layer {0}, the {1}th of {2} layers.'] });
    case 'loss':
      return vscode.l10n.t({ message: 'loss', comment: ['Progress of a run: the loss function is computed.'] });
    case 'backward':
      return vscode.l10n.t({ message: 'backward {0}', args: [layers[event.index] ?? ''], comment: ['Progress of a run: the backward pass of layer {0}.'] });
    case 'check':
      return vscode.l10n.t({ message: 'checked {0}', args: [`${layers[event.index] ?? ''}.${event.param}`], comment: ['Progress of a run: the gradient check of a parameter, such as Affine1.W, is done.'] });
    case 'findings':
      return vscode.l10n.t('looking for gradient problems');
    case 'variants':
      return vscode.l10n.t({ message: 'ran {0} variants', args: [count(event.variants.length)], comment: ['Progress of a run: the variants of its compare: section (each init once) have run.'] });
    case 'graph':
    case 'done':
      return vscode.l10n.t({ message: 'done', comment: ['Progress of a run: it is over.'] });
  }
}

/** A call into a custom layer's code, as the progress names it (src/format.ts's fmtCustomCall, in the display language). */
function describeCall(layer: string, phase: string): string {
  if (phase === 'load') return vscode.l10n.t("loading {0}'s module", layer);
  if (phase === 'construct') return vscode.l10n.t('constructing {0}', layer);
  return phase === 'forward' || phase === 'backward' ? `${layer}.${phase}` : `${layer} (${phase})`;
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
    let step = vscode.l10n.t('starting the engine');
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
          return done ? { status: 'done', ...done } : { status: 'failed', message: vscode.l10n.t('the engine ended the run without a result') };
        case 'problems':
          return { status: 'problems', errors: end.errors.length, first: said(end.errors[0]) };
        case 'cancelled':
        case 'failed':
          return end;
      }
    });
    const where = () => {
      const call = job.userCall();
      return call ? describeCall(names[call.layer] ?? vscode.l10n.t('custom layer'), call.kind) : step;
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
      const name = doc.uri.path.split('/').pop() ?? '';
      const title = check ? vscode.l10n.t('Backprop: checking gradients of {0}', name) : vscode.l10n.t('Backprop: running {0}', name);
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
