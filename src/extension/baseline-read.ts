// A saved run read as a baseline in a worker of its own, so the extension host's thread only hands
// the bytes over (checking and copying a 130 MB run takes it half a second otherwise). Pure Node (no
// vscode), so tests use the real worker.
import type { Sentence } from '../message';
import type { WireBaseline } from '../protocol';
import type { EngineClient } from './engine-client';
import { hostMessage } from './host-messages';

let nextRead = 1;

/** The baseline `label` the .npz `npz` holds, or why it holds none, said by `say`. */
export async function readBaseline(engine: EngineClient, npz: Uint8Array, label: string, say: (s: Sentence) => string): Promise<WireBaseline | string> {
  let baseline: WireBaseline | null = null;
  // Each read has a key of its own, so none cancels another (two panels restoring at once); its worker goes after.
  const job = engine.start(`baseline ${nextRead++}`, { text: '', fileName: label, folder: '' }, { type: 'baseline', npz, label }, [], (msg) => {
    if (msg.type === 'baseline') baseline = msg.baseline;
  });
  const end = await job.ended;
  await job.release();
  return baseline ?? say(end.status === 'failed' ? end : hostMessage('host.baseline.notRead'));
}
