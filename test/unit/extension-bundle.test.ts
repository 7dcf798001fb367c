// The extension host parses specs; the worker builds and runs them. dist/extension.meta.json is the
// metafile of dist/extension.js (esbuild.mjs writes it), so this reads what the host bundle holds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

/** Engine code that builds, runs, checks or trains a network: it belongs in the worker and the CLI. */
const WORKER_ONLY = /^src\/(engine\/layers\/.*|engine\/network\.ts|engine\/gradcheck\.ts|engine\/fast-step\.ts|engine\/train\.ts|spec\/build\.ts)$/;

test('the extension bundle holds no layers, network, gradient check, fast step, training or network building', () => {
  const { inputs } = JSON.parse(readFileSync('dist/extension.meta.json', 'utf8')) as { inputs: Record<string, unknown> };
  const files = Object.keys(inputs);
  // The right metafile: the extension's entry and the spec parser it uses are in it.
  assert.ok(files.includes('src/extension/extension.ts'), 'no src/extension/extension.ts in the metafile');
  assert.ok(files.includes('src/spec/parse.ts'), 'no src/spec/parse.ts in the metafile');
  assert.deepEqual(files.filter((f) => WORKER_ONLY.test(f)), []);
});
