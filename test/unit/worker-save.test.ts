// A run job that asks to save (the host's Save Run) posts the run's .npz: the bytes `backprop run
// --save` writes for the same spec, after the findings and before done; a plain run posts none.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CallClock } from '../../src/call-clock';
import { DEFAULT_THRESHOLDS } from '../../src/engine/health-thresholds';
import { runNetwork } from '../../src/engine/run';
import { runTensors } from '../../src/engine/run-record';
import type { WorkerToHost } from '../../src/protocol';
import { loadSpec } from '../../src/spec';
import { readNpz, runNpz } from '../../src/spec/npz';
import { runJob } from '../../src/worker/jobs';

const root = join(__dirname, '..', '..', '..');

/** The messages of one run job of example `name`, saving or not. */
async function job(name: string, save: boolean): Promise<WorkerToHost[]> {
  const messages: WorkerToHost[] = [];
  const text = readFileSync(join(root, 'examples', name), 'utf8');
  const request = { type: 'run', runId: 3, text, fileName: name, folder: join(root, 'examples'), check: false, save, mnistPath: join(root, 'dist', 'mnist-digits.bin'), thresholds: DEFAULT_THRESHOLDS, allowCustom: false, confineTo: null } as const;
  await runJob(request, (m) => messages.push(m), new CallClock());
  return messages;
}

const kinds = (messages: WorkerToHost[]) => messages.map((m) => (m.type === 'event' ? m.event.kind : m.type)).filter((k) => k !== 'forward' && k !== 'backward');

test('a saving run posts the bytes the CLI writes for the same spec, after the findings', async () => {
  const name = 'two-layer-net.backprop.yaml';
  const messages = await job(name, true);
  assert.deepEqual(kinds(messages), ['problems', 'start', 'loss', 'findings', 'saved', 'done', 'end']);
  const saved = messages.find((m) => m.type === 'saved');
  assert.ok(saved?.type === 'saved');
  const io = { openFile: () => assert.fail('no files'), mnist: () => readFileSync(join(root, 'dist', 'mnist-digits.bin')) };
  const loaded = loadSpec(readFileSync(join(root, 'examples', name), 'utf8'), name, io);
  const events = [...runNetwork(loaded.network!, loaded.x!, loaded.t ?? null, { train: true })];
  const done = events.at(-1);
  const expected = runNpz(runTensors(events), { spec: name, name: 'two-layer-net', seed: 42, loss: done?.kind === 'done' ? done.loss : null });
  assert.deepEqual(new Uint8Array(saved.npz), expected);
  assert.deepEqual(kinds(await job(name, false)), ['problems', 'start', 'loss', 'findings', 'done', 'end']);
});

test('a saving graph run posts every node value and gradient', async () => {
  const messages = await job('buy_apple.backprop.yaml', true);
  assert.deepEqual(kinds(messages), ['problems', 'graph', 'saved', 'done', 'end']);
  const saved = messages.find((m) => m.type === 'saved');
  assert.ok(saved?.type === 'saved');
  const read = readNpz(new Uint8Array(saved.npz));
  assert.ok('arrays' in read);
  assert.deepEqual([read.arrays.get('price/value')?.data[0], read.arrays.get('apple/grad')?.data[0]], [220.00000000000003, 2.2]);
});
