// The book's ch. 6 optimizer comparison in a real VS Code: Train on a spec with a compare: section
// draws one loss curve per optimizer, with a table of how each ended; Run on a comparison of inits
// draws each init's distributions.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
let folder = '';
useExamplesInCodeServer((session, dir) => {
  vscode = session;
  folder = dir;
});

test('Train with compare: optimizer draws four loss curves, sgd, momentum, adagrad and adam, and a table of their ends', async () => {
  // The shipped example, cut to 200 iterations on 1,000 digits so the test stays short.
  const example = readFileSync(join(folder, 'optimizer_compare_mnist.backprop.yaml'), 'utf8');
  const short = example.replace('iterations: 2000', 'iterations: 200').replace('count: 8000', 'count: 1000').replace('eval: { every: 500 }', 'eval: { every: 100 }');
  assert.notEqual(short, example);
  writeFileSync(join(folder, 'optimizer-compare-short.backprop.yaml'), short);

  const { workbench } = vscode;
  await workbench.openFile('optimizer-compare-short.backprop.yaml');
  await workbench.runCommand('Train');
  const panel = await workbench.findFrame('.status', { hasText: /finished/, timeout: 180_000 });
  const legend = panel.locator('figure.chart-loss .chart-legend .legend-item');
  assert.deepEqual(await legend.allTextContents(), ['sgd', 'momentum', 'adagrad', 'adam']);
  assert.match((await panel.locator('figure.chart-loss .chart-plot').getAttribute('aria-label')) ?? '', /^Loss curves of 4 variants over 200 steps/);
  assert.equal(await panel.locator('.compare-table tbody tr').count(), 4);
  await workbench.screenshot('compare-optimizers');
});

test('Run Backprop on the weight-init example draws a row of distributions per init: std 1, std 0.01 and xavier', async () => {
  const { workbench } = vscode;
  await workbench.openFile('weight-init-activation-histogram.backprop.yaml');
  await workbench.runCommand('Run Backprop');
  const panel = await workbench.findFrame('.dist-variant', { timeout: 60_000 });
  const rows = panel.locator('.dist-variant');
  await rows.first().waitFor();
  assert.deepEqual(await rows.evaluateAll((r) => r.map((row) => row.getAttribute('aria-label'))), ['std 1', 'std 0.01', 'xavier']);
  assert.equal(await panel.locator('.dist-variant:first-of-type .dist').count(), 10);
  // Sigmoid1 with std 0.01 piles at 0.5: its screen-reader label says so.
  assert.match((await panel.locator('.dist-variant:nth-of-type(2) .dist-bars').nth(1).getAttribute('aria-label')) ?? '', /^std 0\.01: Sigmoid1 activation: 100,000 values from 0 to 1, most \([\d,]+\) in \[0\.(4|5)/);
  await panel.locator('.dists').scrollIntoViewIfNeeded();
  await workbench.screenshot('compare-inits-distributions');
});
