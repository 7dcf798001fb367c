// A scratch copy of examples/ for e2e runs, with a few specs written to break things, so the tests
// never touch the repository's files.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './harness';

/** Specs that must fail cleanly: a typo'd layer type, and a layer named like an HTML injection. */
export const hostileSpecs: Readonly<Record<string, string>> = {
  'typo.backprop.yaml': 'input: { data: [[1, 2]] }\nlayers:\n  - relux\n',
  'hostile.backprop.yaml':
    'input: { data: [[1, -2]] }\nlayers:\n  - { type: relu, name: "<img src=x onerror=alert(1)>" }\n',
};

/** Copies examples/ into a new temp folder, adds the hostile specs and returns the folder. */
export function scratchExamples(): string {
  const folder = mkdtempSync(join(tmpdir(), 'backprop-e2e-'));
  cpSync(join(repoRoot, 'examples'), folder, { recursive: true });
  for (const [name, text] of Object.entries(hostileSpecs)) writeFileSync(join(folder, name), text);
  return folder;
}
