// The whole batches of images the views got only the first samples of (src/worker/wire.ts), kept on
// the host to answer a view's request for one more sample. Once a run ends nothing else holds them:
// the worker drops a run's tensors with its job, and a training step overwrites the last one's. The
// host is the cheap place: the worker hands them over by transfer, and only the asked-for sample
// crosses on to the webview. Bounded by bytes, the oldest group (a snapshot's step) going first.
// Pure (no vscode), so unit tests drive it.
import { fmtCount } from '../format';
import { inEnglish, type Sentence } from '../message';
import type { HeldBatch, SampleAnswer, SampleRef } from '../protocol';
import { hostMessage } from './host-messages';

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

  /** The values of sample `n` of `ref`: a copy of its C·H·W elements, or why there are none, as `say` puts it (the display language's). */
  sample(ref: SampleRef, n: number, say: (s: Sentence) => string = inEnglish): SampleAnswer {
    const key = `${ref.index}/${ref.record}`;
    const group = this.groups.get(ref.step);
    const b = group?.batches.get(key);
    const sample = String(n);
    if (!b) {
      const why = group?.refused.has(key)
        ? hostMessage('host.sample.overBudget', { sample, budget: MB(this.budget) })
        : ref.step !== undefined && [...this.groups.keys()].some((s) => s !== undefined && s > ref.step!)
          ? hostMessage('host.sample.notNewest', { sample, budget: MB(this.budget) })
          : hostMessage('host.sample.notHeld', { sample });
      return { error: say(why) };
    }
    const [count] = b.shape;
    if (!(Number.isInteger(n) && n >= 0 && n < count)) return { error: say(hostMessage('host.sample.none', { sample, count: fmtCount(count) })) };
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
