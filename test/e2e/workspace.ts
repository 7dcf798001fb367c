// A scratch copy of examples/ for e2e runs, with a few specs written to break things, so the tests
// never touch the repository's files.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './harness';

/**
 * Specs written to break things: a typo'd layer type, a layer named like an HTML injection, and a
 * gradient check of a million weights that takes long enough to cancel.
 */
export const hostileSpecs: Readonly<Record<string, string>> = {
  'slow.backprop.yaml':
    'input: { random: { shape: [32, 512] } }\ntarget: { random: { shape: [32] } }\nlayers:\n' +
    '  - { type: affine, units: 512 }\n  - relu\n'.repeat(4) +
    '  - { type: affine, units: 10 }\nloss: softmax-with-loss\n',
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
