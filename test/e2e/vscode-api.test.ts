// Runs the VS Code API suite (test/vscode) inside code-server's extension host, as part of the one
// `node --test` run of `npm test`, and shows its report.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './harness';

test('the VS Code API suite passes inside the extension host', () => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'out/test/vscode/run-in-code-server.js')], { encoding: 'utf8', timeout: 420_000 });
  process.stdout.write(r.stdout.replace(/^/gm, '    '));
  assert.equal(r.status, 0, `in-host suite failed:\n${r.stdout}\n${r.stderr}`);
});
