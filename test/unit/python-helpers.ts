// Python for the tests that run the user's classes: python3 with numpy. Missing, such a test skips
// locally with the reason printed, and fails under CI, which installs both (scripts/install-vscode-test.sh).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** The bridge script beside the test bundles, as dist/bridge.py is beside dist/worker.js. */
export const BRIDGE = join(__dirname, 'bridge.py');

/** The interpreter the tests use. */
export const PYTHON = process.env.BACKPROP_PYTHON ?? 'python3';

let missing: string | null | undefined;

/** Why python3 with numpy cannot run here, or null when it can. */
function whyMissing(): string | null {
  if (missing === undefined) {
    const probe = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
    missing = probe.error ? `${PYTHON} was not found` : probe.status !== 0 ? `${PYTHON} has no numpy` : null;
  }
  return missing;
}

/** True when Python can run; otherwise skips `t` (locally) or throws (under CI). */
export function needsPython(t: TestContext): boolean {
  const why = whyMissing();
  if (why === null) return true;
  if (process.env.CI) throw new Error(`this test needs Python with numpy, which CI installs: ${why}`);
  console.log(`# skipped: ${why}`);
  t.skip(why);
  return false;
}
