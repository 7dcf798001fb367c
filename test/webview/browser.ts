// Headless Chromium around the preview pages, shared by the panel and side view tests: the pages load
// over http from a static server so their CSP can say 'self'. Screenshots go to test/webview/artifacts/.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serve, type StaticServer } from './server';

const ROOT = join(__dirname, '..', '..', '..');
/** Where tests save screenshots. */
export const ARTIFACTS = join(ROOT, 'test', 'webview', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser;
let server: StaticServer;

/** Starts the server and the browser before the file's tests, and stops them after. */
export function useBrowser(): void {
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: run apt-get update && apt-get install -y chromium, or set CHROMIUM_PATH`);
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await serve(ROOT);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
}

/** A page problem a webview must never cause: script errors, alert() from markup, CSP violations. */
export interface Watch {
  /** Script errors and console errors. */
  errors: string[];
  /** Dialogs opened (alert from injected markup). */
  dialogs: string[];
}

/** Opens test/webview/`file` with `query` and waits until the page posted its first message ('ready'). */
export async function open(file: 'preview.html' | 'side-preview.html' | 'train-preview.html', query: string, size: { width: number; height: number }): Promise<{ page: Page; watch: Watch }> {
  const page = await browser.newPage({ viewport: size });
  const watch: Watch = { errors: [], dialogs: [] };
  page.on('pageerror', (e) => watch.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(m.text());
  });
  page.on('dialog', (d) => {
    watch.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`${server.url}/test/webview/${file}?${query}`);
  await page.waitForFunction(() => window.preview.posted.length > 0);
  return { page, watch };
}

/** Waits until the run panel has drawn its run's done event. */
export async function runDone(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('.status')?.textContent?.startsWith('done') === true);
}

/** The run panel playing fixture `play` in `theme` at `width` px, once its run is done and drawn. */
export async function openRun(play: string, theme: string, width: number): Promise<{ page: Page; watch: Watch }> {
  const opened = await open('preview.html', `theme=${theme}&play=${play}`, { width, height: 900 });
  await runDone(opened.page);
  await settle(opened.page);
  return opened;
}

/** Asserts the page caused no problem, then closes it. */
export async function clean(page: Page, watch: Watch): Promise<void> {
  assert.deepEqual(watch.errors, []);
  assert.deepEqual(watch.dialogs, []);
  assert.deepEqual(await page.evaluate(() => window.preview.cspViolations), []);
  await page.close();
}

/** Waits until the page has handled every message sent so far (window messages are dispatched in order). */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
}

/** Horizontal overflow of the page in CSS px (0 when everything fits). */
export async function overflowX(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** A whole-pixel point inside cell (row, col) of the canvas in `cardSelector`, scrolled into view. */
export async function cellPoint(page: Page, cardSelector: string, row: number, col: number, rows: number, cols: number): Promise<{ x: number; y: number }> {
  const canvas = page.locator(`${cardSelector} canvas.hm-canvas`);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  assert.ok(box);
  // Chromium truncates pointer coordinates to whole pixels: pick a whole pixel inside the cell.
  const inside = (start: number, size: number): number => Math.max(Math.ceil(start), Math.floor(start + size / 2));
  return { x: inside(box.x + (col * box.width) / cols, box.width / cols), y: inside(box.y + (row * box.height) / rows, box.height / rows) };
}
