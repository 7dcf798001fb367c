// Time from "Run Backprop" in the palette to the first painted heatmap in the panel, as a user sees
// it, and VS Code's own floor for it: the same from the floor extension's command (test/e2e/floor),
// a webview that only paints one canvas, and for an open panel, a message to that webview that
// paints another. Used by the e2e tests and by `npm run bench`; a figure,
// never a timed assertion.
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { repoRoot, type Workbench } from './harness';

/** The floor extension, built unpacked by `node esbuild.mjs --e2e-tests` (or --bench); pass it as an extension folder. */
export const floorExtension = join(repoRoot, 'out/test/e2e/floor');
/** Its command's palette title. */
export const FLOOR_COMMAND = 'Latency Floor: Show Canvas';
/** Its command that posts one message to the canvas shown, which paints a new one: the floor for an open panel. */
export const OPEN_FLOOR_COMMAND = 'Latency Floor: Repaint Canvas';

/**
 * Installed in every frame, webviews included, before their scripts run: the first drawing call on a
 * heatmap canvas not marked old records the time of the next animation frame, the one that shows it.
 * Timed in the page, so how often the test looks, and how busy the page is when it does, add nothing.
 */
function recordFirstPaint(): void {
  const w = globalThis as unknown as {
    __firstPaintAt?: number;
    requestAnimationFrame(f: () => void): void;
    CanvasRenderingContext2D?: { prototype: Record<string, unknown> };
  };
  const proto = w.CanvasRenderingContext2D?.prototype;
  if (!proto) return;
  for (const name of ['drawImage', 'putImageData', 'fillRect']) {
    const original = proto[name] as (...args: unknown[]) => unknown;
    proto[name] = function (this: { canvas: { classList: { contains(c: string): boolean }; dataset: Record<string, string | undefined> } }, ...args: unknown[]) {
      const result = original.apply(this, args);
      const canvas = this.canvas;
      if (w.__firstPaintAt === undefined && canvas.classList.contains('hm-canvas') && !canvas.dataset.old) {
        w.__firstPaintAt = 0;
        w.requestAnimationFrame(() => (w.__firstPaintAt = Date.now()));
      }
      return result;
    };
  }
}

const installed = new WeakSet<Workbench>();

/** Marks the heatmaps a frame shows now, and forgets its last paint, so only later ones count. */
async function markOld(frame: Frame): Promise<void> {
  await frame
    .evaluate(`document.querySelectorAll('canvas.hm-canvas').forEach((c) => { c.dataset.old = '1'; }); delete globalThis.__firstPaintAt;`)
    .catch(() => undefined);
}

/** When `frame` showed its first new heatmap (ms since the epoch), if it has. */
async function paintedAt(frame: Frame): Promise<number | undefined> {
  // A frame being made or torn down can hold an evaluation up; the others are looked at meanwhile.
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500));
  const at = await Promise.race([frame.evaluate('globalThis.__firstPaintAt').catch(() => undefined), timeout]);
  return typeof at === 'number' && at > 0 ? at : undefined;
}

/**
 * Opens `file` and runs `command` ("Run Backprop" unless told), returning the milliseconds from
 * pressing Enter on the command to the frame that shows the first new heatmap. `fresh` closes every
 * editor first, so the time includes creating the panel; otherwise the spec's open panel is reused.
 */
export async function commandToFirstHeatmap(workbench: Workbench, file: string, fresh: boolean, timeout = 60_000, command = 'Run Backprop'): Promise<number> {
  const { page } = workbench;
  if (!installed.has(workbench)) {
    // Frames made from now on; the ones already there are reloaded when their panel is made again.
    await page.addInitScript(recordFirstPaint);
    installed.add(workbench);
  }
  if (fresh) await workbench.runCommand('View: Close All Editors');
  await workbench.openFile(file);
  for (const frame of page.frames()) await markOld(frame);
  await page.keyboard.press('Control+Shift+P');
  await page.locator('.quick-input-widget .quick-input-box input').fill(`>${command}`);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: command }).waitFor();
  const start = Date.now();
  await page.keyboard.press('Enter');
  while (Date.now() - start < timeout) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const at = await paintedAt(frame);
      if (at !== undefined) return at - start;
    }
  }
  throw new Error(`no newly painted heatmap within ${timeout} ms`);
}

/** Median of `runs` measurements of `command` (default "Run Backprop"). */
export async function medianLatency(workbench: Workbench, file: string, fresh: boolean, runs: number, command?: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await commandToFirstHeatmap(workbench, file, fresh, 60_000, command));
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}
