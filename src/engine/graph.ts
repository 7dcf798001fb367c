// Scalar computational graphs, as the book's ch. 5 shop examples: nodes are evaluated in
// topological order, then gradients flow back from d output = 1, summed over fan-out. relu,
// sigmoid and tanh are their layers' functions.
import { relu, reluDx, reluMasks } from './layers/relu';
import { sigmoid, sigmoidDx } from './layers/sigmoid';
import { tanh, tanhDx } from './layers/tanh';
import { GRAPH_OP_ARITY, type GraphOp } from './graph-ops';

export type { GraphOp } from './graph-ops';

/** User code a node runs as the book's MulLayer and AddLayer do: forward(*inputs), then backward(dout) → one gradient per input. */
export interface ScalarLayer {
  forward(inputs: number[]): number;
  backward(dout: number): number[];
}

/** A node: `op` applied to the values named in `in`. */
export interface GraphNode {
  /** Node name, unique among inputs and nodes. */
  name: string;
  /** Operation; a 'python' node runs `layer`. */
  op: GraphOp | 'python';
  /** The code of a 'python' node. */
  layer?: ScalarLayer;
  /** Names of its operands (inputs or nodes), in order. */
  in: string[];
  /** Constant exponent of `pow`. */
  exponent?: number;
}

/** One node's backward: the upstream gradient and what it sends to each operand. */
export interface GraphBackwardStep {
  /** The node. */
  node: string;
  /** Its op. */
  op: GraphOp | 'python';
  /** d output / d node, complete when this step runs. */
  dout: number;
  /** Per operand, in order: its name and this node's contribution to its gradient. */
  sends: { name: string; grad: number }[];
}

/** Values and gradients of a graph. */
export interface GraphResult {
  /** Node names in evaluation order (inputs are not listed). */
  order: string[];
  /** Value of every input and node (a map: names are the user's, and may be `__proto__`). */
  values: Map<string, number>;
  /** d output / d name for every input and node (0 where the output does not depend on it). */
  grads: Map<string, number>;
  /** The backward steps of the nodes the output depends on, output first (reverse evaluation order). */
  backward: GraphBackwardStep[];
}

/**
 * Evaluates `output` of the graph and the gradient of `output` with respect to every input and node.
 * Nodes may be listed in any order. Specs validate graphs first; this still throws a clear Error on a
 * cycle, an unknown or duplicate name, or a wrong operand count, instead of looping or returning NaN.
 */
export function evaluateGraph(inputs: Record<string, number>, nodes: GraphNode[], output: string): GraphResult {
  const order = topologicalOrder(inputs, nodes);
  if (!Object.hasOwn(inputs, output) && !nodes.some((n) => n.name === output)) throw new Error(`output "${output}" is not an input or a node`);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const values = new Map(Object.entries(inputs));
  const valuesOf = (names: string[]) => names.map((name) => values.get(name)!);
  for (const name of order) {
    const node = byName.get(name)!;
    values.set(name, forwardOp(node, valuesOf(node.in)));
  }
  const grads = new Map<string, number>();
  for (const name of [...Object.keys(inputs), ...order]) grads.set(name, 0);
  grads.set(output, 1);
  // Only nodes the output depends on send gradients, so an unrelated branch (say log(0)) adds no NaN.
  const needed = new Set([output]);
  const backward: GraphBackwardStep[] = [];
  for (let k = order.length - 1; k >= 0; k--) {
    const node = byName.get(order[k])!;
    if (!needed.has(node.name)) continue;
    for (const name of node.in) needed.add(name);
    const dout = grads.get(node.name)!;
    const local = backwardOp(node, valuesOf(node.in), values.get(node.name)!, dout);
    const sends = node.in.map((name, i) => ({ name, grad: local[i] }));
    for (const s of sends) grads.set(s.name, grads.get(s.name)! + s.grad);
    backward.push({ node: node.name, op: node.op, dout, sends });
  }
  return { order, values, grads, backward };
}

/**
 * Node names in an order where every node comes after its operands; listed order breaks ties.
 * Depth-first with an explicit stack (graphs may be chains thousands of nodes deep), which is also
 * the path a cycle is reported along.
 */
function topologicalOrder(inputs: Record<string, number>, nodes: GraphNode[]): string[] {
  const byName = new Map<string, GraphNode>();
  for (const node of nodes) {
    if (Object.hasOwn(inputs, node.name) || byName.has(node.name)) throw new Error(`name "${node.name}" is defined twice`);
    const arity = node.op === 'python' ? node.in.length : Object.hasOwn(GRAPH_OP_ARITY, node.op) ? GRAPH_OP_ARITY[node.op] : undefined;
    if (node.op === 'python' && !node.layer) throw new Error(`node "${node.name}": its python class was not loaded`);
    if (arity === undefined) throw new Error(`node "${node.name}" has unknown op "${node.op}"`);
    if (node.in.length !== arity) throw new Error(`node "${node.name}": ${node.op} takes ${arity} operand(s), got ${node.in.length}`);
    if (node.op === 'pow' && typeof node.exponent !== 'number') throw new Error(`node "${node.name}": pow needs an exponent`);
    byName.set(node.name, node);
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  for (const root of nodes) {
    if (state.has(root.name)) continue;
    // Each frame: a node on the current path and the index of its next operand to visit.
    const path: { node: GraphNode; next: number }[] = [{ node: root, next: 0 }];
    state.set(root.name, 'visiting');
    while (path.length > 0) {
      const frame = path[path.length - 1];
      if (frame.next === frame.node.in.length) {
        state.set(frame.node.name, 'done');
        order.push(frame.node.name);
        path.pop();
        continue;
      }
      const name = frame.node.in[frame.next++];
      if (Object.hasOwn(inputs, name) || state.get(name) === 'done') continue;
      const operand = byName.get(name);
      if (!operand) throw new Error(`node "${frame.node.name}" uses unknown name "${name}"`);
      if (state.get(name) === 'visiting') {
        const cycle = [...path.slice(path.findIndex((f) => f.node === operand)).map((f) => f.node.name), name];
        throw new Error(`graph has a cycle: ${cycle.join(' → ')}`);
      }
      state.set(name, 'visiting');
      path.push({ node: operand, next: 0 });
    }
  }
  return order;
}

/** A node's value from its operand values. */
function forwardOp(node: GraphNode, v: number[]): number {
  const [x, y] = v;
  switch (node.op) {
    case 'python': return node.layer!.forward(v);
    case 'mul': return x * y;
    case 'add': return x + y;
    case 'sub': return x - y;
    case 'div': return x / y;
    case 'neg': return -x;
    case 'exp': return Math.exp(x);
    case 'log': return Math.log(x);
    case 'pow': return Math.pow(x, node.exponent!);
    case 'relu': return relu(x);
    case 'sigmoid': return sigmoid(x);
    case 'tanh': return tanh(x);
  }
}

/** Gradient contributions to each operand, given operand values, the node's value and dout. */
function backwardOp(node: GraphNode, v: number[], out: number, dout: number): number[] {
  const [x, y] = v;
  switch (node.op) {
    case 'python': return node.layer!.backward(dout);
    // Mul swaps the operands: dx = dout·y, dy = dout·x (this order gives the book's exact figures).
    case 'mul': return [dout * y, dout * x];
    // Add passes dout through, written dout·1 as the book's AddLayer.
    case 'add': return [dout * 1, dout * 1];
    case 'sub': return [dout, -dout];
    // d(x/y) = dx/y − x·dy/y².
    case 'div': return [dout / y, (-dout * x) / (y * y)];
    case 'neg': return [-dout];
    // d exp(x) = exp(x)·dx, and exp(x) is the output.
    case 'exp': return [dout * out];
    case 'log': return [dout / x];
    // d x^p = p·x^(p−1)·dx.
    case 'pow': return [dout * node.exponent! * Math.pow(x, node.exponent! - 1)];
    case 'relu': return [reluDx(reluMasks(x), dout)];
    case 'sigmoid': return [sigmoidDx(out, dout)];
    case 'tanh': return [tanhDx(out, dout)];
  }
}
