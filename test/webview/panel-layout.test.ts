// The run panel's layout at a narrow (500 px) and a wide (1,280 px) width in the three themes: the
// gradient check summary comes first, the layer table and the graph fit the panel, and the graph
// zooms and pans. Screenshots go to test/webview/artifacts/panel-layout-*.png.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { fmt, fmtCount } from '../../src/format';
import { ARTIFACTS, clean, open as openPage, overflowX, runDone, settle, useBrowser, type Watch } from './browser';
import { networkEvents } from './fixtures';

useBrowser();

const THEMES = ['light', 'dark', 'hc'] as const;
const WIDTHS = [500, 1280] as const;

function open(query: string, width: number): Promise<{ page: Page; watch: Watch }> {
  return openPage('preview.html', query, { width, height: 900 });
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The bounding box of the element at `selector`. */
async function box(page: Page, selector: string): Promise<Box> {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  });
}

/** The viewBox of the graph: x, y, width, height. */
async function viewBox(page: Page): Promise<number[]> {
  return ((await page.getAttribute('svg.graph', 'viewBox')) ?? '').split(' ').map(Number);
}

/** The drawing's own size (its width and height attributes). */
async function graphSize(page: Page): Promise<{ w: number; h: number }> {
  return page.$eval('svg.graph', (svg) => ({ w: Number(svg.getAttribute('width')), h: Number(svg.getAttribute('height')) }));
}

describe('run panel layout', () => {
  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      test(`${theme}, ${width} px: the gradient check summary comes first, with its figures per tensor`, async () => {
        const { page, watch } = await open(`theme=${theme}&play=network`, width);
        await runDone(page);
        assert.equal(await overflowX(page), 0);

        // The summary sits above the table and the heatmaps, whole on the first screen.
        const summary = await box(page, '.check-overview');
        assert.ok(summary.bottom < (await box(page, 'table.layers')).top);
        assert.ok(summary.bottom < (await box(page, '.detail > .heatmaps')).top);
        assert.ok(summary.bottom < 900, `the check summary ends at ${summary.bottom} px`);
        assert.equal((await page.innerText('.check-overview h2')).replace(/\s+/g, ' '), 'Gradient check fail 1 of 6 tensors fail');
        const expected = networkEvents().flatMap((e) => (e.kind === 'check' ? [e] : []));
        const names = ['Affine1', 'Relu1', '<img src=x onerror=alert(1)>'];
        const rows = await page.$$eval('.check-overview tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
        // Per layer its parameters in order, then dx, as the detail lists them.
        const order = (p: string): number => ['W', 'b', 'dx'].indexOf(p);
        const sorted = [...expected].sort((a, b) => a.index - b.index || order(a.param) - order(b.param));
        assert.deepEqual(
          rows,
          sorted.map((c) => [`${names[c.index]} ${c.param}`, `${fmtCount(c.result.failures)} of ${fmtCount(c.result.error.stats.count)}`, fmt(c.result.meanAbsDiff), fmt(c.result.maxRelError)]),
        );
        assert.deepEqual(rows.find((r) => r[0] === `${names[2]} W`)?.[1], '7 of 250');

        await clean(page, watch);
      });

      test(`${theme}, ${width} px: the worst elements of a check show every column, Status too, without a sideways scroll`, async () => {
        const { page, watch } = await open(`theme=${theme}&play=network`, width);
        await runDone(page);
        await page.waitForSelector('table.worst');
        const fits = await page.$$eval('.worst-card', (cards) =>
          cards.map((card) => {
            const scroll = card.querySelector('.table-scroll')!;
            const status = card.querySelector('table.worst th:last-child')!.getBoundingClientRect();
            return { hidden: scroll.scrollWidth - scroll.clientWidth, statusRight: status.right, cardRight: card.getBoundingClientRect().right };
          }),
        );
        assert.ok(fits.length > 0);
        for (const f of fits) {
          assert.ok(f.hidden <= 1, `${f.hidden} px of the worst elements hide behind a scroll`);
          assert.ok(f.statusRight <= Math.min(f.cardRight, width), `Status ends at ${f.statusRight} px, the card at ${f.cardRight} px`);
        }
        await page.locator('.worst-card').first().screenshot({ path: join(ARTIFACTS, `panel-layout-worst-${theme}-${width}.png`) });
        await clean(page, watch);
      });

      test(`${theme}, ${width} px: the layer table fits, Check and the other diagnostics first`, async () => {
        const { page, watch } = await open(`theme=${theme}&play=network`, width);
        await runDone(page);
        assert.equal(await overflowX(page), 0);

        // The table never scrolls sideways; every cell shown lies inside it; Check, NaN/Inf and ‖grad‖ are columns.
        const scroll = await page.$eval('.table-scroll:has(table.layers)', (el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
        assert.ok(scroll.scroll <= scroll.client, `table ${scroll.scroll} px in ${scroll.client} px`);
        const frame = await box(page, '.table-scroll:has(table.layers)');
        const cells = await page.$$eval('table.layers :is(th, td)', (els) =>
          els.filter((el) => (el as HTMLElement).offsetWidth > 0).map((el) => ({ text: el.textContent, right: el.getBoundingClientRect().right })),
        );
        for (const c of cells) assert.ok(c.right <= frame.right + 0.5, `${c.text} ends at ${c.right}, the table at ${frame.right}`);
        const headers = await page.$$eval('table.layers th', (ths) => ths.filter((th) => (th as HTMLElement).offsetWidth > 0).map((th) => th.textContent ?? ''));
        const first = width === 500 ? ['#', 'Layer', 'Check', 'NaN/Inf', '‖grad‖'] : ['#', 'Layer', 'Type', 'In → out', 'Params', 'Check', 'NaN/Inf', '‖grad‖', '‖dW‖/‖W‖'];
        assert.deepEqual(headers.slice(0, first.length), first);
        assert.equal(await page.isVisible('table.layers tbody tr:nth-child(3) td.col-check'), true);

        // What does not fit as a column is under the layer's name, never lost.
        const a1 = networkEvents().find((e) => e.kind === 'forward' && e.index === 0);
        assert.ok(a1?.kind === 'forward');
        const mean = `mean ${fmt(a1.activation.stats.mean)}`;
        const fold = (await page.innerText('table.layers tbody tr:nth-child(1) td.col-name .fold')).replace(/\s+/g, ' ').trim();
        if (width === 500) {
          for (const h of ['Type', 'Mean', 'Masked/dead', '‖dW‖/‖W‖']) assert.ok(!headers.includes(h), `${h} folds`);
          assert.match(fold, /^affine 4×784 → 4×50 39,250 params ‖dW‖\/‖W‖ \S+ mean \S+ std \S+ min \S+ max \S+$/);
          assert.ok(fold.includes(mean));
          assert.match(await page.innerText('table.layers tbody tr.loss td.col-name .fold'), /loss = 2\.3/);
        } else {
          for (const h of ['Type', 'In → out', 'Params', 'Mean', 'Std', 'Min', 'Max', 'Masked/dead', '‖dW‖/‖W‖']) assert.ok(headers.includes(h), `${h} is a column`);
          assert.equal(fold, '');
        }
        await page.screenshot({ path: join(ARTIFACTS, `panel-layout-table-${theme}-${width}.png`), fullPage: false });
        await clean(page, watch);
      });

      test(`${theme}, ${width} px: the shop graph fits the panel's width`, async () => {
        const { page, watch } = await open(`theme=${theme}&play=shop`, width);
        await runDone(page);
        assert.equal(await overflowX(page), 0);
        const stage = await box(page, '.graph-stage');
        const svg = await box(page, 'svg.graph');
        assert.ok(stage.right <= width, `the graph's box ends at ${stage.right}`);
        assert.ok(svg.right <= stage.right + 0.5 && svg.left >= stage.left - 0.5, `svg ${svg.left}–${svg.right} in ${stage.left}–${stage.right}`);
        // At first the whole graph is shown, fitted, and the Fit button says so.
        const { w, h } = await graphSize(page);
        assert.deepEqual(await viewBox(page), [0, 0, w, h]);
        assert.equal(await page.getAttribute('.graph-zoom button[aria-label="Fit to width"]', 'aria-pressed'), 'true');
        // Every label is drawn inside the box: tax, price, 715 and 650 included.
        const texts = await page.$$eval('svg.graph text', (ts) => ts.map((t) => ({ text: t.textContent ?? '', ...JSON.parse(JSON.stringify(t.getBoundingClientRect())) })));
        for (const t of texts) assert.ok(t.left >= svg.left - 0.5 && t.right <= svg.right + 0.5 && t.right <= width, `"${t.text}" at ${t.left}–${t.right}`);
        for (const label of ['tax', 'price', '715', '650']) assert.ok(texts.some((t) => t.text === label), label);
        await page.screenshot({ path: join(ARTIFACTS, `panel-layout-shop-${theme}-${width}.png`), fullPage: false });
        await clean(page, watch);
      });
    }
  }

  for (const width of WIDTHS) {
    test(`${width} px: long node names clear the edge labels`, async () => {
      const { page, watch } = await open('theme=light&play=shopLong', width);
      await runDone(page);
      assert.equal(await overflowX(page), 0);
      const rects = (selector: string): Promise<(Box & { text: string })[]> =>
        page.$$eval(selector, (ts) => ts.map((t) => ({ text: t.textContent ?? '', ...(JSON.parse(JSON.stringify(t.getBoundingClientRect())) as Box) })));
      const names = await rects('svg.graph :is(text.graph-name, text.graph-node-name)');
      const labels = await rects('svg.graph :is(text.graph-value, text.graph-grad)');
      assert.equal(names.length, 10);
      for (const n of names) {
        for (const l of labels) {
          const apart = n.right <= l.left || l.right <= n.left || n.bottom <= l.top || l.bottom <= n.top;
          assert.ok(apart, `"${n.text}" overlaps "${l.text}"`);
        }
      }
      const svg = await box(page, 'svg.graph');
      for (const t of [...names, ...labels]) assert.ok(t.left >= svg.left - 0.5 && t.right <= svg.right + 0.5, `"${t.text}" is outside the drawing`);
      // A name too long for the drawing is cut there, and whole in its hover and in the exact values.
      assert.ok(names.some((n) => n.text === 'price_to_pay_including_…'));
      assert.match((await page.textContent('svg.graph .graph-op:has(text.graph-node-name:text-is("price_to_pay_including_…")) title')) ?? '', /^price_to_pay_including_consumption_tax = /);
      assert.match((await page.textContent('.graph-values')) ?? '', /price_to_pay_including_consumption_tax/);
      await page.screenshot({ path: join(ARTIFACTS, `panel-layout-shop-long-${width}.png`), fullPage: false });
      await clean(page, watch);
    });
  }

  test('the graph zooms and pans with buttons, keys, Ctrl+wheel and a drag, and Fit shows it whole again', async () => {
    const { page, watch } = await open('theme=dark&play=shop', 500);
    await runDone(page);
    const { w, h } = await graphSize(page);
    const near = (actual: number[], expected: number[]): void => {
      assert.equal(actual.length, 4);
      actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 0.01, `viewBox ${actual.join(' ')}, expected ${expected.join(' ')}`));
    };
    near(await viewBox(page), [0, 0, w, h]);

    // The + button zooms in at the centre.
    await page.click('.graph-zoom button[aria-label="Zoom in"]');
    near(await viewBox(page), [(w - w / 1.25) / 2, (h - h / 1.25) / 2, w / 1.25, h / 1.25]);
    assert.equal(await page.getAttribute('.graph-zoom button[aria-label="Fit to width"]', 'aria-pressed'), 'false');

    // Keys, with focus on the graph: + zooms, arrows pan, 0 fits.
    await page.focus('.graph-stage');
    await page.keyboard.press('+');
    let [x, y, vw, vh] = await viewBox(page);
    assert.ok(Math.abs(vw - w / 1.5625) < 0.01 && Math.abs(vh - h / 1.5625) < 0.01);
    await page.keyboard.press('ArrowRight');
    const right = await viewBox(page);
    assert.ok(Math.abs(right[0] - (x + vw * 0.1)) < 0.01 && right[1] === y, `ArrowRight: ${right.join(' ')}`);
    await page.keyboard.press('ArrowUp');
    assert.ok(Math.abs((await viewBox(page))[1] - (y - vh * 0.1)) < 0.01);
    await page.keyboard.press('0');
    near(await viewBox(page), [0, 0, w, h]);
    assert.equal(await page.getAttribute('.graph-zoom button[aria-label="Fit to width"]', 'aria-pressed'), 'true');

    // A plain wheel scrolls the page and leaves the graph alone; Ctrl+wheel zooms, keeping the point under the pointer.
    const svg = await box(page, 'svg.graph');
    const at = { x: Math.round(svg.left + (svg.right - svg.left) * 0.7), y: Math.round(svg.top + (svg.bottom - svg.top) * 0.4) };
    await page.mouse.move(at.x, at.y);
    await page.mouse.wheel(0, -100);
    await settle(page);
    near(await viewBox(page), [0, 0, w, h]);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -100);
    await page.keyboard.up('Control');
    await settle(page);
    [x, y, vw, vh] = await viewBox(page);
    assert.ok(Math.abs(vw - w / 1.25) < 0.01, `Ctrl+wheel zoomed to ${vw}`);
    const now = await box(page, 'svg.graph');
    const fx = (at.x - now.left) / (now.right - now.left);
    const fy = (at.y - now.top) / (now.bottom - now.top);
    // The graph point under the pointer, before (at the fit) and after.
    assert.ok(Math.abs(x + fx * vw - fx * w) < 0.5 && Math.abs(y + fy * vh - fy * h) < 0.5, `point under the pointer moved: ${x + fx * vw} vs ${fx * w}`);

    // A drag to the right moves the view left, by the drag's length in graph units.
    const before = await viewBox(page);
    const unitsPerPx = before[2] / (now.right - now.left);
    await page.mouse.move(at.x, at.y);
    await page.mouse.down();
    await page.mouse.move(at.x + 60, at.y, { steps: 4 });
    await page.mouse.up();
    const dragged = await viewBox(page);
    assert.ok(Math.abs(dragged[0] - (before[0] - 60 * unitsPerPx)) < 0.5, `drag: ${before.join(' ')} → ${dragged.join(' ')}`);

    // Zoom out stops at the fit; Fit resets from any zoom.
    await page.click('.graph-zoom button[aria-label="Zoom in"]');
    await page.click('.graph-zoom button[aria-label="Fit to width"]');
    near(await viewBox(page), [0, 0, w, h]);
    await page.click('.graph-zoom button[aria-label="Zoom out"]');
    near(await viewBox(page), [0, 0, w, h]);
    await clean(page, watch);
  });
});
