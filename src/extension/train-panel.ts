// The Train panel: a WebviewPanel per spec that follows the spec's latest training session. The
// session holds the whole (bounded) run, so a page that loads, reloads or was discarded while hidden
// says `ready` and gets everything again; nothing is kept here.
import * as vscode from 'vscode';
import { webviewHtml, webviewOptions } from './panel';
import type { TrainSession, TrainView } from './train-session';
import { parseTrainViewMessage } from './webview-messages';

export const TRAIN_VIEW_TYPE = 'backprop.train';

/** What the host does when the user acts in a Train panel. */
export interface TrainPanelActions {
  /** Cancel the spec's training. */
  cancel(uri: vscode.Uri): void;
  /** Train the spec again. */
  retrain(uri: vscode.Uri): void;
  /** Put the cursor on layer `index` of the spec. */
  revealLayer(uri: vscode.Uri, index: number): void;
}

/** One spec's Train panel. */
export class TrainPanel implements TrainView {
  private ready = false;
  private session: TrainSession | null = null;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly uri: vscode.Uri,
    extensionUri: vscode.Uri,
    actions: TrainPanelActions,
    onDispose: () => void,
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((data: unknown) => {
        const msg = parseTrainViewMessage(data);
        if (!msg) return;
        if (msg.type === 'ready') {
          this.ready = true;
          if (this.session) this.follow(this.session);
          // Run 0: no session of this spec in this window; the page shows the run it saved, or says there is none.
          else this.post({ type: 'trainReset', runId: 0, title: uri.path.split('/').pop() ?? '', uri: uri.toString() });
        } else if (msg.type === 'snapshot') this.session?.sendSnapshot(this, msg.step);
        else if (msg.type === 'sample') this.session?.sendSample(this, msg.ref, msg.sample);
        else if (msg.type === 'cancel') actions.cancel(uri);
        else if (msg.type === 'retrain') actions.retrain(uri);
        else actions.revealLayer(uri, msg.index);
      }),
      panel.onDidDispose(() => {
        this.session?.detach(this);
        for (const d of this.disposables) d.dispose();
        onDispose();
      }),
    );
    panel.webview.html = webviewHtml(panel.webview, extensionUri, 'train');
  }

  /** Shows `session` (the whole run so far, then what comes). */
  follow(session: TrainSession): void {
    this.session?.detach(this);
    this.session = session;
    if (this.ready) session.attach(this);
  }

  post(msg: Parameters<TrainView['post']>[0]): void {
    if (this.ready) void this.panel.webview.postMessage(msg);
  }
}
