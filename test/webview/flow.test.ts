// The gradient-flow chart's log axis: whole decades with every positive finite value strictly inside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowAxis } from '../../webview/shared/flow';

const bar = (meanAbs: number, maxAbs: number) => ({ name: 'L', meanAbs, maxAbs });

test('the axis spans the decade below the smallest value to the decade above the largest', () => {
  assert.deepEqual(flowAxis([bar(2e-4, 3e-2), bar(5e-3, 0.5)]), { lo: -4, hi: 0 });
  // Exact powers of ten sit one decade in, so their bars are never zero long.
  assert.deepEqual(flowAxis([bar(1e-3, 1e-2), bar(1e-4, 1)]), { lo: -5, hi: 1 });
  assert.deepEqual(flowAxis([bar(7, 7)]), { lo: 0, hi: 1 });
});

test('zero, NaN and infinite values do not stretch the axis; with none positive it shows 1e-3..1', () => {
  assert.deepEqual(flowAxis([bar(0, 0), bar(NaN, NaN), bar(2e-2, Infinity)]), { lo: -2, hi: -1 });
  assert.deepEqual(flowAxis([bar(0, 0), bar(NaN, Infinity)]), { lo: -3, hi: 0 });
  assert.deepEqual(flowAxis([]), { lo: -3, hi: 0 });
});
