// Time from "Run Backprop" in the palette to the first painted heatmap in the panel, as a user sees
// it. Used by the e2e tests and by `npm run bench`; a figure, never a timed assertion.
import type { Frame } from 'playwright-core';
import type { Workbench } from './harness';

/** True when some heatmap canvas in `frame` has a painted pixel. */
async function painted(frame: Frame): Promise<boolean> {
  return frame
    .evaluate(() => {
      // Typed by hand: this project's tsconfig has no DOM lib.
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } }).document;
      const canvases = Array.from(doc.querySelectorAll('canvas.hm-canvas')) as {
        width: number;
        height: number;
        getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
      }[];
      return canvases.some((c) => {
        const data = c.width && c.height ? c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data : undefined;
        return !!data && data.some((v, i) => i % 4 === 3 && v !== 0);
      });
    })
    .catch(() => false);
}

/**
 * Opens `file`, closes every panel, runs "Run Backprop" and returns the milliseconds from pressing
 * Enter on the command to the first painted heatmap (webview creation included).
 */
export async function commandToFirstHeatmap(workbench: Workbench, file: string, timeout = 60_000): Promise<number> {
  const { page } = workbench;
  await workbench.runCommand('View: Close All Editors');
  await workbench.openFile(file);
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill('>Run Backprop');
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Run Backprop' }).waitFor();
  const start = Date.now();
  await page.keyboard.press('Enter');
  while (Date.now() - start < timeout) {
    for (const frame of page.frames()) if (frame !== page.mainFrame() && (await painted(frame))) return Date.now() - start;
  }
  throw new Error(`no painted heatmap within ${timeout} ms`);
}
