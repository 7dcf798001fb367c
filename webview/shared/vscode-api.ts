// The page's side of VS Code's webview API: messages to the host, and the UI state VS Code keeps while
// the page is hidden or reloaded. acquireVsCodeApi may be called only once per page, so only startView calls it.

/** The part of the webview API a view uses: it posts `ToHost` messages and saves a `State`. */
export interface VsCodeApi<ToHost, State> {
  postMessage(msg: ToHost): void;
  getState(): unknown;
  setState(state: State): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

/** A page's view: it handles each message from the host. */
export interface HostListener {
  receive(data: unknown): void;
}

/** Saved state as fields to check one by one: it may come from an older version, or be nothing. */
function savedFields(saved: unknown): Record<string, unknown> {
  return typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>) : {};
}

/** A saved row or layer index: a non-negative integer, or null. */
export function savedIndex(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

/** Starts a page: makes its view from the saved state, listens to the host first, then tells the host it is ready. */
export function startView<ToHost, State>(readState: (saved: Record<string, unknown>) => State, makeView: (vscode: VsCodeApi<ToHost, State>, state: State) => HostListener): void {
  const vscode = acquireVsCodeApi();
  const view = makeView(vscode, readState(savedFields(vscode.getState())));
  window.addEventListener('message', (e: MessageEvent<unknown>) => view.receive(e.data));
  vscode.postMessage({ type: 'ready' });
}
