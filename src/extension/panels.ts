// One registry per kind of spec panel (run panels, Train panels): a panel per spec, created in one
// editor group beside the spec, and restored after a window reload from the URI its page saved.
import * as vscode from 'vscode';
import { fileName, SPEC_FILE } from './specs';

/** A spec's panel as a registry holds it. */
export interface SpecPanel {
  readonly panel: vscode.WebviewPanel;
}

/** What makes one kind of panel. */
export interface PanelKind<P extends SpecPanel> {
  viewType: string;
  /** Put before the spec's name in the tab: "Backprop: ", "Train: ". */
  titlePrefix: string;
  options: vscode.WebviewPanelOptions & vscode.WebviewOptions;
  /** Wraps a new or restored webview of `uri`; the wrapper calls `onDispose` when the panel closes. */
  create(panel: vscode.WebviewPanel, uri: vscode.Uri, onDispose: () => void): P;
  /** Brings a panel restored after a reload up to date (a run panel runs its spec again). */
  restored?(uri: vscode.Uri): Promise<unknown>;
}

/** The open panels of one kind, by spec URI. */
export class PanelRegistry<P extends SpecPanel> implements vscode.Disposable {
  private readonly panels = new Map<string, P>();
  private readonly serializer: vscode.Disposable;

  constructor(private readonly kind: PanelKind<P>) {
    this.serializer = vscode.window.registerWebviewPanelSerializer(kind.viewType, {
      deserializeWebviewPanel: (panel, state: unknown) => this.restore(panel, state),
    });
  }

  get(uri: vscode.Uri | string): P | undefined {
    return this.panels.get(uri.toString());
  }

  /** URIs of the specs that have a panel. */
  uris(): string[] {
    return [...this.panels.keys()];
  }

  /** The spec's panel, created if needed; `reveal` brings an existing one to the front. */
  open(uri: vscode.Uri, reveal = true): P {
    const existing = this.get(uri);
    if (existing) {
      if (reveal) existing.panel.reveal(undefined, true);
      return existing;
    }
    // Panels share one editor group beside the spec, instead of each opening a group further right.
    const shared = [...this.panels.values()][0]?.panel.viewColumn;
    const activeColumn = vscode.window.activeTextEditor?.viewColumn;
    const viewColumn = shared !== undefined && shared !== activeColumn ? shared : vscode.ViewColumn.Beside;
    const title = `${this.kind.titlePrefix}${fileName(uri).replace(SPEC_FILE, '')}`;
    return this.attach(vscode.window.createWebviewPanel(this.kind.viewType, title, { viewColumn, preserveFocus: true }, this.kind.options), uri);
  }

  dispose(): void {
    this.serializer.dispose();
  }

  private attach(panel: vscode.WebviewPanel, uri: vscode.Uri): P {
    const key = uri.toString();
    const wrapped = this.kind.create(panel, uri, () => this.panels.delete(key));
    this.panels.set(key, wrapped);
    return wrapped;
  }

  private async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = typeof state === 'object' && state !== null ? (state as { uri?: unknown }).uri : undefined;
    if (typeof saved !== 'string') {
      panel.dispose();
      return;
    }
    const uri = vscode.Uri.parse(saved);
    this.attach(panel, uri);
    await this.kind.restored?.(uri);
  }
}
