// Samples of a big batch of images that its event carried only the first samples of, asked of the
// host one message each (the host keeps the batch whole: src/extension/held-batches). Answers of
// another run are dropped; a new run rejects what is still waiting.
import { t } from './strings';
import { HELD_RECORDS, type HeldRecord, type SampleAnswer, type SampleRef } from '../../src/protocol';

/** The host's answer as a page gets it. */
export interface SampleMessage {
  runId: number;
  ref: SampleRef;
  sample: number;
  answer: SampleAnswer;
}

/** The record a layer's heatmap of `record` is held under, if the host may hold it whole (the loss's tensors are never images). */
export function heldRecord(record: string, isLoss: boolean): HeldRecord | undefined {
  return isLoss ? undefined : HELD_RECORDS.find((r) => r === record);
}

const keyOf = (ref: SampleRef, sample: number): string => `${ref.step ?? ''}/${ref.index}/${ref.record}/${sample}`;

/** True when `m` (a message whose type is 'sample') has the fields of one. */
export function isSampleMessage(m: Record<string, unknown>): boolean {
  const ref = m.ref as Record<string, unknown> | null;
  const answer = m.answer as Record<string, unknown> | null;
  return (
    typeof m.runId === 'number' &&
    typeof m.sample === 'number' &&
    typeof ref === 'object' &&
    ref !== null &&
    typeof ref.index === 'number' &&
    typeof ref.record === 'string' &&
    typeof answer === 'object' &&
    answer !== null &&
    (answer.values instanceof ArrayBuffer || typeof answer.error === 'string')
  );
}

export class SampleRequests {
  private readonly waiting = new Map<string, { resolve(values: Float64Array): void; reject(e: Error): void }[]>();
  private runId: number | null = null;

  constructor(private readonly post: (ref: SampleRef, sample: number) => void) {}

  /** Sample `sample` of `ref` in the current run; one request to the host however many ask before it answers. */
  fetch(ref: SampleRef, sample: number): Promise<Float64Array> {
    return new Promise((resolve, reject) => {
      const key = keyOf(ref, sample);
      const queue = this.waiting.get(key);
      if (queue) return void queue.push({ resolve, reject });
      this.waiting.set(key, [{ resolve, reject }]);
      this.post(ref, sample);
    });
  }

  /** A new run (or none): what still waits will not be answered. */
  reset(runId: number | null): void {
    this.runId = runId;
    const waiting = [...this.waiting.values()].flat();
    this.waiting.clear();
    for (const w of waiting) w.reject(new Error(t('A new run began before the sample came.')));
  }

  receive(msg: SampleMessage): void {
    if (msg.runId !== this.runId) return;
    const key = keyOf(msg.ref, msg.sample);
    const queue = this.waiting.get(key) ?? [];
    this.waiting.delete(key);
    const a = msg.answer;
    for (const w of queue) {
      if ('values' in a && a.values instanceof ArrayBuffer && a.values.byteLength % 8 === 0) w.resolve(new Float64Array(a.values));
      else w.reject(new Error('error' in a && typeof a.error === 'string' ? a.error : t('Sample {0} came malformed.', msg.sample)));
    }
  }
}
