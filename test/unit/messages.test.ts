// The pure modules' message catalogues: every id translated, each translation keeping its
// placeholders and `code` spans, and the edge's rendering and language choice.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ENGLISH, render } from '../../src/catalogues';
import { CLI_MESSAGES } from '../../src/cli/messages';
import { DEBUG_MESSAGES } from '../../src/debug/messages';
import { ENGINE_MESSAGES } from '../../src/engine/messages';
import { HOST_MESSAGES } from '../../src/extension/host-messages';
import { fillTemplate, languageOf, placeholders } from '../../src/message';
import { SPEC_MESSAGES } from '../../src/spec/messages';

const catalogues = [
  { name: 'spec', english: SPEC_MESSAGES as Record<string, string>, korean: 'l10n/spec.ko.json' },
  { name: 'engine', english: ENGINE_MESSAGES as Record<string, string>, korean: 'l10n/engine.ko.json' },
  { name: 'cli', english: CLI_MESSAGES as Record<string, string>, korean: 'l10n/cli.ko.json' },
  { name: 'host', english: HOST_MESSAGES as Record<string, string>, korean: 'l10n/host.ko.json' },
  { name: 'debug', english: DEBUG_MESSAGES as Record<string, string>, korean: 'l10n/debug.ko.json' },
];

const codeSpans = (text: string) => [...text.matchAll(/`[^`]+`/g)].map((m) => m[0]).sort();

for (const { name, english, korean } of catalogues) {
  test(`${korean} translates every ${name} message id, keeping its placeholders and code spans`, () => {
    const ko = JSON.parse(readFileSync(korean, 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(ko).sort(), Object.keys(english).sort());
    for (const [id, template] of Object.entries(english)) {
      assert.ok(id.startsWith(`${name}.`), `${id} is not in the ${name}. namespace`);
      assert.deepEqual(placeholders(ko[id]), placeholders(template), `${id}: placeholders`);
      assert.deepEqual(codeSpans(ko[id]), codeSpans(template), `${id}: code spans`);
      assert.match(ko[id], /[\uac00-\ud7a3]/, `${id} is not in Korean: ${ko[id]}`);
    }
  });
}

test('no message id is in two catalogues', () => {
  const ids = catalogues.flatMap((c) => Object.keys(c.english));
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(Object.keys(ENGLISH).length, ids.length);
});

test('a template fills its placeholders, and keeps one with no argument visible', () => {
  assert.equal(fillTemplate("unknown key '{key}' in {where}", { key: 'unit', where: 'layers[0]' }), "unknown key 'unit' in layers[0]");
  assert.equal(fillTemplate('{a} and {b}', { a: '1' }), '1 and {b}');
  assert.equal(fillTemplate('{a}{a}', { a: '$&' }), '$&$&', 'an argument is text, not a replacement pattern');
  assert.deepEqual(placeholders('{b} then {a} then {b}'), ['a', 'b', 'b']);
});

test('render falls back to English for an id the translation lacks, and to the id for an unknown one', () => {
  const [id] = Object.keys(ENGLISH);
  if (id !== undefined) assert.equal(render({ id, args: {} }, 'en'), fillTemplate(ENGLISH[id], {}));
  assert.equal(render({ id: 'nowhere.none', args: {} }, 'ko'), 'nowhere.none');
});

test('Korean for ko, ko-KR and ko_KR.UTF-8; English for everything else', () => {
  for (const tag of ['ko', 'ko-KR', 'ko_KR.UTF-8', 'KO', 'ko.UTF-8']) assert.equal(languageOf(tag), 'ko', tag);
  for (const tag of [undefined, '', 'en', 'en_US.UTF-8', 'kok', 'C', 'POSIX']) assert.equal(languageOf(tag), 'en', String(tag));
});
