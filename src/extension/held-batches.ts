// The whole batches of images the views got only the first samples of (src/worker/wire.ts), kept on
// the host to answer a view's request for one more sample. Once a run ends nothing else holds them:
// the worker drops a run's tensors with its job, and a training step overwrites the last one's. The
// host is the cheap place: the worker hands them over by transfer, and only the asked-for sample
// crosses on to the webview. Bounded by bytes, the oldest group (a snapshot's step) going first.
// Pure (no vscode), so unit tests drive it.
import { fmtCount } from '../format';
import type { HeldBatch, SampleAnswer, SampleRef } from '../protocol';

/** Bytes of whole batches the host keeps per run panel or training run: two snapshots of SimpleConvNet at batch 100. */
export const HELD_BYTES = 256 * 1024 * 1024;

const MB = (bytes: number): string => `${fmtCount(bytes / 2 ** 20)} MB`;

/** One snapshot's (or a run's) batches by layer and record, and those the budget left out. */
interface Group {
  batches: Map<string, HeldBatch>;
  refused: Set<string>;
}

export class HeldBatches {
  /** By snapshot step (undefined: a run), oldest first. */
  private readonly groups = new Map<number | undefined, Group>();
  private bytes = 0;

  constructor(private readonly budget = HELD_BYTES) {}

  /** Keeps `batches` of the snapshot at `step` (undefined: of the run), letting the oldest snapshots go to stay within the budget. */
  hold(step: number | undefined, batches: readonly HeldBatch[]): void {
    let group = this.groups.get(step);
    if (!group) this.groups.set(step, (group = { batches: new Map(), refused: new Set() }));
    for (const b of batches) {
      const key = `${b.index}/${b.record}`;
      const size = b.buffer.byteLength;
      for (const [oldest, g] of this.groups) {
        if (this.bytes + size <= this.budget || g === group) break;
        this.drop(oldest);
      }
      if (this.bytes + size > this.budget) {
        group.refused.add(key);
        continue;
      }
      group.batches.set(key, b);
      this.bytes += size;
    }
  }

  /** The values of sample `n` of `ref`: a copy of its C·H·W elements, or why there are none. */
  sample(ref: SampleRef, n: number): SampleAnswer {
    const key = `${ref.index}/${ref.record}`;
    const group = this.groups.get(ref.step);
    const b = group?.batches.get(key);
    if (!b) {
      const why = group?.refused.has(key)
        ? `holding its batch would take the host past the ${MB(this.budget)} it keeps for whole batches`
        : ref.step !== undefined && [...this.groups.keys()].some((s) => s !== undefined && s > ref.step!)
          ? `the host keeps the whole batches of the newest snapshots only (${MB(this.budget)})`
          : 'the host does not hold that batch';
      return { error: `Sample ${n} cannot be shown: ${why}.` };
    }
    const [count] = b.shape;
    if (!(Number.isInteger(n) && n >= 0 && n < count)) return { error: `There is no sample ${n}: the batch has ${fmtCount(count)}.` };
    const per = b.buffer.byteLength / count;
    return { values: b.buffer.slice(n * per, (n + 1) * per) };
  }

  /** Bytes held now. */
  get heldBytes(): number {
    return this.bytes;
  }

  clear(): void {
    this.groups.clear();
    this.bytes = 0;
  }

  private drop(step: number | undefined): void {
    for (const b of this.groups.get(step)?.batches.values() ?? []) this.bytes -= b.buffer.byteLength;
    this.groups.delete(step);
  }
}
