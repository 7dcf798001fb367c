// The ops of scalar computational graphs and their arity: all a spec parser needs of graphs, kept
// apart from their math (graph.ts) so parsing pulls in no layer code.

/** An op of a scalar computational graph. */
export type GraphOp = 'mul' | 'add' | 'sub' | 'div' | 'neg' | 'exp' | 'log' | 'pow' | 'relu' | 'sigmoid' | 'tanh';

/** How many operands each op takes. */
export const GRAPH_OP_ARITY: Readonly<Record<GraphOp, 1 | 2>> = {
  mul: 2,
  add: 2,
  sub: 2,
  div: 2,
  neg: 1,
  exp: 1,
  log: 1,
  pow: 1,
  relu: 1,
  sigmoid: 1,
  tanh: 1,
};
