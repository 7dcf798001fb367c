// The walkthrough "Learn backprop with Backprop Lens": its steps in package.json against the files,
// commands, views and context keys they name, its strings in both languages, and the pure rule that
// completes its last two steps.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { gradientHealth } from '../../src/engine/health';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import { runNetwork } from '../../src/engine/run';
import { analyseSpec } from '../../src/spec/analyse';
import { initFix } from '../../src/spec/fixes';
import { loadSpec, memoryFile } from '../../src/spec/index';
import type { Range } from '../../src/spec/model';
import { CUSTOM_CHECKED_KEY, FIXED_KEY, INITIAL_WALKTHROUGH_STATE, usesOwnCode, walkthroughAfter, type FinishedRun, type WalkthroughState } from '../../src/extension/walkthrough-done';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { svg?: string; image?: string; altText: string };
  completionEvents: string[];
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
const en = JSON.parse(readFileSync('package.nls.json', 'utf8')) as Record<string, string>;
const ko = JSON.parse(readFileSync('package.nls.ko.json', 'utf8')) as Record<string, string>;
const walkthroughs = manifest.contributes.walkthroughs as { id: string; title: string; description: string; steps: Step[] }[];
const learn = walkthroughs.find((w) => w.id === 'learn')!;
/** The nls key of a `%key%` manifest string. */
const key = (value: string) => /^%([\w.]+)%$/.exec(value)?.[1] ?? assert.fail(`not a %key%: ${value}`);
/** Every `command:` link of a markdown text: the command and its decoded arguments. */
const commandLinks = (markdown: string) =>
  [...markdown.matchAll(/\]\(command:([\w.]+)(?:\?([^)\s]*))?\)/g)].map((m) => ({ command: m[1], args: m[2] === undefined ? [] : (JSON.parse(decodeURIComponent(m[2])) as unknown[]) }));

test('the walkthrough has its seven steps, in order', () => {
  assert.equal(walkthroughs.length, 1);
  assert.ok(learn, 'no walkthrough "learn"');
  assert.deepEqual(learn.steps.map((s) => s.id), ['shop', 'relu', 'affine', 'check', 'train', 'fix', 'custom']);
});

test("each step's media is a theme-aware, language-neutral SVG in media/walkthrough/, shipped in the .vsix", () => {
  const ignore = readFileSync('.vscodeignore', 'utf8').split('\n');
  assert.ok(ignore.includes('!media/**'), '.vscodeignore no longer ships media/');
  assert.ok(!ignore.some((l) => /^media\/(walkthrough|\*)/.test(l)), '.vscodeignore leaves out media/walkthrough');
  for (const step of learn.steps) {
    const path = step.media.svg;
    assert.equal(path, `media/walkthrough/${step.id}.svg`, step.id);
    assert.ok(existsSync(path), path);
    const svg = readFileSync(path, 'utf8');
    assert.match(svg, /^(<\?xml[^>]*\?>\s*)?<svg\b[^>]*\sviewBox="0 0 \d+ \d+"/, path);
    assert.match(svg, /<\/svg>\s*$/, path);
    assertWellFormed(svg, path);
    assert.match(svg, /var\(--vscode-foreground\)/, `${path} does not follow the theme`);
    // Colours come from the theme only: no fixed colour a dark or a light theme would hide.
    assert.deepEqual(svg.match(/(fill|stroke)="#[0-9a-f]+"/gi) ?? [], [], path);
    assert.ok(step.media.altText, `${step.id} has no alt text`);
  }
});

/** Every element closes, in order: enough XML for an SVG made of plain elements and text. */
function assertWellFormed(svg: string, path: string): void {
  const open: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([\w:-]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (!closing) open.push(name);
    else assert.equal(open.pop(), name, `${path}: </${name}> closes <${open.at(-1)}>`);
  }
  assert.deepEqual(open, [], `${path}: unclosed elements`);
  // Nothing looks like a tag that the pattern above did not read (a stray quote, say).
  const tags = svg.match(/<[^!?]/g)?.length ?? 0;
  const read = [...svg.matchAll(/<(\/?)([\w:-]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/g)].length;
  assert.equal(read, tags, `${path}: a tag does not parse`);
}

test('each step opens an example that exists, in both languages, and links only commands the manifest has', () => {
  const commands = new Set<string>(manifest.contributes.commands.map((c: { command: string }) => c.command));
  const views = Object.values(manifest.contributes.views as Record<string, { id: string }[]>).flat().map((v) => v.id);
  for (const step of learn.steps) {
    const english = commandLinks(en[key(step.description)]);
    const korean = commandLinks(ko[key(step.description)]);
    assert.deepEqual(korean, english, `${step.id}: the Korean description links other commands`);
    const examples = english.filter((l) => l.command === 'backprop.openExample');
    assert.ok(examples.length >= 1, `${step.id} opens no example`);
    for (const { args } of examples) {
      assert.equal(args.length, 1, JSON.stringify(args));
      const [path] = args;
      assert.ok(typeof path === 'string' && path.startsWith('examples/') && !path.includes('..'), `${step.id}: ${String(path)}`);
      assert.ok(existsSync(path), `${step.id}: ${path} does not exist`);
      assert.match(path, /\.backprop\.(ya?ml|json)$/, `${step.id}: ${path} is not a spec`);
    }
    for (const { command } of english) {
      assert.ok(commands.has(command) || views.some((v) => command === `${v}.focus`), `${step.id} links the unknown command ${command}`);
    }
  }
  // The steps that are about a spec's run say how to run it.
  const runs: Record<string, string> = { shop: 'backprop.run', affine: 'backprop.run', check: 'backprop.check', train: 'backprop.train', fix: 'backprop.run', custom: 'backprop.check' };
  for (const [id, command] of Object.entries(runs)) {
    const step = learn.steps.find((s) => s.id === id)!;
    assert.ok(commandLinks(en[key(step.description)]).some((l) => l.command === command), `${id} has no ${command} link`);
  }
});

test("completion events are forms VS Code knows, of the manifest's commands and views and of the extension's context keys", () => {
  const commands = new Set<string>(manifest.contributes.commands.map((c: { command: string }) => c.command));
  const views = new Set(Object.values(manifest.contributes.views as Record<string, { id: string }[]>).flat().map((v) => v.id));
  const contextKeys = new Set([FIXED_KEY, CUSTOM_CHECKED_KEY]);
  const expected: Record<string, string[]> = {
    shop: ['onCommand:backprop.run'],
    relu: ['onView:backprop.sideView'],
    affine: ['onCommand:backprop.showLayer'],
    check: ['onCommand:backprop.check'],
    train: ['onCommand:backprop.train'],
    fix: [`onContext:${FIXED_KEY}`],
    custom: [`onContext:${CUSTOM_CHECKED_KEY}`],
  };
  for (const step of learn.steps) {
    assert.deepEqual(step.completionEvents, expected[step.id], step.id);
    for (const event of step.completionEvents) {
      const [, kind, target] = /^(onCommand|onView|onContext|onSettingChanged|onLink|onEvent):(.+)$/.exec(event) ?? assert.fail(`${step.id}: ${event}`);
      if (kind === 'onCommand') assert.ok(commands.has(target), event);
      if (kind === 'onView') assert.ok(views.has(target), event);
      if (kind === 'onContext') assert.ok(contextKeys.has(target), event);
    }
  }
  // Open Example is a palette command like the others; its handler is registered with the rest.
  const openExample = manifest.contributes.commands.find((c: { command: string }) => c.command === 'backprop.openExample');
  assert.deepEqual(openExample, { command: 'backprop.openExample', title: '%command.openExample%', category: '%category%' });
  assert.match(readFileSync('src/extension/walkthrough.ts', 'utf8'), /registerCommand\('backprop\.openExample'/);
  assert.match(readFileSync('src/extension/extension.ts', 'utf8'), /registerOpenExample\(context\.extensionUri\)/);
});

test('every walkthrough string is in both nls files, the Korean in Korean, keeping the code spans', () => {
  const keys = [learn.title, learn.description, ...learn.steps.flatMap((s) => [s.title, s.description, s.media.altText])].map(key);
  assert.equal(new Set(keys).size, keys.length);
  const spans = (text: string) => [...text.matchAll(/`[^`]+`/g)].map((m) => m[0]).sort();
  for (const k of keys) {
    assert.ok(en[k], `package.nls.json has no ${k}`);
    assert.ok(ko[k], `package.nls.ko.json has no ${k}`);
    assert.ok(/[\uac00-\ud7a3]/.test(ko[k]), `${k} is not in Korean`);
    assert.deepEqual(spans(ko[k]), spans(en[k]), k);
    // A description's lines are its paragraphs and buttons: both languages have as many.
    assert.equal(ko[k].split('\n').length, en[k].split('\n').length, k);
  }
  // The book's words, as its Korean edition spells them.
  const all = keys.map((k) => ko[k]).join('\n');
  for (const word of ['순전파', '역전파', '계층', '곱셈 계층', '덧셈 계층', '가중치', '편향', '손실 함수', '기울기', '미니배치', '매개변수', '오차역전파법', '수치 미분', '기울기 확인', '활성화 함수', '계산 그래프']) {
    assert.ok(all.includes(word), `the Korean walkthrough never says ${word}`);
  }
});

// ---- the last two steps' context keys

const run = (over: Partial<FinishedRun> = {}): FinishedRun => ({ uri: 'file:///w/a.backprop.yaml', check: false, findings: 0, ownCode: false, ...over });

/** The keys each run in turn sets. */
function keysOf(runs: FinishedRun[]): string[][] {
  let state: WalkthroughState = INITIAL_WALKTHROUGH_STATE;
  return runs.map((r) => {
    const next = walkthroughAfter(state, r);
    state = next.state;
    return next.keys;
  });
}

test('fixed: a run without findings after a run of the same spec with findings', () => {
  assert.deepEqual(keysOf([run({ findings: 1 }), run({ findings: 0 })]), [[], [FIXED_KEY]]);
  // Clean from the start, or clean only for another spec: nothing was fixed.
  assert.deepEqual(keysOf([run(), run()]), [[], []]);
  assert.deepEqual(keysOf([run({ findings: 2 }), run({ uri: 'file:///w/b.backprop.yaml' })]), [[], []]);
  // A failed or cancelled run in between reports no findings and changes nothing.
  assert.deepEqual(keysOf([run({ findings: 1 }), run({ findings: undefined }), run({ findings: 0 })]), [[], [], [FIXED_KEY]]);
  // Fewer findings is not fixed yet; once clean, a second clean run fixes nothing more.
  assert.deepEqual(keysOf([run({ findings: 2 }), run({ findings: 1 }), run(), run()]), [[], [], [FIXED_KEY], []]);
  // A gradient check counts as a run.
  assert.deepEqual(keysOf([run({ findings: 1, check: true }), run({ check: true })]), [[], [FIXED_KEY]]);
  // Pure: the state given is not changed.
  const state = walkthroughAfter(INITIAL_WALKTHROUGH_STATE, run({ findings: 1 })).state;
  assert.equal(INITIAL_WALKTHROUGH_STATE.withFindings.size, 0);
  assert.equal(state.withFindings.size, 1);
});

test("customChecked: a gradient check that finished on a spec with the user's own layer, passing or not", () => {
  assert.deepEqual(keysOf([run({ check: true, ownCode: true, findings: 3 })]), [[CUSTOM_CHECKED_KEY]]);
  assert.deepEqual(keysOf([run({ check: true, ownCode: true })]), [[CUSTOM_CHECKED_KEY]]);
  assert.deepEqual(keysOf([run({ check: false, ownCode: true })]), [[]]);
  assert.deepEqual(keysOf([run({ check: true, ownCode: false })]), [[]]);
  assert.deepEqual(keysOf([run({ check: true, ownCode: true, findings: undefined })]), [[]]);
});

test("usesOwnCode: custom and Python layers, a Python network, loss or graph node; the built-in examples don't", () => {
  const parsed = (path: string) => analyseSpec(readFileSync(path, 'utf8'), path.split('/').pop()!).spec;
  for (const path of ['examples/custom/swish-wrong.backprop.yaml', 'examples/custom/swish.backprop.yaml', 'examples/python/seed-affine.backprop.yaml', 'examples/python/two-layer-net.backprop.yaml', 'examples/python/shop.backprop.yaml']) {
    assert.equal(usesOwnCode(parsed(path)), true, path);
  }
  for (const path of ['examples/buy_apple_orange.backprop.yaml', 'examples/relu.backprop.yaml', 'examples/two-layer-net.backprop.yaml', 'examples/broken/dead-relu.backprop.yaml']) {
    assert.equal(usesOwnCode(parsed(path)), false, path);
  }
  assert.equal(usesOwnCode(null), false);
  const lossOnly = 'input: { data: [[1, 2]] }\ntarget: { labels: [0] }\nlayers:\n  - { type: affine, units: 2 }\nloss: { type: python, module: ./loss.py, class: Loss }\n';
  assert.equal(usesOwnCode(analyseSpec(lossOnly, 'l.backprop.yaml').spec), true);
});

test("the fix step's example has one finding, and its one quick fix leaves a run with none", () => {
  const file = 'examples/broken/dead-relu.backprop.yaml';
  const findings = (text: string) => {
    const loaded = loadSpec(text, file, { openFile: (p: string) => memoryFile(readFileSync(join(dirname(file), p))), mnist: () => readFileSync(join('dist', 'mnist-digits.bin')) });
    assert.ok(loaded.network && loaded.x, loaded.problems.map((p) => p.message).join('; '));
    return gradientHealth([...runNetwork(loaded.network, loaded.x, loaded.t ?? null, { train: true, check: null })], DEFAULT_THRESHOLDS);
  };
  const text = readFileSync(file, 'utf8');
  const before = findings(text);
  assert.equal(before.length, 1);
  assert.ok(before[0].fix);
  const edit = initFix(text, file, before[0].fix.layer, before[0].fix.kind);
  assert.ok(edit);
  assert.deepEqual(findings(applyEdit(text, edit)), []);
});

function applyEdit(text: string, edit: { range: Range; newText: string }): string {
  const lines = text.split('\n');
  const offset = (p: Range['start']) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, offset(edit.range.start)) + edit.newText + text.slice(offset(edit.range.end));
}
