// A saving run job of an example, as Pin as Baseline and Save Run get it: its .npz and its events.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallClock } from '../../src/call-clock';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import type { Tensor } from '../../src/engine/tensor';
import type { RunEvent, WorkerToHost } from '../../src/protocol';
import { readNpz } from '../../src/spec/npz';
import { runJob } from '../../src/worker/jobs';

const root = join(__dirname, '..', '..', '..');

/** The .npz (its bytes and arrays) and the events of a saving run job of example `name` (its text changed by `edit`). */
export async function savedRun(name: string, edit: (text: string) => string = (t) => t): Promise<{ npz: Uint8Array; arrays: Map<string, Tensor>; events: RunEvent[] }> {
  const messages: WorkerToHost[] = [];
  const text = edit(readFileSync(join(root, 'examples', name), 'utf8'));
  const request = { type: 'run', runId: 1, text, fileName: name, folder: join(root, 'examples'), check: false, save: true, mnistPath: join(root, 'dist', 'mnist-digits.bin'), thresholds: DEFAULT_THRESHOLDS, allowCustom: false, confineTo: null } as const;
  await runJob(request, (m) => messages.push(m), new CallClock());
  const saved = messages.find((m) => m.type === 'saved');
  assert.ok(saved?.type === 'saved', 'the job posted its .npz');
  const npz = new Uint8Array(saved.npz);
  const read = readNpz(npz);
  assert.ok('arrays' in read, JSON.stringify(read));
  return { npz, arrays: read.arrays, events: messages.flatMap((m) => (m.type === 'event' ? [m.event] : [])) };
}
