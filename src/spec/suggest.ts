// The list and shape phrasing messages share.
import type { Phrase } from './model';
import { phrase } from './problem';

/** "a, b or c". */
export function oneOf(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** "a, b or c" as a message argument, which a translation joins in its own words. */
export function oneOfArg(items: readonly string[]): string | Phrase {
  return items.length <= 1 ? items.join('') : phrase('spec.oneOf', { items: items.slice(0, -1).join(', '), last: items[items.length - 1] });
}

/** "[2, 3]". */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
