// "Backprop: Train": one training session per spec, a progress notification with the step count,
// ETA and Cancel, a status bar item while any session runs, and the Train panel that follows it.
import * as vscode from 'vscode';
import { fmt, fmtDuration } from '../format';
import type { TrainStatus } from '../protocol';
import type { Problem } from '../spec/model';
import type { EngineClient } from './engine-client';
import { trainingSettings } from './settings';
import type { AnalysedSpec } from '../spec/analyse';
import { count, said } from './locale';
import { fileName, specText } from './specs';
import type { UserCodeLayer } from '../call-clock';
import { TRAIN_UPDATE_MS, TrainSession, trainJob, type TrainJobStart, type TrainPosition } from './train-session';

/** "step 1,234 / 10,000 · ETA 17 s", from where the run is. */
export function describePosition(p: TrainPosition): string {
  if (p.paused !== undefined) return vscode.l10n.t({ message: 'step {0} / {1} · debugger paused at {2}', args: [count(p.step), count(p.iterations), p.paused], comment: ['{2}: where the debugger stopped, such as "backward Relu1".'] });
  if (p.step === 0 || p.iterations === 0) return vscode.l10n.t('step {0} / {1}', count(p.step), count(p.iterations));
  const eta = ((p.iterations - p.step) * p.elapsedMs) / p.step;
  return vscode.l10n.t({ message: 'step {0} / {1} · ETA {2}', args: [count(p.step), count(p.iterations), fmtDuration(eta)], comment: ['{0}: the training step reached, {1}: the steps of the run, {2}: the estimated time left, such as 17 s.'] });
}

/** How the training of the spec `name` ended, as the notification says it. */
export function reportEnd(status: TrainStatus, session: TrainSession, name: string): string {
  switch (status.state) {
    case 'running':
      return vscode.l10n.t('Backprop: training {0}…', name);
    case 'finished': {
      const time = fmtDuration(status.elapsedMs);
      const compare = session.info?.compare;
      if (compare) {
        const losses = compare.variants.map((label, i) => `${label} ${fmt(session.histories[i]?.evals.at(-1)?.loss ?? NaN)}`);
        return vscode.l10n.t({
          message: 'Backprop: {0} compared {1} {2} variants in {3}: final loss {4}.',
          args: [name, count(compare.variants.length), compare.key, time, losses.join(', ')],
          comment: ['{1}: how many variants, {2}: the spec key they vary (such as `lr`), {3}: a duration, {4}: each variant with its final loss, such as "0.1 0.25, 0.01 0.4".'],
        });
      }
      const last = session.history?.evals.at(-1);
      const steps = count(status.step);
      if (!last) return vscode.l10n.t('Backprop: {0} trained {1} steps in {2}.', name, steps, time);
      if (last.testAcc !== null) return vscode.l10n.t('Backprop: {0} trained {1} steps in {2}: loss {3}, test accuracy {4}.', name, steps, time, fmt(last.loss), fmt(last.testAcc));
      if (last.trainAcc !== null) return vscode.l10n.t('Backprop: {0} trained {1} steps in {2}: loss {3}, train accuracy {4} (no test set).', name, steps, time, fmt(last.loss), fmt(last.trainAcc));
      return vscode.l10n.t('Backprop: {0} trained {1} steps in {2}: loss {3}.', name, steps, time, fmt(last.loss));
    }
    case 'nonFinite': {
      const at = session.nonFinite;
      return at
        ? vscode.l10n.t({
            message: 'Backprop: training {0} stopped at step {1}: first {2} in {3} {4}.',
            args: [name, count(at.step), at.value, at.layer, at.tensor],
            comment: ['{2}: NaN, Infinity or -Infinity, {3}: a layer name such as Affine1, {4}: the tensor that holds it, such as dW.'],
          })
        : vscode.l10n.t('Backprop: training {0} stopped at a NaN/Inf.', name);
    }
    case 'cancelled':
      return vscode.l10n.t('Backprop: training {0} was cancelled at step {1}.', name, count(status.step));
    case 'failed':
      return vscode.l10n.t('Backprop: training {0} failed: {1}', name, status.message);
  }
}

/** Starts, follows and cancels training sessions. */
export class Trainer implements vscode.Disposable {
  /** The latest session of each spec (by URI), running or ended. */
  private readonly sessions = new Map<string, TrainSession>();
  private readonly status = vscode.window.createStatusBarItem('backprop.training', vscode.StatusBarAlignment.Left, 10);
  /** The spec whose training the item shows (its click shows its panel); undefined while the item is hidden. */
  private shownUri: string | undefined;
  private readonly started = new vscode.EventEmitter<TrainSession>();
  /** Fires when a session starts. */
  readonly onDidStart = this.started.event;

  constructor(
    private readonly engine: EngineClient,
    /** Hears what the worker found loading a spec and its data. */
    private readonly onProblems: (doc: vscode.TextDocument, problems: Problem[]) => void,
  ) {
    this.status.name = vscode.l10n.t('Backprop training');
  }

  /** The latest session of `uri`, if any. */
  get(uri: vscode.Uri): TrainSession | undefined {
    return this.sessions.get(uri.toString());
  }

  /** Trains `doc`, parsed as `parsed`; a session of the same spec still running is cancelled first. */
  train(doc: vscode.TextDocument, parsed: AnalysedSpec): TrainSession {
    const request = { type: 'train', snapshotEvery: trainingSettings().snapshotEvery, updateMs: TRAIN_UPDATE_MS } as const;
    const layers = parsed.spec?.form === 'network' ? parsed.spec.layers : [];
    const session = this.open(doc.uri, trainJob(this.engine, specText(doc), request, doc.uri.toString(), layers), layers, (problems) => this.onProblems(doc, problems));
    this.showProgress(session);
    return session;
  }

  /**
   * The training a debug session runs, by its job `start`s: followed by the Train panel, the side
   * view and the status bar as a Train is. No notification: the debug toolbar is its control.
   */
  followDebugged(uri: vscode.Uri, start: TrainJobStart): TrainSession {
    return this.open(uri, start, [], () => undefined);
  }

  /** A session of `uri` following the job `start` starts, in place of the spec's last one. */
  private open(uri: vscode.Uri, start: TrainJobStart, layers: readonly UserCodeLayer[], onProblems: (problems: Problem[]) => void): TrainSession {
    const key = uri.toString();
    this.sessions.get(key)?.cancel();
    const session = new TrainSession(start, fileName(uri), key, { ringSize: trainingSettings().snapshots, layers, onProblems, say: said });
    this.sessions.set(key, session);
    this.started.fire(session);
    this.updateStatus();
    // The item moves with the session's one position, in the same task as the notification and the
    // views: the workbench repaints them in one frame, where a clock of its own painted frames between.
    const stop = session.onPosition(() => this.updateStatus());
    void session.ended.then(() => {
      stop();
      this.updateStatus();
    });
    return session;
  }

  /** Cancels the session of `uri`, or every running one. */
  cancel(uri?: vscode.Uri): void {
    for (const [key, s] of this.sessions) if (!uri || key === uri.toString()) s.cancel();
  }

  dispose(): void {
    this.cancel();
    this.status.dispose();
    this.started.dispose();
  }

  private showProgress(session: TrainSession): void {
    const title = vscode.l10n.t('Backprop: training {0}', session.title);
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => session.cancel());
      let done = 0;
      // The session's one position, the one its views show, so the counts agree.
      const stop = session.onPosition((p) => {
        const fraction = p.iterations > 0 ? (100 * p.step) / p.iterations : 0;
        progress.report({ message: describePosition(p), increment: fraction - done });
        done = fraction;
      });
      return session.ended.finally(stop);
    });
  }

  /** The status bar item: shown while any session runs, naming the one most recently started. */
  private updateStatus(): void {
    const running = [...this.sessions.values()].filter((s) => s.running);
    const s = running.at(-1);
    if (!s) {
      this.shownUri = undefined;
      return this.status.hide();
    }
    const more = running.length > 1 ? count(running.length - 1) : undefined;
    const p = s.position;
    const percent = p.iterations > 0 ? count(Math.floor((100 * p.step) / p.iterations)) : undefined;
    // A still icon: the percentage shows the run moving, and a spinning one repaints the workbench 20 times a second.
    // The (+n) counts the other trainings running.
    const text =
      percent === undefined
        ? more === undefined
          ? vscode.l10n.t('$(pulse) Training {0}', s.title)
          : vscode.l10n.t('$(pulse) Training {0} (+{1})', s.title, more)
        : more === undefined
          ? vscode.l10n.t('$(pulse) Training {0} {1}%', s.title, percent)
          : vscode.l10n.t('$(pulse) Training {0} {1}% (+{2})', s.title, percent, more);
    const tooltip = vscode.l10n.t('Backprop: training {0}, {1}. Click to show the training panel.', s.title, describePosition(p));
    // Each assignment sends the whole item to the workbench, changed or not.
    if (text !== this.status.text) this.status.text = text;
    if (tooltip !== this.status.tooltip) this.status.tooltip = tooltip;
    if (s.uri !== this.shownUri) {
      this.shownUri = s.uri;
      this.status.command = { title: vscode.l10n.t('Show training'), command: 'backprop.showTraining', arguments: [s.uri] };
      this.status.show();
    }
  }
}
