// What Backprop Lens reads of the Python extension's public environments API (@vscode/python-extension):
// the executable of the environment the user selected. Pure, so it is tested without VS Code.

/** The part of the Python extension's `environments` API used here. */
export interface PythonEnvironments {
  getActiveEnvironmentPath(resource?: unknown): { path: string };
  resolveEnvironment(environment: { path: string }): PromiseLike<{ executable: { uri?: { fsPath: string } } } | undefined>;
  onDidChangeActiveEnvironmentPath?: (listener: () => void) => { dispose(): void };
}

/** The executable of the active environment for `resource`, or undefined when the API cannot say. */
export async function activeInterpreter(environments: PythonEnvironments, resource?: unknown): Promise<string | undefined> {
  const env = await environments.resolveEnvironment(environments.getActiveEnvironmentPath(resource));
  const path = env?.executable.uri?.fsPath;
  return typeof path === 'string' && path !== '' ? path : undefined;
}
