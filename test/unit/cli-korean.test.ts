// The CLI in Korean: the locale (LC_ALL, then LC_MESSAGES, then LANG) or --lang picks the language of
// its messages; the `file:line:col: severity:` form and the exit codes are the same in every language.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { displayWidth, table } from '../../src/cli/table';

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

// The human output of run, check, train (and its compare:) and diff, in Korean: every heading and
// word of the tables and lines through the CLI's catalogue, the columns aligned by terminal width.

const tiny = join(dir, 'tiny.backprop.yaml');
writeFileSync(
  tiny,
  `input: { data: [[1, 0.2], [-1, -0.3], [0.8, 0.5], [-0.6, -0.9]] }
target: { labels: [1, 0, 1, 0] }
layers: [{ type: affine, units: 2 }, relu, { type: affine, units: 2 }]
loss: softmax-with-loss
train: { iterations: 40, batch: 2, optimizer: { type: sgd, lr: 0.5 }, weightDecay: 0.01, eval: { every: 20 } }
`,
);
const strict = join(dir, 'strict.backprop.yaml');
// rtol and atol of 0 cannot be met by central differences: every check fails.
writeFileSync(strict, 'input: { data: [[0.3, -0.2], [0.1, 0.4]] }\ntarget: { labels: [0, 1] }\nlayers: [ { type: affine, units: 2, init: { std: 1 } }, sigmoid ]\nloss: softmax-with-loss\ncheck: { atol: 0, rtol: 0 }\n');
const KO = { LANG: 'ko_KR.UTF-8' };
const EN = { LANG: 'C' };

/** A line as terminal cells: a wide character fills its cell and the next (''). */
const cells = (line: string) => [...line].flatMap((ch) => (displayWidth(ch) === 2 ? [ch, ''] : [ch]));

/** The terminal columns where each column of the table whose rule line is `rule` starts. */
const columnStarts = (rule: string) => [...rule.matchAll(/─+/g)].map((m) => m.index);

/** Each of `lines` has a cell starting at every column of `rule`: a space (or the line's start) before it, text at it. */
function assertAligned(rule: string, lines: string[]): void {
  const starts = columnStarts(rule);
  for (const line of lines) {
    const c = cells(line);
    assert.ok(displayWidth(line) <= displayWidth(rule), `wider than its rule:\n${line}\n${rule}`);
    for (const [i, start] of starts.entries()) {
      const end = i + 1 < starts.length ? starts[i + 1] - 2 : displayWidth(rule);
      const cell = c.slice(start, end).join('');
      assert.ok(start === 0 || c[start - 1] === ' ', `column ${i} of ${JSON.stringify(line)} runs into the one before`);
      assert.ok(cell.trim() !== '' || c.length <= start, `column ${i} of ${JSON.stringify(line)} is empty`);
      if (i + 1 < starts.length) assert.equal(c.slice(end, end + 2).join(''), '  ', `column ${i} of ${JSON.stringify(line)} runs into the next`);
    }
  }
}

/** The table of `out` whose header line matches `header`: its header, rule and rows. */
function tableOf(out: string, header: RegExp): string[] {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => header.test(l));
  assert.ok(at >= 0, `no header ${header} in\n${out}`);
  const end = lines.findIndex((l, i) => i > at + 1 && (l.trim() === '' || !/\S/.test(l)));
  return lines.slice(at, end < 0 ? undefined : end);
}

test('table pads by terminal width: Korean headers (two columns a character) line up with their cells', () => {
  assert.equal(displayWidth('계층'), 4);
  assert.equal(displayWidth('‖dW‖ abc'), 8);
  assert.equal(displayWidth('평균 |a−n|'), 10);
  const out = table(['계층', '종류', '평균', '결과'], [['Affine1', 'affine', '0.5', '정상'], ['Relu1', 'relu', '-1.25e-7', '실패']]).split('\n');
  assert.deepEqual(out, [
    '계층     종류        평균  결과',
    '───────  ──────  ────────  ────',
    'Affine1  affine       0.5  정상',
    'Relu1    relu    -1.25e-7  실패',
  ]);
  assertAligned(out[1], [out[0], ...out.slice(2)]);
  // A Korean cell wider than its header widens the column by its display width, not its length.
  assert.deepEqual(table(['x', 'y'], [['정확도', '1']]).split('\n'), ['x       y', '──────  ─', '정확도  1']);
  // English is padded as before, by length.
  assert.deepEqual(table(['layer', 'mean'], [['A', '1']]).split('\n'), ['layer  mean', '─────  ────', 'A         1']);
});

test('run and check in Korean: the layer and gradient check tables, their verdicts and failing elements', () => {
  const ko = cli(KO, 'check', tiny);
  assert.equal(ko.code, 0, ko.stderr);
  assert.match(ko.stdout, /^tiny: 손실 0\.693$/m);
  const layers = tableOf(ko.stdout, /^계층\s+종류\s+출력 형상\s+평균\s+표준편차\s+최솟값\s+최댓값\s+‖dx‖\s+‖dW‖\s+죽은 비율\s+확인$/);
  assert.equal(layers.length, 2 + 3);
  assert.ok(layers.slice(2).every((l) => /정상$/.test(l)), layers.join('\n'));
  assertAligned(layers[1], [layers[0], ...layers.slice(2)]);
  assert.match(ko.stdout, /^기울기 확인\(오차역전파법 대 중심 차분 수치 미분\)$/m);
  const checks = tableOf(ko.stdout, /^계층\s+매개변수\s+평균 \|a−n\|\s+최대 \|a−n\|\s+최대 상대 오차\s+실패 수\s+미분 불가\s+결과$/);
  assert.equal(checks.length, 2 + 7);
  assertAligned(checks[1], [checks[0], ...checks.slice(2)]);
  // No English word of the tables is left (layer names, types and dW, dx stay as they are).
  assert.doesNotMatch(ko.stdout, /\b(loss|layer|type|output|mean|std|min|max|dead|check|param|rel|failures|non-diff|result|ok|FAIL|gradient)\b/);
  assert.match(ko.stdout, /^Affine1 +affine +\[4, 2\]/m);
  assert.match(ko.stdout, /^Affine2 +dx +/m);

  const failing = cli(KO, 'check', strict);
  assert.equal(failing.code, 1);
  assert.match(failing.stdout, /^ {2}Affine1\.W: \[0, 0\] \(역전파 -?[\d.e-]+, 수치 미분 -?[\d.e-]+\), .*에서 실패했습니다$/m);
  assert.match(failing.stdout, /실패$/m);
  assert.doesNotMatch(failing.stdout.replaceAll(strict, 'SPEC'), /\b(fails at|backprop|numerical|FAIL|more)\b/);

  // A graph spec's node table.
  const graph = cli(KO, 'run', 'examples/buy_apple.backprop.yaml');
  assert.equal(graph.code, 0);
  const nodes = tableOf(graph.stdout, /^노드\s+연산\s+값\s+dprice\/dnode$/);
  assertAligned(nodes[1], [nodes[0], ...nodes.slice(2)]);
});

test('run and check in English: the same tables and lines as before', () => {
  const en = cli(EN, 'check', tiny);
  assert.equal(en.code, 0);
  assert.doesNotMatch(en.stdout, HANGUL);
  assert.match(en.stdout, /^tiny: loss 0\.693$/m);
  assert.match(en.stdout, /^layer {4}type {4}output {6}mean {6}std {7}min {6}max {5}‖dx‖ {5}‖dW‖ {2}dead {2}check$/m);
  assert.match(en.stdout, /^─────── {2}────── {2}────── {2}──────── {2}─────── {2}──────── {2}─────── {2}─────── {2}─────── {2}──── {2}─────$/m);
  assert.match(en.stdout, /^Affine1 {2}affine {2}\[4, 2\] .* {5}– {2}ok$/m);
  assert.match(en.stdout, /^gradient check \(backprop vs central differences\)$/m);
  assert.match(en.stdout, /^layer {4}param {2}mean \|a−n\| {2}max \|a−n\| {3}max rel {2}failures {2}non-diff\. {2}result$/m);
  const failing = cli(EN, 'check', strict);
  assert.match(failing.stdout, /^ {2}Affine1\.W fails at \[0, 0\] \(backprop -?[\d.e-]+, numerical -?[\d.e-]+\), /m);
  assert.match(cli(EN, 'run', 'examples/buy_apple.backprop.yaml').stdout, /^node {9}op {18}value {8}dprice\/dnode$/m);
});

test('--json is the same bytes under a Korean locale as under an English one', () => {
  for (const command of ['run', 'check']) {
    const en = cli(EN, command, tiny, '--json');
    const ko = cli(KO, command, tiny, '--json');
    assert.equal(ko.code, 0);
    assert.equal(ko.stdout, en.stdout);
  }
  const strip = (out: string) => out.replace(/"seconds":[\d.e-]+/g, '"seconds":0');
  assert.equal(strip(cli(KO, 'train', tiny, '--json').stdout), strip(cli(EN, 'train', tiny, '--json').stdout));
});

test('train in Korean: the heading, the evaluation table under Korean headers and the summary', () => {
  const ko = cli(KO, 'train', tiny);
  assert.equal(ko.code, 0, ko.stderr);
  assert.match(ko.stdout, /^tiny: 반복 40회, 배치 2, sgd \(lr 0\.5\), 가중치 감소 0\.01; 훈련 데이터 4개, 시험 데이터 없음$/m);
  const rows = tableOf(ko.stdout, /^\s+반복\s+에폭\s+손실\s+훈련 정확도\s+시험 정확도$/);
  assert.equal(rows.length, 2 + 2);
  // Right-aligned under the wide headers: every line ends at the same terminal column.
  assert.deepEqual(new Set(rows.map(displayWidth)).size, 1, rows.join('\n'));
  assert.deepEqual(rows.slice(2).map((r) => r.trim().split(/\s+/)[0]), ['20', '40']);
  assert.match(ko.stdout, /^[\d.]+초 만에 끝났습니다: 손실 [\d.e-]+, 훈련 정확도 1, 시험 데이터 없음$/m);
  assert.doesNotMatch(ko.stdout, /\b(iterations?|batch|epoch|loss|train|test|acc|done|weight decay|set)\b/);

  const en = cli(EN, 'train', tiny);
  assert.doesNotMatch(en.stdout, HANGUL);
  assert.match(en.stdout, /^tiny: 40 iterations, batch 2, sgd \(lr 0\.5\), weight decay 0\.01; train 4, no test set$/m);
  assert.match(en.stdout, /^iteration {4}epoch {8}loss {2}train acc {3}test acc$/m);
  assert.match(en.stdout, /^─{9} {2}─{7} {2}─{10} {2}─{9} {2}─{9}$/m);
  assert.match(en.stdout, /^done in [\d.]+ s: loss [\d.e-]+, train acc 1, no test set$/m);
});

test('train of a compare: section in Korean: the heading, each variant and the table', () => {
  const file = join(dir, 'compare.backprop.yaml');
  writeFileSync(file, 'input: { data: [[1, 0.2], [-1, -0.3], [0.8, 0.5], [-0.6, -0.9]] }\ntarget: { labels: [1, 0, 1, 0] }\nlayers: [{ type: affine, units: 2 }]\nloss: softmax-with-loss\ntrain: { iterations: 20, batch: 2, optimizer: { type: sgd, lr: 0.5 } }\ncompare:\n  optimizer: [sgd, { type: adam, lr: 0.01 }]\n');
  const ko = cli(KO, 'train', file);
  assert.equal(ko.code, 0, ko.stderr);
  assert.match(ko.stdout, /^compare: optimizer의 변형 2개를 비교합니다\. 변형마다 반복 20회, 배치 2; 훈련 데이터 4개, 시험 데이터 없음$/m);
  assert.match(ko.stdout, /^adam: [\d.]+초 동안 20단계$/m);
  const rows = tableOf(ko.stdout, /^변형\s+단계\s+최종 손실\s+평균 손실\(최근 100단계\)\s+훈련 정확도\s+시험 정확도\s+시간$/);
  assertAligned(rows[1], [rows[0], ...rows.slice(2)]);
  assert.match(rows[3], /^adam +20 .*[\d.]+초$/);
  assert.doesNotMatch(ko.stdout, /\b(compared|variants?|iterations|each|batch|steps?|train|test|set|final|mean|loss|last|acc|time|s)\b/);
  const en = cli(EN, 'train', file);
  assert.match(en.stdout, /^compare: optimizer compared over 2 variants, 20 iterations each, batch 2; train 4, no test set$/m);
  assert.match(en.stdout, /^variant {2}steps {2}final loss {2}mean loss, last 100 {2}train acc {2}test acc {2}time$/m);
  assert.match(en.stdout, /^adam: 20 steps in [\d.]+ s$/m);
});

test('diff in Korean: the table, its verdicts, what is not comparable, the summary, the help and usage errors', () => {
  const a = join(dir, 'a.npz');
  const b = join(dir, 'b.npz');
  const wider = join(dir, 'wider.backprop.yaml');
  writeFileSync(wider, readFileSync(tiny, 'utf8').replace('units: 2 }, relu', 'units: 3 }, relu'));
  assert.equal(cli(EN, 'run', tiny, '--save', a).code, 0);
  assert.equal(cli(EN, 'run', wider, '--save', b).code, 0);
  const ko = cli(KO, 'diff', a, b);
  assert.equal(ko.code, 1);
  // The table ends where the lines of what is not comparable begin.
  const rows = tableOf(ko.stdout, /^텐서\s+형상\s+최대 \|B−A\|\s+위치\s+A\s+B\s+결과$/).filter((l) => !/: /.test(l));
  assertAligned(rows[1], [rows[0], ...rows.slice(2)]);
  assert.match(ko.stdout, /^Affine1\/x +\[4, 2\] +0 +– +– +– +정상$/m);
  assert.match(ko.stdout, /^Affine2\/out .* 초과 \(\d+\)$/m);
  assert.match(ko.stdout, /^Affine1\/W: 형상이 바뀜 \(\[2, 2\] → \[2, 3\]\)$/m);
  assert.match(ko.stdout, /^텐서 \d+개를 비교했습니다\(rtol 0\.00001, atol 1e-8\): \d+개가 허용 오차를 넘고, \d+개는 비교할 수 없습니다$/m);
  assert.doesNotMatch(ko.stdout, /\b(tensors?|shape|max|at|result|ok|OVER|reshaped|only|compared|over|tolerance|comparable)\b/);
  assert.match(cli(KO, 'diff', a, a).stdout, /^텐서 \d+개를 비교했습니다\(rtol 0\.00001, atol 1e-8\): 모두 허용 오차 안입니다$/m);

  const en = cli(EN, 'diff', a, b);
  assert.equal(en.code, 1);
  assert.doesNotMatch(en.stdout, HANGUL);
  assert.match(en.stdout, /^tensor {16}shape {3}max \|B−A\| {2}at {29}A {25}B {2}result$/m);
  assert.match(en.stdout, /^Affine1\/W: reshaped \(\[2, 2\] → \[2, 3\]\)$/m);
  assert.match(en.stdout, /^\d+ tensors compared \(rtol 0\.00001, atol 1e-8\): \d+ over tolerance, \d+ not comparable$/m);

  const help = cli(KO, 'diff', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^사용법: backprop diff A\.npz B\.npz \[--rtol R\] \[--atol A\]$/m);
  assert.match(help.stdout, /^종료 상태: 0 /m);
  assert.match(cli(EN, 'diff', '--help').stdout, /^usage: backprop diff A\.npz B\.npz/);
  const one = cli(KO, 'diff', a);
  assert.equal(one.code, 2);
  assert.match(one.stderr, /^backprop: \.npz 파일은 두 개여야 하는데 1개가 주어졌습니다$/m);
  assert.match(one.stderr, /^사용법: backprop diff/m);
  assert.match(cli(KO, 'diff', a, b, '--rtol', 'x').stderr, /^backprop: --rtol에는 0 이상의 수가 필요합니다\. 예: --rtol 1e-6$/m);
  assert.match(cli(KO, 'diff', a, b, '--nope').stderr, /^backprop: 알 수 없는 옵션입니다: '--nope'$/m);
  assert.match(cli(KO, 'diff', a, join(dir, 'missing.npz')).stderr, /^backprop: .*missing\.npz 파일을 읽을 수 없습니다: ENOENT$/m);
  assert.match(cli(EN, 'diff', a, join(dir, 'missing.npz')).stderr, /^backprop: cannot read .*missing\.npz: ENOENT$/m);
});
