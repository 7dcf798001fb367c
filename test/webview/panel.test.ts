// The panel in headless Chromium: the preview page stands in for VS Code (fake acquireVsCodeApi,
// theme classes, the real CSP) and feeds the fixture runs. Screenshots go to test/webview/artifacts/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { WebviewToHost } from '../../src/protocol';
import { fmt } from '../../src/format';
import { ARTIFACTS, cellPoint, clean, open as openPage, overflowX, settle, useBrowser, type Watch } from './browser';
import { FINDINGS, HOSTILE_NAME, NETWORK_URI, networkEvents } from './fixtures';

useBrowser();

/** Opens the panel preview with `query` and waits for the panel to be listening. */
function open(query: string, size = { width: 1280, height: 900 }): Promise<{ page: Page; watch: Watch }> {
  return openPage('preview.html', query, size);
}

/** Waits until the fixture run's done event was drawn. */
async function runDone(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('.status')?.textContent?.startsWith('done') === true);
}

async function posted(page: Page): Promise<WebviewToHost[]> {
  return page.evaluate(() => window.preview.posted) as Promise<WebviewToHost[]>;
}

/** Text of each body row's cells. */
async function rowTexts(page: Page): Promise<string[][]> {
  return page.$$eval('table.layers tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

/** Titles of the heatmap cards shown. */
async function heatmapTitles(page: Page): Promise<string[]> {
  return page.$$eval('.hm-card .hm-title', (els) => els.map((e) => e.textContent ?? ''));
}

function card(title: string): string {
  return `.hm-card:has(.hm-title:text-is("${title}"))`;
}

/** Moves the mouse to the centre of cell (row, col) of the canvas in `cardSelector`; returns the tooltip. */
async function hoverCell(page: Page, cardSelector: string, row: number, col: number, rows: number, cols: number): Promise<string> {
  const { x, y } = await cellPoint(page, cardSelector, row, col, rows, cols);
  await page.mouse.move(x, y);
  await page.waitForSelector('#bl-tooltip:not([hidden])');
  return (await page.textContent('#bl-tooltip')) ?? '';
}

/** The layer names in the table, without the ⚠ marker of layers with findings. */
async function layerNames(page: Page): Promise<string[]> {
  return page.$$eval('td.col-name', (tds) => tds.map((td) => [...td.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('')));
}

/** aria-selected of each body row. */
async function selectedRows(page: Page): Promise<(string | null)[]> {
  return page.$$eval('table.layers tbody tr', (rows) => rows.map((r) => r.getAttribute('aria-selected')));
}

describe('webview panel', () => {
  test("posts 'ready' first and fills the table layer by layer", async () => {
    const { page, watch } = await open('play=none');
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    assert.equal(await page.isVisible('table.layers'), false);

    // reset + start: every row is there with its static facts, nothing measured yet.
    await page.evaluate(() => window.preview.send(window.preview.runs.network(1).slice(0, 2)));
    await page.waitForSelector('table.layers tbody tr');
    let rows = await rowTexts(page);
    assert.equal(rows.length, 5);
    assert.deepEqual(rows.map((r) => r[1]), ['Affine1', 'Relu1', HOSTILE_NAME, 'Dropout1', 'SoftmaxWithLoss']);
    assert.deepEqual(rows.map((r) => r[3]), ['4×784 → 4×50', '4×50 → 4×50', '4×50 → 4×5', '4×5 → 4×5', '4×5 → scalar']);
    assert.equal(rows[0][4], '39,250');
    assert.equal(rows[0][5], '');

    // The first forward event fills row 0 only.
    await page.evaluate(() => window.preview.send(window.preview.runs.network(1).slice(2, 3)));
    await page.waitForFunction(() => document.querySelector('table.layers tbody tr td.col-mean')?.textContent !== '');
    rows = await rowTexts(page);
    const a1 = networkEvents()[1];
    assert.ok(a1.kind === 'forward');
    const { mean, std, min, max } = a1.activation.stats;
    assert.deepEqual(rows[0].slice(5, 9), [fmt(mean), fmt(std), fmt(min), fmt(max)]);
    assert.equal(rows[1][5], '');

    await page.evaluate(() => window.preview.send(window.preview.runs.network(1).slice(3)));
    await runDone(page);
    assert.match((await page.textContent('.summary')) ?? '', /fixture-net · 4 layers · loss 2\.3$/);
    assert.equal(await page.getAttribute('.summary .loss', 'title'), '2.302585092994046');
    rows = await rowTexts(page);
    const relu = maskOf(networkEvents(), 1);
    assert.equal(rows[1][9], `${fmt(relu.masked * 100)}% / ${fmt(relu.dead * 100)}%`);
    assert.equal(rows[1][10], `${fmt(dxNormOf(networkEvents(), 1))}dx`);
    assert.equal(rows[4].includes('loss = 2.3'), true);
    await clean(page, watch);
  });

  test('shows a hostile layer name literally, never as markup', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    assert.equal((await layerNames(page))[2], HOSTILE_NAME);
    assert.equal(await page.locator('img').count(), 0);
    await page.click('table.layers tbody tr:nth-child(3) td.col-name');
    assert.equal(await page.textContent('.detail h2 .layer-name'), HOSTILE_NAME);
    assert.deepEqual(await page.$$eval('.finding-layer', (els) => els.map((e) => e.textContent)), ['Relu1', HOSTILE_NAME, HOSTILE_NAME]);
    assert.equal(await page.locator('img').count(), 0);
    await clean(page, watch);
  });

  test('flags NaN/Inf and a failed gradient check in the table', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    const rows = await rowTexts(page);
    // Hostile layer: activation has 1 NaN and 1 +Inf; dx has 1 NaN.
    assert.equal(rows[2][12], '2 / 1');
    assert.equal(await page.locator('table.layers tbody tr:nth-child(3) td.col-nonfinite.bad').count(), 1);
    assert.equal(rows[2][13], '0.52fail');
    assert.equal(rows[0][13], '4.7e-8ok');
    assert.equal(rows[1][13], '–');
    await clean(page, watch);
  });

  test('selecting a row draws non-blank heatmaps with accessible labels', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(1)');
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectLayer', index: 0 });
    assert.deepEqual(await heatmapTitles(page), ['activation', 'dout', 'dx', 'dW', 'db', 'check error (W)']);
    const pixels = await page.$$eval('canvas.hm-canvas', (canvases) =>
      (canvases as HTMLCanvasElement[]).map((c) => {
        const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
        const colours = new Set<number>();
        for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        return { w: c.width, h: c.height, colours: colours.size };
      }),
    );
    for (const p of pixels) assert.ok(p.w > 0 && p.h > 0 && p.colours >= 3, JSON.stringify(p));
    const label = await page.getAttribute(`${card('dW')} canvas.hm-canvas`, 'aria-label');
    assert.match(label ?? '', /^dW of layer Affine1, 784×50 heatmap, downsampled to 392×50 by max-\|·\| pooling, diverging/);

    await page.click('table.layers tbody tr:nth-child(2)');
    assert.deepEqual(await heatmapTitles(page), ['activation', 'mask (relu)', 'dout', 'dx']);
    await clean(page, watch);
  });

  test('pools a 784×50 dW for display and says so; the tooltip reports the block', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(1)');
    assert.equal(await page.textContent(`${card('dW')} .hm-note`), 'downsampled 784×50 → 392×50, max-|·| pooling');
    // The spike at row 300, col 17 is the extreme of the block of rows 300–301 (cell row 150).
    const backward0 = networkEvents().find((e) => e.kind === 'backward' && e.index === 0);
    assert.ok(backward0?.kind === 'backward');
    const spike = new Float64Array(backward0.grads[0].grad.buffer)[300 * 50 + 17];
    const tip = await hoverCell(page, card('dW'), 150, 17, 392, 50);
    assert.equal(tip, `dW · Affine1\nrows 300–301, cols 17 (block of 2)\nmax-|·| value ${String(spike)} at row 300, col 17`);
    await page.screenshot({ path: join(ARTIFACTS, 'pooled-dark.png'), fullPage: true });
    await clean(page, watch);
  });

  test('the tooltip shows row, column and the exact value, NaN included', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(3)');
    assert.equal(await hoverCell(page, card('activation'), 1, 2, 4, 5), `activation · ${HOSTILE_NAME}\nrow 1, col 2\nvalue NaN`);
    const forward2 = networkEvents().find((e) => e.kind === 'forward' && e.index === 2);
    assert.ok(forward2?.kind === 'forward');
    const v = new Float64Array(forward2.activation.buffer)[0 * 5 + 3];
    assert.equal(await hoverCell(page, card('activation'), 0, 3, 4, 5), `activation · ${HOSTILE_NAME}\nrow 0, col 3\nvalue ${String(v)}`);
    await page.mouse.move(2, 2);
    assert.equal(await page.isHidden('#bl-tooltip'), true);
    await clean(page, watch);
  });

  test('keyboard: arrows move the selection and post selectLayer; Enter selects; Tab reaches every control', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(1)');
    await page.keyboard.press('ArrowDown');
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectLayer', index: 1 });
    assert.deepEqual(await page.$$eval('table.layers tbody tr', (rows) => rows.map((r) => r.getAttribute('aria-selected'))), ['false', 'true', 'false', 'false', 'false']);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-rowindex')), '3');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted(page)).slice(-3), [
      { type: 'selectLayer', index: 2 },
      { type: 'selectLayer', index: 1 },
      { type: 'selectLayer', index: 1 },
    ]);
    assert.deepEqual(await page.evaluate(() => window.preview.state), { selected: 1, zoom: 1, uri: NETWORK_URI });

    // Tab order from the top: Run again, the findings, the selected row, zoom buttons, each heatmap canvas.
    await page.click('.title');
    const seen: string[] = [];
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab');
      seen.push(await page.evaluate(() => {
        const el = document.activeElement;
        return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('aria-label') ?? el.textContent ?? ''}`.slice(0, 40) : '';
      }));
    }
    assert.ok(seen.includes('button:Run again'), seen.join(' | '));
    assert.ok(seen.some((s) => s.startsWith('button:⚠Relu1dead ReLU')), seen.join(' | '));
    assert.ok(seen.some((s) => s.startsWith('tr:1⚠Relu1')), seen.join(' | '));
    assert.ok(seen.includes('button:Zoom in'), seen.join(' | '));
    assert.ok(seen.some((s) => s.startsWith('canvas:mask (relu) of layer Relu1')), seen.join(' | '));

    // Arrow keys on a focused heatmap walk its cells and show the tooltip.
    await page.focus(`${card('activation')} canvas.hm-canvas`);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    assert.match((await page.textContent('#bl-tooltip')) ?? '', /^activation · Relu1\nrow 1, col 1\nvalue /);
    await clean(page, watch);
  });

  test('zoom: +/− keys, buttons and ctrl+wheel; zooming in undoes pooling; state is saved', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(1)');
    const dW = `${card('dW')} canvas.hm-canvas`;
    const size = (): Promise<number[]> => page.$eval(dW, (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    const before = await size();
    await page.focus(dW);
    await page.keyboard.type('+');
    assert.equal(await page.textContent('.zoom-level'), '200%');
    assert.deepEqual(await page.evaluate(() => window.preview.state), { selected: 0, zoom: 2, uri: NETWORK_URI });
    assert.equal(await page.isHidden(`${card('dW')} .hm-note`), true);
    const zoomed = await size();
    assert.equal(zoomed[1], before[1] * 2);
    assert.equal(zoomed[1] % 784, 0);
    await page.click('button[aria-label="Zoom out"]');
    assert.equal(await page.textContent('.zoom-level'), '100%');
    await page.locator(dW).hover();
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, 100);
    await page.keyboard.up('Control');
    await page.waitForFunction(() => document.querySelector('.zoom-level')?.textContent === '50%');
    assert.deepEqual(await size(), [before[0] / 2, before[1] / 2]);
    await clean(page, watch);
  });

  test('restores the saved selection and zoom without posting; keeps them across re-runs of the same spec only, else the first layer', async () => {
    const saved = { selected: 3, zoom: 2, uri: NETWORK_URI };
    const { page, watch } = await open(`play=network&state=${encodeURIComponent(JSON.stringify(saved))}`);
    await runDone(page);
    assert.deepEqual(await selectedRows(page), ['false', 'false', 'false', 'true', 'false']);
    assert.equal(await page.textContent('.zoom-level'), '200%');
    assert.deepEqual(await heatmapTitles(page), ['activation', 'mask (dropout)', 'dout', 'dx']);
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);

    await page.evaluate(() => window.preview.send(window.preview.runs.network(2)));
    await page.waitForFunction(() => document.querySelectorAll('.hm-card').length === 4);
    assert.deepEqual(await selectedRows(page), ['false', 'false', 'false', 'true', 'false']);
    assert.deepEqual(await page.evaluate(() => window.preview.state), saved);

    await page.evaluate(() => window.preview.send([...window.preview.runs.shop(3), ...window.preview.runs.network(4)]));
    await page.waitForFunction(() => (window.preview.state as { uri: string }).uri === 'file:///work/examples/two-layer-net.backprop.yaml' && document.querySelectorAll('table.layers tbody tr').length === 5);
    await runDone(page);
    // Another spec starts over on its first layer.
    assert.deepEqual(await selectedRows(page), ['true', 'false', 'false', 'false', 'false']);
    assert.deepEqual(await page.evaluate(() => window.preview.state), { ...saved, selected: 0 });
    await clean(page, watch);
  });

  test('reads tensors sent as typed-array views, and says so when a buffer is unusable', async () => {
    const { page, watch } = await open('play=none');
    await page.evaluate(() => {
      const [reset, start] = window.preview.runs.network(1);
      const stats = { shape: [2, 3], count: 6, mean: 0, meanAbs: 1.5, std: 1, min: -2, max: 3, l2: 5, zeros: 0, nan: 0, posInf: 0, negInf: 0 };
      const view = Float64Array.from([-2, -1, 0, 1, 2, 3]);
      return window.preview.send([
        reset,
        start,
        {
          type: 'event',
          runId: 1,
          event: {
            kind: 'backward',
            index: 1,
            dout: { shape: [2, 3], buffer: view as unknown as ArrayBuffer, stats },
            dx: { shape: [2, 3], buffer: new ArrayBuffer(8), stats },
            grads: [],
          },
        },
      ]);
    });
    await page.waitForSelector('table.layers tbody tr');
    await page.click('table.layers tbody tr:nth-child(2)');
    assert.deepEqual(await heatmapTitles(page), ['dout', 'dx']);
    assert.equal(await hoverCell(page, card('dout'), 1, 2, 2, 3), 'dout · Relu1\nrow 1, col 2\nvalue 3');
    assert.equal(await page.textContent(`${card('dx')} .hm-note`), 'No tensor data (buffer missing or the wrong size).');
    await clean(page, watch);
  });

  test('draws the shop graph with the book figures', async () => {
    const { page, watch } = await open('play=shop');
    await runDone(page);
    assert.equal(await page.isVisible('table.layers'), false);
    const values = await page.$$eval('svg.graph text.graph-value', (ts) => ts.map((t) => t.textContent));
    const grads = await page.$$eval('svg.graph text.graph-grad', (ts) => ts.map((t) => t.textContent));
    assert.deepEqual([...values].sort(), ['1.1', '100', '150', '2', '200', '3', '450', '650', '715'].sort());
    assert.deepEqual([...grads].sort(), ['1', '1.1', '1.1', '1.1', '110', '165', '2.2', '3.3', '650'].sort());
    const outputTitle = await page.$eval('svg.graph .graph-edge:has(text.graph-value:text-is("715")) title', (t) => t.textContent);
    assert.equal(outputTitle, 'price = 715.0000000000001\n∂price/∂price = 1');
    const taxTitle = await page.$eval('svg.graph .graph-edge:has(text.graph-grad:text-is("650")) title', (t) => t.textContent);
    assert.equal(taxTitle, 'tax = 1.1\n∂price/∂tax = 650');
    assert.equal(await page.textContent('svg.graph text.graph-output'), 'price');
    await page.screenshot({ path: join(ARTIFACTS, 'shop-dark.png'), fullPage: true });
    await clean(page, watch);
  });

  test('an error shows in an alert region; Run again posts rerun; reset clears', async () => {
    const { page, watch } = await open('play=error');
    await page.waitForSelector('[role=alert]:not([hidden])');
    assert.match((await page.textContent('[role=alert]')) ?? '', /unknown layer type "relux"/);
    assert.equal(await page.textContent('.status'), 'failed');
    await page.click('button:text-is("Run again")');
    assert.deepEqual((await posted(page)).at(-1), { type: 'rerun' });

    await page.evaluate(() => window.preview.send(window.preview.runs.network(2)));
    await runDone(page);
    assert.equal(await page.isHidden('[role=alert]'), true);
    assert.equal((await rowTexts(page)).length, 5);
    // Events of the superseded run 1 are ignored.
    await page.evaluate(() => window.preview.send(window.preview.runs.shop(1).slice(1)));
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    assert.equal(await page.isHidden('.graph-section'), true);
    await page.evaluate(() => window.preview.send(window.preview.runs.shop(3)));
    await page.waitForSelector('svg.graph');
    assert.equal(await page.locator('table.layers tbody tr').count(), 0);
    assert.equal(await page.isVisible('svg.graph'), true);
    await clean(page, watch);
  });

  test("the host's select follows the editor: selects the row and shows its heatmaps without posting back; bad indices are ignored", async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    assert.deepEqual(await selectedRows(page), ['true', 'false', 'false', 'false', 'false']);
    await page.evaluate(() => window.preview.send([{ type: 'select', index: 1 }]));
    await page.waitForFunction(() => document.querySelector('.detail h2 .layer-name')?.textContent === 'Relu1');
    assert.deepEqual(await selectedRows(page), ['false', 'true', 'false', 'false', 'false']);
    assert.deepEqual(await heatmapTitles(page), ['activation', 'mask (relu)', 'dout', 'dx']);
    assert.deepEqual(await page.evaluate(() => window.preview.state), { selected: 1, zoom: 1, uri: NETWORK_URI });
    // Out of range, negative, fractional, or not a number: nothing changes.
    await page.evaluate(() => window.preview.send([5, -1, 1.5, '2'].map((index) => ({ type: 'select', index }) as never)));
    await settle(page);
    assert.deepEqual(await selectedRows(page), ['false', 'true', 'false', 'false', 'false']);
    // The loss row is the index after the last layer.
    await page.evaluate(() => window.preview.send([{ type: 'select', index: 4 }]));
    await page.waitForFunction(() => document.querySelector('.detail h2 .layer-name')?.textContent === 'SoftmaxWithLoss');
    assert.deepEqual(await heatmapTitles(page), ['prediction']);
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    await clean(page, watch);
  });

  test('findings: a list under the summary names each layer, rows carry a ⚠ with the messages, an item selects its layer', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    assert.equal(await page.textContent('.findings-heading'), 'Findings (3)');
    assert.equal(await page.getAttribute('.findings-list', 'role'), 'list');
    const items = await page.$$eval('.findings-list li', (lis) =>
      lis.map((li) => ({
        cls: li.className,
        layer: li.querySelector('.finding-layer')?.textContent,
        kind: li.querySelector('.finding-kind')?.textContent,
        message: li.querySelector('.finding-message')?.textContent,
        fix: li.querySelector('.finding-fix')?.textContent ?? null,
      })),
    );
    assert.deepEqual(items, [
      { cls: 'finding warning', layer: 'Relu1', kind: 'dead ReLU', message: '14% of units are dead for the whole batch', fix: 'Fix: He init for Affine1' },
      { cls: 'finding error', layer: HOSTILE_NAME, kind: 'NaN/Inf', message: 'the output has 1 NaN and 1 +Inf', fix: null },
      { cls: 'finding error', layer: HOSTILE_NAME, kind: 'check failed', message: 'gradient check of W failed for 7 elements (max rel error 0.52)', fix: null },
    ]);
    // The list sits between the summary and the table.
    assert.equal(await page.evaluate(() => document.querySelector('.summary')?.nextElementSibling?.className), 'findings');

    const marks = await page.$$eval('table.layers tbody tr', (rows) =>
      rows.map((r) => {
        const m = r.querySelector('td.col-name .finding-mark');
        return m && { text: m.textContent, cls: m.className, label: m.getAttribute('aria-label'), title: m.getAttribute('title') };
      }),
    );
    assert.deepEqual(marks, [
      null,
      { text: '⚠', cls: 'finding-mark warning', label: `1 finding: ${FINDINGS[0].message}`, title: FINDINGS[0].message },
      { text: '⚠', cls: 'finding-mark error', label: `2 findings: ${FINDINGS[1].message}; ${FINDINGS[2].message}`, title: `${FINDINGS[1].message}\n${FINDINGS[2].message}` },
      null,
      null,
    ]);
    assert.equal(await page.locator('img').count(), 0);

    await page.click('.findings-list li:nth-child(2) button');
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectLayer', index: 2 });
    assert.deepEqual(await selectedRows(page), ['false', 'false', 'true', 'false', 'false']);
    assert.equal(await page.textContent('.detail h2 .layer-name'), HOSTILE_NAME);
    await page.focus('.findings-list li:nth-child(1) button');
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectLayer', index: 1 });
    assert.deepEqual(await selectedRows(page), ['false', 'true', 'false', 'false', 'false']);

    // A re-run clears them until its own findings arrive; a healthy run says so.
    await page.evaluate(() => window.preview.send(window.preview.runs.network(2).slice(0, 3)));
    await page.waitForFunction(() => document.querySelector('.findings')?.hasAttribute('hidden') === true);
    assert.equal(await page.locator('.finding-mark').count(), 0);
    await page.evaluate(() => window.preview.send([{ type: 'event', runId: 2, event: { kind: 'findings', findings: [] } }]));
    await page.waitForSelector('.findings:not([hidden])');
    assert.equal(await page.textContent('.findings-heading'), 'Findings');
    assert.equal(await page.textContent('.findings-list'), 'No gradient-health problems found.');
    await clean(page, watch);
  });

  test('a cell of dW, db or a check error posts selectCell at its source position (a pooled block: its extreme element); so does Enter', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(1)');
    const cursorOf = (title: string): Promise<string> => page.$eval(`${card(title)} canvas.hm-canvas`, (c) => getComputedStyle(c).cursor);
    assert.equal(await cursorOf('dW'), 'pointer');
    assert.equal(await cursorOf('db'), 'pointer');
    assert.equal(await cursorOf('activation'), 'crosshair');
    assert.equal(await page.textContent(`${card('dW')} .hm-hint`), 'Click a cell to reveal its line in the spec.');
    assert.equal(await page.locator(`${card('activation')} .hm-hint`).count(), 0);
    assert.match((await page.getAttribute(`${card('dW')} canvas.hm-canvas`, 'aria-label')) ?? '', /Click a cell, or press Enter on it, to reveal its line in the spec\.$/);
    assert.doesNotMatch((await page.getAttribute(`${card('activation')} canvas.hm-canvas`, 'aria-label')) ?? '', /reveal/);

    // Cell row 150 of the pooled dW covers rows 300–301; its extreme element is the spike at row 300, col 17.
    const spike = await cellPoint(page, card('dW'), 150, 17, 392, 50);
    await page.mouse.click(spike.x, spike.y);
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectCell', index: 0, param: 'W', row: 300, col: 17 });
    // Cell row 10 covers rows 20–21: the element of larger |v| wins, as the oracle finds it here.
    const backward0 = networkEvents().find((e) => e.kind === 'backward' && e.index === 0);
    assert.ok(backward0?.kind === 'backward');
    const dW = new Float64Array(backward0.grads[0].grad.buffer);
    const extremeRow = Math.abs(dW[20 * 50 + 4]) >= Math.abs(dW[21 * 50 + 4]) ? 20 : 21;
    const cell = await cellPoint(page, card('dW'), 10, 4, 392, 50);
    await page.mouse.click(cell.x, cell.y);
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectCell', index: 0, param: 'W', row: extremeRow, col: 4 });

    // Keyboard: the first arrow shows the cursor at (0, 0), two more move it to column 2; Enter reveals.
    await page.focus(`${card('db')} canvas.hm-canvas`);
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectCell', index: 0, param: 'b', row: 0, col: 2 });

    // Clicking a heatmap that is not a parameter's posts nothing.
    const count = (await posted(page)).length;
    const act = await cellPoint(page, card('activation'), 1, 1, 4, 50);
    await page.mouse.click(act.x, act.y);
    await page.focus(`${card('activation')} canvas.hm-canvas`);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    assert.equal((await posted(page)).length, count);

    // The failing check of the hostile layer's W: its cells point into W too.
    await page.click('table.layers tbody tr:nth-child(3)');
    const check = await cellPoint(page, card('check error (W)'), 8, 3, 50, 5);
    await page.mouse.click(check.x, check.y);
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectCell', index: 2, param: 'W', row: 8, col: 3 });
    await clean(page, watch);
  });

  for (const theme of ['dark', 'light', 'hc'] as const) {
    test(`renders in the ${theme} theme`, async () => {
      const { page, watch } = await open(`theme=${theme}&play=network`, { width: 1200, height: 1000 });
      await runDone(page);
      await page.click('table.layers tbody tr:nth-child(1)');
      await page.click('table.layers tbody tr:nth-child(3)');
      const look = await page.evaluate(() => {
        const row = document.querySelector('table.layers tbody tr[aria-selected=true]') as HTMLElement;
        const css = getComputedStyle(row);
        return { body: getComputedStyle(document.body).backgroundColor, fg: getComputedStyle(document.body).color, rowBg: css.backgroundColor, rowOutline: css.outlineStyle };
      });
      const expected = {
        dark: { body: 'rgb(31, 31, 31)', fg: 'rgb(204, 204, 204)', rowBg: 'rgb(4, 57, 94)' },
        light: { body: 'rgb(255, 255, 255)', fg: 'rgb(59, 59, 59)', rowBg: 'rgb(232, 232, 232)' },
        hc: { body: 'rgb(0, 0, 0)', fg: 'rgb(255, 255, 255)', rowBg: 'rgba(0, 0, 0, 0)' },
      }[theme];
      assert.equal(look.body, expected.body);
      assert.equal(look.fg, expected.fg);
      assert.equal(look.rowBg, expected.rowBg);
      // High contrast has no selection background: the selected row must carry an outline.
      if (theme === 'hc') assert.equal(look.rowOutline, 'solid');
      await hoverCell(page, card('activation'), 0, 3, 4, 5);
      await page.screenshot({ path: join(ARTIFACTS, `panel-${theme}.png`), fullPage: true });
      await clean(page, watch);
    });
  }

  test('redraws mask colours when VS Code switches the theme class', async () => {
    const { page, watch } = await open('theme=dark&play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(2)');
    const mask = `${card('mask (relu)')} canvas.hm-canvas`;
    // Masked cells take the theme's charts-orange, passed ones its charts-blue.
    const colours = (): Promise<string[]> =>
      page.$eval(mask, (c) => {
        const canvas = c as HTMLCanvasElement;
        const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
        const seen = new Set<string>();
        for (let i = 0; i < data.length; i += 4) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
        return [...seen].sort();
      });
    assert.deepEqual(await colours(), ['209,134,22', '55,148,255']);
    await page.evaluate(() => document.body.classList.replace('vscode-dark', 'vscode-light'));
    await page.waitForFunction(() => {
      const c = document.querySelectorAll('.hm-card canvas.hm-canvas')[1] as HTMLCanvasElement;
      const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
      return d !== undefined && [...d].some((v, i) => i % 4 === 0 && v === 26);
    });
    assert.deepEqual(await colours(), ['209,134,22', '26,133,255']);
    await clean(page, watch);
  });

  test('fits a narrow side panel', async () => {
    const { page, watch } = await open('theme=light&play=network', { width: 420, height: 900 });
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(2)');
    assert.equal(await overflowX(page), 0);
    await page.screenshot({ path: join(ARTIFACTS, 'panel-narrow-light.png'), fullPage: true });
    const shop = await open('theme=light&play=shop', { width: 420, height: 700 });
    await runDone(shop.page);
    await shop.page.screenshot({ path: join(ARTIFACTS, 'shop-narrow-light.png'), fullPage: true });
    await clean(shop.page, shop.watch);
    await clean(page, watch);
  });
});

/** ‖dx‖₂ of layer `index`'s backward event, computed here from the raw buffer. */
function dxNormOf(events: ReturnType<typeof networkEvents>, index: number): number {
  const ev = events.find((e) => e.kind === 'backward' && e.index === index);
  assert.ok(ev?.kind === 'backward');
  let sq = 0;
  for (const v of new Float64Array(ev.dx.buffer)) if (Number.isFinite(v)) sq += v * v;
  return Math.sqrt(sq);
}

/** Masked fraction and dead-unit fraction of layer `index`'s mask, counted here from the raw buffer. */
function maskOf(events: ReturnType<typeof networkEvents>, index: number): { masked: number; dead: number } {
  const ev = events.find((e) => e.kind === 'forward' && e.index === index);
  assert.ok(ev?.kind === 'forward' && ev.mask);
  const data = new Float64Array(ev.mask.buffer);
  const [rows, cols] = ev.mask.shape;
  let dead = 0;
  for (let c = 0; c < cols; c++) {
    let all = true;
    for (let r = 0; r < rows; r++) all &&= data[r * cols + c] === 1;
    if (all) dead++;
  }
  return { masked: data.filter((v) => v === 1).length / data.length, dead: dead / cols };
}
