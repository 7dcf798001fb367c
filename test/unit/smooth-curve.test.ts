// The book's smooth_curve: its Kaiser window against numpy.kaiser, a quadratic worked by hand, and a
// random curve against the book's function run in numpy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kaiserWindow, smoothCurve } from '../../src/smooth-curve';
import { Rng } from '../../src/engine/rng';
import { numpyPython, numpySkip } from './numpy';

/** Within `tol` of each other, element by element. */
function near(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `element ${i}: ${actual[i]} vs ${expected[i]}`);
}

test('kaiserWindow(11, 2) is numpy.kaiser(11, 2)', () => {
  // np.kaiser(11, 2).tolist()
  const numpy = [0.4386762798370488, 0.6113943543616491, 0.7676749968275236, 0.8921614338542881, 0.9723298008693713, 1.0, 0.9723298008693713, 0.8921614338542881, 0.7676749968275236, 0.6113943543616491, 0.4386762798370488];
  near(kaiserWindow(11, 2), numpy, 1e-15);
});

test('a constant stays constant, and a line stays the same line away from the ends', () => {
  near(smoothCurve(new Array(30).fill(2.3)), new Array(30).fill(2.3), 1e-15);
  const line = Array.from({ length: 30 }, (_, i) => 3 - 0.1 * i);
  // The window is symmetric and sums to 1, so a point with 5 neighbours on each side keeps a line's value.
  near(smoothCurve(line).subarray(5, 25), line.slice(5, 25), 1e-14);
});

test('x = i²: away from the ends, i² plus the window’s second moment Σ wₖ(k − 5)²; the ends reflect', () => {
  const x = Array.from({ length: 12 }, (_, i) => i * i);
  const w = kaiserWindow(11, 2);
  const total = w.reduce((a, b) => a + b, 0);
  const moment = w.reduce((a, v, k) => a + (v / total) * (k - 5) ** 2, 0);
  const y = smoothCurve(x);
  assert.equal(y.length, 12);
  // Point 5 and 6 see x[0..10] and x[1..11] unreflected.
  near([y[5], y[6]], [25 + moment, 36 + moment], 1e-14);
  // np.r_ reflects x[1..10] before the start, so point 0 is the window over x[5], …, x[1], x[0],
  // x[1], …, x[5]: (k − 5)² at weight k, the moment itself.
  near([y[0]], [moment], 1e-14);
  // numpy's smooth_curve of the same x.
  near(y, [7.699053929044612, 8.699053929044611, 11.699053929044613, 16.699053929044613, 23.699053929044613, 32.69905392904461, 43.6990539290446, 55.49281492822667, 66.39917077057055, 75.51346555856476, 82.06366711952022, 85.48703108432782], 1e-14);
});

test('a curve shorter than the window is returned as it is', () => {
  assert.deepEqual([...smoothCurve([1, 5, 2])], [1, 5, 2]);
});

const found = numpyPython();
const skip = numpySkip(found, 'smooth_curve against numpy');

test('a noisy 500-step loss curve: the book’s smooth_curve run in numpy', { skip }, () => {
  if ('missing' in found) assert.fail(`CI is set but ${found.missing}`);
  const rng = new Rng(7);
  const x = Array.from({ length: 500 }, (_, i) => 2.3 * Math.exp(-i / 120) + 0.3 * rng.next());
  const script = [
    'import sys, json, numpy as np',
    'x = np.array(json.loads(sys.stdin.read()))',
    'window_len = 11',
    's = np.r_[x[window_len-1:0:-1], x, x[-1:-window_len:-1]]',
    'w = np.kaiser(window_len, 2)',
    "y = np.convolve(w/w.sum(), s, mode='valid')",
    'print(json.dumps(y[5:len(y)-5].tolist()))',
  ].join('\n');
  const r = spawnSync(found.python, ['-c', script], { input: JSON.stringify(x), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  near(smoothCurve(x), JSON.parse(r.stdout) as number[], 1e-14);
});
