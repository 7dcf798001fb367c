// The Python extension's selected interpreter, read through its public environments API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeInterpreter, type PythonEnvironments } from '../../src/python-env';

function environments(resolved: Record<string, string | undefined>): PythonEnvironments & { asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    getActiveEnvironmentPath: (resource) => {
      asked.push(resource);
      return { path: '/home/me/.venv' };
    },
    resolveEnvironment: async ({ path }) => (path in resolved ? { executable: { uri: resolved[path] === undefined ? undefined : { fsPath: resolved[path]! } } } : undefined),
  };
}

test('the active environment of the workspace resolves to its executable', async () => {
  const api = environments({ '/home/me/.venv': '/home/me/.venv/bin/python' });
  assert.equal(await activeInterpreter(api, 'folder-uri'), '/home/me/.venv/bin/python');
  assert.deepEqual(api.asked, ['folder-uri']);
});

test('an environment the API cannot resolve, or one without an executable, gives nothing: python3 stays the default', async () => {
  assert.equal(await activeInterpreter(environments({})), undefined);
  assert.equal(await activeInterpreter(environments({ '/home/me/.venv': undefined })), undefined);
  assert.equal(await activeInterpreter(environments({ '/home/me/.venv': '' })), undefined);
});
