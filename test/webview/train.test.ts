// The Train panel in headless Chromium: train-preview.html stands in for VS Code (fake
// acquireVsCodeApi, theme classes, the real CSP and stylesheets) and plays a synthetic TwoLayerNet
// run. With answer=none the test answers snapshot requests itself, to see how they are coalesced.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { HostToTrainView, TrainViewToHost } from '../../src/protocol';
import { fmt } from '../../src/format';
import { TrainHistory } from '../../src/train-history';
import { ARTIFACTS, clean, open as openPage, overflowX, settle, useBrowser, type Watch } from './browser';
import { COMPARE_ITERATIONS, COMPARE_VARIANTS, DIVERGING_LAST, LAST_STEP, NAN_STEP, PROGRESS_MESSAGES, TRAIN_INFO, TRAIN_URI, compareLossAt, progressOf } from './train-fixtures';

useBrowser();

function open(query: string, size = { width: 1280, height: 900 }): Promise<{ page: Page; watch: Watch }> {
  return openPage('train-preview.html', query, size);
}

async function posted(page: Page): Promise<TrainViewToHost[]> {
  return page.evaluate(() => window.preview.posted) as Promise<TrainViewToHost[]>;
}

/** The last message posted other than a snapshot request ("latest" may ask for one at any time). */
async function lastAction(page: Page): Promise<TrainViewToHost | undefined> {
  return (await posted(page)).filter((m) => m.type !== 'snapshot').at(-1);
}

/** The saved state without the saved run: what the panel keeps of its own UI. */
async function uiState(page: Page): Promise<unknown> {
  const { run: _run, ...ui } = (await page.evaluate(() => window.preview.state)) as Record<string, unknown>;
  return ui;
}

/** The snapshot requests posted so far, as steps. */
async function requests(page: Page): Promise<number[]> {
  return (await posted(page)).flatMap((m) => (m.type === 'snapshot' ? [m.step] : []));
}

/** The fixture run's loss points as the host holds them (thinned past HISTORY_CAPACITY). */
function hostHistory(): TrainHistory {
  const h = new TrainHistory(2);
  for (let k = 0; k < PROGRESS_MESSAGES; k++) h.add(progressOf(k));
  return h;
}

/** Waits until the fixture run up to step 3,000 is drawn: every loss point and the final status line. */
async function runDrawn(page: Page): Promise<void> {
  await page.waitForSelector(`.chart-loss[data-points="${hostHistory().loss.length}"]`);
  await page.waitForFunction(() => document.querySelector('.status')?.textContent?.startsWith('step 3,000') === true);
}

/** data-points and the accessible label of each chart, by its class. */
async function charts(page: Page): Promise<{ cls: string; points: string | null; label: string | null; layer: string | null }[]> {
  return page.$$eval('figure.chart', (figs) =>
    figs.map((f) => ({ cls: f.className, points: f.getAttribute('data-points'), label: f.querySelector('.chart-plot')?.getAttribute('aria-label') ?? null, layer: f.getAttribute('data-layer') })),
  );
}

/** Distinct opaque colours on the canvas of the chart `selector` (a blank plot has only its grid and axes). */
async function colours(page: Page, selector: string): Promise<number> {
  return page.$eval(`${selector} canvas`, (c) => {
    const canvas = c as HTMLCanvasElement;
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return seen.size;
  });
}

async function send(page: Page, messages: HostToTrainView[]): Promise<void> {
  await page.evaluate((m) => window.preview.send(m), messages);
}

describe('webview Train panel', () => {
  test('draws the run: summary, status with rate and ETA, loss, accuracy and one flow chart per layer', async () => {
    const { page, watch } = await open('play=train&answer=none');
    await runDrawn(page);
    assert.equal((await posted(page))[0].type, 'ready');
    assert.equal(await page.textContent('h1.title'), 'train-two-layer-net.backprop.yaml');
    assert.equal(await page.textContent('.status'), 'step 3,000 / 10,000 · 500 steps/s · ETA 14\u00a0s');
    assert.equal(await page.getAttribute('.status', 'role'), 'status');
    assert.equal(await page.textContent('.summary'), 'two-layer-net · 10,000 iterations · batch 100 · sgd, lr 0.1 · 60,000 train / 10,000 test rows · fast path');

    const host = hostHistory();
    const [loss, accuracy, flow1, flow2] = await charts(page);
    assert.equal(loss.cls, 'chart chart-loss');
    assert.equal(loss.points, String(host.loss.length));
    const latest = host.loss.values[host.loss.length - 1];
    assert.equal(loss.label, `Loss curve, 3,000 steps (${host.loss.length.toLocaleString('en-US')} points, each the mean of its steps), latest ${fmt(latest)}`);
    assert.equal(await page.getAttribute('.chart-loss .chart-plot', 'role'), 'img');
    assert.equal(accuracy.points, '5');
    assert.match(accuracy.label ?? '', /^Accuracy, 5 evaluations, latest train 92\.\d%, test 90\.\d%$/);
    assert.deepEqual([flow1.layer, flow2.layer], ['Affine1', 'Affine2']);
    assert.deepEqual([flow1.points, flow2.points], ['300', '300']);
    assert.match(flow1.label ?? '', /^Gradient flow of Affine1: percentiles of \|grad\| over 300 samples, log scale; latest median [\d.e-]+, min [\d.e-]+, max [\d.e-]+$/);
    assert.equal(await page.textContent('.chart-loss .chart-readout'), `step 3,000 · loss ${fmt(latest)}`);
    // Every chart painted more than its grid: lines, bands, points.
    for (const selector of ['.chart-loss', '.chart-accuracy', '.chart-flow[data-layer="Affine1"]', '.chart-flow[data-layer="Affine2"]']) {
      assert.ok((await colours(page, selector)) > 20, selector);
    }
    // Charts fill their cards: the plot is as wide as the card's content box.
    const fit = await page.$$eval('figure.chart', (figs) => figs.map((f) => [(f.querySelector('.uplot') as HTMLElement).offsetWidth, (f.querySelector('.chart-plot') as HTMLElement).clientWidth]));
    for (const [plot, room] of fit) assert.ok(plot === room && plot > 300, JSON.stringify(fit));
    assert.equal(await page.isVisible('button:text-is("Cancel")'), true);
    assert.equal(await page.isVisible('button:text-is("Train again")'), true);
    assert.equal(await page.isHidden('.nan-callout'), true);
    // Log scale for the loss: the chart is drawn anew on a log axis.
    const draws = Number(await page.getAttribute('.chart-loss', 'data-draws'));
    await page.check('.chart-log');
    await page.waitForFunction((d) => Number(document.querySelector('.chart-loss')?.getAttribute('data-draws')) > d, draws);
    assert.match((await page.getAttribute('.chart-loss .chart-plot', 'aria-label')) ?? '', /, log scale$/);
    await clean(page, watch);
  });

  test('the scrubber: one request in flight, the latest position asked for after the answer, heatmaps of the step', async () => {
    const { page, watch } = await open('play=train&answer=none');
    await runDrawn(page);
    assert.equal(await page.getAttribute('.scrub', 'max'), '5');
    assert.equal(await page.textContent('.scrub-note'), '6 snapshots kept, steps 500–3,000.');
    assert.equal(await page.textContent('label[for="bl-scrub"]'), 'Snapshot step');
    // "latest" asked for the first snapshot as it came, then waited for the answer.
    assert.deepEqual(await requests(page), [500]);
    await answer(page, 500);
    await page.waitForFunction(() => window.preview.posted.filter((m) => m.type === 'snapshot').length === 2);
    assert.deepEqual(await requests(page), [500, 3000]);
    await answer(page, 3000);
    await page.waitForFunction(() => document.querySelector('.snapshot-title')?.textContent === 'Affine1 at step 3,000');
    assert.deepEqual(await page.$$eval('.hm-title', (ts) => ts.map((t) => t.textContent)), ['activation', 'dx', 'dW', 'db', 'W', 'b']);
    // Every heatmap is painted; b is all zeros (one colour), the others vary.
    for (const c of await heatmapPixels(page)) assert.ok(c.w > 0 && c.h > 0 && (c.title === 'b' || c.colours >= 3), JSON.stringify(c));
    assert.equal(await page.getAttribute('.scrub', 'aria-valuetext'), 'step 3,000');

    // Arrow keys move the scrubber: the first move is asked for at once, the next wait for its answer.
    await page.focus('.scrub');
    await page.keyboard.press('ArrowLeft');
    assert.deepEqual((await requests(page)).slice(2), [2500]);
    assert.equal(await page.isChecked('.follow input'), false);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await settle(page);
    assert.deepEqual((await requests(page)).slice(2), [2500]);
    assert.equal(await page.textContent('.scrub-step'), 'step 1,500');
    // The answer for 2,500 is not drawn: the scrubber is at 1,500 now, which is asked for next.
    await answer(page, 2500);
    await page.waitForFunction(() => window.preview.posted.filter((m) => m.type === 'snapshot').length === 4);
    assert.deepEqual((await requests(page)).slice(2), [2500, 1500]);
    assert.equal(await page.textContent('.snapshot-title'), 'Affine1 at step 3,000');
    await answer(page, 1500);
    await page.waitForFunction(() => document.querySelector('.snapshot-title')?.textContent === 'Affine1 at step 1,500');
    await page.keyboard.press('Home');
    assert.deepEqual((await requests(page)).at(-1), 500);

    // Another layer: its own heatmaps, the choice saved.
    await page.click('.layer-button:has-text("Relu1")');
    assert.equal(await page.getAttribute('.layer-button:has-text("Relu1")', 'aria-pressed'), 'true');
    await page.waitForFunction(() => document.querySelector('.snapshot-title .layer-name')?.textContent === 'Relu1');
    assert.deepEqual(await page.$$eval('.hm-title', (ts) => ts.map((t) => t.textContent)), ['activation', 'mask (relu)', 'dx']);
    assert.deepEqual(await uiState(page), { uri: TRAIN_URI, selected: 1, zoom: 1 });
    await clean(page, watch);
  });

  test('Cancel and Train again post their messages; Cancel goes once the run ends', async () => {
    const { page, watch } = await open('play=train');
    await runDrawn(page);
    await page.click('button:text-is("Cancel")');
    assert.deepEqual(await lastAction(page), { type: 'cancel' });
    // Heard at once, before the host answers; a second click or Enter posts nothing more.
    const cancelling = page.locator('button:text-is("Cancelling…")');
    assert.equal(await cancelling.getAttribute('aria-disabled'), 'true');
    await cancelling.click({ force: true });
    await cancelling.press('Enter');
    assert.equal((await posted(page)).filter((m) => m.type === 'cancel').length, 1);
    await page.focus('button:text-is("Train again")');
    await page.keyboard.press('Enter');
    assert.deepEqual(await lastAction(page), { type: 'retrain' });
    await cancelling.focus();
    await send(page, [{ type: 'trainStatus', runId: 1, status: { state: 'cancelled', step: LAST_STEP, elapsedMs: 6000 } }]);
    await page.waitForFunction(() => document.querySelector('.status')?.textContent === 'cancelled at step 3,000');
    assert.equal(await page.isHidden('.toolbar button:first-of-type'), true);
    // The focus moves from the Cancel that went to Train again.
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Train again');
    await send(page, [{ type: 'trainStatus', runId: 1, status: { state: 'finished', step: 10000, elapsedMs: 12_345 } }]);
    await page.waitForFunction(() => document.querySelector('.status')?.textContent === 'finished in 12.3\u00a0s');
    await send(page, [{ type: 'trainStatus', runId: 1, status: { state: 'failed', message: 'the engine ran out of memory' } }]);
    await page.waitForFunction(() => document.querySelector('.alert')?.textContent === 'the engine ran out of memory');
    assert.equal(await page.getAttribute('.alert', 'role'), 'alert');
    await clean(page, watch);
  });

  test('the first NaN: a callout naming layer and tensor, the stop in the status, its snapshot drawn with NaN cells', async () => {
    const { page, watch } = await open('play=trainNaN');
    await page.waitForSelector('.nan-callout:not([hidden])');
    assert.equal(await page.textContent('.nan-text'), 'First NaN at step 3,001: Affine2 dW (forward was finite)');
    await page.waitForFunction(() => document.querySelector('.status')?.textContent === 'stopped at step 3,001: NaN in Affine2 dW');
    assert.equal(await page.isHidden('button:text-is("Cancel")'), true);
    await page.click('.nan-callout button:text-is("Affine2")');
    assert.deepEqual(await lastAction(page), { type: 'revealLayer', index: 2 });
    // The loss curve's last point is a gap; "latest" fetched the NaN step's snapshot.
    await page.waitForFunction(() => document.querySelector('.chart-loss .chart-readout')?.textContent === 'step 3,001 · loss NaN');
    await page.waitForFunction((s) => document.querySelector('.snapshot-title')?.textContent === `Affine1 at step ${s}`, NAN_STEP.toLocaleString('en-US'));
    await page.click('.layer-button:has-text("Affine2")');
    await page.waitForFunction(() => document.querySelector('.snapshot-title .layer-name')?.textContent === 'Affine2');
    const dW = '.hm-card:has(.hm-title:text-is("dW"))';
    assert.equal(await page.isVisible(`${dW} .swatch-nan`), true);
    const magenta = await page.$eval(`${dW} canvas.hm-canvas`, (c) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] === 255 && d[i + 1] === 0 && d[i + 2] === 255) n++;
      return n;
    });
    assert.ok(magenta > 0, 'NaN cells are drawn magenta');
    // "Show step" on the callout puts the scrubber on the NaN step.
    await page.click('.nan-callout button:has-text("Show step")');
    assert.equal(await page.textContent('.scrub-step'), 'step 3,001');
    await page.screenshot({ path: join(ARTIFACTS, 'train-nan-dark.png'), fullPage: true });
    await clean(page, watch);
  });

  test('messages of another run are ignored; a reset clears everything and saves the uri', async () => {
    const { page, watch } = await open('play=train&answer=none');
    await runDrawn(page);
    const before = await charts(page);
    await send(page, [
      { type: 'trainProgress', runId: 2, progress: progressOf(300) },
      { type: 'trainNonFinite', runId: 2, at: { step: 1, index: 0, layer: 'Affine1', tensor: 'dx', value: 'NaN' } },
      { type: 'trainStatus', runId: 2, status: { state: 'finished', step: 1, elapsedMs: 1 } },
    ]);
    await settle(page);
    await page.evaluate(() => new Promise(requestAnimationFrame));
    assert.deepEqual(await charts(page), before);
    assert.equal(await page.isHidden('.nan-callout'), true);
    assert.match((await page.textContent('.status')) ?? '', /^step 3,000/);

    await send(page, [{ type: 'trainReset', runId: 2, title: 'other.backprop.yaml', uri: 'file:///work/other.backprop.yaml' }]);
    // No TrainInfo yet: the charts wait, hidden, for the new run's start.
    await page.waitForSelector('.chart-loss[data-points="0"]', { state: 'hidden' });
    assert.equal(await page.textContent('h1.title'), 'other.backprop.yaml');
    assert.deepEqual(await page.evaluate(() => window.preview.state), { uri: 'file:///work/other.backprop.yaml', selected: 0, zoom: 1, run: null });
    assert.equal(await page.textContent('.scrub-note'), 'No snapshots yet.');
    // The old run's messages no longer count.
    await send(page, [{ type: 'trainProgress', runId: 1, progress: progressOf(300) }]);
    await settle(page);
    assert.equal(await page.getAttribute('.chart-loss', 'data-points'), '0');
    // Malformed messages change nothing and throw nothing.
    await page.evaluate(() => window.preview.send([null, 'trainReset', { type: 'trainProgress', runId: 2 }, { type: 'trainStart', runId: 2, info: {} }, { type: 'trainSnapshots', runId: 2, steps: ['x'] }] as never));
    await settle(page);
    assert.equal(await page.textContent('h1.title'), 'other.backprop.yaml');
    await clean(page, watch);
  });

  test('a late join: trainHistory draws the same curves as the live run', async () => {
    const live = await open('play=train&answer=none');
    await runDrawn(live.page);
    const replay = await open('play=trainReplay&answer=none');
    await replay.page.waitForSelector(`.chart-loss[data-points="${hostHistory().loss.length}"]`);
    await replay.page.waitForSelector('.chart-accuracy[data-points="5"]');
    assert.deepEqual(await charts(replay.page), await charts(live.page));
    // No progress yet: the step is known, the rate is not.
    assert.equal(await replay.page.textContent('.status'), 'step 3,000 / 10,000');
    assert.equal(await replay.page.textContent('.scrub-note'), '6 snapshots kept, steps 500–3,000.');
    await clean(live.page, live.watch);
    await clean(replay.page, replay.watch);
  });

  test('after a window reload (run 0: the host has no run), the panel shows the run it saved; with none saved, or another spec’s, it says so', async () => {
    const live = await open('play=train&answer=none');
    await runDrawn(live.page);
    // The fixture run is still going: progress saves at most every 5 s, so make the run's latest state count.
    await live.page.evaluate(() => window.preview.send([{ type: 'trainEval', runId: 1, eval: { step: 3000, epoch: 5, loss: 0.5, trainAcc: 0.9, testAcc: 0.88 } }]));
    await live.page.waitForSelector('.chart-accuracy[data-points="6"]');
    const saved = await live.page.evaluate(() => window.preview.state);
    const before = await charts(live.page);
    const reset = { type: 'trainReset', runId: 0, title: 'train-two-layer-net.backprop.yaml', uri: TRAIN_URI };
    // The window reloads: the same tab loads the page anew with its saved state, and the host has no run.
    await live.page.goto(live.page.url().replace('play=train', 'play=none'));
    await live.page.waitForFunction(() => window.preview.posted.length > 0);
    const reloaded = live;
    await reloaded.page.evaluate((m) => window.preview.send([m as never]), reset);
    await reloaded.page.waitForSelector('.chart-accuracy[data-points="6"]');
    assert.deepEqual(await charts(reloaded.page), before);
    assert.equal(await reloaded.page.textContent('.alert'), 'The window reloaded at step 3,000, which ended this run; its curves are as they were. Train again starts a new run.');
    assert.equal(await reloaded.page.isHidden('button:text-is("Cancel")'), true);
    assert.equal(await reloaded.page.isVisible('button:text-is("Train again")'), true);
    await reloaded.page.screenshot({ path: join(ARTIFACTS, 'train-restored-dark.png') });
    // Saved again as restored: a second reload shows the same.
    assert.match(JSON.stringify(await reloaded.page.evaluate(() => window.preview.state)), /The window reloaded at step 3,000/);
    await clean(reloaded.page, reloaded.watch);

    // Nothing saved, or the run of another spec.
    const other = { ...(saved as object), run: { ...(saved as { run: object }).run, uri: 'file:///work/other.backprop.yaml' } };
    for (const state of [undefined, other]) {
      const fresh = await open('play=none');
      if (state) {
        await fresh.page.evaluate((s) => sessionStorage.setItem('preview-state', JSON.stringify(s)), state);
        await fresh.page.reload();
        await fresh.page.waitForFunction(() => window.preview.posted.length > 0);
      }
      await fresh.page.evaluate((m) => window.preview.send([m as never]), reset);
      await fresh.page.waitForFunction(() => document.querySelector('.alert')?.textContent === 'No training run of this spec since the window opened. Press Train again to start one.');
      assert.equal(await fresh.page.isHidden('.chart-loss'), true);
      await clean(fresh.page, fresh.watch);
    }
  });

  test('a burst of 100 progress messages redraws the charts only a few times, and a steady stream at most ten times a second', async () => {
    const { page, watch } = await open('play=train&answer=none');
    await runDrawn(page);
    await page.evaluate(() => new Promise(requestAnimationFrame));
    const draws = (): Promise<string | null> => page.getAttribute('.chart-loss', 'data-draws');
    const before = Number(await draws());
    const heatmapsBefore = await page.$$eval('canvas.hm-canvas', (cs) => cs.length);
    await page.evaluate(() => window.preview.send(Array.from({ length: 100 }, (_, i) => ({ type: 'trainProgress' as const, runId: 1, progress: window.preview.runs.progress(300 + i) }))));
    await page.waitForFunction(() => document.querySelector('.chart-loss .chart-readout')?.textContent?.startsWith('step 4,000') === true);
    const redraws = Number(await draws()) - before;
    assert.ok(redraws >= 1 && redraws <= 5, `${redraws} redraws for 100 messages`);
    assert.equal(Number(await page.getAttribute('.chart-flow[data-layer="Affine1"]', 'data-draws')) > 0, true);
    assert.equal(await page.$$eval('canvas.hm-canvas', (cs) => cs.length), heatmapsBefore);
    // Messages spread out at ~30 a second: each chart redraws at most once per 100 ms, however slow the machine.
    const spread = await page.evaluate(async () => {
      const chart = document.querySelector('.chart-loss') as HTMLElement;
      const first = Number(chart.dataset.draws);
      const started = performance.now();
      for (let i = 0; i < 45; i++) {
        await window.preview.send([{ type: 'trainProgress' as const, runId: 1, progress: window.preview.runs.progress(400 + i) }]);
        await new Promise((r) => setTimeout(r, 33));
      }
      await new Promise((r) => setTimeout(r, 250));
      return { draws: Number(chart.dataset.draws) - first, ms: performance.now() - started };
    });
    assert.ok(spread.draws >= 2 && spread.draws <= spread.ms / 100 + 1, `${spread.draws} redraws in ${Math.round(spread.ms)} ms`);
    await clean(page, watch);
  });

  test('a stream of progress changes the page only where the charts draw: each other change of the DOM would cost a frame per message', async () => {
    const { page, watch } = await open('play=train&answer=none');
    await runDrawn(page);
    const touched = await page.evaluate(async () => {
      const outside = new Set<string>();
      const seen = new MutationObserver((records) => {
        for (const r of records) {
          const at = r.target instanceof Element ? r.target : r.target.parentElement;
          if (!at?.closest('figure.chart')) outside.add(`${r.type} ${r.attributeName ?? ''} on ${at?.className || at?.nodeName}`);
        }
      });
      seen.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      for (let i = 0; i < 20; i++) {
        await window.preview.send([{ type: 'trainProgress' as const, runId: 1, progress: window.preview.runs.progress(300 + i) }]);
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 250));
      seen.disconnect();
      return [...outside];
    });
    assert.deepEqual(touched, []);
    await clean(page, watch);
  });

  test('a diverging loss of 1e306 still gets labels on the y axis', async () => {
    const { page, watch } = await open('play=train&answer=none');
    await runDrawn(page);
    // Ink in the y axis strip (left of the plot) of the loss chart's canvas.
    const axisInk = () =>
      page.$eval('.chart-loss canvas', (c) => {
        const canvas = c as HTMLCanvasElement;
        const strip = canvas.getContext('2d')!.getImageData(0, 0, Math.round(40 * devicePixelRatio), Math.round(canvas.height * 0.8)).data;
        let ink = 0;
        for (let i = 3; i < strip.length; i += 4) if (strip[i] > 0) ink++;
        return ink;
      });
    assert.ok((await axisInk()) > 0, 'the ordinary run has labels');
    const draws = Number(await page.getAttribute('.chart-loss', 'data-draws'));
    await page.evaluate(() => {
      const base = window.preview.runs.progress(3000);
      const losses = Float64Array.of(1e10, 1e100, 1e200, 1e300, 2.8e306);
      return window.preview.send([{ type: 'trainProgress' as const, runId: 1, progress: { ...base, step: 3005, lossSteps: Float64Array.of(3001, 3002, 3003, 3004, 3005).buffer, losses: losses.buffer, flowStep: 3005 } }]);
    });
    await page.waitForFunction((before) => Number(document.querySelector('.chart-loss')?.getAttribute('data-draws')) > before, draws);
    assert.equal(await page.textContent('.chart-loss .chart-readout'), 'step 3,005 · loss 2.8e306');
    assert.ok((await axisInk()) > 0, 'labels such as 1e306 on the axis');
    await clean(page, watch);
  });

  test('one step count: the status line shows the host’s position, not the newest progress; following, the scrubber names the step on show', async () => {
    const { page, watch } = await open('play=train&answer=none');
    await runDrawn(page);
    // Progress has reached 3,010; the host's position, which the side view and the notification show too, says 3,005.
    await page.evaluate(() =>
      window.preview.send([
        { type: 'trainProgress', runId: 1, progress: window.preview.runs.progress(300) },
        { type: 'trainPosition', runId: 1, step: 3005, elapsedMs: 6010 },
      ]),
    );
    await page.waitForFunction(() => document.querySelector('.chart-loss .chart-readout')?.textContent?.startsWith('step 3,010') === true);
    await page.waitForFunction(() => document.querySelector('.status')?.textContent?.startsWith('step 3,005 / 10,000 · 500 steps/s') === true);
    await settle(page);
    assert.match((await page.textContent('.status')) ?? '', /^step 3,005 /);
    // "latest" asked for 500 and got it; 3,000 is newer, and loading: the label says what the heatmaps show.
    await answer(page, 500);
    await page.waitForFunction(() => document.querySelector('.snapshot-title')?.textContent === 'Affine1 at step 500');
    assert.equal(await page.textContent('.scrub-step'), 'step 500');
    await page.waitForFunction(() => window.preview.posted.filter((m) => m.type === 'snapshot').length === 2);
    assert.equal(await page.textContent('.scrub-step'), 'step 500');
    assert.equal(await page.textContent('.scrub-loading'), 'loading step 3,000…');
    await answer(page, 3000);
    await page.waitForFunction(() => document.querySelector('.snapshot-title')?.textContent === 'Affine1 at step 3,000');
    assert.equal(await page.textContent('.scrub-step'), 'step 3,000');
    await clean(page, watch);
  });

  test('a diverging regression: no accuracy, no test set, and a loss and flow on log scales with decade labels', async () => {
    for (const width of [500, 1280]) {
      const { page, watch } = await open('play=trainDiverging&answer=none', { width, height: 900 });
      await page.waitForSelector(`.chart-loss[data-points="${DIVERGING_LAST}"]`);
      await page.waitForFunction(() => document.querySelector('.status')?.textContent === 'stopped at step 1,208: Infinity in MSE loss');
      // MSE on continuous targets: the argmax of one column would score 100%, so there is no accuracy at all.
      assert.equal(await page.textContent('.summary'), 'diverging-lr · 5,000 iterations · batch 16 · sgd, lr 1 · 64 train rows, no test set · no accuracy (a regression: continuous targets) · general path');
      assert.equal(await page.isHidden('.chart-accuracy'), true);
      assert.doesNotMatch(await page.innerText('.chart-grid'), /%/);
      // 0.8 to 2.8e306: the loss turned to a log scale by itself, and every log chart labels its y axis.
      assert.equal(await page.isChecked('.chart-log'), true);
      assert.match((await page.getAttribute('.chart-loss .chart-plot', 'aria-label')) ?? '', /, log scale$/);
      await page.waitForSelector('.chart-flow[data-layer="Affine2"][data-points]');
      for (const chart of ['.chart-loss', '.chart-flow[data-layer="Affine1"]', '.chart-flow[data-layer="Affine2"]']) assert.ok((await yAxisInk(page, chart)) > 0, `${chart} has y labels`);
      assert.equal(await overflowX(page), 0);
      await page.screenshot({ path: join(ARTIFACTS, `train-diverging-dark-${width}.png`), fullPage: true });
      await clean(page, watch);
    }
  });

  test('a run without a test set draws the train accuracy only and says "no test set"', async () => {
    const { page, watch } = await open('play=none');
    await send(page, [
      { type: 'trainReset', runId: 1, title: 'tiny.backprop.yaml', uri: 'file:///work/tiny.backprop.yaml' },
      { type: 'trainStart', runId: 1, info: { ...TRAIN_INFO, testRows: 0 } },
      { type: 'trainEval', runId: 1, eval: { step: 600, epoch: 1, loss: 0.4, trainAcc: 0.9, testAcc: null } },
    ]);
    await page.waitForSelector('.chart-accuracy[data-points="1"]');
    assert.match((await page.textContent('.summary')) ?? '', / · 60,000 train rows, no test set · /);
    assert.equal(await page.getAttribute('.chart-accuracy .chart-plot', 'aria-label'), 'Accuracy, 1 evaluation, latest train 90%, no test set');
    assert.equal(await page.textContent('.chart-accuracy .chart-readout'), 'step 600 · epoch 1 · train 90% · no test set');
    assert.deepEqual([await page.isHidden('.legend-test'), await page.isVisible('.legend-no-test')], [true, true]);
    await clean(page, watch);
  });

  for (const [theme, play, width] of [
    ['dark', 'train', 1280],
    ['light', 'train', 1280],
    ['light', 'trainNaN', 700],
    ['hc', 'trainNaN', 1280],
  ] as const) {
    test(`renders in the ${theme} theme at ${width} px (${play}) without overflow, and follows a theme change`, async () => {
      const { page, watch } = await open(`theme=${theme}&play=${play}`, { width, height: 900 });
      await page.waitForSelector('.hm-card canvas');
      await page.waitForFunction(() => document.querySelector('.chart-flow[data-layer="Affine2"]')?.getAttribute('data-points') !== null);
      assert.equal(await overflowX(page), 0);
      await page.screenshot({ path: join(ARTIFACTS, `train-${play}-${theme}-${width}.png`), fullPage: true });
      // A theme change redraws the charts in the new colours.
      const draws = Number(await page.getAttribute('.chart-loss', 'data-draws'));
      await page.evaluate(() => document.body.classList.replace(document.body.classList[0], 'vscode-light'));
      await page.waitForFunction((d) => Number(document.querySelector('.chart-loss')?.getAttribute('data-draws')) > d, draws);
      await clean(page, watch);
    });
  }
});

describe('webview Train panel, a comparison', () => {
  /** Waits until the four optimizers' curves are drawn and the run has finished. */
  async function compareDrawn(page: Page): Promise<void> {
    await page.waitForSelector(`.chart-loss[data-points="${COMPARE_ITERATIONS}"]`);
    await page.waitForFunction(() => document.querySelector('.status')?.textContent?.startsWith('finished') === true);
  }

  /** The table's cells, row by row (the header first). */
  async function tableCells(page: Page): Promise<string[][]> {
    return page.$$eval('.compare-table tr', (rows) => rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim())));
  }

  test('one loss chart overlays the four variants with a legend; the table gives each one\'s final loss and accuracy', async () => {
    const { page, watch } = await open('play=trainCompare');
    await compareDrawn(page);
    assert.equal(await page.textContent('.summary'), 'optimizer_compare_mnist · 2,000 iterations per variant · batch 128 · optimizer compared over 4 variants · 8,000 train / 2,000 test rows · fast path');
    assert.deepEqual(await page.$$eval('.chart-loss .chart-legend .legend-item', (items) => items.map((i) => i.textContent)), COMPARE_VARIANTS);
    // Each legend swatch has its own colour, the colour of its line.
    const swatches = await page.$$eval('.chart-loss .chart-legend .swatch-line', (s) => s.map((e) => getComputedStyle(e).borderTopColor));
    assert.equal(new Set(swatches).size, 4);
    const last = COMPARE_VARIANTS.map((v, i) => `${v} ${fmt(compareLossAt(i, COMPARE_ITERATIONS))}`).join(', ');
    assert.equal(await page.getAttribute('.chart-loss .chart-plot', 'aria-label'), `Loss curves of 4 variants over 2,000 steps; latest ${last}`);
    assert.equal(await page.textContent('.chart-loss .chart-readout'), `step 2,000 · ${COMPARE_VARIANTS.map((v, i) => `${v} ${fmt(compareLossAt(i, COMPARE_ITERATIONS))}`).join(' · ')}`);
    // The accuracies are the table's; there are no snapshots in a comparison.
    assert.equal(await page.isHidden('.chart-accuracy'), true);
    assert.equal(await page.isHidden('.scrubber'), true);
    const cells = await tableCells(page);
    assert.deepEqual(cells[0], ['variant', 'steps', 'final loss', 'train acc', 'test acc', 'state']);
    assert.deepEqual(
      cells.slice(1).map((r) => [r[0], r[1], r[2], r[5]]),
      COMPARE_VARIANTS.map((v, i) => [v, '2,000', fmt(compareLossAt(i, COMPARE_ITERATIONS)), 'done']),
    );
    for (const r of cells.slice(1)) assert.match(`${r[3]} ${r[4]}`, /^\d+(\.\d+)?% \d+(\.\d+)?%$/);
    // smooth_curve: the chart redraws with smoothed lines.
    const draws = Number(await page.getAttribute('.chart-loss', 'data-draws'));
    await page.check('.chart-smooth');
    await page.waitForFunction((d) => Number(document.querySelector('.chart-loss')?.getAttribute('data-draws')) > d, draws);
    assert.match((await page.getAttribute('.chart-loss .chart-plot', 'aria-label')) ?? '', /over 2,000 steps, smoothed; latest/);
    await clean(page, watch);
  });

  test('the variant picker switches the gradient-flow charts to that variant', async () => {
    const { page, watch } = await open('play=trainCompare');
    await compareDrawn(page);
    const buttons = '.variant-buttons button';
    assert.deepEqual(await page.$$eval(buttons, (b) => b.map((e) => [e.textContent?.trim(), e.getAttribute('aria-pressed')])), COMPARE_VARIANTS.map((v, i) => [v, String(i === 0)]));
    const median = async () => Number(/latest median ([\d.e+-]+)/.exec((await page.getAttribute('.chart-flow[data-layer="Affine1"] .chart-plot', 'aria-label')) ?? '')?.[1]);
    await page.waitForFunction(() => document.querySelector('.chart-flow[data-layer="Affine1"]')?.getAttribute('data-points') === '200');
    const sgd = await median();
    await page.click(`${buttons}:text-is("adam")`);
    // adam's fixture bands are 1,000 times sgd's.
    await page.waitForFunction((m) => {
      const label = document.querySelector('.chart-flow[data-layer="Affine1"] .chart-plot')?.getAttribute('aria-label') ?? '';
      return Number(/latest median ([\d.e+-]+)/.exec(label)?.[1]) > 100 * m;
    }, sgd);
    assert.ok(Math.abs((await median()) / sgd - 1000) < 1, `${await median()} vs ${sgd}`);
    assert.equal(await page.getAttribute(`${buttons}:text-is("adam")`, 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute(`${buttons}:text-is("sgd")`, 'aria-pressed'), 'false');
    await clean(page, watch);
  });

  for (const theme of ['light', 'dark', 'hc'] as const) {
    for (const width of [500, 1280]) {
      test(`the overlay chart and table in the ${theme} theme at ${width} px, without overflow`, async () => {
        const { page, watch } = await open(`theme=${theme}&play=trainCompare`, { width, height: 900 });
        await compareDrawn(page);
        await page.waitForSelector('.chart-flow[data-layer="Affine2"][data-points="200"]');
        assert.equal(await overflowX(page), 0);
        // Four lines in four colours and more (their antialiased edges, the grid).
        assert.ok((await colours(page, '.chart-loss')) > 20);
        const box = await page.$eval('.compare-table', (t) => [t.getBoundingClientRect().right, document.documentElement.clientWidth]);
        assert.ok(box[0] <= box[1], `table ends at ${box[0]} of ${box[1]} px`);
        await page.screenshot({ path: join(ARTIFACTS, `train-compare-${theme}-${width}.png`), fullPage: true });
        await clean(page, watch);
      });
    }
  }
});

/** Ink in the y axis strip (left of the plot) of the chart `selector`'s canvas: its labels. */
async function yAxisInk(page: Page, selector: string): Promise<number> {
  return page.$eval(`${selector} canvas`, (c) => {
    const canvas = c as HTMLCanvasElement;
    const strip = canvas.getContext('2d')!.getImageData(0, 0, Math.round(40 * devicePixelRatio), Math.round(canvas.height * 0.8)).data;
    let ink = 0;
    for (let i = 3; i < strip.length; i += 4) if (strip[i] > 0) ink++;
    return ink;
  });
}

/** Sends the host's answer for `step` of run 1, made in the page (tensors do not cross from Node). */
async function answer(page: Page, step: number): Promise<void> {
  await page.evaluate((st) => window.preview.send([window.preview.runs.snapshot(1, st)]), step);
}

/** Size and distinct colours of every heatmap canvas. */
async function heatmapPixels(page: Page): Promise<{ title: string; w: number; h: number; colours: number }[]> {
  return page.$$eval('.hm-card', (cards) =>
    cards.map((card) => {
      const c = card.querySelector('canvas.hm-canvas') as HTMLCanvasElement;
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      return { title: card.querySelector('.hm-title')?.textContent ?? '', w: c.width, h: c.height, colours: seen.size };
    }),
  );
}
