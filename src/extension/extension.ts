// Entry point: the "Run Backprop" and "Gradient Check" commands, the run panels and their restore
// after a reload. Engine work happens in the worker (runner.ts); this file only wires things up.
import * as vscode from 'vscode';
import type { LayerInfo, RunEvent } from '../protocol';
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
    const key = doc.uri.toString();
    let panel: RunPanel | null = null;
    const { runId, outcome } = runner.run(doc, check, {
      onEvent: (event, id) => {
        events.push(event);
        // The panel opens with the first event, so a spec with errors opens none.
        if (!panel) {
          panel = panelFor(doc.uri, reveal);
          panel.post({ type: 'reset', runId: id, title: doc.uri.path.split('/').pop() ?? '', uri: key });
        }
        if (event.kind === 'start') layerLines.set(key, event.layers);
        panel.post({ type: 'event', runId: id, event });
      },
    });
    const result = await outcome;
    const name = doc.uri.path.split('/').pop();
    if (result.status === 'problems') {
      panels.get(key)?.post({ type: 'error', runId, message: `${name} has ${result.errors} error(s); see the Problems panel.` });
      void vscode.window
        .showErrorMessage(`Backprop: ${name} has ${result.errors} error(s). Nothing ran.`, 'Show Problems')
        .then((pick) => pick && vscode.commands.executeCommand('workbench.actions.view.problems'));
    } else if (result.status === 'cancelled') {
      panels.get(key)?.post({ type: 'cancelled', runId });
    } else if (result.status === 'failed') {
      panels.get(key)?.post({ type: 'error', runId, message: result.message });
      void vscode.window.showErrorMessage(`Backprop: ${result.message}. The next run starts a fresh engine.`);
    }
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
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (isSpec(doc.uri) && !panels.has(doc.uri.toString())) runner.cancel(doc.uri.toString());
    }),
  );

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
