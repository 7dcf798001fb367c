// A Korean user in a real VS Code (code-server started with --locale ko, the packaged .vsix): the
// palette, a spec error, Run Backprop's panel, a hover, a finding and its quick fix, the Train
// panel and the walkthrough all speak Korean. VS Code's own strings stay English here, since no
// Korean language pack can be installed offline; the extension's are what this checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from 'playwright-core';
import type { VSCodeSession } from './harness';
import { useExamplesInCodeServer } from './workspace';

let vscode: VSCodeSession;
useExamplesInCodeServer((session) => (vscode = session), { locale: 'ko' });

const HANGUL = /[\uac00-\ud7a3]/;

/** Words of `text` in Latin letters that are not identifiers the Korean keeps (layer names, types, keys, units). */
function englishWords(text: string, allowed: readonly string[]): string[] {
  const kept = new Set(allowed.map((w) => w.toLowerCase()));
  return [...text.matchAll(/[A-Za-z]{3,}/g)].map((m) => m[0]).filter((w) => !kept.has(w.toLowerCase()));
}

test('the palette, a spec error and the Problems view in Korean', async () => {
  const { workbench } = vscode;
  await workbench.openFile('typo.backprop.yaml');
  await workbench.runCommand('역전파 실행');
  const toast = workbench.page.locator('.notifications-toasts .notification-toast', { hasText: 'typo.backprop.yaml에 오류가 1개 있어 아무것도 실행하지 않았습니다' });
  await toast.waitFor({ timeout: 15_000 });
  await workbench.page.keyboard.press('Control+Shift+M');
  const problem = workbench.page.locator('.markers-panel .monaco-list-row', { hasText: 'relux' });
  await problem.waitFor();
  const text = await problem.innerText();
  assert.match(text, HANGUL, text);
  assert.match(text, /'relu'/, 'the suggestion is still named');
  assert.match(text, /\[Ln 3, Col 5\]/);
  await workbench.screenshot('ko-spec-error');
  await workbench.page.keyboard.press('Control+Shift+M');
});

test('Run Backprop: the CodeLens, the run panel and a hover in Korean', async () => {
  const { workbench } = vscode;
  await workbench.openFile('two-layer-net.backprop.yaml');
  await workbench.page.locator('.codelens-decoration', { hasText: '▶ 역전파 실행' }).first().waitFor({ timeout: 15_000 });
  await workbench.runCommand('역전파 실행');
  const frame: Frame = await workbench.findFrame('table.layers tbody tr', { hasText: 'SoftmaxWithLoss', timeout: 30_000 });
  await frame.locator('.status', { hasText: /^완료/ }).waitFor({ timeout: 30_000 });
  assert.equal(await frame.locator('html').getAttribute('lang'), 'ko');
  const header = await frame.locator('table.layers thead').innerText();
  assert.match(header, /계층/);
  // Layer names, types, tensor names and units are identifiers; every other word is Korean.
  const page = await frame.locator('body').innerText();
  const identifiers = ['two', 'layer', 'net', 'backprop', 'yaml', 'Affine', 'Relu', 'SoftmaxWithLoss', 'affine', 'relu', 'softmax', 'with', 'loss', 'NaN', 'Inf', 'grad', 'mask', 'dout', 'std', 'min', 'max', 'mean', 'params', 'activation'];
  const english = englishWords(page, identifiers);
  assert.ok(english.length <= 3, `English words in the Korean panel: ${[...new Set(english)].join(', ')}`);
  await workbench.screenshot('ko-run-panel');

  // The palette's row left the pointer on the tab, whose path tooltip is a hover too: let it go first.
  await workbench.page.locator('.editor-group-container.active .view-lines').hover({ position: { x: 300, y: 300 } });
  await workbench.page.locator('.monaco-hover-content').filter({ visible: true }).first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
  const hover = await workbench.hover('relu');
  assert.match(hover, HANGUL, hover);
  assert.match(hover, /Relu1/);
  await workbench.screenshot('ko-hover');
  await workbench.dismiss();
});

test('a finding, its quick fix and the panel\'s findings in Korean', async () => {
  const { workbench } = vscode;
  const { page } = workbench;
  await workbench.openFile('broken/dead-relu.backprop.yaml');
  await workbench.runCommand('역전파 실행');
  const frame = await workbench.findFrame('.findings', { hasText: '죽어 있습니다', timeout: 30_000 });
  const findings = await frame.locator('.findings').innerText();
  assert.match(findings, /Relu1/);
  assert.match(findings, /진단 결과/);
  assert.match(findings, /He 초깃값/, 'the fix button is titled in Korean');
  await page.keyboard.press('Control+Shift+M');
  const finding = page.locator('.markers-panel .monaco-list-row', { hasText: '죽어 있습니다' }).first();
  await finding.waitFor({ timeout: 15_000 });
  await page.keyboard.press('Control+Shift+M');
  // The quick fix on the finding's line, titled in Korean.
  await page.locator('.editor-group-container.active .view-lines .view-line', { hasText: '- relu' }).first().click({ position: { x: 5, y: 5 } });
  await workbench.pressUntil('Control+.', page.locator('.action-widget', { hasText: 'He 초깃값' }));
  await workbench.screenshot('ko-quick-fix');
  await page.keyboard.press('Escape');
});

test('the Train panel in Korean, and Cancel', async () => {
  const { workbench } = vscode;
  await workbench.openFile('train-two-layer-net.backprop.yaml');
  await workbench.runCommand('학습');
  const frame = await workbench.findFrame('.scrubber', { timeout: 30_000 });
  assert.equal(await frame.locator('html').getAttribute('lang'), 'ko');
  const cancel = frame.locator('button', { hasText: /^취소$/ });
  await cancel.waitFor({ timeout: 15_000 });
  await workbench.screenshot('ko-train-running');
  await cancel.click();
  const status = frame.locator('.status').filter({ hasText: HANGUL });
  await status.waitFor({ timeout: 10_000 });
  assert.match(await frame.locator('body').innerText(), /손실/);
  await workbench.screenshot('ko-train-cancelled');
});

test('the walkthrough in Korean: its steps, an example opened from a step, and a step done by doing it', async () => {
  const { workbench } = vscode;
  const { page } = workbench;
  await workbench.runCommand('Open Walkthrough...');
  await workbench.quickPickRow('Backprop Lens로 오차역전파법 배우기').click();
  const steps = page.locator('.getting-started-step');
  await steps.filter({ hasText: '쇼핑 계산 그래프의 순전파와 역전파' }).first().waitFor({ timeout: 30_000 });
  for (const title of ['ReLU의 마스크와 Sigmoid 계층', 'TwoLayerNet 기울기 확인', '고장 난 신경망과 빠른 수정', '직접 만든 계층 확인하기']) {
    assert.ok((await steps.filter({ hasText: title }).count()) > 0, `step ${title}`);
  }
  await workbench.screenshot('ko-walkthrough');

  // The fix step: open its example from the step, run it, apply its fix from the panel, run again.
  const fixStep = steps.filter({ hasText: '고장 난 신경망과 빠른 수정' }).first();
  await fixStep.click();
  const done = page.locator('[data-done-step-id$="#fix"]').first();
  assert.equal(await done.getAttribute('aria-checked'), 'false');
  await fixStep.locator('a, .button-link', { hasText: '예제 열기' }).first().click();
  // The editor the example opened in takes the keys (the palette's Run needs a spec editor focused).
  const editor = page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: 'dead-relu.backprop.yaml' }) }).last();
  const focusSpec = () => editor.locator('.view-lines').click({ position: { x: 200, y: 5 } });
  await editor.waitFor({ timeout: 15_000 });
  await focusSpec();
  await workbench.runCommand('역전파 실행');
  const panel = await workbench.findFrame('button.finding-fix', { hasText: 'He 초깃값', timeout: 30_000 });
  await panel.locator('button.finding-fix', { hasText: 'He 초깃값' }).first().click();
  await editor.locator('.view-lines', { hasText: 'init: he' }).waitFor({ timeout: 15_000 });
  await focusSpec();
  await workbench.runCommand('역전파 실행');
  await panel.locator('.findings-list', { hasText: HANGUL }).filter({ hasNotText: '죽어' }).waitFor({ timeout: 30_000 });
  // Back to the walkthrough: the step is checked.
  await page.locator('.tabs-container .tab', { hasText: 'Walkthrough' }).first().click();
  await page.locator('[data-done-step-id$="#fix"][aria-checked="true"]').first().waitFor({ timeout: 15_000 });
  await workbench.screenshot('ko-walkthrough-fixed');
});
