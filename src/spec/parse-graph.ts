// The graph form: scalar inputs, nodes of ops over named operands, one output; checked for unknown
// names, operand counts and cycles before anything is evaluated.
import { isMap, isScalar } from 'yaml';
import { GRAPH_OP_ARITY, type GraphOp } from '../engine/graph-ops';
import type { GraphNodeSpec, GraphSpec, Range } from './model';
import { PYTHON_KEYS, readPythonClass } from './parse-python';
import type { Entry, Reader, YNode } from './reader';
import { phrase } from './problem';

/** Keys of a graph spec. */
export const GRAPH_SPEC_KEYS = ['$schema', 'name', 'graph'];

/** Ops in the order messages list them. */
export const GRAPH_OPS = Object.keys(GRAPH_OP_ARITY) as GraphOp[];

const OP_ALIASES: Readonly<Record<string, GraphOp>> = {
  multiply: 'mul',
  times: 'mul',
  plus: 'add',
  subtract: 'sub',
  minus: 'sub',
  divide: 'div',
  negate: 'neg',
  ln: 'log',
  power: 'pow',
};

/** A node as read, with the ranges its checks point at; `node` is set when the node itself is valid. */
interface NodeRead {
  /** Node name. */
  name: string;
  /** Operand names. */
  ins: string[];
  /** Range of the name value. */
  nameRange: Range;
  /** Range of each operand. */
  inRanges: Range[];
  /** The node, when op, arity and exponent are valid too. */
  node?: GraphNodeSpec;
}

/** Reads a graph spec; undefined when it has errors (they are in `r.problems`). */
export function readGraph(r: Reader, graphEntry: Entry, name: string): GraphSpec | undefined {
  const errorsBefore = r.errorCount();
  const node = r.map(graphEntry, 'graph');
  if (!node) return undefined;
  const entries = r.entries(node, 'graph', ['inputs', 'nodes', 'output']);

  const inputs: GraphSpec['inputs'] = [];
  const inputsEntry = entries.get('inputs');
  if (!inputsEntry) r.error(graphEntry.keyRange, 'spec.graphNeedsInputs');
  const inputsMap = inputsEntry && r.map(inputsEntry, phrase('spec.what.graphInputs'));
  if (inputsMap) {
    for (const pair of inputsMap.items) {
      const key = pair.key as YNode;
      const keyRange = r.rangeOf(key);
      const inputName = r.stringAt(key, keyRange, phrase('spec.what.inputName'));
      const valueNode = pair.value as YNode;
      const value = r.numberAt(valueNode, r.isEmpty(valueNode) ? keyRange : r.rangeOf(valueNode), inputName ? phrase('spec.what.inputNamed', { name: inputName }) : phrase('spec.what.input'), 'finite');
      if (inputName !== undefined && value !== undefined) inputs.push({ name: inputName, value, range: keyRange });
    }
    if (inputsMap.items.length === 0) r.error(inputsEntry.range, 'spec.graphInputsEmpty');
  }

  const reads: NodeRead[] = [];
  const nodesEntry = entries.get('nodes');
  const items = nodesEntry ? r.list(nodesEntry, 'nodes') : [];
  for (const item of items ?? []) {
    const read = readNode(r, item);
    if (read) reads.push(read);
  }

  // Names are unique across inputs and nodes.
  const kinds = new Map<string, 'input' | 'node'>(inputs.map((i) => [i.name, 'input']));
  for (const { name: nodeName, nameRange } of reads) {
    const kind = kinds.get(nodeName);
    if (kind) r.error(nameRange, kind === 'input' ? 'spec.duplicateInputName' : 'spec.duplicateNodeName', { name: nodeName });
    else kinds.set(nodeName, 'node');
  }
  const names = [...kinds.keys()];
  let namesKnown = true;
  for (const { ins, inRanges } of reads) {
    ins.forEach((operand, k) => {
      if (kinds.has(operand)) return;
      r.unknown(inRanges[k], 'error', { suggest: 'spec.unknownOperandSuggest', expected: 'spec.unknownOperandExpected' }, { name: operand }, operand, names);
      namesKnown = false;
    });
  }

  const outputEntry = entries.get('output');
  if (!outputEntry) r.error(graphEntry.keyRange, 'spec.graphNeedsOutput');
  const output = outputEntry && r.string(outputEntry, 'output');
  if (outputEntry && output !== undefined && !kinds.has(output)) r.unknown(outputEntry.range, 'error', { suggest: 'spec.unknownOutputSuggest', expected: 'spec.unknownOutputExpected' }, { name: output }, output, names);

  if (namesKnown) reportCycle(r, reads);
  if (r.errorCount() > errorsBefore || output === undefined || !outputEntry) return undefined;
  const nodes = reads.flatMap((read) => (read.node ? [read.node] : []));
  return { form: 'graph', name, inputs, nodes, output, outputRange: outputEntry.range };
}

/** One `{ name, op, in, exponent }` item; its name and operands are kept even when the rest is wrong. */
function readNode(r: Reader, item: YNode): NodeRead | undefined {
  const range = r.rangeOf(item);
  if (!isMap(item)) {
    r.error(range, 'spec.nodeNotMapping', { got: r.describe(item) });
    return undefined;
  }
  const python = item.items.some((pair) => isScalar(pair.key) && pair.key.value === 'op' && isScalar(pair.value) && pair.value.value === 'python');
  const entries = r.entries(item, phrase('spec.what.node'), python ? ['name', 'op', 'in', ...PYTHON_KEYS] : ['name', 'op', 'in', 'exponent']);
  const nameEntry = entries.get('name');
  const opEntry = entries.get('op');
  const inEntry = entries.get('in');
  if (!nameEntry || !opEntry || !inEntry) {
    const missing = [!nameEntry && 'name', !opEntry && 'op', !inEntry && 'in'].filter(Boolean).join(', ');
    r.error(range, 'spec.nodeNeeds', { missing });
    return undefined;
  }
  const name = r.string(nameEntry, phrase('spec.what.nodeName'));
  if (name === '') r.error(nameEntry.range, 'spec.nodeNameEmpty');
  const operands = r.list(inEntry, 'in');
  if (!name || !operands) return undefined;
  const ins: string[] = [];
  const inRanges: Range[] = [];
  for (const operand of operands) {
    const operandRange = r.rangeOf(operand);
    const text = r.stringAt(operand, operandRange, phrase('spec.what.operand'));
    if (text === undefined) return undefined;
    ins.push(text);
    inRanges.push(operandRange);
  }
  const read: NodeRead = { name, ins, nameRange: nameEntry.range, inRanges };
  if (python) {
    // forward(*inputs) and backward(dout), which returns one gradient per input: any number of operands.
    const found = readPythonClass(r, entries, opEntry.range, 0, 'node');
    return found ? { ...read, node: { name, op: 'python', in: ins, range, python: found } } : read;
  }

  const op = r.choice(opEntry, 'op', GRAPH_OPS, OP_ALIASES);
  if (!op) return read;
  const arity = GRAPH_OP_ARITY[op];
  if (ins.length !== arity) {
    r.error(inEntry.range, arity === 1 ? 'spec.arityOne' : 'spec.arity', { op, arity: String(arity), count: String(ins.length) });
    return read;
  }
  const exponentEntry = entries.get('exponent');
  const node: GraphNodeSpec = { name, op, in: ins, range };
  if (op === 'pow') {
    if (!exponentEntry) {
      r.error(opEntry.range, 'spec.powNeedsExponent');
      return read;
    }
    const exponent = r.number(exponentEntry, 'exponent', 'finite');
    if (exponent === undefined) return read;
    node.exponent = exponent;
  } else if (exponentEntry) {
    r.warn(exponentEntry.keyRange, 'spec.exponentPowOnly');
  }
  return { ...read, node };
}

/**
 * Reports the first cycle as "cycle in graph: a → b → a" (data-flow order: a feeds b), on the operand
 * that closes it. Iterative depth-first search, so long chains cannot overflow the stack.
 */
function reportCycle(r: Reader, reads: NodeRead[]): void {
  const byName = new Map(reads.map((read) => [read.name, read]));
  const state = new Map<string, 'open' | 'done'>();
  for (const root of reads) {
    if (state.has(root.name)) continue;
    // Each frame: a node on the current path and the index of its next operand to visit.
    const path: { read: NodeRead; next: number }[] = [{ read: root, next: 0 }];
    state.set(root.name, 'open');
    while (path.length > 0) {
      const frame = path[path.length - 1];
      if (frame.next === frame.read.ins.length) {
        state.set(frame.read.name, 'done');
        path.pop();
        continue;
      }
      const k = frame.next++;
      const operand = byName.get(frame.read.ins[k]);
      if (!operand) continue; // an input
      const s = state.get(operand.name);
      if (s === 'open') {
        // The path runs consumer → operand; data flows the other way.
        const start = path.findIndex((f) => f.read === operand);
        const names = path.slice(start).map((f) => f.read.name);
        const flow = [names[0], ...names.slice(1).reverse(), names[0]];
        if (flow.length <= 12) r.error(frame.read.inRanges[k], 'spec.cycle', { cycle: flow.join(' → ') });
        else r.error(frame.read.inRanges[k], 'spec.cycleLong', { cycle: `${flow.slice(0, 5).join(' → ')} → … → ${flow.slice(-3).join(' → ')}`, nodes: String(names.length) });
        return;
      }
      if (s === undefined) {
        state.set(operand.name, 'open');
        path.push({ read: operand, next: 0 });
      }
    }
  }
}
