// The side view in headless Chromium at sidebar widths: side-preview.html stands in for VS Code (fake
// acquireVsCodeApi, theme classes, the real CSP) and plays the fixture messages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { FlowBar, HostToSideView, SideViewToHost } from '../../src/protocol';
import { fmt } from '../../src/format';
import { ARTIFACTS, cellPoint, clean, open as openPage, overflowX, settle, useBrowser, type Watch } from './browser';
import { TrainHistory } from '../../src/train-history';
import { CONV_SENT, HOSTILE_NAME, SIDE_EMPTY, SIDE_SPEC, flowOf, networkEvents, shopNodes, sideLayer } from './fixtures';
import { PROGRESS_MESSAGES, progressOf } from './train-fixtures';

useBrowser();

/** Opens the side view preview at a sidebar's width and waits for it to be listening. */
function open(query: string, size = { width: 300, height: 900 }): Promise<{ page: Page; watch: Watch }> {
  return openPage('side-preview.html', query, size);
}

async function posted(page: Page): Promise<SideViewToHost[]> {
  return page.evaluate(() => window.preview.posted) as Promise<SideViewToHost[]>;
}

async function send(page: Page, messages: HostToSideView[]): Promise<void> {
  await page.evaluate((m) => window.preview.send(m), messages);
}

/** Waits until the layer header names `name`. */
async function showing(page: Page, name: string): Promise<void> {
  await page.waitForFunction((n) => document.querySelector('.side-title .layer-name')?.textContent === n, name);
}

async function heatmapTitles(page: Page): Promise<string[]> {
  return page.$$eval('.hm-card .hm-title', (els) => els.map((e) => e.textContent ?? ''));
}

function card(title: string): string {
  return `.hm-card:has(.hm-title:text-is("${title}"))`;
}

/** One flow row as drawn: its bar widths (null: no bar), marker text, and where the plot starts. */
interface DrawnRow {
  index: string | null;
  current: boolean;
  mean: number | null;
  max: number | null;
  x0: number | null;
  marker: string | null;
}

async function flowRows(page: Page): Promise<DrawnRow[]> {
  return page.$$eval('svg.flow g.flow-row', (rows) =>
    rows.map((r) => {
      const width = (sel: string): number | null => {
        const rect = r.querySelector(sel);
        return rect ? Number(rect.getAttribute('width')) : null;
      };
      const x = r.querySelector('rect.flow-max, rect.flow-mean')?.getAttribute('x');
      return {
        index: r.getAttribute('data-index'),
        current: r.getAttribute('aria-current') === 'true',
        mean: width('rect.flow-mean'),
        max: width('rect.flow-max'),
        x0: x === undefined || x === null ? null : Number(x),
        marker: r.querySelector('text.flow-marker')?.textContent ?? null,
      };
    }),
  );
}

/** The decade axis as drawn: the value of the first grid line and pixels per decade, read from ticks and grid lines. */
async function axisOf(page: Page): Promise<{ labels: string[]; grid: number[] }> {
  return page.$eval('svg.flow', (svg) => ({
    labels: [...svg.querySelectorAll('text.flow-tick')].map((t) => t.textContent ?? ''),
    grid: [...svg.querySelectorAll('line.flow-grid')].map((l) => Number(l.getAttribute('x1'))),
  }));
}

/** Canvas width and the width of the scroll box around it, per heatmap card. */
async function canvasFit(page: Page): Promise<{ canvas: number; room: number }[]> {
  return page.$$eval('.hm-card', (cards) =>
    cards.map((c) => ({ canvas: (c.querySelector('canvas.hm-canvas') as HTMLCanvasElement).getBoundingClientRect().width, room: (c.querySelector('.hm-scroll') as HTMLElement).clientWidth })),
  );
}

describe('webview side view', () => {
  test("posts 'ready' first, then shows an empty message", async () => {
    const { page, watch } = await open('play=none');
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    await send(page, [SIDE_EMPTY]);
    await page.waitForFunction((m) => document.querySelector('.side-empty')?.textContent === m, SIDE_EMPTY.type === 'empty' ? SIDE_EMPTY.message : '');
    assert.equal(await page.isVisible('.side-empty'), true);
    assert.equal(await page.isHidden('.side-layer'), true);
    // A layer, then empty again: the layer view goes away.
    await send(page, [sideLayer(0), { type: 'empty', message: 'Move the cursor onto a layer of a spec that has run.' }]);
    await page.waitForFunction(() => document.querySelector('.side-empty')?.textContent === 'Move the cursor onto a layer of a spec that has run.');
    assert.equal(await page.isHidden('.side-layer'), true);
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    await clean(page, watch);
  });

  test('a layer: header, heatmaps painted and fitted to the width, a tooltip with the exact value', async () => {
    const { page, watch } = await open('play=layer');
    await showing(page, 'Affine1');
    assert.equal(await page.textContent('.side-spec'), SIDE_SPEC);
    assert.equal(await page.textContent('.side-title .layer-type'), 'affine');
    assert.equal(await page.textContent('.side-shape'), '4×784 → 4×50 · 39,250 params');
    assert.equal(await page.isHidden('.side-stale'), true);
    assert.deepEqual(await heatmapTitles(page), ['activation', 'dx', 'dW', 'db']);
    const pixels = await page.$$eval('canvas.hm-canvas', (canvases) =>
      (canvases as HTMLCanvasElement[]).map((c) => {
        const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
        const colours = new Set<number>();
        for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        return { w: c.width, h: c.height, colours: colours.size };
      }),
    );
    for (const p of pixels) assert.ok(p.w > 0 && p.h > 0 && p.colours >= 3, JSON.stringify(p));
    for (const f of await canvasFit(page)) assert.ok(f.canvas <= f.room, JSON.stringify(f));

    // At most one cell per pixel of the card's inner width: 4×784 dx and 784×50 dW pool to fit.
    const fit = (await page.$eval('.side-layer', (e) => e.clientWidth)) - 22;
    const pooled = (n: number): number => Math.ceil(n / Math.ceil(n / fit));
    assert.equal(await page.textContent(`${card('dx')} .hm-note`), `downsampled 4×784 → 4×${pooled(784)}, max-|·| pooling`);
    assert.equal(await page.textContent(`${card('dW')} .hm-note`), `downsampled 784×50 → ${pooled(784)}×50, max-|·| pooling`);

    // The dW spike at row 300, col 17 is the extreme of its block.
    const backward0 = networkEvents().find((e) => e.kind === 'backward' && e.index === 0);
    assert.ok(backward0?.kind === 'backward');
    const spike = new Float64Array(backward0.grads[0].grad.buffer)[300 * 50 + 17];
    const factor = Math.ceil(784 / fit);
    const cellRow = Math.floor(300 / factor);
    const at = await cellPoint(page, card('dW'), cellRow, 17, pooled(784), 50);
    await page.mouse.move(at.x, at.y);
    await page.waitForSelector('#bl-tooltip:not([hidden])');
    const r0 = cellRow * factor;
    assert.equal(
      await page.textContent('#bl-tooltip'),
      `dW · Affine1\nrows ${r0}–${r0 + factor - 1}, cols 17 (block of ${factor})\nmax-|·| value ${String(spike)} at row 300, col 17`,
    );
    const tip = await page.$eval('#bl-tooltip', (t) => t.getBoundingClientRect().right);
    assert.ok(tip <= 300, `tooltip inside the view: right edge ${tip}`);
    assert.equal(await overflowX(page), 0);
    await clean(page, watch);
  });

  test('heatmaps refit when the sidebar is resized, and never overflow it', async () => {
    const { page, watch } = await open('play=layer', { width: 400, height: 900 });
    await showing(page, 'Affine1');
    const note = (): Promise<string | null> => page.textContent(`${card('dx')} .hm-note`);
    const expected = async (): Promise<string> => {
      const fit = (await page.$eval('.side-layer', (e) => e.clientWidth)) - 22;
      return `downsampled 4×784 → 4×${Math.ceil(784 / Math.ceil(784 / fit))}, max-|·| pooling`;
    };
    assert.equal(await note(), await expected());
    const seen = new Set([await note()]);
    for (const width of [250, 300, 400]) {
      await page.setViewportSize({ width, height: 900 });
      const want = await expected();
      await page.locator(`${card('dx')} .hm-note`, { hasText: want }).waitFor();
      seen.add(want);
      for (const f of await canvasFit(page)) assert.ok(f.canvas <= f.room, `${width}px: ${JSON.stringify(f)}`);
      assert.equal(await overflowX(page), 0, `${width}px`);
    }
    assert.equal(seen.size, 2, [...seen].join(' | '));
    await clean(page, watch);
  });

  test('the gradient flow has one bar pair per layer on a log scale, the current layer highlighted', async () => {
    const { page, watch } = await open('play=layer');
    await showing(page, 'Affine1');
    const flow = flowOf(networkEvents());
    const rows = await flowRows(page);
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.map((r) => r.index), ['0', '1', '2', '3']);
    assert.deepEqual(rows.map((r) => r.current), [true, false, false, false]);
    assert.deepEqual(await page.$$eval('svg.flow text.flow-name', (ts) => ts.map((t) => t.closest('g')?.querySelector('title')?.textContent?.split('\n')[0])), flow.map((b) => b.name));
    // Every bar's width is its distance in decades from the first grid line, at the grid's pixels per decade.
    const { labels, grid } = await axisOf(page);
    const firstDecade = decadeOf(labels[0]);
    assert.ok(10 ** firstDecade < Math.min(...flow.map((b) => b.meanAbs)), 'the axis starts below the smallest value');
    const perDecade = grid[1] - grid[0];
    for (const [i, r] of rows.entries()) {
      assert.ok(r.mean !== null && r.max !== null, JSON.stringify(r));
      assert.ok(Math.abs(r.mean - (Math.log10(flow[i].meanAbs) - firstDecade) * perDecade) < 2, `mean of ${i}: ${r.mean}`);
      assert.ok(Math.abs(r.max - (Math.log10(flow[i].maxAbs) - firstDecade) * perDecade) < 2, `max of ${i}: ${r.max}`);
      assert.ok(r.max > r.mean, 'the max bar reaches past the mean bar');
    }
    // Bar lengths order as the values do.
    const byMean = (xs: { v: number }[]): number[] => xs.map((_, i) => i).sort((a, b) => xs[a].v - xs[b].v);
    assert.deepEqual(byMean(rows.map((r) => ({ v: r.mean ?? 0 }))), byMean(flow.map((b) => ({ v: b.meanAbs }))));
    assert.equal(await page.textContent('.flow-values'), `Affine1 · mean ${fmt(flow[0].meanAbs)} · max ${fmt(flow[0].maxAbs)}`);
    await clean(page, watch);
  });

  test('known values: equal decades are equal lengths; zero, NaN and ∞ are drawn as markers', async () => {
    const { page, watch } = await open('play=none');
    const flow: FlowBar[] = [
      { name: 'A', meanAbs: 1e-3, maxAbs: 1e-2 },
      { name: 'B', meanAbs: 1e-4, maxAbs: 1e-3 },
      { name: 'Dead', meanAbs: 0, maxAbs: 0 },
      { name: 'Broken', meanAbs: NaN, maxAbs: NaN },
      { name: 'Exploding', meanAbs: 1e-2, maxAbs: Infinity },
    ];
    await send(page, [{ ...sideLayer(1), flow }]);
    await showing(page, 'Relu1');
    const { labels, grid } = await axisOf(page);
    // Positive values span 1e-4..1e-2: the axis runs from the decade below to the decade above.
    assert.deepEqual(labels, ['10⁻⁵', '10⁻⁴', '10⁻³', '10⁻²', '10⁻¹']);
    assert.deepEqual(labels.map(decadeOf), [-5, -4, -3, -2, -1]);
    const decade = grid[1] - grid[0];
    for (let i = 2; i < grid.length; i++) assert.ok(Math.abs(grid[i] - grid[i - 1] - decade) < 1e-9);
    const [a, b, dead, broken, exploding] = await flowRows(page);
    assert.ok(exploding.mean !== null && a.mean !== null && b.mean !== null && a.max !== null && b.max !== null && a.x0 !== null);
    assert.ok(exploding.mean > a.mean && a.mean > b.mean, 'longer bars for larger values');
    // 1e-4, 1e-3 and 1e-2 lie 1, 2 and 3 decades above 1e-5.
    assert.ok(Math.abs(b.mean - decade) < 1e-9 && Math.abs(a.mean - 2 * decade) < 1e-9 && Math.abs(exploding.mean - 3 * decade) < 1e-9, JSON.stringify({ a, b, exploding, decade }));
    assert.equal(a.max, exploding.mean);
    assert.equal(b.max, a.mean);
    assert.equal(a.x0, grid[0]);
    // An infinite max runs to the plot's end, marked ∞; zero and NaN have no bars, only markers.
    assert.ok(exploding.max !== null && Math.abs(exploding.max - 4 * decade) < 1e-9);
    assert.equal(exploding.marker, '∞');
    assert.deepEqual([dead.mean, dead.max, dead.marker], [null, null, '0 · no gradient']);
    assert.deepEqual([broken.mean, broken.max, broken.marker], [null, null, 'NaN']);
    assert.equal(a.marker, null);
    assert.deepEqual(await flowRows(page).then((rs) => rs.map((r) => r.current)), [false, true, false, false, false]);
    const label = await page.getAttribute('g.flow-row[data-index="3"]', 'aria-label');
    assert.equal(label, 'Broken: mean |grad| NaN, max |grad| NaN. Enter reveals it in the spec.');
    await clean(page, watch);
  });

  test('on input: or loss: (no layer under the cursor) the gradient flow stays, with no layer highlighted and no heatmaps', async () => {
    const { page, watch } = await open('play=layer');
    await showing(page, 'Affine1');
    const layer = sideLayer(0);
    await send(page, [{ type: 'flow', spec: layer.spec, flow: layer.flow, stale: false }]);
    await showing(page, 'No layer under the cursor');
    assert.equal(await page.textContent('.side-shape'), 'Move the cursor onto a layer for its heatmaps.');
    assert.equal(await page.isVisible('svg.flow'), true);
    assert.equal((await flowRows(page)).length, layer.flow.length);
    assert.deepEqual((await flowRows(page)).map((r) => r.current), layer.flow.map(() => false));
    assert.equal(await page.isHidden('.side-heatmaps'), true);
    assert.equal(await page.isHidden('.side-empty'), true);
    // Clicking a bar still reveals its layer; back on a layer, its heatmaps return.
    await page.click('g.flow-row[data-index="2"]');
    assert.deepEqual((await posted(page)).at(-1), { type: 'revealLayer', index: 2 });
    await send(page, [sideLayer(1)]);
    await showing(page, 'Relu1');
    assert.deepEqual(await heatmapTitles(page), ['activation', 'mask (relu)', 'dx']);
    await clean(page, watch);
  });

  test('a graph spec after its run: each node’s value and gradient, not "Run Backprop…"', async () => {
    for (const width of [300, 500]) {
      const { page, watch } = await open('play=none', { width, height: 700 });
      await send(page, [{ type: 'graph', spec: 'buy_apple_orange.backprop.yaml', output: 'price', nodes: shopNodes(), stale: false }]);
      await page.waitForSelector('.side-graph:not([hidden])');
      assert.equal(await page.isHidden('.side-empty'), true);
      assert.equal(await page.textContent('.side-graph .side-title'), 'Graphoutput price');
      assert.deepEqual(await page.$$eval('.side-graph-table thead th', (ts) => ts.map((t) => t.textContent)), ['Node', 'Value', '∂price/∂node']);
      const rows = await page.$$eval('.side-graph-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      assert.deepEqual(rows.length, shopNodes().length);
      const price = shopNodes().find((n) => n.name === 'price');
      assert.ok(price);
      assert.deepEqual(rows.find((r) => r[0]?.startsWith('price')), [`price${price.op}`, fmt(price.value), '1']);
      assert.equal(await overflowX(page), 0);
      await page.screenshot({ path: join(ARTIFACTS, `side-graph-dark-${width}.png`), fullPage: true });
      await clean(page, watch);
    }
  });

  test('a stale run says so', async () => {
    const { page, watch } = await open('play=stale');
    await showing(page, 'Relu1');
    assert.equal(await page.isVisible('.side-stale'), true);
    assert.equal(await page.textContent('.side-stale'), 'Stale: the spec changed since this run. Run Backprop again to refresh.');
    assert.deepEqual(await heatmapTitles(page), ['activation', 'mask (relu)', 'dx']);
    await send(page, [sideLayer(1, false)]);
    await page.waitForSelector('.side-stale', { state: 'hidden' });
    await clean(page, watch);
  });

  test('clicking a bar, or Enter on it, posts revealLayer; arrows move between bars; focus survives the redraw', async () => {
    const { page, watch } = await open('play=layer');
    await showing(page, 'Affine1');
    await page.click('g.flow-row[data-index="2"] rect.flow-mean');
    assert.deepEqual((await posted(page)).at(-1), { type: 'revealLayer', index: 2 });

    // One tab stop, on the current layer's row.
    assert.deepEqual(await page.$$eval('g.flow-row', (rows) => rows.map((r) => r.getAttribute('tabindex'))), ['0', '-1', '-1', '-1']);
    await page.focus('g.flow-row[data-index="0"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '1');
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted(page)).at(-1), { type: 'revealLayer', index: 1 });
    await page.keyboard.press('End');
    await page.keyboard.press(' ');
    assert.deepEqual((await posted(page)).at(-1), { type: 'revealLayer', index: 3 });

    // The host answers by moving the cursor, which sends the revealed layer; the chart keeps focus there.
    await send(page, [sideLayer(3)]);
    await showing(page, 'Dropout1');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-index')), '3');
    assert.equal(await page.getAttribute('g.flow-row[data-index="3"]', 'aria-current'), 'true');
    assert.deepEqual((await posted(page)).filter((m) => m.type === 'ready').length, 1);
    await clean(page, watch);
  });

  test('hostile layer names are shown literally, never as markup; malformed messages are ignored', async () => {
    const { page, watch } = await open('play=none');
    await send(page, [sideLayer(2)]);
    await showing(page, HOSTILE_NAME);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.textContent('g.flow-row[data-index="2"] title'), `${HOSTILE_NAME}\nmean |grad| ${String(flowOf(networkEvents())[2].meanAbs)}\nmax |grad| ${String(flowOf(networkEvents())[2].maxAbs)}`);
    await page.evaluate(() => window.preview.send([{ type: 'layer', spec: 'x' }, { type: 'empty' }, null, 'layer'] as never));
    await settle(page);
    assert.equal(await page.textContent('.side-title .layer-name'), HOSTILE_NAME);
    await clean(page, watch);
  });

  test('zoom: + on a heatmap doubles it inside its card, the page does not overflow; zoom is saved and restored', async () => {
    const { page, watch } = await open('play=layer');
    await showing(page, 'Affine1');
    const db = `${card('db')} canvas.hm-canvas`;
    const width = (): Promise<number> => page.$eval(db, (c) => (c as HTMLCanvasElement).width);
    const before = await width();
    await page.focus(db);
    await page.keyboard.type('+');
    assert.equal(await width(), before * 2);
    assert.deepEqual(await page.evaluate(() => window.preview.state), { zoom: 2 });
    assert.equal(await overflowX(page), 0);
    await clean(page, watch);

    const restored = await open(`play=layer&state=${encodeURIComponent(JSON.stringify({ zoom: 2 }))}`);
    await showing(restored.page, 'Affine1');
    assert.equal(await restored.page.textContent('.zoom-level'), '200%');
    assert.equal(await restored.page.$eval(db, (c) => (c as HTMLCanvasElement).width), before * 2);
    await clean(restored.page, restored.watch);
  });

  test('the training section’s status shows the host’s position, as the Train panel and the notification do', async () => {
    const { page, watch } = await open('play=sideTrain');
    await page.waitForFunction(() => document.querySelector('.train-side .status')?.textContent?.startsWith('step 3,000') === true);
    await page.evaluate(() =>
      window.preview.send(window.preview.runs.side([{ type: 'trainProgress', runId: 1, progress: window.preview.runs.progress(300) }, { type: 'trainPosition', runId: 1, step: 3005, elapsedMs: 6010 }])),
    );
    await page.waitForFunction(() => document.querySelector('.train-side .chart-loss .chart-readout')?.textContent?.startsWith('step 3,010') === true);
    await page.waitForFunction(() => document.querySelector('.train-side .status')?.textContent?.startsWith('step 3,005 / 10,000') === true);
    await settle(page);
    assert.match((await page.textContent('.train-side .status')) ?? '', /^step 3,005 /);
    await clean(page, watch);
  });

  for (const theme of ['light', 'dark', 'hc']) {
    test(`${theme}: a conv layer's tensors are grids of images that fit the sidebar, filters first`, async () => {
      const { page, watch } = await open(`play=sideConv&theme=${theme}`);
      await showing(page, 'Conv1');
      assert.deepEqual(await heatmapTitles(page), ['dW', 'db', 'activation', 'dx']);
      assert.equal(await page.locator('.hm-grid').count(), 3);
      assert.match((await page.locator(`${card('dW')} canvas.hm-canvas`).getAttribute('aria-label')) ?? '', /one image per filter, filters 0–5 of 6/);
      // 64 images a page: ten samples of six channels, each sample on its own line of 40 px images.
      assert.match((await page.textContent(`${card('activation')} .grid-page`)) ?? '', new RegExp(`^samples 0–9 of ${CONV_SENT}$`));
      assert.equal(await overflowX(page), 0);
      for (const c of await page.locator('.hm-grid').all()) {
        const [cardBox, canvasBox] = [await c.boundingBox(), await c.locator('canvas.hm-canvas').boundingBox()];
        assert.ok(cardBox && canvasBox && canvasBox.x + canvasBox.width <= cardBox.x + cardBox.width, 'the canvas sits inside its card');
      }
      await page.screenshot({ path: join(ARTIFACTS, `side-conv-${theme}.png`), fullPage: true });
      await clean(page, watch);
    });
  }

  test("the layer's distribution: its activation and dx as histograms on one count axis, inside the sidebar", async () => {
    const { page, watch } = await open('play=sideWeightInit');
    await showing(page, 'Sigmoid5');
    const labels = await page.$$eval('.side-section .dist .dist-bars', (bars) => bars.map((b) => b.getAttribute('aria-label') ?? ''));
    assert.equal(labels.length, 2);
    assert.match(labels[0], /^Sigmoid5 activation: 100,000 values from 0 to 1, most/);
    assert.match(labels[1], /^Sigmoid5 dx: 100,000 values from /);
    assert.equal(await overflowX(page), 0);
    await page.screenshot({ path: join(ARTIFACTS, 'side-distribution.png'), fullPage: true });
    await clean(page, watch);
  });

  test("a comparison of inits: the layer's activation and dx in each variant, inside the sidebar", async () => {
    const { page, watch } = await open('play=sideWeightInitCompare');
    await showing(page, 'Sigmoid5');
    assert.deepEqual(await page.$$eval('.side-section .dist-variant', (rows) => rows.map((r) => r.getAttribute('aria-label'))), ['std 1', 'std 0.01', 'xavier']);
    const labels = await page.$$eval('.side-section .dist-variant .dist-bars', (bars) => bars.map((b) => b.getAttribute('aria-label') ?? ''));
    assert.equal(labels.length, 6);
    assert.match(labels[2], /^std 0\.01: Sigmoid5 activation: 100,000 values from 0 to 1, most/);
    assert.match(labels[5], /^xavier: Sigmoid5 dx: 100,000 values from /);
    assert.equal(await overflowX(page), 0);
    await page.screenshot({ path: join(ARTIFACTS, 'side-distribution-compare.png'), fullPage: true });
    await clean(page, watch);
  });

  test('a diverging run: the training section turns its loss to a log scale, and its log charts label their y axes', async () => {
    const { page, watch } = await open('play=sideTrainDiverging');
    await page.waitForSelector('.train-side .chart-flow[data-layer="Affine2"][data-points="121"]');
    // Charts redraw at most five times a second: the loss chart may still show its first, empty draw.
    await page.waitForFunction(() => /latest 2\.\d+e306, log scale$/.test(document.querySelector('.train-side .chart-loss .chart-plot')?.getAttribute('aria-label') ?? ''));
    for (const chart of ['.chart-loss', '.chart-flow[data-layer="Affine1"]', '.chart-flow[data-layer="Affine2"]']) {
      const ink = await page.$eval(`.train-side ${chart} canvas`, (c) => {
        const canvas = c as HTMLCanvasElement;
        const strip = canvas.getContext('2d')!.getImageData(0, 0, Math.round(40 * devicePixelRatio), Math.round(canvas.height * 0.7)).data;
        let n = 0;
        for (let i = 3; i < strip.length; i += 4) if (strip[i] > 0) n++;
        return n;
      });
      assert.ok(ink > 0, `${chart} has y labels`);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'side-train-diverging-dark.png'), fullPage: true });
    await clean(page, watch);
  });

  test("the training section: status, loss and flow bands on 'train' messages, the first NaN, hidden on 'trainNone'", async () => {
    const { page, watch } = await open('play=sideTrain', { width: 300, height: 1000 });
    await showing(page, 'Affine1');
    const host = new TrainHistory(2);
    for (let k = 0; k < PROGRESS_MESSAGES; k++) host.add(progressOf(k));
    await page.waitForSelector(`.train-side .chart-loss[data-points="${host.loss.length}"]`);
    await page.waitForFunction(() => document.querySelector('.train-side .status')?.textContent?.startsWith('step 3,000') === true);
    assert.equal(await page.textContent('.train-side .status'), 'step 3,000 / 10,000 · 500 steps/s · ETA 14\u00a0s');
    assert.equal(await page.textContent('.train-side-spec'), 'train-two-layer-net.backprop.yaml');
    // Compact: loss and flow bands only, no accuracy chart, no scrubber, no heatmaps of its own.
    assert.deepEqual(await page.$$eval('.train-side figure.chart', (fs) => fs.map((f) => f.className)), ['chart chart-loss', 'chart chart-flow', 'chart chart-flow']);
    assert.deepEqual(await page.$$eval('.train-side .chart-flow', (fs) => fs.map((f) => [f.getAttribute('data-layer'), f.getAttribute('data-points')])), [['Affine1', '300'], ['Affine2', '300']]);
    assert.equal(await page.locator('.train-side .scrub, .train-side .hm-card').count(), 0);
    // The training section sits above the layer, which keeps working.
    assert.ok(await page.$eval('.train-side', (t) => t.compareDocumentPosition(document.querySelector('.side-layer') as Node) === Node.DOCUMENT_POSITION_FOLLOWING));
    assert.deepEqual(await heatmapTitles(page), ['activation', 'dx', 'dW', 'db']);
    assert.equal(await overflowX(page), 0);
    await page.click('.train-side .chart-flow[data-layer="Affine2"] .chart-title');
    assert.deepEqual((await posted(page)).at(-1), { type: 'revealLayer', index: 2 });

    await page.evaluate(() => window.preview.send(window.preview.runs.side(window.preview.runs.trainNaN(1))));
    await page.waitForFunction(() => document.querySelector('.train-side .side-nan')?.textContent === 'First NaN at step 3,001: Affine2 dW (forward was finite)');
    assert.equal(await page.textContent('.train-side .status'), 'stopped at step 3,001: NaN in Affine2 dW');
    await page.evaluate(() => new Promise(requestAnimationFrame));
    await page.screenshot({ path: join(ARTIFACTS, 'side-train-dark.png'), fullPage: true });

    await send(page, [{ type: 'trainNone' }]);
    await page.waitForSelector('.train-side', { state: 'hidden' });
    assert.equal(await page.isVisible('.side-layer'), true);
    // A new run of another spec shows it again, from scratch.
    await page.evaluate(() => window.preview.send(window.preview.runs.side(window.preview.runs.train(2).slice(0, 3))));
    await page.waitForSelector('.train-side:not([hidden])');
    assert.equal(await page.isHidden('.train-side .side-nan'), true);
    assert.equal(await page.textContent('.train-side .status'), 'starting…');
    await clean(page, watch);
  });

  test('a comparison in the training section: one loss line per variant with a legend, and the first variant’s bands, named', async () => {
    const { page, watch } = await open('play=sideTrainCompare', { width: 300, height: 1000 });
    await page.waitForSelector('.train-side .chart-loss[data-points="2000"]');
    assert.deepEqual(await page.$$eval('.train-side .chart-legend .legend-item', (items) => items.map((i) => i.textContent)), ['sgd', 'momentum', 'adagrad', 'adam']);
    assert.equal(await page.textContent('.train-side .train-side-flow'), 'Gradient flow over steps · sgd');
    assert.equal(await page.isHidden('.train-side .chart-smooth'), true);
    assert.equal(await overflowX(page), 0);
    await page.screenshot({ path: join(ARTIFACTS, 'side-train-compare-dark.png'), fullPage: true });
    await clean(page, watch);
  });

  for (const [theme, play] of [['dark', 'layer'], ['light', 'stale'], ['hc', 'layer']] as const) {
    test(`renders at 300 px in the ${theme} theme without overflow`, async () => {
      const { page, watch } = await open(`theme=${theme}&play=${play}`, { width: 300, height: 1000 });
      await showing(page, play === 'layer' ? 'Affine1' : 'Relu1');
      assert.equal(await overflowX(page), 0);
      const fg = await page.evaluate(() => getComputedStyle(document.body).color);
      assert.equal(fg, { dark: 'rgb(204, 204, 204)', light: 'rgb(59, 59, 59)', hc: 'rgb(255, 255, 255)' }[theme]);
      await page.screenshot({ path: join(ARTIFACTS, `side-${theme}.png`), fullPage: true });
      await clean(page, watch);
    });
  }
});

/** The exponent a tick label names: 1 → 0, 10 → 1, 10⁻⁴ → −4. */
function decadeOf(label: string): number {
  if (label === '1') return 0;
  const digits: Record<string, string> = { '⁻': '-', '⁰': '0', '¹': '1', '²': '2', '³': '3', '⁴': '4', '⁵': '5', '⁶': '6', '⁷': '7', '⁸': '8', '⁹': '9' };
  return label === '10' ? 1 : Number([...label.slice(2)].map((c) => digits[c]).join(''));
}
