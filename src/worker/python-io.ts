// Python for a spec's job, as the worker and the CLI give it: the session starts (or resets) the
// thread's warm Python process on first use only, so a spec without Python starts none, and the
// Python process's pid goes on the clock, for the host to end it with the thread.
import { join } from 'node:path';
import type { CallClock } from '../call-clock';
import type { GraphNode } from '../engine/graph';
import { EngineError, engineMessage } from '../engine/messages';
import type { GraphSpec } from '../spec';
import type { PythonClasses } from '../spec/resolve';
import { defaultPython } from './python-bridge';
import { pythonSession, type PythonSession } from './python-session';

/** The spec's Python classes, for SpecIO.python: the session is made on the first class asked for. */
export function lazyPython(folder: string, python: string | undefined, clock: CallClock): PythonClasses & { session(): PythonSession } {
  let made: PythonSession | null = null;
  const session = () => (made ??= pythonSession(folder, { python: python ?? defaultPython(), script: join(__dirname, 'bridge.py'), onPid: (pid) => clock.setHelperPid(pid) }));
  return { session, start: () => session().start(), layerClass: (...a) => session().layerClass(...a), lossObject: (...a) => session().lossObject(...a), network: (...a) => session().network(...a) };
}

/** The graph's nodes with their Python objects made, each call marked on `clock` as node `index`'s. */
export function pythonNodes(spec: GraphSpec, python: () => PythonSession, clock: CallClock): GraphNode[] {
  return spec.nodes.map((node, index) => {
    if (!node.python) return node;
    const { module, className, args } = node.python;
    const timed = <T>(kind: 'construct' | 'forward' | 'backward', body: () => T): T => {
      clock.enter(index, kind);
      try {
        return body();
      } catch (e) {
        const call = `${className}.${kind === 'construct' ? '__init__' : kind}`;
        throw new EngineError(engineMessage('engine.python.nodeFailed', { node: node.name, call, reason: e instanceof Error ? e.message : String(e) }), { cause: e });
      } finally {
        clock.leave();
      }
    };
    python().start(); // starting Python is not the user's code: untimed
    // A graph node's args are plain values: the parser refuses arrays there.
    const plain = Object.fromEntries(Object.entries(args).flatMap(([k, a]) => (a.kind === 'value' ? [[k, a.value]] : [])));
    const layer = timed('construct', () => python().scalarLayer(module, className, plain, node.in.length));
    return { ...node, layer: { forward: (v) => timed('forward', () => layer.forward(v)), backward: (d) => timed('backward', () => layer.backward(d)) } };
  });
}
