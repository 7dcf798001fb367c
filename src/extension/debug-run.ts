// A debug session's run in the engine worker: a 'debug' job of the one engine client, whose events
// the session pulls one at a time. Pure Node (no vscode), so the adapter's tests use the real worker.
import type { DebugRun } from '../debug/stepper';
import type { DebugStep, HealthThresholds } from '../protocol';
import { parseSpec } from '../spec/parse';
import type { EngineClient, SpecText } from './engine-client';

/**
 * Starts a debug job of `spec` in its own worker (the spec's runs keep theirs) and settles once the
 * spec is loaded: with the run, or rejected with what went wrong (its first error, or the failure).
 */
export function openDebugRun(engine: EngineClient, spec: SpecText, options: { check: boolean; train: boolean }, thresholds: HealthThresholds): Promise<DebugRun> {
  const parsed = parseSpec(spec.text, spec.fileName).spec;
  const layers = parsed?.form === 'network' ? parsed.layers : [];
  let pending: { resolve(step: DebugStep | null): void; reject(e: Error): void } | null = null;
  let over: Error | null | undefined;
  return new Promise<DebugRun>((resolve, reject) => {
    const job = engine.start(`debug:${spec.folder}/${spec.fileName}`, spec, { type: 'debug', check: options.check, train: options.train, thresholds }, layers, (msg) => {
      if (msg.type === 'debugStart') {
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
          // A stopped session's worker holds the network; nothing reuses it.
          end: () => void job.release(),
        });
      } else if (msg.type === 'debug') {
        const waiting = pending;
        pending = null;
        waiting?.resolve(msg.step);
      }
    });
    void job.ended.then((end) => {
      over = end.status === 'failed' ? new Error(end.message) : null;
      if (end.status === 'problems') reject(new Error(`${spec.fileName} has errors: ${end.errors[0].message}`));
      else if (over) reject(over);
      else reject(new Error('the engine ended the debug job before the spec was loaded'));
      const waiting = pending;
      pending = null;
      if (over) waiting?.reject(over);
      else waiting?.resolve(null);
    });
  });
}
