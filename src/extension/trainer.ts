// "Backprop: Train": one training session per spec, a progress notification with the step count,
// ETA and Cancel, a status bar item while any session runs, and the Train panel that follows it.
import * as vscode from 'vscode';
import { fmt, fmtCount, fmtDuration } from '../format';
import type { TrainStatus } from '../protocol';
import type { Problem } from '../spec/model';
import type { EngineClient } from './engine-client';
import { trainingSettings } from './settings';
import type { AnalysedSpec } from '../spec/analyse';
import { fileName, specText } from './specs';
import { TrainSession, type TrainPosition } from './train-session';

/**
 * Most progress messages per second the worker sends (coalescing). The charts redraw at most five
 * times a second, so more would only cost the host, the websocket and the webview's renderer.
 */
const UPDATES_PER_SECOND = 10;

/** "step 1,234 / 10,000 · ETA 17 s", from where the run is. */
export function describePosition(p: TrainPosition): string {
  const steps = `step ${fmtCount(p.step)} / ${fmtCount(p.iterations)}`;
  if (p.step === 0 || p.iterations === 0) return steps;
  const eta = ((p.iterations - p.step) * p.elapsedMs) / p.step;
  return `${steps} · ETA ${fmtDuration(eta)}`;
}

/** How a finished run ended, in a sentence. */
export function describeEnd(status: TrainStatus, session: TrainSession): string {
  switch (status.state) {
    case 'running':
      return 'running';
    case 'finished': {
      const compare = session.info?.compare;
      if (compare) {
        const losses = compare.variants.map((label, i) => `${label} ${fmt(session.histories[i]?.evals.at(-1)?.loss ?? NaN)}`);
        return `compared ${compare.variants.length} ${compare.key} variants in ${fmtDuration(status.elapsedMs)}: final loss ${losses.join(', ')}`;
      }
      const last = session.history?.evals.at(-1);
      const acc = !last ? '' : last.testAcc !== null ? `: loss ${fmt(last.loss)}, test accuracy ${fmt(last.testAcc)}` : last.trainAcc !== null ? `: loss ${fmt(last.loss)}, train accuracy ${fmt(last.trainAcc)} (no test set)` : `: loss ${fmt(last.loss)}`;
      return `trained ${fmtCount(status.step)} steps in ${fmtDuration(status.elapsedMs)}${acc}`;
    }
    case 'nonFinite': {
      const at = session.nonFinite;
      return at ? `stopped at step ${fmtCount(at.step)}: first ${at.value} in ${at.layer} ${at.tensor}` : 'stopped at a NaN/Inf';
    }
    case 'cancelled':
      return `cancelled at step ${fmtCount(status.step)}`;
    case 'failed':
      return status.message;
  }
}

/** Starts, follows and cancels training sessions. */
export class Trainer implements vscode.Disposable {
  /** The latest session of each spec (by URI), running or ended. */
  private readonly sessions = new Map<string, TrainSession>();
  private readonly status = vscode.window.createStatusBarItem('backprop.training', vscode.StatusBarAlignment.Left, 10);
  /** Refreshes the status bar item while a session runs; none while idle. */
  private tick: ReturnType<typeof setInterval> | undefined;
  private readonly started = new vscode.EventEmitter<TrainSession>();
  /** Fires when a session starts. */
  readonly onDidStart = this.started.event;

  constructor(
    private readonly engine: EngineClient,
    /** Hears what the worker found loading a spec and its data. */
    private readonly onProblems: (doc: vscode.TextDocument, problems: Problem[]) => void,
  ) {
    this.status.name = 'Backprop training';
  }

  /** The latest session of `uri`, if any. */
  get(uri: vscode.Uri): TrainSession | undefined {
    return this.sessions.get(uri.toString());
  }

  /** Trains `doc`, parsed as `parsed`; a session of the same spec still running is cancelled first. */
  train(doc: vscode.TextDocument, parsed: AnalysedSpec): TrainSession {
    const key = doc.uri.toString();
    this.sessions.get(key)?.cancel();
    const settings = trainingSettings();
    const request = { type: 'train', snapshotEvery: settings.snapshotEvery, updateMs: 1000 / UPDATES_PER_SECOND } as const;
    const session = new TrainSession(this.engine, specText(doc), request, fileName(doc.uri), key, {
      ringSize: settings.snapshots,
      layers: parsed.spec?.form === 'network' ? parsed.spec.layers : [],
      onProblems: (problems) => this.onProblems(doc, problems),
    });
    this.sessions.set(key, session);
    this.started.fire(session);
    this.showProgress(session);
    this.updateStatus();
    void session.ended.then(() => this.updateStatus());
    return session;
  }

  /** Cancels the session of `uri`, or every running one. */
  cancel(uri?: vscode.Uri): void {
    for (const [key, s] of this.sessions) if (!uri || key === uri.toString()) s.cancel();
  }

  dispose(): void {
    clearInterval(this.tick);
    this.cancel();
    this.status.dispose();
    this.started.dispose();
  }

  private showProgress(session: TrainSession): void {
    const title = `Backprop: training ${session.title}`;
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
      this.status.hide();
      clearInterval(this.tick);
      this.tick = undefined;
      return;
    }
    this.tick ??= setInterval(() => this.updateStatus(), 250);
    const more = running.length > 1 ? ` (+${running.length - 1})` : '';
    const p = s.position;
    const percent = p.iterations > 0 ? ` ${Math.floor((100 * p.step) / p.iterations)}%` : '';
    // A still icon: the percentage shows the run moving, and a spinning one repaints the workbench 20 times a second.
    this.status.text = `$(pulse) Training ${s.title}${percent}${more}`;
    this.status.tooltip = `Backprop: training ${s.title}, ${describePosition(p)}. Click to show the training panel.`;
    this.status.command = { title: 'Show training', command: 'backprop.showTraining', arguments: [s.uri] };
    this.status.show();
  }
}
