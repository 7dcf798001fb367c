// The interpreter the Python extension has selected, when it is installed: Python layers use it
// when backprop.python.path is not set, as the user's own Python code does. Read through the
// extension's public environments API, in the background, so a run never waits for that extension.
import * as vscode from 'vscode';
import { activeInterpreter, type PythonEnvironments } from '../python-env';

const PYTHON_EXTENSION = 'ms-python.python';

/** Follows the Python extension's selected interpreter; `current` is undefined until it is known, or without the extension. */
export class PythonExtensionInterpreter implements vscode.Disposable {
  current: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    void this.start();
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private async start(): Promise<void> {
    const extension = vscode.extensions.getExtension<{ environments?: PythonEnvironments }>(PYTHON_EXTENSION);
    if (!extension) return;
    try {
      const environments = (extension.isActive ? extension.exports : await extension.activate())?.environments;
      if (!environments) return;
      const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
      const update = async () => {
        this.current = await activeInterpreter(environments, resource).catch(() => undefined);
      };
      const changed = environments.onDidChangeActiveEnvironmentPath?.(() => void update());
      if (changed) this.disposables.push(changed);
      await update();
    } catch {
      // An extension that fails to activate, or an API of another shape, leaves python3 as the default.
    }
  }
}
