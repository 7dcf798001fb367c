// l10n/glossary.json, the English ↔ Korean terms, and the two READMEs that must use them alike.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

interface Entry {
  en: string;
  ko: string;
  note?: string;
}

const glossary = JSON.parse(readFileSync('l10n/glossary.json', 'utf8')) as Entry[];
const readmeEn = readFileSync('README.md', 'utf8');
const readmeKo = readFileSync('README.ko.md', 'utf8');

/** The glossary's Korean for an English term. */
function ko(en: string): string {
  const entry = glossary.find((e) => e.en === en);
  assert.ok(entry, `the glossary has no entry for "${en}"`);
  return entry.ko;
}

/** The terms, with the Korean it asks for. */
const REQUIRED: Record<string, string> = {
  forward: '순전파',
  backward: '역전파',
  layer: '계층',
  upstream: '상류',
  downstream: '하류',
  'Mul layer': '곱셈 계층',
  'Add layer': '덧셈 계층',
  weight: '가중치',
  bias: '편향',
  'loss function': '손실 함수',
  gradient: '기울기',
  minibatch: '미니배치',
  'parameter update': '매개변수 갱신',
  backpropagation: '오차역전파법',
  'numerical differentiation': '수치 미분',
  'gradient check': '기울기 확인',
  'activation function': '활성화 함수',
  'computational graph': '계산 그래프',
};

/** Terms whose English in README.md's prose calls for their Korean in README.ko.md's prose. */
const PROSE_TERMS = [
  'backpropagation',
  'backward',
  'forward',
  'layer',
  'gradient',
  'gradient check',
  'minibatch',
  'learning rate',
  'computational graph',
  'loss function',
  'weight',
  'bias',
  'heatmap',
  'numerical differentiation',
  'activation function',
  'upstream',
  'downstream',
  'parameter update',
  'weight decay',
  'convolution',
  'pooling',
  'epoch',
  'optimizer',
  'side panel',
  'quick fix',
  'baseline',
  'breakpoint',
  'hit count',
  'step scrubber',
  'custom layer',
  'Workspace Trust',
  'Restricted Mode',
];

/** Loanwords the glossary's terms replace; README.ko.md's prose must not use them. */
const AVOIDED = ['그래디언트', '레이어', '웨이트', '바이어스', '백프로퍼게이션'];

const FENCED = /^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm;

/** A Markdown text without its fenced code blocks. */
function withoutFences(markdown: string): string {
  return markdown.replace(FENCED, ' ');
}

/** A Markdown text without its fenced code blocks, inline `code` spans and link targets: the prose. */
function prose(markdown: string): string {
  return withoutFences(markdown)
    .replace(/`[^`\n]*`/g, ' ')
    .replace(/\]\([^)\s]*\)/g, '] ');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `text` uses `term` as a word, or its plural (case-insensitive). */
function usesWord(text: string, term: string): boolean {
  return new RegExp(`\\b${escapeRegExp(term).replace(/ /g, '\\s+')}(?:s|es)?\\b`, 'i').test(text);
}

/** The fenced code blocks of a Markdown text, fences included. */
function fencedBlocks(markdown: string): string[] {
  return [...markdown.matchAll(FENCED)].map((m) => m[0]);
}

/** The text of the `## heading` section of a Markdown text, up to the next heading of level 2 or 1. */
function section(markdown: string, heading: string): string {
  const start = markdown.search(new RegExp(`^## ${escapeRegExp(heading)}[ \\t]*$`, 'm'));
  assert.ok(start >= 0, `no "## ${heading}" section`);
  const rest = markdown.slice(start + 3);
  const end = rest.search(/^#{1,2} /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

test('the glossary holds every term the issue names, with the issue\'s Korean', () => {
  for (const [en, expected] of Object.entries(REQUIRED)) assert.equal(ko(en), expected, en);
});

test('no two glossary entries share an English term, and every entry has both words', () => {
  const seen = new Map<string, number>();
  glossary.forEach((entry, i) => {
    assert.equal(typeof entry.en, 'string', `entry ${i}`);
    assert.equal(typeof entry.ko, 'string', `entry ${i}`);
    assert.ok(entry.en.trim() !== '' && entry.ko.trim() !== '', `entry ${i} is empty`);
    const key = entry.en.toLowerCase();
    assert.ok(!seen.has(key), `"${entry.en}" is entry ${seen.get(key)} and entry ${i}`);
    seen.set(key, i);
    if (entry.ko !== entry.en) assert.ok(/[\uac00-\ud7a3]/.test(entry.ko), `${entry.en}: ${entry.ko} is not Korean`);
  });
});

test('where README.md\'s prose uses a term, README.ko.md\'s prose uses its Korean', () => {
  const en = prose(readmeEn);
  const korean = prose(readmeKo);
  const used = PROSE_TERMS.filter((term) => usesWord(en, term));
  assert.ok(used.length >= 10, `README.md uses only ${used.join(', ')}`);
  const missing = used.filter((term) => !korean.includes(ko(term))).map((term) => `${term} → ${ko(term)}`);
  assert.deepEqual(missing, [], 'README.ko.md does not use the glossary\'s Korean for these');
});

test('README.ko.md\'s prose keeps to the glossary\'s words, not the loanwords they replace', () => {
  const korean = prose(readmeKo);
  assert.deepEqual(AVOIDED.filter((word) => korean.includes(word)), []);
});

test('README.ko.md has the two commands exactly as README.md gives them', () => {
  const blocks = fencedBlocks(section(readmeEn, 'Two commands'));
  assert.ok(blocks.length >= 1, 'README.md\'s Two commands section has no code block');
  assert.ok(blocks.some((b) => b.includes('npm start') && b.includes('npm test')), 'the code block does not give npm start and npm test');
  for (const block of blocks) assert.ok(readmeKo.includes(block), `README.ko.md lacks\n${block}`);
});

test('the READMEs link to each other', () => {
  assert.ok(readmeKo.split('\n').slice(0, 5).includes('English: [README.md](README.md)'), 'README.ko.md does not start with its link to README.md');
  assert.match(readmeEn, /\]\(README\.ko\.md\)/);
});

test('README.ko.md\'s links lead somewhere: its own headings and the repository\'s files', () => {
  const text = withoutFences(readmeKo);
  const headings = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1])));
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  assert.ok(targets.length > 0);
  for (const target of targets) {
    if (/^[a-z]+:/i.test(target)) continue;
    if (target.startsWith('#')) assert.ok(headings.has(decodeURIComponent(target.slice(1))), `no heading for ${target}`);
    else assert.ok(existsSync(decodeURIComponent(target.split('#')[0])), `no file ${target}`);
  }
});
