// Time from "Run Backprop" in the palette to the first painted heatmap in the panel, as a user sees
// it, and VS Code's own floor for it: the same from the floor extension's command (test/e2e/floor),
// a webview that only paints one canvas. Used by the e2e tests and by `npm run bench`; a figure,
// never a timed assertion.
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { repoRoot, type Workbench } from './harness';

/** The floor extension, built unpacked by `node esbuild.mjs --e2e-tests` (or --bench); pass it as an extension folder. */
export const floorExtension = join(repoRoot, 'out/test/e2e/floor');
/** Its command's palette title. */
export const FLOOR_COMMAND = 'Latency Floor: Show Canvas';

/** The DOM, typed by hand: this project's tsconfig has no DOM lib. */
interface Canvas {
  width: number;
  height: number;
  dataset: Record<string, string | undefined>;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
const canvases = (): Canvas[] =>
  Array.from((globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<Canvas> } }).document.querySelectorAll('canvas.hm-canvas'));

/** Marks the heatmaps a frame shows now, so only later ones count. */
async function markOld(frame: Frame): Promise<void> {
  await frame.evaluate(`(${canvases})().forEach((c) => { c.dataset.old = '1'; })`).catch(() => undefined);
}

/** True when `frame` has an unmarked heatmap canvas with a painted pixel. */
async function paintedNew(frame: Frame): Promise<boolean> {
  return frame
    .evaluate(
      `(${canvases})().some((c) => {
        if (c.dataset.old || !c.width || !c.height) return false;
        const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
        return !!data && data.some((v, i) => i % 4 === 3 && v !== 0);
      })`,
    )
    .then((v) => v === true)
    .catch(() => false);
}

/**
 * Opens `file` and runs `command` ("Run Backprop" unless told), returning the milliseconds from
 * pressing Enter on the command to the first newly painted heatmap. `fresh` closes every editor
 * first, so the time includes creating the panel; otherwise the spec's open panel is reused.
 */
export async function commandToFirstHeatmap(workbench: Workbench, file: string, fresh: boolean, timeout = 60_000, command = 'Run Backprop'): Promise<number> {
  const { page } = workbench;
  if (fresh) await workbench.runCommand('View: Close All Editors');
  await workbench.openFile(file);
  for (const frame of page.frames()) await markOld(frame);
  await page.keyboard.press('Control+Shift+P');
  await page.locator('.quick-input-widget .quick-input-box input').fill(`>${command}`);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: command }).waitFor();
  const start = Date.now();
  await page.keyboard.press('Enter');
  while (Date.now() - start < timeout) {
    for (const frame of page.frames()) if (frame !== page.mainFrame() && (await paintedNew(frame))) return Date.now() - start;
  }
  throw new Error(`no newly painted heatmap within ${timeout} ms`);
}

/** Median of `runs` measurements of `command` (default "Run Backprop"). */
export async function medianLatency(workbench: Workbench, file: string, fresh: boolean, runs: number, command?: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await commandToFirstHeatmap(workbench, file, fresh, 60_000, command));
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}
