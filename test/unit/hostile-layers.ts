// Custom layers' modules that attack the engine from outside a call's plain code: a getter, a Proxy,
// an overridden method, a thrown value's toString, the module's own top level, the thread itself.
// Each passes x through on its first forward (the shape probe when the spec loads) and attacks
// from the second (the run's), unless it attacks at load. The CLI's and the engine client's tests
// run them all.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One module and what it does. */
export interface Hostile {
  /** File name, which gives the layer's name: getter.js is Getter1. */
  file: string;
  /** What it does, for test names. */
  does: string;
  source: string;
}

const pass = 'const pass = (t) => ({ shape: t.shape, data: t.data.slice() });\nlet calls = 0;\n';
/** A CommonJS layer whose forward runs `attack` from its second call on. */
const fromSecond = (attack: string) => `${pass}module.exports = {
  forward(x) { if (++calls < 2) return pass(x); ${attack} },
  backward(d) { return pass(d); },
};
`;

export const HOSTILE: readonly Hostile[] = [
  { file: 'getter.js', does: 'returns a tensor whose shape getter loops', source: fromSecond('return { get shape() { for (;;) {} }, data: x.data.slice() };') },
  {
    file: 'proxydata.js',
    does: 'returns data in a Proxy whose reads loop',
    source: fromSecond('return { shape: x.shape, data: new Proxy(x.data.slice(), { get(t, k) { if (typeof k === "symbol" || k === "length") for (;;) {} return Reflect.get(t, k); } }) };'),
  },
  { file: 'tostring.js', does: 'throws an object whose toString loops', source: fromSecond('throw { toString() { for (;;) {} } };') },
  { file: 'proxy.js', does: 'returns a Proxy whose traps throw', source: fromSecond("return new Proxy({}, { has() { throw new Error('trap'); }, get() { throw new Error('trap'); } });") },
  { file: 'getthrow.js', does: 'returns a tensor whose data getter throws', source: fromSecond("return { shape: x.shape, get data() { throw new Error('no data yet'); } };") },
  { file: 'nullproto.js', does: 'throws Object.create(null)', source: fromSecond('throw Object.create(null);') },
  { file: 'exit.js', does: 'calls process.exit(7)', source: fromSecond('process.exit(7);') },
  { file: 'reject.js', does: 'leaves a rejected promise nobody handles', source: fromSecond("Promise.reject(new Error('nobody waits for me')); return pass(x);") },
  {
    file: 'rejectloop.js',
    does: 'leaves a rejected promise nobody handles, whose reason loops in toString',
    source: fromSecond('Promise.reject({ toString() { for (;;) {} } }); return pass(x);'),
  },
  { file: 'oom.js', does: 'allocates until the heap is full', source: fromSecond('const keep = []; for (;;) keep.push(new Array(1e5).fill(1.5));') },
  { file: 'interval.js', does: 'starts a setInterval at its top level', source: `setInterval(() => {}, 1000);\n${fromSecond('return pass(x);')}` },
  { file: 'never.mjs', does: 'awaits at its top level a promise that never settles', source: 'await new Promise(() => {});\nexport default { forward(x) { return x; }, backward(d) { return d; } };\n' },
  {
    file: 'slice.js',
    does: 'returns data whose slice and length are overridden to loop',
    source: fromSecond("const data = x.data.map((v) => 2 * v); data.slice = () => { for (;;) {} }; Object.defineProperty(data, 'length', { get() { for (;;) {} } }); return { shape: x.shape, data };"),
  },
];

/** Writes every module of HOSTILE into `dir`. */
export function writeHostile(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const h of HOSTILE) writeFileSync(join(dir, h.file), h.source);
}
