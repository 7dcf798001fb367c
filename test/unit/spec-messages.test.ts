// The spec's message catalogue: every id is used by the spec reader (no dead entries), and every
// problem it reports carries its id and arguments, whose English is the problem's message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from '../../src/catalogues';
import { fillTemplate } from '../../src/message';
import { loadSpec } from '../../src/spec/index';
import { SPEC_MESSAGES } from '../../src/spec/messages';
import { parseSpec } from '../../src/spec/parse';
import { sourcesOf, unwritten } from './catalogue-use';

test('every id in SPEC_MESSAGES is used somewhere in src/spec', () => {
  assert.deepEqual(unwritten(Object.keys(SPEC_MESSAGES), sourcesOf(['src/spec'])), []);
});

const BROKEN = [
  'input: { data: [[0.1, 0.2]] }\nlayers:\n  - { type: affine, units: abc }\n  - relux\n  - { type: affine, unit: 3 }\n',
  'input: { data: [[1, 2], [3]] }\nlayers: [relu]\nloss: mse\n',
  'input: { data: [[0.1, 0.2]] }\nlayers:\n  - { type: affine, units: 3, weights: { W: [[1, 2], [3, 4]] } }\nloss: softmax-with-loss\ntarget: { labels: [7] }\n',
  'graph:\n  inputs: { x: 2 }\n  nodes:\n    - { name: y, op: mul, in: [x, z] }\n  output: q\n',
  'layers:\n  - relu\n    - tanh\n',
  'input: { random: { shape: [4, 3, 5, 5] } }\nlayers:\n  - { type: convolution, filters: 2, size: 2, stride: 2 }\n',
];

test("each problem's message is its template in English, and it renders in Korean", () => {
  let seen = 0;
  for (const text of BROKEN) {
    const { problems } = loadSpec(text, 'net.yaml');
    assert.ok(problems.length > 0, text);
    for (const p of problems) {
      seen++;
      assert.ok(p.id.startsWith('spec.'), p.id);
      assert.equal(p.message, fillTemplate(SPEC_MESSAGES[p.id as keyof typeof SPEC_MESSAGES], p.args), p.id);
      assert.equal(render(p, 'en'), p.message, p.id);
      assert.match(render(p, 'ko'), /[\uac00-\ud7a3]/, `${p.id}: ${render(p, 'ko')}`);
    }
  }
  assert.ok(seen >= BROKEN.length);
});

test('a phrase argument is Korean inside a Korean sentence: "got a list" and the number rule', () => {
  const { problems } = parseSpec('input: { data: [[0.1, 0.2]] }\nlayers:\n  - { type: affine, units: [1, 2] }\n', 'net.yaml');
  const p = problems.find((q) => q.id === 'spec.mustBeNumber');
  assert.ok(p, JSON.stringify(problems));
  assert.equal(p.message, 'units must be a positive integer, got a list');
  assert.equal(render(p, 'ko'), 'units에는 양의 정수를 써야 하는데 목록입니다');
});
