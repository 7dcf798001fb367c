// The charts' log axes: every decade when the labels fit, else evenly spaced decades that stay put as
// the range grows, never none; and the span from which a loss curve turns to a log scale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_FROM_DECADES, decadeLabel, decadeRange, decadeTicks, spansDecades } from '../../webview/shared/log-axis';

test('decadeTicks: every decade when 16 px apart fit, else every k-th, at multiples of k', () => {
  // 1e-4..1 over 200 px: room for 12 labels, 5 decades.
  assert.deepEqual(decadeTicks(-4, 0, 200, 16), [-4, -3, -2, -1, 0]);
  // The same on a 56 px side-view chart: room for 3, so every second decade.
  assert.deepEqual(decadeTicks(-4, 0, 56, 16), [-4, -2, 0]);
  // A diverging loss from 0.1 to 1e307 on a 190 px chart: 309 decades, room for 11, every 29th.
  const diverging = decadeTicks(-1, 307, 190, 16);
  assert.deepEqual(diverging, [0, 29, 58, 87, 116, 145, 174, 203, 232, 261, 290]);
  assert.ok(diverging.length <= 190 / 16);
});

test('decadeTicks: at least one label, however short the chart or the range', () => {
  assert.deepEqual(decadeTicks(-3, -2, 10, 16), [-3, -2]);
  assert.deepEqual(decadeTicks(0, 300, 0, 16), [0, 151]);
  assert.deepEqual(decadeTicks(0.3, 0.7, 100, 16), [1]);
  assert.deepEqual(decadeTicks(-Infinity, 1, 100, 16), []);
});

test('decadeRange: whole decades around the values, at least one; −3..0 with none', () => {
  // log10 of 0.8 … 2.8e306.
  assert.deepEqual(decadeRange(Math.log10(0.8), Math.log10(2.8e306)), [-1, 307]);
  assert.deepEqual(decadeRange(-2, -2), [-2, -1]);
  assert.deepEqual(decadeRange(null, null), [-3, 0]);
});

test('decadeLabel: 1, 10, then superscript exponents', () => {
  assert.deepEqual([0, 1, 2, -3, 306].map(decadeLabel), ['1', '10', '10²', '10⁻³', '10³⁰⁶']);
});

test(`spansDecades: a curve spanning ${LOG_FROM_DECADES} decades or more of positive finite values`, () => {
  // The book's loss falls from 2.3 to 0.05: linear.
  assert.equal(spansDecades([2.3, 1.1, 0.4, 0.05]), false);
  // diverging-lr: 0.8 to 2.8e306 (an Infinity or NaN does not count).
  assert.equal(spansDecades([0.8, 1e10, 2.8e306, Infinity, NaN]), true);
  assert.equal(spansDecades([1, 1e4]), true);
  assert.equal(spansDecades([0, -1, 1, 9999]), false);
  assert.equal(spansDecades([]), false);
});
