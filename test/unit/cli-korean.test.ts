// The CLI in Korean: the locale (LC_ALL, then LC_MESSAGES, then LANG) or --lang picks the language of
// its messages; the `file:line:col: severity:` form and the exit codes are the same in every language.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'backprop-cli-ko-'));
const broken = join(dir, 'broken.backprop.yaml');
writeFileSync(broken, 'input: { data: [[0.1, 0.2]] }\nlayers:\n  - { type: affine, units: abc }\n  - relux\nloss: softmax-with-loss\ntarget: { labels: [0] }\n');

/** The CLI with exactly `env` as its locale variables (the others unset). */
const cli = (env: Record<string, string>, ...args: string[]) => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(LANG|LANGUAGE|LC_.*)$/.test(k)));
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...base, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const HANGUL = /[\uac00-\ud7a3]/;
/** The `file:line:col: severity:` of each line, without the text. */
const prefixes = (stderr: string) => stderr.trim().split('\n').map((line) => /^(.*?:\d+:\d+: (?:error|warning): )/.exec(line)?.[1]);

test('LANG=ko_KR.UTF-8: Korean errors, the same file:line:col prefixes and exit code as in English', () => {
  const en = cli({ LANG: 'C' }, 'run', broken);
  const ko = cli({ LANG: 'ko_KR.UTF-8' }, 'run', broken);
  assert.equal(en.code, 2);
  assert.equal(ko.code, en.code);
  assert.match(en.stderr, /broken\.backprop\.yaml:3:28: error: units must be a positive integer, got 'abc'/);
  assert.match(en.stderr, /broken\.backprop\.yaml:4:5: error: unknown layer type 'relux' — did you mean 'relu'\?/);
  assert.doesNotMatch(en.stderr, HANGUL);
  assert.deepEqual(prefixes(ko.stderr), prefixes(en.stderr));
  assert.ok(prefixes(ko.stderr).every((p) => p !== undefined), ko.stderr);
  assert.match(ko.stderr, /broken\.backprop\.yaml:3:28: error: units에는 양의 정수를 써야 하는데 'abc'입니다/);
  assert.match(ko.stderr, /broken\.backprop\.yaml:4:5: error: 알 수 없는 계층 종류입니다: 'relux'\. 혹시 'relu'인가요\?/);
});

test('--lang ko speaks Korean under LANG=C, and --lang en English under a Korean LANG', () => {
  const ko = cli({ LANG: 'C' }, 'run', broken, '--lang', 'ko');
  assert.equal(ko.code, 2);
  assert.match(ko.stderr, /3:28: error: units에는 양의 정수를/);
  const koEq = cli({ LANG: 'C' }, 'check', '--lang=ko', broken);
  assert.equal(koEq.code, 2);
  assert.match(koEq.stderr, HANGUL);
  const en = cli({ LANG: 'ko_KR.UTF-8', LC_ALL: 'ko_KR.UTF-8' }, '--lang', 'en', 'run', broken);
  assert.equal(en.code, 2);
  assert.match(en.stderr, /3:28: error: units must be a positive integer, got 'abc'/);
  assert.doesNotMatch(en.stderr, HANGUL);
});

test('LC_ALL over LC_MESSAGES over LANG; an empty one is skipped', () => {
  assert.doesNotMatch(cli({ LC_ALL: 'en_US.UTF-8', LANG: 'ko_KR.UTF-8' }, 'run', broken).stderr, HANGUL);
  assert.match(cli({ LC_ALL: 'ko_KR.UTF-8', LANG: 'en_US.UTF-8' }, 'run', broken).stderr, HANGUL);
  assert.match(cli({ LC_MESSAGES: 'ko_KR.UTF-8', LANG: 'en_US.UTF-8' }, 'run', broken).stderr, HANGUL);
  assert.match(cli({ LC_ALL: '', LANG: 'ko' }, 'run', broken).stderr, HANGUL);
});

test('--lang xx, or --lang with no value, is a usage error (exit 2, with the usage)', () => {
  for (const args of [['--lang', 'xx'], ['--lang=fr'], ['--lang']]) {
    const r = cli({ LANG: 'C' }, 'run', broken, ...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^backprop: (unknown language '(xx|fr)' for --lang: use en or ko|--lang needs a language, en or ko, as in --lang ko)$/m);
    assert.match(r.stderr, /^usage: backprop/m);
  }
  const ko = cli({ LANG: 'ko_KR.UTF-8' }, 'run', broken, '--lang', 'xx');
  assert.equal(ko.code, 2);
  assert.match(ko.stderr, /^backprop: --lang에 알 수 없는 언어입니다: 'xx'/m);
});

test('usage errors and the help in Korean; the help mentions --lang', () => {
  const help = cli({ LANG: 'C' }, '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--lang en\|ko/);
  const koHelp = cli({ LANG: 'ko_KR.UTF-8' }, '--help');
  assert.equal(koHelp.code, 0);
  assert.match(koHelp.stdout, /^사용법: backprop/);
  assert.match(koHelp.stdout, /--lang en\|ko/);
  const missing = cli({ LANG: 'ko_KR.UTF-8' }, 'run');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^backprop: SPEC 파일이 없습니다$/m);
  const unknown = cli({ LANG: 'ko_KR.UTF-8' }, 'run', broken, '--nope');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^backprop: 알 수 없는 옵션입니다: '--nope'$/m);
});

test('--json stays English under a Korean locale', () => {
  const r = cli({ LANG: 'ko_KR.UTF-8' }, 'run', 'examples/buy_apple.backprop.yaml', '--json');
  assert.equal(r.code, 0);
  assert.doesNotMatch(r.stdout, HANGUL);
  assert.ok(JSON.parse(r.stdout));
});
