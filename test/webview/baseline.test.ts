// The run panel against a baseline, at 500 and 1,280 px in the three themes: the Δ columns (folded
// under the name in a narrow panel), the summary of the largest |Δ| per tensor with what cannot be
// compared, a diff heatmap beside each heatmap with both values in its hover, and an unchanged run
// that shows every Δ as 0. Screenshots go to test/webview/artifacts/baseline-*.png.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { fmt } from '../../src/format';
import { fmtDelta, incomparableText } from '../../webview/panel/baseline';
import { ARTIFACTS, cellPoint, clean, openRun, overflowX, settle, useBrowser } from './browser';
import { BASELINE_DW_DELTA, CONV_BASELINE_DELTA, CONV_N, CONV_SENT, HOSTILE_NAME, LOSS_DELTA } from './fixtures';

useBrowser();

const THEMES = ['light', 'dark', 'hc'] as const;
const WIDTHS = [500, 1280] as const;

const card = (title: string): string => `.hm-card:has(.hm-title:text-is("${title}"))`;

/** The visible text of row `i`'s Δ cells, or of its folded Δ line. */
async function deltaTexts(page: Page, row: number): Promise<{ columns: string[]; fold: string }> {
  return page.$eval(`table.layers tbody tr:nth-child(${row + 1})`, (tr) => ({
    columns: [...tr.querySelectorAll('td.fold-delta')].filter((td) => (td as HTMLElement).offsetWidth > 0).map((td) => td.textContent ?? ''),
    fold: [...tr.querySelectorAll('.fold-group.fold-delta')].filter((g) => (g as HTMLElement).offsetWidth > 0).map((g) => (g.textContent ?? '').trim().replace(/\s+/g, ' ')).join(' '),
  }));
}

test('a big batch of images sent as its first samples is diffed over those: the Δ heatmap and the summary say so', async () => {
  const { page, watch } = await openRun('convBaseline', 'dark', 1280);
  await page.waitForSelector('.baseline-summary .diff-table');
  const title = `Δ activation of the first ${CONV_SENT} of ${CONV_N} samples`;
  await page.waitForSelector(card(title));
  assert.match((await page.textContent(`${card(title)} .grid-page`)) ?? '', new RegExp(`^samples 0–\\d+ of ${CONV_SENT}$`));
  const row = await page.$eval('.diff-table tbody tr', (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
  assert.deepEqual(row.slice(0, 3), ['Conv1/out', fmt(CONV_BASELINE_DELTA), '[2, 0, 0, 7]']);
  const notes = await page.$$eval('.diff-notes li', (lis) => lis.map((li) => li.textContent));
  assert.ok(notes.includes(`Conv1/out: compared over its first ${CONV_SENT} of ${CONV_N} samples, the ones both runs sent`), notes.join('\n'));
  assert.equal(await overflowX(page), 0);
  await page.locator(card(title)).screenshot({ path: join(ARTIFACTS, 'baseline-first-samples.png') });
  await clean(page, watch);
});

test("what cannot be compared names a network's layer, and a graph's node", () => {
  const added = { layer: 'tax', name: null, reason: 'added', detail: '2 tensors', tensors: 2 } as const;
  assert.equal(incomparableText(added), 'layer tax: not in the baseline (2 tensors)');
  assert.equal(incomparableText(added, true), 'node tax: not in the baseline (2 tensors)');
});

describe('run panel against a baseline', () => {
  for (const theme of THEMES) {
    for (const width of WIDTHS) {
      test(`${theme}, ${width} px: Δ columns, the largest |Δ| per tensor and what cannot be compared, with no sideways scroll`, async () => {
        const { page, watch } = await openRun('baseline', theme, width);
        assert.equal(await overflowX(page), 0);
        const table = await page.$eval('.table-scroll:has(table.layers)', (el) => el.scrollWidth - el.clientWidth);
        assert.ok(table <= 0, `the layer table scrolls by ${table} px`);

        // Each Δ cell's hover gives this run's figure, the baseline's and their difference, which the cell shows.
        const figures = async (row: number, col: string) => {
          const title = (await page.getAttribute(`table.layers tbody tr:nth-child(${row + 1}) td.col-${col}`, 'title')) ?? '';
          const m = /: this run (\S+), baseline (\S+), Δ (\S+)$/.exec(title);
          assert.ok(m, `${row} ${col}: ${title}`);
          const [now, base, delta] = m.slice(1).map(Number);
          assert.equal(delta, now - base, title);
          return fmtDelta(delta);
        };
        const dWDelta = await figures(0, 'ddw');
        assert.notEqual(dWDelta, '0');
        const reluMean = await figures(1, 'dmean');
        const reluStd = await figures(1, 'dstd');
        assert.ok(reluMean !== '0' && reluStd !== '0');
        assert.equal(await figures(0, 'dmean'), '0');
        const headers = await page.$$eval('table.layers th', (ths) => ths.filter((th) => (th as HTMLElement).offsetWidth > 0).map((th) => th.textContent ?? ''));
        const affine = await deltaTexts(page, 0);
        const reluRow = await deltaTexts(page, 1);
        const lossRow = await deltaTexts(page, 4);
        if (width === 1280) {
          assert.deepEqual(headers, ['#', 'Layer', 'Check', 'NaN/Inf', '‖grad‖', '‖dW‖/‖W‖', 'Mean', 'Std', 'Min', 'Max', 'Masked/dead', 'Δ‖dW‖', 'Δ‖dx‖', 'Δmean', 'Δstd']);
          assert.deepEqual(affine.columns, [dWDelta, '0', '0', '0']);
          assert.deepEqual(reluRow.columns, ['–', '0', reluMean, reluStd]);
          assert.deepEqual(lossRow.columns, ['–', '0', `Δloss ${fmtDelta(LOSS_DELTA)}`]);
          assert.equal(affine.fold, '');
        } else {
          assert.ok(!headers.some((t) => t.startsWith('Δ')), `Δ headers at 500 px: ${headers.join(' ')}`);
          assert.deepEqual(affine.columns, []);
          assert.equal(affine.fold, `Δ‖dW‖ ${dWDelta} Δ‖dx‖ 0 Δmean 0 Δstd 0`);
          assert.equal(reluRow.fold, `Δ‖dx‖ 0 Δmean ${reluMean} Δstd ${reluStd}`);
          assert.equal(lossRow.fold, `Δ‖dx‖ 0 Δloss ${fmtDelta(LOSS_DELTA)}`);
        }

        // The summary sits above the table: the largest |Δ| overall, then per tensor with its element.
        const summary = await page.$eval('.baseline-summary', (el) => el.getBoundingClientRect().bottom);
        assert.ok(summary <= (await page.$eval('table.layers', (el) => el.getBoundingClientRect().top)));
        assert.equal(await page.innerText('.baseline-summary h2'), 'Compared with the baseline run of 12:03:41');
        assert.equal(await page.innerText('.baseline-headline'), `3 of 20 tensors differ; the largest |Δ| is ${fmt(BASELINE_DW_DELTA)}, in Affine1/dW at [3, 1].`);
        const rows = await page.$$eval('table.diff-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].filter((td) => td.offsetWidth > 0).map((td) => td.textContent)));
        const dWRow = rows.find((r) => r[0] === 'Affine1/dW');
        assert.deepEqual(dWRow?.slice(0, 3), ['Affine1/dW', fmt(BASELINE_DW_DELTA), '[3, 1]']);
        assert.equal(dWRow.length, width === 1280 ? 4 : 3);
        if (width === 1280) assert.match(dWRow[3] ?? '', / → /);
        assert.deepEqual(rows.find((r) => r[0] === 'Affine1/db')?.slice(1, 3), ['0', '–']);
        assert.deepEqual(await page.$$eval('.diff-notes li', (lis) => lis.map((li) => li.textContent)), [
          `${HOSTILE_NAME}/dW: reshaped ([50, 6] → [50, 5])`,
          'layer Affine0: not in this run (2 tensors)',
          'Affine1/dx: diff not available, the baseline holds too many of its elements to send',
        ]);
        await page.screenshot({ path: join(ARTIFACTS, `baseline-summary-${theme}-${width}.png`) });
        await clean(page, watch);
      });

      test(`${theme}, ${width} px: a diff heatmap beside each heatmap, its hover giving both values and Δ`, async () => {
        const { page, watch } = await openRun('baseline', theme, width);
        const titles = await page.$$eval('.detail > .heatmaps .hm-card .hm-title', (els) => els.map((e) => e.textContent));
        assert.deepEqual(titles, ['activation', 'Δ activation', 'dout', 'Δ dout', 'dx', 'Δ dx', 'dW', 'Δ dW', 'db', 'Δ db']);
        // Each pair sits side by side when the panel is wide enough for both.
        const pairs = await page.$$eval('.hm-pair', (els) => els.map((el) => [...el.children].map((c) => Math.round(c.getBoundingClientRect().top))));
        assert.equal(pairs.length, 5);
        if (width === 1280) for (const [a, b] of pairs) assert.equal(a, b);
        assert.equal(await page.innerText(`${card('Δ dx')} .hm-note`), 'Diff not available: the baseline holds too many of its elements to send.');
        // An unchanged tensor's diff is all 0, the background.
        assert.equal(await page.innerText(`${card('Δ activation')} .legend`), 'all 0');
        // dW is 784×50, pooled 2 rows to a cell: cell row 1 holds rows 2–3, whose extreme is the changed [3, 1].
        await page.locator(card('Δ dW')).scrollIntoViewIfNeeded();
        const { x, y } = await cellPoint(page, card('Δ dW'), 1, 1, 392, 50);
        await page.mouse.move(x, y);
        await page.waitForSelector('#bl-tooltip:not([hidden])');
        const lines = ((await page.textContent('#bl-tooltip')) ?? '').split('\n');
        const [delta, now, base] = [/^max-\|·\| Δ (\S+) at row 3, col 1$/, /^this run (\S+)$/, /^baseline (\S+)$/].map((re, k) => Number(re.exec(lines[2 + k])?.[1]));
        assert.equal(lines.length, 5, lines.join(' | '));
        assert.equal(delta, now - base);
        assert.ok(Math.abs(delta - BASELINE_DW_DELTA) < 1e-15, `Δ ${delta}`);
        assert.match(await page.innerText(`${card('Δ dW')} .legend`), new RegExp(`0.*${fmt(BASELINE_DW_DELTA).replace('.', '\\.')}`, 's'));
        assert.equal(await overflowX(page), 0);
        await page.locator('.detail').screenshot({ path: join(ARTIFACTS, `baseline-heatmaps-${theme}-${width}.png`) });

        // The ReLU's output changed everywhere: an unpooled cell names both values and their difference.
        await page.click('table.layers tbody tr:nth-child(2)');
        await page.locator(card('Δ activation')).scrollIntoViewIfNeeded();
        const p = await cellPoint(page, card('Δ activation'), 0, 1, 4, 50);
        await page.mouse.move(p.x, p.y);
        await page.waitForSelector('#bl-tooltip:not([hidden])');
        const [head, where, ...values] = ((await page.textContent('#bl-tooltip')) ?? '').split('\n');
        assert.deepEqual([head, where], ['Δ activation · Relu1', 'row 0, col 1']);
        const [d, cur, before] = [/^Δ (\S+)$/, /^this run (\S+)$/, /^baseline (\S+)$/].map((re, k) => Number(re.exec(values[k])?.[1]));
        assert.equal(before, cur * 0.99);
        assert.equal(d, cur - before);
        assert.notEqual(d, 0);
        await clean(page, watch);
      });

      test(`${theme}, ${width} px: an unchanged run shows every Δ as 0`, async () => {
        const { page, watch } = await openRun('baselineSame', theme, width);
        assert.equal(await overflowX(page), 0);
        assert.equal(await page.innerText('.baseline-headline'), 'All 22 tensors compared equal the baseline: every Δ is 0.');
        assert.deepEqual(await page.$$eval('.diff-notes li', (lis) => lis.length), 0);
        const maxima = await page.$$eval('table.diff-table tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
        assert.equal(maxima.length, 22);
        assert.ok(maxima.every((m) => m === '0'), maxima.join(' '));
        // Every Δ figure of every row is 0 (or – where the row has no such figure).
        const cells = await page.$$eval('table.layers tbody :is(td.fold-delta, .fold-group.fold-delta .fold-item)', (els) =>
          els.filter((e) => (e as HTMLElement).offsetWidth > 0).map((e) => (e.textContent ?? '').replace(/^Δ\S*\s*/, '')),
        );
        assert.ok(cells.length >= 12, `${cells.length} Δ figures`);
        assert.ok(cells.every((c) => c === '0' || c === '–' || c === 'Δloss 0' || c === '0'), cells.join(' | '));
        for (const title of ['Δ activation', 'Δ dout', 'Δ dW', 'Δ db', 'Δ dx']) assert.equal(await page.innerText(`${card(title)} .legend`), 'all 0', title);
        await page.screenshot({ path: join(ARTIFACTS, `baseline-same-${theme}-${width}.png`) });
        await clean(page, watch);
      });
    }
  }

  test('a tensor this run sent as a preview has no diff, said so beside its heatmap and in the summary; its Δ‖dx‖ still shows', async () => {
    const { page, watch } = await openRun('baselinePreview', 'light', 1280);
    const reason = 'this run sent it as a pooled preview (a big batch), so its elements are not here to subtract';
    assert.equal(await page.innerText(`${card('Δ dx')} .hm-note`), `Diff not available: ${reason}.`);
    assert.deepEqual(await page.$$eval('.diff-notes li', (lis) => lis.map((li) => li.textContent)), [`Affine1/dx: diff not available, ${reason}`]);
    assert.equal(await page.innerText('.baseline-headline'), 'All 21 tensors compared equal the baseline: every Δ is 0.');
    assert.equal(await page.innerText('table.layers tbody tr:nth-child(1) td.col-ddx'), '0');
    await page.locator('.detail').screenshot({ path: join(ARTIFACTS, 'baseline-preview-light-1280.png') });
    await clean(page, watch);
  });

  test('a reset forgets the baseline until the host sends it again; a null baseline clears it', async () => {
    const { page, watch } = await openRun('baseline', 'dark', 1280);
    assert.equal(await page.isVisible('.baseline-summary'), true);
    assert.equal(await page.isVisible('text=Clear Baseline'), true);
    await page.evaluate(() => window.preview.send([{ type: 'baseline', baseline: null }]));
    await settle(page);
    assert.equal(await page.isVisible('.baseline-summary'), false);
    assert.equal(await page.isVisible('text=Clear Baseline'), false);
    assert.equal(await page.$$eval('table.layers th.fold-delta', (ths) => ths.filter((th) => (th as HTMLElement).offsetWidth > 0).length), 0);
    assert.equal(await page.$$eval('.hm-title', (els) => els.filter((e) => e.textContent?.startsWith('Δ')).length), 0);
    // The toolbar buttons ask the host.
    await page.click('text=Pin as Baseline');
    assert.deepEqual(await page.evaluate(() => window.preview.posted.at(-1)), { type: 'pinBaseline' });
    await clean(page, watch);
  });
});
