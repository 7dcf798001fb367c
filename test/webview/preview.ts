// Stands in for VS Code around the panel: a fake acquireVsCodeApi that records what the panel posts,
// the body theme class VS Code sets, and a host that answers 'ready' with fixture messages.
// Query: ?theme=dark|light|hc  &play=network|shop|error|none  &delay=ms  &state=<JSON of saved state>
import type { HostToWebview, WebviewToHost } from '../../src/protocol';
import { errorRun, networkRun, shopRun } from './fixtures';

/** What the preview exposes to tests and to a person at the devtools console. */
interface PreviewApi {
  /** Every message the panel posted, in order. */
  posted: WebviewToHost[];
  /** The last state the panel saved. */
  state: unknown;
  /** Content-Security-Policy violations seen (directive and blocked URI). */
  cspViolations: string[];
  /** Sends messages to the panel, `delayMs` apart; resolves after the last one was dispatched. */
  send(messages: HostToWebview[], delayMs?: number): Promise<void>;
  /** The fixture runs. */
  runs: { network: typeof networkRun; shop: typeof shopRun; error: typeof errorRun };
}

declare global {
  interface Window {
    /** The preview harness. */
    preview: PreviewApi;
    /** The fake VS Code webview API. */
    acquireVsCodeApi(): { postMessage(msg: WebviewToHost): void; getState(): unknown; setState(s: unknown): void };
  }
}

const params = new URLSearchParams(location.search);
const themeClass: Record<string, string> = { dark: 'vscode-dark', light: 'vscode-light', hc: 'vscode-high-contrast' };
const theme = params.get('theme') ?? 'dark';
document.body.classList.add(themeClass[theme] ?? 'vscode-dark');
document.body.dataset.vscodeThemeKind = themeClass[theme] ?? 'vscode-dark';

const runs = { network: networkRun, shop: shopRun, error: errorRun };
const delay = Number(params.get('delay') ?? 0);
let acquired = false;

const preview: PreviewApi = {
  posted: [],
  state: params.has('state') ? JSON.parse(params.get('state') ?? 'null') : undefined,
  cspViolations: [],
  runs,
  async send(messages, delayMs = 0) {
    for (const m of messages) {
      window.postMessage(m, '*');
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    }
  },
};
window.preview = preview;

document.addEventListener('securitypolicyviolation', (e) => preview.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));

window.acquireVsCodeApi = () => {
  // VS Code allows one call per page; a second is a bug in the panel.
  if (acquired) throw new Error('acquireVsCodeApi called twice');
  acquired = true;
  return {
    postMessage(msg) {
      preview.posted.push(msg);
      const play = params.get('play') ?? 'network';
      if (msg.type === 'ready' && play in runs) void preview.send(runs[play as keyof typeof runs](1), delay);
    },
    getState: () => preview.state,
    setState(s) {
      preview.state = s;
    },
  };
};
