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
import type { Message, MessageArgs } from '../../message';
import type { Layer, Param } from '../layer';
import { engineMessageOf, type EngineArgs, type EngineMessageId, type EngineText } from '../messages';
import { closest } from '../near-miss';
import { sizeOf, type Tensor } from '../tensor';

/** A custom layer's code failed or broke the contract: an engine message (`id`, `args`) with its English text. */
export class CustomLayerError extends Error implements Message {
  readonly id: EngineMessageId;
  readonly args: MessageArgs;

  /** An error about the custom layer at position `layer` of the network. */
  constructor(
    text: EngineText,
    /** Index of the layer in the network. */
    readonly layer: number,
  ) {
    super(text.message);
    this.name = 'CustomLayerError';
    this.id = text.id;
    this.args = text.args;
  }
}

/** Where a tensor the code gave sits, as messages name it: its own parameter, what forward or backward returned, or a gradient it set. */
type TensorPlace = { at: 'param' | 'grad'; param: string } | { at: 'forward' | 'backward' };

/** Why a value the code gave is not a tensor, as the message of its place says it (see ENGINE_MESSAGES' engine.custom.<place>.<fault>). */
interface NotTensor {
  fault: 'notTensor' | 'badShape' | 'badData' | 'overLimit' | 'wrongSize';
  args: Record<string, string>;
}

/** What a layer's code was handed: its input (x, dout) or one of its parameters. */
type Handed = { kind: 'Input' | 'Param'; name: string };

/** The two methods of the contract. */
type Method = 'forward' | 'backward';
/** What the code is called for: constructing the module's class, or a method. */
export type CustomCall = 'construct' | Method;

/** How messages spell each method. */
const SIGNATURE: Readonly<Record<Method, string>> = { forward: 'forward(x)', backward: 'backward(dout)' };

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
    /**
     * `python`: the code is a Python class, which messages name so; `onWarning` hears each warning
     * once, as English text and as its message (`id`, `args`).
     */
    private readonly options: { python?: boolean; onWarning?: (message: string, text: EngineText) => void } = {},
  ) {
    let reading: 'engine.custom.exportThrew' | 'engine.custom.constructThrew' | 'engine.custom.methodsThrew' | 'engine.custom.paramsThrew' = 'engine.custom.exportThrew';
    const { user, own } = this.timed('construct', (why) => this.fail(reading, { reason: why }), () => {
      const user = this.instantiate(exported, (step) => (reading = step));
      reading = 'engine.custom.paramsThrew';
      const own: unknown = user.params;
      if (own !== undefined && (own === null || typeof own !== 'object')) throw this.fail('engine.custom.paramsNotObject', { value: describe(own) });
      return { user, own: Object.entries(own ?? {}).map(([name, value]) => [name, tensorOf(value, this.maxElements)] as const) };
    });
    this.user = user;
    const values: Record<string, Tensor> = {};
    for (const [name, value] of own) values[name] = this.tensorFrom(value, { at: 'param', param: name });
    for (const [name, value] of Object.entries(given)) values[name] = value;
    if ('dx' in values) throw this.fail('engine.custom.paramNamedDx', {});
    this.params = Object.entries(values).map(([name, value]) => ({ name, value, grad: null }));
  }

  kept(): Readonly<Record<string, Tensor>> {
    return {};
  }

  forward(x: Tensor): Tensor {
    const out = this.call('forward', x, 'x', (result) => tensorOf(result, this.maxElements));
    const y = this.tensorFrom(out, { at: 'forward' });
    this.inShape = [...x.shape];
    return y;
  }

  backward(dout: Tensor): Tensor {
    if (!this.inShape) throw new Error(`${this.name}: backward before forward`);
    const taken = this.call('backward', dout, 'dout', (result, user) => {
      const grads: unknown = user.grads;
      return { dx: tensorOf(result, this.maxElements), grads: isObject(grads) ? this.params.map((p) => (grads[p.name] === undefined ? undefined : tensorOf(grads[p.name], this.maxElements))) : describe(grads) };
    });
    const dx = this.tensorFrom(taken.dx, { at: 'backward' });
    if (!sameShape(dx.shape, this.inShape)) {
      throw this.fail('engine.custom.dxShape', { shape: shapeText(dx.shape), inShape: shapeText(this.inShape) });
    }
    if (typeof taken.grads === 'string') throw this.fail('engine.custom.gradsNotObject', { value: taken.grads });
    const gradsTaken = taken.grads;
    const grads = this.params.map((p, i) => {
      const g = gradsTaken[i];
      if (g === undefined) throw this.fail('engine.custom.noGrad', { param: p.name });
      const grad = this.tensorFrom(g, { at: 'grad', param: p.name });
      if (!sameShape(grad.shape, p.value.shape)) {
        throw this.fail('engine.custom.gradShape', { param: p.name, shape: shapeText(grad.shape), paramShape: shapeText(p.value.shape) });
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
    return this.timed('forward', (why) => this.fail('engine.custom.checkThrew', { reason: why }), () => differences(k, h, input, chain, lossRemote, targets));
  }

  /** f(x ± h·eᵢ) for every element of input `x`, f(x) = Σ forward(x)·R, in one call for a Python layer; null for others. */
  inputDifferences(h: number, x: Tensor, R: Tensor): { plus: Float64Array; minus: Float64Array } | null {
    const differences = this.options.python ? (this.user as unknown as { __inputDifferences?: (h: number, x: Tensor, R: Tensor) => { plus: Float64Array; minus: Float64Array } }).__inputDifferences : undefined;
    if (!differences) return null;
    return this.timed('forward', (why) => this.fail('engine.custom.checkThrew', { reason: why }), () => differences(h, x, R));
  }

  /**
   * The user's object: a new instance of a class, or a fresh object inheriting a plain export. Runs
   * in the 'construct' call; `step` names what it reads next, for a throw's message.
   */
  private instantiate(exported: unknown, step: (reading: 'engine.custom.constructThrew' | 'engine.custom.methodsThrew') => void): UserLayer {
    let layer = exported;
    // import() gives a namespace, and transpiled ES modules give CommonJS exports, with the layer as default.
    if (isObject(layer) && 'default' in layer && !('forward' in layer)) layer = layer.default;
    let instance: object;
    if (typeof layer === 'function') {
      if (!isObject(layer.prototype)) throw this.fail('engine.custom.exportNotClass', {});
      step('engine.custom.constructThrew');
      instance = new (layer as new () => object)();
    } else if (isObject(layer)) {
      // Writes to this.params, this.grads or anything else land on the instance, never on the module.
      instance = Object.create(layer) as object;
    } else {
      throw this.fail('engine.custom.exportNotLayer', { value: describe(layer) });
    }
    step('engine.custom.methodsThrew');
    for (const method of ['forward', 'backward'] as const) {
      const value: unknown = (instance as Record<string, unknown>)[method];
      if (typeof value === 'function') continue;
      if (value !== undefined) throw this.fail('engine.custom.methodNotFunction', { method, value: describe(value), signature: SIGNATURE[method] });
      const other = method === 'forward' ? 'backward' : 'forward';
      const near = closest(method, memberNames(instance).filter((k) => k !== other));
      const signature = SIGNATURE[method];
      if (this.options.python) throw near !== undefined ? this.fail('engine.custom.classNoMethod.near', { signature, near }) : this.fail('engine.custom.classNoMethod', { signature });
      throw near !== undefined ? this.fail('engine.custom.moduleNoMethod.near', { signature, near }) : this.fail('engine.custom.moduleNoMethod', { signature });
    }
    return instance as UserLayer;
  }

  /**
   * Calls the user's `method` with a copy of `arg` (named `argName` in messages) and copies of the
   * parameters, and passes what it returns to `take`, which copies out what the engine needs, all in
   * one timed call. The copies handed over must come back unchanged.
   */
  private call<T>(method: Method, arg: Tensor, argName: string, take: (result: unknown, user: UserLayer) => T): T {
    const given: [Handed, Float64Array, Float64Array][] = [
      [{ kind: 'Input', name: argName }, arg.data, arg.data.slice()],
      ...this.params.map((p): [Handed, Float64Array, Float64Array] => [{ kind: 'Param', name: p.name }, p.value.data, p.value.data.slice()]),
    ];
    let step: 'engine.custom.threw' | 'engine.custom.resultThrew' = 'engine.custom.threw';
    let outcome: { value: T } | { error: unknown };
    try {
      const value = this.timed(method, (why) => this.fail(step, { method, reason: why }), () => {
        this.user.params = Object.fromEntries(this.params.map((p, i) => [p.name, { shape: [...p.value.shape], data: given[i + 1][2] }]));
        if (method === 'backward') this.user.grads = {};
        const result = this.user[method]({ shape: [...arg.shape], data: given[0][2] });
        step = 'engine.custom.resultThrew';
        return take(result, this.user);
      });
      outcome = { value };
    } catch (e) {
      outcome = { error: e };
    }
    // The code had copies, so the run stays right; the write is the book's in-place dout bug, said once.
    for (const [what, data, copy] of given) {
      const changed = changedCount(data, copy);
      const key = `${method} ${what.kind} ${what.name}`;
      if (changed === 0 || this.warned.has(key)) continue;
      this.warned.add(key);
      const id = `engine.${this.options.python ? 'python' : 'custom'}.changed${what.kind}.${changed === 1 ? 'one' : 'many'}` as const;
      const warning = engineMessageOf(id, { layer: this.name, method, name: what.name, count: String(changed) });
      this.options.onWarning?.(warning.message, warning);
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

  /** `value` from tensorOf as an engine tensor, or a CustomLayerError saying why what sits at `place` is not one. */
  private tensorFrom(value: Tensor | NotTensor, place: TensorPlace): Tensor {
    if (!('fault' in value)) return value;
    // Every place has a template for every fault, with the place's placeholders and the fault's.
    throw this.failOf(`engine.custom.${place.at}.${value.fault}`, { ...value.args, ...('param' in place && { param: place.param }) });
  }

  /** A CustomLayerError of message `id`, its `layer` this layer's name. */
  private fail<K extends EngineMessageId>(id: K, args: Omit<EngineArgs<K>, 'layer'>): CustomLayerError {
    return this.failOf(id, args);
  }

  /** fail, for an id made at run time. */
  private failOf(id: EngineMessageId, args: MessageArgs): CustomLayerError {
    const error = new CustomLayerError(engineMessageOf(id, { layer: this.name, ...args }), this.index);
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

function tensorOf(value: unknown, maxElements: number): Tensor | NotTensor {
  if (!isObject(value) || typeof value === 'function' || !('shape' in value || 'data' in value)) return { fault: 'notTensor', args: { value: describe(value) } };
  const { shape, data } = value;
  const dims: unknown[] = Array.isArray(shape) ? Array.from(shape as unknown[]) : [];
  if (!Array.isArray(shape) || !dims.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    return { fault: 'badShape', args: { value: describe(shape) } };
  }
  if (!(data instanceof Float64Array)) return { fault: 'badData', args: { value: describe(data) } };
  // Refused before the engine copies it. A Proxy posing as the array has no length of its own; its copy is checked.
  const overLimit = (length: number): NotTensor => ({ fault: 'overLimit', args: { shape: shapeText(dims as number[]), count: fmtCount(length), limit: fmtCount(maxElements) } });
  if (ArrayBuffer.isView(data) && (typedLength.call(data) as number) > maxElements) return overLimit(typedLength.call(data) as number);
  // The typed-array constructor copies from the array's own storage: no slice or length of the code's runs.
  const copy = new Float64Array(data);
  if (copy.length > maxElements) return overLimit(copy.length);
  const size = sizeOf(dims as number[]);
  if (copy.length !== size) return { fault: 'wrongSize', args: { shape: shapeText(dims as number[]), count: fmtCount(copy.length), size: fmtCount(size) } };
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
