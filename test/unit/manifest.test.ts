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

/** Every string of the manifest VS Code shows: titles, descriptions, names, labels and the walkthrough's alt texts. */
function shownStrings(value: unknown, key = '', out: [string, string][] = []): [string, string][] {
  if (typeof value === 'string') {
    if (/^(displayName|description|markdownDescription|title|category|label|name|contextualTitle|enumDescriptions|altText)$/.test(key)) out.push([key, value]);
  } else if (Array.isArray(value)) value.forEach((v) => shownStrings(v, key === 'enumDescriptions' ? key : '', out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) shownStrings(v, k, out);
  return out;
}

/** What a translation must keep as it is: `{0}` placeholders and `code` spans (identifiers, spec keys). */
function kept(text: string): string[] {
  return [...text.matchAll(/\{\d+\}|`[^`]+`/g)].map((m) => m[0]).sort();
}

test('the manifest shows its strings through package.nls.json, and package.nls.ko.json translates each, keeping placeholders and code', () => {
  const en = JSON.parse(readFileSync('package.nls.json', 'utf8')) as Record<string, string>;
  const ko = JSON.parse(readFileSync('package.nls.ko.json', 'utf8')) as Record<string, string>;
  const { name, contributes, capabilities, displayName, description } = manifest;
  const shown = shownStrings({ displayName, description, contributes, capabilities });
  const unkeyed = shown.filter(([, v]) => !/^%[\w.]+%$/.test(v));
  assert.deepEqual(unkeyed, [], 'shown without package.nls.json');
  const used = new Set(shown.map(([, v]) => v.slice(1, -1)));
  assert.deepEqual([...used].filter((k) => !(k in en)), [], 'keys missing from package.nls.json');
  assert.deepEqual(Object.keys(en).filter((k) => !used.has(k)), [], 'keys of package.nls.json nothing uses');
  assert.deepEqual(Object.keys(ko).sort(), Object.keys(en).sort());
  for (const key of Object.keys(en)) {
    assert.deepEqual(kept(ko[key]), kept(en[key]), key);
    if (en[key] !== 'Backprop' && en[key] !== 'Backprop Lens') assert.ok(/[\uac00-\ud7a3]/.test(ko[key]), `${key} is not in Korean: ${ko[key]}`);
  }
  assert.equal(name, 'backprop-lens');
});
