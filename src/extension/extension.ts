// Entry point: builds the extension's parts and wires them to VS Code. Engine work happens in the
// worker, through the one engine client; parsing is pure and quick, and happens here.
import * as vscode from 'vscode';
import type { RunEvent, WireBaseline } from '../protocol';
import { readBaseline } from './baseline-read';
import { said } from './locale';
import { Baselines } from './baselines';
import { Commands } from './commands';
import { LayerCursor } from './cursor';
import { registerDebugger } from './debug';
import { FindingFixes, LiveDiagnostics, SPEC_SELECTOR, SpecCompletions, SpecHovers, SpecLenses } from './editor';
import { EngineClient } from './engine-client';
import { PANEL_VIEW_TYPE, PINNED_CONTEXT_KEY, RunPanel } from './panel';
import { PanelRegistry } from './panels';
import { Runner, type RunOutcome } from './runner';
import { PythonExtensionInterpreter } from './python-interpreter';
import { pythonPath, userCodeLimitMs } from './settings';
import { SIDE_VIEW_ID, SideView } from './sideView';
import { isSpec, SpecIndex } from './specs';
import { RunStore } from './store';
import { TRAIN_VIEW_TYPE, TrainPanel } from './train-panel';
import type { TrainSession } from './train-session';
import { Trainer } from './trainer';
import { registerOpenExample } from './walkthrough';

/** What tests (and other extensions) can call. */
export interface BackpropApi {
  /** Runs a spec as the command does and resolves with its events and how it ended; `events`, if given, fills as they stream. */
  run(uri: vscode.Uri, options?: { check?: boolean; events?: RunEvent[] }): Promise<{ events: RunEvent[]; outcome: RunOutcome }>;
  /** URIs of the specs that have an open panel. */
  openPanels(): string[];
  /** Trains a spec as the command does; resolves once training started (or was refused), with its session. */
  train(uri: vscode.Uri): Promise<TrainSession | undefined>;
  /** URIs of the specs that have an open Train panel. */
  openTrainPanels(): string[];
  /** For fault tests: the engine's workers by key (a spec's URI for its runs, `train <URI>` for its training), and whether a job runs in each. */
  engineWorkers(): { key: string; running: boolean }[];
  /** For fault tests: ends the thread of the spec's worker as a crash would, mid-job or not; settles once it is gone. */
  killEngine(uri: vscode.Uri): Promise<void>;
  /** The spec's baseline as its panel gets it (read from storage the first time), or null. */
  baseline(uri: vscode.Uri): Promise<WireBaseline | null>;
}

export function activate(context: vscode.ExtensionContext): BackpropApi {
  const dist = (file: string) => vscode.Uri.joinPath(context.extensionUri, 'dist', file).fsPath;
  // The interpreter for Python layers: the setting, else the Python extension's selection, else python3.
  const pythonExtension = new PythonExtensionInterpreter();
  context.subscriptions.push(pythonExtension);
  const engine = new EngineClient({
    workerPath: dist('worker.js'),
    mnistPath: dist('mnist-digits.bin'),
    userCodeLimitMs,
    pythonPath: () => pythonPath() ?? pythonExtension.current,
    trusted: () => vscode.workspace.isTrusted,
    workspaceFolders: () => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
  });
  const collection = vscode.languages.createDiagnosticCollection('backprop');
  const specs = new SpecIndex();
  const store = new RunStore();
  // The panel's fix buttons follow the spec as it is typed, as the quick fixes do.
  const live = new LiveDiagnostics(collection, specs, store, (doc) => commands.postFixes(doc));
  const dataProblems = (doc: vscode.TextDocument, problems: Parameters<LiveDiagnostics['setDataProblems']>[1]) => live.setDataProblems(doc, problems);
  const runner = new Runner(engine, dataProblems);
  const trainer = new Trainer(engine, dataProblems);

  const cursor: LayerCursor = new LayerCursor(specs, store, () => side, () => runPanels);
  const side = new SideView(context.extensionUri, store, trainer, (uri, index) => void cursor.reveal(uri, index));
  const runPanels: PanelRegistry<RunPanel> = new PanelRegistry({
    viewType: PANEL_VIEW_TYPE,
    title: (name, pinned) => (pinned ? vscode.l10n.t('Backprop: {0} (pinned)', name) : vscode.l10n.t({ message: 'Backprop: {0}', args: [name], comment: ["A run panel's tab: the spec's name."] })),
    options: { enableScripts: true, enableFindWidget: true },
    create: (panel, uri, onDispose) => {
      const view: RunPanel = new RunPanel(panel, uri, context.extensionUri, {
        rerun: (target) => void commands.openAndRun(target, false, true),
        selectLayer: (target, index) => void cursor.reveal(target, index, true),
        selectCell: (target, index, param, row, col) => void cursor.showCell(target, index, param, row, col),
        applyFix: (target, which) => void commands.applyFix(target, which),
        baseline: (target, pin) => void (pin ? commands.pinBaseline(target) : commands.clearBaseline(target)),
      }, () => {
        onDispose();
        runPanelClosed(view.uri);
      });
      return view;
    },
    // Tensors are not saved with the page; running the spec again brings them back. Several panels
    // may be restored at once: none of them should jump to the front.
    restored: (uri) => void commands.openAndRun(uri, false, false),
    retarget: (view, uri) => {
      const shown = view.uri;
      view.show(uri);
      runPanelClosed(shown);
    },
    pinnedContextKey: PINNED_CONTEXT_KEY,
    pins: context.workspaceState,
  });
  const trainPanels: PanelRegistry<TrainPanel> = new PanelRegistry({
    viewType: TRAIN_VIEW_TYPE,
    title: (name, pinned) => (pinned ? vscode.l10n.t('Train: {0} (pinned)', name) : vscode.l10n.t({ message: 'Train: {0}', args: [name], comment: ["A Train panel's tab: the spec's name."] })),
    options: { enableScripts: true },
    // A session outlives a page reload but not a window reload; the panel then offers Train again.
    create: (panel, uri, onDispose) => {
      const view = new TrainPanel(panel, uri, context.extensionUri, {
        cancel: (target) => trainer.cancel(target),
        retrain: (target) => void commands.openAndTrain(target),
        revealLayer: (target, index) => void cursor.reveal(target, index),
      }, onDispose);
      const session = trainer.get(uri);
      if (session) view.follow(session);
      return view;
    },
  });
  const baselines = new Baselines(vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'baselines'), context.storageUri ? context.workspaceState : context.globalState, (npz, label) =>
    readBaseline(engine, npz, label, said),
  );
  const commands = new Commands({ specs, store, live, runner, trainer, runPanels, trainPanels, cursor, side, baselines });

  /**
   * A run streams only to its panel, so closing the panel cancels it; the worker stays warm while
   * the spec is open, and goes with the panel when the spec was closed first.
   */
  const runPanelClosed = (uri: vscode.Uri) => {
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) runner.cancel(uri);
    else runner.release(uri);
  };

  /** A spec's worker starts when the spec opens, so its first run does not wait for one. */
  const opened = (doc: vscode.TextDocument) => {
    if (!isSpec(doc.uri)) return;
    runner.warm(doc.uri);
    live.update(doc);
  };

  context.subscriptions.push(
    { dispose: () => engine.dispose() },
    collection,
    trainer,
    store,
    live,
    side,
    cursor,
    runPanels,
    trainPanels,
    ...commands.register(),
    ...registerDebugger(engine, runPanels, { trainer, trainPanels }),
    registerOpenExample(context.extensionUri),
    vscode.window.registerWebviewViewProvider(SIDE_VIEW_ID, side),
    vscode.languages.registerHoverProvider(SPEC_SELECTOR, new SpecHovers(specs, store)),
    vscode.languages.registerCodeLensProvider(SPEC_SELECTOR, new SpecLenses(specs, store)),
    vscode.languages.registerCompletionItemProvider(SPEC_SELECTOR, new SpecCompletions(), ':', ' ', '-'),
    vscode.languages.registerCodeActionsProvider(SPEC_SELECTOR, new FindingFixes(live, specs, store), { providedCodeActionKinds: FindingFixes.kinds }),
    vscode.workspace.onDidOpenTextDocument(opened),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (!isSpec(e.document.uri) || e.contentChanges.length === 0) return;
      store.markStale(e.document.uri);
      runPanels.get(e.document.uri)?.post({ type: 'stale' });
      live.schedule(e.document);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (!isSpec(doc.uri)) return;
      specs.forget(doc.uri);
      live.forget(doc.uri);
      if (!runPanels.get(doc.uri)) runner.release(doc.uri);
    }),
    // A tab's document may stay loaded long after the tab closes: its last run's findings leave the Problems view with its last tab.
    vscode.window.tabGroups.onDidChangeTabs((e) => {
      const open = new Set(vscode.window.tabGroups.all.flatMap((g) => g.tabs).flatMap((t) => (t.input instanceof vscode.TabInputText ? [t.input.uri.toString()] : [])));
      for (const tab of e.closed) {
        if (tab.input instanceof vscode.TabInputText && isSpec(tab.input.uri) && !open.has(tab.input.uri.toString())) live.forget(tab.input.uri);
      }
    }),
    vscode.window.onDidChangeTextEditorSelection((e) => cursor.follow(e.textEditor)),
    vscode.window.onDidChangeActiveTextEditor((editor) => cursor.follow(editor)),
    store.onDidChange((uri) => {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc && store.get(uri)?.done) live.update(doc);
    }),
  );

  vscode.workspace.textDocuments.forEach(opened);
  cursor.follow(vscode.window.activeTextEditor);

  return {
    async run(uri, options) {
      const events = options?.events ?? [];
      const outcome = await commands.runDocument(await vscode.workspace.openTextDocument(uri), options?.check ?? false, true, events);
      return { events, outcome };
    },
    openPanels: () => runPanels.uris(),
    train: (uri) => commands.openAndTrain(uri),
    openTrainPanels: () => trainPanels.uris(),
    engineWorkers: () => engine.workers(),
    killEngine: (uri) => engine.kill(uri.toString()),
    baseline: (uri) => baselines.get(uri),
  };
}

export function deactivate(): void {}
