// The panel's Distributions (Chromium): one histogram per layer on one count axis, from the real
// engine's run of the weight-init example; activation and dx; a comparison of inits, a row per
// variant; the layout in three themes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { WebviewToHost } from '../../src/protocol';
import { ARTIFACTS, clean, open as openPage, overflowX, runDone, useBrowser, type Watch } from './browser';

useBrowser();

function open(query: string, width = 1280): Promise<{ page: Page; watch: Watch }> {
  return openPage('preview.html', query, { width, height: 900 });
}

/** Each column's name and its bars' heights (% of the tallest bin of all columns). */
async function columns(page: Page): Promise<{ name: string; heights: number[]; label: string }[]> {
  return page.$$eval('.dist', (figures) =>
    figures.map((f) => ({
      name: f.querySelector('.dist-name')?.textContent ?? '',
      heights: [...f.querySelectorAll<HTMLElement>('.dist-bar')].map((b) => parseFloat(b.style.height)),
      label: f.querySelector('.dist-bars')?.getAttribute('aria-label') ?? '',
    })),
  );
}

describe('webview distributions', () => {
  test('std 1: every sigmoid column piles at its ends; Xavier: no column does; dx on demand; a name selects its layer', async () => {
    const { page, watch } = await open('play=weightInit');
    await runDone(page);
    const cols = await columns(page);
    assert.deepEqual(cols.map((c) => c.name), ['Affine1', 'Sigmoid1', 'Affine2', 'Sigmoid2', 'Affine3', 'Sigmoid3', 'Affine4', 'Sigmoid4', 'Affine5', 'Sigmoid5']);
    const sigmoids = cols.filter((c) => c.name.startsWith('Sigmoid'));
    for (const c of sigmoids) {
      assert.equal(c.heights.length, 30);
      const middle = Math.max(...c.heights.slice(5, 25));
      assert.ok(c.heights[0] > 4 * middle && c.heights[29] > 4 * middle, `${c.name}: ${c.heights}`);
      assert.match(c.label, /^Sigmoid\d activation: 100,000 values from 0 to 1, most \([\d,]+\) in \[(0|0\.967), (0\.0333|1)\]$/);
    }
    // One count axis: the tallest bin of all columns is 100%.
    assert.equal(Math.max(...cols.flatMap((c) => c.heights)), 100);
    assert.equal(await overflowX(page), 0);

    await page.click('.dist-of button:text-is("dx")');
    assert.equal(await page.getAttribute('.dist-of button:text-is("dx")', 'aria-pressed'), 'true');
    assert.match((await columns(page))[0].label, /^Affine1 dx: 100,000 values from /);
    await page.click('.dist-name:text-is("Sigmoid3")');
    assert.deepEqual(((await page.evaluate(() => window.preview.posted)) as WebviewToHost[]).at(-1), { type: 'selectLayer', index: 5 });
    await clean(page, watch);

    const xavier = await open('play=weightInitXavier');
    await runDone(xavier.page);
    for (const c of (await columns(xavier.page)).filter((col) => col.name.startsWith('Sigmoid'))) {
      assert.ok(c.heights[0] < 1 && c.heights[29] < 1, `${c.name}: ${c.heights}`);
    }
    await clean(xavier.page, xavier.watch);
  });

  test('a comparison of inits: a row per variant, each on its own count axis, its columns on the ranges every row shares', async () => {
    const { page, watch } = await open('play=weightInitCompare');
    await runDone(page);
    await page.waitForSelector('.dist-variant');
    assert.deepEqual(await page.$$eval('.dist-variant', (rows) => rows.map((r) => [r.getAttribute('aria-label'), r.querySelector('.dist-variant-label')?.textContent])), [['std 1', 'std 1'], ['std 0.01', 'std 0.01'], ['xavier', 'xavier']]);
    assert.match((await page.textContent('.dist-note')) ?? '', /^init compared: one row per variant/);
    const rows = await page.$$eval('.dist-variant', (variants) =>
      variants.map((v) =>
        [...v.querySelectorAll('.dist')].map((f) => ({
          name: f.querySelector('.dist-name')?.textContent ?? '',
          heights: [...f.querySelectorAll<HTMLElement>('.dist-bar')].map((b) => parseFloat(b.style.height)),
          ends: [...f.querySelectorAll('.dist-ends span')].map((e) => e.textContent),
          label: f.querySelector('.dist-bars')?.getAttribute('aria-label') ?? '',
        })),
      ),
    );
    const [std1, std001, xavier] = rows;
    for (const row of rows) {
      assert.deepEqual(row.map((c) => c.name), ['Affine1', 'Sigmoid1', 'Affine2', 'Sigmoid2', 'Affine3', 'Sigmoid3', 'Affine4', 'Sigmoid4', 'Affine5', 'Sigmoid5']);
      assert.equal(Math.max(...row.flatMap((c) => c.heights)), 100);
      // Every row's Affine1 on the same range; a sigmoid on [0, 1].
      assert.deepEqual(row[0].ends, std1[0].ends);
      assert.deepEqual(row[1].ends, ['0', '1']);
    }
    const sigmoids = (row: typeof std1) => row.filter((c) => c.name.startsWith('Sigmoid'));
    for (const c of sigmoids(std1)) assert.ok(c.heights[0] > 4 * Math.max(...c.heights.slice(5, 25)), `${c.name}: ${c.heights}`);
    for (const c of sigmoids(std001)) assert.ok(c.heights[0] === 0 && c.heights[29] === 0 && Math.max(...c.heights.slice(13, 17)) > 0, `${c.name}: ${c.heights}`);
    for (const c of sigmoids(xavier)) assert.ok(c.heights[0] < 1 && c.heights[29] < 1, `${c.name}: ${c.heights}`);
    assert.match(xavier[1].label, /^xavier: Sigmoid1 activation: 100,000 values from 0 to 1/);
    assert.equal(await overflowX(page), 0);

    await page.click('.dist-of button:text-is("dx")');
    assert.match((await page.$$eval('.dist-variant:nth-of-type(2) .dist-bars', (b) => b.map((x) => x.getAttribute('aria-label'))))[0] ?? '', /^std 0\.01: Affine1 dx: 100,000 values from /);
    await clean(page, watch);
  });

  for (const theme of ['light', 'dark', 'hc']) {
    for (const width of [500, 1280]) {
      test(`${theme}, ${width} px: a comparison's rows fit inside the panel, five layers of a variant to a line`, async () => {
        const { page, watch } = await open(`play=weightInitCompare&theme=${theme}`, width);
        await runDone(page);
        await page.waitForSelector('.dist-variant');
        assert.equal(await overflowX(page), 0);
        const section = (await page.locator('.dists').boundingBox())!;
        const boxes = await page.locator('.dist-variant:first-of-type .dist').evaluateAll((fs) => fs.map((f) => f.getBoundingClientRect()).map((r) => ({ right: r.right, top: r.top })));
        for (const box of boxes) assert.ok(box.right <= section.x + section.width + 0.5);
        // Ten columns: at 500 px they take two lines at most, at 1,280 px one.
        assert.ok(new Set(boxes.map((b) => Math.round(b.top))).size <= (width === 500 ? 2 : 1), JSON.stringify(boxes));
        await page.locator('.dists').screenshot({ path: join(ARTIFACTS, `distributions-compare-${theme}-${width}.png`) });
        await clean(page, watch);
      });
      test(`${theme}, ${width} px: the columns wrap inside the panel`, async () => {
        const { page, watch } = await open(`play=weightInit&theme=${theme}`, width);
        await runDone(page);
        assert.equal(await overflowX(page), 0);
        const section = (await page.locator('.dists').boundingBox())!;
        for (const box of await page.locator('.dist').evaluateAll((fs) => fs.map((f) => f.getBoundingClientRect().right))) assert.ok(box <= section.x + section.width + 0.5);
        await page.locator('.dists').screenshot({ path: join(ARTIFACTS, `distributions-${theme}-${width}.png`) });
        await clean(page, watch);
      });
    }
  }
});
