// The run panel: a WebviewPanel per spec that the host fills with the run's events. The webview
// says `ready` before it gets anything. VS Code discards a hidden webview's page and rebuilds it when
// shown, and the new page says `ready` again, so the host keeps the current run's messages to replay.
// It also keeps the run's big batches of images whole, to answer the page's requests for a sample.
import * as vscode from 'vscode';
import type { HeldBatch, HostToWebview } from '../protocol';
import { HeldBatches } from './held-batches';
import { said } from './locale';
import { parseWebviewMessage } from './webview-messages';
import { webviewStrings } from '../webview-strings';

export const PANEL_VIEW_TYPE = 'backprop.panel';
/** Context key: the active run panel is pinned (it picks Pin or Unpin for the panel's title bar). */
export const PINNED_CONTEXT_KEY = 'backprop.runPanelPinned';

/** What the host does when the user acts in a panel. */
export interface PanelActions {
  /** Run the spec again. */
  rerun(uri: vscode.Uri): void;
  /** The user selected layer `index`. */
  selectLayer(uri: vscode.Uri, index: number): void;
  /** The user clicked cell [row, col] of parameter `param` of layer `index` (or of its gradient). */
  selectCell(uri: vscode.Uri, index: number, param: string, row: number, col: number): void;
  /** Apply the fix of the run's finding `index`, or (`all`) every finding's. */
  applyFix(uri: vscode.Uri, which: number | 'all'): void;
  /** Pin the spec's run as its baseline, or (false) clear the baseline. */
  baseline(uri: vscode.Uri, pin: boolean): void;
}

/** What a webview may load: our own bundles and their stylesheets, nothing else. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
}

/** A webview page: strict CSP with a nonce, one bundle and the stylesheet esbuild made for it, nothing inline. */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: 'panel' | 'side' | 'train'): string {
  const nonce = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', file));
  const script = asset(`${bundle}.js`);
  // The page's strings in VS Code's language: a JSON data block that webview/shared/strings.ts reads.
  const strings = webviewStrings(vscode.env.language);
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="${strings.lang}">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${asset(`${bundle}.css`)}">
  <title>Backprop Lens</title>
  ${strings.block}
</head>
<body>
  <div id="app"></div>
  <script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

/**
 * Messages a panel has posted that its page has not yet taken. postMessage settles once the
 * message reached the page; without a bound, runs that end faster than the page takes their
 * tensors (a rerun loop, a slow remote link) pile them up in the host without end.
 */
const MAX_IN_FLIGHT = 8;

/** One spec's panel. */
export class RunPanel {
  private ready = false;
  /** A closed panel's webview throws when touched; a run that was streaming to it may still post its end. */
  private disposed = false;
  /** Messages of the current run, from its reset on, to replay to a new page. */
  private log: HostToWebview[] = [];
  /** Messages for the page not posted yet; a reset drops the old run's, which the page would only discard. */
  private queue: HostToWebview[] = [];
  private inFlight = 0;
  /** The current run's id (from its reset) and the batches of images it sent only the first samples of. */
  private runId = 0;
  private readonly held = new HeldBatches();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    /** The spec shown; an unpinned panel is turned over to the next spec run (see `show`). */
    public uri: vscode.Uri,
    extensionUri: vscode.Uri,
    actions: PanelActions,
    onDispose: () => void,
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((data: unknown) => {
        const msg = parseWebviewMessage(data);
        if (!msg) return;
        if (msg.type === 'ready') this.replay();
        else if (msg.type === 'rerun') actions.rerun(this.uri);
        else if (msg.type === 'selectLayer') actions.selectLayer(this.uri, msg.index);
        else if (msg.type === 'applyFix') actions.applyFix(this.uri, msg.index);
        else if (msg.type === 'fixAll') actions.applyFix(this.uri, 'all');
        else if (msg.type === 'pinBaseline' || msg.type === 'clearBaseline') actions.baseline(this.uri, msg.type === 'pinBaseline');
        // An answer is for the page that asked: not logged for replay.
        else if (msg.type === 'sample') this.send([{ type: 'sample', runId: this.runId, ref: msg.ref, sample: msg.sample, answer: this.held.sample(msg.ref, msg.sample, said) }]);
        else actions.selectCell(this.uri, msg.index, msg.param, msg.row, msg.col);
      }),
      panel.onDidDispose(() => {
        this.disposed = true;
        this.log = [];
        this.queue = [];
        this.held.clear();
        for (const d of this.disposables) d.dispose();
        onDispose();
      }),
    );
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'panel');
  }

  /** Shows the spec `uri` from now on; its run's reset clears the old spec's messages. */
  show(uri: vscode.Uri): void {
    this.uri = uri;
  }

  /** Keeps `batches` of run `runId` whole, if it is the run shown, for the page to ask samples of. */
  hold(runId: number, batches: readonly HeldBatch[]): void {
    if (runId === this.runId && !this.disposed) this.held.hold(undefined, batches);
  }

  /** Sends `msg` once the webview is ready, and keeps it for replay. A reset starts a new log. */
  post(msg: HostToWebview): void {
    if (this.disposed) return;
    if (msg.type === 'reset') {
      this.log = [];
      this.queue = [];
      this.runId = msg.runId;
      this.held.clear();
    }
    // Only the latest cursor selection, fixes, baseline and debugger heatmap matter to a new page, and a run goes stale once.
    if (msg.type === 'select' || msg.type === 'stale' || msg.type === 'fixes' || msg.type === 'baseline' || msg.type === 'inspect') this.log = this.log.filter((m) => m.type !== msg.type);
    this.log.push(msg);
    if (this.ready) this.send([msg]);
  }

  private replay(): void {
    this.ready = true;
    this.queue = [];
    // A new page shown an ended run says it is restoring it while the messages arrive, not running it.
    const ended = this.log.some((m) => (m.type === 'event' && m.event.kind === 'done') || m.type === 'cancelled' || m.type === 'error');
    this.send(ended ? this.log.map((m) => (m.type === 'reset' ? { ...m, replay: true } : m)) : this.log);
  }

  private send(messages: readonly HostToWebview[]): void {
    this.queue.push(...messages);
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0 && !this.disposed) {
      const msg = this.queue.shift()!;
      this.inFlight++;
      const taken = () => {
        this.inFlight--;
        this.send([]);
      };
      this.panel.webview.postMessage(msg).then(taken, taken);
    }
  }
}
