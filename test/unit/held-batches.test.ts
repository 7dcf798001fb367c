// The host's whole batches of images (src/extension/held-batches): a sample's slice, exactly; the
// byte budget, the oldest snapshot going first; and a clear reason for each sample it cannot send.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeldBatches } from '../../src/extension/held-batches';
import type { HeldBatch, SampleAnswer } from '../../src/protocol';

/** A batch [n, 2, 2, 3] whose element i is i + offset: 12 values (96 bytes) a sample. */
function batch(index: number, record: HeldBatch['record'], n: number, offset = 0): HeldBatch {
  return { index, record, shape: [n, 2, 2, 3], buffer: Float64Array.from({ length: n * 12 }, (_, i) => i + offset).buffer };
}

const values = (a: SampleAnswer): number[] => ('values' in a ? [...new Float64Array(a.values)] : assert.fail(a.error));
const error = (a: SampleAnswer): string => ('error' in a ? a.error : assert.fail('values came'));

test('sample n of a held batch is its n-th C·H·W block, copied', () => {
  const held = new HeldBatches();
  const b = batch(0, 'out', 5);
  held.hold(undefined, [b, batch(1, 'dx', 5, 1000)]);
  assert.deepEqual(values(held.sample({ index: 0, record: 'out' }, 3)), Array.from({ length: 12 }, (_, i) => 36 + i));
  assert.deepEqual(values(held.sample({ index: 1, record: 'dx' }, 0)), Array.from({ length: 12 }, (_, i) => 1000 + i));
  // A copy: the batch stays whole for the next request.
  assert.equal(b.buffer.byteLength, 5 * 96);
  assert.equal(held.heldBytes, 2 * 5 * 96);
  assert.equal(error(held.sample({ index: 0, record: 'out' }, 5)), 'There is no sample 5: the batch has 5.');
  assert.equal(error(held.sample({ index: 0, record: 'mask' }, 1)), 'Sample 1 cannot be shown: the host does not hold that batch.');
  held.clear();
  assert.equal(held.heldBytes, 0);
  assert.match(error(held.sample({ index: 0, record: 'out' }, 3)), /does not hold that batch/);
});

/** A batch [4, 8, 64, 64] of 1 MiB whose element i is i + offset. */
function mebibyte(index: number, record: HeldBatch['record'], offset = 0): HeldBatch {
  return { index, record, shape: [4, 8, 64, 64], buffer: Float64Array.from({ length: 2 ** 17 }, (_, i) => i + offset).buffer };
}
const MiB = 2 ** 20;
const PER_SAMPLE = 2 ** 15;

test('over the budget the oldest snapshots go, and a sample of theirs says why', () => {
  const held = new HeldBatches(3 * MiB);
  held.hold(10, [mebibyte(0, 'out'), mebibyte(0, 'mask')]);
  held.hold(20, [mebibyte(0, 'out', 100)]);
  assert.equal(held.heldBytes, 3 * MiB);
  held.hold(30, [mebibyte(0, 'out', 200), mebibyte(0, 'mask', 300)]);
  // Step 10 went whole to make room; step 20 stays beside step 30.
  assert.equal(held.heldBytes, 3 * MiB);
  assert.equal(error(held.sample({ index: 0, record: 'out', step: 10 }, 0)), 'Sample 0 cannot be shown: the host keeps the whole batches of the newest snapshots only (3 MB).');
  assert.deepEqual(values(held.sample({ index: 0, record: 'out', step: 20 }, 0)).slice(0, 2), [100, 101]);
  assert.deepEqual(values(held.sample({ index: 0, record: 'mask', step: 30 }, 1)).slice(0, 2), [PER_SAMPLE + 300, PER_SAMPLE + 301]);
});

test('one snapshot bigger than the budget keeps what fits and refuses the rest, saying so', () => {
  const held = new HeldBatches(MiB);
  held.hold(5, [mebibyte(0, 'out'), mebibyte(1, 'out')]);
  assert.equal(held.heldBytes, MiB);
  assert.deepEqual(values(held.sample({ index: 0, record: 'out', step: 5 }, 3)).slice(0, 1), [3 * PER_SAMPLE]);
  assert.equal(error(held.sample({ index: 1, record: 'out', step: 5 }, 0)), 'Sample 0 cannot be shown: holding its batch would take the host past the 1 MB it keeps for whole batches.');
});
