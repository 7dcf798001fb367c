// "Did you mean" suggestions by edit distance, and the list phrasing messages share.
import { closest } from '../engine/near-miss';

/** " — did you mean 'x'?" when a candidate is close, else " (expected a, b or c)". */
export function suggestion(word: string, candidates: readonly string[]): string {
  const match = closest(word, candidates);
  return match !== undefined ? ` — did you mean '${match}'?` : ` (expected ${oneOf(candidates)})`;
}

/** "a, b or c". */
export function oneOf(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** "[2, 3]". */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
