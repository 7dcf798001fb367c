// Stands in for VS Code around the panel (preview.html) and the side view (side-preview.html): a fake
// acquireVsCodeApi that records what the page posts, the body theme class VS Code sets, and a host
// that answers 'ready' with fixture messages.
// Query: ?theme=dark|light|hc  &play=<a key of PLAYS>|none  &delay=ms  &state=<JSON of saved state>
import type { HostToSideView, HostToWebview, SideViewToHost, WebviewToHost } from '../../src/protocol';
import { SIDE_EMPTY, errorRun, networkRun, shopRun, sideLayer } from './fixtures';

/** Anything the panel or the side view posts. */
type Posted = WebviewToHost | SideViewToHost;
/** Anything the host sends to either. */
type Sent = HostToWebview | HostToSideView;

/** What the preview exposes to tests and to a person at the devtools console. */
interface PreviewApi {
  /** Every message the page posted, in order. */
  posted: Posted[];
  /** The last state the page saved. */
  state: unknown;
  /** Content-Security-Policy violations seen (directive and blocked URI). */
  cspViolations: string[];
  /** Sends messages to the page, `delayMs` apart; resolves after the last one was dispatched. */
  send(messages: Sent[], delayMs?: number): Promise<void>;
  /** The fixture runs of the panel, and the side view's messages. */
  runs: { network: typeof networkRun; shop: typeof shopRun; error: typeof errorRun; sideLayer: typeof sideLayer; sideEmpty: HostToSideView };
}

declare global {
  interface Window {
    /** The preview harness. */
    preview: PreviewApi;
    /** The fake VS Code webview API. */
    acquireVsCodeApi(): { postMessage(msg: Posted): void; getState(): unknown; setState(s: unknown): void };
  }
}

/** What the fake host answers 'ready' with, by the `play` query value. */
const PLAYS: Record<string, () => Sent[]> = {
  network: () => networkRun(1),
  shop: () => shopRun(1),
  error: () => errorRun(1),
  empty: () => [SIDE_EMPTY],
  layer: () => [sideLayer(0)],
  stale: () => [sideLayer(1, true)],
};

const params = new URLSearchParams(location.search);
const themeClass: Record<string, string> = { dark: 'vscode-dark', light: 'vscode-light', hc: 'vscode-high-contrast' };
const theme = params.get('theme') ?? 'dark';
document.body.classList.add(themeClass[theme] ?? 'vscode-dark');
document.body.dataset.vscodeThemeKind = themeClass[theme] ?? 'vscode-dark';

const isSide = location.pathname.endsWith('/side-preview.html');
const play = params.get('play') ?? (isSide ? 'layer' : 'network');
const delay = Number(params.get('delay') ?? 0);
let acquired = false;

const preview: PreviewApi = {
  posted: [],
  state: params.has('state') ? JSON.parse(params.get('state') ?? 'null') : undefined,
  cspViolations: [],
  runs: { network: networkRun, shop: shopRun, error: errorRun, sideLayer, sideEmpty: SIDE_EMPTY },
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
  // VS Code allows one call per page; a second is a bug in the page.
  if (acquired) throw new Error('acquireVsCodeApi called twice');
  acquired = true;
  return {
    postMessage(msg) {
      preview.posted.push(msg);
      if (msg.type === 'ready' && play in PLAYS) void preview.send(PLAYS[play](), delay);
    },
    getState: () => preview.state,
    setState(s) {
      preview.state = s;
    },
  };
};
