// Drives a real VS Code: code-server (installed by scripts/install-vscode-test.sh) in Debian's
// headless Chromium through playwright-core. Every server and browser started here is stopped by
// `close()`/`stop()`; a watchdog in the server's process group kills it if this process dies first.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';

/** The repository root: the nearest folder above this file holding scripts/install-vscode-test.sh. */
export const repoRoot = findRepoRoot(__dirname);

/** code-server's entry script, run with this process's Node (code-server 4.100.3 needs Node 20). */
export const codeServerEntry =
  process.env.CODE_SERVER_ENTRY ?? join(repoRoot, '.vscode-test/code-server/node_modules/code-server/out/node/entry.js');

/** The .vsix under test (E2E_VSIX), as `npm run package` writes it by default. */
export const defaultVsix = process.env.E2E_VSIX ?? join(repoRoot, 'out/backprop-lens.vsix');

/** The folder the e2e tests open (E2E_FOLDER), examples/ by default. */
export const defaultFolder = process.env.E2E_FOLDER ?? join(repoRoot, 'examples');

/** Where screenshot() writes PNGs (gitignored). */
export const artifactsDir = process.env.E2E_ARTIFACTS ?? join(repoRoot, 'test/e2e/artifacts');

/** Debian's Chromium; playwright-core cannot download a browser here. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep Chromium off the (closed) network and quiet in a container. */
export const chromiumFlags: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** User settings that keep the workbench free of welcome pages, prompts, tips and network calls. */
export const defaultSettings: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'editor.hover.delay': 300,
};

/** How to start code-server. */
export interface CodeServerOptions {
  /** Folder the workbench opens. */
  folder: string;
  /** .vsix packages installed before the server starts. */
  vsix?: readonly string[];
  /** Unpacked extension folders (each with a package.json) copied into the extensions dir. */
  extensionFolders?: readonly string[];
  /** Keep Workspace Trust on; by default the server runs with --disable-workspace-trust. */
  workspaceTrust?: boolean;
  /** User settings merged over {@link defaultSettings}. */
  settings?: Readonly<Record<string, unknown>>;
  /** Extra environment for the server; its extension host inherits it. */
  env?: Readonly<Record<string, string>>;
  /** Milliseconds to wait for the server to listen (default 30 000). */
  startTimeout?: number;
  /** Display language, e.g. 'ko': the workbench and extensions start in it (see {@link fakeLanguagePack}). */
  locale?: string;
}

/** A running code-server. */
export interface CodeServer {
  /** Base URL, e.g. http://127.0.0.1:41234/. */
  url: string;
  /** URL that opens the options' folder. */
  folderUrl: string;
  /** Scratch folder holding user data, extensions, config and log; removed by stop(). */
  tempDir: string;
  /** --user-data-dir (settings live in User/settings.json). */
  userDataDir: string;
  /** --extensions-dir. */
  extensionsDir: string;
  /** The server's stdout and stderr. */
  logFile: string;
  /** The last `lines` lines of the server log. */
  logTail(lines?: number): string;
  /** Kills the server's process group and removes tempDir (kept when E2E_KEEP=1). */
  stop(): Promise<void>;
}

/** How to open a file. */
export type OpenVia = 'quickOpen' | 'explorer';

/** Pixel statistics of a canvas. */
export interface CanvasPixels {
  /** Canvas width in pixels. */
  width: number;
  /** Canvas height in pixels. */
  height: number;
  /** Pixels with nonzero alpha. */
  painted: number;
  /** Distinct RGBA values among all pixels. */
  distinctColors: number;
}

const execFileAsync = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Starts code-server on a free loopback port with fresh user-data and extensions dirs. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  if (!existsSync(codeServerEntry)) {
    throw new Error(`code-server is not installed at ${codeServerEntry}; run: bash scripts/install-vscode-test.sh`);
  }
  const tempDir = mkdtempSync(join(tmpdir(), 'vscode-e2e-'));
  const userDataDir = join(tempDir, 'user-data');
  const extensionsDir = join(tempDir, 'extensions');
  const configFile = join(tempDir, 'config.yaml');
  const logFile = join(tempDir, 'code-server.log');
  const runtimeDir = join(tempDir, 'tmp');
  mkdirSync(runtimeDir);
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir);
  // An explicit config keeps code-server from writing ~/.config/code-server/config.yaml.
  writeFileSync(configFile, 'auth: none\n');
  const settings: Record<string, unknown> = { ...defaultSettings, ...options.settings };
  if (!options.workspaceTrust) settings['security.workspace.trust.enabled'] = false;
  writeFileSync(join(userDataDir, 'User/settings.json'), JSON.stringify(settings, null, 2));
  if (options.locale) fakeLanguagePack(userDataDir, options.locale);

  const env = {
    ...process.env,
    // code-server's logs (XDG_DATA_HOME) and VS Code's IPC sockets (XDG_RUNTIME_DIR, else
    // TMPDIR) go to the scratch folder, so nothing is left behind in ~ or /tmp.
    XDG_DATA_HOME: join(tempDir, 'xdg-data'),
    XDG_RUNTIME_DIR: runtimeDir,
    TMPDIR: runtimeDir,
    ...options.env,
  };
  const base = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  try {
    await installExtensions(base, extensionsDir, options, env);
  } catch (error) {
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }

  const args = [
    ...base,
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    ...(options.locale ? ['--locale', options.locale] : []),
    resolve(options.folder),
  ];
  const logFd = openSync(logFile, 'a');
  // The shell execs code-server as the leader of a new process group and leaves a watchdog in
  // that group which kills the whole group once this process is gone.
  const watchdog = 'parent=$1; shift; (while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -KILL 0) & exec "$@"';
  const child = spawn('/bin/sh', ['-c', watchdog, 'sh', String(process.pid), process.execPath, codeServerEntry, ...args], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env,
  });
  closeSync(logFd);
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('could not spawn code-server');
  trackGroup(pgid);

  const logTail = (lines = 40) => readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  const stop = async () => {
    await killGroup(child, pgid);
    if (process.env.E2E_KEEP !== '1') rmSync(tempDir, { recursive: true, force: true });
  };

  try {
    const url = await waitForListening(child, logFile, options.startTimeout ?? 30_000);
    const folderUrl = new URL(url);
    folderUrl.searchParams.set('folder', resolve(options.folder));
    return { url, folderUrl: folderUrl.href, tempDir, userDataDir, extensionsDir, logFile, logTail, stop };
  } catch (error) {
    const tail = existsSync(logFile) ? logTail() : '';
    await stop();
    throw new Error(`${(error as Error).message}\n--- code-server log ---\n${tail}`, { cause: error });
  }
}

/**
 * VS Code takes --locale only when a language pack for it is installed (it reads
 * <user-data>/languagepacks.json), and no pack can be downloaded here. A pack with no
 * translations leaves the workbench's own strings English but sets the display language, so
 * extensions get their package.nls.<locale>.json and l10n bundles, which is what we test.
 */
function fakeLanguagePack(userDataDir: string, locale: string): void {
  const translations = join(userDataDir, `empty-${locale}.i18n.json`);
  writeFileSync(translations, JSON.stringify({ contents: {} }));
  // `extensions` must name a (made-up) pack extension: the server's getInstalledLanguages() reads
  // extensions[0].extensionIdentifier.id, and when that throws, the workbench's scan of the remote
  // extensions fails and it gets none (ours never loads; builtins stall in the web worker).
  const extensions = [{ extensionIdentifier: { id: `backprop-lens-test.language-pack-${locale}` }, version: '0.0.0' }];
  const packs = { [locale]: { hash: `backprop-lens-test-${locale}`, extensions, translations: { vscode: translations }, label: locale } };
  writeFileSync(join(userDataDir, 'languagepacks.json'), JSON.stringify(packs));
}

async function installExtensions(baseArgs: readonly string[], extensionsDir: string, options: CodeServerOptions, env: NodeJS.ProcessEnv): Promise<void> {
  // Unpacked folders are only picked up while extensions.json does not exist yet, i.e. before the
  // first --install-extension writes it; so copy them first.
  for (const folder of options.extensionFolders ?? []) {
    const { publisher, name, version } = readManifest(folder);
    cpSync(folder, join(extensionsDir, `${publisher}.${name}-${version}`), { recursive: true });
  }
  for (const vsix of options.vsix ?? []) await installVsix(baseArgs, vsix, env);
  if (options.extensionFolders?.length) await expectExtensionsListed(baseArgs, options.extensionFolders, env);
}

function readManifest(folder: string): { publisher: string; name: string; version: string } {
  return JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
}

/** Installs a .vsix into the extensions dir of a server that is not running yet. */
async function installVsix(baseArgs: readonly string[], vsix: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (!existsSync(vsix)) throw new Error(`no such .vsix: ${vsix}`);
  const { stdout, stderr } = await execFileAsync(process.execPath, [codeServerEntry, ...baseArgs, '--force', '--install-extension', resolve(vsix)], { env });
  if (!/successfully installed/.test(stdout)) throw new Error(`installing ${vsix} failed:\n${stdout}${stderr}`);
}

async function expectExtensionsListed(baseArgs: readonly string[], folders: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { stdout } = await execFileAsync(process.execPath, [codeServerEntry, ...baseArgs, '--list-extensions'], { env });
  const listed = new Set(stdout.split('\n').map((line) => line.trim().toLowerCase()));
  for (const folder of folders) {
    const { publisher, name } = readManifest(folder);
    if (!listed.has(`${publisher}.${name}`.toLowerCase())) {
      throw new Error(`code-server did not pick up the unpacked extension ${folder}; it lists:\n${stdout}`);
    }
  }
}

async function waitForListening(child: ChildProcess, logFile: string, timeout: number): Promise<string> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const match = /HTTP server listening on (http:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'));
    if (match?.[1]) return match[1];
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}) before listening`);
    await sleep(100);
  }
  throw new Error(`code-server did not listen within ${timeout} ms`);
}

function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) signalGroup(group, 'SIGKILL');
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function killGroup(child: ChildProcess, pgid: number): Promise<void> {
  if (!liveGroups.has(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(50);
  // The extension host and the watchdog share the group; make sure nothing outlives the server.
  signalGroup(pgid, 'SIGKILL');
  liveGroups.delete(pgid);
}

/** Launches Debian's Chromium headless with {@link chromiumFlags}. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: [...chromiumFlags] });
}

/** A workbench page in the browser, with helpers that act as a person would. */
export class Workbench {
  /** The Playwright page showing the workbench. */
  readonly page: Page;

  private constructor(page: Page) {
    this.page = page;
  }

  /** Opens `url` in a new 1400x900 page and waits for `.monaco-workbench`. */
  static async open(browser: Browser, url: string, timeout = 60_000): Promise<Workbench> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout });
    return new Workbench(page);
  }

  /** Opens a file by name (or a path relative to the folder) and waits for its editor. */
  async openFile(name: string, via: OpenVia = 'quickOpen'): Promise<void> {
    const fileName = basename(name);
    const tab = this.page.locator(`.tabs-container .tab.active[aria-label^="${fileName}"]`);
    if (via === 'explorer') {
      await this.page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${fileName}"]`).click();
    } else {
      await this.retryQuickInput('Control+P', name, async () => {
        await this.quickPickRow(fileName).click({ timeout: 5_000 });
        await tab.waitFor({ timeout: 10_000 });
      });
    }
    await tab.waitFor();
    await this.activeEditor().locator('.view-lines').waitFor();
  }

  /** Runs a command by its palette title ("Category: Title" rows match "Title" too). */
  async runCommand(title: string): Promise<void> {
    const row = this.quickPickRow(title);
    await this.retryQuickInput('Control+Shift+P', `>${title}`, () => row.waitFor({ timeout: 5_000 }));
    await row.click();
    // The row goes whether the palette closes or the command opens a quick pick of its own.
    await row.waitFor({ state: 'hidden' });
  }

  /**
   * Opens the quick input with `key`, types `text` and runs `then`; all of it again, for 30 s, when a
   * step fails: a webview that takes the focus as it loads (a panel replaying its run) closes the
   * quick input opened over it, even under a click.
   */
  private async retryQuickInput(key: string, text: string, then: () => Promise<void>): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    const deadline = Date.now() + 30_000;
    for (;;) {
      await this.pressUntil(key, input, Math.max(1, deadline - Date.now()));
      try {
        await input.fill(text, { timeout: 3_000 });
        return await then();
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        if (await input.isVisible()) await this.page.keyboard.press('Escape');
      }
    }
  }

  /** Hovers the first occurrence of `token` in the active editor and returns the hover's text. */
  async hover(token: string, timeout = 10_000): Promise<string> {
    const hover = this.page.locator('.monaco-hover-content').filter({ visible: true });
    const deadline = Date.now() + timeout;
    for (let nudge = 0; ; nudge++) {
      try {
        // Measured afresh each time: CodeLenses that arrive after a run move the lines down, and a
        // line being re-rendered (tokenized, decorated) is briefly not there at all.
        const { x, y } = await this.tokenCenter(token, Math.min(1_000, Math.max(1, deadline - Date.now())));
        // The first mousemove over a freshly opened editor often shows no hover; nudging the pointer
        // by a pixel until the hover shows is what a person does too.
        await this.page.mouse.move(x + (nudge % 2), y, { steps: 2 });
        await hover.first().waitFor({ timeout: Math.min(1_000, Math.max(1, deadline - Date.now())) });
        return (await hover.allInnerTexts()).join('\n');
      } catch (error) {
        if (Date.now() >= deadline) throw new Error(`no hover over "${token}" within ${timeout} ms: ${(error as Error).message}\n${await this.describeEditor()}`, { cause: error });
      }
    }
  }

  /** Where the first occurrence of `token` in the active editor is drawn. */
  private async tokenCenter(token: string, timeout: number): Promise<{ x: number; y: number }> {
    // The editor font is monospace, so a token's x offset inside its span is proportional.
    const span = this.activeEditor().locator('.view-lines .view-line span[class*="mtk"]', { hasText: token }).first();
    await span.waitFor({ state: 'visible', timeout });
    const text = await span.textContent({ timeout });
    const box = await span.boundingBox({ timeout });
    if (text === null || box === null) throw new Error(`token "${token}" is not visible in the active editor`);
    const charWidth = box.width / text.length;
    return { x: box.x + (text.indexOf(token) + token.length / 2) * charWidth, y: box.y + box.height / 2 };
  }

  /** What a failed editor interaction saw: the active tab, the lines drawn, and a screenshot. */
  private async describeEditor(): Promise<string> {
    const tab = await this.page.locator('.tabs-container .tab.active').first().getAttribute('aria-label', { timeout: 1_000 }).catch(() => null);
    const lines = await this.activeEditor().locator('.view-lines').innerText({ timeout: 1_000 }).catch((e: Error) => `(none: ${e.message.split('\n')[0]})`);
    const shot = await this.screenshot(`failed-${Date.now()}`).catch(() => '(no screenshot)');
    return `active tab: ${tab ?? '(none)'}; screenshot: ${shot}; lines drawn:\n${lines.slice(0, 600)}`;
  }

  /** Moves the mouse away and presses Escape so hovers and widgets close. */
  async dismiss(): Promise<void> {
    await this.page.mouse.move(0, 0);
    await this.page.keyboard.press('Escape');
  }

  /**
   * Finds the frame (webviews are nested iframes) that holds `selector`, optionally with text.
   * Polls page.frames(), since a webview's frames appear and load asynchronously.
   */
  async findFrame(selector: string, options: { hasText?: string | RegExp; timeout?: number } = {}): Promise<Frame> {
    const deadline = Date.now() + (options.timeout ?? 15_000);
    for (;;) {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame()) continue;
        try {
          const filter = options.hasText === undefined ? undefined : { hasText: options.hasText };
          if ((await frame.locator(selector, filter).count()) > 0) return frame;
        } catch {
          // The frame detached while probed; look at the others.
        }
      }
      if (Date.now() > deadline) {
        const urls = this.page.frames().map((frame) => frame.url()).join('\n  ');
        throw new Error(`no frame holds ${selector}${options.hasText ? ` with "${options.hasText}"` : ''}; frames:\n  ${urls}`);
      }
      await sleep(200);
    }
  }

  /** The inner text of `selector` in the webview frame that holds it. */
  async webviewText(selector: string, timeout?: number): Promise<string> {
    const frame = await this.findFrame(selector, timeout === undefined ? {} : { timeout });
    return frame.locator(selector).first().innerText();
  }

  /** Pixel statistics of the canvas at `selector` in `frame` (to tell painted from blank). */
  async canvasPixels(frame: Frame, selector: string): Promise<CanvasPixels> {
    return frame.locator(selector).first().evaluate((element) => {
      // Typed by hand: this project's tsconfig has no DOM lib.
      const canvas = element as unknown as {
        width: number;
        height: number;
        getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
      };
      const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      const colors = new Set<number>();
      let painted = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] !== 0) painted++;
        colors.add(((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!) >>> 0);
      }
      return { width: canvas.width, height: canvas.height, painted, distinctColors: colors.size };
    });
  }

  /** Texts of the notification toasts now showing. */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-toast').allInnerTexts();
  }

  /** Saves a full-page PNG as `<artifactsDir>/<name>.png` and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(artifactsDir, { recursive: true });
    const path = join(artifactsDir, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  private activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
  }

  /**
   * Presses `key` until `shows` is visible. On a loaded machine a key pressed while focus is moving
   * (into a webview that forwards its keys to the workbench, or to an editor whose code actions are
   * still being computed) can do nothing, and a person presses it again.
   */
  async pressUntil(key: string, shows: Locator, timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    for (;;) {
      await this.page.keyboard.press(key);
      try {
        await shows.waitFor({ timeout: Math.min(4_000, Math.max(1, deadline - Date.now())) });
        return;
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        // Closes whatever the key did open instead ("No code actions available", a half-open palette).
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /** The quick pick's row labelled `label` ("Category: label" too). */
  quickPickRow(label: string): Locator {
    const exact = new RegExp(`^(?:.*: )?${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    return this.page.locator('.quick-input-list .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: exact }) }).first();
  }
}

/** code-server, a browser and the workbench showing the folder: what an e2e test drives. */
export interface VSCodeSession {
  /** The running server. */
  server: CodeServer;
  /** The headless browser. */
  browser: Browser;
  /** The workbench page. */
  workbench: Workbench;
  /** Closes the browser and stops the server; never throws. */
  close(): Promise<void>;
}

/** Starts code-server and a browser showing its workbench; cleans up whatever started if a step fails. */
export async function startVSCode(options: CodeServerOptions): Promise<VSCodeSession> {
  const server = await startCodeServer(options);
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close().catch(() => undefined);
    await server.stop();
  };
  try {
    browser = await launchBrowser();
    const workbench = await Workbench.open(browser, server.folderUrl);
    return { server, browser, workbench, close };
  } catch (error) {
    const tail = server.logTail();
    await close();
    throw new Error(`${(error as Error).message}\n--- code-server log ---\n${tail}`, { cause: error });
  }
}

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts/install-vscode-test.sh'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no scripts/install-vscode-test.sh above ${start}`);
  }
}
