// Number formatting and colour scales of the panel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainOf, lutIndex, lutOf, parseRgb, type HeatmapTheme } from '../../webview/shared/colormap';
import { fmt, fmtDuration, fmtFull, fmtGraph, fmtPercent, fmtShape } from '../../src/format';

/** A light theme's widget background and text. */
const LIGHT: HeatmapTheme = { background: [248, 248, 248], foreground: [59, 59, 59] };

test('fmt: three significant digits, exponent outside [1e-3, 1e5)', () => {
  assert.equal(fmt(2.302585092994046), '2.3');
  assert.equal(fmt(0.5), '0.5');
  assert.equal(fmt(-0.0012345), '-0.00123');
  assert.equal(fmt(12345), '12300');
  assert.equal(fmt(123456), '1.23e5');
  assert.equal(fmt(4.7e-8), '4.7e-8');
  assert.equal(fmt(-1.23456e-7), '-1.23e-7');
  assert.equal(fmt(0), '0');
  assert.equal(fmt(null), '–');
  assert.equal(fmt(NaN), 'NaN');
  assert.equal(fmt(Infinity), '+∞');
  assert.equal(fmt(-Infinity), '−∞');
  assert.equal(fmtPercent(0.625), '62.5%');
});

test('fmtGraph: the book’s shop figures read as printed', () => {
  assert.equal(fmtGraph(650 * 1.1), '715'); // 715.0000000000001
  assert.equal(fmtGraph(100 * 1.1), '110'); // 110.00000000000001
  assert.equal(fmtGraph(3 * 1.1), '3.3'); // 3.3000000000000003
  assert.equal(fmtGraph(2 * 1.1), '2.2');
  assert.equal(fmtGraph(650), '650');
  assert.equal(fmtGraph(165), '165');
  assert.equal(fmtGraph(1.5e-9), '1.5e-9');
});

test('fmtFull keeps every digit; fmtShape', () => {
  assert.equal(fmtFull(650 * 1.1), '715.0000000000001');
  assert.equal(fmtFull(100 * 1.1), '110.00000000000001');
  assert.equal(fmtFull(-Infinity), '-Infinity');
  assert.equal(fmtShape([784, 50]), '784×50');
  assert.equal(fmtShape([]), 'scalar');
});

test('diverging scale: symmetric about 0, positive at the red end', () => {
  const d = domainOf('diverging', Float64Array.from([-0.5, 2, NaN, Infinity]));
  assert.deepEqual(d, { lo: -2, hi: 2 });
  assert.equal(lutIndex('diverging', d, 2), 0);
  assert.equal(lutIndex('diverging', d, -2), 255);
  assert.equal(lutIndex('diverging', d, 0), 128);
  assert.equal(lutIndex('diverging', d, Infinity), 0);
  const lut = lutOf('diverging', LIGHT);
  assert.deepEqual([...lut.slice(0, 3)], [103, 0, 31]); // RdBu's darkest red, #67001f
  assert.deepEqual([...lut.slice(255 * 3)], [5, 48, 97]); // its darkest blue, #053061
});

test('sequential scale spans finite min..max; a flat or empty tensor sits mid-scale', () => {
  const d = domainOf('sequential', Float64Array.from([3, 1, -Infinity, 2]));
  assert.deepEqual(d, { lo: 1, hi: 3 });
  assert.equal(lutIndex('sequential', d, 1), 0);
  assert.equal(lutIndex('sequential', d, 3), 255);
  assert.deepEqual(domainOf('sequential', Float64Array.from([NaN])), { lo: 0, hi: 0 });
  assert.equal(lutIndex('sequential', { lo: 4, hi: 4 }, 4), 128);
  assert.deepEqual(parseRgb('#440154'), [68, 1, 84]);
  assert.deepEqual(parseRgb('rgb(5, 48, 97)'), [5, 48, 97]);
});

test('log scale spans the positive finite values by decade; zero and anything below take the low end', () => {
  const d = domainOf('log', Float64Array.from([0, 1e-9, 1e-3, 0.1, NaN, Infinity]));
  assert.deepEqual(d, { lo: 1e-9, hi: 0.1 });
  assert.equal(lutIndex('log', d, 1e-9), 0);
  assert.equal(lutIndex('log', d, 0.1), 255);
  // 1e-5 is 4 of the 8 decades up: mid-scale.
  assert.equal(lutIndex('log', d, 1e-5), 128);
  assert.equal(lutIndex('log', d, 0), 0);
  assert.equal(lutIndex('log', d, 1e-12), 0);
  assert.equal(lutIndex('log', d, Infinity), 255);
  assert.deepEqual(domainOf('log', Float64Array.from([0, 0])), { lo: 0, hi: 0 });
  assert.equal(lutIndex('log', { lo: 0, hi: 0 }, 0), 0);
  // |a − n| lies on the same log scale, on two ramps (elements that pass and that fail).
  for (const v of [0, 1e-12, 1e-9, 1e-5, 0.1, Infinity]) assert.equal(lutIndex('error', d, v), lutIndex('log', d, v));
});

test('fmtDuration: milliseconds under a second, then seconds, minutes and hours, never broken across lines', () => {
  const plain = (s: string) => s.replace(/\u00a0/g, ' ');
  assert.equal(plain(fmtDuration(657.4)), '657 ms');
  assert.equal(plain(fmtDuration(12_400, 1)), '12.4 s');
  assert.equal(plain(fmtDuration(12_400)), '12 s');
  assert.equal(plain(fmtDuration(83_400, 1)), '1 min 23 s');
  assert.equal(plain(fmtDuration(3_725_000)), '1 h 2 min');
  assert.ok(!/ /.test(fmtDuration(12_400, 1)), 'a plain space would let the figure break from its unit');
});
