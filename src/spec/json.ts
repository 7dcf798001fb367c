// Locating the first JSON syntax error. The model itself is read by the YAML parser (JSON is YAML 1.2),
// but YAML also accepts comments, trailing commas and unquoted keys, and JSON.parse's messages differ
// between Node versions and often lack a position. This scanner checks strict JSON (RFC 8259) and says
// what is wrong, where. It keeps an explicit stack, so deep nesting cannot overflow the call stack.
import type { Phrase } from './model';
import { phrase } from './problem';

/** A JSON syntax error: message and the offending offsets [start, end). */
export interface JsonSyntaxError {
  /** What is wrong, e.g. "trailing comma is not allowed in JSON". */
  message: Phrase;
  /** First offending offset. */
  start: number;
  /** One past the last offending offset. */
  end: number;
}

/** The first syntax error of `text` as strict JSON, or null when it is valid JSON. */
export function jsonSyntaxError(text: string): JsonSyntaxError | null {
  const stack: ('{' | '[')[] = [];
  // What may come next: a value, an object key (or '}' right after '{'), ':' after a key, or
  // (after a value) a ',' or the closing bracket of the enclosing container.
  let expect: 'value' | 'first-value' | 'key' | 'first-key' | 'colon' | 'after' = 'value';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark is not part of the JSON text
  const fail = (message: Phrase, start = i, end = Math.min(text.length, start + 1)): JsonSyntaxError => ({ message, start, end });

  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
    if (i >= text.length) {
      if (expect === 'after' && stack.length === 0) return null;
      const closer = stack[stack.length - 1] === '{' ? '}' : ']';
      const early = expect === 'after' ? phrase('spec.json.endsEarlyAfter', { closer }) : phrase(expect === 'colon' ? 'spec.json.endsEarlyColon' : 'spec.json.endsEarlyValue');
      return fail(text.trim() === '' ? phrase('spec.json.empty') : early, text.length, text.length);
    }
    const c = text[i];
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) return fail(phrase('spec.json.comment'), i, i + 2);

    if (expect === 'after') {
      if (stack.length === 0) return fail(phrase('spec.json.textAfter'), i, tokenEnd(text, i));
      const top = stack[stack.length - 1];
      const closer = top === '{' ? '}' : ']';
      if (c === ',') {
        expect = top === '{' ? 'key' : 'value';
        const next = skipSpace(text, i + 1);
        if (text[next] === closer) return fail(phrase('spec.json.trailingComma'), i, i + 1);
        i++;
      } else if (c === closer) {
        stack.pop();
        i++;
      } else {
        return fail(phrase(top === '{' ? 'spec.json.afterProperty' : 'spec.json.afterItem'), i, tokenEnd(text, i));
      }
      continue;
    }

    if (expect === 'colon') {
      if (c !== ':') return fail(phrase('spec.json.colon'));
      i++;
      expect = 'value';
      continue;
    }

    if (expect === 'key' || expect === 'first-key') {
      if (c === '}' && expect === 'first-key') {
        stack.pop();
        i++;
        expect = 'after';
        continue;
      }
      if (c !== '"') return fail(phrase(c === "'" ? 'spec.json.singleQuotes' : 'spec.json.unquotedName'), i, tokenEnd(text, i));
      const end = scanString(text, i);
      if (typeof end !== 'number') return end;
      i = end;
      expect = 'colon';
      continue;
    }

    // A value.
    if (c === ']' && expect === 'first-value') {
      stack.pop();
      i++;
      expect = 'after';
      continue;
    }
    if (c === '{' || c === '[') {
      stack.push(c);
      i++;
      expect = c === '{' ? 'first-key' : 'first-value';
      continue;
    }
    expect = 'after';
    if (c === '"') {
      const end = scanString(text, i);
      if (typeof end !== 'number') return end;
      i = end;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i, i + 400));
      const word = endOfWord(text, i);
      if (!m || i + m[0].length !== word) return fail(phrase('spec.json.badNumber', { number: text.slice(i, word) }), i, word);
      i = word;
    } else {
      const word = endOfWord(text, i);
      const literal = text.slice(i, word);
      if (literal === 'true' || literal === 'false' || literal === 'null') {
        i = word;
      } else if (c === "'") {
        return fail(phrase('spec.json.singleQuotes'));
      } else {
        return fail(literal === '' ? phrase('spec.json.unexpectedChar', { char: c }) : phrase('spec.json.notAValue', { literal: literal.slice(0, 40) }), i, Math.max(word, i + 1));
      }
    }
  }
}

/** End offset of a double-quoted string starting at `start`, or its error. */
function scanString(text: string, start: number): number | JsonSyntaxError {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return { message: phrase('spec.json.control'), start: i, end: i + 1 };
    if (c === 0x5c) {
      const e = text[i + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { message: phrase('spec.json.badUnicodeEscape'), start: i, end: Math.min(text.length, i + 6) };
        i += 6;
        continue;
      }
      if (e === undefined || !'"\\/bfnrt'.includes(e)) return { message: phrase('spec.json.badEscape', { escape: `\\${e ?? ''}` }), start: i, end: Math.min(text.length, i + 2) };
      i += 2;
      continue;
    }
    i++;
  }
  return { message: phrase('spec.json.unterminated'), start, end: text.length };
}

/** End of the token at `i`, for the range of an error: a whole string, a word, or one character. */
function tokenEnd(text: string, i: number): number {
  if (text[i] === '"') {
    const end = scanString(text, i);
    return typeof end === 'number' ? end : end.end;
  }
  return Math.max(i + 1, endOfWord(text, i));
}

/** Offset after the run of non-delimiter characters at `i`. */
function endOfWord(text: string, i: number): number {
  let j = i;
  while (j < text.length && !' \t\n\r,:[]{}"'.includes(text[j])) j++;
  return j;
}

/** Offset of the first non-space character at or after `i`. */
function skipSpace(text: string, i: number): number {
  while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  return i;
}
