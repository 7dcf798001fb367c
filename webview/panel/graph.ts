// A scalar computational graph drawn as in the book's figures: inputs on the left, operation nodes
// as circles, each edge labelled with the forward value above and the gradient below, the output on
// the right. Columns are topological depth; rows follow the operands (barycentre) to limit crossings.
// Columns are wide enough that a node's name clears the labels of the edges beside it; the drawing is
// fitted to the panel's width, with zoom and pan (GraphViewport) to read it closer.
import type { GraphNodeInfo, WireTensor } from '../../src/protocol';
import { h, s } from '../shared/dom';
import { escapeControls, fmtFull, fmtGraph } from '../../src/format';
import { fmtDelta, type RunComparison } from './baseline';
import type { GraphEvent } from '../shared/state';
import { t } from '../shared/strings';

/** The narrowest column, however short the names and labels: room for a circle and an arrow. */
const COL_W_MIN = 120;
const ROW_H = 76;
const R = 20;
/** Estimated advance of a character: input and output names (13 px sans), node names (11 px mono), edge labels (13 px mono). */
const CHAR_W = 8;
const NODE_NAME_W = 6.8;
const LABEL_W = 8;
const MARGIN = 24;
/** Longer names are cut with … in the drawing; the hover and the table of exact values keep them whole. */
const NAME_MAX = 24;
/** Zoom is relative to the fit; ZOOM_STEP per button press, key or wheel notch; arrow keys pan by PAN_STEP of the view. */
const ZOOM_MAX = 8;
const ZOOM_STEP = 1.25;
const PAN_STEP = 0.1;

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

/** One figure of a node against the baseline: its Δ (current − baseline) and the baseline's figure, or why it is not compared. */
export type FigureDelta = { delta: number; baseline: number } | { reason: string };

/** A node's value and grad against the baseline. */
export interface NodeDelta {
  value: FigureDelta;
  grad: FigureDelta;
}

/** The graph run against a baseline: the comparison, and the run's tensors by name (graphTensorsOf). */
export interface GraphBaseline {
  comparison: RunComparison;
  tensors: ReadonlyMap<string, WireTensor>;
}

/** Each node's Δ value and Δ grad, by node name, by the comparison's one element-wise rule. */
export function nodeDeltas(nodes: readonly GraphNodeInfo[], baseline: GraphBaseline): Map<string, NodeDelta> {
  const figure = (name: string): FigureDelta => {
    const current = baseline.tensors.get(name);
    if (!current) return { reason: t('its values did not arrive') };
    const c = baseline.comparison.compare(name, current);
    if (c.kind === 'diff') return { delta: c.diff.delta.data[0], baseline: c.baseline[0] };
    return { reason: c.kind === 'unavailable' ? c.reason : t('not in the baseline') };
  };
  return new Map(nodes.map((n) => [n.name, { value: figure(`${escapeControls(n.name)}/value`), grad: figure(`${escapeControls(n.name)}/grad`) }]));
}

/** A figure's Δ as the drawing shows it, "Δ +10", or null when it did not move (or is not compared). */
function deltaLabel(d: FigureDelta | undefined): string | null {
  return d && 'delta' in d && d.delta !== 0 ? `Δ ${fmtDelta(d.delta)}` : null;
}

/** A figure against the baseline, in words for a hover: "Δ +10 (baseline 100)". */
function deltaText(d: FigureDelta): string {
  return 'delta' in d ? t('Δ {0} (baseline {1})', fmtDelta(d.delta), fmtFull(d.baseline)) : t('Δ not available: {0}', d.reason);
}

/** A node's hover lines against the baseline, or '' with none. */
function deltaLines(n: GraphNodeInfo, output: string, d: NodeDelta | undefined): string {
  return d ? `\n${t('value: {0}', deltaText(d.value))}\n∂${output}/∂${n.name}: ${deltaText(d.grad)}` : '';
}

/** `name` as drawn: at most NAME_MAX characters. */
function shortName(name: string): string {
  return name.length > NAME_MAX ? `${name.slice(0, NAME_MAX - 1)}…` : name;
}

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

/** Widest edge label, in px. */
function labelWidth(all: Placed[]): number {
  return all.reduce((w, p) => Math.max(w, fmtGraph(p.node.value).length, fmtGraph(p.node.grad).length), 0) * LABEL_W;
}

/** Whether an input right of the first column has room for its name left of its dot, before the labels of the column to its left. */
function nameFitsLeft(p: Placed, colW: number, label: number): boolean {
  return p.col === 0 || shortName(p.node.name).length * CHAR_W + label + 16 <= colW / 2;
}

/**
 * Column width: a name centred under its node (an operation, or an input whose name is too long for
 * the left) must end before the labels of the edges on either side, which sit near the edges'
 * midpoints and reach a label's width towards the node.
 */
function columnWidth(all: Placed[], label: number): number {
  let width = COL_W_MIN;
  for (const p of all) {
    if (isInput(p.node) && nameFitsLeft(p, COL_W_MIN, label)) continue;
    width = Math.max(width, shortName(p.node.name).length * (isInput(p.node) ? CHAR_W : NODE_NAME_W) + 2 * label + 24);
  }
  return Math.ceil(width);
}

/** Renders the graph of `ev`, fitted to the panel's width, with a table of exact values below it; against `baseline`, each node's Δ value and Δ grad too. */
export function renderGraph(ev: GraphEvent, baseline: GraphBaseline | null = null): HTMLElement {
  if (ev.nodes.length === 0) return h('p', { class: 'empty' }, t('The graph has no nodes.'));
  const deltas = baseline ? nodeDeltas(ev.nodes, baseline) : null;
  const placed = layout(ev.nodes);
  const all = [...placed.values()];
  const label = labelWidth(all);
  const colW = columnWidth(all, label);
  const labelW = all.reduce((w, p) => (isInput(p.node) && p.col === 0 ? Math.max(w, shortName(p.node.name).length * CHAR_W) : w), 0);
  const left = MARGIN + labelW + 8;
  const maxCol = all.reduce((m, p) => Math.max(m, p.col), 0);
  const maxY = all.reduce((m, p) => Math.max(m, p.y), 0);
  const out = placed.get(ev.output);
  const width = left + (maxCol + 1) * colW + (out ? shortName(out.node.name).length * CHAR_W : 0) + MARGIN;
  const height = MARGIN * 2 + maxY * ROW_H + 40;
  const at = (p: Placed): { x: number; y: number } => ({ x: left + p.col * colW, y: MARGIN + 14 + p.y * ROW_H });

  const svg = s('svg', {
    class: 'graph',
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-label': t('Computational graph {0}: {1} = {2}. Values above edges, gradients below.', ev.name, ev.output, out ? fmtFull(out.node.value) : t('unknown')),
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
      if (src) edges.appendChild(edge(src, at(src), to, ev.output, true, deltas?.get(name)));
    }
    const d = deltas?.get(p.node.name);
    nodes.appendChild(isInput(p.node) ? inputNode(p, to, nameFitsLeft(p, colW, label), ev.output, d) : opNode(p, to, ev.output, d));
  }
  if (out) {
    const from = at(out);
    const end = { x: from.x + colW, y: from.y };
    edges.appendChild(edge(out, from, end, ev.output, false, deltas?.get(out.node.name)));
    nodes.appendChild(s('text', { class: 'graph-name graph-output', x: end.x + 6, y: end.y + 4 }, shortName(ev.output)));
  }
  return h('div', { class: 'graph-wrap' }, new GraphViewport(svg, width, height).element, valueTable(ev, deltas));
}

/** The drawing in a box of the panel's width: fitted at first, zoomed and panned by changing its viewBox. */
class GraphViewport {
  readonly element: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly fitButton: HTMLButtonElement;
  /** Zoom relative to the fit (1: the whole graph), and the view's top-left corner in graph units. */
  private zoom = 1;
  private x = 0;
  private y = 0;

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly width: number,
    private readonly height: number,
  ) {
    const button = (text: string, label: string, title: string, onClick: () => void): HTMLButtonElement => {
      const b = h('button', { class: 'button secondary icon', type: 'button', title, 'aria-label': label }, text);
      b.addEventListener('click', onClick);
      return b;
    };
    this.fitButton = button(t('Fit'), t('Fit to width'), t('Fit the whole graph to the width (0)'), () => this.fit());
    this.fitButton.classList.remove('icon');
    const tools = h(
      'div',
      { class: 'zoom graph-zoom', role: 'group', 'aria-label': t('Graph zoom') },
      button('−', t('Zoom out'), t('Zoom out (−)'), () => this.zoomBy(1 / ZOOM_STEP)),
      this.fitButton,
      button('+', t('Zoom in'), t('Zoom in (+)'), () => this.zoomBy(ZOOM_STEP)),
    );
    const hint = h('span', { class: 'graph-hint' }, t('Ctrl+wheel or + − to zoom, drag or arrow keys to pan, 0 to fit'));
    this.stage = h(
      'div',
      { class: 'graph-stage', tabindex: 0, role: 'group', 'aria-label': t('Graph view: + and − zoom, arrow keys pan, 0 fits the whole graph') },
      svg,
    );
    this.element = h('div', { class: 'graph-viewport' }, h('div', { class: 'graph-tools' }, tools, hint), this.stage);
    this.listen();
    this.apply();
  }

  private listen(): void {
    this.stage.addEventListener(
      'wheel',
      (e) => {
        // A plain wheel scrolls the page, as over a heatmap; Ctrl+wheel (and a pinch) zooms at the pointer.
        if (!e.ctrlKey && !e.metaKey) return;
        e.preventDefault();
        const box = this.svg.getBoundingClientRect();
        this.zoomBy(e.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, (e.clientX - box.left) / box.width, (e.clientY - box.top) / box.height);
      },
      { passive: false },
    );
    this.stage.addEventListener('keydown', (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const view = { w: this.width / this.zoom, h: this.height / this.zoom };
      if (e.key === '+' || e.key === '=') this.zoomBy(ZOOM_STEP);
      else if (e.key === '-') this.zoomBy(1 / ZOOM_STEP);
      else if (e.key === '0') this.fit();
      else if (e.key === 'ArrowLeft') this.panBy(-view.w * PAN_STEP, 0);
      else if (e.key === 'ArrowRight') this.panBy(view.w * PAN_STEP, 0);
      else if (e.key === 'ArrowUp') this.panBy(0, -view.h * PAN_STEP);
      else if (e.key === 'ArrowDown') this.panBy(0, view.h * PAN_STEP);
      else return;
      e.preventDefault();
    });
    let drag: { id: number; x: number; y: number } | null = null;
    this.stage.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || this.zoom === 1) return;
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY };
      this.stage.setPointerCapture(e.pointerId);
      this.stage.classList.add('dragging');
    });
    this.stage.addEventListener('pointermove', (e) => {
      if (drag?.id !== e.pointerId) return;
      const unitsPerPx = this.width / this.zoom / this.svg.getBoundingClientRect().width;
      this.panBy((drag.x - e.clientX) * unitsPerPx, (drag.y - e.clientY) * unitsPerPx);
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY };
    });
    const end = (e: PointerEvent): void => {
      if (drag?.id !== e.pointerId) return;
      drag = null;
      this.stage.classList.remove('dragging');
    };
    this.stage.addEventListener('pointerup', end);
    this.stage.addEventListener('pointercancel', end);
  }

  /** Shows the whole graph. */
  private fit(): void {
    this.zoom = 1;
    this.x = 0;
    this.y = 0;
    this.apply();
  }

  /** Zooms by `factor`, keeping the point at (fx, fy), fractions of the view, where it is (the centre by default). */
  private zoomBy(factor: number, fx = 0.5, fy = 0.5): void {
    const zoom = Math.min(ZOOM_MAX, Math.max(1, this.zoom * factor));
    const px = this.x + (fx * this.width) / this.zoom;
    const py = this.y + (fy * this.height) / this.zoom;
    this.zoom = zoom;
    this.x = px - (fx * this.width) / zoom;
    this.y = py - (fy * this.height) / zoom;
    this.apply();
  }

  private panBy(dx: number, dy: number): void {
    this.x += dx;
    this.y += dy;
    this.apply();
  }

  /** Keeps the view inside the graph and sets the viewBox. */
  private apply(): void {
    const w = this.width / this.zoom;
    const hgt = this.height / this.zoom;
    this.x = Math.min(this.width - w, Math.max(0, this.x));
    this.y = Math.min(this.height - hgt, Math.max(0, this.y));
    this.svg.setAttribute('viewBox', `${this.x} ${this.y} ${w} ${hgt}`);
    this.stage.classList.toggle('zoomed', this.zoom > 1);
    this.fitButton.setAttribute('aria-pressed', String(this.zoom === 1));
  }
}

function edge(src: Placed, a: { x: number; y: number }, b: { x: number; y: number }, output: string, toNode: boolean, d: NodeDelta | undefined): SVGGElement {
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
  const title = `${n.name} = ${fmtFull(n.value)}\n∂${output}/∂${n.name} = ${fmtFull(n.grad)}${deltaLines(n, output, d)}`;
  // Against the baseline, a figure that moved has its Δ on a line of its own, outside the figure: above the value, below the gradient.
  const valueDelta = deltaLabel(d?.value);
  const gradDelta = showGrad ? deltaLabel(d?.grad) : null;
  return s(
    'g',
    { class: 'graph-edge' },
    s('title', {}, title),
    s('line', { x1, y1, x2, y2, 'marker-end': 'url(#bl-arrow)' }),
    s('text', { class: 'graph-value', x: valueAt.x, y: valueAt.y, 'text-anchor': valueAt.anchor }, fmtGraph(n.value)),
    valueDelta ? s('text', { class: 'graph-value graph-delta', x: valueAt.x, y: valueAt.y - 17, 'text-anchor': valueAt.anchor }, valueDelta) : null,
    showGrad ? s('text', { class: 'graph-grad', x: gradAt.x, y: gradAt.y, 'text-anchor': gradAt.anchor }, fmtGraph(n.grad)) : null,
    gradDelta ? s('text', { class: 'graph-grad graph-delta', x: gradAt.x, y: gradAt.y + 16, 'text-anchor': gradAt.anchor }, gradDelta) : null,
  );
}

/** An input: its name left of its dot, as the book draws them, or centred below it when there is no room on the left. */
function inputNode(p: Placed, c: { x: number; y: number }, left: boolean, output: string, d: NodeDelta | undefined): SVGGElement {
  const at = left ? { x: c.x - 8, y: c.y + 4, anchor: 'end' } : { x: c.x, y: c.y + 18, anchor: 'middle' };
  const gradDelta = p.consumers.length > 1 ? deltaLabel(d?.grad) : null;
  return s(
    'g',
    { class: 'graph-node graph-input' },
    s('title', {}, t('{0} = {1} (input)', p.node.name, fmtFull(p.node.value)) + deltaLines(p.node, output, d)),
    s('circle', { cx: c.x, cy: c.y, r: 3 }),
    s('text', { class: 'graph-name', x: at.x, y: at.y, 'text-anchor': at.anchor }, shortName(p.node.name)),
    p.consumers.length > 1 ? s('text', { class: 'graph-grad', x: at.x, y: at.y + 16, 'text-anchor': at.anchor }, `Σ ${fmtGraph(p.node.grad)}`) : null,
    gradDelta ? s('text', { class: 'graph-grad graph-delta', x: at.x, y: at.y + 32, 'text-anchor': at.anchor }, gradDelta) : null,
  );
}

function opNode(p: Placed, c: { x: number; y: number }, output: string, d: NodeDelta | undefined): SVGGElement {
  const symbol = SYMBOLS[p.node.op] ?? p.node.op;
  const g = s(
    'g',
    { class: 'graph-node graph-op' },
    s('title', {}, `${p.node.name} = ${p.node.op}(${p.node.in.join(', ')}) = ${fmtFull(p.node.value)}\n∂${output}/∂${p.node.name} = ${fmtFull(p.node.grad)}${deltaLines(p.node, output, d)}`),
    s('circle', { cx: c.x, cy: c.y, r: R }),
    s('text', { class: symbol.length > 1 ? 'graph-op-text long' : 'graph-op-text', x: c.x, y: c.y + (symbol.length > 1 ? 4 : 6), 'text-anchor': 'middle' }, symbol),
    s('text', { class: 'graph-node-name', x: c.x, y: c.y + R + 14, 'text-anchor': 'middle' }, shortName(p.node.name)),
  );
  if (p.consumers.length > 1) {
    g.appendChild(s('text', { class: 'graph-grad', x: c.x, y: c.y + R + 28, 'text-anchor': 'middle' }, `Σ ${fmtGraph(p.node.grad)}`));
    const gradDelta = deltaLabel(d?.grad);
    if (gradDelta) g.appendChild(s('text', { class: 'graph-grad graph-delta', x: c.x, y: c.y + R + 44, 'text-anchor': 'middle' }, gradDelta));
  }
  return g;
}

/** A table cell of a figure's Δ: "+10", "0", or "–" with why in its hover. */
function deltaCell(d: FigureDelta): HTMLElement {
  if (!('delta' in d)) return h('td', { class: 'num graph-delta-cell', title: d.reason }, '–');
  return h('td', { class: `num graph-delta-cell ${d.delta === 0 ? 'same' : 'changed'}`, title: deltaText(d) }, fmtDelta(d.delta));
}

function valueTable(ev: GraphEvent, deltas: Map<string, NodeDelta> | null): HTMLElement {
  const [op, inputs, value, dValue, grad, dGrad] = [t('Op'), t('Inputs'), t('Value'), t('Δ value'), t('∂{0}/∂node', ev.output), t('Δ grad')];
  const columns = [t('Node'), op, inputs, value, ...(deltas ? [dValue] : []), grad, ...(deltas ? [dGrad] : [])];
  // Roles kept explicit: a narrow panel lays the rows out as blocks, which would drop the table's.
  const head = h('tr', { role: 'row' }, ...columns.map((text) => h('th', { scope: 'col', role: 'columnheader' }, text)));
  // Each cell names its column, for the narrow layout, where a row is a line of labelled figures.
  const cell = (label: string | null, td: HTMLElement) => {
    td.setAttribute('role', 'cell');
    if (label) td.dataset.label = label;
    return td;
  };
  const rows = ev.nodes.map((n) => {
    const d = deltas?.get(n.name);
    return h(
      'tr',
      { role: 'row' },
      cell(null, h('td', { class: 'graph-node' }, n.name)),
      cell(op, h('td', {}, n.op)),
      cell(inputs, h('td', { class: 'graph-inputs' }, n.in.join(', '))),
      cell(value, h('td', { class: 'num' }, fmtFull(n.value))),
      d ? cell(dValue, deltaCell(d.value)) : null,
      cell(grad, h('td', { class: 'num' }, fmtFull(n.grad))),
      d ? cell(dGrad, deltaCell(d.grad)) : null,
    );
  });
  return h(
    'details',
    { class: 'graph-values' },
    h('summary', {}, t('Exact values')),
    // A narrow panel scrolls the table, not the page, when its columns (more of them against a baseline) are wider.
    h('div', { class: 'graph-values-scroll' }, h('table', { class: 'plain', role: 'table' }, h('thead', { role: 'rowgroup' }, head), h('tbody', { role: 'rowgroup' }, ...rows))),
  );
}
