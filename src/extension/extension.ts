// Entry point: the "Run Backprop" and "Gradient Check" commands, the run panels and their restore
// after a reload. Engine work happens in the worker (runner.ts); this file only wires things up.
import * as vscode from 'vscode';
import type { LayerInfo, RunEvent } from '../protocol';
import { loadSpec } from '../spec';
import { toDiagnostic } from './diagnostics';
import { PANEL_VIEW_TYPE, RunPanel, type PanelActions } from './panel';
import { Runner, type RunOutcome } from './runner';

const SPEC_FILE = /\.backprop\.(ya?ml|json)$/i;

/** True for *.backprop.yaml, *.backprop.yml and *.backprop.json. */
export function isSpec(uri: vscode.Uri): boolean {
  return SPEC_FILE.test(uri.path);
}

/** What tests (and other extensions) can call. */
export interface BackpropApi {
  /** Runs a spec as the command does and resolves with its events and how it ended. */
  run(uri: vscode.Uri, options?: { check?: boolean }): Promise<{ events: RunEvent[]; outcome: RunOutcome }>;
  /** URIs of the specs that have an open panel. */
  openPanels(): string[];
}

export function activate(context: vscode.ExtensionContext): BackpropApi {
  const diagnostics = vscode.languages.createDiagnosticCollection('backprop');
  const runner = new Runner(context.extensionUri, diagnostics);
  const panels = new Map<string, RunPanel>();
  /** Layer lines of each spec's last run, for revealing a layer selected in the panel. */
  const layerLines = new Map<string, LayerInfo[]>();

  const actions: PanelActions = {
    rerun: (uri) => void openAndRun(uri, false, true),
    selectLayer: (uri, index) => {
      const line = layerLines.get(uri.toString())?.[index]?.line;
      const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
      if (line === undefined || !editor) return;
      const range = editor.document.lineAt(line).range;
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      editor.selection = new vscode.Selection(range.start, range.start);
    },
  };

  /** A spec's worker starts when the spec opens, so its first run does not wait for one. */
  const warm = (doc: vscode.TextDocument) => {
    if (isSpec(doc.uri)) runner.warm(doc.uri);
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
    const title = `Backprop: ${uri.path.split('/').pop()?.replace(SPEC_FILE, '')}`;
    // Panels share one editor group beside the spec, instead of each opening a group further right.
    const shared = [...panels.values()][0]?.panel.viewColumn;
    const activeColumn = vscode.window.activeTextEditor?.viewColumn;
    const viewColumn = shared !== undefined && shared !== activeColumn ? shared : vscode.ViewColumn.Beside;
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, title, { viewColumn, preserveFocus: true }, {
      enableScripts: true,
      enableFindWidget: true,
    });
    return attach(panel, uri);
  };

  async function runDocument(doc: vscode.TextDocument, check: boolean, reveal: boolean, events: RunEvent[] = []): Promise<RunOutcome> {
    const name = doc.uri.path.split('/').pop() ?? '';
    // Parsing and shape inference are quick and pure: a spec with errors gets its diagnostics and
    // no panel. Everything that runs the engine or reads data happens in the worker.
    const { problems } = loadSpec(doc.getText(), name);
    diagnostics.set(doc.uri, problems.map(toDiagnostic));
    const errors = problems.filter((p) => p.severity === 'error').length;
    const result = errors > 0 ? ({ status: 'problems', errors } as const) : await streamRun(doc, check, reveal, events);
    if (result.status === 'problems') {
      void vscode.window
        .showErrorMessage(`Backprop: ${name} has ${result.errors} error(s). Nothing ran.`, 'Show Problems')
        .then((pick) => pick && vscode.commands.executeCommand('workbench.actions.view.problems'));
    } else if (result.status === 'failed') {
      void vscode.window.showErrorMessage(`Backprop: ${result.message}. The next run starts a fresh engine.`);
    }
    return result;
  }

  /** Runs a spec that parsed cleanly; its panel loads while the worker computes. */
  async function streamRun(doc: vscode.TextDocument, check: boolean, reveal: boolean, events: RunEvent[]): Promise<RunOutcome> {
    const key = doc.uri.toString();
    const panel = panelFor(doc.uri, reveal);
    const { runId, outcome } = runner.run(doc, check, {
      onEvent: (event, id) => {
        events.push(event);
        if (event.kind === 'start') layerLines.set(key, event.layers);
        panel.post({ type: 'event', runId: id, event });
      },
    });
    panel.post({ type: 'reset', runId, title: doc.uri.path.split('/').pop() ?? '', uri: key });
    const result = await outcome;
    if (result.status === 'problems') panel.post({ type: 'error', runId, message: `${result.errors} error(s) loading the spec's data; see the Problems panel.` });
    else if (result.status === 'failed') panel.post({ type: 'error', runId, message: result.message });
    else if (result.status === 'cancelled') panel.post({ type: 'cancelled', runId });
    return result;
  }

  async function openAndRun(uri: vscode.Uri | undefined, check: boolean, reveal: boolean): Promise<RunOutcome | undefined> {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target || !isSpec(target)) {
      void vscode.window.showWarningMessage('Backprop: open a .backprop.yaml, .backprop.yml or .backprop.json spec first.');
      return undefined;
    }
    return runDocument(await vscode.workspace.openTextDocument(target), check, reveal);
  }

  context.subscriptions.push(
    diagnostics,
    runner,
    vscode.commands.registerCommand('backprop.run', (uri?: vscode.Uri) => openAndRun(uri, false, true)),
    vscode.commands.registerCommand('backprop.check', (uri?: vscode.Uri) => openAndRun(uri, true, true)),
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
    vscode.workspace.onDidOpenTextDocument(warm),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (isSpec(doc.uri) && !panels.has(doc.uri.toString())) runner.release(doc.uri.toString());
    }),
  );

  vscode.workspace.textDocuments.forEach(warm);

  return {
    async run(uri, options) {
      const events: RunEvent[] = [];
      const outcome = await runDocument(await vscode.workspace.openTextDocument(uri), options?.check ?? false, true, events);
      return { events, outcome };
    },
    openPanels: () => [...panels.keys()],
  };
}

export function deactivate(): void {}
