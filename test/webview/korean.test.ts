// The webviews in Korean: each preview page gets the host's data block of l10n/webview.ko.json (as
// src/webview-strings.ts writes it) and lang="ko", and then shows no English words but identifiers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { stringsBlock } from '../../src/webview-strings';
import { clean, open, settle, useBrowser } from './browser';
import { HOSTILE_NAME } from './fixtures';

useBrowser();

const KOREAN = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'l10n', 'webview.ko.json'), 'utf8')) as Record<string, string>;

/** Reloads `page` with the Korean data block in its head, as the host serves a Korean VS Code. */
async function inKorean(page: Page): Promise<void> {
  await page.route(/\/test\/webview\/[a-z-]+\.html/, async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace(/<html lang="en">/, '<html lang="ko">').replace('</head>', `${stringsBlock(KOREAN)}\n</head>`);
    await route.fulfill({ response, body: html });
  });
  await page.reload();
  await page.waitForFunction(() => window.preview.posted.length > 0);
}

/** What the host and the engine write (the spec's title and names, findings, fix titles, errors): other catalogues translate it. */
const HOST_TEXT = '.title, .alert, .net-name, .layer-name, .finding-layer, .finding-message, .finding-fix, .findings-fix-all, .finding-mark, .check-layer, .diff-name';

/**
 * English words of three letters or more in the page's text and its titles and labels, less what the
 * host wrote and the identifiers the fixtures put there (layer names and types, parameter names).
 */
async function englishWords(page: Page, allowed: readonly string[]): Promise<string[]> {
  const texts = await page.evaluate((host) => {
    const body = document.body.cloneNode(true) as HTMLElement;
    for (const el of body.querySelectorAll(host)) el.remove();
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    const out: string[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) out.push(n.textContent ?? '');
    for (const el of body.querySelectorAll('[title], [aria-label]')) out.push(el.getAttribute('title') ?? '', el.getAttribute('aria-label') ?? '');
    return out;
  }, HOST_TEXT);
  const words = new Set(texts.flatMap((s) => s.match(/[A-Za-z]{3,}/g) ?? []));
  return [...words].filter((w) => !allowed.some((a) => a.toLowerCase() === w.toLowerCase())).sort();
}

/** Identifiers that stay as they are in any language. */
const IDENTIFIERS = ['NaN', 'Inf', 'ReLU', 'dout', 'max', 'viridis', 'inferno', 'atol', 'rtol', 'Backprop', 'Lens', 'Ctrl', 'Enter', 'Page', 'Down', 'smooth_curve', 'curve', 'smooth', 'Kaiser', 'TensorBoard'];

describe('the webviews in Korean', () => {
  test('the run panel: headings, table, checks and status in Korean', async () => {
    const { page, watch } = await open('preview.html', 'theme=dark&play=network', { width: 1300, height: 900 });
    await inKorean(page);
    await page.waitForFunction(() => document.querySelector('.status')?.textContent?.includes('완료') === true);
    await settle(page);
    assert.equal(await page.getAttribute('html', 'lang'), 'ko');
    assert.equal(await page.textContent('#bl-checks-heading'), '기울기 확인');
    const headers = await page.$$eval('table.layers th', (ths) => ths.map((th) => th.textContent ?? ''));
    assert.ok(headers.includes('계층') && headers.includes('종류'), headers.join(', '));
    const layers = await page.$$eval('table.layers td.col-name, table.layers td.col-type', (tds) => tds.flatMap((td) => (td.firstChild?.textContent ?? '').split(/\s+/)));
    const english = await englishWords(page, [...IDENTIFIERS, ...layers, ...HOSTILE_NAME.split(/[^A-Za-z]+/), 'two', 'layer', 'net', 'softmax', 'with', 'loss', 'affine', 'relu', 'mask']);
    assert.deepEqual(english, []);
    await clean(page, watch);
  });

  test('the side view: sections and flow in Korean', async () => {
    const { page, watch } = await open('side-preview.html', 'play=layer', { width: 320, height: 900 });
    await inKorean(page);
    await page.waitForFunction(() => document.querySelector('#bl-side-flow')?.textContent === '기울기 흐름');
    await settle(page);
    assert.equal(await page.textContent('#bl-side-dist'), '분포');
    await clean(page, watch);
  });

  test('the Train panel: sections and status in Korean', async () => {
    const { page, watch } = await open('train-preview.html', 'play=train', { width: 1100, height: 900 });
    await inKorean(page);
    await page.waitForFunction(() => document.querySelector('#bl-curves')?.textContent === '곡선');
    await settle(page);
    assert.equal(await page.textContent('#bl-snapshot'), '스냅숏');
    assert.match((await page.textContent('.toolbar .status')) ?? '', /[\uac00-\ud7a3]/);
    await clean(page, watch);
  });
});
