// What the user-code clock says of a call that overran or ended the thread: the call named as the
// spec names it, the same English as before, and in Korean with the call's phrase translated too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overrunMessage, threadEndMessage, type CallKind } from '../../src/call-clock';
import { render, sentenceIn } from '../../src/catalogues';

const swish = { name: 'Swish1' };
const overran = (kind: CallKind, layer: { name: string; module?: string } = swish) => overrunMessage(layer, { layer: 0, kind, ms: 0 }, 10_000);

test('a call that overran is named as the spec names it', () => {
  const stopped = (call: string) => `${call} did not return within 10 s, so the engine was stopped`;
  assert.equal(overran('forward').message, stopped('Swish1.forward'));
  assert.equal(overran('backward').message, stopped('Swish1.backward'));
  assert.equal(overran('check').message, stopped('Swish1 (check)'));
  assert.equal(overran('construct').message, stopped('constructing Swish1'));
  assert.equal(overran('load').message, stopped("loading Swish1's module"));
  assert.equal(overran('load', { name: 'Swish1', module: './swish.js' }).message, stopped('loading ./swish.js'));
  assert.equal(overrunMessage(undefined, { layer: 2, kind: 'forward', ms: 0 }, 500).message, 'layer 3.forward did not return within 0.5 s, so the engine was stopped');
});

test('the sentences render to their English, and in Korean with the phrase of the call in Korean', () => {
  const sentences = [overran('construct'), overran('forward'), threadEndMessage(swish, { layer: 0, kind: 'load', running: false }, { cause: 'error', message: 'boom' })];
  for (const s of sentences) assert.equal(render({ id: s.id!, args: s.args!, ...(s.parts && { parts: s.parts }) }, 'en'), s.message);
  assert.equal(sentenceIn(overran('construct'), 'ko'), 'Swish1 생성이(가) 10초 안에 반환되지 않아 엔진을 멈췄습니다');
  const ended = sentenceIn(sentences[2], 'ko');
  assert.ok(ended.includes('Swish1의 모듈 불러오기') && ended.endsWith(': boom') && !/custom code/.test(ended), ended);
});
