// The run panel: a WebviewPanel per spec that the host fills with the run's events. The webview
// says `ready` before it gets anything. VS Code discards a hidden webview's page and rebuilds it when
// shown, and the new page says `ready` again, so the host keeps the current run's messages to replay.
import * as vscode from 'vscode';
import type { HostToWebview, WebviewToHost } from '../protocol';

export const PANEL_VIEW_TYPE = 'backprop.panel';

/** What the host does when the user acts in a panel. */
export interface PanelActions {
  /** Run the spec again. */
  rerun(uri: vscode.Uri): void;
  /** The user selected layer `index`. */
  selectLayer(uri: vscode.Uri, index: number): void;
  /** The user clicked cell [row, col] of parameter `param` of layer `index` (or of its gradient). */
  selectCell(uri: vscode.Uri, index: number, param: string, row: number, col: number): void;
}

/** A non-negative integer of sane size. */
export const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e9;

/** Accepts only well-formed messages: a webview is untrusted input. */
export function parseWebviewMessage(data: unknown): WebviewToHost | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'rerun':
      return { type: m.type };
    case 'selectLayer':
      return isIndex(m.index) ? { type: 'selectLayer', index: m.index } : null;
    case 'selectCell':
      return isIndex(m.index) && isIndex(m.row) && isIndex(m.col) && (m.param === 'W' || m.param === 'b' || m.param === 'gamma' || m.param === 'beta')
        ? { type: 'selectCell', index: m.index, param: m.param, row: m.row, col: m.col }
        : null;
    default:
      return null;
  }
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
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="stylesheet" href="${asset(`${bundle}.css`)}">
  <title>Backprop Lens</title>
</head>
<body>
  <div id="app"></div>
  <script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

/** One spec's panel. */
export class RunPanel {
  private ready = false;
  /** Messages of the current run, from its reset on, to replay to a new page. */
  private log: HostToWebview[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly uri: vscode.Uri,
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
        else if (msg.type === 'rerun') actions.rerun(uri);
        else if (msg.type === 'selectLayer') actions.selectLayer(uri, msg.index);
        else actions.selectCell(uri, msg.index, msg.param, msg.row, msg.col);
      }),
      panel.onDidDispose(() => {
        for (const d of this.disposables) d.dispose();
        onDispose();
      }),
    );
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'panel');
  }

  /** Sends `msg` once the webview is ready, and keeps it for replay. A reset starts a new log. */
  post(msg: HostToWebview): void {
    if (msg.type === 'reset') this.log = [];
    // Only the latest cursor selection matters to a new page.
    if (msg.type === 'select') this.log = this.log.filter((m) => m.type !== 'select');
    this.log.push(msg);
    if (this.ready) void this.panel.webview.postMessage(msg);
  }

  private replay(): void {
    this.ready = true;
    for (const msg of this.log) void this.panel.webview.postMessage(msg);
  }
}
