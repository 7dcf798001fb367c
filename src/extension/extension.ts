// Entry point: wires commands, run panels (and their restore after a reload), the side view and the
// editor features together. Engine work happens in the worker (runner.ts); parsing is pure and quick.
import * as vscode from 'vscode';
import { fmtFull } from '../format';
import type { RunEvent, TrainStatus } from '../protocol';
import { FindingFixes, LiveDiagnostics, SPEC_SELECTOR, SpecCompletions, SpecHovers, SpecLenses } from './editor';
import { PANEL_VIEW_TYPE, RunPanel, type PanelActions } from './panel';
import { Runner, type RunOutcome } from './runner';
import { SIDE_VIEW_ID, SideView } from './sideView';
import { fileName, isSpec, SPEC_FILE, SpecIndex, toRange } from './specs';
import { RunStore } from './store';
import { newSpec } from './templates';
import { TRAIN_VIEW_TYPE, TrainPanel, type TrainPanelActions } from './train-panel';
import type { TrainSession } from './train-session';
import { describeEnd, Trainer } from './trainer';

/** What tests (and other extensions) can call. */
export interface BackpropApi {
  /** Runs a spec as the command does and resolves with its events and how it ended. */
  run(uri: vscode.Uri, options?: { check?: boolean }): Promise<{ events: RunEvent[]; outcome: RunOutcome }>;
  /** URIs of the specs that have an open panel. */
  openPanels(): string[];
  /** Trains a spec as the command does; resolves once training started (or was refused), with its session. */
  train(uri: vscode.Uri): Promise<TrainSession | undefined>;
  /** URIs of the specs that have an open Train panel. */
  openTrainPanels(): string[];
}

export function activate(context: vscode.ExtensionContext): BackpropApi {
  const collection = vscode.languages.createDiagnosticCollection('backprop');
  const specs = new SpecIndex();
  const store = new RunStore();
  const live = new LiveDiagnostics(collection, specs, store);
  const runner = new Runner(context.extensionUri, (doc, problems) => live.setDataProblems(doc, problems));
  const panels = new Map<string, RunPanel>();
  const cellValue = vscode.window.createTextEditorDecorationType({
    after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
  });

  /** Puts the cursor on layer `index` of the spec (index = layer count: the loss), in a visible editor (opening one if needed). */
  /** The layer under the spec editor's cursor, as `uri#index`: what the panel and side view last followed. */
  let lastCursor = '';
  /**
   * Puts the cursor on layer `index` (or the loss, after the last layer) of the spec. The side view
   * and the run panel follow, except a panel that asked: told back, a late echo would undo a
   * selection the user made in it since (click one row, arrow to the next, the echo arrives).
   */
  const revealLayer = async (uri: vscode.Uri, index: number, askedByPanel = false): Promise<vscode.TextEditor | undefined> => {
    const doc = await vscode.workspace.openTextDocument(uri);
    const { spec } = specs.get(doc);
    const range = spec?.form !== 'network' ? undefined : index === spec.layers.length && spec.loss ? spec.lossRange : spec.layers[index]?.typeRange;
    if (!range) return undefined;
    const visible = vscode.window.visibleTextEditors.find((e) => e.document === doc);
    const editor = visible ?? (await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: true }));
    const at = toRange(range).start;
    const layer = specs.layerAt(doc, at);
    // Set first, so the selection event below finds nothing new to follow.
    lastCursor = `${doc.uri.toString()}#${layer}`;
    side.show(doc.uri, index);
    if (!askedByPanel && layer >= 0) panels.get(doc.uri.toString())?.post({ type: 'select', index: layer });
    editor.selection = new vscode.Selection(at, at);
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    return editor;
  };

  const trainer = new Trainer(context.extensionUri, (doc, problems) => live.setDataProblems(doc, problems));
  const trainPanels = new Map<string, TrainPanel>();
  const side = new SideView(context.extensionUri, store, trainer, (uri, index) => void revealLayer(uri, index));

  const actions: PanelActions = {
    rerun: (uri) => void openAndRun(uri, false, true),
    selectLayer: (uri, index) => void revealLayer(uri, index, true),
    selectCell: async (uri, index, param, row, col) => {
      const editor = await revealLayer(uri, index, true);
      const layer = store.get(uri)?.layers[index];
      const value = layer?.params[param];
      const grad = layer?.grads[param];
      if (!editor || !value || value.shape.length === 0) return;
      const cols = value.shape.length === 1 ? value.shape[0] : value.shape[1];
      const at = value.shape.length === 1 ? col : row * cols + col;
      const name = value.shape.length === 1 ? `${param}[${col}]` : `${param}[${row},${col}]`;
      const v = new Float64Array(value.buffer)[at];
      const g = grad ? new Float64Array(grad.buffer)[at] : undefined;
      if (v === undefined) return;
      const text = `${layer.info.name}.${name} = ${fmtFull(v)}${g === undefined ? '' : `   ∂loss/∂${name} = ${fmtFull(g)}`}`;
      const line = editor.selection.active.line;
      editor.setDecorations(cellValue, [{ range: editor.document.lineAt(line).range, renderOptions: { after: { contentText: text } } }]);
      // A long line can push the decoration out of view; the status bar always shows.
      vscode.window.setStatusBarMessage(text, 15_000);
    },
  };

  /** A spec's worker starts when the spec opens, so its first run does not wait for one. */
  const opened = (doc: vscode.TextDocument) => {
    if (!isSpec(doc.uri)) return;
    runner.warm(doc.uri);
    live.update(doc);
  };

  const attach = (panel: vscode.WebviewPanel, uri: vscode.Uri): RunPanel => {
    const key = uri.toString();
    const run = new RunPanel(panel, uri, context.extensionUri, actions, () => panels.delete(key));
    panels.set(key, run);
    return run;
  };

  /** The spec's panel, created if needed; `reveal` brings an existing one to the front. */
  const panelFor = (uri: vscode.Uri, reveal: boolean): RunPanel => {
    const existing = panels.get(uri.toString());
    if (existing) {
      if (reveal) existing.panel.reveal(undefined, true);
      return existing;
    }
    const title = `Backprop: ${fileName(uri).replace(SPEC_FILE, '')}`;
    // Panels share one editor group beside the spec, instead of each opening a group further right.
    const shared = [...panels.values()][0]?.panel.viewColumn;
    const activeColumn = vscode.window.activeTextEditor?.viewColumn;
    const viewColumn = shared !== undefined && shared !== activeColumn ? shared : vscode.ViewColumn.Beside;
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, title, { viewColumn, preserveFocus: true }, { enableScripts: true, enableFindWidget: true });
    return attach(panel, uri);
  };

  async function runDocument(doc: vscode.TextDocument, check: boolean, reveal: boolean, events: RunEvent[] = []): Promise<RunOutcome> {
    const name = fileName(doc.uri);
    // Parsing and shape inference are quick and pure: a spec with errors gets its diagnostics and
    // no panel. Everything that runs the engine or reads data happens in the worker.
    const { problems } = specs.get(doc);
    live.update(doc);
    const errors = problems.filter((p) => p.severity === 'error').length;
    const result = errors > 0 ? ({ status: 'problems', errors } as const) : await streamRun(doc, check, reveal, events);
    if (result.status === 'problems') showSpecErrors(name, result.errors, 'Nothing ran.');
    else if (result.status === 'failed') {
      // A custom layer at fault gets the error on its line, where the user fixes it.
      const layer = result.layer === undefined ? undefined : specs.get(doc).spec;
      if (layer?.form === 'network' && result.layer !== undefined && layer.layers[result.layer]) {
        live.setDataProblems(doc, [{ message: result.message, range: layer.layers[result.layer].typeRange, severity: 'error' }]);
      }
      void vscode.window.showErrorMessage(`Backprop: ${result.message}. The next run starts a fresh engine.`);
    }
    return result;
  }

  /** Runs a spec that parsed cleanly; its panel loads while the worker computes. */
  async function streamRun(doc: vscode.TextDocument, check: boolean, reveal: boolean, events: RunEvent[]): Promise<RunOutcome> {
    const panel = panelFor(doc.uri, reveal);
    store.begin(doc.uri);
    const { spec } = specs.get(doc);
    const { runId, outcome } = runner.run(doc, check, spec?.form === 'network' ? spec.layers.map((l) => l.name) : [], {
      onEvent: (event, id) => {
        events.push(event);
        store.add(doc.uri, event);
        panel.post({ type: 'event', runId: id, event });
      },
    });
    panel.post({ type: 'reset', runId, title: fileName(doc.uri), uri: doc.uri.toString() });
    const result = await outcome;
    if (result.status === 'problems') {
      const more = result.errors > 1 ? ` (and ${result.errors - 1} more)` : '';
      panel.post({ type: 'error', runId, message: `Nothing ran: ${result.first ?? 'the spec has errors'}${more}. See the Problems panel.` });
    }
    else if (result.status === 'failed') panel.post({ type: 'error', runId, message: result.message });
    else if (result.status === 'cancelled') panel.post({ type: 'cancelled', runId });
    live.update(doc);
    return result;
  }

  /** `uri`, or the active editor's spec; warns and gives undefined when neither is a spec. */
  function specTarget(uri: vscode.Uri | undefined): vscode.Uri | undefined {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (target && isSpec(target)) return target;
    void vscode.window.showWarningMessage('Backprop: open a .backprop.yaml, .backprop.yml or .backprop.json spec first.');
    return undefined;
  }

  /** Says the spec has errors, offering the Problems view. */
  function showSpecErrors(name: string, errors: number, nothing: string): void {
    void vscode.window
      .showErrorMessage(`Backprop: ${name} has ${errors} error(s). ${nothing}`, 'Show Problems')
      .then((pick) => pick && vscode.commands.executeCommand('workbench.actions.view.problems'));
  }

  async function openAndRun(uri: vscode.Uri | undefined, check: boolean, reveal: boolean): Promise<RunOutcome | undefined> {
    const target = specTarget(uri);
    return target && runDocument(await vscode.workspace.openTextDocument(target), check, reveal);
  }

  const trainActions: TrainPanelActions = {
    cancel: (uri) => trainer.cancel(uri),
    retrain: (uri) => void openAndTrain(uri),
    revealLayer: (uri, index) => void revealLayer(uri, index),
  };

  const attachTrain = (panel: vscode.WebviewPanel, uri: vscode.Uri): TrainPanel => {
    const key = uri.toString();
    const view = new TrainPanel(panel, uri, context.extensionUri, trainActions, () => trainPanels.delete(key));
    trainPanels.set(key, view);
    const session = trainer.get(uri);
    if (session) view.follow(session);
    return view;
  };

  /** The spec's Train panel, created beside the editor if needed, and brought to the front. */
  const trainPanelFor = (uri: vscode.Uri): TrainPanel => {
    const existing = trainPanels.get(uri.toString());
    if (existing) {
      existing.panel.reveal(undefined, true);
      return existing;
    }
    const title = `Train: ${fileName(uri).replace(SPEC_FILE, '')}`;
    const panel = vscode.window.createWebviewPanel(TRAIN_VIEW_TYPE, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
    return attachTrain(panel, uri);
  };

  /** Says how a training run ended, when the user needs to hear it. */
  const reportTraining = async (session: TrainSession, status: TrainStatus, doc: vscode.TextDocument) => {
    const name = fileName(doc.uri);
    if (status.state === 'finished') void vscode.window.showInformationMessage(`Backprop: ${name} ${describeEnd(status, session)}.`);
    else if (status.state === 'failed') void vscode.window.showErrorMessage(`Backprop: training ${name} failed: ${describeEnd(status, session)}`);
    else if (status.state === 'nonFinite') {
      const at = session.nonFinite;
      const pick = await vscode.window.showWarningMessage(`Backprop: training ${name} ${describeEnd(status, session)}.`, 'Show Layer', 'Show Training');
      if (pick === 'Show Layer' && at) await revealLayer(doc.uri, at.index);
      if (pick === 'Show Training') trainPanelFor(doc.uri);
    }
  };

  async function openAndTrain(uri: vscode.Uri | undefined): Promise<TrainSession | undefined> {
    const target = specTarget(uri);
    if (!target) return undefined;
    const doc = await vscode.workspace.openTextDocument(target);
    const { spec, problems } = specs.get(doc);
    live.update(doc);
    const errors = problems.filter((p) => p.severity === 'error').length;
    if (errors > 0) {
      showSpecErrors(fileName(target), errors, 'Nothing trained.');
      return undefined;
    }
    if (spec?.form !== 'network' || !spec.train) {
      void vscode.window.showWarningMessage(
        `Backprop: ${fileName(target)} has no train: section. Add one, such as train: { iterations: 1000, batch: 100, optimizer: { type: sgd, lr: 0.1 } }.`,
      );
      return undefined;
    }
    const session = trainer.train(doc);
    trainPanelFor(target).follow(session);
    void session.ended.then((status) => reportTraining(session, status, doc));
    return session;
  }

  /** The cursor's layer: selected in the spec's panel and shown in the side view. */
  const followCursor = (editor: vscode.TextEditor | undefined) => {
    if (!editor || !isSpec(editor.document.uri)) return;
    const index = specs.layerAt(editor.document, editor.selection.active);
    const key = `${editor.document.uri.toString()}#${index}`;
    if (key === lastCursor) return;
    lastCursor = key;
    side.show(editor.document.uri, index);
    if (index >= 0) panels.get(editor.document.uri.toString())?.post({ type: 'select', index });
  };

  context.subscriptions.push(
    collection,
    runner,
    trainer,
    store,
    live,
    side,
    cellValue,
    vscode.commands.registerCommand('backprop.run', (uri?: vscode.Uri) => openAndRun(uri, false, true)),
    vscode.commands.registerCommand('backprop.check', (uri?: vscode.Uri) => openAndRun(uri, true, true)),
    vscode.commands.registerCommand('backprop.train', (uri?: vscode.Uri) => openAndTrain(uri)),
    vscode.commands.registerCommand('backprop.cancelTraining', (uri?: vscode.Uri) => trainer.cancel(uri instanceof vscode.Uri ? uri : undefined)),
    vscode.commands.registerCommand('backprop.showTraining', (uri?: unknown) => {
      const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (target) trainPanelFor(target);
    }),
    vscode.commands.registerCommand('backprop.newSpec', () => newSpec()),
    vscode.commands.registerCommand('backprop.showLayer', async (uri: unknown, index: unknown) => {
      if (typeof uri !== 'string' || typeof index !== 'number') return;
      const target = vscode.Uri.parse(uri);
      await vscode.commands.executeCommand(`${SIDE_VIEW_ID}.focus`);
      side.show(target, index);
      panels.get(uri)?.post({ type: 'select', index });
    }),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state: unknown) {
        const saved = typeof state === 'object' && state !== null ? (state as { uri?: unknown }).uri : undefined;
        if (typeof saved !== 'string') {
          panel.dispose();
          return;
        }
        const uri = vscode.Uri.parse(saved);
        attach(panel, uri);
        // Tensors are not saved with the page; running the spec again brings them back. Several
        // panels may be restored at once: none of them should jump to the front.
        await openAndRun(uri, false, false);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(TRAIN_VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state: unknown) {
        const saved = typeof state === 'object' && state !== null ? (state as { uri?: unknown }).uri : undefined;
        // A session outlives a page reload but not a window reload; the panel then offers Train again.
        if (typeof saved === 'string') attachTrain(panel, vscode.Uri.parse(saved));
        else panel.dispose();
      },
    }),
    vscode.window.registerWebviewViewProvider(SIDE_VIEW_ID, side),
    vscode.languages.registerHoverProvider(SPEC_SELECTOR, new SpecHovers(specs, store)),
    vscode.languages.registerCodeLensProvider(SPEC_SELECTOR, new SpecLenses(specs, store)),
    vscode.languages.registerCompletionItemProvider(SPEC_SELECTOR, new SpecCompletions(), ':', ' ', '-'),
    vscode.languages.registerCodeActionsProvider(SPEC_SELECTOR, new FindingFixes(live, specs), { providedCodeActionKinds: FindingFixes.kinds }),
    vscode.workspace.onDidOpenTextDocument(opened),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (!isSpec(e.document.uri) || e.contentChanges.length === 0) return;
      store.markStale(e.document.uri);
      live.schedule(e.document);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (!isSpec(doc.uri)) return;
      specs.forget(doc.uri);
      if (!panels.has(doc.uri.toString())) runner.release(doc.uri.toString());
    }),
    vscode.window.onDidChangeTextEditorSelection((e) => followCursor(e.textEditor)),
    vscode.window.onDidChangeActiveTextEditor(followCursor),
    store.onDidChange((uri) => {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc && store.get(uri)?.done) live.update(doc);
    }),
  );

  vscode.workspace.textDocuments.forEach(opened);
  followCursor(vscode.window.activeTextEditor);

  return {
    async run(uri, options) {
      const events: RunEvent[] = [];
      const outcome = await runDocument(await vscode.workspace.openTextDocument(uri), options?.check ?? false, true, events);
      return { events, outcome };
    },
    openPanels: () => [...panels.keys()],
    train: (uri) => openAndTrain(uri),
    openTrainPanels: () => [...trainPanels.keys()],
  };
}

export function deactivate(): void {}
