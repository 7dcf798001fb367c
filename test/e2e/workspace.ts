// A scratch copy of examples/ for e2e runs, with a few specs written to break things, so the tests
// never touch the repository's files.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { defaultVsix, repoRoot, startVSCode, type CodeServerOptions, type VSCodeSession } from './harness';

/**
 * Specs written to break things: a typo'd layer type, a layer named like an HTML injection, custom
 * layers that loop, end their thread or leave a trace when loaded, and a gradient check of a million
 * weights that takes long enough to cancel.
 */
export const hostileSpecs: Readonly<Record<string, string>> = {
  // A custom layer that never returns, and one whose module leaves a marker file when it is loaded.
  'custom/loop.backprop.yaml': 'input: { data: [[1, 2]] }\nlayers:\n  - { type: custom, module: ./layers/loop.js }\n',
  'custom/layers/loop.js': 'module.exports = { forward(x) { for (;;) {} }, backward(dout) { return dout; } };\n',
  'custom/marker.backprop.yaml': 'input: { data: [[1, 2]] }\nlayers:\n  - { type: custom, module: ./layers/marker.js }\n',
  'custom/layers/marker.js':
    "require('fs').writeFileSync(require('path').join(__dirname, 'loaded.marker'), 'loaded');\n" +
    'module.exports = { forward(x) { return { shape: x.shape, data: x.data.slice() }; }, backward(dout) { return { shape: dout.shape, data: dout.data.slice() }; } };\n',
  // A layer whose thread dies in the run's forward (its 2nd call: the 1st is the shape probe at load),
  // once: the marker it leaves lets the next run through.
  'custom/exit.backprop.yaml': 'input: { data: [[1, -2, 0.5]] }\nlayers:\n  - { type: affine, units: 3 }\n  - { type: custom, module: ./layers/exit.js }\n  - relu\n',
  'custom/layers/exit.js':
    "const fs = require('fs');\nconst marker = require('path').join(__dirname, 'exited.marker');\nlet calls = 0;\n" +
    'module.exports = {\n' +
    "  forward(x) { if (++calls === 2 && !fs.existsSync(marker)) { fs.writeFileSync(marker, ''); process.exit(9); } return { shape: x.shape, data: x.data.slice() }; },\n" +
    '  backward(dout) { return { shape: dout.shape, data: dout.data.slice() }; },\n};\n',
  // A layer whose every forward takes 3 s: a run long enough to see whether its panel shows while it goes.
  'custom/slow-forward.backprop.yaml': 'input: { data: [[1, 2]] }\nlayers:\n  - { type: custom, module: ./layers/slow-forward.js }\n',
  'custom/layers/slow-forward.js':
    'module.exports = {\n  forward(x) { const end = Date.now() + 3000; while (Date.now() < end); return { shape: x.shape, data: x.data.slice() }; },\n' +
    '  backward(dout) { return { shape: dout.shape, data: dout.data.slice() }; },\n};\n',
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
  for (const [name, text] of Object.entries(hostileSpecs)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
  return folder;
}

/**
 * Before a test file's tests, code-server with the packaged .vsix on a scratch copy of the examples
 * (and `options`, e.g. a locale), handed to `started` with the copy's folder; after them, the
 * server stopped and the copy removed.
 */
export function useExamplesInCodeServer(
  started: (session: VSCodeSession, folder: string) => void,
  options: Omit<CodeServerOptions, 'folder'> = {},
): void {
  let session: VSCodeSession | undefined;
  let folder = '';
  before(async () => {
    folder = scratchExamples();
    session = await startVSCode({ vsix: [defaultVsix], ...options, folder });
    started(session, folder);
  });
  after(async () => {
    await session?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });
}
