// The `backprop` debugger in VS Code: the inline adapter (src/debug/adapter.ts) over debug jobs of
// the one engine client, F5 on an open spec without a launch.json, and the "Debug Backprop" command.
import * as vscode from 'vscode';
import { BackpropDebugSession, type DebugHost, type LaunchArguments } from '../debug/adapter';
import { languageOf } from '../message';
import { PANEL_HEATMAPS, eventForView } from '../heatmaps';
import { batchTensor } from '../wire-tensor';
import { openDebugRun, type DebugRunView } from './debug-run';
import type { EngineClient, JobMessage } from './engine-client';
import { inDisplayLanguage } from './locale';
import type { RunPanel } from './panel';
import type { PanelRegistry } from './panels';
import { healthThresholds } from './settings';
import { fileName, isSpec, specText } from './specs';
import type { TrainPanel } from './train-panel';
import type { TrainSession } from './train-session';
import type { Trainer } from './trainer';

export const DEBUG_TYPE = 'backprop';

/** A launch configuration debugging the spec at `uri`. */
function launchConfig(uri: vscode.Uri, train = false): vscode.DebugConfiguration & LaunchArguments {
  const file = uri.path.split('/').pop();
  return { type: DEBUG_TYPE, request: 'launch', name: train ? vscode.l10n.t('Debug training of {0}', file ?? '') : vscode.l10n.t({ message: 'Debug {0}', args: [file ?? ''], comment: ['A debug session\'s name: the spec it debugs.'] }), spec: uri.fsPath, ...(train && { train }) };
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
      void vscode.window.showErrorMessage(vscode.l10n.t('Backprop: open a spec (*.backprop.yaml, .yml or .json) to debug it.'));
      return undefined;
    }
    return { ...launchConfig(spec), ...config, type: DEBUG_TYPE, request: 'launch', spec: spec.fsPath, name: config.name || launchConfig(spec).name };
  }
}

/** Debugs the spec at `uri` (else the open one): its run, or its training. */
async function startDebugging(uri: vscode.Uri | undefined, train: boolean): Promise<void> {
  const spec = uri instanceof vscode.Uri ? uri : activeSpec();
  if (!spec) return void vscode.window.showErrorMessage(vscode.l10n.t('Backprop: open a spec (*.backprop.yaml, .yml or .json) to debug it.'));
  await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(spec), launchConfig(spec, train));
}

/**
 * The spec's run panel as a debug session's view: it opens at the session's first event and shows
 * each layer as the session reaches it (each debugged training step as a run of its own), the
 * stopped layer selected; a session ended before its run did reads as cancelled.
 */
function panelView(runPanels: PanelRegistry<RunPanel>, uri: vscode.Uri, training: DebugTraining): DebugRunView {
  let panel: RunPanel | undefined;
  let done = false;
  let session: TrainSession | undefined;
  return {
    event(runId, event, held) {
      if (event.kind === 'start') {
        panel = runPanels.open(uri, panel === undefined);
        done = false;
        panel.post({ type: 'reset', runId, title: vscode.l10n.t({ message: '{0} · debugging', args: [fileName(uri)], comment: ['The run panel\'s title while a debug session shows the spec {0} in it.'] }), uri: uri.toString() });
      }
      if (!panel) return;
      if (event.kind === 'done') done = true;
      panel.hold(runId, held);
      panel.post({ type: 'event', runId, event: eventForView(inDisplayLanguage(event), PANEL_HEATMAPS) });
    },
    stopped(runId, step, where) {
      if (step.iteration !== undefined) session?.pause(step.iteration, where);
      if (panel?.uri.toString() !== uri.toString()) return;
      panel.post({ type: 'select', index: step.index });
      panel.post({ type: 'paused', runId, at: where });
    },
    ended(runId) {
      if (panel && !done && panel.uri.toString() === uri.toString()) panel.post({ type: 'cancelled', runId });
    },
    // The Train panel follows a debugged training as it follows a Train: the curves up to the stop,
    // the stopped step as its snapshot. It opens behind the run panel, which shows the stop.
    training(job) {
      let receive: (msg: JobMessage) => void = () => undefined;
      session = training.trainer.followDebugged(uri, (r) => ((receive = r), job));
      training.trainPanels.open(uri, false).follow(session);
      return (msg) => receive(msg);
    },
  };
}

/** Where a debugged training shows: the trainer's sessions, and the Train panels that follow them. */
interface DebugTraining {
  trainer: Trainer;
  trainPanels: PanelRegistry<TrainPanel>;
}

/** What VS Code passes a command of the Variables view's context menu. */
interface VariableContext {
  variable?: { name?: string; value?: string; variablesReference?: number };
}

/**
 * Show as Heatmap: the Variables view's tensor `context` names, drawn in the run panel of the spec
 * being debugged, above its layers. A message when it is not a tensor or its stop is over.
 */
function showAsHeatmap(sessions: Map<string, { adapter: BackpropDebugSession; spec: vscode.Uri }>, runPanels: PanelRegistry<RunPanel>, context: VariableContext | undefined): void {
  const active = vscode.debug.activeDebugSession;
  const session = active && sessions.get(active.id);
  const variable = context?.variable;
  if (!session || !variable?.name) return void vscode.window.showInformationMessage(vscode.l10n.t('Backprop: Show as Heatmap draws a tensor of a backprop debug session: right-click one in the Variables view while the session is stopped.'));
  const found = session.adapter.tensorAt(variable.variablesReference ?? 0);
  if (!found) {
    return void vscode.window.showInformationMessage(
      variable.value
        ? vscode.l10n.t('Backprop: {0} is {1}, not a tensor of this stop: Show as Heatmap draws tensors.', variable.name, variable.value)
        : vscode.l10n.t('Backprop: {0} is not a tensor of this stop: Show as Heatmap draws tensors.', variable.name),
    );
  }
  const panel = runPanels.open(session.spec, true);
  // The view copies the tensor: the stop's tensors stay the adapter's.
  const tensor = batchTensor({ shape: found.tensor.shape, data: found.tensor.data }, []);
  panel.post({ type: 'inspect', name: variable.name, where: found.where, tensor, mask: variable.name === 'mask' });
}

export function registerDebugger(engine: EngineClient, runPanels: PanelRegistry<RunPanel>, training: DebugTraining): vscode.Disposable[] {
  const sessions = new Map<string, { adapter: BackpropDebugSession; spec: vscode.Uri }>();
  const host: DebugHost = {
    async open(args) {
      const uri = vscode.Uri.file(args.spec);
      if (!isSpec(uri)) throw new Error(vscode.l10n.t('{0} is not a Backprop spec (*.backprop.yaml, .yml or .json)', args.spec));
      // The open document's text, saved or not, as a run uses.
      const doc = await vscode.workspace.openTextDocument(uri);
      return openDebugRun(engine, specText(doc), { check: args.check === true, train: args.train === true }, healthThresholds(), panelView(runPanels, uri, training));
    },
  };
  return [
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: (session) => {
        const adapter = new BackpropDebugSession(host, languageOf(vscode.env.language));
        sessions.set(session.id, { adapter, spec: vscode.Uri.file(String(session.configuration.spec)) });
        return new vscode.DebugAdapterInlineImplementation(adapter);
      },
    }),
    vscode.debug.onDidTerminateDebugSession((session) => sessions.delete(session.id)),
    vscode.commands.registerCommand('backprop.showAsHeatmap', (context?: VariableContext) => showAsHeatmap(sessions, runPanels, context)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new SpecDebugConfigurations()),
    vscode.commands.registerCommand('backprop.debug', (uri?: vscode.Uri) => startDebugging(uri, false)),
    vscode.commands.registerCommand('backprop.debugTraining', (uri?: vscode.Uri) => startDebugging(uri, true)),
  ];
}
