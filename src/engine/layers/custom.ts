// A user-written layer behind the engine's layer contract. The host loads the user's module; its
// export is a class (constructed with no arguments) or a plain object with forward(x) and
// backward(dout). Tensors are { shape: number[], data: Float64Array }. Parameters are in
// this.params (name → tensor) and backward sets their gradients in this.grads (name → tensor).
//
// The adapter guards the engine against that code: it checks every tensor the code returns and
// copies it (so later writes by the code reach nothing the engine holds), notices when the code
// writes into a tensor it was given (and puts the values back), and turns every failure into a
// CustomLayerError naming the layer. It calls `beforeCall` before each call into the code and
// `afterCall` once it returns or throws, so a host can time each call (src/call-clock.ts).
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
  ) {
    this.user = this.instantiate(exported);
    const own: unknown = this.user.params;
    if (own !== undefined && (own === null || typeof own !== 'object')) throw this.fail(`this.params must be an object of tensors, got ${describe(own)}`);
    const values: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(own ?? {})) values[name] = this.tensorFrom(value, `this.params.${name} is`);
    for (const [name, value] of Object.entries(given)) values[name] = value;
    if ('dx' in values) throw this.fail("a parameter cannot be named dx, which names the layer's input gradient");
    this.params = Object.entries(values).map(([name, value]) => ({ name, value, grad: null }));
  }

  kept(): Readonly<Record<string, Tensor>> {
    return {};
  }

  forward(x: Tensor): Tensor {
    const out = this.call('forward', x, 'x');
    const y = this.tensorFrom(out, `${this.name}.forward returned`, true);
    this.inShape = [...x.shape];
    return y;
  }

  backward(dout: Tensor): Tensor {
    if (!this.inShape) throw new Error(`${this.name}: backward before forward`);
    this.user.grads = {};
    const result = this.call('backward', dout, 'dout');
    const dx = this.tensorFrom(result, `${this.name}.backward returned`, true);
    if (!sameShape(dx.shape, this.inShape)) {
      throw this.fail(`${this.name}.backward returned dx of shape ${shapeText(dx.shape)}; its input x had shape ${shapeText(this.inShape)}`, true);
    }
    const grads = this.params.map((p) => {
      const g: unknown = this.user.grads[p.name];
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

  /** The user's object: a new instance of a class, or a fresh object inheriting a plain export. */
  private instantiate(exported: unknown): UserLayer {
    let layer = exported;
    // import() gives a namespace, and transpiled ES modules give CommonJS exports, with the layer as default.
    if (isObject(layer) && 'default' in layer && !('forward' in layer)) layer = layer.default;
    let instance: object;
    if (typeof layer === 'function') {
      if (!isObject(layer.prototype)) throw this.fail(`the module exports a function that is not a class; ${CONTRACT}`);
      this.beforeCall('construct');
      try {
        instance = new (layer as new () => object)();
      } catch (e) {
        throw this.fail(`constructing the module's class threw: ${reason(e)}`);
      } finally {
        this.afterCall();
      }
    } else if (isObject(layer)) {
      // Writes to this.params, this.grads or anything else land on the instance, never on the module.
      instance = Object.create(layer) as object;
    } else {
      throw this.fail(`the module exports ${describe(layer)}; ${CONTRACT}`);
    }
    for (const method of ['forward', 'backward'] as const) {
      const value: unknown = (instance as Record<string, unknown>)[method];
      if (typeof value === 'function') continue;
      if (value !== undefined) throw this.fail(`the module's ${method} is ${describe(value)}, not a function ${SIGNATURE[method]}`);
      const other = method === 'forward' ? 'backward' : 'forward';
      const near = closest(method, memberNames(instance).filter((k) => k !== other));
      throw this.fail(`the module has no ${SIGNATURE[method]}${near !== undefined ? ` — did you mean '${near}'?` : `; ${CONTRACT}`}`);
    }
    return instance as UserLayer;
  }

  /**
   * Calls the user's `method` with `arg` (named `argName` in messages), between `beforeCall` and `afterCall`. The code
   * sees copies of the shapes and the engine's own data, which must come back unchanged, as must
   * the parameters; changed values are put back before the error is thrown.
   */
  private call(method: Method, arg: Tensor, argName: string): unknown {
    const watched: [string, Float64Array, Float64Array][] = [
      [`its input ${argName}`, arg.data, arg.data.slice()],
      ...this.params.map((p): [string, Float64Array, Float64Array] => [`its parameter ${p.name}`, p.value.data, p.value.data.slice()]),
    ];
    this.user.params = Object.fromEntries(this.params.map((p) => [p.name, { shape: [...p.value.shape], data: p.value.data }]));
    this.beforeCall(method);
    let result: unknown;
    let thrown: { error: unknown } | null = null;
    try {
      result = this.user[method]({ shape: [...arg.shape], data: arg.data });
    } catch (e) {
      thrown = { error: e };
    } finally {
      this.afterCall();
    }
    for (const [what, data, before] of watched) {
      const changed = changedCount(data, before);
      if (changed === 0) continue;
      data.set(before);
      throw this.fail(`${this.name}.${method} changed ${what} at ${changed} element${changed === 1 ? '' : 's'}; return a new tensor instead`, true);
    }
    if (thrown) throw this.fail(`${this.name}.${method} threw: ${reason(thrown.error)}`, true);
    return result;
  }

  /** A copy of `value` as an engine tensor, or a CustomLayerError starting with `what` saying why it is not one. */
  private tensorFrom(value: unknown, what: string, whole = false): Tensor {
    const problem = tensorProblem(value);
    if (problem) throw this.fail(`${what} ${problem}`, whole);
    const t = value as Tensor;
    // Refused before the engine copies it.
    if (t.data.length > this.maxElements) {
      throw this.fail(`${what} a tensor of shape ${shapeText(t.shape)}: ${t.data.length} elements, over the limit of ${this.maxElements} (limits.maxElements)`, whole);
    }
    return { shape: [...t.shape], data: t.data.slice() };
  }

  /** A CustomLayerError: `message` as is when `whole`, else after "Name: ". */
  private fail(message: string, whole = false): CustomLayerError {
    return new CustomLayerError(whole ? message : `${this.name}: ${message}`, this.index);
  }
}

/** Why `value` is not a tensor { shape, data }, or null when it is one. */
function tensorProblem(value: unknown): string | null {
  if (!isObject(value) || typeof value === 'function' || !('shape' in value || 'data' in value)) return `${describe(value)}, not a tensor { shape, data }`;
  const { shape, data } = value;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return `a tensor whose shape is ${describe(shape)}, not a list of sizes such as [2, 3]`;
  }
  if (!(data instanceof Float64Array)) return `a tensor whose data is ${describe(data)}, not a Float64Array`;
  const size = sizeOf(shape);
  if (data.length !== size) return `a tensor of shape ${shapeText(shape)} with ${data.length} values; it needs ${size}`;
  return null;
}

/** How many elements differ from `before` (Object.is: 0 and −0 differ, a NaN staying NaN is no change). */
function changedCount(data: Float64Array, before: Float64Array): number {
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

/** The message of something thrown. */
function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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
