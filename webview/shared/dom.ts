// DOM construction without HTML strings: every text from a spec or a run goes in as a text node or
// an attribute value, so a layer named `<img src=x onerror=…>` is shown, never parsed.

/** Attributes to set; `false`, null and undefined skip the attribute, `true` sets it empty. */
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/** A child: an element, or text that becomes a text node. */
export type Child = Node | string | null | undefined | false;

function applyAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** An HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The row a key moves to in a list of rows (arrows, Home, End; Enter or Space keep it), or -1. */
export function rowKeyTarget(key: string, i: number, last: number): number {
  if (key === 'ArrowDown') return Math.min(last, i + 1);
  if (key === 'ArrowUp') return Math.max(0, i - 1);
  if (key === 'Home') return 0;
  if (key === 'End') return last;
  return key === 'Enter' || key === ' ' ? i : -1;
}
