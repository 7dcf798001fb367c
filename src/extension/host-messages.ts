// English templates of what the host's pure modules say (the engine client, training sessions, held
// batches, debug runs), by message id. The Korean is in l10n/host.ko.json, with the same ids and
// placeholders (test/unit/messages.test.ts); the host shows them with said(). The host's vscode
// code says its own sentences through vscode.l10n.t instead.
import { sentence, type Catalogue, type Sentence } from '../message';

export const HOST_MESSAGES = {
  // The engine's worker thread ended under a job (src/extension/engine-client.ts).
  'host.engine.outOfMemory': 'the engine ran out of memory',
  'host.engine.crashed': 'the engine crashed: {error}',
  'host.engine.exited': 'the engine stopped unexpectedly (exit code {code})',

  // A training run that could not start or ended without its result (src/extension/train-session.ts).
  'host.train.specErrors': 'The spec has errors: {error}',
  'host.train.specErrors.more': 'The spec has errors: {error} (and {more} more in the Problems view)',
  'host.train.noResult': 'the engine ended training without a result',

  // A view asked for a sample of a big batch the host cannot send (src/extension/held-batches.ts).
  'host.sample.notKept': 'Sample {sample} cannot be shown: the snapshot of step {step} is no longer kept.',
  'host.sample.overBudget': 'Sample {sample} cannot be shown: holding its batch would take the host past the {budget} it keeps for whole batches.',
  'host.sample.notNewest': 'Sample {sample} cannot be shown: the host keeps the whole batches of the newest snapshots only ({budget}).',
  'host.sample.notHeld': 'Sample {sample} cannot be shown: the host does not hold that batch.',
  'host.sample.none': 'There is no sample {sample}: the batch has {count}.',

  // A saved run the worker did not read as a baseline (src/extension/baseline-read.ts).
  'host.baseline.notRead': 'the engine stopped before reading it',

  // A debug session whose spec did not load (src/extension/debug-run.ts).
  'host.debug.specErrors': '{file} has errors: {error}',
  'host.debug.endedEarly': 'the engine ended the debug job before the spec was loaded',
} as const satisfies Catalogue;

/** A message id of the host's catalogue: a misspelt one does not compile. */
export type HostMessageId = keyof typeof HOST_MESSAGES;

/** Message `id` with `args` (a problem or a failure as an argument is said in the user's language too), and its English text. */
export function hostMessage(id: HostMessageId, args: Readonly<Record<string, string | Sentence>> = {}): Sentence {
  return sentence(id, HOST_MESSAGES[id], args);
}
