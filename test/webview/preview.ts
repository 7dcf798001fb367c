// Stands in for VS Code around the panel (preview.html), the side view (side-preview.html) and the
// Train panel (train-preview.html): a fake acquireVsCodeApi that records what the page posts, the body
// theme class VS Code sets, and a host that answers 'ready' with fixture messages and, with
// answer=auto, the Train panel's snapshot requests.
// Query: ?theme=dark|light|hc  &play=<a key of PLAYS>|none  &delay=ms  &state=<JSON of saved state>  &answer=auto|none
import type { HostToSideView, HostToTrainView, HostToWebview, SideViewToHost, TrainViewToHost, WebviewToHost } from '../../src/protocol';
import { SIDE_EMPTY, convRun, convRunWithBaseline, errorRun, longShopRun, networkRun, networkRunWithBaseline, networkRunWithPreview, shopRun, shopRunWithBaseline, sideConvLayer, sideLayer, sideWeightInitLayer, weightInitRun } from './fixtures';
import { convSnapshotAnswer, progressOf, snapshotAnswer, trainCompare, trainConvRun, trainDiverging, trainNaN, trainReplay, trainRun } from './train-fixtures';

/** Anything the panel, the side view or the Train panel posts. */
type Posted = WebviewToHost | SideViewToHost | TrainViewToHost;
/** Anything the host sends to any of them. */
type Sent = HostToWebview | HostToSideView | HostToTrainView;

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
  /** The fixture runs of the panel, the side view's messages, and the training runs. */
  runs: {
    network: typeof networkRun;
    shop: typeof shopRun;
    error: typeof errorRun;
    sideLayer: typeof sideLayer;
    sideEmpty: HostToSideView;
    train: typeof trainRun;
    trainNaN: typeof trainNaN;
    trainReplay: typeof trainReplay;
    progress: typeof progressOf;
    snapshot: typeof snapshotAnswer;
    /** Training-view messages wrapped for the side view. */
    side(messages: HostToTrainView[]): HostToSideView[];
  };
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
  baseline: () => networkRunWithBaseline(1, true),
  baselineSame: () => networkRunWithBaseline(1, false),
  baselinePreview: () => networkRunWithPreview(1),
  conv: () => convRun(1),
  convBaseline: () => convRunWithBaseline(1),
  weightInit: () => weightInitRun(1, '{ std: 1 }'),
  weightInitXavier: () => weightInitRun(1, 'xavier'),
  weightInitCompare: () => weightInitRun(1, '{ std: 1 }', '[1, 0.01, xavier]'),
  shop: () => shopRun(1),
  shopBaseline: () => shopRunWithBaseline(1, 110),
  shopBaselineSame: () => shopRunWithBaseline(1, 100),
  shopLong: () => longShopRun(1),
  error: () => errorRun(1),
  empty: () => [SIDE_EMPTY],
  layer: () => [sideLayer(0)],
  sideConv: () => [sideConvLayer()],
  sideWeightInit: () => [sideWeightInitLayer()],
  sideWeightInitCompare: () => [sideWeightInitLayer('[1, 0.01, xavier]')],
  stale: () => [sideLayer(1, true)],
  train: () => trainRun(1),
  trainNaN: () => [...trainRun(1), ...trainNaN(1)],
  trainReplay: () => trainReplay(1),
  trainDiverging: () => trainDiverging(1),
  trainCompare: () => trainCompare(1),
  trainConv: () => trainConvRun(1),
  sideTrain: () => [sideLayer(0), ...asSide(trainRun(1))],
  sideTrainNaN: () => [sideLayer(0), ...asSide([...trainRun(1), ...trainNaN(1)])],
  sideTrainDiverging: () => [sideLayer(0), ...asSide(trainDiverging(1))],
  sideTrainCompare: () => [sideLayer(0), ...asSide(trainCompare(1))],
};

function asSide(messages: HostToTrainView[]): HostToSideView[] {
  return messages.map((message) => ({ type: 'train', message }));
}

const params = new URLSearchParams(location.search);
const themeClass: Record<string, string> = { dark: 'vscode-dark', light: 'vscode-light', hc: 'vscode-high-contrast' };
const theme = params.get('theme') ?? 'dark';
document.body.classList.add(themeClass[theme] ?? 'vscode-dark');
document.body.dataset.vscodeThemeKind = themeClass[theme] ?? 'vscode-dark';

const isSide = location.pathname.endsWith('/side-preview.html');
const isTrain = location.pathname.endsWith('/train-preview.html');
const play = params.get('play') ?? (isSide ? 'layer' : isTrain ? 'train' : 'network');
const answer = params.get('answer') ?? 'auto';
/** Run of the last trainReset sent, for answering snapshot requests. */
let trainRunId = 0;
const delay = Number(params.get('delay') ?? 0);
let acquired = false;

const preview: PreviewApi = {
  posted: [],
  // As VS Code keeps a webview's state across a reload, the tab's sessionStorage keeps it across a navigation.
  state: params.has('state') ? JSON.parse(params.get('state') ?? 'null') : JSON.parse(sessionStorage.getItem('preview-state') ?? 'null') ?? undefined,
  cspViolations: [],
  runs: { network: networkRun, shop: shopRun, error: errorRun, sideLayer, sideEmpty: SIDE_EMPTY, train: trainRun, trainNaN, trainReplay, progress: progressOf, snapshot: snapshotAnswer, side: asSide },
  async send(messages, delayMs = 0) {
    for (const m of messages) {
      // Tests also send malformed messages: only a well-formed reset counts.
      if (typeof m === 'object' && m?.type === 'trainReset') trainRunId = m.runId;
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
      // As the host would, a little later: the page must not rely on the answer coming at once.
      if (msg.type === 'snapshot' && answer === 'auto') setTimeout(() => void preview.send([(play === 'trainConv' ? convSnapshotAnswer : snapshotAnswer)(trainRunId, msg.step)]), 20);
    },
    getState: () => preview.state,
    setState(s) {
      preview.state = s;
      sessionStorage.setItem('preview-state', JSON.stringify(s));
    },
  };
};
