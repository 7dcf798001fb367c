// What a webview may tell the host: each page's parser keeps its well-formed messages, exactly, and
// drops 200 generated hostile ones (wrong types, huge or fractional indices, prototype keys, another
// page's messages, no object at all).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSideViewMessage, parseTrainViewMessage, parseWebviewMessage } from '../../src/extension/webview-messages';

/** What no page accepts as a message. */
const notObjects: unknown[] = [undefined, null, 0, 1, -1, NaN, Infinity, '', 'ready', '{"type":"ready"}', true, false, 1n, Symbol('ready'), () => ({ type: 'ready' }), [], ['ready'], [{ type: 'ready' }]];

/** Types no page has: near misses, prototype names and non-strings. */
const unknownTypes: unknown[] = ['Ready', 'READY', ' ready', 'ready ', 'ready\0', 'ready\u200b', 'reveallayer', 'reveal_layer', 'selectlayer', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 42, null, undefined, true, {}, ['ready'], { toString: () => 'ready' }];

/** What a field holding an index must not be. */
const badIndices: unknown[] = ['__proto__', 'constructor', -1, -0.5, 0.5, 1.5, 1e9, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, Number.MAX_VALUE, Infinity, -Infinity, NaN, '0', '1', '', null, undefined, true, 1n, [1], { valueOf: () => 1 }];

/** What selectCell's param must not be. */
const badParams: unknown[] = ['__proto__', 'constructor', 'prototype', 'toString', 'w', 'B', 'W ', 'dW', 'x', '', null, 0, ['W'], { toString: () => 'W' }];

interface Page {
  name: string;
  parse(data: unknown): unknown;
  /** Well-formed messages, each with the fields its parser checks. */
  valid: Record<string, unknown>[];
  /** Types of the other pages that this page does not have. */
  foreign: string[];
}

const pages: Page[] = [
  {
    name: 'run panel',
    parse: parseWebviewMessage,
    valid: [{ type: 'ready' }, { type: 'rerun' }, { type: 'selectLayer', index: 2 }, { type: 'selectCell', index: 0, param: 'W', row: 3, col: 4 }, { type: 'applyFix', index: 1 }, { type: 'fixAll' }, { type: 'pinBaseline' }, { type: 'clearBaseline' }, { type: 'sample', ref: { index: 0, record: 'out' }, sample: 57 }],
    foreign: ['snapshot', 'cancel', 'retrain', 'revealLayer', 'event', 'reset', 'fixes'],
  },
  {
    name: 'Train panel',
    parse: parseTrainViewMessage,
    valid: [{ type: 'ready' }, { type: 'cancel' }, { type: 'retrain' }, { type: 'snapshot', step: 500 }, { type: 'revealLayer', index: 1 }, { type: 'sample', ref: { index: 2, record: 'dx', step: 500 }, sample: 99 }],
    foreign: ['rerun', 'selectLayer', 'selectCell', 'trainReset', 'applyFix', 'fixAll', 'pinBaseline', 'clearBaseline'],
  },
  {
    name: 'side view',
    parse: parseSideViewMessage,
    valid: [{ type: 'ready' }, { type: 'revealLayer', index: 1 }],
    foreign: ['rerun', 'selectLayer', 'selectCell', 'snapshot', 'cancel', 'retrain', 'applyFix', 'fixAll', 'pinBaseline', 'clearBaseline', 'sample'],
  },
];

test("a sample request's tensor: a record the host holds, an index, and a snapshot's step from the Train panel only", () => {
  const asked = (ref: unknown) => ({ type: 'sample', ref, sample: 1 });
  const refs: unknown[] = [
    { index: 0, record: 'W' },
    { index: 0, record: 'y' },
    { index: 0, record: '__proto__' },
    { index: -1, record: 'out' },
    { index: 0.5, record: 'out' },
    { record: 'out' },
    { index: 0 },
    Object.create({ index: 0, record: 'out' }),
    null,
    [0, 'out'],
  ];
  for (const ref of refs) {
    assert.equal(parseWebviewMessage(asked(ref)), null, JSON.stringify(ref));
    assert.equal(parseTrainViewMessage(asked(ref && typeof ref === 'object' && !Array.isArray(ref) ? { ...ref, step: 5 } : ref)), null, JSON.stringify(ref));
  }
  // A run panel's run has no steps; a Train panel's sample is of one snapshot.
  assert.equal(parseWebviewMessage(asked({ index: 0, record: 'out', step: 5 })), null);
  assert.equal(parseTrainViewMessage(asked({ index: 0, record: 'out' })), null);
  assert.equal(parseTrainViewMessage(asked({ index: 0, record: 'out', step: -5 })), null);
  assert.deepEqual(parseTrainViewMessage(asked({ index: 3, record: 'mask', step: 5, extra: 1 })), { type: 'sample', ref: { index: 3, record: 'mask', step: 5 }, sample: 1 });
});

/** Hostile values for `page`, generated from its well-formed messages; at least 200. */
function hostile(page: Page): unknown[] {
  const out: unknown[] = [...notObjects];
  for (const type of [...unknownTypes, ...badIndices, ...page.foreign]) out.push({ type }, ...page.valid.map((msg) => ({ ...msg, type })));
  for (const type of page.foreign) out.push({ type, index: 0, step: 0, row: 0, col: 0, param: 'W' });
  for (const msg of page.valid) {
    const { type, ...rest } = msg;
    // Prototype tricks: the type (or a field) only inherited, or under a "__proto__" key.
    out.push(Object.create(msg), JSON.parse(`{"__proto__": ${JSON.stringify(msg)}}`));
    out.push(Object.assign(Object.create({ type }), rest));
    for (const field of Object.keys(rest)) {
      const without: Record<string, unknown> = { ...msg };
      delete without[field];
      out.push(without, Object.assign(Object.create({ [field]: rest[field] }), without));
      for (const bad of field === 'param' ? badParams : badIndices) out.push({ ...msg, [field]: bad });
    }
  }
  return out;
}

for (const page of pages) {
  test(`the ${page.name} keeps its well-formed messages exactly, extra fields dropped`, () => {
    for (const msg of page.valid) {
      assert.deepEqual(page.parse(msg), msg);
      assert.deepEqual(page.parse({ ...msg, extra: 1, ['__proto__']: { type: 'ready' }, constructor: 'x' }), msg);
    }
  });

  test(`the ${page.name} drops every one of 200+ hostile messages`, () => {
    const values = hostile(page);
    assert.ok(values.length >= 200, `${values.length} generated`);
    const kept = values.filter((v) => page.parse(v) !== null);
    assert.deepEqual(kept, []);
  });
}
