// A scalar computational graph drawn as in the book's figures: inputs on the left, operation nodes
// as circles, each edge labelled with the forward value above and the gradient below, the output on
// the right. Columns are topological depth; rows follow the operands (barycentre) to limit crossings.
import type { GraphNodeInfo } from '../../src/protocol';
import { h, s } from '../shared/dom';
import { fmtFull, fmtGraph } from '../../src/format';
import type { GraphEvent } from '../shared/state';

const COL_W = 170;
const ROW_H = 76;
const R = 20;
const CHAR_W = 7.5;
const MARGIN = 24;

const SYMBOLS: Record<string, string> = {
  mul: '×',
  add: '+',
  sub: '−',
  div: '÷',
  neg: '−',
  pow: '^',
  exp: 'exp',
  log: 'log',
  sigmoid: 'σ',
  tanh: 'tanh',
  relu: 'ReLU',
  max: 'max',
};

/** True for graph inputs (leaves). */
function isInput(n: GraphNodeInfo): boolean {
  return n.op === 'input' || n.in.length === 0;
}

interface Placed {
  node: GraphNodeInfo;
  col: number;
  y: number;
  consumers: GraphNodeInfo[];
}

function layout(nodes: GraphNodeInfo[]): Map<string, Placed> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  // Column = longest operand chain below a node; computed with an explicit stack, as graphs may be chains thousands deep.
  const depth = new Map<string, number>();
  const depthOf = (root: GraphNodeInfo): number => {
    const open = new Set<string>();
    const stack = [root];
    while (stack.length > 0) {
      const n = stack[stack.length - 1];
      if (depth.has(n.name)) {
        stack.pop();
        continue;
      }
      if (isInput(n)) {
        depth.set(n.name, 0);
        stack.pop();
        continue;
      }
      const pending = open.has(n.name) ? [] : n.in.map((name) => byName.get(name)).filter((m): m is GraphNodeInfo => m !== undefined && !depth.has(m.name) && !open.has(m.name));
      if (pending.length > 0) {
        open.add(n.name);
        stack.push(...pending);
        continue;
      }
      // Operands on the open path (a cycle, which specs reject) count as depth 0.
      let d = 0;
      for (const name of n.in) d = Math.max(d, (depth.get(name) ?? -1) + 1);
      depth.set(n.name, d);
      open.delete(n.name);
      stack.pop();
    }
    return depth.get(root.name)!;
  };
  const placed = new Map<string, Placed>();
  for (const n of nodes) placed.set(n.name, { node: n, col: depthOf(n), y: 0, consumers: [] });
  for (const n of nodes) for (const name of n.in) placed.get(name)?.consumers.push(n);

  // An input sits just left of its first consumer, as the book draws tax next to the last ×.
  let inputRow = 0;
  for (const p of placed.values()) {
    if (!isInput(p.node)) continue;
    p.col = p.consumers.length ? p.consumers.reduce((m, c) => Math.min(m, placed.get(c.name)?.col ?? 1), Infinity) - 1 : 0;
    p.y = inputRow++;
  }
  const ops = [...placed.values()].filter((p) => !isInput(p.node)).sort((a, b) => a.col - b.col);
  for (const p of ops) {
    const ys = p.node.in.map((name) => placed.get(name)?.y).filter((y): y is number => y !== undefined);
    p.y = ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
  }
  // Keep one row of space between nodes of a column.
  const columns = new Map<number, Placed[]>();
  for (const p of placed.values()) {
    const col = columns.get(p.col);
    if (col) col.push(p);
    else columns.set(p.col, [p]);
  }
  for (const col of columns.values()) {
    col.sort((a, b) => a.y - b.y);
    for (let i = 1; i < col.length; i++) col[i].y = Math.max(col[i].y, col[i - 1].y + 1);
  }
  const minY = [...placed.values()].reduce((m, p) => Math.min(m, p.y), Infinity);
  for (const p of placed.values()) p.y -= minY;
  return placed;
}

/** Renders the graph of `ev` with a table of exact values below it. */
export function renderGraph(ev: GraphEvent): HTMLElement {
  if (ev.nodes.length === 0) return h('p', { class: 'empty' }, 'The graph has no nodes.');
  const placed = layout(ev.nodes);
  const all = [...placed.values()];
  const labelW = all.reduce((w, p) => (isInput(p.node) ? Math.max(w, p.node.name.length * CHAR_W) : w), 0);
  const left = MARGIN + labelW + 8;
  const maxCol = all.reduce((m, p) => Math.max(m, p.col), 0);
  const maxY = all.reduce((m, p) => Math.max(m, p.y), 0);
  const out = placed.get(ev.output);
  const width = left + (maxCol + 1) * COL_W + (out ? out.node.name.length * CHAR_W : 0) + MARGIN;
  const height = MARGIN * 2 + maxY * ROW_H + 40;
  const at = (p: Placed): { x: number; y: number } => ({ x: left + p.col * COL_W, y: MARGIN + 14 + p.y * ROW_H });

  const svg = s('svg', {
    class: 'graph',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': `Computational graph ${ev.name}: ${ev.output} = ${out ? fmtFull(out.node.value) : 'unknown'}. Values above edges, gradients below.`,
  });
  svg.appendChild(
    s('defs', {}, s('marker', { id: 'bl-arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', class: 'graph-arrow' }, s('path', { d: 'M0,0 L10,5 L0,10 z' }))),
  );
  const edges = s('g', { class: 'graph-edges' });
  const nodes = s('g', { class: 'graph-nodes' });
  svg.append(edges, nodes);

  for (const p of all) {
    const to = at(p);
    for (const name of p.node.in) {
      const src = placed.get(name);
      if (src) edges.appendChild(edge(src, at(src), to, ev.output, true));
    }
    nodes.appendChild(isInput(p.node) ? inputNode(p, to) : opNode(p, to, ev.output));
  }
  if (out) {
    const from = at(out);
    const end = { x: from.x + COL_W, y: from.y };
    edges.appendChild(edge(out, from, end, ev.output, false));
    nodes.appendChild(s('text', { class: 'graph-name graph-output', x: end.x + 6, y: end.y + 4 }, ev.output));
  }
  return h('div', { class: 'graph-wrap' }, h('div', { class: 'graph-scroll' }, svg), valueTable(ev));
}

function edge(src: Placed, a: { x: number; y: number }, b: { x: number; y: number }, output: string, toNode: boolean): SVGGElement {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const startOff = isInput(src.node) ? 4 : R;
  const x1 = a.x + (dx / len) * startOff;
  const y1 = a.y + (dy / len) * startOff;
  const x2 = b.x - (dx / len) * (toNode ? R + 2 : 0);
  const y2 = b.y - (dy / len) * (toNode ? R + 2 : 0);
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  // Labels sit on either side of the line, never across it: on a sloped edge the value goes to the
  // upper side and the gradient to the lower side, anchored away from the line.
  const slope = dy / (dx || 1);
  const flat = Math.abs(slope) < 0.15;
  const valueAt = flat ? { x: mx, y: my - 7, anchor: 'middle' } : { x: slope > 0 ? mx + 6 : mx - 6, y: my - 6, anchor: slope > 0 ? 'start' : 'end' };
  const gradAt = flat ? { x: mx, y: my + 17, anchor: 'middle' } : { x: slope > 0 ? mx - 6 : mx + 6, y: my + 16, anchor: slope > 0 ? 'end' : 'start' };
  const n = src.node;
  // A node feeding several others has one total gradient, not one per edge; it is shown at the node.
  const showGrad = src.consumers.length <= 1;
  const title = `${n.name} = ${fmtFull(n.value)}\n∂${output}/∂${n.name} = ${fmtFull(n.grad)}`;
  return s(
    'g',
    { class: 'graph-edge' },
    s('title', {}, title),
    s('line', { x1, y1, x2, y2, 'marker-end': 'url(#bl-arrow)' }),
    s('text', { class: 'graph-value', x: valueAt.x, y: valueAt.y, 'text-anchor': valueAt.anchor }, fmtGraph(n.value)),
    showGrad ? s('text', { class: 'graph-grad', x: gradAt.x, y: gradAt.y, 'text-anchor': gradAt.anchor }, fmtGraph(n.grad)) : null,
  );
}

function inputNode(p: Placed, c: { x: number; y: number }): SVGGElement {
  return s(
    'g',
    { class: 'graph-node graph-input' },
    s('title', {}, `${p.node.name} = ${fmtFull(p.node.value)} (input)`),
    s('circle', { cx: c.x, cy: c.y, r: 3 }),
    s('text', { class: 'graph-name', x: c.x - 8, y: c.y + 4, 'text-anchor': 'end' }, p.node.name),
    p.consumers.length > 1 ? s('text', { class: 'graph-grad', x: c.x - 8, y: c.y + 20, 'text-anchor': 'end' }, `Σ ${fmtGraph(p.node.grad)}`) : null,
  );
}

function opNode(p: Placed, c: { x: number; y: number }, output: string): SVGGElement {
  const symbol = SYMBOLS[p.node.op] ?? p.node.op;
  const g = s(
    'g',
    { class: 'graph-node graph-op' },
    s('title', {}, `${p.node.name} = ${p.node.op}(${p.node.in.join(', ')}) = ${fmtFull(p.node.value)}\n∂${output}/∂${p.node.name} = ${fmtFull(p.node.grad)}`),
    s('circle', { cx: c.x, cy: c.y, r: R }),
    s('text', { class: symbol.length > 1 ? 'graph-op-text long' : 'graph-op-text', x: c.x, y: c.y + (symbol.length > 1 ? 4 : 6), 'text-anchor': 'middle' }, symbol),
    s('text', { class: 'graph-node-name', x: c.x, y: c.y + R + 14, 'text-anchor': 'middle' }, p.node.name),
  );
  if (p.consumers.length > 1) {
    g.appendChild(s('text', { class: 'graph-grad', x: c.x, y: c.y + R + 28, 'text-anchor': 'middle' }, `Σ ${fmtGraph(p.node.grad)}`));
  }
  return g;
}

function valueTable(ev: GraphEvent): HTMLElement {
  const head = h('tr', {}, ...['Node', 'Op', 'Inputs', 'Value', `∂${ev.output}/∂node`].map((t) => h('th', { scope: 'col' }, t)));
  const rows = ev.nodes.map((n) =>
    h(
      'tr',
      {},
      h('td', {}, n.name),
      h('td', {}, n.op),
      h('td', {}, n.in.join(', ')),
      h('td', { class: 'num' }, fmtFull(n.value)),
      h('td', { class: 'num' }, fmtFull(n.grad)),
    ),
  );
  return h(
    'details',
    { class: 'graph-values' },
    h('summary', {}, 'Exact values'),
    h('table', { class: 'plain' }, h('thead', {}, head), h('tbody', {}, ...rows)),
  );
}
