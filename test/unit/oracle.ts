// An independent scalar autodiff for tests, micrograd style: every Value records its operands and
// the local derivative toward each; backward walks the graph in reverse topological order.
// It shares no code with the engine, so agreement between the two is evidence, not tautology.

/** A scalar in a recorded expression graph. */
export class Value {
  /** d root / d this, filled by backward. */
  grad = 0;

  /** A value; `parents` and `locals` (d this / d parent) are set by the ops. */
  constructor(
    /** The number. */
    readonly data: number,
    /** Operands. */
    private readonly parents: Value[] = [],
    /** d this / d parent, one per operand. */
    private readonly locals: number[] = [],
  ) {}

  /** this + o. */
  add(o: Value | number): Value {
    const v = lift(o);
    return new Value(this.data + v.data, [this, v], [1, 1]);
  }

  /** this − o. */
  sub(o: Value | number): Value {
    const v = lift(o);
    return new Value(this.data - v.data, [this, v], [1, -1]);
  }

  /** this · o. */
  mul(o: Value | number): Value {
    const v = lift(o);
    return new Value(this.data * v.data, [this, v], [v.data, this.data]);
  }

  /** this / o. */
  div(o: Value | number): Value {
    const v = lift(o);
    return new Value(this.data / v.data, [this, v], [1 / v.data, -this.data / (v.data * v.data)]);
  }

  /** −this. */
  neg(): Value {
    return new Value(-this.data, [this], [-1]);
  }

  /** thisᵖ for a constant p. */
  pow(p: number): Value {
    return new Value(this.data ** p, [this], [p * this.data ** (p - 1)]);
  }

  /** eˣ. */
  exp(): Value {
    const e = Math.exp(this.data);
    return new Value(e, [this], [e]);
  }

  /** ln x. */
  log(): Value {
    return new Value(Math.log(this.data), [this], [1 / this.data]);
  }

  /** max(x, 0), with derivative 0 at x <= 0. */
  relu(): Value {
    return new Value(this.data > 0 ? this.data : 0, [this], [this.data > 0 ? 1 : 0]);
  }

  /** tanh x. */
  tanh(): Value {
    const t = Math.tanh(this.data);
    return new Value(t, [this], [1 - t * t]);
  }

  /** 1 / (1 + e⁻ˣ). */
  sigmoid(): Value {
    const s = 1 / (1 + Math.exp(-this.data));
    return new Value(s, [this], [s * (1 - s)]);
  }

  /** Sets grad = d this / d v for every v this depends on. */
  backward(): void {
    const order: Value[] = [];
    const seen = new Set<Value>();
    const visit = (v: Value): void => {
      if (seen.has(v)) return;
      seen.add(v);
      for (const p of v.parents) visit(p);
      order.push(v);
    };
    visit(this);
    for (const v of order) v.grad = 0;
    this.grad = 1;
    for (let i = order.length - 1; i >= 0; i--) {
      const v = order[i];
      v.parents.forEach((p, k) => (p.grad += v.locals[k] * v.grad));
    }
  }
}

/** A constant as a Value. */
function lift(o: Value | number): Value {
  return typeof o === 'number' ? new Value(o) : o;
}

/** Σ values (0 for none). */
export function sum(values: Value[]): Value {
  return values.reduce((acc, v) => acc.add(v), new Value(0));
}

/** Values for each number. */
export function values(data: ArrayLike<number>): Value[] {
  return Array.from(data, (d) => new Value(d));
}

/** Their grads, as a Float64Array. */
export function grads(vs: Value[]): Float64Array {
  return Float64Array.from(vs, (v) => v.grad);
}

/** The first of the largest values (as np.argmax picks), with derivative 1 toward it alone. */
export function maxOf(vs: Value[]): Value {
  let best = vs[0];
  for (const v of vs) if (v.data > best.data) best = v;
  return best.mul(1);
}
