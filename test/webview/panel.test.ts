// The panel in headless Chromium: the preview page stands in for VS Code (fake acquireVsCodeApi,
// theme classes, the real CSP) and feeds the fixture runs. Screenshots go to test/webview/artifacts/.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { WebviewToHost, WireCheck } from '../../src/protocol';
import { fmt, fmtFull, fmtGraph } from '../../src/format';
import { lutOf } from '../../webview/shared/colormap';
import { poolMaxAbs } from '../../src/downsample';
import { ARTIFACTS, cellPoint, clean, open as openPage, overflowX, runDone, settle, useBrowser, type Watch } from './browser';
import { FINDINGS, FIX_TITLE, HOSTILE_NAME, NETWORK_URI, WORST_K, networkEvents } from './fixtures';

useBrowser();

/** Opens the panel preview with `query` and waits for the panel to be listening. */
function open(query: string, size = { width: 1280, height: 900 }): Promise<{ page: Page; watch: Watch }> {
  return openPage('preview.html', query, size);
}

async function posted(page: Page): Promise<WebviewToHost[]> {
  return page.evaluate(() => window.preview.posted) as Promise<WebviewToHost[]>;
}

/** Text of each body row's cells, without the lines that repeat folded columns under the name. */
async function rowTexts(page: Page): Promise<string[][]> {
  return page.$$eval('table.layers tbody tr', (rows) =>
    rows.map((r) =>
      [...r.querySelectorAll('td')].map((td) => {
        const cell = td.cloneNode(true) as Element;
        cell.querySelector('.fold')?.remove();
        return cell.textContent ?? '';
      }),
    ),
  );
}

/** Titles of the heatmap cards shown (not the worst-elements cards). */
async function heatmapTitles(page: Page): Promise<string[]> {
  return page.$$eval('.hm-card:not(.worst-card) .hm-title', (els) => els.map((e) => e.textContent ?? ''));
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

/** The check event of `param` of layer `index` in the fixture run. */
function checkOf(index: number, param: string): WireCheck {
  const ev = networkEvents().find((e) => e.kind === 'check' && e.index === index && e.param === param);
  assert.ok(ev?.kind === 'check');
  return ev.result;
}

/** Selector of the check section of `param`. */
function checkSection(param: string): string {
  return `.check:has(.hm-title:text-is("worst elements (${param})"))`;
}

/** Selector of the worst-elements table of `param`. */
function worst(param: string): string {
  return `${checkSection(param)} table.worst`;
}

/** The cells of each row of a worst-elements table, and whether the row is selected. */
async function worstRows(page: Page, param: string): Promise<{ cells: string[]; selected: string | null }[]> {
  return page.$$eval(`${worst(param)} tbody tr`, (rows) => rows.map((r) => ({ cells: [...r.querySelectorAll('td')].map((td) => td.textContent ?? ''), selected: r.getAttribute('aria-selected') })));
}

/** Where the cell cursor of the heatmap titled `title` is, in whole cells of a rows×cols grid; null when hidden. */
async function cursorCell(page: Page, title: string, rows: number, cols: number): Promise<{ row: number; col: number } | null> {
  const at = await page.$eval(`${card(title)} .hm-stage`, (stage) => {
    const cursor = stage.querySelector('.hm-cursor') as HTMLElement;
    const canvas = stage.querySelector('canvas') as HTMLCanvasElement;
    if (cursor.hidden) return null;
    const c = cursor.getBoundingClientRect();
    const b = canvas.getBoundingClientRect();
    return { x: c.left + c.width / 2 - b.left, y: c.top + c.height / 2 - b.top, w: b.width, h: b.height };
  });
  return at && { row: Math.floor((at.y / at.h) * rows), col: Math.floor((at.x / at.w) * cols) };
}

async function tooltip(page: Page): Promise<string | null> {
  return page.$eval('#bl-tooltip', (t) => ((t as HTMLElement).hidden ? null : t.textContent));
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
    assert.equal(rows[0][9], '');

    // The first forward event fills row 0 only.
    await page.evaluate(() => window.preview.send(window.preview.runs.network(1).slice(2, 3)));
    await page.waitForFunction(() => document.querySelector('table.layers tbody tr td.col-mean')?.textContent !== '');
    rows = await rowTexts(page);
    const a1 = networkEvents()[1];
    assert.ok(a1.kind === 'forward');
    const { mean, std, min, max } = a1.activation.stats;
    assert.deepEqual(rows[0].slice(9, 13), [fmt(mean), fmt(std), fmt(min), fmt(max)]);
    assert.equal(rows[1][9], '');

    await page.evaluate(() => window.preview.send(window.preview.runs.network(1).slice(3)));
    await runDone(page);
    assert.match((await page.textContent('.summary')) ?? '', /fixture-net · 4 layers · loss 2\.3$/);
    assert.equal(await page.getAttribute('.summary .loss', 'title'), '2.302585092994046');
    rows = await rowTexts(page);
    const relu = maskOf(networkEvents(), 1);
    assert.equal(rows[1][13], `${fmt(relu.masked * 100)}% / ${fmt(relu.dead * 100)}%`);
    assert.equal(rows[1][7], `${fmt(dxNormOf(networkEvents(), 1))}dx`);
    assert.equal(rows[4].includes('loss = 2.3'), true);
    await clean(page, watch);
  });

  test('Python layers and a Python loss show as their classes in the table and the detail title', async () => {
    const { page, watch } = await open('play=none', { width: 500, height: 700 });
    await page.evaluate(() => {
      const [reset, start] = window.preview.runs.network(1);
      if (start.type !== 'event' || start.event.kind !== 'start') throw new Error('the fixture run starts with reset, start');
      const layers = start.event.layers.map((l) => (l.name === 'Relu1' ? { ...l, type: 'python Relu' } : l));
      const loss = start.event.loss && { ...start.event.loss, type: 'python SoftmaxWithLoss' };
      return window.preview.send([reset, { ...start, event: { ...start.event, layers, loss } }]);
    });
    await page.waitForSelector('table.layers tbody tr');
    const types = await page.$$eval('table.layers tbody td.col-type', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(types, ['affine', 'python Relu', 'affine', 'dropout', 'python SoftmaxWithLoss']);
    await page.click('table.layers tbody tr:nth-child(2) td.col-name');
    assert.equal(await page.textContent('.detail h2 .layer-type'), 'python Relu');
    assert.equal(await overflowX(page), 0);
    await page.screenshot({ path: join(ARTIFACTS, 'python-types-500.png') });
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
    assert.equal(rows[2][6], '2 / 1');
    assert.equal(await page.locator('table.layers tbody tr:nth-child(3) td.col-nonfinite.bad').count(), 1);
    // The column covers dx checks too: Affine1's largest relative error is its dx's (at a non-differentiable
    // point, so still ok); Relu1 has only dx.
    assert.equal(rows[2][5], '0.52fail');
    assert.equal(rows[0][5], '0.63ok');
    assert.equal(rows[1][5], '1ok');
    assert.equal(rows[3][5], '–');
    const title = (n: number): Promise<string | null> => page.getAttribute(`table.layers tbody tr:nth-child(${n}) td.col-check`, 'title');
    assert.match((await title(1)) ?? '', /^3 tensors checked \(W, b, dx\): all ok · 3 non-differentiable points \(not failures\)\nW: ok · 0 failure\(s\) · 2 non-differentiable · /);
    assert.match((await title(2)) ?? '', /^1 tensor checked \(dx\): all ok · 3 non-differentiable points \(not failures\)\ndx: ok · 0 failure\(s\) · 3 non-differentiable · max rel error 1 · /);
    assert.match((await title(3)) ?? '', /^2 tensors checked \(W, b\): 1 failed · 0 non-differentiable points\nW: FAIL · 7 failure\(s\) · 0 non-differentiable · max rel error 0\.52/);
    await clean(page, watch);
  });

  test('selecting a row draws non-blank heatmaps with accessible labels', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(1)');
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectLayer', index: 0 });
    assert.deepEqual(await heatmapTitles(page), [
      'activation',
      'dout',
      'dx',
      'dW',
      'db',
      '|a − n| (W)',
      'relative error (W)',
      '|a − n| (b)',
      'relative error (b)',
      '|a − n| (dx)',
      'relative error (dx)',
    ]);
    const pixels = await page.$$eval('canvas.hm-canvas', (canvases) =>
      (canvases as HTMLCanvasElement[]).map((c) => {
        const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
        const colours = new Set<number>();
        for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        return { w: c.width, h: c.height, colours: colours.size };
      }),
    );
    // |a − n| of dx is near 0 but for its one non-differentiable point: on the log scale its small differences show too, not one flat colour.
    for (const p of pixels) assert.ok(p.w > 0 && p.h > 0 && p.colours >= 3, JSON.stringify(p));
    const label = await page.getAttribute(`${card('dW')} canvas.hm-canvas`, 'aria-label');
    assert.match(label ?? '', /^dW of layer Affine1, 784×50 heatmap, downsampled to 392×50 by max-\|·\| pooling, diverging/);

    await page.click('table.layers tbody tr:nth-child(2)');
    assert.deepEqual(await heatmapTitles(page), ['activation', 'mask (relu)', 'dout', 'dx', '|a − n| (dx)', 'relative error (dx)']);
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

  test('a big tensor sent as a preview: drawn pooled further, the tooltip names the block’s true extreme, the legend spans its true range', async () => {
    const { page, watch } = await open('play=none');
    // 2,000×200, pooled by the engine to 1,000×200 (blocks of two rows), as src/worker/wire.ts does.
    const rows = 2000;
    const cols = 200;
    const data = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 12.9898) * (1 + (i % 7)));
    const grid = poolMaxAbs(data, rows, cols, 1024);
    let min = Infinity;
    let max = -Infinity;
    for (const v of data) [min, max] = [Math.min(min, v), Math.max(max, v)];
    await page.evaluate(
      ({ values, sourceIndex, min, max }) => {
        const [reset, start] = window.preview.runs.network(1);
        const stats = { shape: [2000, 200], count: 400_000, mean: 0, meanAbs: 1, std: 1, min, max, l2: 1, zeros: 0, nan: 0, posInf: 0, negInf: 0 };
        const preview = { rowFactor: 2, colFactor: 1, values: Float64Array.from(values).buffer, sourceIndex: Int32Array.from(sourceIndex).buffer };
        const dx = { shape: [2000, 200], buffer: new ArrayBuffer(0), stats, preview };
        const dout = { shape: [1, 1], buffer: Float64Array.of(1).buffer, stats: { ...stats, shape: [1, 1], count: 1 } };
        return window.preview.send([reset, start, { type: 'event', runId: 1, event: { kind: 'backward', index: 1, dout, dx, grads: [] } }]);
      },
      { values: [...grid.values], sourceIndex: [...grid.sourceIndex], min, max },
    );
    await page.waitForSelector('table.layers tbody tr');
    await page.click('table.layers tbody tr:nth-child(2)');
    // The panel draws 400 cells a side at zoom 1: the preview's 1,000 rows pool by 3, so blocks of 6 source rows.
    assert.equal(await page.textContent(`${card('dx')} .hm-note`), 'downsampled 2000×200 → 334×200, max-|·| pooling');
    let best = 0;
    for (let r = 0; r < 6; r++) if (Math.abs(data[r * cols + 5]) > Math.abs(data[best * cols + 5])) best = r;
    const tip = await hoverCell(page, card('dx'), 0, 5, 334, 200);
    assert.equal(tip, `dx · Relu1\nrows 0–5, cols 5 (block of 6)\nmax-|·| value ${fmtFull(data[best * cols + 5])} at row ${best}, col 5`);
    const m = Math.max(Math.abs(min), Math.abs(max));
    assert.deepEqual(await page.$$eval(`${card('dx')} .legend-ends span`, (ss) => ss.map((x) => x.textContent)), [fmt(-m), '0', fmt(m)]);
    const pixels = await page.$eval(`${card('dx')} canvas.hm-canvas`, (c) => (c as HTMLCanvasElement).width * (c as HTMLCanvasElement).height);
    assert.ok(pixels > 0);
    // Zoomed in past the preview, the picture is the preview itself, and the note says there is no finer detail.
    await page.focus(`${card('dx')} canvas.hm-canvas`);
    await page.keyboard.type('++');
    assert.equal(await page.textContent(`${card('dx')} .hm-note`), 'downsampled 2000×200 → 1000×200, max-|·| pooling (the finest the engine sends for a tensor this big)');
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

  test('a reloaded page shown an ended run says restoring, not running, until the run is back', async () => {
    const { page, watch } = await open('play=none');
    await page.evaluate(async () => {
      const [reset, ...rest] = window.preview.runs.network(1);
      if (reset.type === 'reset') await window.preview.send([{ ...reset, replay: true }, ...rest.slice(0, 2)]);
    });
    await page.waitForSelector('table.layers tbody tr');
    assert.equal(await page.textContent('.status'), 'restoring…');
    await page.evaluate(() => window.preview.send(window.preview.runs.network(1).slice(3)));
    await runDone(page);
    // A run started afterwards is running again.
    await page.evaluate(() => window.preview.send(window.preview.runs.network(2).slice(0, 2)));
    await page.waitForFunction(() => document.querySelector('.status')?.textContent === 'running…');
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

  test('Show as Heatmap: a debugger variable drawn above the layers, fitting 500 and 1,280 px, until closed or the next run', async () => {
    for (const width of [500, 1280]) {
      const { page, watch } = await open('play=network', { width, height: 900 });
      await runDone(page);
      await page.evaluate(async () => {
        const data = Float64Array.from({ length: 3 * 50 }, (_, i) => (i % 3 === 0 ? 1 : 0));
        const stats = { shape: [3, 50], count: 150, mean: 1 / 3, meanAbs: 1 / 3, std: 0.471, min: 0, max: 1, l2: 7.07, zeros: 100, nan: 0, posInf: 0, negInf: 0 };
        await window.preview.send([{ type: 'inspect', name: 'mask', where: 'backward Relu1', mask: true, tensor: { shape: [3, 50], buffer: data.buffer, stats } } as never]);
      });
      await page.waitForSelector('section.inspect:not([hidden]) canvas');
      assert.equal(await page.textContent('section.inspect h2'), 'Debugger: maskbackward Relu1');
      assert.match((await page.getAttribute('section.inspect canvas', 'aria-label')) ?? '', /mask/);
      assert.equal(await overflowX(page), 0);
      await page.screenshot({ path: join(ARTIFACTS, `inspect-${width}.png`) });
      await page.click('section.inspect button:text-is("Close")');
      assert.equal(await page.isHidden('section.inspect'), true);
      assert.deepEqual(await posted(page), [{ type: 'ready' }]);
      await clean(page, watch);
    }
  });

  test('a debug session stopped in the run: the status says where, until the run goes on; a stop of another run changes nothing', async () => {
    const { page, watch } = await open('play=none');
    const status = () => page.textContent('.status');
    await page.evaluate(() => window.preview.send(window.preview.runs.network(1).slice(0, 3)));
    await page.waitForFunction(() => document.querySelector('.status')?.textContent === 'running…');
    await page.evaluate(() => window.preview.send([{ type: 'paused', runId: 1, at: 'forward Relu1\u0007' }, { type: 'paused', runId: 2, at: 'elsewhere' }, { type: 'paused', runId: 1 } as never]));
    await settle(page);
    // The name's control character is shown escaped, as the layer names are.
    assert.equal(await status(), 'paused at forward Relu1\\u0007');
    await page.evaluate(() => window.preview.send(window.preview.runs.network(1).slice(3, 4)));
    await settle(page);
    assert.equal(await status(), 'running…');
    await page.evaluate(() => window.preview.send([{ type: 'paused', runId: 1, at: 'backward Relu1 · dout' }]));
    await settle(page);
    assert.equal(await status(), 'paused at backward Relu1 · dout');
    await page.evaluate(() => window.preview.send([{ type: 'cancelled', runId: 1 }]));
    await settle(page);
    assert.equal(await status(), 'cancelled');
    await clean(page, watch);
  });

  test("the host's select follows the editor: selects the row and shows its heatmaps without posting back; bad indices are ignored", async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    assert.deepEqual(await selectedRows(page), ['true', 'false', 'false', 'false', 'false']);
    await page.evaluate(() => window.preview.send([{ type: 'select', index: 1 }]));
    await page.waitForFunction(() => document.querySelector('.detail h2 .layer-name')?.textContent === 'Relu1');
    assert.deepEqual(await selectedRows(page), ['false', 'true', 'false', 'false', 'false']);
    assert.deepEqual(await heatmapTitles(page), ['activation', 'mask (relu)', 'dout', 'dx', '|a − n| (dx)', 'relative error (dx)']);
    assert.deepEqual(await page.evaluate(() => window.preview.state), { selected: 1, zoom: 1, uri: NETWORK_URI });
    // Out of range, negative, fractional, or not a number: nothing changes.
    await page.evaluate(() => window.preview.send([5, -1, 1.5, '2'].map((index) => ({ type: 'select', index }) as never)));
    await settle(page);
    assert.deepEqual(await selectedRows(page), ['false', 'true', 'false', 'false', 'false']);
    // The loss row is the index after the last layer.
    await page.evaluate(() => window.preview.send([{ type: 'select', index: 4 }]));
    await page.waitForFunction(() => document.querySelector('.detail h2 .layer-name')?.textContent === 'SoftmaxWithLoss');
    assert.deepEqual(await heatmapTitles(page), ['prediction', 'targets', 'dx = (y − t)/N']);
    assert.deepEqual(await posted(page), [{ type: 'ready' }]);
    await clean(page, watch);
  });

  test('the loss row shows its prediction y, the targets t and dx = (y − t)/N, with the loss in its title', async () => {
    for (const width of [500, 1280]) {
      const { page, watch } = await open('theme=light&play=network', { width, height: 900 });
      await runDone(page);
      await page.locator('table.layers tbody tr', { hasText: 'SoftmaxWithLoss' }).click();
      await page.waitForFunction(() => document.querySelector('.detail h2 .layer-name')?.textContent === 'SoftmaxWithLoss');
      assert.deepEqual(await heatmapTitles(page), ['prediction', 'targets', 'dx = (y − t)/N']);
      assert.equal(await page.textContent('.detail h2 .loss'), `loss ${fmt(2.302585092994046)}`);
      // Row 0's class is 0: t is 1 there, and dx = (0.6 − 1)/4.
      assert.match(await hoverCell(page, card('targets'), 0, 0, 4, 5), /value 1$/);
      assert.ok((await hoverCell(page, card('dx = (y − t)/N'), 0, 0, 4, 5)).endsWith(`value ${fmtFull(-0.4 / 4)}`));
      await page.mouse.move(0, 0);
      await page.locator('.detail').screenshot({ path: join(ARTIFACTS, `loss-row-${width}.png`) });
      await clean(page, watch);
    }
  });

  test('an edit makes the run stale: the toolbar and a note say so, until the next run', async () => {
    for (const width of [500, 1280]) {
      const { page, watch } = await open('theme=dark&play=network', { width, height: 700 });
      await runDone(page);
      assert.equal(await page.isHidden('.stale-note'), true);
      assert.doesNotMatch((await page.textContent('.status')) ?? '', /stale/);
      await page.evaluate(() => window.preview.send([{ type: 'stale' }]));
      await page.waitForSelector('.stale-note:not([hidden])');
      assert.match((await page.textContent('.status')) ?? '', /^done.* in .* · stale$/);
      assert.match((await page.textContent('.stale-note')) ?? '', /changed since this run/);
      await page.screenshot({ path: join(ARTIFACTS, `stale-${width}.png`) });
      // The next run is of the spec as it is now.
      await page.evaluate(() => window.preview.send(window.preview.runs.network(2)));
      await runDone(page);
      assert.equal(await page.isHidden('.stale-note'), true);
      assert.doesNotMatch((await page.textContent('.status')) ?? '', /stale/);
      await clean(page, watch);
    }
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
      { cls: 'finding warning', layer: 'Relu1', kind: 'dead ReLU', message: '14% of units are dead for the whole batch', fix: FIX_TITLE },
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

  test('a fix in the findings is its own button that asks the host for it; Fix all when the fixes change more than one thing; both go once the host says nothing is left', async () => {
    const { page, watch } = await open('play=network', { width: 500, height: 900 });
    await runDone(page);
    const fix = page.locator('.findings-list li:nth-child(1) button.finding-fix');
    assert.equal(await fix.textContent(), FIX_TITLE);
    // Beside the item's select button, not inside it; one change only, so no Fix all.
    assert.equal(await page.locator('.finding-body .finding-fix, .finding-body button').count(), 0);
    assert.equal(await page.locator('.findings-fix-all').isHidden(), true);
    await fix.click();
    assert.deepEqual((await posted(page)).at(-1), { type: 'applyFix', index: 0 });
    assert.deepEqual(await selectedRows(page), ['true', 'false', 'false', 'false', 'false'], 'a fix does not select');
    // Asked once: a second click waits for the host (the button is inert but keeps the focus).
    assert.equal(await fix.getAttribute('aria-disabled'), 'true');
    await fix.click({ force: true });
    assert.equal((await posted(page)).filter((m) => m.type === 'applyFix').length, 1);

    const all = ['Use He init (suits ReLU stacks) in Affine1', `Use Xavier init (suits sigmoid/tanh) in ${HOSTILE_NAME}`];
    await page.evaluate((msg) => window.preview.send([msg as never]), { type: 'fixes', runId: 1, fixes: [all[0], all[1], null], all });
    await page.waitForSelector('.findings-fix-all:not([hidden])');
    assert.equal(await page.textContent('.findings-fix-all'), 'Fix all (2 changes)');
    assert.equal(await page.getAttribute('.findings-fix-all', 'title'), `Edits the spec:\n• ${all[0]}\n• ${all[1]}`);
    assert.deepEqual(await page.$$eval('.finding-fix', (bs) => bs.map((b) => b.textContent)), all);
    assert.equal(await overflowX(page), 0);
    await page.screenshot({ path: join(ARTIFACTS, 'findings-fixes-500.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, 'findings-fixes-1280.png') });
    await page.keyboard.press('Tab');
    await page.focus('.findings-fix-all');
    await page.keyboard.press('Enter');
    assert.deepEqual((await posted(page)).at(-1), { type: 'fixAll' });

    // A stale run's fixes are dropped; the host's answer after the edit leaves nothing to fix.
    await page.evaluate(() => window.preview.send([{ type: 'fixes', runId: 7, fixes: ['stale', null, null], all: null } as never]));
    await settle(page);
    assert.equal(await page.locator('.finding-fix').count(), 2);
    await page.evaluate(() => window.preview.send([{ type: 'fixes', runId: 1, fixes: [null, null, null], all: null } as never]));
    await page.waitForFunction(() => document.querySelectorAll('.finding-fix').length === 0);
    assert.equal(await page.locator('.findings-fix-all').isHidden(), true);
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

    // The failing check of the hostile layer's W: the cells of both its heatmaps point into W too.
    await page.click('table.layers tbody tr:nth-child(3)');
    const check = await cellPoint(page, card('|a − n| (W)'), 8, 3, 50, 5);
    await page.mouse.click(check.x, check.y);
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectCell', index: 2, param: 'W', row: 8, col: 3 });
    const rel = await cellPoint(page, card('relative error (W)'), 16, 3, 50, 5);
    await page.mouse.click(rel.x, rel.y);
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectCell', index: 2, param: 'W', row: 16, col: 3 });

    // dx is the layer's input, not in the spec: its check's cells reveal nothing.
    await page.click('table.layers tbody tr:nth-child(2)');
    const before = (await posted(page)).length;
    const dx = await cellPoint(page, card('|a − n| (dx)'), 2, 23, 4, 50);
    await page.mouse.click(dx.x, dx.y);
    assert.equal((await posted(page)).length, before);
    assert.equal(await page.locator(`${card('|a − n| (dx)')} .hm-hint`).count(), 0);
    await clean(page, watch);
  });

  test('gradient check: one summary line per checked tensor, parameters then dx, counting failures and non-differentiable points', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    const summaries = (): Promise<string[][]> =>
      page.$$eval('.check .check-summary', (hs) => hs.map((h) => [h.querySelector('.check-badge')?.textContent ?? '', h.querySelector('.check-line')?.textContent ?? '']));
    assert.equal(await page.textContent('.checks h2'), 'Gradient check');
    assert.deepEqual(await summaries(), [
      ['ok', 'W: 0 of 39,200 fail · 2 non-differentiable points · max rel 0.5'],
      ['ok', 'b: 0 of 50 fail · 0 non-differentiable points · max rel 9.74e-9'],
      ['ok', 'dx: 0 of 3,136 fail · 1 non-differentiable point · max rel 0.63'],
    ]);
    assert.match((await page.getAttribute('.check .check-kinks', 'title')) ?? '', /within h of a kink \(such as a ReLU input near 0\).*Not a failure\.$/);
    await page.click('table.layers tbody tr:nth-child(2)');
    assert.deepEqual(await summaries(), [['ok', 'dx: 0 of 200 fail · 3 non-differentiable points · max rel 1']]);
    await page.click('table.layers tbody tr:nth-child(3)');
    assert.deepEqual(await summaries(), [
      ['fail', 'W: 7 of 250 fail · 0 non-differentiable points · max rel 0.52'],
      ['ok', 'b: 0 of 5 fail · 0 non-differentiable points · max rel 2.35e-8'],
    ]);
    assert.equal(await page.locator('.check-fails.some').count(), 1);
    // Layers without checks have no check section.
    await page.click('table.layers tbody tr:nth-child(4)');
    assert.equal(await page.isHidden('.checks'), true);
    await clean(page, watch);
  });

  test('the relative-error heatmap is painted on a log scale', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(3)');
    const rel = new Float64Array(checkOf(2, 'W').relError.buffer);
    const positive = [...rel].filter((v) => v > 0);
    const lo = Math.min(...positive);
    const hi = Math.max(...positive);
    const canvas = `${card('relative error (W)')} canvas.hm-canvas`;
    const pixel = (row: number, col: number): Promise<number[]> =>
      page.$eval(
        canvas,
        (c, [r, k]) => {
          const cv = c as HTMLCanvasElement;
          const x = Math.floor(((k + 0.5) * cv.width) / 5);
          const y = Math.floor(((r + 0.5) * cv.height) / 50);
          return [...(cv.getContext('2d')?.getImageData(x, y, 1, 1).data ?? [])].slice(0, 3);
        },
        [row, col],
      );
    const inferno = lutOf('log', { background: [0, 0, 0], foreground: [255, 255, 255] });
    const expected = (v: number): number[] => {
      const i = Math.round(((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * 255);
      return [...inferno.slice(i * 3, i * 3 + 3)];
    };
    // A wrong element (relative error 0.52, the largest) at the top of the scale; a good one decades below.
    assert.deepEqual(await pixel(8, 3), expected(rel[8 * 5 + 3]));
    assert.deepEqual(await pixel(35, 0), expected(rel[35 * 5]));
    assert.notDeepEqual(await pixel(35, 0), await pixel(8, 3));
    assert.deepEqual(await page.$$eval(`${card('relative error (W)')} .legend-ends span`, (ss) => ss.map((x) => x.textContent)), [fmt(lo), 'log scale', fmt(hi)]);
    assert.match((await page.getAttribute(canvas, 'aria-label')) ?? '', /^relative error \(W\) of layer .*, 50×5 heatmap, logarithmic colour scale \(inferno\), zero at the low end, from /);
    // Relu1's dx check has exact zeros (masked units): they share the low end, and the legend says so.
    await page.click('table.layers tbody tr:nth-child(2)');
    assert.match((await page.textContent(`${card('relative error (dx)')} .legend-ends span:first-child`)) ?? '', /^≤\d/);
    await clean(page, watch);
  });

  test('worst elements: k rows, worst first, with index, a, n, |a − n|, relative error and status', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(2)');
    const relu = checkOf(1, 'dx');
    const rows = await worstRows(page, 'dx');
    assert.equal(rows.length, WORST_K);
    assert.deepEqual(
      rows.map((r) => r.cells[5]),
      ['non-differentiable point', 'non-differentiable point', 'non-differentiable point', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    );
    assert.deepEqual(rows.map((r) => r.cells[0]).slice(0, 3), ['[3, 41]', '[2, 23]', '[0, 9]']);
    rows.forEach((r, i) => {
      const w = relu.worst[i];
      const diff = Math.abs(w.analytic - w.numerical);
      assert.deepEqual(r.cells.slice(0, 5), [`[${w.index.join(', ')}]`, fmtGraph(w.analytic), fmtGraph(w.numerical), fmt(diff), fmt(diff === 0 ? 0 : diff / Math.max(Math.abs(w.analytic), Math.abs(w.numerical)))]);
    });
    // [3, 41]: backprop's masked 0 against half of dout from the central difference: relative error 1.
    assert.equal(rows[0].cells[4], '1');
    assert.equal(await page.getAttribute(`${worst('dx')} tbody tr:nth-child(2) td:nth-child(2)`, 'title'), fmtFull(relu.worst[1].analytic));
    assert.match((await page.getAttribute(`${worst('dx')} tbody tr:first-child .status-chip`, 'title')) ?? '', /within h of a kink/);
    assert.equal(await page.textContent(`${checkSection('dx')} .worst-card .hm-shape`), `${WORST_K} of 200`);
    assert.match((await page.textContent(`${checkSection('dx')} .worst-note`)) ?? '', /^Non-differentiable point: /);

    await page.click('table.layers tbody tr:nth-child(3)');
    assert.deepEqual((await worstRows(page, 'W')).map((r) => r.cells[5]), ['fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'ok', 'ok', 'ok']);
    assert.equal(await page.locator(`${checkSection('W')} .worst-note`).count(), 0);
    // A tensor smaller than k lists every element.
    assert.equal((await worstRows(page, 'b')).length, 5);
    assert.equal(await page.getAttribute(worst('W'), 'role'), 'grid');
    await clean(page, watch);
  });

  test('choosing a worst element puts the heatmaps’ cursor and the tooltip on it: click, Enter, arrows; pooled heatmaps name it in its block', async () => {
    const { page, watch } = await open('play=network');
    await runDone(page);
    await page.click('table.layers tbody tr:nth-child(3)');
    const error = new Float64Array(checkOf(2, 'W').error.buffer);
    assert.equal(await cursorCell(page, '|a − n| (W)', 50, 5), null);

    // Row 3 is W[0, 3].
    await page.click(`${worst('W')} tbody tr:nth-child(3)`);
    assert.deepEqual(await cursorCell(page, '|a − n| (W)', 50, 5), { row: 0, col: 3 });
    assert.deepEqual(await cursorCell(page, 'relative error (W)', 50, 5), { row: 0, col: 3 });
    assert.equal(await tooltip(page), `|a − n| (W) · ${HOSTILE_NAME}\nrow 0, col 3\nvalue ${String(error[3])}`);
    const onlyRow = (i: number): string[] => Array.from({ length: WORST_K }, (_, k) => String(k === i));
    assert.deepEqual((await worstRows(page, 'W')).map((r) => r.selected), onlyRow(2));
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectCell', index: 2, param: 'W', row: 0, col: 3 });

    // Arrows walk the rows, each choosing its element; End goes to the last.
    await page.keyboard.press('ArrowDown');
    assert.deepEqual(await cursorCell(page, '|a − n| (W)', 50, 5), { row: 40, col: 3 });
    assert.match((await tooltip(page)) ?? '', /\nrow 40, col 3\n/);
    await page.keyboard.press('End');
    assert.deepEqual(await cursorCell(page, '|a − n| (W)', 50, 5), { row: 32, col: 4 });
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectCell', index: 2, param: 'W', row: 32, col: 4 });
    // Zooming redraws the heatmaps; the chosen element keeps its cursor.
    await page.keyboard.press('+');
    assert.equal(await page.textContent('.zoom-level'), '200%');
    assert.deepEqual(await cursorCell(page, '|a − n| (W)', 50, 5), { row: 32, col: 4 });
    await page.keyboard.press('0');

    // Enter on a row of another check chooses there, and this one lets go. b is one row: its row 2, b[1], is col 1.
    await page.focus(`${worst('b')} tbody tr:nth-child(2)`);
    await page.keyboard.press('Enter');
    assert.equal(await cursorCell(page, '|a − n| (W)', 50, 5), null);
    assert.equal(await cursorCell(page, 'relative error (W)', 50, 5), null);
    assert.deepEqual((await worstRows(page, 'W')).map((r) => r.selected).filter((x) => x === 'true'), []);
    assert.deepEqual(await cursorCell(page, '|a − n| (b)', 1, 5), { row: 0, col: 1 });
    assert.match((await tooltip(page)) ?? '', /^\|a − n\| \(b\) · .*\nrow 0, col 1\n/);
    assert.deepEqual((await posted(page)).at(-1), { type: 'selectCell', index: 2, param: 'b', row: 0, col: 1 });
    // Leaving the table takes the tooltip away; the cursor stays on the chosen element.
    await page.click('.checks-intro');
    assert.equal(await tooltip(page), null);
    assert.deepEqual(await cursorCell(page, '|a − n| (b)', 1, 5), { row: 0, col: 1 });

    // Affine1's W is pooled 4 rows to a cell: its third worst element is shown in its block, and named
    // on a line of its own when another element of the block has the larger |a − n|.
    await page.click('table.layers tbody tr:nth-child(1)');
    const w1 = checkOf(0, 'W');
    const e1 = new Float64Array(w1.error.buffer);
    const [r, c] = w1.worst[2].index;
    const r0 = r - (r % 4);
    const extreme = [0, 1, 2, 3].map((k) => (r0 + k) * 50 + c).reduce((best, i) => (e1[i] > e1[best] ? i : best));
    await page.click(`${worst('W')} tbody tr:nth-child(3)`);
    assert.deepEqual(await cursorCell(page, '|a − n| (W)', 196, 50), { row: r0 / 4, col: c });
    assert.deepEqual(await cursorCell(page, 'relative error (W)', 196, 50), { row: r0 / 4, col: c });
    const lines = ['|a − n| (W) · Affine1', `rows ${r0}–${r0 + 3}, cols ${c} (block of 4)`, `max-|·| value ${String(e1[extreme])} at row ${Math.floor(extreme / 50)}, col ${c}`];
    if (extreme !== r * 50 + c) lines.push(`selected row ${r}, col ${c}: value ${String(e1[r * 50 + c])}`);
    assert.equal(await tooltip(page), lines.join('\n'));

    // At 25% Affine1's dx (4×784) is pooled 14 columns to a cell; its last worst element, dx[1, 621],
    // shares the block of columns 616–629 with dx[1, 618], which misses by more: the tooltip names both.
    await page.click('button[aria-label="Zoom out"]');
    await page.click('button[aria-label="Zoom out"]');
    assert.equal(await page.textContent('.zoom-level'), '25%');
    const dx1 = checkOf(0, 'dx');
    const d1 = new Float64Array(dx1.error.buffer);
    assert.deepEqual(dx1.worst[WORST_K - 1].index, [1, 621]);
    const block = Array.from({ length: 14 }, (_, k) => 784 + 616 + k);
    const top = block.reduce((best, i) => (d1[i] > d1[best] ? i : best));
    assert.notEqual(top, 784 + 621);
    await page.click(`${worst('dx')} tbody tr:nth-child(${WORST_K})`);
    assert.deepEqual(await cursorCell(page, '|a − n| (dx)', 4, 56), { row: 1, col: 44 });
    assert.equal(
      await tooltip(page),
      ['|a − n| (dx) · Affine1', 'rows 1, cols 616–629 (block of 14)', `max-|·| value ${String(d1[top])} at row 1, col ${top - 784}`, `selected row 1, col 621: value ${String(d1[784 + 621])}`].join('\n'),
    );
    await page.click('.zoom-level');

    // dx: the cursor moves, and nothing is posted, since dx has no line in the spec.
    await page.click('table.layers tbody tr:nth-child(2)');
    const count = (await posted(page)).length;
    await page.click(`${worst('dx')} tbody tr:nth-child(2)`);
    assert.deepEqual(await cursorCell(page, '|a − n| (dx)', 4, 50), { row: 2, col: 23 });
    assert.equal(await tooltip(page), `|a − n| (dx) · Relu1\nrow 2, col 23\nvalue ${String(new Float64Array(checkOf(1, 'dx').error.buffer)[2 * 50 + 23])}`);
    assert.equal((await posted(page)).length, count);

    // Another check event of the layer redraws its section: the element stays chosen, quietly, and its row keeps focus.
    await page.evaluate(() => window.preview.send(window.preview.runs.network(1).filter((m) => m.type === 'event' && m.event.kind === 'check' && m.event.index === 1)));
    await settle(page);
    assert.deepEqual((await worstRows(page, 'dx')).map((row) => row.selected), onlyRow(1));
    assert.deepEqual(await cursorCell(page, '|a − n| (dx)', 4, 50), { row: 2, col: 23 });
    assert.deepEqual(await cursorCell(page, 'relative error (dx)', 4, 50), { row: 2, col: 23 });
    assert.equal(await page.evaluate(() => document.activeElement?.closest('table.worst tbody tr')?.getAttribute('aria-rowindex')), '3');
    assert.equal(await tooltip(page), null);
    assert.equal((await posted(page)).length, count);
    await clean(page, watch);
  });

  for (const theme of ['dark', 'light'] as const) {
    test(`gradient check screenshot in the ${theme} theme, with a worst element chosen`, async () => {
      const { page, watch } = await open(`theme=${theme}&play=network`, { width: 1280, height: 1250 });
      await runDone(page);
      await page.click('table.layers tbody tr:nth-child(2)');
      await page.click(`${worst('dx')} tbody tr:nth-child(2)`);
      assert.notEqual(await tooltip(page), null);
      await page.screenshot({ path: join(ARTIFACTS, `check-${theme}.png`) });
      await page.click('table.layers tbody tr:nth-child(3)');
      await page.click(`${worst('W')} tbody tr:nth-child(1)`);
      await page.screenshot({ path: join(ARTIFACTS, `check-fail-${theme}.png`), fullPage: true });
      await clean(page, watch);
    });
  }

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
