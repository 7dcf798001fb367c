// One registry per kind of spec panel (run panels, Train panels): a panel per spec, in one editor
// group beside the spec, and restored after a window reload from the URI its page saved. A kind
// with `preview` works as an editor preview: its one unpinned panel shows whichever spec ran last,
// and a pinned panel keeps its spec.
import * as vscode from 'vscode';
import { fileName, SPEC_FILE } from './specs';

/** A spec's panel as a registry holds it. */
export interface SpecPanel {
  readonly panel: vscode.WebviewPanel;
  /** The spec it shows. */
  readonly uri: vscode.Uri;
}

/** What makes one kind of panel. */
export interface PanelKind<P extends SpecPanel> {
  viewType: string;
  /** The tab's title for the spec `name` (its file name without .backprop.yaml), pinned or not: "Backprop: relu", "Train: relu". */
  title(name: string, pinned: boolean): string;
  options: vscode.WebviewPanelOptions & vscode.WebviewOptions;
  /** Wraps a new or restored webview of `uri`; the wrapper calls `onDispose` when the panel closes. */
  create(panel: vscode.WebviewPanel, uri: vscode.Uri, onDispose: () => void): P;
  /** Brings a panel restored after a reload up to date (a run panel runs its spec again). */
  restored?(uri: vscode.Uri): void;
  /** Turns the unpinned panel over to the spec `uri`, as an editor preview shows the next file. */
  retarget?(panel: P, uri: vscode.Uri): void;
  /** Sets a context key to whether the active panel of this kind is pinned. */
  pinnedContextKey?: string;
  /**
   * Where the pinned specs' URIs are kept, so a panel restored after a window reload comes back
   * pinned: its page saves only what it shows, and a pin is the host's.
   */
  pins?: vscode.Memento;
}

const PINS_KEY = (viewType: string) => `${viewType}.pinned`;

/** The open panels of one kind, by spec URI. */
export class PanelRegistry<P extends SpecPanel> implements vscode.Disposable {
  private readonly panels = new Map<string, P>();
  private readonly pinned = new Set<P>();
  /** Unpinned panels, the latest shown last: the one a new spec goes to. */
  private readonly previews: P[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly kind: PanelKind<P>) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(kind.viewType, {
        // Resolved as soon as the page is set: VS Code shows a restored webview only once this
        // settles, so waiting here for the run would leave the panel blank for as long as it takes.
        deserializeWebviewPanel: (panel, state: unknown) => Promise.resolve(this.restore(panel, state)),
      }),
    );
  }

  get(uri: vscode.Uri | string): P | undefined {
    return this.panels.get(uri.toString());
  }

  /** URIs of the specs that have a panel. */
  uris(): string[] {
    return [...this.panels.keys()];
  }

  /** True when `panel` keeps its spec instead of following the next one run. */
  isPinned(panel: P): boolean {
    return this.pinned.has(panel);
  }

  /** The panel of this kind the user is looking at, if any. */
  active(): P | undefined {
    return [...this.panels.values()].find((p) => p.panel.active);
  }

  /** Pins (or unpins) `panel`: a pinned panel keeps its spec, and the next spec run opens a panel of its own. */
  setPinned(panel: P, pinned: boolean): void {
    if (!this.panels.has(panel.uri.toString())) return;
    if (pinned) {
      this.pinned.add(panel);
      this.forgetPreview(panel);
    } else if (this.pinned.delete(panel)) this.previews.push(panel);
    panel.panel.title = this.title(panel.uri, pinned);
    this.savePins();
    this.updateContext();
  }

  /**
   * The spec's panel: its own, else the unpinned one turned over to it, else a new one. `reveal`
   * brings it to the front, in a group beside the spec's editor.
   */
  open(uri: vscode.Uri, reveal = true): P {
    const existing = this.get(uri) ?? this.takePreview(uri);
    if (existing) {
      if (reveal) this.reveal(existing);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(this.kind.viewType, this.title(uri, false), { viewColumn: this.column(undefined), preserveFocus: true }, this.kind.options);
    return this.attach(panel, uri);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /** The unpinned panel latest shown, turned over to `uri`; undefined for a kind without previews, or with none. */
  private takePreview(uri: vscode.Uri): P | undefined {
    const preview = this.kind.retarget && this.previews.at(-1);
    if (!preview) return undefined;
    this.panels.delete(preview.uri.toString());
    this.kind.retarget?.(preview, uri);
    this.panels.set(uri.toString(), preview);
    preview.panel.title = this.title(uri, false);
    return preview;
  }

  private reveal(p: P): void {
    const column = p.panel.viewColumn;
    // A panel in the spec's own group would hide the spec it shows: it moves beside it.
    p.panel.reveal(column !== undefined && column === vscode.window.activeTextEditor?.viewColumn ? this.column(p) : undefined, true);
    this.touch(p);
  }

  /**
   * Where a panel goes: the group of the kind's other panels, else another group that is open,
   * else a new one beside; never the active editor's group, which holds the spec.
   */
  private column(moving: P | undefined): vscode.ViewColumn {
    const active = vscode.window.activeTextEditor?.viewColumn;
    const others = [...this.panels.values()].filter((p) => p !== moving).map((p) => p.panel.viewColumn);
    const groups = vscode.window.tabGroups.all.map((g) => g.viewColumn);
    return [...others, ...groups].find((c): c is vscode.ViewColumn => c !== undefined && c !== active) ?? vscode.ViewColumn.Beside;
  }

  private title(uri: vscode.Uri, pinned: boolean): string {
    return this.kind.title(fileName(uri).replace(SPEC_FILE, ''), pinned);
  }

  private attach(panel: vscode.WebviewPanel, uri: vscode.Uri): P {
    const wrapped = this.kind.create(panel, uri, () => {
      if (this.panels.get(wrapped.uri.toString()) === wrapped) this.panels.delete(wrapped.uri.toString());
      if (this.pinned.delete(wrapped)) this.savePins();
      this.forgetPreview(wrapped);
      viewState.dispose();
      this.updateContext();
    });
    const viewState = panel.onDidChangeViewState(() => this.updateContext());
    this.panels.set(uri.toString(), wrapped);
    this.touch(wrapped);
    this.updateContext();
    return wrapped;
  }

  /** Makes an unpinned `p` the preview a new spec goes to. */
  private touch(p: P): void {
    if (this.pinned.has(p)) return;
    this.forgetPreview(p);
    this.previews.push(p);
  }

  private forgetPreview(p: P): void {
    const i = this.previews.indexOf(p);
    if (i >= 0) this.previews.splice(i, 1);
  }

  /** The pinned specs' URIs as saved; stale ones (a panel that was not restored) are dropped when pins change. */
  private savedPins(): string[] {
    const saved = this.kind.pins?.get<unknown>(PINS_KEY(this.kind.viewType));
    return Array.isArray(saved) ? saved.filter((u): u is string => typeof u === 'string') : [];
  }

  private savePins(): void {
    void this.kind.pins?.update(PINS_KEY(this.kind.viewType), [...this.pinned].map((p) => p.uri.toString()));
  }

  private updateContext(): void {
    const key = this.kind.pinnedContextKey;
    if (!key) return;
    const active = this.active();
    void vscode.commands.executeCommand('setContext', key, active !== undefined && this.pinned.has(active));
  }

  private restore(panel: vscode.WebviewPanel, state: unknown): void {
    const saved = typeof state === 'object' && state !== null ? (state as { uri?: unknown }).uri : undefined;
    if (typeof saved !== 'string') {
      panel.dispose();
      return;
    }
    const uri = vscode.Uri.parse(saved);
    const wrapped = this.attach(panel, uri);
    if (this.savedPins().includes(saved)) {
      this.pinned.add(wrapped);
      this.forgetPreview(wrapped);
      panel.title = this.title(uri, true);
      this.updateContext();
    }
    this.kind.restored?.(uri);
  }
}
