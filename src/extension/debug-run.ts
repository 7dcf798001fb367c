// A debug session's run in the engine worker: a 'debug' job of the one engine client, whose events
// the session pulls one at a time. Pure Node (no vscode), so the adapter's tests use the real worker.
import type { DebugRun } from '../debug/stepper';
import { SentenceError } from '../message';
import type { DebugStep, HealthThresholds, HeldBatch, RunEvent } from '../protocol';
import { parseSpec } from '../spec/parse';
import type { EngineClient, EngineJob, JobMessage, SpecText } from './engine-client';
import { hostMessage } from './host-messages';
import { TRAIN_UPDATE_MS } from './train-session';

/** Where a debug job's run events go (the spec's run panel), so that it follows the session. */
export interface DebugRunView {
  /** An event of job `runId` as a run posts it: a start (of the run, or of a debugged training step), then what the session has reached. */
  event(runId: number, event: RunEvent, held: readonly HeldBatch[]): void;
  /** The session stopped at `step`, named `where` (`backward Relu1`). */
  stopped(runId: number, step: DebugStep, where: string): void;
  /** The job is over, at its end or before it. */
  ended(runId: number): void;
  /** A debugged training's job: where its 'train' messages go (the spec's Train panel). */
  training?(job: EngineJob): (msg: JobMessage) => void;
}

/**
 * Starts a debug job of `spec` in its own worker (the spec's runs keep theirs) and settles once the
 * spec is loaded: with the run, or rejected with what went wrong (its first error, or the failure).
 */
export function openDebugRun(engine: EngineClient, spec: SpecText, options: { check: boolean; train: boolean }, thresholds: HealthThresholds, view?: DebugRunView): Promise<DebugRun> {
  const parsed = parseSpec(spec.text, spec.fileName).spec;
  const layers = parsed?.form === 'network' ? parsed.layers : [];
  let pending: { resolve(step: DebugStep | null): void; reject(e: Error): void } | null = null;
  let over: Error | null | undefined;
  return new Promise<DebugRun>((resolve, reject) => {
    const request = { type: 'debug', check: options.check, thresholds, ...(options.train && { train: { updateMs: TRAIN_UPDATE_MS } }) } as const;
    let training: ((msg: JobMessage) => void) | undefined;
    const job = engine.start(`debug:${spec.folder}/${spec.fileName}`, spec, request, layers, (msg) => {
      if (msg.type === 'train') training?.(msg);
      else if (msg.type === 'debugStart') {
        const { name, layers, loss } = msg;
        resolve({
          name,
          layers,
          loss,
          training: msg.iterations === undefined ? null : { iterations: msg.iterations, layerCount: layers.length },
          next: (seek) =>
            new Promise<DebugStep | null>((resolveStep, rejectStep) => {
              if (over !== undefined) return over ? rejectStep(over) : resolveStep(null);
              pending = { resolve: resolveStep, reject: rejectStep };
              job.send({ type: 'debugStep', ...(seek !== undefined && { seek }) });
            }),
          stopped: (step, where) => {
            view?.stopped(job.runId, step, where);
            if (training) job.send({ type: 'debugStopped' });
          },
          // A stopped session's worker holds the network; nothing reuses it.
          end: () => void job.release(),
          ended: job.ended.then(() => undefined),
        });
      } else if (msg.type === 'event') {
        view?.event(job.runId, msg.event, msg.held ?? []);
      } else if (msg.type === 'debug') {
        const waiting = pending;
        pending = null;
        waiting?.resolve(msg.step);
      }
    });
    if (options.train) training = view?.training?.(job);
    void job.ended.then((end) => {
      view?.ended(job.runId);
      over = end.status === 'failed' ? new SentenceError(end) : null;
      if (end.status === 'problems') reject(new SentenceError(hostMessage('host.debug.specErrors', { file: spec.fileName, error: end.errors[0] })));
      else if (over) reject(over);
      else reject(new SentenceError(hostMessage('host.debug.endedEarly')));
      const waiting = pending;
      pending = null;
      if (over) waiting?.reject(over);
      else waiting?.resolve(null);
    });
  });
}
