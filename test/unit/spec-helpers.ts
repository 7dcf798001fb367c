// Shared by the spec tests: where a piece of text sits (an oracle by plain index arithmetic, not the
// YAML library), and the one problem carrying a message.
import assert from 'node:assert/strict';
import type { Problem, Range } from '../../src/spec/model';

/** Zero-based range of the `nth` occurrence of `needle` in `text`. */
export function rangeOf(text: string, needle: string, nth = 0): Range {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(needle, at + 1);
    assert.notEqual(at, -1, `'${needle}' occurs fewer than ${nth + 1} times`);
  }
  const pos = (offset: number) => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, character: before[before.length - 1].length };
  };
  return { start: pos(at), end: pos(at + needle.length) };
}

/** The single problem with exactly this message (fails listing all problems otherwise). */
export function problem(problems: readonly Problem[], message: string): Problem {
  const found = problems.filter((p) => p.message === message);
  assert.equal(found.length, 1, `expected one problem "${message}", got:\n${problems.map((p) => `  ${p.severity}: ${p.message}`).join('\n')}`);
  return found[0];
}

/** Asserts a problem with this message, severity and range. */
export function expectProblem(problems: readonly Problem[], message: string, range: Range, severity: Problem['severity'] = 'error'): void {
  const p = problem(problems, message);
  assert.deepEqual(p.range, range, `range of "${message}"`);
  assert.equal(p.severity, severity, `severity of "${message}"`);
}

/** The `length` characters of one-line range `r` after skipping `skip` (one token inside a longer needle). */
export function shrink(r: Range, skip: number, length: number): Range {
  const start = { line: r.start.line, character: r.start.character + skip };
  return { start, end: { line: start.line, character: start.character + length } };
}

/** A little-endian float64 .npy file (format 1.0), written byte by byte as NumPy does. */
export function npyF8(shape: number[], values: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shapeText}, }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + values.length * 8);
  const view = new DataView(out.buffer);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  values.forEach((v, i) => view.setFloat64(10 + header.length + i * 8, v, true));
  return out;
}
