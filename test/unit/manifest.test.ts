// package.json against the code it describes: settings defaults, commands and contributed files.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import { TRAINING_DEFAULTS } from '../../src/extension/train-session';

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));

test('backprop.health.* settings default to the engine thresholds', () => {
  const props = manifest.contributes.configuration.properties;
  for (const [key, value] of Object.entries(DEFAULT_THRESHOLDS)) {
    assert.equal(props[`backprop.health.${key}`]?.default, value, key);
  }
  assert.equal(Object.keys(props).filter((k) => k.startsWith('backprop.health.')).length, Object.keys(DEFAULT_THRESHOLDS).length);
});

test('backprop.training.* settings default to what the trainer falls back to', () => {
  const props = manifest.contributes.configuration.properties;
  for (const [key, value] of Object.entries(TRAINING_DEFAULTS)) assert.equal(props[`backprop.training.${key}`]?.default, value, key);
});

test('contributed files exist', () => {
  const c = manifest.contributes;
  for (const path of [...c.jsonValidation.map((j: { url: string }) => j.url), ...c.snippets.map((s: { path: string }) => s.path), c.viewsContainers.activitybar[0].icon]) {
    assert.ok(existsSync(path), path);
  }
  const snippets = JSON.parse(readFileSync(c.snippets[0].path, 'utf8'));
  assert.ok(Object.keys(snippets).length >= 5);
});
