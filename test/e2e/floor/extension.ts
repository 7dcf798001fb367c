// VS Code's own floor for a webview, for test/e2e/latency.ts: one command that opens a panel beside
// the editor, as the run panel is, whose page paints one canvas from an inline script as it loads.
// No bundle, no stylesheet, no message: what is left is VS Code creating and loading a webview.
import * as vscode from 'vscode';

const PAGE = `<!DOCTYPE html>
<html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-floor'"></head>
<body><canvas class="hm-canvas" width="64" height="64"></canvas>
<script nonce="floor">const g = document.querySelector('canvas').getContext('2d'); g.fillStyle = '#3366cc'; g.fillRect(0, 0, 64, 64);</script>
</body></html>`;

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('latencyFloor.show', () => {
      const panel = vscode.window.createWebviewPanel('latencyFloor', 'Canvas', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
      panel.webview.html = PAGE;
    }),
  );
}
