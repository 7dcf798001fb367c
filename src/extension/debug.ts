// The `backprop` debugger in VS Code: the inline adapter (src/debug/adapter.ts) over debug jobs of
// the one engine client, F5 on an open spec without a launch.json, and the "Debug Backprop" command.
import * as vscode from 'vscode';
import { BackpropDebugSession, type DebugHost, type LaunchArguments } from '../debug/adapter';
import { PANEL_HEATMAPS, eventForView } from '../heatmaps';
import { openDebugRun, type DebugRunView } from './debug-run';
import type { EngineClient } from './engine-client';
import type { RunPanel } from './panel';
import type { PanelRegistry } from './panels';
import { healthThresholds } from './settings';
import { fileName, isSpec, specText } from './specs';

export const DEBUG_TYPE = 'backprop';

/** A launch configuration debugging the spec at `uri`. */
function launchConfig(uri: vscode.Uri, train = false): vscode.DebugConfiguration & LaunchArguments {
  const file = uri.path.split('/').pop();
  return { type: DEBUG_TYPE, request: 'launch', name: train ? `Debug training of ${file}` : `Debug ${file}`, spec: uri.fsPath, ...(train && { train }) };
}

/** The active editor's spec, if it shows one. */
function activeSpec(): vscode.Uri | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri && isSpec(uri) ? uri : undefined;
}

/** F5 with no launch.json debugs the open spec; a configuration without `spec` takes the open one too. */
class SpecDebugConfigurations implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    if (config.type && config.type !== DEBUG_TYPE) return config;
    if (typeof config.spec === 'string' && config.spec !== '') return { ...config, type: DEBUG_TYPE, request: config.request ?? 'launch' };
    const spec = activeSpec();
    if (!spec) {
      void vscode.window.showErrorMessage('Backprop: open a spec (*.backprop.yaml, .yml or .json) to debug it.');
      return undefined;
    }
    return { ...launchConfig(spec), ...config, type: DEBUG_TYPE, request: 'launch', spec: spec.fsPath, name: config.name || launchConfig(spec).name };
  }
}

/** Debugs the spec at `uri` (else the open one): its run, or its training. */
async function startDebugging(uri: vscode.Uri | undefined, train: boolean): Promise<void> {
  const spec = uri instanceof vscode.Uri ? uri : activeSpec();
  if (!spec) return void vscode.window.showErrorMessage('Backprop: open a spec (*.backprop.yaml, .yml or .json) to debug it.');
  await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(spec), launchConfig(spec, train));
}

/**
 * The spec's run panel as a debug session's view: it opens at the session's first event and shows
 * each layer as the session reaches it (each debugged training step as a run of its own), the
 * stopped layer selected; a session ended before its run did reads as cancelled.
 */
function panelView(runPanels: PanelRegistry<RunPanel>, uri: vscode.Uri): DebugRunView {
  let panel: RunPanel | undefined;
  let done = false;
  return {
    event(runId, event, held) {
      if (event.kind === 'start') {
        panel = runPanels.open(uri, panel === undefined);
        done = false;
        panel.post({ type: 'reset', runId, title: `${fileName(uri)} · debugging`, uri: uri.toString() });
      }
      if (!panel) return;
      if (event.kind === 'done') done = true;
      panel.hold(runId, held);
      panel.post({ type: 'event', runId, event: eventForView(event, PANEL_HEATMAPS) });
    },
    stopped(_runId, step) {
      // A graph's steps are its nodes, which the panel draws as a graph, not rows.
      if (panel?.uri.toString() === uri.toString()) panel.post({ type: 'select', index: step.index });
    },
    ended(runId) {
      if (panel && !done && panel.uri.toString() === uri.toString()) panel.post({ type: 'cancelled', runId });
    },
  };
}

export function registerDebugger(engine: EngineClient, runPanels: PanelRegistry<RunPanel>): vscode.Disposable[] {
  const host: DebugHost = {
    async open(args) {
      const uri = vscode.Uri.file(args.spec);
      if (!isSpec(uri)) throw new Error(`${args.spec} is not a Backprop spec (*.backprop.yaml, .yml or .json)`);
      // The open document's text, saved or not, as a run uses.
      const doc = await vscode.workspace.openTextDocument(uri);
      return openDebugRun(engine, specText(doc), { check: args.check === true, train: args.train === true }, healthThresholds(), panelView(runPanels, uri));
    },
  };
  return [
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new BackpropDebugSession(host)),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new SpecDebugConfigurations()),
    vscode.commands.registerCommand('backprop.debug', (uri?: vscode.Uri) => startDebugging(uri, false)),
    vscode.commands.registerCommand('backprop.debugTraining', (uri?: vscode.Uri) => startDebugging(uri, true)),
  ];
}
