// The custom-layer adapter: the user's code behind the engine's layer contract, every way it can
// break the contract reported by name, and its gradients checked element by element.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkEachParamPlain, checkNetwork } from '../../src/engine/gradcheck';
import { Affine } from '../../src/engine/layers/affine';
import { CustomLayer, CustomLayerError } from '../../src/engine/layers/custom';
import { MSELoss } from '../../src/engine/layers/mse';
import { Sequential } from '../../src/engine/network';
import { Rng } from '../../src/engine/rng';
import { runNetwork } from '../../src/engine/run';
import { fromNested, tensor, type Tensor } from '../../src/engine/tensor';

/** What user code gets and returns. */
interface T {
  shape: number[];
  data: Float64Array;
}

/** A user layer, as a module would export it: Swish with a parameter beta, out = x·σ(beta·x). */
const swish = {
  forward(this: { params: Record<string, T>; x: Float64Array; s: Float64Array }, x: T): T {
    const beta = this.params.beta.data[0];
    this.x = x.data.slice();
    this.s = x.data.map((v) => 1 / (1 + Math.exp(-beta * v)));
    return { shape: x.shape, data: x.data.map((v, i) => v * this.s[i]) };
  },
  backward(this: { params: Record<string, T>; grads: Record<string, T>; x: Float64Array; s: Float64Array }, dout: T): T {
    const beta = this.params.beta.data[0];
    const { x, s } = this;
    let dbeta = 0;
    dout.data.forEach((g, i) => (dbeta += g * x[i] * x[i] * s[i] * (1 - s[i])));
    this.grads.beta = { shape: [1], data: Float64Array.of(dbeta) };
    return { shape: dout.shape, data: dout.data.map((g, i) => g * (s[i] + beta * x[i] * s[i] * (1 - s[i]))) };
  },
};

const beta = { beta: fromNested([1.5]) };
const x23 = () => fromNested([[1, -2, 0.5], [0.25, 3, -1]]);

/** The error `run` throws: a CustomLayerError about layer `layer`, with exactly `message`. */
function fails(run: () => unknown, message: string, layer = 4): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof CustomLayerError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.layer, layer);
    return true;
  });
}

test('a plain object runs as a layer: forward, backward, params and grads, copies in and out', () => {
  const layer = new CustomLayer('Swish1', 4, swish, beta);
  assert.deepEqual(layer.params.map((p) => [p.name, [...p.value.data]]), [['beta', [1.5]]]);
  const x = x23();
  const out = layer.forward(x);
  const sig = (v: number) => 1 / (1 + Math.exp(-1.5 * v));
  assert.deepEqual([...out.data], [...x.data].map((v) => v * sig(v)));
  const dout = fromNested([[1, 0.5, -1], [2, 0, 1]]);
  const dx = layer.backward(dout);
  assert.deepEqual(dx.shape, [2, 3]);
  [...x.data].forEach((v, i) => assert.equal(dx.data[i], dout.data[i] * (sig(v) + 1.5 * v * sig(v) * (1 - sig(v)))));
  assert.deepEqual(layer.params[0].grad!.shape, [1]);
  // Each layer is its own object: the module's export is never written to.
  assert.deepEqual(Object.keys(swish), ['forward', 'backward']);
  const other = new CustomLayer('Swish2', 5, swish, { beta: fromNested([-1]) });
  assert.notDeepEqual([...other.forward(x).data], [...out.data]);
});

test('a class, a default export (ES module namespace or transpiled CommonJS), and params the constructor makes', () => {
  class Scale {
    params: Record<string, T> = { k: { shape: [1], data: Float64Array.of(2) }, bias: { shape: [1], data: Float64Array.of(0) } };
    grads: Record<string, T> = {};
    forward(x: T): T {
      return { shape: x.shape, data: x.data.map((v) => this.params.k.data[0] * v + this.params.bias.data[0]) };
    }
    backward(dout: T): T {
      this.grads.k = { shape: [1], data: Float64Array.of(0) };
      this.grads.bias = { shape: [1], data: Float64Array.of(dout.data.reduce((a, b) => a + b, 0)) };
      return { shape: dout.shape, data: dout.data.map((g) => g * this.params.k.data[0]) };
    }
  }
  // The spec's bias wins over the constructor's; k stays the constructor's.
  const namespace = Object.assign(Object.create(null) as object, { default: Scale, [Symbol.toStringTag]: 'Module' });
  for (const exported of [Scale, namespace, { default: Scale }]) {
    const layer = new CustomLayer('Scale1', 0, exported, { bias: fromNested([1]) });
    assert.deepEqual(layer.params.map((p) => [p.name, [...p.value.data]]), [['k', [2]], ['bias', [1]]]);
    assert.deepEqual([...layer.forward(fromNested([[1, 2]])).data], [3, 5]);
  }
  // A namespace of named exports (export function forward...) works too.
  const named = Object.assign(Object.create(null) as object, {
    forward: (x: T) => ({ shape: x.shape, data: x.data.slice() }),
    backward: (dout: T) => ({ shape: dout.shape, data: dout.data.slice() }),
  });
  assert.deepEqual([...new CustomLayer('Id1', 0, named, {}).forward(fromNested([[7]])).data], [7]);
});

test('a misspelled or missing method is named, with the near miss among the module\'s own keys', () => {
  // The seed's SoftmaxWithLoss spells forward as foward.
  class Softmax {
    foward(x: T): T {
      return x;
    }
    backward(dout: T): T {
      return dout;
    }
  }
  fails(() => new CustomLayer('SeedSoftmax1', 4, Softmax, {}), "SeedSoftmax1: the module has no forward(x) — did you mean 'foward'?");
  fails(() => new CustomLayer('L1', 4, { forward: swish.forward, backwrd: swish.backward }, {}), "L1: the module has no backward(dout) — did you mean 'backwrd'?");
  fails(() => new CustomLayer('L1', 4, { backward: swish.backward, run: swish.forward }, {}), 'L1: the module has no forward(x); export a class or an object with forward(x) and backward(dout)');
  fails(() => new CustomLayer('L1', 4, { forward: 3, backward: swish.backward }, {}), 'L1: the module\'s forward is a number (3), not a function forward(x)');
  fails(() => new CustomLayer('L1', 4, 42, {}), 'L1: the module exports a number (42); export a class or an object with forward(x) and backward(dout)');
  fails(() => new CustomLayer('L1', 4, undefined, {}), 'L1: the module exports undefined; export a class or an object with forward(x) and backward(dout)');
  fails(() => new CustomLayer('L1', 4, () => ({}), {}), 'L1: the module exports a function that is not a class; export a class or an object with forward(x) and backward(dout)');
  class Throws {
    constructor() {
      throw new Error('no GPU');
    }
  }
  fails(() => new CustomLayer('L1', 4, Throws, {}), "L1: constructing the module's class threw: no GPU");
  fails(() => new CustomLayer('L1', 4, { ...swish, params: 7 }, {}), 'L1: this.params must be an object of tensors, got a number (7)');
  fails(() => new CustomLayer('L1', 4, { ...swish, params: { W: [1, 2] } }, {}), 'L1: this.params.W is an Array, not a tensor { shape, data }');
  fails(() => new CustomLayer('L1', 4, swish, { dx: fromNested([1]) }), "L1: a parameter cannot be named dx, which names the layer's input gradient");
});

test('code that throws, or returns a malformed tensor or a wrong shape, is named with the layer', () => {
  const id = { forward: (x: T) => ({ shape: x.shape, data: x.data.slice() }), backward: (d: T) => ({ shape: d.shape, data: d.data.slice() }) };
  const cases: [object, Record<string, Tensor>, 'forward' | 'backward', string][] = [
    [{ ...id, forward: () => { throw new Error('x is not iterable'); } }, {}, 'forward', 'Swish1.forward threw: x is not iterable'],
    [{ ...id, backward: () => { throw 'plain string'; } }, {}, 'backward', 'Swish1.backward threw: plain string'],
    [{ ...id, forward: () => undefined }, {}, 'forward', 'Swish1.forward returned undefined, not a tensor { shape, data }'],
    [{ ...id, forward: async (x: T) => x }, {}, 'forward', 'Swish1.forward returned a Promise (forward and backward must not be async), not a tensor { shape, data }'],
    [{ ...id, forward: (x: T) => ({ shape: x.shape, data: Array.from(x.data) }) }, {}, 'forward', 'Swish1.forward returned a tensor whose data is an Array, not a Float64Array'],
    [{ ...id, forward: (x: T) => ({ shape: '2x3', data: x.data }) }, {}, 'forward', "Swish1.forward returned a tensor whose shape is a string (2x3), not a list of sizes such as [2, 3]"],
    [{ ...id, forward: (x: T) => ({ shape: [2, 2], data: x.data.slice() }) }, {}, 'forward', 'Swish1.forward returned a tensor of shape [2, 2] with 6 values; it needs 4'],
    [{ ...id, backward: () => ({ shape: [2, 2], data: new Float64Array(4) }) }, {}, 'backward', 'Swish1.backward returned dx of shape [2, 2]; its input x had shape [2, 3]'],
    [id, { W: fromNested([[1]]) }, 'backward', 'Swish1.backward set no gradient for W: set this.grads.W'],
    [
      { ...id, backward(this: { grads: Record<string, T> }, d: T) { this.grads.W = { shape: [2], data: new Float64Array(2) }; return { shape: d.shape, data: d.data.slice() }; } },
      { W: fromNested([[1]]) },
      'backward',
      'Swish1.backward set this.grads.W of shape [2]; W has shape [1, 1]',
    ],
  ];
  for (const [module, params, method, message] of cases) {
    const layer = new CustomLayer('Swish1', 2, module, params);
    if (method === 'forward') fails(() => layer.forward(x23()), message, 2);
    else {
      layer.forward(x23());
      fails(() => layer.backward(x23()), message, 2);
    }
  }
});

test('writing into x, dout or a parameter is a warning, said once, and the engine keeps its own tensors', () => {
  const inPlace = {
    forward(x: T): T {
      x.data[0] = 99;
      x.data[4] = 99;
      return { shape: x.shape, data: x.data.slice() };
    },
    backward(dout: T): T {
      for (let i = 0; i < dout.data.length; i++) dout.data[i] *= 2;
      return dout;
    },
  };
  const warnings: string[] = [];
  const onWarning = (message: string) => warnings.push(message);
  const x = x23();
  const before = x.data.slice();
  const writer = new CustomLayer('Swish1', 1, inPlace, {}, undefined, undefined, Infinity, { onWarning });
  const y = writer.forward(x);
  writer.forward(x);
  assert.deepEqual(warnings, ['Swish1.forward changed its input x at 2 elements; return a new tensor']);
  assert.deepEqual(x.data, before, "the engine's x is untouched");
  assert.equal(y.data[0], 99, 'the code computed on its copy');

  warnings.length = 0;
  const layer = new CustomLayer('Swish1', 1, { ...inPlace, forward: (v: T) => ({ shape: v.shape, data: v.data.slice() }) }, {}, undefined, undefined, Infinity, { onWarning, python: true });
  layer.forward(x);
  const dout = fromNested([[1, 2, 3], [4, 0, 6]]);
  // 0·2 = 0: the zero element is unchanged, so 5 of 6 changed.
  const dx = layer.backward(dout);
  assert.deepEqual(warnings, ['Swish1.backward changed its input dout at 5 elements; return a new array']);
  assert.deepEqual([...dout.data], [1, 2, 3, 4, 0, 6]);
  assert.deepEqual([...dx.data], [2, 4, 6, 8, 0, 12]);

  warnings.length = 0;
  const sgd = {
    ...swish,
    backward(this: { params: Record<string, T>; grads: Record<string, T> }, d: T): T {
      this.params.beta.data[0] -= 0.1;
      this.grads.beta = { shape: [1], data: Float64Array.of(0) };
      return { shape: d.shape, data: d.data.slice() };
    },
  };
  const p = fromNested([1.5]);
  const stepping = new CustomLayer('Swish1', 1, sgd, { beta: p }, undefined, undefined, Infinity, { onWarning });
  stepping.forward(x);
  stepping.backward(dout);
  assert.deepEqual(warnings, ['Swish1.backward changed its parameter beta at 1 element; return a new tensor']);
  assert.deepEqual([...p.data], [1.5]);
});

test('returned tensors are copies, so later writes by the code reach nothing the engine holds', () => {
  const buffer = { shape: [1, 2], data: Float64Array.of(1, 2) };
  const reuse = { forward: () => buffer, backward: () => buffer };
  const layer = new CustomLayer('Reuse1', 0, reuse, {});
  const out = layer.forward(fromNested([[5, 6]]));
  buffer.data[0] = 42;
  buffer.shape.push(1);
  assert.deepEqual([out.shape, [...out.data]], [[1, 2], [1, 2]]);
});

test('beforeCall and afterCall bracket each call into the code: the class constructor, forward and backward, also when it throws', () => {
  const calls: string[] = [];
  const layer = new CustomLayer('Swish1', 0, swish, beta, (call) => calls.push(call), () => calls.push('returned'));
  // An object module is not constructed, but reading its members (a getter, a Proxy) is user code too.
  assert.deepEqual(calls, ['construct', 'returned']);
  layer.forward(x23());
  layer.backward(x23());
  layer.forward(x23());
  assert.deepEqual(calls, ['construct', 'returned', 'forward', 'returned', 'backward', 'returned', 'forward', 'returned']);

  const thrown: string[] = [];
  class Failing {
    forward(): never {
      throw new Error('boom');
    }
    backward(dout: Tensor): Tensor {
      return dout;
    }
  }
  const failing = new CustomLayer('Failing1', 0, Failing, {}, (call) => thrown.push(call), () => thrown.push('returned'));
  assert.throws(() => failing.forward(x23()), CustomLayerError);
  assert.deepEqual(thrown, ['construct', 'returned', 'forward', 'returned']);
});

test('every read of an object the code made happens inside a timed call: getters, Proxy traps, setters, a thrown value\'s text', () => {
  let inside = false;
  const outside: string[] = [];
  const seen = (what: string) => {
    if (!inside) outside.push(what);
  };
  /** `o` behind a Proxy noting each trap; objects it hands out are spied on too. */
  const spy = <O extends object>(o: O, name: string): O =>
    new Proxy(o, {
      get(t, k, r) {
        seen(`${name}.${String(k)}`);
        const v: unknown = Reflect.get(t, k, r);
        return typeof v === 'object' && v !== null && !(v instanceof Float64Array) ? spy(v, `${name}.${String(k)}`) : v;
      },
      set: (t, k, v, r) => (seen(`${name}.${String(k)} =`), Reflect.set(t, k, v, r)),
      has: (t, k) => (seen(`${name} has ${String(k)}`), Reflect.has(t, k)),
      ownKeys: (t) => (seen(`${name} keys`), Reflect.ownKeys(t)),
      getOwnPropertyDescriptor: (t, k) => (seen(`${name} descriptor`), Reflect.getOwnPropertyDescriptor(t, k)),
      getPrototypeOf: (t) => (seen(`${name} prototype`), Reflect.getPrototypeOf(t)),
    });
  /** Data whose own length and slice note being read. */
  const data = (values: Float64Array) => {
    Object.defineProperty(values, 'length', { get: () => (seen('data.length'), 4) });
    Object.defineProperty(values, 'slice', { get: () => (seen('data.slice'), () => values) });
    return values;
  };
  const tensorOf = (t: T, name: string) => spy({ shape: [...t.shape], data: data(t.data.map((v) => 2 * v)) }, name);
  const module = spy(
    {
      params: { k: { shape: [1], data: Float64Array.of(3) } },
      forward(this: { params: Record<string, T> }, x: T) {
        return tensorOf(x, 'y');
      },
      backward(this: { grads: Record<string, unknown> }, d: T) {
        this.grads = spy({ k: tensorOf({ shape: [1], data: Float64Array.of(1) }, 'dk') }, 'grads');
        return tensorOf(d, 'dx');
      },
    },
    'module',
  );
  const layer = new CustomLayer('Spy1', 3, module, {}, () => (inside = true), () => (inside = false));
  assert.deepEqual(layer.params.map((p) => [p.name, [...p.value.data]]), [['k', [3]]]);
  assert.deepEqual([...layer.forward(x23()).data], [2, -4, 1, 0.5, 6, -2]);
  assert.deepEqual([...layer.backward(x23()).data], [2, -4, 1, 0.5, 6, -2]);
  assert.deepEqual([...layer.params[0].grad!.data], [2]);
  assert.deepEqual(outside, [], 'nothing of the code\'s objects is read between calls');

  // A setter on this.params, and thrown values whose text is user code: read inside the call too.
  const thrown = spy({ message: 'not shown' }, 'thrown');
  const hostile = {
    set params(_: unknown) {
      seen('params =');
    },
    forward() {
      throw { toString: () => (seen('toString'), 'spelled out') };
    },
    backward() {
      throw thrown;
    },
  };
  const hurt = new CustomLayer('Spy1', 3, hostile, {}, () => (inside = true), () => (inside = false));
  fails(() => hurt.forward(x23()), 'Spy1.forward threw: spelled out', 3);
  fails(() => new CustomLayer('Spy1', 3, { ...swish, forward: () => { throw Object.create(null); } }, {}).forward(x23()), 'Spy1.forward threw: an object that cannot be shown as text', 3);
  fails(() => new CustomLayer('Spy1', 3, { ...swish, forward: () => ({ shape: [1], get data() { throw new Error('no data'); } }) }, {}).forward(x23()), 'Spy1.forward returned a value that threw as it was read: no data', 3);
  assert.deepEqual(outside, []);
  // A Proxy module whose traps throw is still the layer's failure, not the engine's.
  const trap = new Proxy({}, { has: () => { throw new Error('trapped'); } });
  fails(() => new CustomLayer('Spy1', 3, trap, {}), "Spy1: reading the module's export threw: trapped", 3);
  const spyOnThrown = new CustomLayer('Spy1', 3, { ...swish, backward: hostile.backward }, beta, () => (inside = true), () => (inside = false));
  spyOnThrown.forward(x23());
  fails(() => spyOnThrown.backward(x23()), 'Spy1.backward threw: [object Object]', 3);
  assert.deepEqual(outside, []);
});

const rng = new Rng(17);
const normal = (shape: number[]) => tensor(shape, Float64Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal()));

/** Affine → Swish (custom) → Affine → MSE; `module` is the custom layer's code. */
function swishNet(module: object): { net: Sequential; x: Tensor; t: Tensor } {
  const net = new Sequential(
    [new Affine('Affine1', normal([3, 4]), normal([4])), new CustomLayer('Swish1', 1, module, { beta: fromNested([0.8]) }), new Affine('Affine2', normal([4, 2]), normal([2]))],
    new MSELoss(),
  );
  return { net, x: normal([3, 3]), t: normal([3, 2]) };
}

test('a correct custom layer passes the check of its params and its dx, on both paths', () => {
  const { net, x, t } = swishNet(swish);
  for (const results of [checkNetwork(net, x, t, true), [...checkEachParamPlain(net, x, t, true)]]) {
    assert.deepEqual(results.map((r) => `${r.name}.${r.param}:${r.result.ok}`), [
      'Affine1.W:true', 'Affine1.b:true', 'Affine1.dx:true', 'Swish1.beta:true', 'Swish1.dx:true', 'Affine2.W:true', 'Affine2.b:true', 'Affine2.dx:true',
    ]);
  }
});

test('a subtly wrong custom layer is caught at exactly the elements it gets wrong', () => {
  // dx = dout·(s + beta·s·(1 − s)): the factor x of the second term is lost, an error of
  // dout·beta·(x − 1)·s·(1 − s), zero where x = 1. Its dx check feeds it R; the oracle reads R back
  // from the wrong analytic value and computes the true gradient independently.
  const wrong = {
    ...swish,
    backward(this: { params: Record<string, T>; grads: Record<string, T>; x: Float64Array; s: Float64Array }, dout: T): T {
      const good = swish.backward.call(this, dout);
      const b = this.params.beta.data[0];
      return { shape: good.shape, data: dout.data.map((g, i) => g * (this.s[i] + b * this.s[i] * (1 - this.s[i]))) };
    },
  };
  const layer = new CustomLayer('SwishWrong1', 0, wrong, { beta: fromNested([0.8]) });
  const x = fromNested([[1, -2, 0.5], [1, 0, -1], [2, 1, 3]]);
  const net = new Sequential([layer, new Affine('Affine1', normal([3, 2]), normal([2]))], new MSELoss());
  const t = normal([3, 2]);
  const results = checkNetwork(net, x, t, true);
  const dx = results.find((r) => r.name === 'SwishWrong1' && r.param === 'dx')!.result;
  const ok = results.filter((r) => r !== results[1]).every((r) => r.result.ok);
  assert.ok(ok, 'beta and the Affine pass');
  const s = (v: number) => 1 / (1 + Math.exp(-0.8 * v));
  const expectedFailing: number[] = [];
  x.data.forEach((v, i) => {
    const R = dx.analytic.data[i] / (s(v) + 0.8 * s(v) * (1 - s(v)));
    const truth = R * (s(v) + 0.8 * v * s(v) * (1 - s(v)));
    assert.ok(Math.abs(dx.numerical.data[i] - truth) < 1e-8, `numerical dx[${i}] is the true gradient`);
    if (Math.abs(dx.analytic.data[i] - truth) > 1e-5 + 1e-3 * Math.abs(truth)) expectedFailing.push(i);
  });
  // x = 1 at 0, 3 and 7: exactly those pass.
  assert.deepEqual(expectedFailing, [1, 2, 4, 5, 6, 8]);
  assert.equal(dx.failures, 6);
  assert.deepEqual(dx.worst.filter((w) => w.failed).map((w) => w.flat).sort(), expectedFailing);
  assert.ok([0, 3, 7].every((i) => dx.error.data[i] < 1e-8));
});

test('custom layers run in runNetwork with checks, and a failure inside the check carries the layer', () => {
  const { net, x, t } = swishNet(swish);
  const kinds = [...runNetwork(net, x, t, { train: true, check: { h: 1e-4, atol: 1e-5, rtol: 1e-3 } })].map((e) => e.kind);
  assert.equal(kinds.filter((k) => k === 'check').length, 8);
  // A layer that breaks only once the check perturbs its parameter.
  const fragile = {
    ...swish,
    forward(this: { params: Record<string, T> }, v: T): T {
      if (this.params.beta.data[0] !== 0.8) throw new Error('beta moved');
      return swish.forward.call(this as never, v);
    },
  };
  const broken = swishNet(fragile);
  fails(() => checkNetwork(broken.net, broken.x, broken.t, true), 'Swish1.forward threw: beta moved', 1);
});
