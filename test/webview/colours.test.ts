// Colours that tell the truth, in the panel in headless Chromium: a signed tensor on a scale centred on
// 0, constant tensors labelled, zero in the theme's background colour, and every failing |a − n| cell
// apart from every passing one. Screenshots go to test/webview/artifacts/colours-*.png.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunEvent, WireTensor } from '../../src/protocol';
import { fmt } from '../../src/format';
import { ARTIFACTS, clean, open, useBrowser } from './browser';
import { WORST_K, networkEvents, wire } from './fixtures';

useBrowser();

const THEMES = ['light', 'dark', 'hc'] as const;

type Rgb = [number, number, number];

const distance = (a: Rgb, b: Rgb): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** A value in [-1, 1) for (r, c), fixed. */
const wobble = (r: number, c: number): number => Math.sin(r * 7.1 + c * 3.7);

/** dead-relu's Affine1 output: wholly in [−1.08, −0.93]. */
const NEGATIVE = wire([4, 50], (r, c) => -1.005 + 0.075 * wobble(r, c));
/** A mostly-zero dW, as a dead unit leaves it: a few cells of either sign. */
const SPARSE_DW = wire([20, 10], (r, c) => (r === 3 && c === 2 ? 0.4 : r === 15 && c === 7 ? -0.3 : r === 9 && c === 5 ? 0.05 : 0));
const ALL_ZERO = wire([4, 50], () => 0);
const CONSTANT = wire([4, 50], () => -0.5);
const ONE = wire([1, 1], () => 1);
/** Wholly non-negative, as a sigmoid's output: stays on the sequential scale. */
const POSITIVE = wire([4, 5], (r, c) => 0.5 + 0.4 * wobble(r, c));

/**
 * |a − n| of a check where no threshold on |a − n| separates failures from passes: the tolerance is
 * atol + rtol·|n|, so a passing element with a large |n| (rows 0–1) differs by more than a failing
 * one with a small |n| (2e-5 and up, black on a linear scale that reaches 0.5).
 */
const CHECK_ROWS = 10;
const CHECK_COLS = 5;
const failing = (r: number, c: number): boolean => r >= 6 && (r + c) % 2 === 0;
const checkDiff = (r: number, c: number): number => (failing(r, c) ? 2e-5 * 10 ** ((r - 6 + c) / 2) : r < 2 ? 5e-3 * (1 + c) : 10 ** (-12 + r + c / 5));
const CHECK_ERROR = wire([CHECK_ROWS, CHECK_COLS], checkDiff);

/** A tensor in a form page.evaluate can carry (ArrayBuffers do not cross). */
function plain(t: WireTensor): { shape: number[]; values: number[]; stats: WireTensor['stats'] } {
  return { shape: t.shape, values: [...new Float64Array(t.buffer)], stats: t.stats };
}

/** The network run's start, then: Affine1 (row 1) with NEGATIVE and SPARSE_DW, Relu1 (row 2) with ALL_ZERO and CONSTANT, the hostile layer (row 3) with CHECK_ERROR and POSITIVE. */
async function playColours(page: Page): Promise<void> {
  const start = networkEvents().find((e) => e.kind === 'start');
  await page.evaluate(
    ({ start, tensors, failed }) => {
      const t = (x: (typeof tensors)[keyof typeof tensors]) => ({ shape: x.shape, buffer: Float64Array.from(x.values).buffer, stats: x.stats });
      const one = t(tensors.one);
      const events: RunEvent[] = [
        start as RunEvent,
        { kind: 'forward', index: 0, activation: t(tensors.negative), mask: null, maskStats: null, params: [] },
        { kind: 'backward', index: 0, dout: one, dx: one, grads: [{ name: 'W', grad: t(tensors.sparse) }] },
        { kind: 'forward', index: 1, activation: t(tensors.zero), mask: null, maskStats: null, params: [] },
        { kind: 'backward', index: 1, dout: one, dx: t(tensors.constant), grads: [] },
        { kind: 'forward', index: 2, activation: t(tensors.positive), mask: null, maskStats: null, params: [] },
        {
          kind: 'check',
          index: 2,
          param: 'W',
          result: {
            meanAbsDiff: 0,
            maxAbsDiff: 0,
            maxRelError: 0,
            failures: failed.filter((f) => f).length,
            nonDifferentiable: 0,
            ok: false,
            error: t(tensors.error),
            relError: t(tensors.error),
            failed: Uint8Array.from(failed).buffer,
            worst: [],
          },
        },
      ];
      return window.preview.send([{ type: 'reset', title: 'colours.backprop.yaml', runId: 1, uri: 'file:///work/colours.backprop.yaml' }, ...events.map((event) => ({ type: 'event' as const, runId: 1, event }))]);
    },
    {
      start,
      tensors: { one: plain(ONE), negative: plain(NEGATIVE), sparse: plain(SPARSE_DW), zero: plain(ALL_ZERO), constant: plain(CONSTANT), positive: plain(POSITIVE), error: plain(CHECK_ERROR) },
      failed: Array.from({ length: CHECK_ROWS * CHECK_COLS }, (_, i) => Number(failing(Math.floor(i / CHECK_COLS), i % CHECK_COLS))),
    },
  );
  await page.waitForSelector('table.layers tbody tr:nth-child(3)');
}

function card(title: string): string {
  return `.hm-card:has(.hm-title:text-is("${title}"))`;
}

/** The colour drawn at the centre of every cell of the heatmap `title` (a rows×cols grid), row-major. */
async function cellColours(page: Page, title: string, rows: number, cols: number): Promise<Rgb[]> {
  return page.$eval(
    `${card(title)} canvas.hm-canvas`,
    (c, [rows, cols]) => {
      const cv = c as HTMLCanvasElement;
      const data = cv.getContext('2d')?.getImageData(0, 0, cv.width, cv.height).data ?? new Uint8ClampedArray();
      const out: [number, number, number][] = [];
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < cols; k++) {
          const i = (Math.floor(((r + 0.5) * cv.height) / rows) * cv.width + Math.floor(((k + 0.5) * cv.width) / cols)) * 4;
          out.push([data[i], data[i + 1], data[i + 2]]);
        }
      }
      return out;
    },
    [rows, cols],
  );
}

/** The background behind the heatmap `title`. */
async function cardBackground(page: Page, title: string): Promise<Rgb> {
  const text = await page.$eval(card(title), (el) => getComputedStyle(el).backgroundColor);
  const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(text);
  assert.ok(m, text);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

async function legendEnds(page: Page, title: string): Promise<string[]> {
  return page.$$eval(`${card(title)} .legend-ends span`, (ss) => ss.map((s) => s.textContent ?? ''));
}

describe('colours that tell the truth', () => {
  for (const theme of THEMES) {
    test(`${theme}: a wholly negative tensor is drawn on the negative side of a scale centred on 0, and looks uniform`, async () => {
      const { page, watch } = await open('preview.html', `theme=${theme}&play=none`, { width: 1280, height: 900 });
      await playColours(page);
      await page.click('table.layers tbody tr:nth-child(1)');
      const m = Math.max(...new Float64Array(NEGATIVE.buffer).map(Math.abs));
      assert.deepEqual(await legendEnds(page, 'activation'), [fmt(-m), '0', fmt(m)]);
      assert.match((await page.getAttribute(`${card('activation')} canvas`, 'aria-label')) ?? '', /diverging colour scale centred on 0/);
      const cells = await cellColours(page, 'activation', 4, 50);
      for (const [r, , b] of cells) assert.ok(b > r + 40, `a negative cell must read blue: ${[r, b]}`);
      // −0.93 and −1.08 are both far out on the negative side: no pair of cells looks like a different value.
      const spread = Math.max(...cells.flatMap((a) => cells.map((b) => distance(a, b))));
      assert.ok(spread < 90, `cells of −0.93…−1.08 spread over ${spread.toFixed(0)} in RGB`);
      // A wholly non-negative tensor keeps the sequential scale over its own range.
      await page.click('table.layers tbody tr:nth-child(3)');
      assert.match((await page.getAttribute(`${card('activation')} canvas`, 'aria-label')) ?? '', /sequential colour scale/);
      await clean(page, watch);
    });

    test(`${theme}: zero is drawn in the background colour, positive red and negative blue`, async () => {
      const { page, watch } = await open('preview.html', `theme=${theme}&play=none`, { width: 1280, height: 900 });
      await playColours(page);
      await page.click('table.layers tbody tr:nth-child(1)');
      const background = await cardBackground(page, 'dW');
      const cells = await cellColours(page, 'dW', 20, 10);
      const dW = new Float64Array(SPARSE_DW.buffer);
      cells.forEach((rgb, i) => {
        if (dW[i] === 0) assert.ok(distance(rgb, background) <= 8, `zero cell ${i} is ${rgb}, the background ${background}`);
        else assert.ok(dW[i] > 0 ? rgb[0] > rgb[2] : rgb[2] > rgb[0], `cell ${i} (${dW[i]}) is ${rgb}`);
      });
      // The largest |v| stands out from the background.
      assert.ok(distance(cells[3 * 10 + 2], background) > 100);
      assert.ok(distance(cells[15 * 10 + 7], background) > 100);
      await clean(page, watch);
    });

    test(`${theme}: every failing |a − n| cell stands apart from every passing one, and the legend says which is which`, async () => {
      const { page, watch } = await open('preview.html', `theme=${theme}&play=none`, { width: 1280, height: 900 });
      await playColours(page);
      await page.click('table.layers tbody tr:nth-child(3)');
      const title = '|a − n| (W)';
      const cells = await cellColours(page, title, CHECK_ROWS, CHECK_COLS);
      const fails = cells.filter((_, i) => failing(Math.floor(i / CHECK_COLS), i % CHECK_COLS));
      const passes = cells.filter((_, i) => !failing(Math.floor(i / CHECK_COLS), i % CHECK_COLS));
      const gap = Math.min(...fails.flatMap((f) => passes.map((p) => distance(f, p))));
      assert.ok(gap >= 60, `a failing cell is within ${gap.toFixed(0)} of a passing one`);
      // The log scale spreads the passing cells' twelve decades too.
      assert.ok(new Set(passes.map((p) => p.join())).size >= 10);
      assert.deepEqual(await page.$$eval(`${card(title)} .legend-ramp-label`, (ls) => ls.map((l) => l.textContent)), ['ok', 'fail']);
      assert.equal((await legendEnds(page, title))[1], 'log scale');
      // Labels and ends lie inside the card, each on one line.
      const outside = await page.$eval(card(title), (el) => {
        const right = el.getBoundingClientRect().right;
        return [...el.querySelectorAll('.legend-ramp-label, .legend-ends span')].filter((s) => s.getBoundingClientRect().right > right || s.getClientRects().length !== 1).map((s) => s.textContent);
      });
      assert.deepEqual(outside, []);
      assert.match((await page.getAttribute(`${card(title)} canvas`, 'aria-label')) ?? '', /logarithmic colour scale, zero at the low end, failing elements in orange/);
      await clean(page, watch);
    });
  }

  test('a constant tensor says so instead of drawing a scale; an all-zero one is the background', async () => {
    const { page, watch } = await open('preview.html', 'theme=dark&play=none', { width: 1280, height: 900 });
    await playColours(page);
    await page.click('table.layers tbody tr:nth-child(2)');
    assert.equal(await page.textContent(`${card('activation')} .legend`), 'all 0');
    assert.equal(await page.textContent(`${card('dx')} .legend`), 'constant -0.5');
    assert.equal(await page.locator(`${card('activation')} .legend-bar, ${card('dx')} .legend-bar`).count(), 0);
    assert.match((await page.getAttribute(`${card('dx')} canvas`, 'aria-label')) ?? '', /, constant -0.5\. /);
    const background = await cardBackground(page, 'activation');
    for (const rgb of await cellColours(page, 'activation', 4, 50)) assert.deepEqual(rgb, background);
    // −0.5 everywhere is negative: blue, and the legend's swatch shows the same colour.
    const [dx] = await cellColours(page, 'dx', 4, 50);
    assert.ok(dx[2] > dx[0]);
    const swatch = await page.$eval(`${card('dx')} .legend .swatch`, (s) => getComputedStyle(s).backgroundColor);
    assert.equal(swatch, `rgb(${dx.join(', ')})`);
    await clean(page, watch);
  });

  test('the fixture run’s failing W elements all stand apart from its passing ones', async () => {
    const check = networkEvents().find((e) => e.kind === 'check' && e.index === 2 && e.param === 'W');
    assert.ok(check?.kind === 'check');
    const failed = new Uint8Array(check.result.failed);
    assert.equal(failed.filter((f) => f).length, 7);
    assert.ok(check.result.worst.length <= WORST_K);
    for (const theme of THEMES) {
      const { page, watch } = await open('preview.html', `theme=${theme}&play=network`, { width: 1280, height: 900 });
      await page.waitForFunction(() => document.querySelector('.status')?.textContent?.startsWith('done') === true);
      await page.click('table.layers tbody tr:nth-child(3)');
      const cells = await cellColours(page, '|a − n| (W)', 50, 5);
      const gap = Math.min(...cells.flatMap((f, i) => (failed[i] ? cells.filter((_, j) => !failed[j]).map((p) => distance(f, p)) : [])));
      assert.ok(gap >= 60, `${theme}: a failing cell is within ${gap.toFixed(0)} of a passing one`);
      await clean(page, watch);
    }
  });

  for (const theme of ['light', 'dark'] as const) {
    for (const width of [500, 1280]) {
      test(`screenshots: ${theme}, ${width} px`, async () => {
        const { page, watch } = await open('preview.html', `theme=${theme}&play=none`, { width, height: 900 });
        await playColours(page);
        for (const row of [1, 2, 3]) {
          await page.click(`table.layers tbody tr:nth-child(${row})`);
          await page.locator('.hm-card').first().scrollIntoViewIfNeeded();
          await page.screenshot({ path: join(ARTIFACTS, `colours-${theme}-${width}-row${row}.png`), fullPage: true });
        }
        await clean(page, watch);
      });
    }
  }
});
