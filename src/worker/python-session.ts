// The user's Python classes as the engine's parts: a `type: python` layer becomes the object a
// CustomLayer adapts (forward(x), backward(dout), this.params and this.grads, as a JavaScript layer
// has), and an `op: python` graph node a ScalarLayer. One Python process per thread (a spec's worker,
// or the CLI) is kept warm across runs; each run starts with a reset that drops the objects and the
// user's modules, so edited files are read afresh, and a process that died is replaced.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ScalarLayer } from '../engine/graph';
import type { UserLoss } from '../engine/layers/custom-loss';
import type { Tensor } from '../engine/tensor';
import { closest } from '../engine/near-miss';
import { EngineError, engineMessage } from '../engine/messages';
import { PythonBridge } from './python-bridge';
import type { PyMessage } from './python-wire';

/** A constructor argument as it goes to Python: a plain value or a float64 array. */
export type PythonArgValue = string | number | boolean | null | Tensor;

/** The Python side of a spec's run: makes its layers' and nodes' objects. */
export interface PythonSession {
  /** Starts (or resets) the Python process now, if it is not ready. */
  start(): void;
  /** The class `className` of `module` as a custom layer's export: constructing it constructs the Python object. */
  layerClass(module: string, className: string, args: Readonly<Record<string, PythonArgValue>>): new () => object;
  /** The loss object of `className`: forward(x, t) returns a number, backward(dout = 1) returns dx. */
  lossObject(module: string, className: string, args: Readonly<Record<string, PythonArgValue>>): UserLoss;
  /** A whole network in the book's structure: its `layers` in order, its `lastLayer`, and its own gradient(x, t) if it has one. */
  network(module: string, className: string, args: Readonly<Record<string, PythonArgValue>>, seed: number): PythonNetwork;
  /** An object of `className` for a graph node with `inputs` operands. */
  scalarLayer(module: string, className: string, args: Readonly<Record<string, PythonArgValue>>, inputs: number): ScalarLayer;
}

/** A Python network's parts, as PythonSession.network finds them. */
export interface PythonNetwork {
  /** Its layers' keys (Affine1, Relu1, ...), classes and custom layer exports. */
  layers: { name: string; className: string; exported: new () => object }[];
  /** Its lastLayer, or null. */
  loss: { name: string; user: UserLoss } | null;
  /** Which layer parameter each of net.params is: W1 → [Affine1, W]. */
  owners: Record<string, [string, string]>;
  /** Its own gradient(x, t), by the names of net.params; null when it has none. */
  gradient: ((x: Tensor, t: Tensor) => Map<string, Tensor>) | null;
}

/** Where the bridge runs and what it runs. */
export interface PythonOptions {
  /** The interpreter, as the user chose it (backprop.python.path), or the default. */
  python: string;
  /** The bridge script, dist/bridge.py. */
  script: string;
  /** Told the pid of each Python process started, which the host ends with the thread. */
  onPid?(pid: number): void;
}

let warm: PythonBridge | null = null;

/** The bridge of this thread, started (or restarted) with `options` when needed. */
function bridgeFor(options: PythonOptions): PythonBridge {
  if (warm && (warm.closed || warm.python !== options.python)) {
    warm.close();
    warm = null;
  }
  warm ??= PythonBridge.start(options.python, options.script, options.onPid);
  return warm;
}

/** Ends this thread's Python process, if any. */
export function closePython(): void {
  warm?.close();
  warm = null;
}

/** A session for a run of the spec in `folder`: resets the warm process (starting one on first use). */
export function pythonSession(folder: string, options: PythonOptions): PythonSession {
  let bridge: PythonBridge | null = null;
  const ready = (): PythonBridge => {
    if (!bridge || bridge.closed) {
      bridge = bridgeFor(options);
      ask(bridge, { op: 'reset', folder });
    }
    return bridge;
  };
  /** Imports `module` and finds its class, or throws why not (an import error, no such class, with the near miss). */
  const findClass = (module: string, className: string) => {
    // A module that is not there is the spec's error (CLI exit 2), not the code's.
    if (!existsSync(resolve(folder, module))) throw Object.assign(new EngineError(engineMessage('engine.module.noFile', { file: resolve(folder, module) })), { ofSpec: true });
    const reply = ask(ready(), { op: 'class', module, class: className });
    if (reply.header.missing !== 'class') return;
    const classes = reply.header.classes as string[];
    const near = closest(className, classes);
    const names = { module, className };
    throw new EngineError(
      near !== undefined
        ? engineMessage('engine.python.noClass.near', { ...names, near })
        : classes.length > 0
          ? engineMessage('engine.python.noClass.others', { ...names, classes: classes.join(', ') })
          : engineMessage('engine.python.noClass', names),
    );
  };
  /** The args as the bridge takes them: plain values in the header, arrays numbered among the message's. */
  const encodeArgs = (args: Readonly<Record<string, PythonArgValue>>) => {
    const arrays: Tensor[] = [];
    const plain: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(args)) plain[name] = value !== null && typeof value === 'object' ? { array: arrays.push(value) - 1 } : value;
    return { plain, arrays };
  };
  const construct = (module: string, className: string, args: Readonly<Record<string, PythonArgValue>>): PyObject => {
    findClass(module, className);
    const b = ready();
    const { plain, arrays } = encodeArgs(args);
    const reply = ask(b, { op: 'new', module, class: className, args: plain }, arrays);
    return { bridge: b, id: reply.header.id as number, params: reply.header.params as string[], methods: reply.header.methods as string[], values: reply.arrays };
  };
  const lossOf = (made: PyObject, className: string): UserLoss => {
    requireMethods(className, made.methods, { forward: 'forward(x, t)', backward: 'backward(dout=1)' });
    // The x and t the last forward was given: a write into them, by forward or backward, comes back
    // into them for the CustomLoss adapter to see and warn about.
    let given: Tensor[] = [];
    const call = (header: Record<string, unknown>, inputs: Tensor[]) => {
      const reply = ask(made.bridge, { op: 'call', id: made.id, loss_inputs: true, ...header }, inputs);
      const changed = reply.header.changed as number[];
      changed.forEach((i, k) => given[i].data.set(reply.arrays[reply.arrays.length - changed.length + k].data));
      return reply.arrays[0];
    };
    return {
      remote: made,
      forward: (x, t) => {
        given = [x, t];
        return call({ method: 'forward', inputs: 2, number: true, labels: true }, given).data[0];
      },
      backward: (dout) => call({ method: 'backward', inputs: 1, scalar_in: true }, [{ shape: [], data: Float64Array.of(dout) }]),
    };
  };
  return {
    start: () => void ready(),
    layerClass: (module, className, args) => {
      findClass(module, className);
      return shimOf(() => construct(module, className, args));
    },
    lossObject: (module, className, args) => lossOf(construct(module, className, args), className),
    network: (module, className, args, seed) => {
      findClass(module, className);
      const b = ready();
      ask(b, { op: 'seed', seed });
      const { plain, arrays } = encodeArgs(args);
      const reply = ask(b, { op: 'net', module, class: className, args: plain }, arrays);
      const header = reply.header as { id: number; layers: { key: string; class: string; id: number; params: string[]; methods: string[] }[]; lastLayer: { class: string; id: number; methods: string[] } | null; owners: Record<string, [string, string]>; gradient: boolean };
      let next = 0;
      const layers = header.layers.map((l) => {
        const values = reply.arrays.slice(next, (next += l.params.length));
        return { name: l.key, className: l.class, exported: shimOf(() => ({ bridge: b, id: l.id, params: l.params, methods: l.methods, values })) };
      });
      const last = header.lastLayer;
      return {
        layers,
        loss: last && { name: last.class, user: lossOf({ bridge: b, id: last.id, params: [], methods: last.methods, values: [] }, last.class) },
        owners: header.owners,
        gradient: header.gradient
          ? (x: Tensor, t: Tensor) => {
              const r = ask(b, { op: 'gradient', id: header.id }, [x, t]);
              return new Map((r.header.names as string[]).map((name, i) => [name, r.arrays[i]]));
            }
          : null,
      };
    },
    scalarLayer: (module, className, args, inputs) => {
      const made = construct(module, className, args);
      requireMethods(className, made.methods, { forward: 'forward(*inputs)', backward: 'backward(dout)' });
      const scalars = (values: number[]) => values.map((v) => ({ shape: [], data: Float64Array.of(v) }));
      return {
        forward: (values) => ask(made.bridge, { op: 'call', id: made.id, method: 'forward', inputs: values.length, scalars: true }, scalars(values)).arrays[0].data[0],
        backward: (dout) => {
          const reply = ask(made.bridge, { op: 'call', id: made.id, method: 'backward', inputs: 1, scalars: true, tuple: true }, scalars([dout]));
          if (reply.arrays.length !== inputs) {
            const args = { className, count: String(reply.arrays.length), inputs: String(inputs) };
            throw new EngineError(reply.arrays.length === 1 ? engineMessage('engine.python.gradients.one', args) : engineMessage('engine.python.gradients.many', args));
          }
          return reply.arrays.map((a) => a.data[0]);
        },
      };
    },
  };
}

/** A Python object the bridge holds: its id, its parameters (the book's X with dX) and their values, and its methods. */
interface PyObject {
  bridge: PythonBridge;
  id: number;
  params: string[];
  methods: string[];
  values: Tensor[];
}

/**
 * A custom layer's export for the Python object `make()` gives: forward(x) and backward(dout) with
 * this.params and this.grads, as a JavaScript layer has, for the CustomLayer adapter to check.
 */
function shimOf(make: () => PyObject): new () => object {
  return function PythonLayer(this: Record<string, unknown>) {
    const made = make();
    // What Python holds of each parameter, so a call sends only what the engine changed since.
    const held = new Map(made.params.map((p, i) => [p, made.values[i].data.slice()]));
    this.params = Object.fromEntries(made.params.map((p, i) => [p, made.values[i]]));
    this.grads = {};
    const call = (method: string, input: Tensor): Tensor => {
      const { header, arrays } = syncParams(this.params as Record<string, Tensor>, held);
      const reply = ask(made.bridge, { op: 'call', id: made.id, method, inputs: 1, params: made.params, ...header }, [input, ...arrays]);
      const { outputs, grads, changed } = reply.header as { outputs: number; grads: Record<string, number>; changed: number[] };
      // The code wrote into its input: that copy is the adapter's, which sees the change and warns.
      if (changed.length > 0) input.data.set(reply.arrays[reply.arrays.length - 1].data);
      if (method === 'backward') this.grads = Object.fromEntries(Object.entries(grads).map(([p, k]) => [p, reply.arrays[k]]));
      return reply.arrays[outputs - 1];
    };
    // Only the methods the class has, so a missing one is named with its near miss ('foward').
    for (const method of made.methods) this[method] = (x: Tensor) => call(method, x);
    // For the gradient check: the object, and one parameter's perturbation loop run in the bridge.
    this.__remote = made;
    this.__differences = (k: number, h: number, input: Tensor, after: PyObject[], loss: PyObject | null, targets: Tensor | null) => {
      if (![...after, ...(loss ? [loss] : [])].every((o) => o.bridge === made.bridge)) return null;
      // Python holds the parameters as the check's clean forward, just before, left them.
      const reply = ask(made.bridge, { op: 'differences', chain: [made.id, ...after.map((o) => o.id)], loss: loss?.id, param: made.params[k], h }, targets ? [input, targets] : [input]);
      return { plus: reply.arrays[0].data, minus: reply.arrays[1].data };
    };
    this.__inputDifferences = (h: number, input: Tensor, R: Tensor) => {
      const reply = ask(made.bridge, { op: 'input_differences', id: made.id, h }, [input, R]);
      return { plus: reply.arrays[0].data, minus: reply.arrays[1].data };
    };
  } as unknown as new () => object;
}

/** Throws, with the near miss ('foward'), unless the class has each method of `signatures`. */
function requireMethods(className: string, methods: readonly string[], signatures: Readonly<Record<'forward' | 'backward', string>>): void {
  for (const method of ['forward', 'backward'] as const) {
    if (methods.includes(method)) continue;
    const near = closest(method, methods);
    const signature = signatures[method];
    throw new EngineError(near !== undefined ? engineMessage('engine.python.noMethod.near', { className, signature, near }) : engineMessage('engine.python.noMethod', { className, signature }));
  }
}

/** A request whose reply is not an error; a Python error becomes an Error with its message. */
function ask(bridge: PythonBridge, header: Record<string, unknown>, arrays: readonly Tensor[] = []): PyMessage {
  const reply = bridge.request(header, arrays);
  if (typeof reply.header.error === 'string') throw new Error(reply.header.error);
  return reply;
}

/**
 * The parameter updates a call carries: nothing for a parameter Python already holds, its changed
 * elements (indices and values) when few changed, as in a gradient check, else the whole array.
 * The arrays are numbered after the call's one input.
 */
function syncParams(params: Readonly<Record<string, Tensor>>, held: Map<string, Float64Array>): { header: Record<string, unknown>; arrays: Tensor[] } {
  const set: Record<string, number> = {};
  const patch: Record<string, [number, number]> = {};
  const arrays: Tensor[] = [];
  for (const [name, value] of Object.entries(params)) {
    const before = held.get(name);
    if (!before) continue;
    const changed: number[] = [];
    for (let i = 0; i < before.length && changed.length * 4 <= before.length; i++) if (!Object.is(before[i], value.data[i])) changed.push(i);
    if (changed.length === 0) continue;
    if (changed.length * 4 <= before.length) {
      patch[name] = [1 + arrays.length, 2 + arrays.length];
      arrays.push({ shape: [changed.length], data: Float64Array.from(changed) }, { shape: [changed.length], data: Float64Array.from(changed, (i) => value.data[i]) });
    } else {
      set[name] = 1 + arrays.length;
      arrays.push(value);
    }
    before.set(value.data);
  }
  return { header: { set, patch }, arrays };
}
