// A user-written layer behind the engine's layer contract. The host loads the user's module; its
// export is a class (constructed with no arguments) or a plain object with forward(x) and
// backward(dout). Tensors are { shape: number[], data: Float64Array }. Parameters are in
// this.params (name → tensor) and backward sets their gradients in this.grads (name → tensor).
//
// The adapter guards the engine against that code: it hands the code copies, notices when the code
// writes into them, copies every tensor the code returns (so later writes by the code reach nothing
// the engine holds) and checks the copy, and turns every failure into a CustomLayerError naming the
// layer. A getter, a Proxy trap, an overridden method or a thrown value's toString is user code too,
// so every read of an object the code made happens between `beforeCall` and `afterCall`, with the
// call it belongs to: a host times each such span (src/call-clock.ts), and the engine only ever
// touches the copies.
import { fmtCount } from '../../format';
import type { Layer, Param } from '../layer';
import { closest } from '../near-miss';
import { sizeOf, type Tensor } from '../tensor';

/** A custom layer's code failed or broke the contract. */
export class CustomLayerError extends Error {
  /** An error about the custom layer at position `layer` of the network. */
  constructor(
    message: string,
    /** Index of the layer in the network. */
    readonly layer: number,
  ) {
    super(message);
    this.name = 'CustomLayerError';
  }
}

/** The two methods of the contract. */
type Method = 'forward' | 'backward';
/** What the code is called for: constructing the module's class, or a method. */
export type CustomCall = 'construct' | Method;

/** How messages spell each method. */
const SIGNATURE: Readonly<Record<Method, string>> = { forward: 'forward(x)', backward: 'backward(dout)' };

/** What the contract asks of a module, for messages. */
const CONTRACT = 'export a class or an object with forward(x) and backward(dout)';

/** The object the user's code runs as: its methods, with params and grads that the adapter sets. */
interface UserLayer {
  /** Parameters by name, set before every call. */
  params: Record<string, Tensor>;
  /** Gradients by name, reset before backward and read after it. */
  grads: Record<string, unknown>;
  /** The user's forward. */
  forward(x: Tensor): unknown;
  /** The user's backward. */
  backward(dout: Tensor): unknown;
}

/** A layer running the user's code, with every tensor checked at the boundary. */
export class CustomLayer implements Layer {
  /** Type as spelled in specs. */
  readonly type = 'custom' as const;
  /** The parameters: the instance's own (a constructor may make them), overridden by the spec's. */
  readonly params: readonly Param[];
  /** The user's object. */
  private readonly user: UserLayer;
  /** The writes into inputs already warned about, as 'method what'. */
  private readonly warned = new Set<string>();
  /** Shape of the last forward's input, which dx must have. */
  private inShape: readonly number[] | null = null;

  /**
   * Instantiates the module's export `exported` (an ES module namespace or CommonJS exports whose
   * default export is the layer are unwrapped) with parameters `given` from the spec. Throws a
   * CustomLayerError when it is not a layer.
   */
  constructor(
    readonly name: string,
    /** Index of the layer in the network, which errors carry. */
    readonly index: number,
    exported: unknown,
    given: Readonly<Record<string, Tensor>>,
    private readonly beforeCall: (call: CustomCall) => void = () => {},
    private readonly afterCall: () => void = () => {},
    /** Most elements a tensor the code returns may have (the spec's limits.maxElements). */
    private readonly maxElements = Infinity,
    /** `python`: the code is a Python class, which messages name so; `onWarning` hears each warning once. */
    private readonly options: { python?: boolean; onWarning?: (message: string) => void } = {},
  ) {
    let reading = "reading the module's export threw";
    const { user, own } = this.timed('construct', (why) => this.fail(`${reading}: ${why}`), () => {
      const user = this.instantiate(exported, (step) => (reading = step));
      reading = 'reading this.params threw';
      const own: unknown = user.params;
      if (own !== undefined && (own === null || typeof own !== 'object')) throw this.fail(`this.params must be an object of tensors, got ${describe(own)}`);
      return { user, own: Object.entries(own ?? {}).map(([name, value]) => [name, tensorOf(value, this.maxElements)] as const) };
    });
    this.user = user;
    const values: Record<string, Tensor> = {};
    for (const [name, value] of own) values[name] = this.tensorFrom(value, `this.params.${name} is`);
    for (const [name, value] of Object.entries(given)) values[name] = value;
    if ('dx' in values) throw this.fail("a parameter cannot be named dx, which names the layer's input gradient");
    this.params = Object.entries(values).map(([name, value]) => ({ name, value, grad: null }));
  }

  kept(): Readonly<Record<string, Tensor>> {
    return {};
  }

  forward(x: Tensor): Tensor {
    const out = this.call('forward', x, 'x', (result) => tensorOf(result, this.maxElements));
    const y = this.tensorFrom(out, `${this.name}.forward returned`, true);
    this.inShape = [...x.shape];
    return y;
  }

  backward(dout: Tensor): Tensor {
    if (!this.inShape) throw new Error(`${this.name}: backward before forward`);
    const taken = this.call('backward', dout, 'dout', (result, user) => {
      const grads: unknown = user.grads;
      return { dx: tensorOf(result, this.maxElements), grads: isObject(grads) ? this.params.map((p) => (grads[p.name] === undefined ? undefined : tensorOf(grads[p.name], this.maxElements))) : describe(grads) };
    });
    const dx = this.tensorFrom(taken.dx, `${this.name}.backward returned`, true);
    if (!sameShape(dx.shape, this.inShape)) {
      throw this.fail(`${this.name}.backward returned dx of shape ${shapeText(dx.shape)}; its input x had shape ${shapeText(this.inShape)}`, true);
    }
    if (typeof taken.grads === 'string') throw this.fail(`${this.name}.backward set this.grads to ${taken.grads}; leave it an object and set this.grads.NAME`, true);
    const gradsTaken = taken.grads;
    const grads = this.params.map((p, i) => {
      const g = gradsTaken[i];
      if (g === undefined) throw this.fail(`${this.name}.backward set no gradient for ${p.name}: set this.grads.${p.name}`, true);
      const grad = this.tensorFrom(g, `${this.name}.backward set this.grads.${p.name} to`, true);
      if (!sameShape(grad.shape, p.value.shape)) {
        throw this.fail(`${this.name}.backward set this.grads.${p.name} of shape ${shapeText(grad.shape)}; ${p.name} has shape ${shapeText(p.value.shape)}`, true);
      }
      return grad;
    });
    this.params.forEach((p, i) => (p.grad = grads[i]));
    return dx;
  }

  /** The Python object behind this layer, if its code is a Python class. */
  remote(): unknown {
    return this.options.python ? (this.user as unknown as { __remote?: unknown }).__remote : undefined;
  }

  /**
   * f(v + h) and f(v − h) for every element of parameter `k`, f the objective from this layer on
   * (through `after` and `loss` on `targets`), computed in one call where this layer, every layer
   * after it and the loss are Python objects of one bridge; null where they are not.
   */
  suffixDifferences(k: number, h: number, input: Tensor, after: readonly unknown[], loss: unknown, targets: Tensor | null): { plus: Float64Array; minus: Float64Array } | null {
    const differences = this.options.python ? (this.user as unknown as { __differences?: PythonDifferences }).__differences : undefined;
    const chain = after.map((l) => (l instanceof CustomLayer ? l.remote() : undefined));
    const lossRemote = loss === null ? null : (loss as { remote?: () => unknown }).remote?.();
    if (!differences || chain.some((r) => r === undefined) || lossRemote === undefined) return null;
    return this.timed('forward', (why) => this.fail(`${this.name}: the gradient check's calls threw: ${why}`, true), () => differences(k, h, input, chain, lossRemote, targets));
  }

  /** f(x ± h·eᵢ) for every element of input `x`, f(x) = Σ forward(x)·R, in one call for a Python layer; null for others. */
  inputDifferences(h: number, x: Tensor, R: Tensor): { plus: Float64Array; minus: Float64Array } | null {
    const differences = this.options.python ? (this.user as unknown as { __inputDifferences?: (h: number, x: Tensor, R: Tensor) => { plus: Float64Array; minus: Float64Array } }).__inputDifferences : undefined;
    if (!differences) return null;
    return this.timed('forward', (why) => this.fail(`${this.name}: the gradient check's calls threw: ${why}`, true), () => differences(h, x, R));
  }

  /**
   * The user's object: a new instance of a class, or a fresh object inheriting a plain export. Runs
   * in the 'construct' call; `step` names what it reads next, for a throw's message.
   */
  private instantiate(exported: unknown, step: (reading: string) => void): UserLayer {
    let layer = exported;
    // import() gives a namespace, and transpiled ES modules give CommonJS exports, with the layer as default.
    if (isObject(layer) && 'default' in layer && !('forward' in layer)) layer = layer.default;
    let instance: object;
    if (typeof layer === 'function') {
      if (!isObject(layer.prototype)) throw this.fail(`the module exports a function that is not a class; ${CONTRACT}`);
      step("constructing the module's class threw");
      instance = new (layer as new () => object)();
    } else if (isObject(layer)) {
      // Writes to this.params, this.grads or anything else land on the instance, never on the module.
      instance = Object.create(layer) as object;
    } else {
      throw this.fail(`the module exports ${describe(layer)}; ${CONTRACT}`);
    }
    step("reading the layer's methods threw");
    for (const method of ['forward', 'backward'] as const) {
      const value: unknown = (instance as Record<string, unknown>)[method];
      if (typeof value === 'function') continue;
      if (value !== undefined) throw this.fail(`the module's ${method} is ${describe(value)}, not a function ${SIGNATURE[method]}`);
      const other = method === 'forward' ? 'backward' : 'forward';
      const near = closest(method, memberNames(instance).filter((k) => k !== other));
      throw this.fail(`the ${this.options.python ? 'class' : 'module'} has no ${SIGNATURE[method]}${near !== undefined ? ` — did you mean '${near}'?` : `; ${CONTRACT}`}`);
    }
    return instance as UserLayer;
  }

  /**
   * Calls the user's `method` with a copy of `arg` (named `argName` in messages) and copies of the
   * parameters, and passes what it returns to `take`, which copies out what the engine needs, all in
   * one timed call. The copies handed over must come back unchanged.
   */
  private call<T>(method: Method, arg: Tensor, argName: string, take: (result: unknown, user: UserLayer) => T): T {
    const given: [string, Float64Array, Float64Array][] = [
      [`its input ${argName}`, arg.data, arg.data.slice()],
      ...this.params.map((p): [string, Float64Array, Float64Array] => [`its parameter ${p.name}`, p.value.data, p.value.data.slice()]),
    ];
    let step = 'threw';
    let outcome: { value: T } | { error: unknown };
    try {
      const value = this.timed(method, (why) => this.fail(`${this.name}.${method} ${step}: ${why}`, true), () => {
        this.user.params = Object.fromEntries(this.params.map((p, i) => [p.name, { shape: [...p.value.shape], data: given[i + 1][2] }]));
        if (method === 'backward') this.user.grads = {};
        const result = this.user[method]({ shape: [...arg.shape], data: given[0][2] });
        step = 'returned a value that threw as it was read';
        return take(result, this.user);
      });
      outcome = { value };
    } catch (e) {
      outcome = { error: e };
    }
    // The code had copies, so the run stays right; the write is the book's in-place dout bug, said once.
    for (const [what, data, copy] of given) {
      const changed = changedCount(data, copy);
      const key = `${method} ${what}`;
      if (changed === 0 || this.warned.has(key)) continue;
      this.warned.add(key);
      this.options.onWarning?.(`${this.name}.${method} changed ${what} at ${changed} element${changed === 1 ? '' : 's'}; return a new ${this.options.python ? 'array' : 'tensor'}`);
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  /**
   * Runs `body` as one call into the user's code, between `beforeCall(call)` and `afterCall`. The
   * adapter's own errors pass through; anything else thrown is the code's, and becomes `failure` of
   * its text, made before the call is marked over (a thrown value's toString is user code too).
   */
  private timed<T>(call: CustomCall, failure: (why: string) => CustomLayerError, body: () => T): T {
    this.beforeCall(call);
    try {
      return body();
    } catch (e) {
      throw (typeof e === 'object' && e !== null && ADAPTER_ERRORS.has(e)) ? e : failure(reason(e));
    } finally {
      this.afterCall();
    }
  }

  /** `value` from tensorOf as an engine tensor, or a CustomLayerError starting with `what` saying why it is not one. */
  private tensorFrom(value: Tensor | string, what: string, whole = false): Tensor {
    if (typeof value === 'string') throw this.fail(`${what} ${value}`, whole);
    return value;
  }

  /** A CustomLayerError: `message` as is when `whole`, else after "Name: ". */
  private fail(message: string, whole = false): CustomLayerError {
    const error = new CustomLayerError(whole ? message : `${this.name}: ${message}`, this.index);
    ADAPTER_ERRORS.add(error);
    return error;
  }
}

/** A Python layer's perturbation loop in the bridge (src/worker/python-session.ts). */
type PythonDifferences = (k: number, h: number, input: Tensor, after: unknown[], loss: unknown, targets: Tensor | null) => { plus: Float64Array; minus: Float64Array } | null;

/** The adapter's own errors, told apart from the user's throws by identity (a Proxy's traps never run). */
const ADAPTER_ERRORS = new WeakSet<object>();

/**
 * A copy of the tensor `value` that user code gave, its shape and data each read once (a getter may
 * answer differently each time); or why it is not a tensor { shape, data }. Runs inside the call.
 */
/** A typed array's own length, which no getter the code defines on it can change. */
const typedLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Float64Array.prototype) as object, 'length')!.get!;

function tensorOf(value: unknown, maxElements: number): Tensor | string {
  if (!isObject(value) || typeof value === 'function' || !('shape' in value || 'data' in value)) return `${describe(value)}, not a tensor { shape, data }`;
  const { shape, data } = value;
  const dims: unknown[] = Array.isArray(shape) ? Array.from(shape as unknown[]) : [];
  if (!Array.isArray(shape) || !dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    return `a tensor whose shape is ${describe(shape)}, not a list of sizes such as [2, 3]`;
  }
  if (!(data instanceof Float64Array)) return `a tensor whose data is ${describe(data)}, not a Float64Array`;
  // Refused before the engine copies it. A Proxy posing as the array has no length of its own; its copy is checked.
  const overLimit = (length: number) => `a tensor of shape ${shapeText(dims as number[])}: ${fmtCount(length)} elements, over the limit of ${fmtCount(maxElements)} (limits.maxElements)`;
  if (ArrayBuffer.isView(data) && (typedLength.call(data) as number) > maxElements) return overLimit(typedLength.call(data) as number);
  // The typed-array constructor copies from the array's own storage: no slice or length of the code's runs.
  const copy = new Float64Array(data);
  if (copy.length > maxElements) return overLimit(copy.length);
  const size = sizeOf(dims as number[]);
  if (copy.length !== size) return `a tensor of shape ${shapeText(dims as number[])} with ${fmtCount(copy.length)} values; it needs ${fmtCount(size)}`;
  return { shape: dims as number[], data: copy };
}

/** How many elements differ from `before` (Object.is: 0 and −0 differ, a NaN staying NaN is no change). */
export function changedCount(data: Float64Array, before: Float64Array): number {
  let changed = 0;
  for (let i = 0; i < data.length; i++) if (!Object.is(data[i], before[i])) changed++;
  return changed;
}

/** Names of an object's properties and methods, its prototypes' included (not Object's). */
function memberNames(o: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = o; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const key of Object.getOwnPropertyNames(p)) if (key !== 'constructor') names.add(key);
  }
  return [...names];
}

/** What an unexpected value is, for messages: undefined, null, a number, a Promise, an Array, ... */
function describe(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (typeof v === 'function') return 'a function';
  if (typeof v !== 'object') return `a ${typeof v} (${String(v).slice(0, 40)})`;
  if (v instanceof Promise) return 'a Promise (forward and backward must not be async)';
  const kind = (v as object).constructor?.name;
  return kind && kind !== 'Object' ? `a${/^[AEIOU]/.test(kind) ? 'n' : ''} ${kind}` : 'an object';
}

/** The message of something thrown; what it is when it has no text (Object.create(null), a throwing toString). */
export function reason(e: unknown): string {
  try {
    return e instanceof Error ? String(e.message) : String(e);
  } catch {
    try {
      return `${describe(e)} that cannot be shown as text`;
    } catch {
      return 'a value that cannot be shown as text';
    }
  }
}

/** Whether `v` is a non-null object or a function. */
function isObject(v: unknown): v is Record<string, unknown> {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

/** Whether two shapes are equal. */
function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** "[2, 3]". */
function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
