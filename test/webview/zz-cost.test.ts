import { test } from 'node:test';
import { open, useBrowser, clean } from './browser';
useBrowser();
test('cost of 30 progress messages a second', async (t) => {
  const { page, watch } = await open('train-preview.html', 'play=train&answer=none', { width: 1280, height: 900 });
  await page.waitForSelector('.chart-loss canvas');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metric = async () => Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
  const before = await metric();
  const t0 = Date.now();
  await page.evaluate(async () => {
    for (let i = 0; i < 150; i++) {
      await window.preview.send([{ type: 'trainProgress' as const, runId: 1, progress: window.preview.runs.progress(300 + i) }]);
      await new Promise((r) => setTimeout(r, 33));
    }
  });
  const after = await metric();
  const wall = (Date.now() - t0) / 1000;
  t.diagnostic(`wall ${wall.toFixed(1)} s; task ${(after.TaskDuration - before.TaskDuration).toFixed(2)} s; script ${(after.ScriptDuration - before.ScriptDuration).toFixed(2)} s; layout ${(after.LayoutDuration - before.LayoutDuration).toFixed(2)} s; draws ${await page.getAttribute('.chart-loss', 'data-draws')}`);
  await clean(page, watch);
});
