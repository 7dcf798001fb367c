// VS Code's own floors for a webview, for test/e2e/latency.ts. "Show Canvas" opens a panel beside
// the editor, as the run panel is, whose page paints one canvas from an inline script as it loads.
// "Repaint Canvas" posts one message to that panel, open already, whose page paints a new canvas
// on it. No bundle, no stylesheet, no engine: what is left is VS Code creating and loading a
// webview, or carrying a command's message to one.
import * as vscode from 'vscode';

const PAGE = `<!DOCTYPE html>
<html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-floor'"></head>
<body><script nonce="floor">
function paint() {
  const canvas = document.body.appendChild(document.createElement('canvas'));
  canvas.className = 'hm-canvas';
  canvas.width = canvas.height = 64;
  const g = canvas.getContext('2d');
  g.fillStyle = '#3366cc';
  g.fillRect(0, 0, 64, 64);
}
paint();
window.addEventListener('message', paint);
</script></body></html>`;

export function activate(context: vscode.ExtensionContext): void {
  let shown: vscode.WebviewPanel | undefined;
  context.subscriptions.push(
    vscode.commands.registerCommand('latencyFloor.show', () => {
      const panel = vscode.window.createWebviewPanel('latencyFloor', 'Canvas', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
      panel.webview.html = PAGE;
      panel.onDidDispose(() => shown === panel && (shown = undefined));
      shown = panel;
    }),
    vscode.commands.registerCommand('latencyFloor.repaint', () => {
      if (shown) void shown.webview.postMessage({ paint: true });
      else void vscode.window.showWarningMessage('Latency Floor: show the canvas first.');
    }),
  );
}
