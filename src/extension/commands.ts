// What the commands do: run or check a spec into its panel, train it into its Train panel, and the
// small commands around them. Parsing happens here, on the host, and is quick and pure: a spec with
// errors gets its diagnostics and runs nothing. Everything that reads data or runs the engine
// happens in the worker.
import * as vscode from 'vscode';
import type { RunEvent, TrainStatus } from '../protocol';
import { PANEL_HEATMAPS, eventForView } from '../heatmaps';
import type { Baselines } from './baselines';
import { count, inDisplayLanguage, said } from './locale';
import { specError } from '../spec/problem';
import type { LayerCursor } from './cursor';
import { runFixes, workspaceEdit, type LiveDiagnostics } from './editor';
import type { RunPanel } from './panel';
import type { PanelRegistry } from './panels';
import type { Runner, RunOutcome } from './runner';
import { SIDE_VIEW_ID, type SideView } from './sideView';
import { fileName, isSpec, type SpecIndex } from './specs';
import type { RunStore } from './store';
import { newSpec } from './templates';
import type { TrainPanel } from './train-panel';
import type { TrainSession } from './train-session';
import { reportEnd, type Trainer } from './trainer';
import { usesOwnCode, walkthroughAfter, INITIAL_WALKTHROUGH_STATE } from './walkthrough-done';

/** What the commands work with. */
export interface Workbench {
  specs: SpecIndex;
  store: RunStore;
  live: LiveDiagnostics;
  runner: Runner;
  trainer: Trainer;
  runPanels: PanelRegistry<RunPanel>;
  trainPanels: PanelRegistry<TrainPanel>;
  cursor: LayerCursor;
  side: SideView;
  baselines: Baselines;
}

export class Commands {
  /** The run each spec's panel shows, by URI, for the fixes posted to it later. */
  private readonly panelRuns = new Map<string, number>();
  /** What the walkthrough's last steps remember of earlier runs (walkthrough-done.ts). */
  private walkthrough = INITIAL_WALKTHROUGH_STATE;

  constructor(private readonly w: Workbench) {}

  /** Registers every command of the manifest. */
  register(): vscode.Disposable[] {
    const { trainer, trainPanels, side, runPanels } = this.w;
    return [
      vscode.commands.registerCommand('backprop.run', (uri?: vscode.Uri) => this.openAndRun(uri, false, true)),
      vscode.commands.registerCommand('backprop.check', (uri?: vscode.Uri) => this.openAndRun(uri, true, true)),
      vscode.commands.registerCommand('backprop.train', (uri?: vscode.Uri) => this.openAndTrain(uri)),
      vscode.commands.registerCommand('backprop.cancelTraining', (uri?: vscode.Uri) => trainer.cancel(uri instanceof vscode.Uri ? uri : undefined)),
      vscode.commands.registerCommand('backprop.showTraining', (uri?: unknown) => {
        const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
        if (target) trainPanels.open(target);
      }),
      vscode.commands.registerCommand('backprop.saveRun', (uri?: unknown, to?: unknown) =>
        this.saveRun(uri instanceof vscode.Uri ? uri : undefined, to instanceof vscode.Uri ? to : undefined),
      ),
      vscode.commands.registerCommand('backprop.pinBaseline', (uri?: unknown) => this.pinBaseline(this.baselineTarget(uri))),
      vscode.commands.registerCommand('backprop.clearBaseline', (uri?: unknown) => this.clearBaseline(this.baselineTarget(uri))),
      vscode.commands.registerCommand('backprop.openBaseline', (uri?: unknown, file?: unknown) =>
        this.openBaseline(this.baselineTarget(uri), file instanceof vscode.Uri ? file : undefined),
      ),
      vscode.commands.registerCommand('backprop.newSpec', () => newSpec()),
      vscode.commands.registerCommand('backprop.pinPanel', (uri?: unknown) => this.setPinned(uri, true)),
      vscode.commands.registerCommand('backprop.unpinPanel', (uri?: unknown) => this.setPinned(uri, false)),
      vscode.commands.registerCommand('backprop.showLayer', async (uri: unknown, index: unknown) => {
        if (typeof uri !== 'string' || typeof index !== 'number') return;
        await vscode.commands.executeCommand(`${SIDE_VIEW_ID}.focus`);
        side.show(vscode.Uri.parse(uri), index);
        runPanels.get(uri)?.post({ type: 'select', index });
      }),
    ];
  }

  /** Pins (or unpins) the run panel of `uri`, or the active one. */
  private setPinned(uri: unknown, pinned: boolean): void {
    const { runPanels } = this.w;
    const panel = typeof uri === 'string' || uri instanceof vscode.Uri ? runPanels.get(uri) : runPanels.active();
    if (panel) runPanels.setPinned(panel, pinned);
  }

  /** Runs (or checks) `uri`, or the active editor's spec, into its panel. */
  async openAndRun(uri: vscode.Uri | undefined, check: boolean, reveal: boolean): Promise<RunOutcome | undefined> {
    const target = specTarget(uri);
    return target && this.runDocument(await vscode.workspace.openTextDocument(target), check, reveal);
  }

  /** Runs `doc` into its panel, collecting its events into `events`; `onSaved` gets the run's .npz file. */
  async runDocument(doc: vscode.TextDocument, check: boolean, reveal: boolean, events: RunEvent[] = [], onSaved?: (npz: Uint8Array) => void): Promise<RunOutcome> {
    const { specs, live } = this.w;
    const { problems } = specs.get(doc);
    live.update(doc);
    const errors = problems.filter((p) => p.severity === 'error').length;
    const result = errors > 0 ? ({ status: 'problems', errors } as const) : await this.streamRun(doc, check, reveal, events, onSaved);
    if (result.status === 'problems') showSpecErrors(fileName(doc.uri), result.errors, false);
    else if (result.status === 'failed') {
      // A custom layer at fault gets the error on its line, where the user fixes it.
      const { spec } = specs.get(doc);
      // A python loss's calls come after the layers; a graph's python node's go by its index. A Python
      // network's layers are known only to the worker: its failures go on the network: line.
      const at = result.layer === undefined || !spec ? undefined : spec.form === 'graph' ? spec.nodes[result.layer]?.range : (spec.pythonNetwork?.range ?? spec.layers[result.layer]?.typeRange ?? (result.layer === spec.layers.length ? spec.lossRange : undefined));
      if (at) {
        // The failure's own message, when it has one, says it in the display language.
        const problem = specError(at, 'spec.codeError', { error: result.message });
        live.setDataProblems(doc, [result.id === undefined ? problem : { ...problem, parts: { error: { id: result.id, args: result.args ?? {} } } }]);
      }
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop: {0}. The next run starts a fresh engine.', said(result)));
    }
    return result;
  }

  /**
   * Runs `uri` (or the active editor's spec) into its panel, as Run does, and writes every tensor of
   * that run, seeded and so the same as the last run of the unchanged spec, to `to` or where the user
   * picks, as `backprop run --save` does. The file written, or undefined.
   */
  async saveRun(uri: vscode.Uri | undefined, to: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
    const target = specTarget(uri);
    if (!target) return undefined;
    const suggested = target.with({ path: target.path.replace(/\.backprop\.(ya?ml|json)$/, '.npz') });
    const destination = to ?? (await vscode.window.showSaveDialog({ defaultUri: suggested, filters: { [vscode.l10n.t('NumPy .npz')]: ['npz'] }, saveLabel: vscode.l10n.t('Save Run') }));
    if (!destination) return undefined;
    const saved: { npz?: Uint8Array } = {};
    const outcome = await this.runDocument(await vscode.workspace.openTextDocument(target), false, true, [], (npz) => (saved.npz = npz));
    // Spec errors and failures were reported by the run; a cancelled run saves nothing.
    if (outcome.status !== 'done' || !saved.npz) return undefined;
    try {
      await vscode.workspace.fs.writeFile(destination, saved.npz);
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop: cannot write {0}: {1}', vscode.workspace.asRelativePath(destination), e instanceof Error ? e.message : String(e)));
      return undefined;
    }
    void vscode.window.showInformationMessage(vscode.l10n.t('Backprop: saved the run of {0} to {1}.', fileName(target), vscode.workspace.asRelativePath(destination)));
    return destination;
  }

  /** The spec a baseline command is about: `uri`, else the active run panel's, else the active editor's. */
  private baselineTarget(uri: unknown): vscode.Uri | undefined {
    if (typeof uri === 'string') return vscode.Uri.parse(uri);
    return specTarget(uri instanceof vscode.Uri ? uri : this.w.runPanels.active()?.uri);
  }

  /**
   * Runs `uri` again, as Save Run does (seeded, so the run shown unless the spec was edited since),
   * and keeps every tensor of that run as the spec's baseline: each later run is compared with it.
   * True once pinned.
   */
  async pinBaseline(uri: vscode.Uri | undefined): Promise<boolean> {
    if (!uri) return false;
    const saved: { npz?: Uint8Array } = {};
    const outcome = await this.runDocument(await vscode.workspace.openTextDocument(uri), false, true, [], (npz) => (saved.npz = npz));
    if (outcome.status !== 'done' || !saved.npz) return false;
    return this.setBaseline(uri, saved.npz, vscode.l10n.t({ message: 'run of {0}', args: [new Date().toLocaleTimeString(vscode.env.language)], comment: ['A baseline\'s name: the run pinned, and the time of day it was pinned at ({0}).'] }));
  }

  /** Makes the saved run `file` (an .npz of `backprop run --save` or Save Run), or one the user picks, the baseline of `uri`. */
  async openBaseline(uri: vscode.Uri | undefined, file: vscode.Uri | undefined): Promise<boolean> {
    if (!uri) return false;
    const picked = file ?? (await vscode.window.showOpenDialog({ filters: { [vscode.l10n.t('NumPy .npz')]: ['npz'] }, openLabel: vscode.l10n.t('Open as Baseline'), canSelectMany: false }))?.[0];
    if (!picked) return false;
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(picked);
    } catch (e) {
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop: cannot read {0}: {1}', vscode.workspace.asRelativePath(picked), e instanceof Error ? e.message : String(e)));
      return false;
    }
    return this.setBaseline(uri, bytes, picked.path.slice(picked.path.lastIndexOf('/') + 1));
  }

  private async setBaseline(uri: vscode.Uri, npz: Uint8Array, label: string): Promise<boolean> {
    let baseline;
    try {
      baseline = await this.w.baselines.set(uri, npz, label);
    } catch (e) {
      baseline = vscode.l10n.t('cannot store it: {0}', e instanceof Error ? e.message : String(e));
    }
    if (typeof baseline === 'string') {
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop: {0} cannot be a baseline: {1}', label, baseline));
      return false;
    }
    this.w.runPanels.get(uri)?.post({ type: 'baseline', baseline });
    void vscode.window.showInformationMessage(vscode.l10n.t('Backprop: the baseline of {0} is now {1}; each run shows how it differs.', fileName(uri), label));
    return true;
  }

  /** Stops comparing the runs of `uri` with a baseline. */
  async clearBaseline(uri: vscode.Uri | undefined): Promise<void> {
    if (!uri) return;
    await this.w.baselines.clear(uri);
    this.w.runPanels.get(uri)?.post({ type: 'baseline', baseline: null });
  }

  /** Trains `uri`, or the active editor's spec, into its Train panel; undefined when it cannot train. */
  async openAndTrain(uri: vscode.Uri | undefined): Promise<TrainSession | undefined> {
    const target = specTarget(uri);
    if (!target) return undefined;
    const doc = await vscode.workspace.openTextDocument(target);
    const parsed = this.w.specs.get(doc);
    this.w.live.update(doc);
    const errors = parsed.problems.filter((p) => p.severity === 'error').length;
    if (errors > 0) {
      showSpecErrors(fileName(target), errors, true);
      return undefined;
    }
    if (parsed.spec?.form !== 'network' || !parsed.spec.train) {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('Backprop: {0} has no train: section. Add one, such as {1}.', fileName(target), 'train: { iterations: 1000, batch: 100, optimizer: { type: sgd, lr: 0.1 } }'),
      );
      return undefined;
    }
    const session = this.w.trainer.train(doc, parsed);
    this.w.trainPanels.open(target).follow(session);
    void session.ended.then((status) => this.reportTraining(session, status, doc));
    return session;
  }

  /** Runs a spec that parsed cleanly; its panel loads while the worker computes. */
  private async streamRun(doc: vscode.TextDocument, check: boolean, reveal: boolean, events: RunEvent[], onSaved?: (npz: Uint8Array) => void): Promise<RunOutcome> {
    const { store, runner, live } = this.w;
    const panel = this.w.runPanels.open(doc.uri, reveal);
    store.begin(doc.uri);
    let findings: number | undefined;
    const { runId, outcome } = runner.run(doc, this.w.specs.get(doc), check, (event, id, held) => {
      events.push(event);
      store.add(doc.uri, event);
      panel.hold(id, held);
      panel.post({ type: 'event', runId: id, event: eventForView(inDisplayLanguage(event), PANEL_HEATMAPS) });
      if (event.kind === 'findings') {
        findings = event.findings.length;
        this.panelRuns.set(doc.uri.toString(), id);
        this.postFixes(doc);
      }
    }, onSaved);
    panel.post({ type: 'reset', runId, title: fileName(doc.uri), uri: doc.uri.toString() });
    // The page forgets the baseline on a reset: each run gets it again, after its reset.
    void this.w.baselines.get(doc.uri).then((baseline) => baseline && panel.uri.toString() === doc.uri.toString() && panel.post({ type: 'baseline', baseline }));
    const result = await outcome;
    this.walkthroughDone(doc, check, result.status === 'done' ? findings : undefined);
    if (result.status === 'problems') {
      const first = result.first ?? vscode.l10n.t('the spec has errors');
      const message =
        result.errors > 1
          ? vscode.l10n.t('Nothing ran: {0} (and {1} more). See the Problems panel.', first, count(result.errors - 1))
          : vscode.l10n.t('Nothing ran: {0}. See the Problems panel.', first);
      panel.post({ type: 'error', runId, message });
    } else if (result.status === 'failed') panel.post({ type: 'error', runId, message: said(result) });
    else if (result.status === 'cancelled') panel.post({ type: 'cancelled', runId });
    live.update(doc);
    return result;
  }

  /** Completes the walkthrough's steps 6 and 7 (their onContext keys) when this finished run does what they ask. */
  private walkthroughDone(doc: vscode.TextDocument, check: boolean, findings: number | undefined): void {
    const { state, keys } = walkthroughAfter(this.walkthrough, { uri: doc.uri.toString(), check, findings, ownCode: usesOwnCode(this.w.specs.get(doc).spec) });
    this.walkthrough = state;
    for (const key of keys) void vscode.commands.executeCommand('setContext', key, true);
  }

  /** Tells the spec's panel what its findings' fixes would change in the spec as it is now. */
  postFixes(doc: vscode.TextDocument): void {
    const runId = this.panelRuns.get(doc.uri.toString());
    const panel = this.w.runPanels.get(doc.uri);
    if (runId === undefined || !panel) return;
    const { fixes, all } = runFixes(doc, this.w.specs, this.w.store);
    panel.post({
      type: 'fixes',
      runId,
      fixes: fixes.map((f) => f && said({ ...f.label, message: f.title })),
      all: all && all.labels.map((label, i) => said({ ...label, message: all.changes[i] })),
    });
  }

  /** Applies the fix of the last run's finding `which` of `uri` (or Fix all), the same edit as its quick fix, and shows where it went. */
  async applyFix(uri: vscode.Uri, which: number | 'all'): Promise<boolean> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const planned = runFixes(doc, this.w.specs, this.w.store);
    const fix = which === 'all' ? planned.all : planned.fixes[which];
    if (!fix) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Backprop: nothing to fix in {0}: it has that change already, or its layers changed since the run.', fileName(uri)));
      this.postFixes(doc);
      return false;
    }
    const applied = await vscode.workspace.applyEdit(workspaceEdit(uri, fix.edits));
    this.postFixes(doc);
    if (!applied) return false;
    const { spec } = this.w.specs.get(doc);
    const first = fix.edits[0]?.range.start.line;
    const layer = spec?.form === 'network' && first !== undefined ? spec.layers.findIndex((l) => l.range.start.line <= first && first <= l.range.end.line) : -1;
    if (layer >= 0) await this.w.cursor.reveal(uri, layer, true);
    return true;
  }

  /** Says how a training run ended, when the user needs to hear it. */
  private async reportTraining(session: TrainSession, status: TrainStatus, doc: vscode.TextDocument): Promise<void> {
    const name = fileName(doc.uri);
    if (status.state === 'finished') void vscode.window.showInformationMessage(reportEnd(status, session, name));
    else if (status.state === 'failed') void vscode.window.showErrorMessage(reportEnd(status, session, name));
    else if (status.state === 'nonFinite') {
      const at = session.nonFinite;
      const showLayer = vscode.l10n.t('Show Layer');
      const showTraining = vscode.l10n.t('Show Training');
      const pick = await vscode.window.showWarningMessage(reportEnd(status, session, name), showLayer, showTraining);
      if (pick === showLayer && at) await this.w.cursor.reveal(doc.uri, at.index);
      if (pick === showTraining) this.w.trainPanels.open(doc.uri);
    }
  }
}

/** `uri`, or the active editor's spec (with no active text editor, a visible one's); warns and gives undefined when neither is a spec. */
function specTarget(uri: vscode.Uri | undefined): vscode.Uri | undefined {
  // No text editor in front (a walkthrough button was clicked, say): the spec in view beside it.
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors.find((e) => isSpec(e.document.uri));
  const target = uri instanceof vscode.Uri ? uri : editor?.document.uri;
  if (target && isSpec(target)) return target;
  void vscode.window.showWarningMessage(vscode.l10n.t('Backprop: open a .backprop.yaml, .backprop.yml or .backprop.json spec first.'));
  return undefined;
}

/** Says the spec has errors, and that nothing ran (or, for `training`, nothing trained), offering the Problems view. */
function showSpecErrors(name: string, errors: number, training: boolean): void {
  const message = training ? vscode.l10n.t('Backprop: {0} has {1} error(s). Nothing trained.', name, count(errors)) : vscode.l10n.t('Backprop: {0} has {1} error(s). Nothing ran.', name, count(errors));
  void vscode.window
    .showErrorMessage(message, vscode.l10n.t('Show Problems'))
    .then((pick) => pick && vscode.commands.executeCommand('workbench.actions.view.problems'));
}
