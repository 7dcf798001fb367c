// The host's snapshot ring: a run's first snapshots stay, so the scrubber can compare the latest with
// the start, and the rest is a ring of the latest; never more than the capacity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotRing } from '../../src/train-history';

/** A ring of `capacity` after snapshots at steps 1, 100, 200, … `last`. */
function filled(capacity: number, last: number): SnapshotRing {
  const ring = new SnapshotRing(capacity);
  ring.push({ step: 1, events: [] });
  for (let step = 100; step <= last; step += 100) ring.push({ step, events: [] });
  return ring;
}

test('a 10,000-step run keeps its first six snapshots and its latest 24 (capacity 30)', () => {
  const ring = filled(30, 10_000);
  assert.equal(ring.size, 30);
  assert.equal(ring.early, 6);
  const late = Array.from({ length: 24 }, (_, i) => 7_700 + 100 * i);
  assert.deepEqual(ring.steps(), [1, 100, 200, 300, 400, 500, ...late]);
  assert.equal(ring.get(1)?.step, 1);
  assert.equal(ring.get(7_600), null);
});

test('until it is full, the ring keeps every snapshot in order', () => {
  assert.deepEqual(filled(30, 1_000).steps(), [1, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000]);
});

test('a ring too small for a fifth keeps only the latest', () => {
  for (const capacity of [1, 2, 4]) {
    const ring = filled(capacity, 10_000);
    assert.equal(ring.early, 0);
    assert.deepEqual(ring.steps(), Array.from({ length: capacity }, (_, i) => 10_000 - 100 * (capacity - 1 - i)));
  }
  assert.deepEqual(filled(5, 10_000).steps(), [1, 9_700, 9_800, 9_900, 10_000]);
});
