// The Train panel's scrubber on a SimpleConvNet-like run (Chromium): its snapshots hold 4-D tensors,
// drawn through the shared tensorView() as a bank of filters and grids of feature maps, in three
// themes at two widths.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { TrainViewToHost } from '../../src/protocol';
import { fmtFull } from '../../src/format';
import { ARTIFACTS, clean, open as openPage, overflowX, useBrowser, type Watch } from './browser';
import { CONV_N, CONV_SENT, convEvents } from './fixtures';
import { CONV_LAST_STEP } from './train-fixtures';

useBrowser();

function open(query: string, width = 1280): Promise<{ page: Page; watch: Watch }> {
  return openPage('train-preview.html', `play=trainConv&${query}`, { width, height: 900 });
}

function card(title: string): string {
  return `.hm-card:has(.hm-title:text-is("${title}"))`;
}

/** Waits until the snapshot of the last step is drawn for `layer`. */
async function snapshotOf(page: Page, layer: string): Promise<void> {
  await page.waitForFunction((title) => document.querySelector('.snapshot-title')?.textContent === title, `${layer} at step ${CONV_LAST_STEP}`);
  await page.waitForSelector('.hm-grid');
}

const conv1 = convEvents().find((e) => e.kind === 'forward' && e.index === 0);
assert.ok(conv1?.kind === 'forward');
const W = new Float64Array(conv1.params[0].value.buffer);

describe('Train panel 4-D snapshots', () => {
  test("Conv1's snapshot: its feature maps a grid of samples, six channels each; W and dW banks of filters", async () => {
    const { page, watch } = await open('theme=dark');
    await snapshotOf(page, 'Conv1');
    assert.deepEqual(await page.$$eval('.hm-title', (ts) => ts.map((t) => t.textContent)), ['activation', 'dx', 'dW', 'db', 'W', 'b']);
    const activation = card('activation');
    assert.equal(await page.textContent(`${activation} .hm-shape`), `${CONV_N}×6×10×10`);
    assert.equal(await page.textContent(`${activation} .grid-page`), `samples 0–9 of ${CONV_SENT}`);
    assert.match((await page.getAttribute(`${activation} canvas.hm-canvas`, 'aria-label')) ?? '', /6 channel images side by side per sample/);
    assert.match((await page.textContent(`${activation} .hm-note`)) ?? '', new RegExp(`first ${CONV_SENT} of ${CONV_N} samples`));
    for (const title of ['W', 'dW']) {
      assert.equal(await page.textContent(`${card(title)} .hm-shape`), '6×1×3×3');
      assert.match((await page.getAttribute(`${card(title)} canvas.hm-canvas`, 'aria-label')) ?? '', /one image per filter, filters 0–5 of 6/);
      assert.equal(await page.locator(`${card(title)} .grid-pager`).isHidden(), true);
    }
    // Filter 2's pixel (1, 1), hovered: the bank is laid out as in the panel, 16 px images 8 px apart.
    const w = page.locator(`${card('W')} canvas.hm-canvas`);
    await w.scrollIntoViewIfNeeded();
    const box = (await w.boundingBox())!;
    await page.mouse.move(box.x + 2 * 56 + 16 + 8, box.y + 16 + 8);
    await page.waitForSelector('#bl-tooltip:not([hidden])');
    assert.equal(await page.textContent('#bl-tooltip'), `W · Conv1\n[f, c, h, w] [2, 0, 1, 1]\nvalue ${fmtFull(W[2 * 9 + 4])}`);

    // Pool1: its output and its mask are grids of samples too.
    await page.click('.layer-button:has-text("Pool1")');
    await snapshotOf(page, 'Pool1');
    assert.deepEqual(await page.$$eval('.hm-grid .hm-title', (ts) => ts.map((t) => t.textContent)), ['activation', 'mask (pooling)']);
    assert.equal(await overflowX(page), 0);
    await clean(page, watch);
  });

  test('a sample that was not sent: the sample box asks the host, the card says it is loading, then shows the sample alone; a refusal is shown as the host gave it', async () => {
    const { page, watch } = await open('theme=dark');
    await snapshotOf(page, 'Conv1');
    const activation = card('activation');
    assert.equal(await page.getAttribute(`${activation} input.grid-jump`, 'max'), String(CONV_N - 1));
    assert.match((await page.textContent(`${activation} .hm-note`)) ?? '', /type a later one's number in the sample box to fetch it/);
    await page.fill(`${activation} input.grid-jump`, '15');
    await page.press(`${activation} input.grid-jump`, 'Enter');
    const asked = ((await page.evaluate(() => window.preview.posted)) as TrainViewToHost[]).filter((m) => m.type === 'sample');
    assert.deepEqual(asked, [{ type: 'sample', ref: { index: 0, record: 'out', step: CONV_LAST_STEP }, sample: 15 }]);
    assert.equal(await page.textContent(`${activation} .grid-sample-status`), 'loading sample 15…');
    // The host's answer: 600 values (6 channels of 10×10), value i = i / 1000. One for another run first, which is dropped.
    const answer = (runId: number, sample: number, answer: 'values' | string) =>
      page.evaluate(
        ([runId, sample, answer, step]) =>
          window.preview.send([
            {
              type: 'sample',
              runId,
              ref: { index: 0, record: 'out', step },
              sample,
              answer: answer === 'values' ? { values: Float64Array.from({ length: 600 }, (_, i) => i / 1000).buffer } : { error: answer },
            },
          ]),
        [runId, sample, answer, CONV_LAST_STEP] as const,
      );
    await answer(2, 15, 'values');
    await page.waitForTimeout(100);
    assert.equal(await page.textContent(`${activation} .grid-sample-status`), 'loading sample 15…');
    await answer(1, 15, 'values');
    await page.waitForSelector(`${activation} .grid-page:text-is("sample 15 of 20")`);
    assert.equal(await page.isHidden(`${activation} .grid-sample-status`), true);
    const canvas = page.locator(`${activation} canvas.hm-canvas`);
    // One group on its own line: channel 2, row 3, column 7 of sample 15.
    assert.deepEqual(await canvas.evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]), [6 * 40 + 5 * 2, 40]);
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + 2 * 42 + 7 * 4 + 2, box.y + 3 * 4 + 2);
    await page.waitForSelector('#bl-tooltip:not([hidden])');
    assert.equal(await page.textContent('#bl-tooltip'), `activation · Conv1\n[n, c, h, w] [15, 2, 3, 7]\nvalue ${fmtFull((2 * 100 + 3 * 10 + 7) / 1000)}`);
    await page.screenshot({ path: join(ARTIFACTS, 'train-conv-sample.png'), fullPage: true });

    // Back to the pages sent; then a sample the host no longer holds.
    await page.click(`${activation} button[aria-label^="Previous page"]`);
    assert.equal(await page.textContent(`${activation} .grid-page`), `samples 0–9 of ${CONV_SENT}`);
    await page.fill(`${activation} input.grid-jump`, '19');
    await page.press(`${activation} input.grid-jump`, 'Enter');
    await answer(1, 19, 'Sample 19 cannot be shown: the host keeps the whole batches of the newest snapshots only (256 MB).');
    await page.waitForSelector(`${activation} .grid-sample-status:has-text("Sample 19 cannot be shown: the host keeps the whole batches of the newest snapshots only (256 MB).")`);
    assert.equal(await page.textContent(`${activation} .grid-page`), `samples 0–9 of ${CONV_SENT}`);
    // W went whole: its filter box asks nothing of the host.
    assert.equal(await page.getAttribute(`${card('W')} input.grid-jump`, 'max'), '5');
    assert.equal(await overflowX(page), 0);
    await clean(page, watch);
  });

  for (const theme of ['light', 'dark', 'hc']) {
    for (const width of [700, 1280]) {
      test(`${theme}, ${width} px: Conv1's grids fit the Train panel`, async () => {
        const { page, watch } = await open(`theme=${theme}`, width);
        await snapshotOf(page, 'Conv1');
        assert.equal(await overflowX(page), 0);
        const grids = await page.locator('.hm-grid').all();
        assert.equal(grids.length, 4);
        for (const c of grids) {
          const [cardBox, canvasBox] = [await c.boundingBox(), await c.locator('canvas.hm-canvas').boundingBox()];
          assert.ok(cardBox && canvasBox && canvasBox.x + canvasBox.width <= cardBox.x + cardBox.width, 'the canvas sits inside its card');
          assert.ok(cardBox.x + cardBox.width <= width, 'the card sits inside the page');
        }
        await page.screenshot({ path: join(ARTIFACTS, `train-conv-${theme}-${width}.png`), fullPage: true });
        await clean(page, watch);
      });
    }
  }
});
