// 4-D tensors in the panel (Chromium): a grid of small images per sample or filter, pages, the
// pooling mask's winners, the tooltip's [n, c, h, w], keyboard, and the layout in three themes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { WebviewToHost } from '../../src/protocol';
import { fmtFull } from '../../src/format';
import { ARTIFACTS, clean, open as openPage, overflowX, useBrowser, type Watch } from './browser';
import { CONV_N, CONV_SENT, convEvents } from './fixtures';

useBrowser();

function open(query: string, width = 1280): Promise<{ page: Page; watch: Watch }> {
  return openPage('preview.html', query, { width, height: 900 });
}

function card(title: string): string {
  return `.hm-card:has(.hm-title:text-is("${title}"))`;
}

async function select(page: Page, layer: string): Promise<void> {
  await page.waitForFunction(() => document.querySelector('.status')?.textContent?.startsWith('done') === true);
  await page.click(`table.layers tbody tr:has-text("${layer}")`);
  await page.waitForSelector('.hm-grid');
}

async function tooltipAt(page: Page, point: { x: number; y: number }): Promise<string> {
  await page.mouse.move(point.x, point.y);
  await page.waitForSelector('#bl-tooltip:not([hidden])');
  return (await page.textContent('#bl-tooltip')) ?? '';
}

const events = convEvents();
function tensorOf(index: number, field: 'activation' | 'mask'): Float64Array {
  const ev = events.find((e) => e.kind === 'forward' && e.index === index);
  assert.ok(ev?.kind === 'forward');
  const t = field === 'activation' ? ev.activation : ev.mask;
  assert.ok(t);
  return new Float64Array(t.buffer);
}

describe('webview 4-D grid', () => {
  test('a conv layer: its activation is a page of samples, six channel images each; W and dW are banks of filters', async () => {
    const { page, watch } = await open('play=conv');
    await select(page, 'Conv1');
    const activation = card('activation');
    assert.equal(await page.textContent(`${activation} .hm-shape`), `${CONV_N}×6×10×10`);
    // 64 images a page: ten samples of six channels; only the first 12 samples were sent.
    assert.equal(await page.textContent(`${activation} .grid-page`), `samples 0–9 of ${CONV_SENT}`);
    assert.match((await page.textContent(`${activation} .hm-note`)) ?? '', new RegExp(`first ${CONV_SENT} of ${CONV_N} samples`));
    const canvas = page.locator(`${activation} canvas.hm-canvas`);
    // Each pixel is drawn 4 px wide (48 px images of 10 px): six channels fit side by side in 440 px.
    assert.deepEqual(await canvas.evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]), [6 * 40 + 5 * 2, 10 * 40 + 9 * 8]);
    assert.match((await canvas.getAttribute('aria-label')) ?? '', /6 channel images side by side per sample, samples 0–9 of 12/);

    const box = (await canvas.boundingBox())!;
    // Sample 1 (second line), channel 2, row 3, column 7: its values are those sent, in [n, c, h, w] order.
    const tip = await tooltipAt(page, { x: box.x + 2 * 42 + 7 * 4 + 2, y: box.y + 48 + 3 * 4 + 2 });
    const v = tensorOf(0, 'activation')[((1 * 6 + 2) * 10 + 3) * 10 + 7];
    assert.equal(tip, `activation · Conv1\n[n, c, h, w] [1, 2, 3, 7]\nvalue ${fmtFull(v)}`);
    // The gap between two channel images is no pixel.
    await page.mouse.move(box.x + 40.5, box.y + 5);
    await page.waitForSelector('#bl-tooltip', { state: 'hidden' });

    // Filters: six of them, one channel each, on one page with no pager.
    assert.equal(await page.textContent(`${card('dW')} .hm-shape`), '6×1×3×3');
    assert.equal(await page.locator(`${card('dW')} .grid-pager`).isHidden(), true);
    assert.match((await page.locator(`${card('dW')} canvas.hm-canvas`).getAttribute('aria-label')) ?? '', /one image per filter, filters 0–5 of 6/);
    await page.locator(`${card('dW')} canvas.hm-canvas`).scrollIntoViewIfNeeded();
    const dW = (await page.locator(`${card('dW')} canvas.hm-canvas`).boundingBox())!;
    assert.match(await tooltipAt(page, { x: dW.x + 3, y: dW.y + 3 }), /^dW · Conv1\n\[f, c, h, w\] \[0, 0, 0, 0\]\nvalue /);
    assert.equal(await overflowX(page), 0);
    await clean(page, watch);
  });

  test('pages: buttons, Page Down and the sample box turn them; arrows walk pixels, then channels, then samples', async () => {
    const { page, watch } = await open('play=conv');
    await select(page, 'Conv1');
    const activation = card('activation');
    const pageText = page.locator(`${activation} .grid-page`);
    await page.click(`${activation} button[aria-label^="Next page"]`);
    assert.equal(await pageText.textContent(), 'samples 10–11 of 12');
    assert.equal(await page.locator(`${activation} button[aria-label^="Next page"]`).isDisabled(), true);
    await page.click(`${activation} button[aria-label^="Previous page"]`);
    assert.equal(await pageText.textContent(), 'samples 0–9 of 12');
    await page.fill(`${activation} input.grid-jump`, '11');
    await page.press(`${activation} input.grid-jump`, 'Enter');
    assert.equal(await pageText.textContent(), 'samples 10–11 of 12');
    await page.click(`${activation} button[aria-label^="Previous page"]`);

    const canvas = page.locator(`${activation} canvas.hm-canvas`);
    await canvas.focus();
    const tip = async (key: string): Promise<string> => {
      await page.keyboard.press(key);
      return ((await page.textContent('#bl-tooltip')) ?? '').split('\n')[1];
    };
    assert.equal(await tip('ArrowRight'), '[n, c, h, w] [0, 0, 0, 0]');
    for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await tip('ArrowRight'), '[n, c, h, w] [0, 1, 0, 0]');
    assert.equal(await tip('ArrowLeft'), '[n, c, h, w] [0, 0, 0, 9]');
    for (let i = 0; i < 9; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await tip('ArrowDown'), '[n, c, h, w] [1, 0, 0, 9]');
    assert.equal(await tip('PageDown'), '[n, c, h, w] [11, 0, 0, 9]');
    assert.equal(await pageText.textContent(), 'samples 10–11 of 12');
    assert.equal(await tip('ArrowUp'), '[n, c, h, w] [10, 0, 9, 9]');
    await clean(page, watch);
  });

  test('the run panel asks the host for a sample that was not sent, with no step; its answer is drawn alone', async () => {
    const { page, watch } = await open('play=conv');
    await select(page, 'Conv1');
    const activation = card('activation');
    await page.fill(`${activation} input.grid-jump`, '13');
    await page.press(`${activation} input.grid-jump`, 'Enter');
    const asked = ((await page.evaluate(() => window.preview.posted)) as WebviewToHost[]).filter((m) => m.type === 'sample');
    assert.deepEqual(asked, [{ type: 'sample', ref: { index: 0, record: 'out' }, sample: 13 }]);
    assert.equal(await page.textContent(`${activation} .grid-sample-status`), 'loading sample 13…');
    await page.evaluate(() => window.preview.send([{ type: 'sample', runId: 1, ref: { index: 0, record: 'out' }, sample: 13, answer: { values: new Float64Array(600).fill(0.25).buffer } }]));
    await page.waitForSelector(`${activation} .grid-page:text-is("sample 13 of ${CONV_N}")`);
    // A malformed answer (the wrong size) is said, not drawn.
    await page.fill(`${activation} input.grid-jump`, '14');
    await page.press(`${activation} input.grid-jump`, 'Enter');
    await page.evaluate(() => window.preview.send([{ type: 'sample', runId: 1, ref: { index: 0, record: 'out' }, sample: 14, answer: { values: new Float64Array(5).buffer } }]));
    await page.waitForSelector(`${activation} .grid-sample-status:text-is("Sample 14 came with 5 values instead of 600.")`);
    assert.equal(await page.textContent(`${activation} .grid-page`), `sample 13 of ${CONV_N}`);
    await clean(page, watch);
  });

  test('the pooling mask marks each window\'s winner, in its own words', async () => {
    const { page, watch } = await open('play=conv');
    await select(page, 'Pool1');
    const mask = card('mask (pooling)');
    assert.deepEqual(await page.$$eval(`${mask} .legend-item`, (items) => items.map((i) => i.textContent)), ['not the max (0)', 'window max (1)']);
    const box = (await page.locator(`${mask} canvas.hm-canvas`).boundingBox())!;
    const values = tensorOf(1, 'mask');
    // Pixel (0, 0) and (0, 1) of sample 0, channel 0: one window, so at most one of them wins.
    const words = (v: number) => `value ${fmtFull(v)} (${v ? 'window max' : 'not the max'})`;
    assert.equal((await tooltipAt(page, { x: box.x + 2, y: box.y + 2 })).split('\n')[2], words(values[0]));
    assert.equal((await tooltipAt(page, { x: box.x + 6, y: box.y + 2 })).split('\n')[2], words(values[1]));
    assert.equal(await overflowX(page), 0);
    await clean(page, watch);
  });

  test('a cell of a filter posts selectCell at its place in the 2-D view [F, C·H·W]; Enter does too', async () => {
    const { page, watch } = await open('play=conv');
    await select(page, 'Conv1');
    const dW = page.locator(`${card('dW')} canvas.hm-canvas`);
    await dW.scrollIntoViewIfNeeded();
    const box = (await dW.boundingBox())!;
    // Filter 1 (the second image on the line: 3×16 px + 8 px apart), row 2, column 1.
    await page.mouse.click(box.x + 56 + 16 + 8, box.y + 32 + 8);
    const last = async () => ((await page.evaluate(() => window.preview.posted)) as WebviewToHost[]).at(-1);
    assert.deepEqual(await last(), { type: 'selectCell', index: 0, param: 'W', row: 1, col: 2 * 3 + 1 });
    // The keyboard goes on from the pixel clicked.
    await dW.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    assert.deepEqual(await last(), { type: 'selectCell', index: 0, param: 'W', row: 1, col: 2 * 3 + 2 });
    await clean(page, watch);
  });

  for (const theme of ['light', 'dark', 'hc']) {
    for (const width of [500, 700, 1280]) {
      test(`${theme}, ${width} px: the conv layer's grids fit the panel`, async () => {
        const { page, watch } = await open(`play=conv&theme=${theme}`, width);
        await select(page, 'Conv1');
        assert.equal(await overflowX(page), 0);
        for (const c of await page.locator('.hm-grid').all()) {
          const [cardBox, canvasBox] = [await c.boundingBox(), await c.locator("canvas.hm-canvas").boundingBox()];
          assert.ok(cardBox && canvasBox && canvasBox.x + canvasBox.width <= cardBox.x + cardBox.width, 'the canvas sits inside its card');
        }
        await page.screenshot({ path: join(ARTIFACTS, `grid-conv-${theme}-${width}.png`), fullPage: true });
        await clean(page, watch);
      });
    }
  }
});
