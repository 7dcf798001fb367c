// A graph spec's run against its baseline, at 500 and 1,280 px in the three themes: the shop with an
// apple at 110 against its baseline at 100 shows each moved figure's Δ (current − baseline) beside it
// in the drawing, in its hover and in the table of exact values, and the summary of the largest |Δ|
// per tensor above the drawing; the unchanged shop shows every Δ as 0. Screenshots go to
// test/webview/artifacts/baseline-graph-*.png.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { fmt, fmtFull } from '../../src/format';
import { fmtDelta } from '../../webview/panel/baseline';
import { ARTIFACTS, clean, openRun, overflowX, settle, useBrowser } from './browser';
import { shopNodes } from './fixtures';

useBrowser();

const THEMES = ['light', 'dark', 'hc'] as const;
const WIDTHS = [500, 1280] as const;

/** Each node's Δ value and Δ grad of the shop at `apple` against the shop at 100, as float64 subtracts them. */
function expectedDeltas(apple: number): Map<string, { value: number; grad: number }> {
  const base = new Map(shopNodes(100).map((n) => [n.name, n]));
  return new Map(shopNodes(apple).map((n) => [n.name, { value: n.value - base.get(n.name)!.value, grad: n.grad - base.get(n.name)!.grad }]));
}

/** The exact values table's rows: the cells' text, by node name. */
async function valueRows(page: Page): Promise<Map<string, string[]>> {
  await page.click('.graph-values summary');
  const rows = await page.$$eval('.graph-values tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  return new Map(rows.map((r) => [r[0], r]));
}

describe('graph run against a baseline', () => {
  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      test(`${theme}, ${width} px: the apple at 110 against 100 shows each moved figure's Δ and the summary, with no sideways scroll`, async () => {
        const { page, watch } = await openRun('shopBaseline', theme, width);
        assert.equal(await overflowX(page), 0);
        const expected = expectedDeltas(110);
        // The figures the book's chain rule moves: apple +10, apple_price and all_price +20, price ≈ +22; ∂price/∂apple_num (apple × tax) and ∂price/∂tax (all_price).
        assert.equal(expected.get('apple')!.value, 10);
        assert.equal(expected.get('apple_price')!.value, 20);
        assert.equal(expected.get('all_price')!.value, 20);
        assert.equal(expected.get('tax')!.grad, 20);
        assert.ok(Math.abs(expected.get('price')!.value - 22) < 1e-12);
        assert.ok(Math.abs(expected.get('apple_num')!.grad - 11) < 1e-12);
        const moved = [...expected].flatMap(([name, d]) => [...(d.value !== 0 ? [`${name}/value`] : []), ...(d.grad !== 0 ? [`${name}/grad`] : [])]);
        assert.deepEqual(moved, ['apple/value', 'apple_num/grad', 'tax/grad', 'apple_price/value', 'all_price/value', 'price/value']);

        // The summary sits above the drawing.
        assert.equal(await page.innerText('.graph-section .baseline-summary h2'), 'Compared with the baseline apple at 100');
        const below = await page.$eval('.graph-section .baseline-summary', (el) => el.getBoundingClientRect().bottom);
        assert.ok(below <= (await page.$eval('svg.graph', (el) => el.getBoundingClientRect().top)));
        const price = expected.get('price')!.value;
        assert.equal(await page.innerText('.baseline-headline'), `6 of 18 tensors differ; the largest |Δ| is ${fmt(price)}, in price/value at the value.`);
        const rows = await page.$$eval('table.diff-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].filter((td) => td.offsetWidth > 0).map((td) => td.textContent)));
        assert.equal(rows.length, 18);
        for (const r of rows) {
          const [node, what] = (r[0] ?? '').split('/');
          const d = expected.get(node)![what as 'value' | 'grad'];
          assert.equal(r[1], fmt(Math.abs(d)), r.join(' '));
          assert.equal(r[2], d === 0 ? '–' : 'the value', r.join(' '));
        }
        assert.deepEqual(await page.$$eval('.diff-notes li', (lis) => lis.length), 0);

        // In the drawing: the Δ of each moved figure beside it, the value's above, the gradient's below.
        const labels = await page.$$eval('svg.graph .graph-delta', (els) => els.map((e) => `${e.classList.contains('graph-grad') ? 'grad' : 'value'} ${e.textContent}`));
        assert.deepEqual(labels.sort(), [
          `grad Δ ${fmtDelta(expected.get('apple_num')!.grad)}`,
          `grad Δ ${fmtDelta(20)}`,
          `value Δ ${fmtDelta(10)}`,
          `value Δ ${fmtDelta(20)}`,
          `value Δ ${fmtDelta(20)}`,
          `value Δ ${fmtDelta(price)}`,
        ].sort());
        // No Δ label overlaps another label of the drawing (boxes may touch, by a pixel of rounding).
        const overlaps = await page.$$eval('svg.graph text', (els) => {
          const boxes = els.map((e) => ({ text: e.textContent, delta: e.classList.contains('graph-delta'), r: e.getBoundingClientRect() }));
          return boxes.flatMap((a, i) => boxes.slice(i + 1).filter((b) => (a.delta || b.delta) && a.r.left < b.r.right - 1 && b.r.left < a.r.right - 1 && a.r.top < b.r.bottom - 1 && b.r.top < a.r.bottom - 1).map((b) => `${a.text} / ${b.text} ${Math.round(a.r.top)}-${Math.round(a.r.bottom)} ${Math.round(b.r.top)}-${Math.round(b.r.bottom)}`));
        });
        assert.deepEqual(overlaps, []);
        // The edge's hover gives each figure's Δ with the baseline's figure.
        const title = await page.$eval('svg.graph .graph-edge:has(.graph-delta) title', (el) => el.textContent ?? '');
        assert.equal(title, `apple = 110\n∂price/∂apple = ${fmtFull(2.2)}\nvalue: Δ +10 (baseline 100)\n∂price/∂apple: Δ 0 (baseline ${fmtFull(2.2)})`);
        await page.locator('.graph-section').screenshot({ path: join(ARTIFACTS, `baseline-graph-${theme}-${width}.png`) });

        // The table of exact values: Δ value and Δ grad of every node.
        const table = await valueRows(page);
        const headers = await page.$$eval('.graph-values th', (ths) => ths.map((th) => th.textContent));
        assert.deepEqual(headers, ['Node', 'Op', 'Inputs', 'Value', 'Δ value', '∂price/∂node', 'Δ grad']);
        for (const [name, d] of expected) {
          const r = table.get(name)!;
          assert.deepEqual([r[4], r[6]], [fmtDelta(d.value), fmtDelta(d.grad)], name);
        }
        // Neither the page nor the table scrolls sideways: inputs and headers wrap, figures do not.
        assert.equal(await overflowX(page), 0);
        await page.locator('.graph-values').screenshot({ path: join(ARTIFACTS, `baseline-graph-values-${theme}-${width}.png`) });
        assert.equal(await page.$eval('.graph-values-scroll', (e) => e.scrollWidth - e.clientWidth), 0);
        await clean(page, watch);
      });

      test(`${theme}, ${width} px: the unchanged shop shows every Δ as 0`, async () => {
        const { page, watch } = await openRun('shopBaselineSame', theme, width);
        assert.equal(await overflowX(page), 0);
        assert.equal(await page.innerText('.baseline-headline'), 'All 18 tensors compared equal the baseline: every Δ is 0.');
        const maxima = await page.$$eval('table.diff-table tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
        assert.equal(maxima.length, 18);
        assert.ok(maxima.every((m) => m === '0'), maxima.join(' '));
        assert.equal(await page.$$eval('svg.graph .graph-delta', (els) => els.length), 0);
        const table = await valueRows(page);
        assert.equal(table.size, 9);
        for (const [name, r] of table) assert.deepEqual([r[4], r[6]], ['0', '0'], name);
        assert.equal(await overflowX(page), 0);
        await page.locator('.graph-section').screenshot({ path: join(ARTIFACTS, `baseline-graph-same-${theme}-${width}.png`) });
        await clean(page, watch);
      });
    }
  }

  test('without a baseline the graph has no Δ; a null baseline clears it', async () => {
    const { page, watch } = await openRun('shopBaseline', 'dark', 1280);
    assert.equal(await page.isVisible('.baseline-summary'), true);
    await page.evaluate(() => window.preview.send([{ type: 'baseline', baseline: null }]));
    await settle(page);
    assert.equal(await page.isVisible('.baseline-summary'), false);
    assert.equal(await page.$$eval('svg.graph .graph-delta', (els) => els.length), 0);
    assert.deepEqual(await page.$$eval('.graph-values th', (ths) => ths.map((th) => th.textContent)), ['Node', 'Op', 'Inputs', 'Value', '∂price/∂node']);
    await clean(page, watch);
  });
});
